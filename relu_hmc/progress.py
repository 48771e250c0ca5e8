"""Progress of a verification run on stderr: tasks done / total, the tasks running now, an ETA.

On a terminal the display is a `rich` live panel redrawn four times a second::

    [39/68] ━━━━━━━━━━━━━━━╸━━━━━━━━━━  2:41 elapsed, ETA ~3:05 (durations of earlier runs)
      running  1:12  step-size-exponent/kinked-collapse d-large
      running  0:07  optimal-acceptance/hmc-kinked d-small

Not on a terminal (a log file, CI), one line per finished task and one line for all the
tasks reused from the cache; nothing at all with ``enabled=False`` (``--quiet``).

Which tasks are *running*: executors yield tasks as they finish, not as they start. Tasks are
submitted in order and both the process pool and the inline executor start them in that order,
so with ``slots`` workers the running ones are the first ``slots`` unfinished tasks; a task's
running time is counted from the moment it entered that set (exact for the inline executor,
within one task's hand-over for the pool). With an unknown number of workers (dask) the
display says "queued or running".

The ETA: every finished task's compute time is stored in a small side file keyed by the
task's function and arguments (not by seed or code version: those change the result, not the
cost), `TaskTimes`; the expected time of a pending task is its time in an earlier run, else
the mean of the finished tasks of the same function in this run, else the mean of all
finished tasks. ETA = (expected remaining work - work already done on running tasks) / slots.
"""
from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import TextIO


def duration_key(config: dict) -> str:
    """Identity of a task's cost: its function and arguments (seed and code version excluded)."""
    text = json.dumps({"fn": config["fn"], "kwargs": config["kwargs"]}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class TaskTimes:
    """Seconds per `duration_key` from earlier runs, kept as JSON at `path` (None: in memory)."""

    def __init__(self, path: str | Path | None):
        self.path = None if path is None else Path(path)
        self.seconds: dict[str, float] = {}
        if self.path is not None and self.path.is_file():
            try:
                data = json.loads(self.path.read_text())
                self.seconds = {str(k): float(v) for k, v in data.get("seconds", {}).items()}
            except (OSError, ValueError, AttributeError, TypeError):
                self.seconds = {}  # a damaged side file only costs the ETA; it is rewritten

    def get(self, config: dict) -> float | None:
        return self.seconds.get(duration_key(config))

    def record(self, config: dict, seconds: float) -> None:
        self.seconds[duration_key(config)] = float(seconds)

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"what": "compute seconds per task (fn + kwargs), for relu-hmc's ETA",
                                       "seconds": self.seconds}, sort_keys=True))
            tmp.replace(self.path)
        except OSError:
            pass  # the ETA is a convenience; never fail a run over it


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Progress of one run (see the module docstring). Use as: `cached(...)` for each cache hit,
    `start(pending)` once, `finished(index, ...)` per finished task, `close()`."""

    def __init__(self, total: int, stream: TextIO | None = sys.stderr, enabled: bool = True, *,
                 slots: int | None = 1, times: TaskTimes | None = None):
        self.total, self.stream = total, stream
        self.enabled = bool(enabled and stream is not None)
        self.tty = bool(self.enabled and getattr(stream, "isatty", lambda: False)())
        self.slots, self.times = slots, times or TaskTimes(None)
        self.start_time = time.perf_counter()
        self.done = self.n_cached = 0
        self._pending: list[tuple[dict, str]] = []       # (config, owner) in submission order
        self._finished: set[int] = set()
        self._entered: dict[int, float] = {}             # index -> when it became "running"
        self._by_fn: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._live = None

    # --- events ----------------------------------------------------------------------------
    def cached(self, owner: str) -> None:
        self.done += 1
        self.n_cached += 1

    def start(self, pending: list[tuple[dict, str]]) -> None:
        """`pending`: (config, "claim label") of every task to compute, in submission order."""
        self._pending = list(pending)
        if self.enabled and self.n_cached and not self.tty:
            self._line(f"reused {self.n_cached} task(s) from the cache")
        self._advance_running()
        if self.tty and self._pending:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._live = Live(self, console=console, refresh_per_second=4, transient=True)
            self._live.start()

    def finished(self, index: int, seconds: float, failed: bool = False) -> None:
        config, owner = self._pending[index]
        with self._lock:
            self.done += 1
            self._finished.add(index)
            self._entered.pop(index, None)
            self._by_fn.setdefault(config["fn"], []).append(seconds)
            self.times.record(config, seconds)
            self._advance_running()
        status = "FAILED" if failed else "done  "
        if self._live is not None:
            self._live.console.print(f"[{self.done:>4}/{self.total}] {status} {owner} ({seconds:.1f}s)",
                                     markup=False, highlight=False)
        elif self.enabled:
            self._line(f"{status} {owner} ({seconds:.1f}s)")

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self.times.save()

    # --- state -----------------------------------------------------------------------------
    def _advance_running(self) -> None:
        now = time.perf_counter()
        limit = self.slots if self.slots else 4
        for i in range(len(self._pending)):
            if len(self._entered) >= limit:
                break
            if i not in self._finished and i not in self._entered:
                self._entered[i] = now

    def expected_seconds(self, config: dict) -> float | None:
        earlier = self.times.get(config)
        if earlier is not None:
            return earlier
        same_fn = self._by_fn.get(config["fn"])
        if same_fn:
            return sum(same_fn) / len(same_fn)
        every = [s for values in self._by_fn.values() for s in values]
        return sum(every) / len(every) if every else None

    def eta(self) -> float | None:
        """Seconds until every pending task is done (None: nothing to go on yet)."""
        now = time.perf_counter()
        with self._lock:
            remaining = 0.0
            for i, (config, _) in enumerate(self._pending):
                if i in self._finished:
                    continue
                expected = self.expected_seconds(config)
                if expected is None:
                    return None
                if i in self._entered:
                    expected = max(expected - (now - self._entered[i]), 0.0)
                remaining += expected
        return remaining / (self.slots or 1)

    def running(self) -> list[tuple[str, float]]:
        now = time.perf_counter()
        with self._lock:
            return [(self._pending[i][1], now - t) for i, t in sorted(self._entered.items())]

    # --- output ----------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.start_time
        self.stream.write(f"[{self.done:>4}/{self.total}] {elapsed:7.1f}s  {text}\n")
        self.stream.flush()

    def __rich__(self):
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        elapsed = time.perf_counter() - self.start_time
        eta = self.eta()
        head = Table.grid(padding=(0, 1))
        head.add_row(Text(f"[{self.done}/{self.total}]"), ProgressBar(total=max(self.total, 1), completed=self.done,
                                                                      width=30),
                     Text(f"{_clock(elapsed)} elapsed, " + ("ETA unknown" if eta is None else f"ETA ~{_clock(eta)}")))
        word = "running" if self.slots else "queued or running"
        lines = [Text(f"  {word} {_clock(age):>6}  {owner}") for owner, age in self.running()]
        return Group(head, *lines)


class Phase:
    """A serial step after the tasks (the BNN figure sweeps, drawing the report): on a terminal
    a spinner with the elapsed time, otherwise one line when it starts; nothing when disabled.
    Use as ``with Phase("drawing figures", sys.stderr): ...``."""

    def __init__(self, text: str, stream: TextIO | None = sys.stderr, enabled: bool = True):
        self.text, self.stream = text, stream
        self.enabled = bool(enabled and stream is not None)
        self.tty = bool(self.enabled and getattr(stream, "isatty", lambda: False)())
        self._live = None

    def __rich__(self):
        from rich.console import Group
        from rich.spinner import Spinner

        return Group(Spinner("dots", text=f"{self.text}  {_clock(time.perf_counter() - self._start)}"))

    def __enter__(self):
        self._start = time.perf_counter()
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._live = Live(self, console=console, refresh_per_second=4, transient=True)
            self._live.start()
        elif self.enabled:
            self.stream.write(f"{self.text} ...\n")
            self.stream.flush()
        return self

    def __exit__(self, *exc):
        if self._live is not None:
            self._live.stop()
            self._live.console.print(f"{self.text}: {time.perf_counter() - self._start:.1f} s",
                                     markup=False, highlight=False)
            self._live = None
        return False
