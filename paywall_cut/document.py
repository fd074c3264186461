"""Text <-> lines, byte-exact.

A :class:`Document` is a text split into lines, each with its own line ending, so that
joining a subset of the lines gives back exactly those lines of the input: nothing is
rewrapped, trimmed or re-encoded. Line endings are ``\\n``, ``\\r\\n`` or ``\\r``; the last
line has the ending ``""`` when the text does not end with a newline. A leading byte order
mark is kept apart and written back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BOM = "\ufeff"
_BREAK = re.compile(r"(\r\n|\n|\r)")


@dataclass(frozen=True)
class Document:
    """A text as lines. ``lines[i] + endings[i]`` is line ``i + 1`` of the input, verbatim."""

    lines: tuple[str, ...]
    endings: tuple[str, ...]
    bom: str = ""

    @classmethod
    def from_text(cls, text: str) -> Document:
        bom = ""
        if text.startswith(BOM):
            bom, text = BOM, text[1:]
        if not text:
            return cls((), (), bom)
        if "\r" not in text:
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
                endings = ["\n"] * len(lines)
            else:
                endings = ["\n"] * (len(lines) - 1) + [""]
            return cls(tuple(lines), tuple(endings), bom)
        parts = _BREAK.split(text)
        # parts alternates text, break, text, break, ..., text
        lines = parts[0::2]
        endings = [*parts[1::2], ""]
        if lines[-1] == "":
            lines.pop()
            endings.pop()
        return cls(tuple(lines), tuple(endings), bom)

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, keep: Sequence[bool] | None = None) -> str:
        """The document, or only the lines where ``keep`` is true, verbatim."""
        if keep is None:
            body = "".join(a + b for a, b in zip(self.lines, self.endings))
        else:
            body = "".join(a + b for a, b, k in zip(self.lines, self.endings, keep) if k)
        return self.bom + body

    @property
    def newline(self) -> str:
        """The document's dominant line ending (``\\n`` when it has none)."""
        crlf = sum(1 for e in self.endings if e == "\r\n")
        lf = sum(1 for e in self.endings if e == "\n")
        cr = sum(1 for e in self.endings if e == "\r")
        if crlf > lf and crlf >= cr:
            return "\r\n"
        if cr > lf:
            return "\r"
        return "\n"
