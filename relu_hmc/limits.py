"""Resource limits, stated and enforced before work starts.

Memory. A request is refused (one line with the estimate, CLI exit 2) when its estimated
peak working set exceeds the memory this machine has available now
(`available_memory_bytes`: MemAvailable from /proc/meminfo, else free physical pages from
os.sysconf, capped by this process's RLIMIT_AS). Estimates are pure functions of the
request (nothing is allocated to make them) and count every array the computation holds at
its peak; see `bnn_memory_bytes`.

Time. Work whose cost cannot be bounded up front (symbolic derivations: the cost grows
exponentially with the number of kinks) runs in a child process (`run_limited`) with a time
limit and an address-space limit; the child announces each step through a pipe, and on
timeout it is killed and the one-line error names the step that ran out.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import resource
import time
from typing import Callable

from relu_hmc.errors import UsageError

#: Default time limit of `relu-hmc derive` and `tune` (seconds).
DEFAULT_DERIVE_SECONDS = 180.0
#: Address space a limited child may take: this share of the available memory, at most
#: CHILD_MEMORY_CAP (a symbolic derivation needing more is runaway expression growth).
CHILD_MEMORY_SHARE = 0.5
CHILD_MEMORY_CAP = 4 * 2**30
#: Bytes of one float64.
F64 = 8


def available_memory_bytes() -> int:
    """Memory this process can still take: MemAvailable (Linux), else free physical pages,
    else all physical pages; never more than RLIMIT_AS allows."""
    available = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if available is None:
        page = os.sysconf("SC_PAGE_SIZE")
        name = "SC_AVPHYS_PAGES" if "SC_AVPHYS_PAGES" in os.sysconf_names else "SC_PHYS_PAGES"
        available = page * os.sysconf(name)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        available = min(available, soft)
    return int(available)


def format_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def check_memory(command: str, needed: float, what: str, advice: str) -> None:
    """UsageError (one line) if `needed` bytes exceed the available memory."""
    available = available_memory_bytes()
    if needed > available:
        raise UsageError(f"{command}: {what} needs about {format_bytes(needed)} of memory, more than the "
                         f"{format_bytes(available)} available on this machine; {advice}")


def bnn_memory_bytes(n_data: int, n_in: int, n_out: int, width: int, layers: int, chains: int,
                     proposals: int) -> float:
    """Estimated peak bytes of `relu-hmc bnn` (numerics.bnn.run_hmc plus the summary).

    - per proposal and chain: run_hmc's records (5 float64, 1 bool, 1 int64 = 49 bytes) and
      the summary's copies (ravelled dH, the (rows, 3) table, its finite subset, one
      bootstrap resample and its residual temporaries: ~ 13 float64 = 104 bytes);
    - per chain and parameter (d = n_parameters): ~ 12 float64 vectors alive at once
      (q, p, two gradients, the unpacked copy, prior scaling, Adam's m, v and temporaries);
    - per chain, data point and hidden unit: ~ 12 float64 (z, activation, its derivative
      and the backpropagated signal, for the current and the previous evaluation of a step,
      plus matmul temporaries).
    """
    sizes = (n_in, *(width,) * layers, n_out)
    d = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    records = (49 + 104) * float(proposals) * chains
    parameters = 12 * F64 * float(chains) * d
    activations = 12 * F64 * float(chains) * n_data * width * layers
    return records + parameters + activations


class TimeLimitReached(Exception):
    """The limited work did not finish in time; `step` is the last step it announced."""

    def __init__(self, seconds: float, step: str):
        super().__init__(f"time limit {seconds:g} s reached (step: {step})")
        self.seconds, self.step = seconds, step


class MemoryLimitReached(Exception):
    def __init__(self, limit: int, step: str):
        super().__init__(f"memory limit {format_bytes(limit)} reached (step: {step})")
        self.limit, self.step = limit, step


def _child(connection, fn, args, kwargs, memory_limit):
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    except (ValueError, OSError):  # a lower hard limit is already in place: keep it
        pass

    def announce(step: str) -> None:
        connection.send(("step", step))

    try:
        connection.send(("done", fn(*args, announce=announce, **kwargs)))
    except MemoryError:
        connection.send(("memory", None))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
        try:
            connection.send(("error", exc))
        except Exception:  # noqa: BLE001 - an unpicklable exception: send its text
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        connection.close()


def run_limited(fn: Callable, *args, seconds: float, memory_bytes: int | None = None, **kwargs):
    """fn(*args, announce=callable, **kwargs) in a child process, killed after `seconds`.

    `announce(step)` names the step about to run. Returns fn's result; re-raises its
    exception; raises TimeLimitReached or MemoryLimitReached naming the last step announced.
    The memory limit (RLIMIT_AS of the child) defaults to CHILD_MEMORY_SHARE of the
    available memory, at most CHILD_MEMORY_CAP."""
    if not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"time limit must be a number of seconds > 0, got {seconds}")
    if memory_bytes is None:
        memory_bytes = int(min(CHILD_MEMORY_SHARE * available_memory_bytes(), CHILD_MEMORY_CAP))
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args, kwargs, memory_bytes), daemon=True)
    process.start()
    send.close()
    step, deadline = "starting", time.monotonic() + seconds
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeLimitReached(seconds, step)
            if not receive.poll(min(remaining, 0.5)):
                continue
            try:
                kind, value = receive.recv()
            except EOFError:  # the child ended without a word (killed by a signal, os._exit)
                process.join(5)
                raise RuntimeError(f"the worker process ended (exit status {process.exitcode}) "
                                   f"during step {step}") from None
            if kind == "step":
                step = value
            elif kind == "done":
                return value
            elif kind == "memory":
                raise MemoryLimitReached(memory_bytes, step)
            else:
                raise value
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
