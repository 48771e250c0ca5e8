"""Results cache: an embedded SQLite database of finished tasks.

Key = sha256 of the task config (``fn``, ``kwargs``, ``seed``) together with the code
version: the package version, a hash of every source file of ``theory/``, ``numerics/`` and
``_fastcore/``, and a hash of the source of the module defining the task function (the
claim's measurement or theory adapter). Change any of these and the task is recomputed.

The database runs in WAL mode and every finished task is committed at once (`put`), so a
run killed midway keeps every task that finished and a rerun resumes from there. Only the
coordinating process writes; workers return results to it.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import sqlite3
import time
from pathlib import Path

from relu_hmc._version import __version__

#: Packages whose source is part of every task's code version.
CODE_PACKAGES: tuple[str, ...] = ("relu_hmc.theory", "relu_hmc.numerics", "relu_hmc._fastcore")
_SOURCE_SUFFIXES = (".py", ".pyx", ".pxd")


def _package_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    files = []
    for location in spec.submodule_search_locations:
        files.extend(p for p in Path(location).rglob("*") if p.suffix in _SOURCE_SUFFIXES and p.is_file())
    return sorted(files)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Package version + sha256 of the sources of theory/, numerics/, _fastcore/ (file names and bytes)."""
    digest = hashlib.sha256(f"relu-hmc {__version__}".encode())
    for package in CODE_PACKAGES:
        for path in _package_files(package):
            digest.update(f"{package}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


@functools.lru_cache(maxsize=256)
def module_hash(module_name: str) -> str:
    """sha256 of the source file of a module (the task function's own code)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None or not Path(spec.origin).is_file():
        return "unknown"
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()[:16]


def task_key(config: dict) -> str:
    """sha256 hex of the task config + code version + the hash of the task function's module."""
    module_name = config["fn"].split(":")[0]
    text = json.dumps({"task": config, "code": code_version(), "module": module_hash(module_name)},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """SQLite store {key: result dict}. ``path=None`` keeps nothing (``--no-cache``)."""

    def __init__(self, path: str | Path | None):
        self.path = None if path is None else Path(path)
        self._db = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, fn TEXT NOT NULL, "
                    "config TEXT NOT NULL, code_version TEXT NOT NULL, result TEXT NOT NULL, "
                    "seconds REAL NOT NULL, created REAL NOT NULL)")
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"cannot use {self.path} as a results cache: {exc}") from None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get(self, key: str) -> tuple[dict, float] | None:
        """(result, seconds it took to compute) or None."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT result, seconds FROM results WHERE key = ?", (key,)).fetchone()
        return None if row is None else (json.loads(row[0]), float(row[1]))

    def put(self, key: str, config: dict, result: dict, seconds: float) -> None:
        """Store one finished task and commit it immediately (autocommit mode)."""
        if self._db is None:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, config["fn"], json.dumps(config, sort_keys=True), code_version(),
             json.dumps(result, sort_keys=True), float(seconds), time.time()))

    def __len__(self) -> int:
        if self._db is None:
            return 0
        return int(self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def keys(self) -> set[str]:
        if self._db is None:
            return set()
        return {row[0] for row in self._db.execute("SELECT key FROM results")}

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
