"""The results cache survives damage and kills: a corrupt page, a row of invalid JSON and a
file of random bytes are set aside and rebuilt with every intact result; a run killed with
SIGKILL leaves a consistent cache, and the rerun reuses every finished task."""
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
from relu_hmc.cache import ResultCache

TESTS = Path(__file__).parent
N_ROWS = 300


def _fill(path: Path) -> dict:
    """A cache of N_ROWS results (~ 400 bytes each: several dozen pages), closed (WAL merged)."""
    stored = {}
    with ResultCache(path) as c:
        for i in range(N_ROWS):
            key = f"{i:064x}"
            result = {"index": i, "values": [i / 7.0] * 20}
            c.put(key, {"fn": "m:f", "kwargs": {"i": i}, "seed": i}, result, 0.01 * i)
            stored[key] = result
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return stored


def _aside(path: Path) -> list[Path]:
    """The damaged files set aside (their -wal/-shm companions are moved with them)."""
    return sorted(p for p in path.parent.glob(path.name + ".damaged-*") if not p.name.endswith(("-wal", "-shm")))


def test_a_corrupt_page_is_set_aside_and_every_intact_row_is_kept(tmp_path, capsys):
    path = tmp_path / "cache.sqlite"
    stored = _fill(path)
    original = path.read_bytes()
    page = 4096
    n_pages = len(original) // page
    corrupt_page = n_pages // 2
    with open(path, "r+b") as f:  # overwrite one whole page in the middle of the file
        f.seek(corrupt_page * page)
        f.write(bytes(range(256)) * (page // 256))
    with pytest.raises(sqlite3.DatabaseError):  # what the old code hit: the file is damaged
        list(sqlite3.connect(path).execute("SELECT result FROM results"))

    with ResultCache(path) as c:
        kept = c.keys()
        assert all(c.get(k) == (stored[k], pytest.approx(0.01 * stored[k]["index"])) for k in kept)
        # only rows stored on the overwritten page may be lost
        on_page = {k for k in stored if k.encode() in original[corrupt_page * page:(corrupt_page + 1) * page]}
        assert set(stored) - kept <= on_page and len(on_page) < 20
        c.put("new", {"fn": "m:f"}, {"x": 1}, 0.0)  # the rebuilt cache is writable
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged" in err[0] and f"{len(kept)} intact" in err[0]
    (aside,) = _aside(path)
    assert aside.read_bytes()[:page] == original[:page]  # set aside, not deleted
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_row_of_invalid_json_is_dropped_alone(tmp_path, capsys):
    path = tmp_path / "cache.sqlite"
    stored = _fill(path)
    bad = f"{7:064x}"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE results SET result = '{\"truncated\": [1, 2' WHERE key = ?", (bad,))
    with ResultCache(path) as c:
        assert c.get(bad) is None  # a miss: its task is recomputed
        assert len(c) == N_ROWS - 1 and bad not in c.keys()
        assert all(c.get(k)[0] == v for k, v in stored.items() if k != bad)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "dropped the unreadable row" in err[0]
    assert _aside(path) == []  # one bad row is not a damaged file


def test_a_damaged_file_salvage_drops_rows_of_invalid_json(tmp_path):
    path = tmp_path / "cache.sqlite"
    stored = _fill(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE results SET config = 'not json' WHERE key = ?", (f"{3:064x}",))
    rows = cache_mod.salvage_rows(path)
    assert {r[0] for r in rows} == set(stored) - {f"{3:064x}"}


class _FailingOnce:
    """A connection whose next statement fails as SQLite does on a corrupt page."""

    def __init__(self, db, error):
        self.db, self.error = db, error

    def execute(self, *args):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.db.execute(*args)

    def close(self):
        self.db.close()


def test_damage_found_mid_run_rebuilds_the_cache_and_loses_nothing(tmp_path, capsys):
    path = tmp_path / "cache.sqlite"
    stored = _fill(path)
    with ResultCache(path) as c:
        c._db = _FailingOnce(c._db, sqlite3.DatabaseError("database disk image is malformed"))
        key = next(iter(stored))
        assert c.get(key)[0] == stored[key]  # rebuilt from the intact rows, then answered
        assert c.keys() == set(stored)
    assert "rebuilt it from its 300 intact result(s)" in capsys.readouterr().err
    assert len(_aside(path)) == 1


def test_an_operational_failure_mid_run_is_one_line_not_a_rebuild(tmp_path):
    path = tmp_path / "cache.sqlite"
    _fill(path)
    with ResultCache(path) as c:
        c._db = _FailingOnce(c._db, sqlite3.OperationalError("database is locked"))
        with pytest.raises(ValueError, match="database is locked .*finished results so far are kept"):
            c.put("k", {"fn": "m:f"}, {}, 0.0)
    assert _aside(path) == []


def test_random_bytes_are_set_aside_and_a_fresh_cache_is_made(tmp_path, capsys):
    path = tmp_path / "cache.sqlite"
    junk = os.urandom(20000)
    path.write_bytes(junk)
    with ResultCache(path) as c:
        assert len(c) == 0
        c.put("k", {"fn": "m:f"}, {"x": 1.0}, 0.5)
        assert c.get("k") == ({"x": 1.0}, 0.5)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "file is not a database" in err[0] and "0 intact" in err[0]
    (aside,) = _aside(path)
    assert aside.read_bytes() == junk


def test_a_damaged_file_that_cannot_be_moved_is_refused_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(os.urandom(5000))

    def refuse(*args):
        raise PermissionError("read-only file system")
    monkeypatch.setattr(cache_mod.os, "replace", refuse)
    with pytest.raises(ValueError) as info:
        ResultCache(path)
    message = str(info.value)
    assert "\n" not in message and "move or delete it" in message and "--no-cache" in message


def test_verify_on_a_random_bytes_cache_rebuilds_it_and_exits_normally(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "cache.sqlite").write_bytes(os.urandom(8000))
    env = {**os.environ, "RELU_HMC_CLAIM_MODULES": "test_suite_toys",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "relu_hmc", "verify", "--only", "toy/pass", "--out", str(out),
                           "--jobs", "1", "--quiet"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "moved it to cache.sqlite.damaged-" in proc.stderr
    assert len(_aside(out / "cache.sqlite")) == 1


def _suite_argv(db: Path) -> list[str]:
    return [sys.executable, str(TESTS / "faults_toys.py"), str(db), "toy/slow,toy/pass"]


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_gives_the_same_verdicts_and_reuses_finished_tasks(tmp_path):
    env = {**os.environ, "RELU_HMC_CLAIM_MODULES": "test_suite_toys",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    db = tmp_path / "cache.sqlite"
    proc = subprocess.Popen(_suite_argv(db), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline, finished = time.time() + 60, 0
    while time.time() < deadline and finished < 5:
        time.sleep(0.1)
        try:
            finished = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:
            finished = 0
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert finished >= 5, "the run never finished 5 tasks"
    with sqlite3.connect(db) as check:  # consistent after SIGKILL: every page and every row
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = dict(check.execute("SELECT key, result FROM results").fetchall())
    assert all(isinstance(json.loads(v), dict) for v in kept.values())
    total = 2 + 8 + 3  # two theory calls, 8 slow + 3 quick measurements
    assert 5 <= len(kept) < total

    resumed = json.loads(subprocess.run(_suite_argv(db), env=env, capture_output=True, text=True,
                                        timeout=120, check=True).stdout)
    assert resumed["cached"] == len(kept) and resumed["run"] == total - len(kept)
    with sqlite3.connect(db) as check:  # the finished results were reused, not rewritten
        assert all(check.execute("SELECT result FROM results WHERE key = ?", (k,)).fetchone()[0] == v
                   for k, v in kept.items())
    fresh = json.loads(subprocess.run(_suite_argv(tmp_path / "fresh.sqlite"), env=env, capture_output=True,
                                      text=True, timeout=120, check=True).stdout)
    assert fresh["run"] == total and resumed["verdicts"] == fresh["verdicts"]
