"""Reading a corpus for learning, and observing its documents in worker processes."""

from __future__ import annotations

import codecs
import gzip
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

from ..batch.walk import Walker
from ..detector import Detector, Settings
from ..files import InputError, decode, read_source
from ..formats import detect_format, gunzip, strip_gz
from ..jsonl import JsonlError, parse_line, problem
from ..rules import RuleSet
from .lines import Observed, observe
from .options import MAX_LINE, LearnOptions

# one document to observe: (source, id, text or raw bytes, name for format detection)
Work = tuple[str, str, "str | bytes", str]


def _host(value: str) -> str:
    if "://" in value:
        host = urlsplit(value).hostname or value
        return host[4:] if host.startswith("www.") else host
    return value


def _container(path: str, rel: str, is_jsonl: bool, depth: int) -> str:
    """The source of a file's documents when no record field names it (module doc)."""
    parts = rel.split("/")
    folders = parts[:-1]
    if is_jsonl:
        stem = parts[-1]
        for suffix in (".gz", ".jsonl", ".ndjson"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        folders.append(stem)
    if depth > 0 and folders:
        return "/".join(folders[:depth])
    where = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    return os.path.basename(os.path.abspath(where)) or where


def read_corpus(
    paths: Sequence[str],
    options: LearnOptions,
    warn: Callable[[str], None],
    fail: Callable[[str], None] | None = None,
) -> Iterator[Work]:
    """Every document under ``paths``, with its source and id (see the module doc).

    An input that cannot be read (a folder that cannot be listed, an unreadable file,
    broken gzip, a JSONL line that is not JSON) goes to ``fail``, as ``clean`` counts it
    as failed; a JSONL record without the text field goes to ``warn``, as ``clean`` keeps
    it unchanged with a warning."""
    fail = fail or warn
    walker = Walker(options.include, options.exclude, skip_dirs=options.skip_dirs)
    for path in paths:
        for entry in walker.walk([path]):
            if entry.kind == "skip":
                continue
            if entry.kind == "fail":
                fail(entry.reason or entry.source)
                continue
            container = _container(path, entry.rel, entry.kind == "jsonl", options.source_depth)
            if entry.kind == "jsonl":
                yield from _records(entry.source, container, options, warn, fail)
                continue
            try:
                data = read_source(entry.source)
            except InputError as e:
                fail(str(e))
                continue
            yield container, entry.source, data, entry.rel


def _records(
    path: str,
    container: str,
    options: LearnOptions,
    warn: Callable[[str], None],
    fail: Callable[[str], None],
) -> Iterator[Work]:
    opener = gzip.open if path.lower().endswith(".gz") else open
    invalid: list[str] = []  # lines that are not JSON: the first one's message
    skipped: list[tuple[int, str]] = []  # records without the text field
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                body = line.rstrip(b"\r\n")
                if not body.strip():
                    continue
                if number == 1 and body.startswith(codecs.BOM_UTF8):
                    body = body[len(codecs.BOM_UTF8) :]
                try:
                    record = parse_line(body, number)
                except JsonlError as e:
                    invalid.append(f"{path}:{e.line}: {e.reason}")
                    continue
                why = problem(record, options.field)
                if why:
                    skipped.append((number, why))
                    continue
                source = container
                if options.source_key is not None:
                    value = record.get(options.source_key)
                    source = _host(str(value)) if value not in (None, "") else "(none)"
                rid = record.get(options.id_key)
                doc_id = str(rid) if isinstance(rid, (str, int)) else f"{path}:{number}"
                yield source, doc_id, record[options.field], path
    except (OSError, EOFError, zlib.error) as e:
        # the message clean gives for the same file (formats.gunzip)
        what = "not valid gzip" if opener is gzip.open else "cannot read"
        fail(f"{path}: {what}: {getattr(e, 'strerror', None) or e}")
    if invalid:
        more = f" (and {len(invalid) - 1} more lines that are not JSON)" if len(invalid) > 1 else ""
        fail(invalid[0] + more)
    if skipped:
        (first, why), n = skipped[0], len(skipped)
        records = "1 record" if n == 1 else f"{n} records"
        warn(f"{path}: {records} not learned from: line {first}: {why.split(';')[0]}")


# -- observing in worker processes ------------------------------------------------------

_DETECTOR: Detector | None = None
_MAX_LINE = MAX_LINE


def _init(parts: tuple[RuleSet, Settings] | None, max_line: int) -> None:
    import signal

    global _DETECTOR, _MAX_LINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parts is not None:
        _DETECTOR = Detector(*parts)
    _MAX_LINE = max_line


def _observe_batch(batch: list[Work]) -> list[tuple[str, str, Observed | str]]:
    assert _DETECTOR is not None
    return [_observe_one(_DETECTOR, w, _MAX_LINE) for w in batch]


def _observe_one(detector: Detector, work: Work, max_line: int) -> tuple[str, str, Observed | str]:
    """(source, id, (observations, article key)), or (source, id, error message)."""
    source, doc_id, payload, name = work
    if isinstance(payload, str):
        return source, doc_id, observe(detector.cut(payload, explain=True), max_line)
    try:
        data = gunzip(payload, doc_id) if payload[:2] == b"\x1f\x8b" else payload
        if detect_format(strip_gz(name), data) == "html":
            from ..html import cut_html, decode_html  # beautifulsoup4: only for pages

            hc = cut_html(decode_html(data, None, doc_id).text, detector, explain=True)
            return source, doc_id, observe(hc.result, max_line)
        text = decode(data, None, doc_id).text
    except InputError as e:
        return source, doc_id, str(e)
    return source, doc_id, observe(detector.cut(text, explain=True), max_line)


BATCH_DOCS = 64


def _batches(works: Iterable[Work]) -> Iterator[list[Work]]:
    batch: list[Work] = []
    size = 0
    for w in works:
        batch.append(w)
        size += len(w[2])
        if len(batch) >= BATCH_DOCS or size >= 1 << 20:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def observed(
    works: Iterable[Work], detector: Detector, jobs: int, max_line: int
) -> Iterator[tuple[str, str, Observed | str]]:
    """Observations of every document, in corpus order; ``jobs`` processes."""
    if jobs <= 1:
        for w in works:
            yield _observe_one(detector, w, max_line)
        return
    import multiprocessing

    global _DETECTOR
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        _DETECTOR = detector  # the forked workers inherit it: nothing rebuilt or pickled
        context, parts = multiprocessing.get_context("fork"), None
    else:  # pragma: no cover - not Linux
        context = multiprocessing.get_context("spawn")
        parts = (detector.ruleset, detector.settings)
    pool = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init, initargs=(parts, max_line)
    )
    pending: list[Future[Any]] = []
    try:
        for batch in _batches(works):
            pending.append(pool.submit(_observe_batch, batch))
            while len(pending) >= 2 * jobs:  # a bounded number of batches in flight
                wait(pending[:1], return_when=FIRST_COMPLETED)
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _DETECTOR = None
