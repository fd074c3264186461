"""What the loader derives from each rule pattern, remembered on disk between runs.

Reading a pattern's trigger words (``literals.py``), bounding its repeats (``redos.py``) and
loosening it for hyperscan (``superset.py``) each parse the pattern with Python's regular
expression parser: about a second for the built-in packs, paid by every ``paywall-cut``
command before its first line. The results depend only on the pattern text, the code of
those modules and the Python version, so they are kept in one JSON file in the cache
folder (``cache_dir()``), named by a hash of that code and version: a change to any of
them starts a new file, and a pattern never seen before is simply derived again.

A missing, unreadable or corrupt cache file is ignored; a read-only cache folder means no
cache, never an error. The folder does not grow without end: every rule set (a user
editing their own rules makes a new one each time) writes its own files, so when a file is
written, the files of its kind beyond the ``KEEP`` most recently used (or beyond ``BUDGET``
bytes) are removed (``prune``), and a file is marked as used (``touch``) each time it is
read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import scripts
from . import literals, redos, superset


def cache_dir() -> Path:
    """Where paywall-cut keeps derived data (``PAYWALL_CUT_CACHE`` overrides)."""
    env = os.environ.get("PAYWALL_CUT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "paywall-cut"


# cache files of one kind (derived data, hyperscan databases) kept: the most recently used,
# at most this many and this many bytes together (a database of every pack is about 13 MB;
# the test suite alone uses nine rule sets, and thrashing would compile them again and again)
KEEP = 64
BUDGET = 512 * 1024 * 1024
# a temporary file this old was left by a process that died while writing it
STALE_TMP_SECONDS = 3600.0


def touch(path: Path) -> None:
    """Mark a cache file as just used, so that ``prune`` keeps it (no error if it cannot)."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(kind: str) -> None:
    """Remove the cache files named ``{kind}-*`` beyond the ``KEEP`` most recently used or
    beyond ``BUDGET`` bytes together (the newest always stays), and temporary files of
    that kind left by processes that died while writing them.

    A file removed while another process still uses it costs that process nothing (it has
    read it); a later run with that rule set derives or compiles it again.
    """
    entries = []  # (last used, size, path), each file looked at once
    try:
        for path in cache_dir().glob(f"{kind}-*"):
            try:
                st = path.stat()
            except OSError:  # removed meanwhile (another process pruning)
                continue
            entries.append((st.st_mtime, st.st_size, path))
    except OSError:
        return
    now = time.time()
    files = sorted((e for e in entries if not e[2].name.endswith(".tmp")), reverse=True)
    stale = [p for m, _s, p in entries if p.name.endswith(".tmp") and now - m > STALE_TMP_SECONDS]
    total, kept = 0, 0
    for _m, size, path in files:
        total += size
        if kept and (kept >= KEEP or total > BUDGET):
            stale.append(path)
        else:
            kept += 1
    for path in stale:
        try:
            path.unlink()
        except OSError:  # gone already, or a read-only folder
            pass


@dataclass(frozen=True)
class Derived:
    """What one pattern yields (see ``rules/__init__.py``, ``_parse_rule``)."""

    bounded: str  # the pattern with its unbounded repeats bounded (redos.bound_repeats)
    literals: tuple[str, ...] | None  # literals.required_literals, sorted, or None
    sets: tuple[frozenset[str], ...]  # literals.required_sets


class _Store:
    """The in-memory table of derived data, read from and written back to one file."""

    def __init__(self) -> None:
        self.patterns: dict[str, Derived] = {}
        self.loose: dict[str, str | None] = {}
        self.loaded = False
        self.dirty = False

    def path(self) -> Path:
        return cache_dir() / f"derived-{_code_key()}.json"

    def load(self) -> None:
        self.loaded = True
        try:
            path = self.path()
            data = json.loads(path.read_text(encoding="utf-8"))
            touch(path)
            for p, (bounded, lits, sets) in data["patterns"].items():
                if not (
                    isinstance(p, str)
                    and isinstance(bounded, str)
                    and (lits is None or _strings(lits))
                    and isinstance(sets, list)
                    and all(_strings(s) for s in sets)
                ):
                    raise ValueError("not derived data")
                self.patterns[p] = Derived(
                    bounded,
                    tuple(lits) if lits is not None else None,
                    tuple(frozenset(s) for s in sets),
                )
            for p, loose in data["loose"].items():
                if not (isinstance(p, str) and (loose is None or isinstance(loose, str))):
                    raise ValueError("not derived data")
                self.loose[p] = loose
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.patterns.clear()  # missing or damaged: derive again
            self.loose.clear()

    def save(self) -> None:
        if not self.dirty:
            return
        data = {
            "patterns": {
                p: [d.bounded, d.literals, [sorted(s) for s in d.sets]]
                for p, d in self.patterns.items()
            },
            "loose": self.loose,
        }
        try:
            path = self.path()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
            self.dirty = False
            prune("derived")
        except OSError:  # a read-only cache folder: no cache, still correct
            pass


@lru_cache(maxsize=1)
def _code_key() -> str:
    """A hash of the code that derives and of the Python version (read once a process)."""
    code = hashlib.sha256(sys.version.encode())
    for module in (literals, redos, superset, scripts, sys.modules[__name__]):
        code.update(Path(module.__file__ or "").read_bytes())
    return code.hexdigest()[:16]


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_STORE = _Store()


def derive(pattern: str, flags: int) -> Derived:
    """The derived data of one rule pattern (compiled with ``flags``)."""
    if not _STORE.loaded:
        _STORE.load()
    key = f"{flags}:{pattern}"
    found = _STORE.patterns.get(key)
    if found is None:
        lits = literals.required_literals(pattern)
        found = Derived(
            redos.bound_repeats(pattern, flags),
            tuple(sorted(lits)) if lits is not None else None,
            literals.required_sets(pattern),
        )
        _STORE.patterns[key] = found
        _STORE.dirty = True
    return found


def loosened(pattern: str) -> str | None:
    """``superset.superset(pattern)``, remembered."""
    if not _STORE.loaded:
        _STORE.load()
    if pattern in _STORE.loose:
        return _STORE.loose[pattern]
    loose = _STORE.loose[pattern] = superset.superset(pattern)
    _STORE.dirty = True
    return loose


def save() -> None:
    """Write what was derived since the last save to the cache file."""
    _STORE.save()
