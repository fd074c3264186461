"""The work of one process: read a file, clean it, write it safely, say what happened.

Runs in worker processes (one :class:`Engine` each, built by :func:`init_worker` with its
own detector: rules are compiled once per process and the hyperscan database is never
pickled) or in the main process for ``--jobs 1``. Nothing here prints; every outcome,
good or bad, comes back as a :class:`FileOutcome` so that one bad file never stops a run.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import signal
import stat
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..detector import Detector, Settings
from ..files import InputError, atomic_writer
from ..formats import GZIP_LEVEL, GZIP_MAGIC, process, unpacked
from ..jsonl import JsonlError, JsonlOptions, JsonlStats, clean_bytes
from ..rules import RuleSet

# modes of a run
OUT, IN_PLACE, DRY_RUN = "out", "in-place", "dry-run"


@dataclass(frozen=True)
class WorkConfig:
    """Everything a worker needs, picklable (the detector is rebuilt from its parts)."""

    ruleset: RuleSet
    settings: Settings
    mode: str
    out_root: str | None = None  # real path of --out DIR
    encoding: str | None = None  # input encoding (None: detected)
    output_encoding: str | None = None  # text output encoding (None: the input's own)
    jsonl: JsonlOptions = field(default_factory=JsonlOptions)
    reports: bool = False  # send back full reports (for the manifest)
    record_details: bool = False  # and one per JSONL record that was cut


@dataclass(frozen=True)
class FileTask:
    source: str  # path to read
    name: str  # path shown to the user
    kind: str  # "doc", "jsonl" or "copy"
    dest: str | None = None  # where to write (None for --dry-run; the source in place)
    known_digest: str | None = None  # skip the work when the input still has this digest
    key: str = ""  # the runner's name for this task (its output path, or the input's)


@dataclass
class FileOutcome:
    """What happened to one file."""

    name: str
    status: str  # cleaned | unchanged | rewritten | copied | up-to-date | failed
    reason: str | None = None  # for failed: the message, starting with the path
    format: str | None = None
    size: int = 0  # bytes read
    mtime_ns: int = 0  # of the input, as read
    digest: str | None = None  # of the input, as read
    out_size: int | None = None  # of the output file, as written (in place: as left)
    out_mtime_ns: int | None = None
    out_digest: str | None = None  # in place: digest of the file as left
    chars_total: int = 0
    chars_cut: int = 0
    rules: Counter[str] = field(default_factory=Counter)  # rule id -> cut regions
    jsonl: JsonlStats | None = None
    report: dict[str, Any] | None = None  # the file's report (when asked for)


class OutputError(Exception):
    """An output path that must not be written (outside DIR, through a symlink ...)."""


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def read_input(path: str, nofollow: bool) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its status, taken on the open file."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    if nofollow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: not a regular file")
        return fh.read(), st


def read_error(name: str, e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return f"{name}: vanished before it could be read"
    if isinstance(e, PermissionError):
        return f"{name}: cannot read: permission denied"
    if getattr(e, "errno", None) == getattr(os, "ELOOP", -1):
        return f"{name}: is a symbolic link; not rewritten in place"
    return f"{name}: cannot read: {e.strerror or e}"


def same_codec(a: str, b: str) -> bool:
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


class Engine:
    """Cleans files with one detector; see :meth:`file`."""

    def __init__(self, config: WorkConfig, detector: Detector | None = None) -> None:
        self.config = config
        self.detector = detector or Detector(config.ruleset, config.settings)
        self._folders_ok: set[str] = set()
        self.umask = _umask()

    # -- whole files --------------------------------------------------------------------

    def files(self, tasks: list[FileTask]) -> list[FileOutcome]:
        return [self.file(t) for t in tasks]

    def file(self, task: FileTask) -> FileOutcome:
        try:
            return self._file(task)
        except Exception as e:  # a bug must cost one file, not the run
            return FileOutcome(task.name, "failed", f"{task.name}: internal error: {e!r}")

    def _file(self, task: FileTask) -> FileOutcome:
        name, mode = task.name, self.config.mode
        try:
            data, st = read_input(task.source, nofollow=mode == IN_PLACE)
        except InputError as e:
            return FileOutcome(name, "failed", str(e))
        except OSError as e:
            return FileOutcome(name, "failed", read_error(name, e))
        digest = digest_of(data)
        outcome = FileOutcome(name, "unchanged", size=len(data), mtime_ns=st.st_mtime_ns)
        outcome.digest = digest
        if task.known_digest == digest:
            outcome.status = "up-to-date"
            return self._stat_output(outcome, task, digest)
        try:
            if task.kind == "copy":
                out, outcome.status = data, "copied"
            else:
                out = self._clean(data, task, outcome)
        except InputError as e:
            outcome.status, outcome.reason = "failed", str(e)
            return outcome
        if mode == DRY_RUN or task.dest is None:
            return outcome
        try:
            if mode == IN_PLACE:
                if out != data:
                    self._rewrite(task.source, out, st)
            else:
                self._write(task.dest, out, stat.S_IMODE(st.st_mode))
        except (OSError, OutputError) as e:
            message = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            outcome.status, outcome.reason = "failed", f"{name}: cannot write: {message}"
            return outcome
        return self._stat_output(outcome, task, digest_of(out))

    def _clean(self, data: bytes, task: FileTask, outcome: FileOutcome) -> bytes:
        """Cleaned bytes of one input; fills in the outcome's figures and report."""
        config, name = self.config, task.name
        packed = data[:2] == GZIP_MAGIC
        inner, inner_name = unpacked(data, name)
        if task.kind == "jsonl":
            try:
                out, stats = clean_bytes(
                    inner, self.detector, config.jsonl, details=config.record_details
                )
            except JsonlError as e:
                raise InputError(f"{name}:{e.line}: {e.reason}") from None
            outcome.format, outcome.jsonl = "jsonl", stats
            outcome.chars_total, outcome.chars_cut = stats.chars_total, stats.chars_cut
            outcome.rules = stats.rules
            changed = out != inner
            if config.reports:
                outcome.report = stats.report()
            outcome.status = "cleaned" if stats.cut else "unchanged"
            if changed and not stats.cut:
                outcome.status = "rewritten"  # report fields were added, nothing cut
        else:
            processed = process(inner, inner_name, self.detector, encoding=config.encoding)
            out, changed = processed.data, processed.changed
            outcome.format = processed.format
            for result in processed.results:
                outcome.chars_total += result.chars_total
                outcome.chars_cut += result.chars_cut
                for c in result.cuts:
                    outcome.rules.update(c.rules)
            outcome.status = "cleaned" if changed else "unchanged"
            target, source_enc = config.output_encoding, processed.encoding
            if (
                target
                and source_enc
                and processed.format == "text"
                and not same_codec(target, source_enc)
            ):
                try:
                    out = out.decode(source_enc).encode(target)
                except UnicodeError as e:
                    raise InputError(f"{name}: cannot write as {target}: {e}") from None
                changed = True
                if outcome.status == "unchanged":
                    outcome.status = "rewritten"  # re-encoded, nothing cut
            if config.reports:
                outcome.report = dict(processed.report)
        if config.reports and outcome.report is not None:
            outcome.report.pop("source", None)
            outcome.report["format"] = outcome.format
            if packed:
                outcome.report["compression"] = "gzip"
        if not changed:
            return data  # the very same bytes, compressed or not
        return gzip.compress(out, compresslevel=GZIP_LEVEL, mtime=0) if packed else out

    # -- writing ------------------------------------------------------------------------

    def _rewrite(self, path: str, data: bytes, before: os.stat_result) -> None:
        """Replace a file in place, atomically, unless it changed since it was read."""
        now = os.lstat(path)
        if (now.st_size, now.st_mtime_ns, now.st_ino) != (
            before.st_size,
            before.st_mtime_ns,
            before.st_ino,
        ):
            raise OutputError("changed while it was being cleaned; left as it is")
        with atomic_writer(path) as fh:
            fh.write(data)

    def _write(self, dest: str, data: bytes, source_mode: int) -> None:
        """Write an output under --out DIR, atomically, never outside DIR.

        Not fsynced one by one (a new tree puts no input at risk, and thousands of
        fsyncs cost more than the cleaning): the runner syncs once at the end.
        """
        self.ensure_folder(os.path.dirname(dest))
        mode = source_mode & ~self.umask & 0o7777
        with atomic_writer(dest, mode=mode, durable=False) as fh:
            fh.write(data)

    def ensure_folder(self, folder: str) -> None:
        """Create ``folder`` inside --out DIR, refusing symlinks and anything outside."""
        if folder in self._folders_ok:
            return
        root = self.config.out_root
        if root is None:
            raise OutputError("no output folder")
        rel = os.path.relpath(folder, root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
            raise OutputError(f"{folder} is outside the output folder")
        current = root
        for part in [] if rel == os.curdir else rel.split(os.sep):
            current = os.path.join(current, part)
            try:
                os.mkdir(current)
            except FileExistsError:
                pass
            st = os.lstat(current)
            if stat.S_ISLNK(st.st_mode):
                raise OutputError(f"{current} is a symbolic link; not written through")
            if not stat.S_ISDIR(st.st_mode):
                raise OutputError(f"{current} exists and is not a folder")
        self._folders_ok.add(folder)

    def _stat_output(self, outcome: FileOutcome, task: FileTask, digest: str) -> FileOutcome:
        """Record the output file as it now is (for the run state)."""
        if self.config.mode == DRY_RUN or task.dest is None:
            return outcome
        try:
            st = os.stat(task.dest)
        except OSError:
            return outcome
        outcome.out_size, outcome.out_mtime_ns = st.st_size, st.st_mtime_ns
        outcome.out_digest = digest
        return outcome

    # -- JSONL chunks -------------------------------------------------------------------

    def chunk(self, data: bytes, first_line: int) -> tuple[bytes, JsonlStats]:
        """Clean a chunk of whole JSONL lines; raises JsonlError at a line that is not JSON."""
        config = self.config
        return clean_bytes(
            data,
            self.detector,
            config.jsonl,
            first_line=first_line,
            details=config.record_details,
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- the worker process side ----------------------------------------------------------------

_ENGINE: Engine | None = None


def inherit_engine(engine: Engine) -> None:
    """In the main process, just before forking workers: they start with this engine."""
    global _ENGINE
    _ENGINE = engine


def init_worker(config: WorkConfig | None) -> None:
    """Process pool initializer: Ctrl-C and SIGTERM are the main process's business (a
    worker ignores Ctrl-C, and dies of SIGTERM sent to it alone); build the engine
    from ``config``, or (``None``) keep the one inherited through fork."""
    global _ENGINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a forked worker inherits the command's SIGTERM handler: SIGTERM ends a worker itself
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if config is not None:
        _ENGINE = Engine(config)


def run_files(tasks: list[FileTask]) -> list[FileOutcome]:
    assert _ENGINE is not None
    return _ENGINE.files(tasks)


def run_chunk(data: bytes, first_line: int) -> tuple[bytes, JsonlStats]:
    assert _ENGINE is not None
    return _ENGINE.chunk(data, first_line)
