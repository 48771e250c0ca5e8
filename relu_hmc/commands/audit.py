"""`relu-hmc audit MODULE:FUNCTION [--json] [--seed N]`: audit a user's one-step integrator.

FUNCTION must be step(q, p, eps, grad_U) -> (q, p) on 1-D float arrays. MODULE is imported
as Python imports it, with the current directory first on the path (so a file ./mystep.py is
`mystep:step`). The audit judges what makes a step valid for HMC (consistency, energy-error
orders of any size >= the consistent minimum, reversibility, volume, the symplectic form) and
names the built-in splitting whose error coefficients the step has (relu_hmc.audit).
Exit 0 if every property passes, 1 if any fails, 2 if the function cannot be
audited (import error, no such function, wrong signature, an exception inside it,
non-finite or misshapen output, a call that does not return within --call-timeout seconds):
one line, never a traceback. While the audit runs longer than PROGRESS_SECONDS, a progress
line on stderr says how many calls were made and which measurement is running (--quiet: none).

The per-call time limit is a SIGALRM timer armed around each call of the user's step (main
thread only); it interrupts Python code, including sleeps and loops that swallow exceptions
(the alarm repeats every ALARM_REPEAT_SECONDS), but not a call stuck inside compiled code
that never returns to the interpreter.
"""
from __future__ import annotations

import functools
import importlib
import json
import math
import os
import signal
import sys
import threading
import time

from relu_hmc.errors import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Default per-call limit of the user's step (seconds): a leapfrog step on a few hundred
#: coordinates takes microseconds to milliseconds.
DEFAULT_CALL_TIMEOUT = 10.0
#: First progress line after this much wall time, then one per interval.
PROGRESS_SECONDS = 2.0
PROGRESS_INTERVAL = 5.0
#: A step that catches the timeout exception is interrupted again after this long.
ALARM_REPEAT_SECONDS = 0.5


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="audit a one-step integrator step(q, p, eps, grad_U): is it valid for HMC?",
        description="Measure a user's step on smooth, kinked and coupled test potentials: consistency, "
                    "energy-error orders (local, global, kink crossings), reversibility, volume "
                    "preservation, the symplectic form; name the built-in splitting whose error "
                    "coefficients it has. Exit 0 valid, 1 a property fails, 2 unusable input.")
    parser.add_argument("target", metavar="MODULE:FUNCTION", help="e.g. mypackage.integrators:leapfrog")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--seed", type=int, default=0, help="seed of the test points (default 0)")
    parser.add_argument("--call-timeout", type=float, default=DEFAULT_CALL_TIMEOUT, metavar="SECONDS",
                        help=f"time limit of one call of the step function (default {DEFAULT_CALL_TIMEOUT:g})")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def load_step(target: str):
    """Import MODULE:FUNCTION; UsageError (one line) if it cannot be found."""
    if not isinstance(target, str) or target.count(":") != 1 or not all(target.split(":")):
        raise UsageError(f"expected MODULE:FUNCTION (e.g. mymodule:step), got {target!r}")
    module_name, attr = target.split(":")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(f"cannot import {module_name!r}: {exc}") from None
    except BaseException as exc:  # noqa: BLE001 - the user's module runs arbitrary code on import
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = " ".join(str(exc).split())
        raise UsageError(f"importing {module_name!r} raised {type(exc).__name__}" + (f": {text}" if text else "")) from None
    obj = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise UsageError(f"{target} is not a function (a {type(obj).__name__})")
    return obj


_MEASURING_MODULES = ("relu_hmc.numerics.audit", "relu_hmc.numerics.step_invariants")


def _running_part() -> str:
    """The measurement calling the step: the innermost numerics.audit or step_invariants function on the stack
    (and the test potential it integrates, when it has one)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__") in _MEASURING_MODULES and frame.f_code.co_name != "__call__":
            potential = getattr(frame.f_locals.get("potential"), "name", None)
            part = frame.f_code.co_name.strip("_").replace("_", " ")
            return f"{part} ({potential})" if potential else part
        frame = frame.f_back
    return "checking the step"


class _CallExpired(BaseException):
    """Raised by the SIGALRM handler inside the user's step."""


class WatchedStep:
    """The user's step with a per-call time limit and progress lines (see the module doc).

    `wrap(step)` returns a function with the step's signature (functools.wraps) whose calls
    raise StepTimeout (a StepFunctionError: one line, exit 2) after `timeout` seconds."""

    def __init__(self, name: str, timeout: float, progress=sys.stderr):
        from relu_hmc.numerics.audit import StepFunctionError

        if not (math.isfinite(timeout) and timeout > 0):
            raise UsageError(f"--call-timeout must be a number of seconds > 0, got {timeout}")
        self.name, self.timeout, self.progress = name, float(timeout), progress
        self.calls, self.part = 0, "checking the step"
        self.start = self.next_report = None
        self.timeout_error = type("StepTimeout", (StepFunctionError,), {})
        self.expired = False
        self.armed = threading.current_thread() is threading.main_thread()

    def _alarm(self, signum, frame):
        self.expired = True
        raise _CallExpired  # a BaseException: user code catching Exception does not stop it

    def _report(self) -> None:
        now = time.monotonic()
        if self.progress is not None and now >= self.next_report:
            print(f"audit: {self.calls} calls of {self.name} in {now - self.start:.0f} s; measuring {self.part}",
                  file=self.progress, flush=True)
            self.next_report = now + PROGRESS_INTERVAL

    def wrap(self, step):
        @functools.wraps(step)
        def watched(*args, **kwargs):
            self.calls += 1
            self.part = _running_part()
            self._report()
            if not self.armed:
                return step(*args, **kwargs)
            signal.setitimer(signal.ITIMER_REAL, self.timeout, ALARM_REPEAT_SECONDS)
            try:
                return step(*args, **kwargs)
            except BaseException:
                if not self.expired:
                    raise
                raise self.timeout_error(
                    f"{self.name} did not return within {self.timeout:g} s (call {self.calls}, while measuring "
                    f"{self.part}); it may never return: fix it, or raise --call-timeout if it is only slow") from None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        return watched

    def __enter__(self):
        self.start = time.monotonic()
        self.next_report = self.start + PROGRESS_SECONDS
        if self.armed:
            self._previous = signal.signal(signal.SIGALRM, self._alarm)
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)


def run(args) -> int:
    from relu_hmc.numerics.audit import StepFunctionError
    from relu_hmc.audit import audit

    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    step = load_step(args.target)
    watch = WatchedStep(args.target, args.call_timeout, None if args.quiet else sys.stderr)
    try:
        with watch:
            report = audit(watch.wrap(step), seed=args.seed, name=args.target)
    except StepFunctionError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(json_safe(report.as_dict()), indent=2, allow_nan=False))
    else:
        print(report.to_text())
    return EXIT_OK if report.passed else EXIT_FAILED


def json_safe(value):
    """JSON-safe copy: non-finite floats become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, int):
        return value
    return number if math.isfinite(number) else None
