"""One input document of any supported format -> cleaned bytes and its report(s).

This is the single place where a file's bytes meet the detector, shared by ``cut``,
``clean`` and ``check``: they differ only in where bytes come from and where the
result goes.

Formats (by name, then by sniffing):

- ``text``: plain text and Markdown (``.txt``, ``.md``, ``.markdown``, ``.text``, no
  extension): lines, kept verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .detector import Detector
from .files import decode
from .result import Result

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".rst")


@dataclass
class Processed:
    """The outcome of cleaning one input."""

    data: bytes  # the cleaned bytes, in the input's own encoding
    changed: bool  # does ``data`` differ from the input?
    format: str  # "text", ...
    results: list[Result] = field(default_factory=list)  # one per document (JSONL: per record)
    report: dict[str, Any] = field(default_factory=dict)  # the JSON report of the input


def detect_format(name: str, data: bytes) -> str:
    """The format of an input, from its name (``-`` for stdin) and first bytes."""
    return "text"


def process(
    data: bytes,
    name: str,
    detector: Detector,
    *,
    encoding: str | None = None,
    fmt: str | None = None,
) -> Processed:
    """Clean one input. Raises :class:`paywall_cut.files.InputError` on bad input."""
    fmt = fmt or detect_format(name, data)
    decoded = decode(data, encoding, name=name)
    result = detector.cut(decoded.text)
    out = result.text.encode(decoded.encoding, "surrogatepass") if result.changed else data
    report = result.to_dict()
    report["source"] = name
    report["format"] = fmt
    return Processed(out, result.changed, fmt, [result], report)
