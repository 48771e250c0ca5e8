"""Where tasks run: a local process pool (default) or a dask.distributed cluster.

Both expose `Executor.run(configs)`: an iterator yielding ``(index, Outcome)`` as tasks
finish, in completion order. A task is a `relu_hmc.claims.base.Task` config dict
``{"fn", "kwargs", "seed"}``; the worker function `run_task` is a top-level function so
that it pickles for process pools and dask workers. Scheduling is the engine's own
(concurrent.futures, dask.distributed); there is no home-made scheduler here.
"""
from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Outcome:
    """The result dict of a finished task or its one-line error, and its compute time."""

    result: dict | None
    error: str | None
    seconds: float


def run_task(config: dict) -> Outcome:
    """Run one task config in this process; exceptions become an error line (never raised)."""
    from relu_hmc.claims.base import Task

    start = time.perf_counter()
    try:
        result = Task(config["fn"], config["kwargs"], "", config["seed"]).run()
        return Outcome(result, None, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - reported per task, the claim then fails
        where = traceback.extract_tb(exc.__traceback__)[-1]
        line = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return Outcome(None, f"{line} (at {where.filename}:{where.lineno})", time.perf_counter() - start)


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
            yield i, run_task(config)


class LocalExecutor(Executor):
    """concurrent.futures.ProcessPoolExecutor with ``jobs`` worker processes."""

    name = "local"

    def __init__(self, jobs: int):
        self.jobs = int(jobs)
        self.description = f"local process pool, {self.jobs} jobs"
        self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs)

    def run(self, configs):
        futures = {self._pool.submit(run_task, config): i for i, config in enumerate(configs)}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """dask.distributed: ``Client(address).submit`` per task, results in completion order.

    ``address`` is a running scheduler ("tcp://host:8786"); a `distributed.Client` or
    `LocalCluster` object is accepted too (tests). The workers need relu-hmc importable.
    """

    name = "dask"

    def __init__(self, address, *, timeout: float = 10.0):
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
        from distributed import as_completed

        futures = [self._client.submit(run_task, config, pure=False) for config in configs]
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker etc.: that task fails
                    outcome = Outcome(None, f"dask: {type(exc).__name__}: {exc}".splitlines()[0], 0.0)
                yield index[future.key], outcome
        finally:
            for future in futures:
                future.cancel()

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

