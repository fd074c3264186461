"""One input document of any supported format -> cleaned bytes and its report(s).

This is the single place where a file's bytes meet the detector, shared by ``cut``,
``clean`` and ``check``: they differ only in where bytes come from and where the
result goes.

Formats (by name, then by sniffing):

- ``text``: plain text and Markdown (``.txt``, ``.md``, ``.markdown``, ``.text``, no
  extension): lines, kept verbatim.
- ``jsonl``: JSON Lines (``.jsonl``, ``.ndjson``): the text field of each record is
  cleaned, everything else kept, untouched records byte for byte (:mod:`.jsonl`).
- ``html``: web pages (``.html``, ``.htm``, ``.xhtml``, ``.shtml``, or sniffed: a doctype,
  ``<html``, ``<head``, ``<body``, or mostly tags): lines from the block elements, DOM
  evidence, cut elements (:mod:`.html`). ``output_format`` chooses the output: ``"html"``
  (the default here: the page with the cut elements removed, so that ``clean`` and
  ``check --fix`` keep files HTML) or ``"text"`` (the kept text, UTF-8; ``changed`` is then
  always true, ``results[0].changed`` says whether a prompt was cut). Other formats
  ignore ``output_format``.
- gzip: any of these compressed (``.gz``, or sniffed by the gzip magic bytes): processed
  as the format inside, and compressed again only when something changed.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from .detector import Detector
from .files import InputError, decode
from .jsonl import JSONL_SUFFIXES, JsonlError, JsonlOptions, clean_bytes
from .result import Result

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".rst")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


@dataclass
class Processed:
    """The outcome of cleaning one input."""

    data: bytes  # the cleaned bytes, in the input's own encoding
    changed: bool  # does ``data`` differ from the input?
    format: str  # "text", ...
    results: list[Result] = field(default_factory=list)  # one per document (JSONL: per record)
    report: dict[str, Any] = field(default_factory=dict)  # the JSON report of the input
    encoding: str | None = None  # text formats: the input's encoding, which ``data`` keeps


# any tag, comment, doctype or processing instruction (UTF-16 puts a NUL after "<")
_MARKUP = re.compile(rb"<\x00?[A-Za-z!?/]")


def detect_format(name: str, data: bytes) -> str:
    """The format of an input, from its name (``-`` for stdin) and first bytes."""
    lower = strip_gz(name).lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(HTML_SUFFIXES):
        # a page saved as text under an HTML name is read as the text it is: as one HTML
        # block it would be one line, and one prompt sentence would make all of it a wall
        return "html" if not data.strip() or _MARKUP.search(data) else "text"
    if (
        not lower.endswith(TEXT_SUFFIXES)
        and data[:512].lstrip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")[:1] == b"<"
    ):
        from .html import looks_like_html  # imports beautifulsoup4: only for likely pages

        if looks_like_html(data):
            return "html"
    return "text"


def process(
    data: bytes,
    name: str,
    detector: Detector,
    *,
    encoding: str | None = None,
    fmt: str | None = None,
    jsonl: JsonlOptions | None = None,
    output_format: str | None = None,
) -> Processed:
    """Clean one input. Raises :class:`paywall_cut.files.InputError` on bad input.

    ``output_format`` (``"html"`` or ``"text"``) applies to HTML input only (see above).
    """
    if data[:2] == GZIP_MAGIC:
        return _process_gzip(
            data,
            name,
            detector,
            encoding=encoding,
            fmt=fmt,
            jsonl=jsonl,
            output_format=output_format,
        )
    fmt = fmt or detect_format(name, data)
    if fmt == "jsonl":
        return _process_jsonl(data, name, detector, jsonl or JsonlOptions())
    if fmt == "html":
        from .html import clean_html

        out, result, report, enc = clean_html(
            data, name, detector, encoding=encoding, output=output_format or "html"
        )
        if out != data and (output_format or "html") == "html":
            _readable_again(out, name, encoding, html=True)
        report["source"] = name
        report["format"] = "html"
        return Processed(out, out != data, "html", [result], report, enc)
    decoded = decode(data, encoding, name=name)
    result = detector.cut(decoded.text)
    out = result.text.encode(decoded.encoding, "surrogatepass") if result.changed else data
    if result.changed:
        _readable_again(out, name, encoding)
    report = result.to_dict()
    report["source"] = name
    report["format"] = fmt
    return Processed(out, result.changed, fmt, [result], report, decoded.encoding)


def _readable_again(out: bytes, name: str, encoding: str | None, html: bool = False) -> None:
    """Refuse an input whose cleaned bytes the next run would refuse as binary.

    Binary sniffing of legacy (not UTF-8) text looks at the share of control characters,
    which cutting lines can raise past the threshold. A file is either refused, or cleaned
    into one that is read the same way again (found by fuzz/fuzz_html.py).
    """
    if encoding:
        return  # a given encoding skips the sniffing, on this run and the next
    try:
        if html:
            from .html import decode_html

            decode_html(out, None, name)
        else:
            decode(out, None, name=name)
    except InputError:
        raise InputError(
            f"{name}: binary once cut (too many control characters left); refused"
        ) from None


# -- gzip and JSON Lines -------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
GZIP_LEVEL = 6  # what the gzip tool uses: much faster than Python's default 9


def strip_gz(name: str) -> str:
    """``a.jsonl.gz`` -> ``a.jsonl``: the name of what is inside a gzip file."""
    return name[:-3] if name.lower().endswith(".gz") else name


# Most bytes a gzip input may inflate to: a document is held in memory whole, so a small
# "gzip bomb" (a few MB that inflate to many GB) is refused at this size instead of
# exhausting memory. Large JSONL corpora are streamed by ``clean`` and never come here.
MAX_INFLATED = 1 << 30


def gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip bytes (every member); InputError when they are not valid gzip or
    inflate to more than :data:`MAX_INFLATED` bytes (inflation stops there)."""
    limit = MAX_INFLATED
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(limit + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(f"{name}: not valid gzip: {e}") from None
    if len(out) > limit:
        raise InputError(
            f"{name}: inflates to more than {limit:,} bytes, larger than a document can be; "
            "refused (a gzip bomb?)"
        )
    return out


def unpacked(data: bytes, name: str) -> tuple[bytes, str]:
    """The document inside a gzip input and its name (``a.jsonl.gz`` -> ``a.jsonl``), or
    the input as it is; InputError as :func:`gunzip`."""
    if data[:2] != GZIP_MAGIC:
        return data, name
    return gunzip(data, name), strip_gz(name)


def _process_gzip(data: bytes, name: str, detector: Detector, **kwargs: Any) -> Processed:
    inner = process(*unpacked(data, name), detector, **kwargs)
    if inner.changed:
        inner.data = gzip.compress(inner.data, compresslevel=GZIP_LEVEL, mtime=0)
    else:
        inner.data = data  # unchanged: the very same compressed bytes
    inner.report["source"] = name
    inner.report["compression"] = "gzip"
    return inner


def _process_jsonl(data: bytes, name: str, detector: Detector, options: JsonlOptions) -> Processed:
    try:
        out, stats = clean_bytes(data, detector, options, details=True)
    except JsonlError as e:
        raise InputError(f"{name}:{e.line}: {e.reason}") from None
    report = stats.report()
    report["source"] = name
    report["format"] = "jsonl"
    report["cut_records"] = stats.records_detail
    changed = out != data
    return Processed(out if changed else data, changed, "jsonl", [], report)
