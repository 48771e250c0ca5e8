"""Executors: inline, local process pool and dask.distributed (a LocalCluster) run the same tasks."""
import pytest

from relu_hmc.claims.base import Task
from relu_hmc.executors import DaskExecutor, InlineExecutor, LocalExecutor, make_executor, run_task
from relu_hmc.suite import run_suite

import test_suite_toys as toys


def _configs(n=4):
    return [Task("test_suite_toys:toy_measure", {"value": 0.5, "n": 50, "sleep": 0, "index": i}, f"t{i}",
                 seed=100 + i).config() for i in range(n)]


def _results(executor, configs):
    out = dict(executor.run(configs))
    assert sorted(out) == list(range(len(configs)))
    return [out[i].result for i in range(len(configs))]


def test_run_task_returns_errors_as_one_line():
    outcome = run_task(Task("test_suite_toys:toy_raise", {}, "x", seed=1).config())
    assert outcome.result is None and outcome.error.startswith("RuntimeError: this toy task always fails")
    outcome = run_task({"fn": "no_such_module_xyz:f", "kwargs": {}, "seed": None})
    assert "ModuleNotFoundError" in outcome.error


def test_process_pool_gives_the_inline_results():
    configs = _configs()
    with LocalExecutor(2) as pool:
        assert _results(pool, configs) == _results(InlineExecutor(), configs)


@pytest.mark.slow
def test_dask_local_cluster_runs_tasks_and_a_suite():
    distributed = pytest.importorskip("distributed")
    configs = _configs(3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        executor = DaskExecutor(client)
        assert "dask.distributed" in executor.description
        assert _results(executor, configs) == _results(InlineExecutor(), configs)
        suite = run_suite([toys.CLAIMS[0]], executor=executor, progress_stream=None)
        assert suite.results[0].verdict.passed and suite.tasks_run == 4
        by_address = DaskExecutor(cluster.scheduler_address)
        assert _results(by_address, configs[:1]) == _results(InlineExecutor(), configs[:1])
        by_address.close()


def test_make_executor_validates():
    assert isinstance(make_executor("local", jobs=1), InlineExecutor)
    with pytest.raises(ValueError, match="needs --scheduler"):
        make_executor("dask")
    with pytest.raises(ValueError, match="only used with"):
        make_executor("local", scheduler="tcp://x:1")
    with pytest.raises(ValueError, match="'local' or 'dask'"):
        make_executor("ray")


def test_unreachable_dask_scheduler_is_a_one_line_error():
    with pytest.raises(ValueError, match="cannot connect"):
        DaskExecutor("tcp://127.0.0.1:9", timeout=1.0)
