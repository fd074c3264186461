"""The main process of a batch run: plan, hand out work, collect, record, report.

1. **plan** - walk the inputs (:mod:`.walk`) and check each file against the run state
   (:mod:`.state`): an up-to-date file is not even read;
2. **work** - small files go to the worker processes in batches (:mod:`.work`); a large
   JSONL file is read here in chunks of whole lines which the workers clean in parallel
   and which are written back here, in order, into one temporary file (:mod:`.split`);
   only a bounded number of chunks is ever in flight, so memory stays flat;
3. **collect** - each outcome updates the summary, the progress bar, the manifest and
   the run state (a state row is written only once its output is in place).

With ``--jobs 1`` the same code runs every task in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from .. import __version__
from ..detector import Detector
from ..files import is_temp_name
from ..jsonl import JsonlOptions, JsonlStats
from .manifest import Manifest, ManifestError
from .pool import InlineExecutor, make_pool
from .split import JsonlJob
from .state import STATE_NAME, Row, State, default_in_place_state
from .summary import ProgressBar, Summary, render
from .walk import Entry, Walker
from .work import (
    DRY_RUN,
    IN_PLACE,
    OUT,
    Engine,
    FileOutcome,
    FileTask,
    WorkConfig,
    run_chunk,
    run_files,
)

MAX_WARNINGS = 20  # record warnings printed per run; the others are counted
BATCH_FILES = 32  # at most this many small files per task
BATCH_BYTES = 1 << 20  # and at most about this many bytes
COPYABLE = frozenset({"not a known format", "not included", "excluded"})


class UsageError(Exception):
    """The run cannot start (a bad combination of inputs and options)."""


@dataclass
class BatchOptions:
    """A batch run, as the ``clean`` command describes it."""

    paths: tuple[str, ...]
    mode: str  # OUT, IN_PLACE or DRY_RUN
    out_dir: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jsonl: JsonlOptions = field(default_factory=JsonlOptions)
    encoding: str | None = None
    output_encoding: str | None = None
    jobs: int = 1
    manifest: str | None = None
    manifest_records: bool = False
    state: str | None = None  # None: the default place (see state.py)
    force: bool = False  # ignore the state: process every input
    copy_skipped: bool = False  # --out: copy the files that are not cleaned, as they are
    progress: bool = False
    quiet: bool = False  # no warnings and no summary (errors are still printed)
    split_bytes: int = 8 << 20  # JSONL files this big are cleaned chunk by chunk
    chunk_bytes: int = 1 << 20  # bytes of whole lines per chunk


# -- the run -------------------------------------------------------------------------------


class Runner:
    """One batch run. :meth:`run` returns the summary; messages go to ``console``."""

    def __init__(self, options: BatchOptions, detector: Detector, console: Console) -> None:
        self.options = options
        self.detector = detector
        self.console = console
        self.summary = Summary(mode=options.mode)
        self.warnings_shown = self.warnings_hidden = 0
        self.out_root = os.path.realpath(options.out_dir) if options.out_dir else None
        self.config = WorkConfig(
            ruleset=detector.ruleset,
            settings=detector.settings,
            mode=options.mode,
            out_root=self.out_root,
            encoding=options.encoding,
            output_encoding=options.output_encoding,
            jsonl=options.jsonl,
            reports=options.manifest is not None,
            record_details=options.manifest is not None and options.manifest_records,
        )
        self.engine = Engine(self.config, detector)  # --jobs 1, and output folder checks
        self.state: State | None = None
        self.manifest = Manifest(None)
        self.progress = ProgressBar(console, False, 0, 0)
        self.entries: dict[str, Entry] = {}  # files to process, by FileTask.key
        self.split: set[str] = set()  # keys of the files cleaned chunk by chunk (JsonlJob)

    # -- setup ------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """What output bytes depend on besides the input: version, rules, options."""
        o = self.options
        parts = [__version__, repr(self.detector.ruleset), repr(self.detector.settings)]
        parts += [repr(o.jsonl), o.encoding, o.output_encoding, o.mode]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def _check_paths(self) -> None:
        o = self.options
        for path in o.paths:
            if not os.path.exists(path):
                raise UsageError(f"{path}: no such file or folder")
        if o.mode != OUT or self.out_root is None:
            return
        out = self.out_root
        if os.path.exists(out) and not os.path.isdir(out):
            raise UsageError(f"--out {o.out_dir}: exists and is not a folder")
        for path in o.paths:
            real = os.path.realpath(path)
            if real == out:
                raise UsageError(f"--out {o.out_dir} is the input folder; use --in-place")
            if os.path.isdir(path) and (real + os.sep).startswith(out + os.sep):
                raise UsageError(f"the input {path} is inside --out {o.out_dir}")
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as e:
            raise UsageError(f"--out {o.out_dir}: cannot create: {e.strerror or e}") from None

    def _open_state(self) -> None:
        o = self.options
        if o.mode == DRY_RUN:
            return
        if o.state:
            path = Path(o.state)
        elif o.mode == OUT:
            path = Path(self.out_root or ".") / STATE_NAME
        else:
            path = default_in_place_state()
        try:
            self.state = State(path, self.fingerprint())
        except Exception as e:  # the state only saves time: go on without it
            self.warn(f"run state {path}: cannot be used ({e}); every input is processed")

    # -- messages ---------------------------------------------------------------------

    def error(self, message: str) -> None:
        self.console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)

    def warn(self, message: str) -> None:
        if not self.options.quiet:
            self.console.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)

    def _record_warnings(self, name: str, stats: JsonlStats) -> None:
        for line, reason in stats.warnings:
            if self.warnings_shown < MAX_WARNINGS:
                self.warnings_shown += 1
                self.warn(f"{name}:{line}: {reason}")
            else:
                self.warnings_hidden += 1

    # -- the plan -----------------------------------------------------------------------

    def _dest(self, entry: Entry) -> tuple[str | None, str | None]:
        """(path to write, path to show) of an entry's output; the state key is the first."""
        o = self.options
        if o.mode == IN_PLACE:
            return entry.real, entry.source
        if o.mode == OUT and o.out_dir is not None and self.out_root is not None:
            parts = entry.rel.split("/")
            return os.path.join(self.out_root, *parts), os.path.join(o.out_dir, *parts)
        return None, None

    def _freshness(self, entry: Entry, dest: str | None) -> tuple[bool, str | None]:
        """(up to date without reading it, digest to compare once read)."""
        if self.state is None or self.options.force or dest is None:
            return False, None
        row = self.state.get(entry.real, dest)
        if row is None:
            return False, None
        if self.options.mode == OUT:
            try:
                st = os.stat(dest)
            except OSError:
                return False, None
            if (st.st_size, st.st_mtime_ns) != (row.out_size, row.out_mtime_ns):
                return False, None  # the output was changed or removed: write it again
        if (entry.size, entry.mtime_ns) == (row.size, row.mtime_ns):
            return True, None
        return False, row.digest if entry.size == row.size else None

    def plan(self) -> Iterator[Entry | FileTask]:
        """Every file met: a task to run, or an entry (skipped, failed, up to date)."""
        o = self.options
        skip_files = [p for p in (o.manifest, o.state) if p]
        if self.state is not None:
            skip_files.append(str(self.state.path))
        walker = Walker(
            o.include,
            o.exclude,
            in_place=o.mode == IN_PLACE,
            skip_dirs=[self.out_root] if self.out_root else [],
            skip_files=skip_files,
        )
        for entry in walker.walk(o.paths):
            dest, _ = self._dest(entry)
            kind = entry.kind
            if kind == "skip" and entry.stale and o.mode == IN_PLACE:
                self._remove_stale(entry.source)
                continue
            if kind == "skip" and o.copy_skipped and o.mode == OUT and entry.reason in COPYABLE:
                kind = "copy"
            if kind in ("skip", "fail"):
                yield entry
                continue
            key = dest if dest is not None else entry.real  # one task per output
            first = self.entries.get(key)
            if first is not None:
                if first.real != entry.real:
                    reason = f"{entry.source}: same output path as {first.source}; not written"
                    yield replace(entry, kind="fail", reason=reason)
                continue  # the same file named twice: cleaned once
            # DIR is never an input folder and no output is written through a symbolic link
            # (Engine.ensure_folder), so an output is its input only by the very same path
            if dest is not None and o.mode == OUT and dest == entry.real:
                yield replace(entry, kind="fail", reason=f"{entry.source}: output is the input")
                continue
            self.entries[key] = entry
            fresh, known = self._freshness(entry, dest) if kind != "copy" else (False, None)
            if fresh:
                yield replace(entry, kind="up-to-date")
            else:
                yield FileTask(entry.source, entry.source, kind, dest, known, key)

    def _remove_stale(self, path: str) -> None:
        try:
            os.unlink(path)
            self.summary.stale_removed += 1
        except OSError:
            pass

    def _sweep_out_dir(self) -> None:
        """After an interrupted --out run: remove its temporary files from DIR."""
        assert self.out_root is not None
        for folder, _dirs, files in os.walk(self.out_root):
            for name in files:
                if is_temp_name(name):
                    self._remove_stale(os.path.join(folder, name))

    # -- collecting ---------------------------------------------------------------------

    def on_outcome(self, outcome: FileOutcome, task: FileTask) -> None:
        """One file is done (or failed): counted, recorded in the run state and manifest,
        all or nothing (Ctrl-C and SIGTERM wait until the file is recorded everywhere)."""
        with _stops_deferred():
            self._on_outcome(outcome, task)

    def _on_outcome(self, outcome: FileOutcome, task: FileTask) -> None:
        entry = self.entries[task.key]
        if outcome.status == "copied":
            outcome.reason = entry.reason
        self.summary.add(outcome)
        split = task.key in self.split
        if outcome.status == "failed":
            self.error(outcome.reason or outcome.name)
        elif outcome.jsonl is not None and not split:
            self._record_warnings(outcome.name, outcome.jsonl)
        self._record_state(entry, task, outcome)
        self._manifest_file(outcome, task, entry)
        if outcome.jsonl is not None and not split and self.options.manifest_records:
            self._manifest_records(task, entry, outcome.jsonl)
        if split:
            self.progress.advance(files=1)
        else:
            records = outcome.jsonl.records if outcome.jsonl is not None else 0
            self.progress.advance(entry.size, files=1, records=records)

    def on_chunk(self, task: FileTask, stats: JsonlStats, raw_bytes: int) -> None:
        """A chunk of a large JSONL file was written."""
        self._record_warnings(task.name, stats)
        if self.options.manifest_records:
            self._manifest_records(task, self.entries[task.key], stats)
        self.progress.advance(raw_bytes, records=stats.records)

    def _record_state(self, entry: Entry, task: FileTask, outcome: FileOutcome) -> None:
        state, dest = self.state, task.dest
        if state is None or dest is None or outcome.status == "copied":
            return
        if outcome.status == "failed":
            state.forget(entry.real, dest)
        elif self.options.mode == IN_PLACE:
            if outcome.out_size is not None and outcome.out_digest is not None:
                row = Row(outcome.out_size, outcome.out_mtime_ns or 0, outcome.out_digest)
                state.put(entry.real, dest, row)
        elif outcome.out_size is not None and outcome.digest is not None:
            size, mtime = outcome.size or entry.size, outcome.mtime_ns or entry.mtime_ns
            row = Row(size, mtime, outcome.digest, outcome.out_size, outcome.out_mtime_ns)
            state.put(entry.real, dest, row)

    def _manifest_file(self, outcome: FileOutcome, task: FileTask, entry: Entry) -> None:
        if self.options.manifest is None:
            return
        line: dict[str, Any] = {
            "source": outcome.name,
            "dest": self._dest(entry)[1] if outcome.status != "failed" else None,
            "status": outcome.status,
        }
        if outcome.reason:
            line["reason"] = outcome.reason
        line.update(outcome.report or {})
        if outcome.format:
            line["format"] = outcome.format
        line["bytes"] = outcome.size
        self.manifest.write(line)

    def _manifest_records(self, task: FileTask, entry: Entry, stats: JsonlStats) -> None:
        dest = self._dest(entry)[1]
        for detail in stats.records_detail:
            line = {"source": task.name, "dest": dest, "status": detail["status"]}
            self.manifest.write({**line, **detail})

    def _report_entry(self, entry: Entry) -> None:
        """A file that needs no work: skipped, failed at planning, or up to date."""
        line: dict[str, Any] = {"source": entry.source}
        if entry.kind == "up-to-date":
            self.summary.up_to_date += 1
            self.summary.files_seen += 1
            line.update(dest=self._dest(entry)[1], status="up-to-date")
        elif entry.kind == "fail":
            reason = entry.reason or f"{entry.source}: failed"
            self.summary.fail(reason)
            self.error(reason)
            line.update(status="failed", reason=reason)
        else:
            self.summary.skip(entry.reason or "skipped")
            line.update(status="skipped", reason=entry.reason)
        self.manifest.write(line)
        self.progress.advance(entry.size if entry.kind == "up-to-date" else 0, files=1)

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> Summary:
        o = self.options
        self._check_paths()
        self._open_state()
        finished = False
        try:
            if self.state is not None and self.state.interrupted and self.out_root:
                self._sweep_out_dir()
            try:
                self.manifest = Manifest(o.manifest)
            except ManifestError as e:
                raise UsageError(str(e)) from None
            items: Iterable[Entry | FileTask] = self.plan()
            files = total = 0
            if o.progress:  # the whole walk first, for the totals of the progress bar
                items = list(items)
                files = len(items)
                total = sum(self.entries[t.key].size for t in items if isinstance(t, FileTask))
                total += sum(e.size for e in items if isinstance(e, Entry) and e.kind != "skip")
            # else the work starts while the walk goes on: no time lost walking 20,000 files
            # workers start before the progress bar starts its thread (see pool.make_pool)
            executor: Any = (
                make_pool(o.jobs, self.config, self.engine)
                if o.jobs > 1
                else InlineExecutor(self.engine)
            )
            self.progress = ProgressBar(self.console, o.progress, files, total)
            try:
                with self.progress:
                    self._execute(items, executor)
            finally:
                executor.shutdown(wait=True, cancel_futures=True)
            if o.mode == OUT:
                os.sync()  # outputs are not fsynced one by one (see Engine._write)
            finished = True
        except KeyboardInterrupt:
            self.summary.interrupted = True
        except BrokenProcessPool:
            self.summary.aborted = "a worker process died; the files not reported are as they were"
            self.error(self.summary.aborted)
        finally:
            if self.state is not None:
                self.state.close(finished)
                if self.state.error:
                    self.warn(f"run state {self.state.path}: {self.state.error}; not all recorded")
            self.manifest.close()
            self.summary.finish()
        return self.summary

    def _split(self, task: FileTask) -> bool:
        """Is this a JSONL file large enough to be cleaned chunk by chunk?"""
        entry = self.entries[task.key]
        estimate = entry.size * (8 if entry.rel.lower().endswith(".gz") else 1)
        return task.kind == "jsonl" and estimate >= self.options.split_bytes

    def _execute(self, items: Iterable[Entry | FileTask], executor: Any) -> None:
        """Hand out the work as the plan yields it: small files in batches (1 file, then 2,
        4 ... up to BATCH_FILES, so that a few files are spread too), large JSONL files
        chunk by chunk; never more than ``window`` tasks in flight."""
        o = self.options
        window = max(2, o.jobs * 4)
        inflight: dict[Future[Any], tuple[Any, ...]] = {}
        jobs: list[JsonlJob] = []
        batch: list[FileTask] = []
        size, per_batch = 0, 1

        def submit_batch() -> None:
            nonlocal batch, size, per_batch
            if batch:
                self._collect(inflight, window)
                inflight[executor.submit(run_files, batch)] = (None, batch)
                batch, size, per_batch = [], 0, min(BATCH_FILES, per_batch * 2)

        try:
            for item in items:
                if isinstance(item, Entry):
                    self._report_entry(item)
                elif not self._split(item):
                    batch.append(item)
                    size += self.entries[item.key].size
                    if len(batch) >= per_batch or size >= BATCH_BYTES:
                        submit_batch()
                else:
                    job = JsonlJob(item, self.engine, self.on_chunk)
                    jobs.append(job)
                    self.split.add(item.key)
                    for seq, data, first_line, raw_bytes in job.chunks(o.chunk_bytes):
                        self._collect(inflight, window)
                        if job.failed is not None:
                            break
                        future = executor.submit(run_chunk, data, first_line)
                        inflight[future] = (job, seq, raw_bytes)
                    self._finish_jobs(jobs)
            submit_batch()
            while inflight:
                self._collect(inflight, 1)
            self._finish_jobs(jobs)
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            for job in jobs:
                job.abort()  # a large file in progress stays as it was
            raise

    def _collect(self, inflight: dict[Future[Any], tuple[Any, ...]], window: int) -> None:
        """Handle finished work until fewer than ``window`` tasks are in flight."""
        while len(inflight) >= window:
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for future in done:
                job, *payload = inflight.pop(future)
                if job is None:
                    (batch,) = payload
                    for task, outcome in zip(batch, future.result()):
                        self.on_outcome(outcome, task)
                    continue
                seq, raw_bytes = payload
                job.receive(seq, future, raw_bytes)
                if job.complete and not job.finished:
                    self.on_outcome(job.finish(), job.task)

    def _finish_jobs(self, jobs: list[JsonlJob]) -> None:
        for job in jobs:
            if job.complete and not job.finished:
                self.on_outcome(job.finish(), job.task)


def run_batch(options: BatchOptions, detector: Detector, console: Console | None = None) -> Summary:
    """Run a batch clean (see :class:`BatchOptions`); raises :class:`UsageError`."""
    console = console or Console(stderr=True, highlight=False)
    runner = Runner(options, detector, console)
    summary = runner.run()
    if runner.warnings_hidden:
        runner.warn(f"{runner.warnings_hidden:,} more record warnings not shown")
    if not options.quiet:
        render(console, summary)
    return summary


_STOPS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _stops_deferred() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM for the block; they arrive as soon as it ends. Without
    this, a stop between counting a file and writing its manifest line left the summary
    and the manifest disagreeing about a file that was cleaned (POSIX; elsewhere a no-op)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
