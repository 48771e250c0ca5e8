"""Progress of long runs (relu_hmc.progress): done / total, running tasks, ETA from earlier runs;
a live display on a terminal, one line per finished task otherwise, nothing when quiet."""
import io
import json

import pytest

from relu_hmc.progress import Progress, TaskTimes, duration_key
from relu_hmc.suite import run_suite

import test_suite_toys as toys


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def _configs(n, fn="m:f"):
    return [({"fn": fn, "kwargs": {"i": i}, "seed": 7}, f"claim/x t{i}") for i in range(n)]


def test_duration_key_ignores_seed_but_not_arguments():
    a = {"fn": "m:f", "kwargs": {"n": 1}, "seed": 1}
    assert duration_key(a) == duration_key(dict(a, seed=2)) != duration_key(dict(a, kwargs={"n": 2}))


def test_eta_from_earlier_runs_divides_the_remaining_work_by_the_workers(tmp_path):
    times = TaskTimes(tmp_path / "t.json")
    pending = _configs(4)
    for config, _ in pending:
        times.record(config, 10.0)
    times.save()
    progress = Progress(4, None, slots=2, times=TaskTimes(tmp_path / "t.json"))
    progress.start(pending)
    assert [owner for owner, _ in progress.running()] == ["claim/x t0", "claim/x t1"]
    assert progress.eta() == pytest.approx(40.0 / 2, abs=0.5)
    progress.finished(0, 9.0)
    assert [owner for owner, _ in progress.running()] == ["claim/x t1", "claim/x t2"]
    assert progress.eta() == pytest.approx(30.0 / 2, abs=0.5)
    progress.close()
    assert json.loads((tmp_path / "t.json").read_text())["seconds"][duration_key(pending[0][0])] == 9.0


def test_without_history_the_eta_uses_this_runs_tasks_of_the_same_function():
    pending = _configs(3, "m:f") + _configs(1, "m:g")
    progress = Progress(4, None, slots=1)
    progress.start(pending)
    assert progress.eta() is None  # nothing to go on yet
    progress.finished(0, 4.0)
    assert progress.expected_seconds(pending[1][0]) == 4.0 and progress.expected_seconds(pending[3][0]) == 4.0
    progress.close()


def test_a_damaged_side_file_only_loses_the_eta(tmp_path):
    (tmp_path / "t.json").write_text("{not json")
    assert TaskTimes(tmp_path / "t.json").seconds == {}


def test_terminal_shows_running_tasks_and_eta_and_a_log_gets_one_line_per_task():
    pending = _configs(3)
    tty = FakeTerminal()
    progress = Progress(4, tty, slots=1)
    progress.cached("claim/y t0")
    progress.start(pending)
    progress.finished(0, 1.0)
    live = tty.getvalue()
    progress.close()
    rendered = tty.getvalue()
    assert "running" in rendered and "claim/x t1" in rendered and "ETA" in rendered and "[2/4]" in live
    log = io.StringIO()
    progress = Progress(4, log, slots=1)
    progress.cached("claim/y t0")
    progress.start(pending)
    for i in range(3):
        progress.finished(i, 1.0)
    progress.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 4 and "reused 1 task(s) from the cache" in lines[0]
    assert all("claim/x t" in line for line in lines[1:])
    quiet = io.StringIO()
    progress = Progress(4, quiet, enabled=False)
    progress.start(pending)
    progress.finished(0, 1.0)
    progress.close()
    assert quiet.getvalue() == ""


def test_run_suite_records_task_times_for_the_next_run(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(__import__("pathlib").Path(__file__).parent))
    times = TaskTimes(tmp_path / "task_seconds.json")
    run_suite([toys.CLAIMS[0]], seed=1, progress_stream=None, task_times=times)
    stored = json.loads((tmp_path / "task_seconds.json").read_text())["seconds"]
    assert len(stored) == 4  # one theory call, three measurements


def test_a_phase_is_a_spinner_on_a_terminal_one_line_in_a_log_and_silent_when_quiet():
    from relu_hmc.progress import Phase

    tty, log, quiet = FakeTerminal(), io.StringIO(), io.StringIO()
    with Phase("drawing figures", tty):
        pass
    with Phase("drawing figures", log):
        pass
    with Phase("drawing figures", quiet, enabled=False):
        pass
    assert "drawing figures:" in tty.getvalue() and " s" in tty.getvalue()
    assert log.getvalue() == "drawing figures ...\n" and quiet.getvalue() == ""
