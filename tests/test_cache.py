"""The results cache: keys, persistence, WAL, and resuming a killed `relu-hmc verify`."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from relu_hmc import cache as cache_mod
from relu_hmc.cache import ResultCache, code_version, task_key

TESTS = Path(__file__).parent


def test_put_get_persist_across_connections_in_wal_mode(tmp_path):
    path = tmp_path / "c.sqlite"
    with ResultCache(path) as c:
        c.put("k1", {"fn": "a:b", "kwargs": {}, "seed": 1}, {"x": [1.5, 2]}, 0.25)
        assert c.get("k1") == ({"x": [1.5, 2]}, 0.25) and c.get("nope") is None
    with ResultCache(path) as c:
        assert len(c) == 1 and c.keys() == {"k1"}
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_disabled_cache_stores_nothing():
    c = ResultCache(None)
    c.put("k", {"fn": "a:b"}, {}, 0.0)
    assert not c.enabled and c.get("k") is None and len(c) == 0


def test_key_depends_on_config_and_code_version(monkeypatch):
    config = {"fn": "relu_hmc.claims._measure:one_step_energy_errors", "kwargs": {"n": 3}, "seed": 5}
    key = task_key(config)
    assert len(key) == 64 and key == task_key(dict(config))
    assert key != task_key({**config, "seed": 6}) != task_key({**config, "kwargs": {"n": 4}})
    monkeypatch.setattr(cache_mod, "code_version", lambda: "0.0.0+other")
    assert task_key(config) != key


def test_code_version_names_the_package_version():
    from relu_hmc._version import __version__
    assert code_version().startswith(__version__ + "+")


def test_a_cache_path_that_cannot_be_opened_is_a_one_line_error(tmp_path):
    path = tmp_path / "a_directory"
    path.mkdir()  # (damaged files are rebuilt: tests/test_faults_cache.py)
    with pytest.raises(ValueError, match="cannot use .* as a results cache"):
        ResultCache(path)


@pytest.mark.slow
def test_a_killed_run_keeps_finished_tasks_and_the_rerun_reuses_them(tmp_path):
    out, db = tmp_path / "rep", tmp_path / "rep" / "cache.sqlite"
    env = {**os.environ, "RELU_HMC_CLAIM_MODULES": "test_suite_toys",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-m", "relu_hmc", "verify", "--only", "toy/slow", "--out", str(out), "--jobs", "1"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    finished = 0
    while time.time() < deadline:
        if db.exists():
            try:
                finished = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                finished = 0
        if finished >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert finished >= 3, "the run never finished 3 tasks"
    kept = {row[0] for row in sqlite3.connect(db).execute("SELECT key FROM results")}
    assert 3 <= len(kept) < 9  # killed midway: 1 theory call + 8 measurements in all
    rerun = subprocess.run(argv + ["--quiet"], env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["tasks_cached"] == len(kept)
    assert report["summary"]["tasks_run"] == 9 - len(kept)
    used = set(report["claims"][0]["task_keys"].values())
    assert kept <= used
