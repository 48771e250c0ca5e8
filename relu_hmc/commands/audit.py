"""`relu-hmc audit MODULE:FUNCTION [--json] [--seed N]`: audit a user's one-step integrator.

FUNCTION must be step(q, p, eps, grad_U) -> (q, p) on 1-D float arrays. MODULE is imported
as Python imports it, with the current directory first on the path (so a file ./mystep.py is
`mystep:step`). Exit 0 if every property passes, 1 if any fails, 2 if the function cannot be
audited (import error, no such function, wrong signature, an exception inside it,
non-finite or misshapen output): one line, never a traceback.
"""
from __future__ import annotations

import importlib
import json
import math
import os
import sys

from relu_hmc.errors import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="audit a one-step integrator step(q, p, eps, grad_U) against theory",
        description="Measure a user's leapfrog step on smooth and kinked test potentials: energy-error "
                    "orders, the eps^3 coefficient, kink crossings, reversibility, volume preservation.")
    parser.add_argument("target", metavar="MODULE:FUNCTION", help="e.g. mypackage.integrators:leapfrog")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--seed", type=int, default=0, help="seed of the test points (default 0)")


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


def run(args) -> int:
    from relu_hmc.numerics.audit import StepFunctionError
    from relu_hmc.audit import audit

    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    step = load_step(args.target)
    try:
        report = audit(step, seed=args.seed, name=args.target)
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
