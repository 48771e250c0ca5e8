"""Executors survive dead workers: a local worker process that dies has its tasks resubmitted
(or, if it dies every time, that task alone fails with one line); a dask worker killed mid-run
has its tasks rescheduled and the run completes; a cluster without workers fails in bounded time."""
import os
import signal
import time
import warnings

import pytest

from relu_hmc.claims.base import Task
from relu_hmc.executors import DaskExecutor, LocalExecutor

import faults_toys  # noqa: F401 - the workers import it by name


def _config(fn, **kwargs):
    return Task(f"faults_toys:{fn}", kwargs, fn, seed=kwargs.pop("seed", 1)).config()


def test_a_worker_that_dies_once_has_its_task_resubmitted_and_nothing_is_lost(tmp_path):
    configs = [_config("sleepy", value=float(i), sleep=0.05, seed=i) for i in range(5)]
    configs.insert(2, _config("die_once", marker=str(tmp_path / "died"), value=9.0, seed=7))
    with LocalExecutor(2) as pool:
        outcomes = dict(pool.run(configs))
        assert pool.restarts == 1
    assert sorted(outcomes) == list(range(6)) and all(o.error is None for o in outcomes.values())
    assert outcomes[2].result == {"value": 9.0, "seed": 7}
    assert [outcomes[i].result["value"] for i in (0, 1, 3, 4, 5)] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_task_that_always_kills_its_worker_fails_alone_in_one_line():
    configs = [_config("sleepy", value=float(i), sleep=0.0, seed=i) for i in range(3)] + [_config("always_die")]
    start = time.monotonic()
    with LocalExecutor(2, max_restarts=1) as pool:
        outcomes = dict(pool.run(configs))
    assert time.monotonic() - start < 30
    assert [outcomes[i].result["value"] for i in range(3)] == [0.0, 1.0, 2.0]
    error = outcomes[3].error
    assert outcomes[3].result is None and "worker process died" in error and "\n" not in error


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_has_its_tasks_rescheduled():
    distributed = pytest.importorskip("distributed")
    configs = [_config("sleepy", value=float(i), sleep=0.4, seed=i) for i in range(8)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_class=distributed.Nanny) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        pids = client.run(os.getpid)
        executor = DaskExecutor(client, retries=2)
        outcomes, killed = {}, None
        start = time.monotonic()
        for index, outcome in executor.run(configs):
            outcomes[index] = outcome
            if killed is None:  # the first result is in: kill a worker while it holds tasks
                killed = next(iter(pids.values()))
                os.kill(killed, signal.SIGKILL)
        assert time.monotonic() - start < 90
    assert sorted(outcomes) == list(range(8))
    assert all(o.error is None for o in outcomes.values()), [o.error for o in outcomes.values()]
    assert [outcomes[i].result["value"] for i in range(8)] == [float(i) for i in range(8)]
    assert sum(o.result["pid"] == killed for o in outcomes.values()) <= 1  # its share ran elsewhere


@pytest.mark.slow
def test_a_dask_cluster_without_workers_fails_each_task_in_one_line_within_the_bound():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client, no_worker_timeout=2.0)
        start = time.monotonic()
        outcomes = dict(executor.run([_config("sleepy", value=1.0, sleep=0.0, seed=1)] * 2))
        elapsed = time.monotonic() - start
    assert 2.0 <= elapsed < 10
    assert sorted(outcomes) == [0, 1]
    assert all("no worker in the cluster for 2 s" in o.error and "\n" not in o.error for o in outcomes.values())


@pytest.mark.parametrize("jobs", [1, 2])
def test_warnings_raised_in_workers_reach_the_coordinator_counted(jobs):
    from relu_hmc.executors import make_executor

    with make_executor("local", jobs=jobs) as executor, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcomes = dict(executor.run([_config("overflow", seed=s) for s in (1, 2)]))
    assert all(o.result == {"infinite": 4} for o in outcomes.values())
    assert all(o.warnings == ((("RuntimeWarning", "overflow encountered in exp"), 2),) for o in outcomes.values())
    assert [(w.category, str(w.message)) for w in caught] == [(RuntimeWarning, "overflow encountered in exp")] * 4
