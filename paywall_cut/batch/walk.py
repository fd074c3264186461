"""Which files a batch run sees: the tree walk, include/exclude globs, symlinks.

Rules, in the order they apply:

- a PATH that is a file is taken as it is (unless an ``--exclude`` matches it); its name
  under ``--out DIR`` is its base name;
- a PATH that is a folder is walked recursively in sorted order; a file's name under
  ``--out DIR`` is its path relative to that folder;
- folders named ``.git``, ``.hg`` or ``.svn``, folders matching an ``--exclude``, and
  the ``--out`` folder (when it lies inside the input) are not entered;
- symbolic links to folders are never followed (so a walk cannot leave the tree or run
  round a loop); they are skipped and counted. A symbolic link to a file is read when
  its target lies inside the same input folder and the output is a new tree; it is
  skipped with ``--in-place`` (the target is cleaned as itself) and when it points
  outside the folder;
- a file is processed when it matches an ``--include`` glob, or, without any, when its
  suffix is a known format (optionally followed by ``.gz``); other files are skipped
  and counted, as are sockets, pipes and devices;
- temporary files left by an interrupted run (``.NAME.XXXXXXXX.pwc-tmp``) are reported
  as such (and removed by ``--in-place`` runs, which are the ones that made them): those
  met in a walked folder, and those of a file named as a PATH, beside it.

Globs: a glob without ``/`` matches a file or folder name anywhere; a glob with ``/``
matches the path relative to the input folder; ``*`` and ``?`` do not cross ``/``,
``**`` does (``drafts/**``, ``**/2019/*.txt``).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..files import is_temp_name, temp_target
from ..formats import TEXT_SUFFIXES
from ..jsonl import JSONL_SUFFIXES

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
FORMAT_SUFFIXES = tuple(dict.fromkeys(TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES))
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class Entry:
    """One file the walk met. ``kind`` is what to do with it; ``reason`` says why not."""

    source: str  # the path to read, as the user wrote it (PATH joined with rel)
    rel: str  # its name under --out DIR (posix separators)
    real: str  # absolute path with the input folder resolved: the key of the run state
    kind: str  # "doc" (formats.process), "jsonl" (records), "skip" or "fail" (unreadable)
    size: int = 0
    mtime_ns: int = 0
    mode: int = 0  # permission bits
    reason: str | None = None  # for "skip": why
    stale: bool = False  # a temporary file of an interrupted run


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over a relative posix path (see the module doc)."""
    pattern = pattern.strip().lstrip("/").rstrip("/")
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


class Globs:
    """A set of globs; :meth:`match` takes a relative posix path."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p for p in patterns if p.strip().strip("/"))
        self._names = [compile_glob(p) for p in self.patterns if "/" not in p.strip().strip("/")]
        self._paths = [compile_glob(p) for p in self.patterns if "/" in p.strip().strip("/")]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, rel: str) -> bool:
        name = rel.rpartition("/")[2]
        return any(r.match(name) for r in self._names) or any(r.match(rel) for r in self._paths)


def kind_of(name: str) -> str:
    """``jsonl`` for JSON Lines (plain or gzip), else ``doc``."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return "jsonl" if lower.endswith(JSONL_SUFFIXES) else "doc"


def known_format(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return lower.endswith(FORMAT_SUFFIXES)


class Walker:
    """Walks the input PATHs and says, for every file met, what to do with it."""

    def __init__(
        self,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        *,
        in_place: bool = False,
        skip_dirs: Iterable[str] = (),
        skip_files: Iterable[str] = (),
    ) -> None:
        self.include = Globs(include)
        self.exclude = Globs(exclude)
        self.in_place = in_place
        self._skip_dirs = {_identity(p) for p in skip_dirs} - {None}
        self._skip_files = {os.path.realpath(p) for p in skip_files}

    def walk(self, paths: Sequence[str]) -> Iterator[Entry]:
        temps: dict[str, list[str]] = {}  # folder of named files -> its temporary files
        for path in paths:
            st = os.stat(path)  # the caller checked that it exists
            if stat.S_ISDIR(st.st_mode):
                yield from self._tree(path)
            else:
                name = os.path.basename(os.path.normpath(path))
                real = os.path.realpath(path)
                if real in self._skip_files:
                    continue
                if self.in_place:
                    yield from self._stale_beside(path, name, temps)
                yield self._file(path, name, real, st, named=True)

    def _own_temp(self, name: str, real: str) -> bool:
        """Is this the temporary file of one of the run's own outputs (the manifest being
        written)? Taken for a killed run's, it was removed under the manifest's writer."""
        if not self._skip_files:
            return False
        target = temp_target(name)
        return target is not None and (
            os.path.join(os.path.dirname(real), target) in self._skip_files
        )

    def _stale_beside(self, path: str, name: str, temps: dict[str, list[str]]) -> Iterator[Entry]:
        """The temporary files that a killed in-place write of the named file ``path`` left
        beside it (``.NAME.XXXXXXXX.pwc-tmp``; a walked folder reports all of its own).
        Each folder is listed once per walk, before any file named in it is written."""
        folder = os.path.dirname(path)
        key = os.path.realpath(folder or ".")
        if key not in temps:
            try:
                with os.scandir(key) as it:
                    temps[key] = [e.name for e in it if is_temp_name(e.name)]
            except OSError:
                temps[key] = []
        for temp in temps[key]:
            if temp_target(temp) == name:
                source = os.path.join(folder, temp)
                reason = "temporary file of an interrupted run"
                yield Entry(
                    source, temp, os.path.join(key, temp), "skip", reason=reason, stale=True
                )

    # -- internals --------------------------------------------------------------------

    def _file(self, source: str, rel: str, real: str, st: os.stat_result, named: bool) -> Entry:
        base = dict(source=source, rel=rel, real=real, size=st.st_size, mtime_ns=st.st_mtime_ns)
        base["mode"] = stat.S_IMODE(st.st_mode)
        name = rel.rpartition("/")[2]
        if not stat.S_ISREG(st.st_mode):
            return Entry(kind="skip", reason="not a regular file", **base)
        if is_temp_name(name):
            reason = "temporary file of an interrupted run"
            return Entry(kind="skip", reason=reason, stale=True, **base)
        if self.exclude.match(rel):
            return Entry(kind="skip", reason="excluded", **base)
        if not named:
            if self.include and not self.include.match(rel):
                return Entry(kind="skip", reason="not included", **base)
            if not self.include and not known_format(name):
                return Entry(kind="skip", reason="not a known format", **base)
        return Entry(kind=kind_of(name), **base)

    def _tree(self, top: str) -> Iterator[Entry]:
        top_real = os.path.realpath(top)
        stack: list[tuple[str, str]] = [(top, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError as e:
                rel = prefix.rstrip("/") or "."
                reason = f"{folder}: cannot list folder: {e.strerror or e}"
                yield Entry(folder, rel, os.path.join(top_real, rel), "fail", reason=reason)
                continue
            subfolders = []
            for child in children:
                rel = prefix + child.name
                source = os.path.join(folder, child.name)
                real = os.path.join(top_real, rel)
                try:
                    if child.is_symlink():
                        entry = self._link(source, rel, real, top_real)
                        if entry is not None:
                            yield entry
                        continue
                    if child.is_dir(follow_symlinks=False):
                        if child.name in SKIP_DIRS or self.exclude.match(rel):
                            continue
                        if _identity(source) in self._skip_dirs:
                            continue  # the --out folder inside the input is not walked
                        subfolders.append((source, rel + "/"))
                        continue
                    if real in self._skip_files or self._own_temp(child.name, real):
                        continue  # our own manifest or state file, or the manifest's temp
                    yield self._file(source, rel, real, child.stat(follow_symlinks=False), False)
                except FileNotFoundError:
                    continue  # vanished while we looked: it was never there
            stack.extend(reversed(subfolders))

    def _link(self, source: str, rel: str, real: str, top_real: str) -> Entry | None:
        try:
            st = os.stat(source)
        except OSError:
            return Entry(source, rel, real, "skip", reason="broken symbolic link")
        target = os.path.realpath(source)
        info = dict(size=st.st_size, mtime_ns=st.st_mtime_ns, mode=stat.S_IMODE(st.st_mode))
        if stat.S_ISDIR(st.st_mode):
            reason = "symbolic link to a folder, not followed"
            return Entry(source, rel, real, "skip", reason=reason, **info)
        if not (target + os.sep).startswith(top_real + os.sep):
            reason = "symbolic link pointing outside the tree, not followed"
            return Entry(source, rel, real, "skip", reason=reason, **info)
        if self.in_place:
            reason = "symbolic link (its target is cleaned in place as itself)"
            return Entry(source, rel, real, "skip", reason=reason, **info)
        return self._file(source, rel, real, st, named=False)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
