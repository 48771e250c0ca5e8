"""Results cache: an embedded SQLite database of finished tasks.

Key = sha256 of the task config (``fn``, ``kwargs``, ``seed``) together with the code
version: the package version, a hash of every source file of ``theory/``, ``numerics/`` and
``_fastcore/``, and a hash of the source of the module defining the task function (the
claim's measurement or theory adapter). Change any of these and the task is recomputed.

The database runs in WAL mode and every finished task is committed at once (`put`, one
autocommitted INSERT: SQLite makes it atomic), so a run killed midway (kill -9 included)
keeps every task that finished and a rerun resumes from there. Only the coordinating process
writes; workers return results to it.

Damage is survived, never fatal: a file that is not a database or fails SQLite's
`quick_check` (a corrupt page) is read for every intact row (`salvage_rows`), moved aside to
``NAME.damaged-<UTC time>`` (with its -wal/-shm files) and rebuilt from those rows, with one
notice line on stderr; a row whose stored JSON does not parse is dropped on its own (its
task is recomputed). If the damaged file cannot be moved aside the cache refuses in one line
(ValueError) saying what to do.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sqlite3
import sys
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


_SCHEMA = ("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, fn TEXT NOT NULL, "
           "config TEXT NOT NULL, code_version TEXT NOT NULL, result TEXT NOT NULL, "
           "seconds REAL NOT NULL, created REAL NOT NULL)")
_COLUMNS = "key, fn, config, code_version, result, seconds, created"


class CacheDamaged(Exception):
    """The file cannot be used as a results database as it is (not SQLite, a corrupt page)."""


def _notice(text: str) -> None:
    print(f"relu-hmc: {text}", file=sys.stderr, flush=True)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Corruption (SQLITE_CORRUPT, SQLITE_NOTADB), as opposed to an operational failure
    (locked, unwritable, disk full: OperationalError), which a rebuild would not fix."""
    return not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc)


def _open(path: Path) -> sqlite3.Connection:
    """Connect in WAL + autocommit mode, create the table and check every page.

    CacheDamaged if the file is damaged; ValueError (one line) if it cannot be opened."""
    db = None
    try:
        db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
        verdict = [row[0] for row in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        if _is_damage(exc):
            raise CacheDamaged(_one_line(exc)) from None
        raise ValueError(f"cannot use {path} as a results cache: {_one_line(exc)}") from None
    if verdict != ["ok"]:
        db.close()
        raise CacheDamaged(f"integrity check: {verdict[0]}")
    return db


def _intact(row) -> bool:
    try:
        json.loads(row[2]), json.loads(row[4]), float(row[5]), float(row[6])
    except (TypeError, ValueError):  # JSONDecodeError is a ValueError
        return False
    return isinstance(row[0], str) and len(row[0]) > 0


def salvage_rows(path: Path) -> list[tuple]:
    """Every intact row of a damaged cache file (its WAL included); only reads rows.

    A full scan first; if a damaged page stops it, one lookup per rowid (1 .. max rowid, or
    file size / 64 when even max(rowid) fails: every row is longer than its 64-character
    key), so a bad page loses only the rows stored on it. Rows with invalid JSON are dropped."""
    rows: dict[str, tuple] = {}
    try:
        db = sqlite3.connect(str(path), isolation_level=None)  # read-write: replays its WAL
    except sqlite3.DatabaseError:
        return []
    try:
        try:
            for row in db.execute(f"SELECT {_COLUMNS} FROM results"):
                rows[row[0]] = row
        except sqlite3.DatabaseError:
            try:
                last = int(db.execute("SELECT max(rowid) FROM results").fetchone()[0] or 0)
            except sqlite3.DatabaseError:
                last = path.stat().st_size // 64
            for rowid in range(1, last + 1):
                try:
                    row = db.execute(f"SELECT {_COLUMNS} FROM results WHERE rowid = ?", (rowid,)).fetchone()
                except sqlite3.DatabaseError:
                    continue
                if row is not None:
                    rows[row[0]] = row
    except sqlite3.DatabaseError:
        pass  # not a database at all: nothing to salvage
    finally:
        db.close()
    return [row for row in rows.values() if _intact(row)]


class ResultCache:
    """SQLite store {key: result dict}. ``path=None`` keeps nothing (``--no-cache``)."""

    def __init__(self, path: str | Path | None):
        self.path = None if path is None else Path(path)
        self._db = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = _open(self.path)
            except CacheDamaged as exc:
                self._db = self._rebuild(str(exc))

    def _rebuild(self, reason: str) -> sqlite3.Connection:
        """Salvage the intact rows, move the damaged file aside, write a fresh cache."""
        rows = salvage_rows(self.path)
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
        try:
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{self.path}{suffix}")
                if source.exists():
                    os.replace(source, f"{aside}{suffix}")
            db = _open(self.path)
            with db:  # one transaction: all salvaged rows or none
                db.execute("BEGIN")
                db.executemany(f"INSERT OR IGNORE INTO results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except (OSError, CacheDamaged, sqlite3.DatabaseError) as exc:
            raise ValueError(f"results cache {self.path} is damaged ({reason}) and cannot be rebuilt "
                             f"({_one_line(exc)}): move or delete it, or use another --cache or --no-cache") from None
        _notice(f"results cache {self.path} was damaged ({reason}); moved it to {aside.name} and rebuilt "
                f"it from its {len(rows)} intact result(s)")
        return db

    def _query(self, sql: str, params: tuple = ()) -> list:
        """Run one statement; on damage found mid-run, rebuild (salvaging) and retry once."""
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):  # locked, unwritable, disk full: one line, the run stops
                from relu_hmc.errors import UsageError

                raise UsageError(f"results cache {self.path}: {_one_line(exc)} (another run using it? "
                                 f"a full disk?); finished results so far are kept") from None
            self._db.close()
            self._db = self._rebuild(_one_line(exc))
            return self._db.execute(sql, params).fetchall()

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get(self, key: str) -> tuple[dict, float] | None:
        """(result, seconds it took to compute) or None; a row that does not parse is dropped."""
        if self._db is None:
            return None
        rows = self._query("SELECT result, seconds FROM results WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0]), float(rows[0][1])
        except (TypeError, ValueError) as exc:
            self._query("DELETE FROM results WHERE key = ?", (key,))
            _notice(f"results cache {self.path}: dropped the unreadable row {key[:12]} "
                    f"({type(exc).__name__}); its task is recomputed")
            return None

    def put(self, key: str, config: dict, result: dict, seconds: float) -> None:
        """Store one finished task and commit it immediately (autocommit mode)."""
        if self._db is None:
            return
        self._query(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, config["fn"], json.dumps(config, sort_keys=True), code_version(),
             json.dumps(result, sort_keys=True), float(seconds), time.time()))

    def __len__(self) -> int:
        if self._db is None:
            return 0
        return int(self._query("SELECT COUNT(*) FROM results")[0][0])

    def keys(self) -> set[str]:
        if self._db is None:
            return set()
        return {row[0] for row in self._query("SELECT key FROM results")}

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
