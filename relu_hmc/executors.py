"""Where tasks run: a local process pool (default) or a dask.distributed cluster.

Both expose `Executor.run(configs)`: an iterator yielding ``(index, Outcome)`` as tasks
finish, in completion order. A task is a `relu_hmc.claims.base.Task` config dict
``{"fn", "kwargs", "seed"}``; the worker function `run_task` is a top-level function so
that it pickles for process pools and dask workers. Scheduling is the engine's own
(concurrent.futures, dask.distributed); there is no home-made scheduler here.

Dead workers. A local worker process that dies (killed, out of memory, a crash in compiled
code) breaks the whole pool (BrokenProcessPool): the unfinished tasks are resubmitted to a
fresh pool, at most `LocalExecutor.max_restarts` times; after that the unfinished tasks run
one at a time, each in a pool of its own, and a task whose process dies even alone fails
with one line. On dask, a task whose worker is lost is rescheduled by the scheduler
(up to its ``allowed-failures``, then KilledWorker) and resubmitted `retries` more times
(``Client.submit(retries=...)``); if the cluster has no worker at all for `no_worker_timeout`
seconds, every unfinished task fails with one line instead of waiting forever.

Warnings. A task's warnings are counted in its Outcome (never printed by the worker) and
raised again in the coordinating process as the outcome arrives, so the CLI's one-line
summary of numerical warnings covers every worker.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
import traceback
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Outcome:
    """The result dict of a finished task or its one-line error, and its compute time."""

    result: dict | None
    error: str | None
    seconds: float
    #: warnings the task raised: ((category name, first line of the message), count) pairs
    warnings: tuple = ()

    def reissue_warnings(self) -> None:
        """Raise the task's warnings again in this process (the coordinator), so that the
        CLI's one-line summary counts those raised in worker processes too."""
        import builtins

        for (category, message), count in self.warnings:
            kind = getattr(builtins, category, None)
            if not (isinstance(kind, type) and issubclass(kind, Warning)):  # a library's own class
                kind = RuntimeWarning if "Runtime" in category else UserWarning
            for _ in range(count):
                warnings.warn(message, kind, stacklevel=2)


def run_task(config: dict) -> Outcome:
    """Run one task config in this process; exceptions become an error line (never raised),
    warnings are counted into the Outcome (never printed by the worker)."""
    from relu_hmc.claims.base import Task

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = Task(config["fn"], config["kwargs"], "", config["seed"]).run()
            outcome = Outcome(result, None, time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 - reported per task, the claim then fails
            where = traceback.extract_tb(exc.__traceback__)[-1]
            line = f"{type(exc).__name__}: {exc}".splitlines()[0]
            outcome = Outcome(None, f"{line} (at {where.filename}:{where.lineno})", time.perf_counter() - start)
    counts = collections.Counter((w.category.__name__, str(w.message).splitlines()[0] if str(w.message) else "")
                                 for w in caught)
    return Outcome(outcome.result, outcome.error, outcome.seconds, tuple(sorted(counts.items())))


class Executor:
    """Base: `run` yields (index, Outcome) as tasks finish; `close` releases workers."""

    name = "base"
    description = ""

    def run(self, configs: list[dict]) -> Iterator[tuple[int, Outcome]]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class InlineExecutor(Executor):
    """Runs tasks one after another in this process (``--jobs 1``)."""

    name = "inline"

    def __init__(self):
        self.description = "in-process, 1 job"

    def run(self, configs):
        for i, config in enumerate(configs):
            outcome = run_task(config)
            outcome.reissue_warnings()
            yield i, outcome


class LocalExecutor(Executor):
    """concurrent.futures.ProcessPoolExecutor with ``jobs`` worker processes; a pool broken by
    a dead worker is replaced and its unfinished tasks resubmitted (at most `max_restarts`)."""

    name = "local"

    def __init__(self, jobs: int, *, max_restarts: int = 2):
        self.jobs = int(jobs)
        self.max_restarts = int(max_restarts)
        self.restarts = 0
        self.description = f"local process pool, {self.jobs} jobs"
        self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs)

    def run(self, configs):
        unfinished = set(range(len(configs)))
        while unfinished:
            futures = {self._pool.submit(run_task, configs[i]): i for i in sorted(unfinished)}
            broken = False
            try:
                for future in cf.as_completed(futures):
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        break
                    unfinished.discard(futures[future])
                    outcome.reissue_warnings()
                    yield futures[future], outcome
            finally:
                for future in futures:
                    future.cancel()
            if not broken:
                return
            for future, i in futures.items():  # results that arrived before the pool broke
                if i in unfinished and future.done() and not future.cancelled() and future.exception() is None:
                    unfinished.discard(i)
                    future.result().reissue_warnings()
                    yield i, future.result()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs)
            if self.restarts >= self.max_restarts:
                break
            self.restarts += 1
        # still breaking: find the culprits by running what is left one task at a time
        for i in sorted(unfinished):
            with cf.ProcessPoolExecutor(max_workers=1) as solo:
                try:
                    outcome = solo.submit(run_task, configs[i]).result()
                except BrokenProcessPool:
                    outcome = Outcome(None, "its worker process died (killed, out of memory or a crash in "
                                            "compiled code), also when run alone", 0.0)
                outcome.reissue_warnings()
                yield i, outcome

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """dask.distributed: ``Client(address).submit`` per task, results in completion order.

    ``address`` is a running scheduler ("tcp://host:8786"); a `distributed.Client` or
    `LocalCluster` object is accepted too (tests). The workers need relu-hmc importable.
    """

    name = "dask"

    def __init__(self, address, *, timeout: float = 10.0, retries: int = 2, no_worker_timeout: float = 120.0):
        self.retries = int(retries)
        self.no_worker_timeout = float(no_worker_timeout)
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a declared dependency
            raise ValueError("--executor dask needs dask.distributed (pip install 'dask[distributed]')") from None
        try:
            if isinstance(address, Client):
                self._client, self._own = address, False
            else:
                self._client, self._own = Client(address, timeout=timeout), True
        except (OSError, TimeoutError, ValueError) as exc:
            raise ValueError(f"cannot connect to the dask scheduler at {address}: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.description = f"dask.distributed at {self._client.scheduler.address}"

    def run(self, configs):
        from distributed import wait

        futures = [self._client.submit(run_task, config, pure=False, retries=self.retries) for config in configs]
        index = {future.key: i for i, future in enumerate(futures)}
        pending, no_worker_since = set(futures), None
        try:
            while pending:
                try:
                    done, pending = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                for future in done:
                    try:
                        outcome = future.result()
                    except Exception as exc:  # noqa: BLE001 - a lost worker etc.: that task fails
                        outcome = Outcome(None, f"dask: {type(exc).__name__}: {exc}".splitlines()[0], 0.0)
                    outcome.reissue_warnings()
                    yield index[future.key], outcome
                if done or not pending:
                    continue
                if self._n_workers() > 0:
                    no_worker_since = None
                elif no_worker_since is None:
                    no_worker_since = time.monotonic()
                elif time.monotonic() - no_worker_since > self.no_worker_timeout:
                    message = (f"dask: no worker in the cluster for {self.no_worker_timeout:g} s; "
                               f"this task was not run")
                    for future in pending:
                        yield index[future.key], Outcome(None, message, 0.0)
                    return
        finally:
            for future in futures:
                future.cancel()

    def _n_workers(self) -> int:
        try:
            return len(self._client.scheduler_info().get("workers", {}))
        except Exception:  # noqa: BLE001 - a lost scheduler counts as no worker
            return 0

    def close(self):
        if self._own:
            self._client.close()


def make_executor(kind: str = "local", *, jobs: int = 1, scheduler=None) -> Executor:
    """``local`` (jobs == 1: inline; otherwise a process pool) or ``dask`` (needs a scheduler)."""
    if kind == "local":
        if scheduler is not None:
            raise ValueError("--scheduler is only used with --executor dask")
        return InlineExecutor() if jobs == 1 else LocalExecutor(jobs)
    if kind == "dask":
        if scheduler is None:
            raise ValueError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        return DaskExecutor(scheduler)
    raise ValueError(f"executor must be 'local' or 'dask', got {kind!r}")

