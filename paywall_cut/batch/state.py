"""The run state: what was already done, so that a second run skips unchanged inputs.

A small SQLite database with one row per (input, output) pair that a run finished:

- the input's size, modification time (ns) and content digest (BLAKE2b-128) as read;
- for ``--out``, the output's size and modification time as written (``--in-place``
  rows describe the file as it was left: cleaned or, with nothing to cut, untouched);
- the *fingerprint* of the run: the paywall-cut version, the rules and settings, and
  every option that changes output bytes. A row of another fingerprint does not count.

An input is **up to date**, and is not read at all, when its size and modification time
and (for ``--out``) its output's size and modification time are those recorded. When
only the time differs (a ``touch``, a copy), the worker reads the input and compares its
digest before doing any work. Anything else is processed again. A row is written only
after its output is safely in place, so a run killed at any moment leaves a state that
is at worst behind: a re-run redoes a few files and gets the same bytes.

Where: ``DIR/.paywall-cut-state.sqlite`` for ``--out DIR``; for ``--in-place`` one
database in the user's cache folder (``$XDG_CACHE_HOME/paywall-cut/state.sqlite``, rows
keyed by absolute path) so that the cleaned corpus gets no extra file. ``--state FILE``
chooses another place; ``--force`` processes every input (and records it again).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

STATE_NAME = ".paywall-cut-state.sqlite"
COMMIT_EVERY = 1.0  # seconds between commits during a run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    source TEXT NOT NULL,
    dest TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL,
    out_size INTEGER,
    out_mtime_ns INTEGER,
    PRIMARY KEY (source, dest)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class Row:
    size: int
    mtime_ns: int
    digest: str
    out_size: int | None = None
    out_mtime_ns: int | None = None


def default_in_place_state() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "paywall-cut" / "state.sqlite"


class State:
    """The state database of one run, committed every second and at the end."""

    def __init__(self, path: str | Path, fingerprint: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.error: str | None = None  # set when the database failed during the run
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level="DEFERRED")
        self.db.executescript(_SCHEMA)
        self._last_commit = time.monotonic()
        self.interrupted = self._get_meta("running") == "1"
        self._set_meta("running", "1")
        self.db.commit()

    def get(self, source: str, dest: str) -> Row | None:
        row = self._run(
            "SELECT size, mtime_ns, digest, out_size, out_mtime_ns FROM files"
            " WHERE source = ? AND dest = ? AND fingerprint = ?",
            (source, dest, self.fingerprint),
        )
        return Row(*row) if row else None

    def put(self, source: str, dest: str, row: Row) -> None:
        self._run(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (source, dest, self.fingerprint, row.size, row.mtime_ns, row.digest)
            + (row.out_size, row.out_mtime_ns),
        )
        self._maybe_commit()

    def forget(self, source: str, dest: str) -> None:
        self._run("DELETE FROM files WHERE source = ? AND dest = ?", (source, dest))
        self._maybe_commit()

    def close(self, finished: bool) -> None:
        """Commit and close; ``finished`` marks that the run reached its end."""
        try:
            if finished and self.error is None:
                self._set_meta("running", "0")
            self.db.commit()
            self.db.close()
        except sqlite3.Error as e:
            self.error = self.error or str(e)

    def _run(self, sql: str, args: tuple[object, ...]) -> tuple[object, ...] | None:
        """One statement; a database error only turns the state off (it saves time, no
        more: the run goes on and does every file)."""
        if self.error is not None:
            return None
        try:
            return self.db.execute(sql, args).fetchone()
        except sqlite3.Error as e:
            self.error = str(e)
            return None

    def _maybe_commit(self) -> None:
        now = time.monotonic()
        if now - self._last_commit >= COMMIT_EVERY and self.error is None:
            try:
                self.db.commit()
            except sqlite3.Error as e:
                self.error = str(e)
            self._last_commit = now

    def _get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
