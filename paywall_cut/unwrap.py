"""Hard-wrapped text: which physical lines are one paragraph.

Tools such as ``html2text``, mail clients and ``fmt`` break every paragraph into lines of
at most some width (78 columns, say). A sentence such as "Sign up for our newsletter to
get the latest stories in your inbox" then arrives as two lines, neither of which says
the whole thing, and a line of an article that happens to open with "subscribe to" looks
like a call to action. Detection reads such a document by *logical lines*: each wrapped
paragraph joined back into one line. The decision for a logical line applies to every
physical line of it, so output still keeps or cuts the input's lines as written.

A wrapper breaks a line only where the next word would not fit. So a break between two
non-blank lines is *soft* (inside a paragraph) when the first line plus a space plus the
first word of the next is longer than the wrap width. A document counts as hard-wrapped
only when that test explains most of its breaks between non-blank lines:

1. **width** - the longest line among those followed by a non-blank line, up to
   ``MAX_WIDTH`` (longer ones are paragraphs the wrapper did not touch).
2. **soft breaks** - breaks where the next word would not have fit in that width.
3. **verdict** - at least ``MIN_SOFT`` soft breaks, and at least ``MIN_SHARE`` of all
   breaks between non-blank lines; text written one paragraph a line (most scraped text)
   has few lines near a common width and is left alone (a document with more lines
   longer than ``MAX_WIDTH`` than lines that could be wrapped ones is not even looked at).

A line that opens a block (a bullet, a heading, a quote, a table row) never continues
the line before it, nor does a line after one that ends in a space (a wrapper drops the
space it breaks at; Markdown marks a hard break so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .scripts import CJK_PUNCTUATION, FULLWIDTH_FORMS, HAN, KANA

MIN_WIDTH = 40  # narrower "wrapping" is a column of short lines, not wrapped prose
MAX_WIDTH = 120  # wrappers use 60-100 columns; longer lines are unwrapped paragraphs
MIN_SOFT = 3  # soft breaks a document needs to count as wrapped
MIN_SHARE = 0.6  # share of the breaks between non-blank lines that must be soft

# a line that starts a block of its own: bullet, numbered item, heading, quote, table row
_BLOCK_START = re.compile(r"\s*(?:[-*+•·▪►]\s|\d{1,3}[.)]\s|#{1,6}\s|>|\|)")


# Chinese and Japanese text has no spaces: a wrapper may break it after any character, so
# the "first word" of a line that opens with such a character is that character
_CJK = re.compile(f"[{CJK_PUNCTUATION}{KANA}{HAN}{FULLWIDTH_FORMS}]")


def _first_word(line: str) -> str:
    stripped = line.lstrip()
    if _CJK.match(stripped):
        return stripped[0]
    end = stripped.find(" ")
    return stripped if end < 0 else stripped[:end]


def paragraphs(lines: Sequence[str]) -> list[list[int]] | None:
    """The physical lines of each logical line (in order, covering every line), or None
    when the text is not hard-wrapped (the common case: nothing to join)."""
    # the common case, cheaply: wrapped text is mostly lines of wrapping width, and a
    # document made of longer lines (one paragraph a line) is not wrapped
    if len(lines) <= MIN_SOFT:
        return None
    lengths = list(map(len, lines))
    fits = sum(MIN_WIDTH // 2 <= n <= MAX_WIDTH for n in lengths)
    if fits <= MIN_SOFT or fits < sum(n > MAX_WIDTH for n in lengths):
        return None
    pairs = [
        i
        for i in range(len(lines) - 1)
        if lines[i].strip() and lines[i + 1].strip() and not _BLOCK_START.match(lines[i + 1])
    ]
    if len(pairs) < MIN_SOFT:
        return None
    widths = [len(lines[i].rstrip()) for i in pairs]
    fitting = [w for w in widths if w <= MAX_WIDTH]
    if not fitting:
        return None
    width = max(fitting)
    if width < MIN_WIDTH:
        return None
    soft = {
        i
        for i, w in zip(pairs, widths)
        if w <= width
        and w + 1 + len(_first_word(lines[i + 1])) > width
        and not lines[i][-1:].isspace()  # a wrapper drops the space it breaks at
    }
    if len(soft) < MIN_SOFT or len(soft) < MIN_SHARE * len(pairs):
        return None
    groups: list[list[int]] = []
    for i in range(len(lines)):
        if i - 1 in soft:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def join(lines: Sequence[str], group: Sequence[int]) -> str:
    """One logical line: the physical lines of ``group`` joined by single spaces (none
    between two CJK characters: that text has no spaces to give back)."""
    if len(group) == 1:
        return lines[group[0]]
    out = lines[group[0]].rstrip()
    for i in group[1:]:
        part = lines[i].strip()
        cjk = _CJK.match(part) is not None and _CJK.match(out[-1:]) is not None
        out += part if cjk else " " + part
    return out
