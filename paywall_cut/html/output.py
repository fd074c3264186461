"""Removing cut lines from the page: which elements go, and splicing their source out.

:func:`removal_targets` maps the cut lines to the largest elements whose every text line
is cut (plus lone text nodes of cut lines that share their element with kept text).
:func:`splice` removes those elements' source text from the original markup and leaves
every other byte as it was; it needs the start positions that ``html.parser`` records,
finds each end tag itself, verifies every range, and gives up (returns None) rather
than guess.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bs4 import NavigableString, Tag

from .dom import selector
from .page import NEVER_REMOVE, Line, Page


@dataclass(frozen=True)
class Target:
    """An element (or a lone text node) the output removes, and its 0-based line indexes."""

    node: Tag | NavigableString
    lines: tuple[int, ...]

    @property
    def is_text(self) -> bool:
        return not isinstance(self.node, Tag)

    def describe(self) -> dict[str, Any]:
        if isinstance(self.node, Tag):
            tag, sel = self.node.name, selector(self.node)
            source_line = self.node.sourceline
        else:
            parent = self.node.parent
            tag, sel = "#text", f"{selector(parent)} > text()" if parent else "text()"
            source_line = parent.sourceline if parent is not None else None
        d: dict[str, Any] = {"tag": tag, "selector": sel, "lines": [i + 1 for i in self.lines]}
        if source_line is not None:
            d["source_line"] = source_line
        return d


def removal_targets(page: Page, keep: Sequence[bool]) -> list[Target]:
    """The largest elements whose every text line is cut, and lone text nodes of cut lines
    that share their element with kept lines, in document order.

    Hidden elements that hold text count as kept text: an element is not removed for its
    visible prompt when it also holds hidden content.
    """
    total: dict[int, int] = {}  # element -> lines touching it
    cut: dict[int, int] = {}  # element -> cut lines touching it
    kept_pieces: set[int] = set()  # text nodes that are (also) part of a kept line

    def ancestors(line: Line) -> set[int]:
        seen: set[int] = set()
        for piece in line.pieces:
            node = piece if isinstance(piece, Tag) else piece.parent
            while node is not None and id(node) not in seen:
                seen.add(id(node))
                node = node.parent
        return seen

    for line, k in zip(page.lines, keep):
        for key in ancestors(line):
            total[key] = total.get(key, 0) + 1
            if not k:
                cut[key] = cut.get(key, 0) + 1
        if k:
            kept_pieces.update(id(p) for p in line.pieces)
    for tag in page.hidden:
        node = tag
        while node is not None:
            total[id(node)] = total.get(id(node), 0) + 1
            node = node.parent

    def all_cut(node: Tag | None) -> bool:
        return (
            node is not None
            and node.name not in NEVER_REMOVE
            and cut.get(id(node), 0) == total.get(id(node), 0) > 0
        )

    targets: dict[int, Target] = {}
    lines_of: dict[int, list[int]] = {}
    order: list[int] = []
    for i, (line, k) in enumerate(zip(page.lines, keep)):
        if k:
            continue
        for piece in line.pieces:
            start = piece if isinstance(piece, Tag) else piece.parent
            top: Tag | NavigableString = piece
            if all_cut(start):
                top = start
                while all_cut(top.parent):
                    top = top.parent
            elif isinstance(piece, Tag):
                continue  # a form field that shares its element with kept text: leave it
            elif not piece.strip() or id(piece) in kept_pieces:
                continue  # whitespace between kept and cut text, or text shared with them
            key = id(top)
            if key not in targets:
                targets[key] = Target(top, ())
                lines_of[key] = []
                order.append(key)
            if i not in lines_of[key]:
                lines_of[key].append(i)
    return [Target(targets[k].node, tuple(lines_of[k])) for k in order]


# A start tag. Each run of name or unquoted-value characters is taken whole (the
# lookaheads): without them the runs could be split between repetitions in exponentially
# many ways, and a tag the pattern does not accept (``<div a"b>``, which html.parser
# takes) made the match backtrack for hours (tests/test_adversarial.py).
_START_TAG = re.compile(
    r"""<([a-zA-Z][^\s/>]*)(?![^\s/>])(?:\s*(?:"[^"]*"|'[^']*'|[^\s"'>/=]+(?![^\s"'>/=])"""
    r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+(?![^\s>])))?|/))*\s*>"""
)
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed"})
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen".split()
)


class _Positions:
    """Source offsets of the elements of a page parsed by ``html.parser``."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.line_starts = [0]
        find = markup.find
        pos = find("\n")
        while pos >= 0:
            self.line_starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._cache: dict[int, tuple[int, int, int, int] | None] = {}

    def start(self, tag: Tag) -> int | None:
        if tag.sourceline is None or tag.sourcepos is None:
            return None
        if tag.sourceline - 1 >= len(self.line_starts):
            return None
        return self.line_starts[tag.sourceline - 1] + tag.sourcepos

    def element(self, tag: Tag) -> tuple[int, int, int, int] | None:
        """(start, end of the start tag, start of the end tag, end) of an element, or None
        when its source cannot be located with certainty."""
        key = id(tag)
        if key not in self._cache:
            # an element's end is found after its last child element's: locate that chain
            # from the innermost out, without recursion (pages nest thousands deep)
            chain = [tag]
            while (last := _last_tag(chain[-1])) is not None and id(last) not in self._cache:
                chain.append(last)
            for node in reversed(chain):
                self._cache[id(node)] = self._element(node)
        return self._cache[key]

    def _element(self, tag: Tag) -> tuple[int, int, int, int] | None:
        m = self.markup
        start = self.start(tag)
        if start is None:
            return None
        open_ = _START_TAG.match(m, start)
        if open_ is None or open_.group(1).lower() != tag.name:
            return None
        open_end = open_.end()
        if tag.name in _VOID or (open_.group(0).endswith("/>") and not tag.contents):
            return start, open_end, open_end, open_end
        if tag.name in _RAW_TEXT:
            close = m.lower().find(f"</{tag.name}", open_end)
            if close < 0:
                return None
            end = m.find(">", close)
            return (start, open_end, close, end + 1) if end >= 0 else None
        pos = open_end
        last = _last_tag(tag)
        if last is not None:
            inner = self.element(last)  # located already (see element)
            if inner is None:
                return None
            pos = inner[3]
        close = _find_end_tag(m, pos, tag.name)
        if close is None:
            return None
        return start, open_end, close[0], close[1]


def _last_tag(tag: Tag) -> Tag | None:
    """The last child element of an element."""
    return next((c for c in reversed(tag.contents) if isinstance(c, Tag)), None)


def _find_end_tag(m: str, pos: int, name: str) -> tuple[int, int] | None:
    """The end tag ``</name>`` at or after ``pos``, skipping comments; None when a start
    tag or another end tag comes first (the tree and the source disagree there)."""
    end_tag = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE)
    n = len(m)
    while pos < n:
        lt = m.find("<", pos)
        if lt < 0:
            return None
        if m.startswith("<!--", lt):
            close = m.find("-->", lt + 4)
            if close < 0:
                return None
            pos = close + 3
            continue
        found = end_tag.match(m, lt)
        if found:
            return lt, found.end()
        nxt = m[lt + 1 : lt + 2]
        if nxt.isalpha() or nxt == "/" or nxt == "!":
            return None
        pos = lt + 1
    return None


def _text_range(pos: _Positions, node: NavigableString) -> tuple[int, int] | None:
    """The source range of a text node between two located tags, verified by its text."""
    parent = node.parent
    if parent is None or not isinstance(parent, Tag):
        return None
    prev, nxt = node.previous_sibling, node.next_sibling
    if prev is not None and not isinstance(prev, Tag):
        return None
    if nxt is not None and not isinstance(nxt, Tag):
        return None
    if prev is not None:
        r = pos.element(prev)
        begin = r[3] if r else None
    else:
        r = pos.element(parent)
        begin = r[1] if r else None
    if nxt is not None:
        end = pos.start(nxt)
    else:
        r = pos.element(parent)
        end = r[2] if r else None
    if begin is None or end is None or end < begin:
        return None
    if html_lib.unescape(pos.markup[begin:end]) != str(node):
        return None
    return begin, end


def splice(markup: str, targets: Iterable[Target]) -> str | None:
    """Cut the targets' source text out of the markup; None if any range is uncertain.

    An element that stands alone on its source lines takes those lines with it (with
    their line break), so that no blank line is left where it was.
    """
    pos = _Positions(markup)
    ranges: list[tuple[int, int]] = []
    for t in targets:
        if isinstance(t.node, Tag):
            r = pos.element(t.node)
            if r is None:
                return None
            begin, end = r[0], r[3]
        else:
            tr = _text_range(pos, t.node)
            if tr is None:
                return None
            begin, end = tr
        ranges.append(_whole_lines(markup, begin, end))
    ranges.sort()
    out: list[str] = []
    last = 0
    for begin, end in ranges:
        if begin < last:  # nested or overlapping: the outer range already covers it
            begin = last
        if end <= begin:
            continue
        out.append(markup[last:begin])
        last = end
    out.append(markup[last:])
    return "".join(out)


def _whole_lines(m: str, begin: int, end: int) -> tuple[int, int]:
    line_start = m.rfind("\n", 0, begin) + 1
    line_end = m.find("\n", end)
    line_end = len(m) if line_end < 0 else line_end
    if m[line_start:begin].strip() or m[end:line_end].strip():
        return begin, end
    return line_start, min(line_end + 1, len(m))
