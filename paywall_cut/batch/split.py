"""Large JSONL files, cleaned chunk by chunk: memory stays flat, all cores work.

The main process reads the file (plain or gzip) in chunks of whole lines; the workers
clean the chunks (:meth:`.work.Engine.chunk`) in parallel; the main process writes the
cleaned chunks back in order into one temporary file beside the output, and puts it in
place at the end, only if every line was JSON (else the file stays as it was). Only a
bounded number of chunks is ever in flight (the runner's window).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any

from ..files import atomic_writer
from ..formats import GZIP_LEVEL, GZIP_MAGIC
from ..jsonl import JsonlError, JsonlStats
from .work import DRY_RUN, IN_PLACE, OUT, Engine, FileOutcome, FileTask, file_digest, read_error


class _Discard(Exception):
    """Thrown into an atomic writer to drop its temporary file."""


class _HashingReader(io.RawIOBase):
    """A raw reader that hashes and counts the bytes of the file it reads."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.hash = hashlib.blake2b(digest_size=16)
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.fh.read(len(buffer))
        buffer[: len(data)] = data
        self.hash.update(data)
        self.pos += len(data)
        return len(data)


class JsonlJob:
    """One large JSONL file (plain or gzip): read here in chunks of whole lines, cleaned by
    the workers, written back here in order into a temporary file, put in place at the
    end only if every line was JSON (else the file is left as it was)."""

    def __init__(
        self,
        task: FileTask,
        engine: Engine,
        on_chunk: Callable[[FileTask, JsonlStats, int], None],
    ) -> None:
        self.task, self.engine, self.on_chunk = task, engine, on_chunk
        self.mode = engine.config.mode
        self.stats = JsonlStats()
        self.failed: str | None = None
        self.changed = False
        self.packed = False
        self.done_reading = False
        self.finished = False
        self.handed_out = 0  # chunks read and handed out
        self.next_write = 0  # sequence number of the next chunk to write
        self.pending: dict[int, tuple[bytes, JsonlStats, int]] = {}  # arrived out of order
        self.size = self.mtime_ns = 0
        self.digest: str | None = None
        self._before: os.stat_result | None = None
        self._writer: Any = None
        self._out: IO[bytes] | None = None

    def chunks(self, chunk_bytes: int) -> Iterator[tuple[int, bytes, int, int]]:
        """(sequence number, whole lines, number of the first line, raw bytes) per chunk."""
        flags = os.O_RDONLY | (getattr(os, "O_NOFOLLOW", 0) if self.mode == IN_PLACE else 0)
        try:
            raw = os.fdopen(os.open(self.task.source, flags), "rb")
        except OSError as e:
            self.failed = read_error(self.task.name, e)
            return
        with raw:
            st = self._before = os.fstat(raw.fileno())
            self.size, self.mtime_ns = st.st_size, st.st_mtime_ns
            hashing = _HashingReader(raw)
            buffered = io.BufferedReader(hashing, buffer_size=1 << 20)
            self.packed = buffered.peek(2)[:2] == GZIP_MAGIC
            reader: IO[bytes] = (
                gzip.GzipFile(fileobj=buffered, mode="rb") if self.packed else buffered
            )
            if not self._open_output():
                return
            line, done = 1, 0
            try:
                while self.failed is None:
                    data = reader.read(chunk_bytes)
                    if not data:
                        break
                    if not data.endswith(b"\n"):
                        data += reader.readline()
                    seq, raw_bytes, done = self.handed_out, hashing.pos - done, hashing.pos
                    self.handed_out += 1
                    yield seq, data, line, raw_bytes
                    line += data.count(b"\n")
            except (EOFError, gzip.BadGzipFile, zlib.error) as e:
                # the message of a small file (formats.gunzip); zlib.error is no OSError
                self.failed = f"{self.task.name}: not valid gzip: {e}"
            except OSError as e:
                self.failed = f"{self.task.name}: cannot read: {e.strerror or e}"
            self.digest = hashing.hash.hexdigest()
        self.done_reading = True

    def _mode(self) -> int:
        assert self._before is not None
        return self._before.st_mode & 0o777 & ~self.engine.umask

    def _open_output(self) -> bool:
        if self.mode == DRY_RUN or self.task.dest is None:
            return True
        try:
            if self.mode == OUT:
                self.engine.ensure_folder(os.path.dirname(self.task.dest))
                self._writer = atomic_writer(self.task.dest, mode=self._mode(), durable=False)
            else:
                self._writer = atomic_writer(self.task.dest)
            out = self._writer.__enter__()
        except Exception as e:
            self.failed = f"{self.task.name}: cannot write: {getattr(e, 'strerror', None) or e}"
            self._writer = None
            return False
        self._out = (
            gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
            if self.packed
            else out
        )
        return True

    def receive(self, seq: int, future: Future[Any], raw_bytes: int) -> None:
        """A chunk came back: write it, and any that waited for it, in order."""
        if self.failed is not None:
            return
        try:
            out, stats = future.result()
        except JsonlError as e:
            self.failed = f"{self.task.name}:{e.line}: {e.reason}"
            return
        except BrokenProcessPool:
            raise
        except Exception as e:
            self.failed = f"{self.task.name}: internal error: {e!r}"
            return
        self.pending[seq] = (out, stats, raw_bytes)
        while self.next_write in self.pending and self.failed is None:
            out, stats, raw_bytes = self.pending.pop(self.next_write)
            self.next_write += 1
            try:
                if self._out is not None:
                    self._out.write(out)
            except OSError as e:
                self.failed = f"{self.task.name}: cannot write: {e.strerror or e}"
            self.changed = self.changed or bool(stats.changed or stats.dropped)
            self.on_chunk(self.task, stats, raw_bytes)  # warnings, manifest lines, progress
            stats.warnings, stats.records_detail = [], []  # done with: memory stays flat
            self.stats.add(stats)

    @property
    def complete(self) -> bool:
        return self.failed is not None or (self.done_reading and self.next_write == self.handed_out)

    def finish(self) -> FileOutcome:
        """Put the output in place (or drop it) and say what happened."""
        self.finished = True
        name = self.task.name
        try:
            if self.failed is None and self._writer is not None:
                self._commit()
        except OSError as e:
            self.failed = f"{name}: cannot write: {e.strerror or e}"
        finally:
            self.abort()
        if self.failed is not None:
            return FileOutcome(name, "failed", self.failed)
        stats = self.stats
        status = "cleaned" if stats.cut else "rewritten" if self.changed else "unchanged"
        outcome = FileOutcome(name, status, format="jsonl", size=self.size)
        outcome.mtime_ns, outcome.digest, outcome.jsonl = self.mtime_ns, self.digest, stats
        outcome.chars_total, outcome.chars_cut, outcome.rules = (
            stats.chars_total,
            stats.chars_cut,
            stats.rules,
        )
        if self.engine.config.reports:
            outcome.report = stats.report()
            outcome.report["format"] = "jsonl"
            if self.packed:
                outcome.report["compression"] = "gzip"
        if self.mode != DRY_RUN and self.task.dest:
            try:
                st = os.stat(self.task.dest)
                outcome.out_size, outcome.out_mtime_ns = st.st_size, st.st_mtime_ns
                if self.mode == IN_PLACE:
                    changed = self.changed
                    outcome.out_digest = file_digest(self.task.dest) if changed else self.digest
            except OSError:
                pass
        return outcome

    def _commit(self) -> None:
        if isinstance(self._out, gzip.GzipFile):
            self._out.close()
        if self.mode == IN_PLACE:
            if not self.changed:
                return  # nothing to write: the file is not touched (abort drops the copy)
            now, before = os.lstat(self.task.source), self._before
            assert before is not None
            if (now.st_size, now.st_mtime_ns, now.st_ino) != (
                before.st_size,
                before.st_mtime_ns,
                before.st_ino,
            ):
                self.failed = f"{self.task.name}: changed while it was being cleaned; left as is"
                return
        elif not self.changed and self.packed:
            # nothing changed inside a gzip file: the output is its very bytes
            self._writer.__exit__(_Discard, _Discard(), None)
            self._writer = None
            dest = self.task.dest or ""
            with (
                atomic_writer(dest, mode=self._mode(), durable=False) as fh,
                open(self.task.source, "rb") as src,
            ):
                shutil.copyfileobj(src, fh, 1 << 20)
            return
        self._writer.__exit__(None, None, None)
        self._writer = None

    def abort(self) -> None:
        """Drop the temporary output, if any: the file stays as it was."""
        if self._writer is not None:
            try:
                self._writer.__exit__(_Discard, _Discard(), None)
            except Exception:
                pass
            self._writer = None
