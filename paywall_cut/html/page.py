"""A web page as text lines: sniffing, decoding, parsing, reading order, hidden elements.

The page is parsed with beautifulsoup4 (lxml when installed, else Python's ``html.parser``;
``html.parser`` when source positions are needed for HTML output) and walked in document
order. Each block element (``p``, ``h1``-``h6``, ``li``, ``td``, ``div`` with direct
text, ``button``, ``label`` ..., and any element whose inline style makes it a block,
:func:`is_block`) starts and ends a line; ``br`` ends one; the placeholder of a text
field and the value of a submit button are lines of their own (the visible text of
sign-up forms). A line made only of two or more links (a menu) becomes one line per
link. ``script``, ``style``, ``noscript``, ``template``, ``svg``, ``select``, the
``head`` and hidden elements (:func:`is_hidden`) are not page text; neither are footnote
marks. Each line keeps its block element, its text nodes and the marked containers it
sits in (:mod:`.markers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from ..files import Decoded, decode, is_binary
from .markers import FIELD_TYPES, Marker, MarkerSet, load_markers

# elements whose text is never page text
SKIP = frozenset(
    "script style noscript template svg math head select datalist iframe object embed "
    "canvas audio video map title".split()
)
# elements that start and end a line
BLOCK = frozenset(
    "address article aside blockquote body button caption center dd details dialog dir div "
    "dl dt fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup "
    "hr html label legend li main menu nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)
# document elements that are never a prompt container nor removed as a whole
NEVER_REMOVE = frozenset({"html", "body", "head", "[document]"})
_BUTTON_TYPES = frozenset({"submit", "button"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# an inline style that lays an element out as a block box of its own (the last
# ``display`` of the style wins; ``inline-block``, ``inline-flex`` ... stay in the line)
_DISPLAY = re.compile(r"(?<![\w-])display\s*:\s*([a-z-]+)", re.IGNORECASE)
_BLOCK_DISPLAY = frozenset({"block", "flex", "grid", "list-item", "table", "flow-root"})


def looks_like_html(data: bytes) -> bool:
    """Sniff the first bytes: a doctype, ``<html``, ``<head`` or ``<body``, or mostly tags."""
    head = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            if bom != b"\xef\xbb\xbf":
                head = head.decode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be", "ignore")
                head = head.encode("utf-8", "ignore")
    text = head.decode("utf-8", "ignore").lstrip().lower()
    while text.startswith(("<!--", "<?xml")):  # leading comments, XML declaration
        end = text.find("-->" if text.startswith("<!--") else "?>")
        if end < 0:
            return False
        text = text[end + 3 :].lstrip()
    if text.startswith(("<!doctype html", "<html", "<head", "<body")):
        return True
    if not text.startswith("<"):
        return False
    tags = _SNIFF_TAG.findall(text)
    markup = sum(len(t) for t in tags)
    return len(tags) >= 3 and markup >= 0.3 * len(text)


_SNIFF_TAG = re.compile(
    r"</?(?:div|p|span|a|h[1-6]|ul|ol|li|table|tr|td|section|article|header|footer|nav|main|"
    r"aside|form|img|br|meta|link|script|style|strong|em|b|i|blockquote|figure)\b[^<>]*>"
)


def parser_name(positions: bool = False) -> str:
    """The parser to use: ``html.parser`` when source positions are needed, else lxml."""
    if positions:
        return "html.parser"
    try:
        import lxml  # noqa: F401
    except ImportError:  # pragma: no cover - lxml is a dependency
        return "html.parser"
    return "lxml"


Container = tuple[Tag, "Marker", str]  # a marked element, its marker, why it matched


@dataclass
class Line:
    """One text line of the page: its text, its block element and what it is made of."""

    text: str
    owner: Tag  # the block element (or form field) the line belongs to
    pieces: list[NavigableString | Tag]  # its text nodes (a form field stands for itself)
    # the marked containers the line sits in: (id(element), marker id) -> (element, marker, why)
    containers: dict[tuple[int, str], Container] = field(default_factory=dict)
    # characters of the line inside each of those containers
    inside: dict[tuple[int, str], int] = field(default_factory=dict)


@dataclass
class Page:
    """A parsed page: its soup, its lines, and its hidden elements that hold text."""

    soup: BeautifulSoup
    lines: list[Line]
    hidden: list[Tag]
    parser: str
    # marked elements without text of their own: the script or iframe of a sign-up embed
    embeds: list[Container] = field(default_factory=list)


_REACT_SEGMENT = re.compile(r"^S:\d+$")


def _collapsed_panel(tag: Tag) -> bool:
    """Is a hidden element a collapsed panel that its control reveals (an accordion's
    answer, a tab), rather than a dialog or a pop-up?

    A panel is labelled by its control: ``aria-labelledby`` naming an element outside it
    (a button, a tab), or ``role="tabpanel"``. A dialog (``role="dialog"`` or
    ``"alertdialog"``, ``aria-modal="true"``) is none, and neither is an element labelled
    only by its own heading (a modal box without a role)."""
    attrs = tag.attrs
    role = str(attrs.get("role", "")).lower()
    if role in ("dialog", "alertdialog") or str(attrs.get("aria-modal", "")).lower() == "true":
        return False
    if role == "tabpanel":
        return True
    labels = str(attrs.get("aria-labelledby") or "").split()
    return bool(labels) and not all(tag.find(id=label) is not None for label in labels)


def is_hidden(tag: Tag) -> bool:
    """Is the element hidden from the reader?

    Hidden: the ``hidden`` attribute, ``type="hidden"`` inputs, an inline style with
    ``display: none`` or ``visibility: hidden``. Not hidden: ``aria-hidden`` alone, and
    content that is only *collapsed* or *deferred*: ``hidden="until-found"``, a panel
    labelled by its control (:func:`_collapsed_panel`: accordions, tabs), hidden by the
    attribute or by its inline style, and React's streamed segments (``<div hidden
    id="S:0">``), which scripts reveal.
    """
    attrs = tag.attrs
    if not attrs:
        return False
    if "hidden" in attrs:
        if str(attrs.get("hidden") or "").lower() == "until-found":
            return False
        if _collapsed_panel(tag):
            return False
        ident = attrs.get("id")
        return not (isinstance(ident, str) and _REACT_SEGMENT.match(ident))
    if tag.name == "input" and str(attrs.get("type", "")).lower() == "hidden":
        return True
    style = attrs.get("style")
    if not style or _HIDDEN_STYLE.search(str(style)) is None:
        return False
    return not _collapsed_panel(tag)


def is_block(tag: Tag) -> bool:
    """Does the element start and end a line: a block element (:data:`BLOCK`), or any
    element whose inline style makes it a block box (``<span style="display:block">``)?"""
    if tag.name in BLOCK:
        return True
    style = tag.attrs.get("style") if tag.attrs else None
    if not style:
        return False
    shown = _DISPLAY.findall(str(style))
    return bool(shown) and shown[-1].lower() in _BLOCK_DISPLAY


def _field_text(tag: Tag) -> str:
    """The visible text of a form field: a text field's placeholder, a button's value."""
    ftype = str(tag.get("type", "text")).lower()
    if tag.name == "textarea" or ftype in FIELD_TYPES:
        return str(tag.get("placeholder", "") or "")
    if ftype in _BUTTON_TYPES:
        return str(tag.get("value", "") or "")
    return ""


_FOOTNOTE_TEXT = re.compile(r"^\s*[\[(]?\s*(\d{1,3}|[a-z]|[*†‡])\s*[\])]?\s*$")


def _footnote_mark(tag: Tag) -> bool:
    """A footnote reference (``<sup><a href="#fn2">2</a></sup>``): a mark, not text."""
    if tag.name != "sup" or not _FOOTNOTE_TEXT.match(tag.get_text()):
        return False
    classes = " ".join(tag.get("class") or []).lower()
    if "fn" in classes or "footnote" in classes or "ref" in classes:
        return True
    link = tag.find("a")
    return link is not None and str(link.get("href", "")).startswith("#")


# UTF-8 read as Latin-1 or Windows-1252 ("donâ€™t", "Earthâ\x80\x99s"): a lead byte of a
# multi-byte sequence followed by continuation bytes, as those code pages show them.
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_HIGH}]{{1,3}}")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 or Windows-1252, where each run decodes
    back to valid UTF-8; anything else stays as it was. Text output only: HTML output keeps
    the page's bytes."""
    if text.isascii() or _MOJIBAKE.search(text) is None:
        return text

    def fix(m: re.Match[str]) -> str:
        raw = bytearray()
        for ch in m.group(0):
            raw.extend(bytes([ord(ch)]) if ord(ch) < 256 else ch.encode("cp1252"))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return m.group(0)

    return _MOJIBAKE.sub(fix, text)


def _glued(prev: Any, prev_text: str, piece: Any, text: str) -> bool:
    """Would joining two text nodes as they are glue two words that the page shows apart?

    ``<a><span class="small">Sign up for our</span>Newsletter</a>``: a stylesheet sets the
    span on a line of its own, and the text reads "ourNewsletter" without it. A lower-case
    letter that ends one element's text followed by a capital that opens the next
    element's text is taken as such a boundary (a word does not change case there; a drop
    capital, ``<span>T</span>he``, goes the other way). Text nodes of the same element
    (split by a comment) are joined as they are.
    """
    if not prev_text or not text:
        return False
    a, b = prev_text[-1], text[0]
    if not (a.islower() and b.isupper()):
        return False
    if not isinstance(prev, NavigableString) or not isinstance(piece, NavigableString):
        return False
    return prev.parent is not piece.parent


def _has_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


class _LineBuilder:
    """Collects the text of the current line and closes it at block boundaries.

    A line made only of two or more links (a menu, a row of buttons; separators such as
    ``|`` between them are dropped) becomes one line per link.
    """

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._reset()

    def _reset(self) -> None:
        self.parts: list[str] = []
        self.pieces: list[NavigableString | Tag] = []
        self.links: list[Tag | None] = []
        self.active: list[tuple[Container, ...]] = []
        self.owner: Tag | None = None

    def add(
        self,
        text: str,
        piece: NavigableString | Tag,
        owner: Tag,
        active: list[Container],
        link: Tag | None = None,
    ) -> None:
        if not self.pieces:
            self.owner = owner
        self.parts.append(text)
        self.pieces.append(piece)
        self.links.append(link)
        self.active.append(tuple(active))

    def flush(self) -> None:
        if self.pieces and self.owner is not None:
            worded = [k for k, t in enumerate(self.parts) if _has_word(t)]
            links = {id(self.links[k]) for k in worded if self.links[k] is not None}
            if len(links) >= 2 and all(self.links[k] is not None for k in worded):
                group: list[int] = []
                for k in worded:
                    if group and self.links[group[-1]] is not self.links[k]:
                        self._line(group)
                        group = []
                    group.append(k)
                self._line(group)
            else:
                self._line(range(len(self.pieces)))
        self._reset()

    def _line(self, ks: Iterable[int]) -> None:
        ks = list(ks)
        joined: list[str] = []
        for n, k in enumerate(ks):
            if n and _glued(
                self.pieces[ks[n - 1]], self.parts[ks[n - 1]], self.pieces[k], self.parts[k]
            ):
                joined.append(" ")
            joined.append(self.parts[k])
        text = " ".join(repair_mojibake("".join(joined)).split())
        if not text or self.owner is None:
            return
        containers: dict[tuple[int, str], Container] = {}
        inside: dict[tuple[int, str], int] = {}
        for k in ks:
            size = len(" ".join(self.parts[k].split()))
            for c in self.active[k]:
                key = (id(c[0]), c[1].id)
                containers[key] = c
                inside[key] = inside.get(key, 0) + size
        pieces = [self.pieces[k] for k in ks]
        self.lines.append(Line(text, self.owner, pieces, containers, inside))


def read_page(markup: str, markers: MarkerSet | None = None, positions: bool = False) -> Page:
    """Parse a page and turn it into lines in reading order (see the module docstring)."""
    markers = markers if markers is not None else load_markers()
    name = parser_name(positions)
    soup = BeautifulSoup(markup, name)
    out = _LineBuilder()
    hidden: list[Tag] = []
    embeds: list[Container] = []
    blocks: list[Tag] = [soup]
    links: list[Tag] = []
    active: list[Container] = []
    pre = 0
    # (node, leaving, block): leaving is true on the way out, block whether it opened a line
    stack: list[tuple[Any, bool, bool]] = [(soup, False, False)]
    while stack:
        node, leaving, block = stack.pop()
        if leaving:
            if block:
                out.flush()
                blocks.pop()
            if node.name == "a":
                links.pop()
            if node.name == "pre":
                pre -= 1
            while active and active[-1][0] is node:
                active.pop()
            continue
        if isinstance(node, NavigableString):
            if type(node) is not NavigableString:  # comments, doctype, CDATA, script text
                continue
            link = links[-1] if links else None
            if pre and "\n" in node:
                for k, segment in enumerate(node.split("\n")):
                    if k:
                        out.flush()
                    out.add(segment, node, blocks[-1], active, link)
            else:
                out.add(str(node), node, blocks[-1], active, link)
            continue
        name_ = node.name
        if name_ in SKIP or is_hidden(node) or _footnote_mark(node):
            if name_ not in SKIP and node.get_text(strip=True):
                hidden.append(node)
            elif name_ in ("script", "iframe") and node.get("src"):
                embeds.extend((node, marker, why) for marker, why in markers.match(node))
            continue
        active.extend((node, marker, why) for marker, why in markers.match(node))
        block = is_block(node)
        if block:
            out.flush()
            blocks.append(node)
        if name_ == "a":
            links.append(node)
        elif name_ == "br":
            out.flush()
        elif name_ in ("input", "textarea"):
            text = _field_text(node)
            if text.strip():
                out.flush()
                out.add(text, node, node, active)
                out.flush()
        if name_ == "pre":
            pre += 1
        stack.append((node, True, block))
        if name_ != "textarea":  # a textarea's content is its value, not page text
            stack.extend((child, False, False) for child in reversed(node.contents))
    out.flush()
    return Page(soup, out.lines, hidden, name, embeds)


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)


def decode_html(data: bytes, encoding: str | None = None, name: str = "<input>") -> Decoded:
    """Decode a page: a given encoding, a BOM or UTF-8 first, then the page's own
    ``<meta charset>``, then detection (:func:`paywall_cut.files.decode`)."""
    if not encoding and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            m = _META_CHARSET.search(data[:8192])
            if m is not None:
                declared = m.group(1).decode("ascii", "ignore").lower()
                if declared in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
                    declared = "cp1252"  # what browsers do with these labels
                for candidate in (declared, "iso-8859-1" if declared == "cp1252" else ""):
                    try:
                        if candidate and not is_binary(data):
                            return Decoded(data.decode(candidate), candidate)
                    except (UnicodeDecodeError, LookupError):
                        continue
    return decode(data, encoding, name=name)
