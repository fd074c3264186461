"""Lines as the learner counts them: normalised, and noted with where they stood."""

from __future__ import annotations

import hashlib
import re

from ..result import Result
from ..rules import fold
from .options import MAX_LINE

PARAGRAPH = 150  # a line this long is body text: it bounds a document's head and tail
NEAR = 3  # lines within this many non-blank lines of a built-in hit are "near" it

# where a line stood (bits of an observation's flags)
HIT, CUT, NEAR_HIT, AFTER, HEAD, TAIL = 1, 2, 4, 8, 16, 32


_NUMBER = r"\d+(?:[.,' ]\d+)*"  # 7, 12,400, 1.5, 12 400: one number
_DIGITS = re.compile(_NUMBER)
_NON_WORD = re.compile(r"[\W_]+")


def normalise(line: str) -> str:
    """The form lines are counted under: folded, lower case, every number ``0``,
    punctuation and whitespace runs one space. ``"Join 12,400 readers!"`` ->
    ``"join 0 readers"``."""
    s = _DIGITS.sub("0", fold(line).lower())
    return _NON_WORD.sub(" ", s).strip()


def line_pattern(norm: str) -> str:
    """A whole-line pattern matching every line that normalises to ``norm``.

    Words are literal (case is ignored by the rule), ``0`` matches any number, and any
    run of punctuation and spaces may stand between words and at either end.
    """
    words = []
    for word in norm.split():
        parts = word.split("0")
        words.append(_NUMBER.join(re.escape(p) for p in parts))
    return r"[\W_]*" + r"[\W_]+".join(words) + r"[\W_]*"


# -- 2. observing one document ----------------------------------------------------------

# (position among the non-blank lines, normalised, the line as it stands, flags,
#  category of the nearest built-in hit or "")
Observation = tuple[int, str, str, int, str]
# a document's learnable lines, and the key of its article (see article_key)
Observed = tuple[list[Observation], "int | None"]


def article_key(result: Result) -> int | None:
    """A key for the article a document carries: its first paragraph (a line of
    ``PARAGRAPH``+ characters with no rule evidence), normalised and hashed; None without
    one. The same article published twice in a source has the same key, so that its lines
    are not counted as recurring (see ``LineCounter.add``)."""
    for r in result.line_reports:
        if r.decision == "keep" and not r.hits and len(r.text.strip()) >= PARAGRAPH:
            digest = hashlib.blake2b(normalise(r.text).encode("utf-8"), digest_size=8)
            return int.from_bytes(digest.digest(), "little")
    return None


def observe(result: Result, max_line: int = MAX_LINE) -> Observed:
    """The learnable lines of a document cut with ``explain=True``, with where they stood,
    and its article's key."""
    return _lines(result, max_line), article_key(result)


def _lines(result: Result, max_line: int) -> list[Observation]:
    reports = [r for r in result.line_reports if r.text.strip()]
    if not reports:
        return []
    hits = [k for k, r in enumerate(reports) if r.hits or r.decision == "cut"]
    long_lines = [k for k, r in enumerate(reports) if len(r.text.strip()) >= PARAGRAPH]
    first_long = long_lines[0] if long_lines else len(reports)
    last_long = long_lines[-1] if long_lines else -1
    boundary = result.boundary
    out: list[Observation] = []
    h = 0  # index into hits of the first hit at or after k
    for k, r in enumerate(reports):
        text = r.text.strip()
        if len(text) > max_line:
            continue
        norm = normalise(text)
        if not norm:
            continue
        while h < len(hits) and hits[h] < k:
            h += 1
        nearest = [j for j in hits[max(0, h - 1) : h + 1] if abs(j - k) <= NEAR]
        flags = 0
        if r.hits:
            flags |= HIT
        if r.decision == "cut":
            flags |= CUT
        if nearest:
            flags |= NEAR_HIT
        if boundary is not None and r.number >= boundary:
            flags |= AFTER
        if k < first_long:
            flags |= HEAD
        if k > last_long:
            flags |= TAIL
        category = ""
        if nearest:
            j = min(nearest, key=lambda j: abs(j - k))
            if reports[j].hits:
                category = reports[j].hits[0].category
        out.append((k, norm, text, flags, category))
    return out
