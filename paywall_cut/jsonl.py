"""JSON Lines corpora: clean one text field per record, keep everything else.

A JSONL input is handled line by line, so memory does not grow with the file:

- a record whose field has nothing to cut is written back as the very same bytes (it
  is never re-serialised), so an untouched record cannot change by a single byte;
- a record that had something cut is serialised again with its keys in their order and,
  as far as can be seen from its line, in its style (compact or ``": "`` separators,
  ASCII-escaped or raw UTF-8), with its own line ending;
- a blank line is kept as it is;
- a record that is not an object, or whose field is missing or not a string, is kept
  unchanged and reported as *skipped* (``path:line: reason``);
- a line that is not JSON (or not UTF-8) is an error: :class:`JsonlError` carries its
  line number, and the caller leaves the whole file untouched.

JSON Lines are UTF-8 (a UTF-8 byte order mark on the first line is kept). The functions
here work on byte lines and know nothing of files, processes or the command line.
"""

from __future__ import annotations

import codecs
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .detector import Detector
from .result import SCHEMA, Result

JSONL_SUFFIXES = (".jsonl", ".ndjson")
_BOM = codecs.BOM_UTF8


class JsonlError(ValueError):
    """A line that is not a JSON value. ``line`` is 1-based in the file."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class JsonlOptions:
    """How records are cleaned."""

    field: str = "text"  # the text field cleaned in each record
    report_field: str | None = None  # add the record's report under this key
    drop_empty: bool = False  # drop records whose text was cut away entirely


@dataclass
class JsonlStats:
    """What happened to the records of one file (or one chunk of it); they add up."""

    records: int = 0  # JSON values read (blank lines are not records)
    changed: int = 0  # records written back with something cut (or a report added)
    cut: int = 0  # records that had something cut
    dropped: int = 0  # records dropped by drop_empty
    skipped: int = 0  # records kept unchanged: not an object, field missing or not a string
    chars_total: int = 0  # characters of the cleaned field, before
    chars_cut: int = 0  # characters cut from it
    rules: Counter[str] = field(default_factory=Counter)  # rule id -> cut regions it fired in
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), skipped
    records_detail: list[dict[str, Any]] = field(default_factory=list)  # manifest lines

    def add(self, other: JsonlStats) -> None:
        self.records += other.records
        self.changed += other.changed
        self.cut += other.cut
        self.dropped += other.dropped
        self.skipped += other.skipped
        self.chars_total += other.chars_total
        self.chars_cut += other.chars_cut
        self.rules.update(other.rules)
        self.warnings.extend(other.warnings)
        self.records_detail.extend(other.records_detail)

    def report(self) -> dict[str, Any]:
        """The report of a whole JSONL input (schema ``paywall-cut/report/1``, JSONL form)."""
        return {
            "schema": SCHEMA,
            "changed": bool(self.changed or self.dropped),
            "records": {
                "total": self.records,
                "cut": self.cut,
                "changed": self.changed,
                "dropped": self.dropped,
                "skipped": self.skipped,
            },
            "chars": {
                "total": self.chars_total,
                "kept": self.chars_total - self.chars_cut,
                "cut": self.chars_cut,
            },
            "cut_share": round(self.chars_cut / self.chars_total, 4) if self.chars_total else 0.0,
            "rules": dict(self.rules.most_common()),
        }


def _style(body: bytes) -> tuple[bool, tuple[str, str]]:
    """(ensure_ascii, separators) that make json.dumps look like this line."""
    spaced = b'": ' in body
    return body.isascii(), ((", ", ": ") if spaced else (",", ":"))


def _dumps(record: Any, body: bytes) -> bytes:
    ascii_only, separators = _style(body)
    text = json.dumps(record, ensure_ascii=ascii_only, separators=separators)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800" escapes: keep them escaped
        return json.dumps(record, ensure_ascii=True, separators=separators).encode("ascii")


def clean_lines(
    lines: Iterable[bytes],
    detector: Detector,
    options: JsonlOptions,
    stats: JsonlStats,
    *,
    first_line: int = 1,
    details: bool = False,
) -> Iterator[bytes]:
    """Clean JSONL byte lines (each with its ending); yield the output lines.

    ``stats`` is updated as lines go by; with ``details``, one manifest dict per record
    that was cut, dropped or skipped is appended to ``stats.records_detail``. Raises
    :class:`JsonlError` at the first line that is not JSON.
    """
    name, report_field = options.field, options.report_field
    number = first_line - 1
    for line in lines:
        number += 1
        body = line.rstrip(b"\r\n")
        if not body.strip():
            yield line
            continue
        ending = line[len(body) :]
        bom = b""
        if number == 1 and body.startswith(_BOM):
            bom, body = _BOM, body[len(_BOM) :]
        record = parse_line(body, number)
        stats.records += 1
        why = problem(record, name)
        if why:
            stats.skipped += 1
            stats.warnings.append((number, why))
            if details:
                stats.records_detail.append(_detail(record, number, "skipped", reason=why))
            yield line
            continue
        result = detector.cut(record[name])
        stats.chars_total += result.chars_total
        if not result.changed:
            if report_field is None or report_field in record:
                yield line  # byte for byte: nothing to cut, nothing to add
                continue
            record[report_field] = result.to_dict()
            stats.changed += 1
            yield bom + _dumps(record, body) + ending
            continue
        stats.cut += 1
        stats.chars_cut += result.chars_cut
        for c in result.cuts:
            stats.rules.update(c.rules)
        if options.drop_empty and not result.text.strip():
            stats.dropped += 1
            if details:
                stats.records_detail.append(_detail(record, number, "dropped", result))
            continue
        stats.changed += 1
        record[name] = result.text
        if report_field is not None:
            record[report_field] = result.to_dict()
        if details:
            stats.records_detail.append(_detail(record, number, "cleaned", result))
        yield bom + _dumps(record, body) + ending


def parse_line(body: bytes, number: int) -> Any:
    """The JSON value of one line (without its ending and BOM); :class:`JsonlError` when it
    is not JSON or not UTF-8 (``number``: its 1-based line in the file)."""
    try:
        return json.loads(body)
    except UnicodeDecodeError as e:
        raise JsonlError(number, f"not UTF-8 ({e.reason} at byte {e.start})") from None
    except ValueError as e:
        reason = getattr(e, "msg", str(e))
        column = getattr(e, "colno", None)
        at = f" (column {column})" if column else ""
        raise JsonlError(number, f"not JSON: {reason}{at}") from None


def problem(record: Any, name: str) -> str | None:
    """Why a record's text field cannot be cleaned (not an object, no such string field)."""
    if not isinstance(record, dict):
        return f"record is a JSON {type(record).__name__}, not an object; kept unchanged"
    if name not in record:
        return f"record has no field {name!r}; kept unchanged"
    value = record[name]
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return f"field {name!r} is {kind}, not a string; kept unchanged"
    return None


def _detail(
    record: Any,
    line: int,
    status: str,
    result: Result | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """One manifest line for a record (the source, dest are added by the caller)."""
    out: dict[str, Any] = result.to_dict() if result is not None else {"schema": SCHEMA}
    out["line"] = line
    if isinstance(record, dict) and isinstance(record.get("id"), (str, int)):
        out["id"] = record["id"]
    out["status"] = status
    if reason:
        out["reason"] = reason
    return out


def split_lines(data: bytes) -> Iterator[bytes]:
    """The lines of ``data``, each with its ``\\n`` (the last one may have none)."""
    start, n = 0, len(data)
    while start < n:
        end = data.find(b"\n", start)
        if end < 0:
            yield data[start:]
            return
        yield data[start : end + 1]
        start = end + 1


def clean_bytes(
    data: bytes,
    detector: Detector,
    options: JsonlOptions,
    *,
    first_line: int = 1,
    details: bool = False,
) -> tuple[bytes, JsonlStats]:
    """Clean a whole JSONL text (or a chunk of whole lines of one) held in memory."""
    stats = JsonlStats()
    out = b"".join(
        clean_lines(
            split_lines(data), detector, options, stats, first_line=first_line, details=details
        )
    )
    return out, stats
