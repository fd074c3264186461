"""DOM evidence: what the page's markup says about each line, and whether it is gated.

- :func:`dom_evidence`: a line inside a marked container (see :mod:`.markers`) gets the
  marker's weight when the container is small enough to be a prompt box and holds at
  least half of the line. Anchoring markers also lend weight to their *box*: the heading,
  pitch and thank-you message around a sign-up form (see the constants below).
- :func:`declared_gating`: schema.org ``isAccessibleForFree: false`` in JSON-LD or
  microdata, with the ``cssSelector`` of the gated parts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag

from .markers import Marker
from .page import NEVER_REMOVE, Line, Page


@dataclass(frozen=True)
class Gating:
    """What the page declares about its own access (schema.org ``isAccessibleForFree``)."""

    declared: bool
    selectors: tuple[str, ...] = ()  # ``hasPart.cssSelector`` of the gated parts
    source: str = ""  # "json-ld" or "microdata"


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _walk_ld(obj: Any, selectors: list[str]) -> bool:
    """Any object with ``isAccessibleForFree: false``? Collects the gated parts' selectors."""
    found = False
    if isinstance(obj, dict):
        if _is_false(obj.get("isAccessibleForFree")):
            found = True
            sel = obj.get("cssSelector")
            for s in sel if isinstance(sel, list) else [sel]:
                if isinstance(s, str) and s.strip() and s.strip() not in selectors:
                    selectors.append(s.strip())
        for value in obj.values():
            if isinstance(value, (dict, list)):
                found = _walk_ld(value, selectors) or found
    elif isinstance(obj, list):
        for value in obj:
            found = _walk_ld(value, selectors) or found
    return found


_LD_FALSE = re.compile(r'"isAccessibleForFree"\s*:\s*(false|"false")', re.IGNORECASE)


def declared_gating(soup: BeautifulSoup) -> Gating | None:
    """The page's own declaration that it is gated, from JSON-LD or microdata, or None."""
    selectors: list[str] = []
    declared = False
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        raw = script.string or script.get_text()
        if "isAccessibleForFree" not in raw:
            continue
        text = raw.strip()
        for junk in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
            text = text.replace(junk, "")
        try:
            data = json.loads(text.strip().rstrip(";"), strict=False)
        except ValueError:
            declared = declared or _LD_FALSE.search(raw) is not None  # broken JSON
            continue
        declared = _walk_ld(data, selectors) or declared
    if declared:
        return Gating(True, tuple(selectors), "json-ld")
    for tag in soup.find_all(attrs={"itemprop": re.compile("isAccessibleForFree", re.I)}):
        if _is_false(tag.get("content", tag.get_text())):
            scope = tag.find_parent(attrs={"itemscope": True}) or soup
            for sel in scope.find_all(attrs={"itemprop": "cssSelector"}):
                value = str(sel.get("content", sel.get_text())).strip()
                if value:
                    selectors.append(value)
            return Gating(True, tuple(selectors), "microdata")
    return None


@dataclass(frozen=True)
class DomNote:
    """The DOM evidence of one line: the strongest counting container, and every other."""

    score: float
    anchor: bool
    notes: tuple[str, ...]  # one per container: "PCH13 mailchimp: div#mc_embed_signup ..."
    markers: tuple[str, ...]  # ids of the markers that count (weight > 0)


def selector(tag: Tag) -> str:
    """A short CSS selector naming one element: ``tag#id.class1.class2``."""
    out = tag.name
    ident = tag.get("id")
    if isinstance(ident, str) and ident.strip():
        out += "#" + ident.strip()
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = classes.split()
    out += "".join("." + c for c in classes[:2])
    return out if len(out) <= 80 else out[:79] + "…"


# A marked container counts for a line only if it holds at least this share of the line
# (a marked link inside a long paragraph says nothing about the paragraph).
LINE_SHARE = 0.5
# The box around a prompt container: the largest ancestor that adds at most BOX_CHARS
# characters in at most BOX_LINES lines, none longer than BOX_LINE_CHARS, holds no h1,
# article or main, and whose other parts are each a few lines (no list, menu, table,
# form or section: another widget is not part of the box). Its other lines that read
# like a box's heading or pitch (a heading, label or button; a line without a closing
# period; a line that says "you") get BOX_WEIGHT, which never anchors a cut: a sign-up
# form brings its heading, pitch and thank-you message, an article paragraph next to a
# widget stays out.
BOX_CHARS = 400
BOX_LINES = 6
BOX_LINE_CHARS = 120
BOX_WEIGHT = 1.5
# The box is looked for at most this many levels above its container: on a page nested
# thousands of levels deep the search went all the way up, quadratic in the depth (found
# by fuzz/fuzz_html.py: 14 s for a 5 KB page).
BOX_LEVELS = 64
_BOX_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "label", "button", "legend"})
_YOU = re.compile(r"\b(you|your|you're|you'll|yours)\b", re.IGNORECASE)


def _box_like(line: Line) -> bool:
    """Does a line read like a box's heading, pitch or message?"""
    text = line.text
    return (
        line.owner.name in _BOX_TAGS
        or not text.rstrip("\"'”’)").endswith((".", ";", ":"))
        or _YOU.search(text) is not None
    )


def dom_evidence(page: Page, gating: Gating | None = None) -> list[DomNote | None]:
    """Per line, the evidence of the marked containers it sits in (see the constants above).

    A container counts when its text (the lines inside it) is at most its marker's
    ``max_chars``: a prompt box is small, a whole article or page wrapper is not. Markers
    on ``html`` and ``body`` never count (CMSs put page-type classes there).
    """
    lines = page.lines
    chars: dict[int, int] = {}
    count: dict[int, int] = {}
    long_: dict[int, int] = {}
    node_of: dict[int, Tag] = {}
    line_nodes: list[list[int]] = []
    for line in lines:
        keys = []
        node: Any = line.owner
        while node is not None:
            key = id(node)
            keys.append(key)
            node_of[key] = node
            chars[key] = chars.get(key, 0) + len(line.text)
            count[key] = count.get(key, 0) + 1
            if len(line.text) > BOX_LINE_CHARS:
                long_[key] = long_.get(key, 0) + 1
            node = node.parent
        line_nodes.append(set(keys))
    gated_parts = _gated_parts(page.soup, gating)
    scores: list[float] = [0.0] * len(lines)
    counter: list[float] = [0.0] * len(lines)
    anchors: list[bool] = [False] * len(lines)
    texts: list[list[str]] = [[] for _ in lines]
    ids: list[list[str]] = [[] for _ in lines]
    boxes: dict[int, tuple[Tag, Marker]] = {id(e[0]): (e[0], e[1]) for e in page.embeds}
    for i, line in enumerate(lines):
        for key, (tag, marker, why) in line.containers.items():
            if tag.name in NEVER_REMOVE:
                continue
            where = f"{marker.id} {marker.family}: {selector(tag)} ({why})"
            if line.inside.get(key, 0) < LINE_SHARE * len(line.text):
                continue  # holds too little of the line to speak for it
            size = chars.get(id(tag), line.inside.get(key, 0))  # an inline element: its text
            if size > marker.max_chars:
                texts[i].append(f"{where} too large for a prompt box ({size} chars)")
                continue
            if marker.weight == 0:
                texts[i].append(f"{where} holds gated article text: no evidence")
                continue
            if marker.weight < 0:
                texts[i].append(f"{where} {marker.weight:g} (not a prompt)")
                counter[i] = min(counter[i], marker.weight)
                continue
            texts[i].append(f"{where} +{marker.weight:g}")
            ids[i].append(marker.id)
            scores[i] = max(scores[i], marker.weight)
            anchors[i] = anchors[i] or marker.anchor
            if marker.anchor:
                boxes.setdefault(id(tag), (tag, marker))
    if boxes:  # which elements hold a heading or a section, read once for the whole page
        heads = _holders(page.soup, _HEAD_TAGS)
        sections = _holders(page.soup, _SECTION_TAGS)
    for box_key, (tag, marker) in boxes.items():
        box = _box(tag, chars, count, long_, heads, sections)
        if box is tag:
            continue
        for i, keys in enumerate(line_nodes):
            if (
                id(box) in keys
                and box_key not in keys
                and scores[i] < BOX_WEIGHT
                and len(lines[i].text) <= BOX_LINE_CHARS
                and _box_like(lines[i])
            ):
                scores[i] = BOX_WEIGHT
                texts[i].append(
                    f"in the box {selector(box)} of {marker.id} {marker.family}: "
                    f"{selector(tag)} +{BOX_WEIGHT:g}"
                )
    notes: list[DomNote | None] = []
    for i, line in enumerate(lines):
        if not scores[i] and counter[i]:  # counter-evidence counts only without a prompt marker
            scores[i] = counter[i]
        if gated_parts:
            owner = line.owner
            part = next((p for p in gated_parts if p is owner or _contains(p, owner)), None)
            if part is not None:
                texts[i].append(f"declared gated part {selector(part)}: judged on its own evidence")
        notes.append(
            DomNote(scores[i], anchors[i], tuple(texts[i]), tuple(ids[i])) if texts[i] else None
        )
    return notes


_SECTION_TAGS = ("ul", "ol", "nav", "table", "form", "article", "section", "aside")
_HEAD_TAGS = ("h1", "article", "main")


def _holders(soup: BeautifulSoup, names: tuple[str, ...]) -> set[int]:
    """The ids of the elements that hold an element named in ``names`` (at any depth): what
    ``node.find(names) is not None`` says, for every node in one pass."""
    out: set[int] = set()
    for tag in soup.find_all(names):
        node = tag.parent
        while node is not None and id(node) not in out:
            out.add(id(node))
            node = node.parent
    return out


def _box_part(node: Any, count: dict[int, int], sections: set[int]) -> bool:
    """Can this element sit in a prompt's box beside it (a heading, a pitch, a message)?
    Not a list, menu, table, form or section, nor anything with more than three lines."""
    if not isinstance(node, Tag):
        return True
    return (
        count.get(id(node), 0) <= 3 and node.name not in _SECTION_TAGS and id(node) not in sections
    )


def _box(
    tag: Tag,
    chars: dict[int, int],
    count: dict[int, int],
    long_: dict[int, int],
    heads: set[int],
    sections: set[int],
) -> Tag:
    """The largest ancestor of a prompt container that is still just its box (at most
    BOX_LEVELS up). ``heads`` and ``sections``: see :func:`_holders`."""
    box = tag
    base_chars, base_count = chars.get(id(tag), 0), count.get(id(tag), 0)
    base_long = long_.get(id(tag), 0)
    node = tag.parent
    for _ in range(BOX_LEVELS):
        if node is None or node.name in NEVER_REMOVE:
            break
        key = id(node)
        if (
            chars.get(key, 0) - base_chars > BOX_CHARS
            or count.get(key, 0) - base_count > BOX_LINES
            or long_.get(key, 0) > base_long
            or node.name in ("article", "main")
            or key in heads
            or not all(_box_part(c, count, sections) for c in node.children if c is not box)
        ):
            break
        box = node
        node = node.parent
    return box


def _gated_parts(soup: BeautifulSoup, gating: Gating | None) -> list[Tag]:
    parts: list[Tag] = []
    if gating is None:
        return parts
    for sel in gating.selectors:
        try:
            parts.extend(soup.select(sel))
        except Exception:  # an invalid selector in the page's own metadata
            continue
    return parts


def _contains(outer: Tag, inner: Tag) -> bool:
    return any(parent is outer for parent in inner.parents)
