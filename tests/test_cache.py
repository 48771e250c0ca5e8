"""The results cache: keys, persistence, WAL (damage and kill -9: tests/test_faults_cache.py)."""
import sqlite3
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

# a run killed with SIGKILL and resumed: tests/test_faults_cache.py
