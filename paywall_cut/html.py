"""HTML input: the page becomes text lines, its markup adds evidence, cuts map to elements.

The flow, in the order the functions below run:

1. **parse** - beautifulsoup4 with the lxml parser when installed (else Python's
   ``html.parser``). HTML output uses ``html.parser`` always: it records where each tag
   starts in the source, which lets the output remove the cut elements' source text and
   leave every other byte as it was.
2. **lines** - the page in reading order, one line per block element (``p``, ``h1``-``h6``,
   ``li``, ``td``, ``div`` with direct text ...), plus the placeholder of text fields and
   the value of submit buttons (the visible text of sign-up forms). ``script``, ``style``,
   ``noscript``, ``template``, ``svg``, ``select`` and the ``head`` are dropped, and so are
   hidden elements: the ``hidden`` attribute, ``type="hidden"`` inputs, an inline style
   with ``display: none`` or ``visibility: hidden`` (``aria-hidden`` alone is not enough:
   it hides from screen readers, not from the eye).
3. **DOM evidence** - the markers of ``rules/dom/html-markers.toml`` (:class:`Marker`): class
   and id names that paywall, sign-up and membership systems give the containers of their
   prompts. A line inside a matched container gets the marker's weight as extra evidence
   (``evidence.ExtraEvidence``) when the container is small enough to be a prompt box.
   Markers of kind ``gated-content`` (a bare ``paywall`` or ``premium`` class, AMP's
   granted content) weigh nothing: publishers put the gated *article text* in such
   elements, so text inside them is judged on its own evidence.
4. **gated** - schema.org ``isAccessibleForFree: false`` (JSON-LD or microdata, on the
   page's object or in a ``hasPart`` with a ``cssSelector``) means the publisher declares
   the page gated: the report says ``gated: "declared"``, the cost of a prompt region is
   lowered a little (``GATED_THRESHOLD_DROP``) and a closing prompt marks the article
   truncated. Nothing is cut because of it.
5. **decide** - the text detector on the lines, with the DOM evidence as its ``extra``.
6. **output** - the kept lines as text, or the page with the cut elements removed
   (:meth:`HtmlCut.html`). A cut element is the largest element all of whose text lines
   are cut; text of a cut line that shares its element with kept lines is removed alone.

The core stays a pure function of its input: nothing here reads files except the marker
data shipped in the package.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from .detector import Detector
from .evidence import ExtraEvidence
from .files import Decoded, decode, is_binary
from .result import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# the marker data; in a folder of its own because every rules/*.toml is a language pack
MARKERS_PATH = "rules/dom/html-markers.toml"
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
GATED_THRESHOLD_DROP = 0.25  # a declared-gated page: a prompt region costs this much less

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
_FIELD_TYPES = frozenset({"", "text", "email", "search", "tel", "url", "number"})
_BUTTON_TYPES = frozenset({"submit", "button"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# a document element that is never removed as a whole
_NEVER_REMOVE = frozenset({"html", "body", "head", "[document]"})


# ---------------------------------------------------------------------- detection


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


# ---------------------------------------------------------------------- markers


@dataclass(frozen=True)
class Marker:
    """One entry of ``html-markers.toml``: how to recognise one kind of container."""

    id: str
    family: str
    vendor: str
    kind: str
    weight: float
    anchor: bool
    description: str
    source: str
    names: tuple[str, ...] = ()  # regexes searched in each class token and in the id
    attributes: dict[str, str] = field(default_factory=dict)  # name -> value regex ("": any)
    tags: tuple[str, ...] = ()  # only these elements (empty: any element)
    special: str = ""  # "email-form": a small form asking only for an e-mail address
    max_chars: int = 1500  # containers with more text than this are not prompt boxes
    positives: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()


MARKER_KINDS = {
    "paywall": "a paywall or registration wall system's prompt container",
    "signup": "an e-mail or newsletter sign-up widget",
    "membership": "a membership, donation or subscription plugin's message or form",
    "generic": "a common name for a prompt box, not tied to one vendor",
    "context": "weak evidence: counts only next to other prompt evidence",
    "gated-content": "holds the gated ARTICLE text: weighs nothing (the trap)",
    "counter": "counter-evidence: a container that is not a prompt (negative weight)",
}
_MARKER_KEYS = {
    "id",
    "family",
    "vendor",
    "kind",
    "weight",
    "anchor",
    "description",
    "source",
    "names",
    "attributes",
    "tags",
    "special",
    "max_chars",
    "examples",
}
_SPECIALS = {"", "email-form", "other-form"}


class MarkerError(ValueError):
    """The marker file is invalid."""


class MarkerSet:
    """The markers, compiled once: ``match(tag)`` gives the markers of one element."""

    def __init__(self, markers: Sequence[Marker]) -> None:
        self.markers = tuple(markers)
        self._names: list[tuple[Marker, list[re.Pattern[str]]]] = []
        self._attrs: dict[str, list[tuple[Marker, re.Pattern[str] | None]]] = {}
        self._special = [m for m in self.markers if m.special]
        alternatives = []
        for m in self.markers:
            if m.names:
                self._names.append((m, [re.compile(p, re.IGNORECASE) for p in m.names]))
                alternatives.extend(f"(?:{p})" for p in m.names)
            for attr, value in m.attributes.items():
                pattern = re.compile(value, re.IGNORECASE) if value else None
                self._attrs.setdefault(attr.lower(), []).append((m, pattern))
        self._any = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None
        self._token_cache: dict[str, tuple[Marker, ...]] = {}

    def _token(self, token: str) -> tuple[Marker, ...]:
        found = self._token_cache.get(token)
        if found is None:
            found = ()
            if self._any is not None and self._any.search(token):
                found = tuple(m for m, ps in self._names if any(p.search(token) for p in ps))
            self._token_cache[token] = found
        return found

    def match(self, tag: Tag) -> list[tuple[Marker, str]]:
        """The markers of one element, each with the reason it matched."""
        found: dict[str, tuple[Marker, str]] = {}
        attrs = tag.attrs
        if attrs:
            classes = attrs.get("class") or ()
            if isinstance(classes, str):
                classes = classes.split()
            ident = attrs.get("id")
            tokens = [*classes, ident] if isinstance(ident, str) and ident else list(classes)
            for token in tokens:
                for m in self._token(token.lower()):
                    if m.id not in found and (not m.tags or tag.name in m.tags):
                        kind = "id" if token == ident else "class"
                        found[m.id] = (m, f'{kind} "{token}"')
            if self._attrs:
                for attr, value in attrs.items():
                    for m, pattern in self._attrs.get(attr.lower(), ()):
                        if m.id in found or (m.tags and tag.name not in m.tags):
                            continue
                        text = " ".join(value) if isinstance(value, list) else str(value)
                        if pattern is None or pattern.search(text):
                            found[m.id] = (m, f'{attr}="{text[:40]}"' if text else attr)
        for m in self._special:
            if m.id not in found and (not m.tags or tag.name in m.tags):
                why = _special(m.special, tag)
                if why:
                    found[m.id] = (m, why)
        return list(found.values())


def _special(kind: str, tag: Tag) -> str:
    """``email-form``: a form asking for an e-mail address and at most three other text
    fields, with no password and no message box. ``other-form``: a form with a password
    or a message box (log-in, comment and contact forms)."""
    if kind == "other-form" and tag.name == "form":
        if tag.find("textarea") is not None:
            return "form with a message box"
        if tag.find("input", attrs={"type": re.compile("^password$", re.I)}) is not None:
            return "form with a password field"
        return ""
    if kind == "email-form" and tag.name == "form":
        email = other = 0
        for field_ in tag.find_all(("input", "textarea")):
            if field_.name == "textarea":
                return ""
            ftype = str(field_.get("type", "text")).lower()
            if ftype == "password":
                return ""
            if ftype == "email" or (
                ftype in _FIELD_TYPES
                and "mail"
                in " ".join(str(field_.get(a, "")) for a in ("name", "id", "placeholder")).lower()
            ):
                email += 1
            elif ftype in _FIELD_TYPES:
                other += 1
        if email and other <= 3:
            return "form asking for an e-mail address"
    return ""


def _marker_from(entry: dict[str, Any], where: str) -> Marker:
    unknown = set(entry) - _MARKER_KEYS
    if unknown:
        raise MarkerError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "family", "vendor", "kind", "weight", "description", "source"):
        if key not in entry:
            raise MarkerError(f"{where}: missing {key!r}")
    if not re.fullmatch(r"PCH\d{2,3}", str(entry["id"])):
        raise MarkerError(f"{where}: id must look like PCH01")
    if entry["kind"] not in MARKER_KINDS:
        raise MarkerError(f"{where}: unknown kind {entry['kind']!r}")
    special = entry.get("special", "")
    if special not in _SPECIALS:
        raise MarkerError(f"{where}: unknown special {special!r}")
    if not (entry.get("names") or entry.get("attributes") or special):
        raise MarkerError(f"{where}: needs names, attributes or special")
    weight = float(entry["weight"])
    if entry["kind"] == "gated-content" and (weight or entry.get("anchor")):
        raise MarkerError(f"{where}: a gated-content marker must weigh 0 and not anchor")
    if (weight < 0) != (entry["kind"] == "counter") or (weight < 0 and entry.get("anchor")):
        raise MarkerError(f"{where}: only counter markers weigh less than 0, and never anchor")
    for p in [*entry.get("names", ()), *entry.get("attributes", {}).values()]:
        try:
            re.compile(p)
        except re.error as e:
            raise MarkerError(f"{where}: bad regex {p!r}: {e}") from None
    examples = entry.get("examples", {})
    if not examples.get("positive") or not examples.get("negative"):
        raise MarkerError(f"{where}: needs examples.positive and examples.negative")
    return Marker(
        id=entry["id"],
        family=entry["family"],
        vendor=entry["vendor"],
        kind=entry["kind"],
        weight=weight,
        anchor=bool(entry.get("anchor", False)),
        description=entry["description"],
        source=entry["source"],
        names=tuple(entry.get("names", ())),
        attributes=dict(entry.get("attributes", {})),
        tags=tuple(entry.get("tags", ())),
        special=special,
        max_chars=int(entry.get("max_chars", 1500)),
        positives=tuple(examples["positive"]),
        negatives=tuple(examples["negative"]),
    )


def parse_markers(text: str, where: str = "html-markers.toml") -> MarkerSet:
    """Validate and compile a marker file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MarkerError(f"{where}: {e}") from None
    markers = [_marker_from(m, f"{where}: {m.get('id', '?')}") for m in data.get("markers", [])]
    ids = [m.id for m in markers]
    if len(set(ids)) != len(ids):
        raise MarkerError(f"{where}: duplicate marker ids")
    return MarkerSet(markers)


@lru_cache(maxsize=1)
def load_markers() -> MarkerSet:
    """The built-in markers (``paywall_cut/rules/dom/html-markers.toml``), loaded once."""
    text = resources.files("paywall_cut").joinpath(MARKERS_PATH).read_text("utf-8")
    return parse_markers(text)


# ---------------------------------------------------------------------- parsing


def parser_name(positions: bool = False) -> str:
    """The parser to use: ``html.parser`` when source positions are needed, else lxml."""
    if positions:
        return "html.parser"
    try:
        import lxml  # noqa: F401
    except ImportError:  # pragma: no cover - lxml is a dependency
        return "html.parser"
    return "lxml"


def parse(markup: str, positions: bool = False) -> BeautifulSoup:
    return BeautifulSoup(markup, parser_name(positions))


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


def _hidden(tag: Tag) -> bool:
    """Is the element hidden from the reader?

    Hidden: the ``hidden`` attribute, ``type="hidden"`` inputs, an inline style with
    ``display: none`` or ``visibility: hidden``. Not hidden: ``aria-hidden`` alone, and
    content that is only *collapsed* or *deferred*: ``hidden="until-found"``, a hidden
    panel labelled by its control (``aria-labelledby``, ``role="tabpanel"``: accordions,
    tabs) and React's streamed segments (``<div hidden id="S:0">``), which scripts reveal.
    """
    attrs = tag.attrs
    if not attrs:
        return False
    if "hidden" in attrs:
        if str(attrs.get("hidden") or "").lower() == "until-found":
            return False
        if "aria-labelledby" in attrs or str(attrs.get("role", "")).lower() == "tabpanel":
            return False
        ident = attrs.get("id")
        return not (isinstance(ident, str) and _REACT_SEGMENT.match(ident))
    if tag.name == "input" and str(attrs.get("type", "")).lower() == "hidden":
        return True
    style = attrs.get("style")
    return bool(style) and _HIDDEN_STYLE.search(str(style)) is not None


def _field_text(tag: Tag) -> str:
    """The visible text of a form field: a text field's placeholder, a button's value."""
    ftype = str(tag.get("type", "text")).lower()
    if tag.name == "textarea" or ftype in _FIELD_TYPES:
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
        text = " ".join(repair_mojibake("".join(self.parts[k] for k in ks)).split())
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
    stack: list[tuple[Any, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            if node.name in BLOCK:
                out.flush()
                blocks.pop()
            elif node.name == "a":
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
        if name_ in SKIP or _hidden(node) or _footnote_mark(node):
            if name_ not in SKIP and node.get_text(strip=True):
                hidden.append(node)
            elif name_ in ("script", "iframe") and node.get("src"):
                embeds.extend((node, marker, why) for marker, why in markers.match(node))
            continue
        active.extend((node, marker, why) for marker, why in markers.match(node))
        if name_ in BLOCK:
            out.flush()
            blocks.append(node)
        elif name_ == "a":
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
        stack.append((node, True))
        if name_ != "textarea":  # a textarea's content is its value, not page text
            stack.extend((child, False) for child in reversed(node.contents))
    out.flush()
    return Page(soup, out.lines, hidden, name, embeds)


# ---------------------------------------------------------------------- gated


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


# ---------------------------------------------------------------------- DOM evidence


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
        line_nodes.append(keys)
    gated_parts = _gated_parts(page.soup, gating)
    scores: list[float] = [0.0] * len(lines)
    counter: list[float] = [0.0] * len(lines)
    anchors: list[bool] = [False] * len(lines)
    texts: list[list[str]] = [[] for _ in lines]
    ids: list[list[str]] = [[] for _ in lines]
    boxes: dict[int, tuple[Tag, Marker]] = {id(e[0]): (e[0], e[1]) for e in page.embeds}
    for i, line in enumerate(lines):
        for key, (tag, marker, why) in line.containers.items():
            if tag.name in _NEVER_REMOVE:
                continue
            where = f"{marker.id} {marker.family}: {selector(tag)} ({why})"
            size = _element_chars(tag, chars, line)
            if size > marker.max_chars:
                texts[i].append(f"{where} too large for a prompt box ({size} chars)")
                continue
            if line.inside.get(key, 0) < LINE_SHARE * len(line.text):
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
    for box_key, (tag, marker) in boxes.items():
        box = _box(tag, chars, count, long_)
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


def _element_chars(tag: Tag, chars: dict[int, int], line: Line) -> int:
    """Text characters inside an element (lines whose block is in it; or the line itself,
    for an inline element)."""
    return chars.get(id(tag), len(line.text))


_SECTION_TAGS = ("ul", "ol", "nav", "table", "form", "article", "section", "aside")


def _box_part(node: Any, count: dict[int, int]) -> bool:
    """Can this element sit in a prompt's box beside it (a heading, a pitch, a message)?
    Not a list, menu, table, form or section, nor anything with more than three lines."""
    if not isinstance(node, Tag):
        return True
    return (
        count.get(id(node), 0) <= 3
        and node.name not in _SECTION_TAGS
        and node.find(_SECTION_TAGS) is None
    )


def _box(tag: Tag, chars: dict[int, int], count: dict[int, int], long_: dict[int, int]) -> Tag:
    """The largest ancestor of a prompt container that is still just its box."""
    box = tag
    base_chars, base_count = chars.get(id(tag), 0), count.get(id(tag), 0)
    base_long = long_.get(id(tag), 0)
    node = tag.parent
    while node is not None and node.name not in _NEVER_REMOVE:
        key = id(node)
        if (
            chars.get(key, 0) - base_chars > BOX_CHARS
            or count.get(key, 0) - base_count > BOX_LINES
            or long_.get(key, 0) > base_long
            or node.name in ("article", "main")
            or node.find(("h1", "article", "main")) is not None
            or not all(_box_part(c, count) for c in node.children if c is not box)
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


# ---------------------------------------------------------------------- cutting


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
            source_line = None
        d: dict[str, Any] = {"tag": tag, "selector": sel, "lines": [i + 1 for i in self.lines]}
        if source_line is not None:
            d["source_line"] = source_line
        return d


@dataclass
class HtmlCut:
    """The outcome of cutting one page."""

    markup: str  # the page as given (decoded, without a byte order mark)
    page: Page
    result: Result  # over the page's lines; line numbers count text lines
    dom: list[DomNote | None]  # per line
    gating: Gating | None
    targets: list[Target]  # what the output removes

    @property
    def text(self) -> str:
        """The kept lines, one per line, each ending with a newline."""
        return "".join(line.text + "\n" for line, k in zip(self.page.lines, self.result.keep) if k)

    def html(self) -> tuple[str, str]:
        """The page with the cut elements removed, and how: ``"spliced"`` (their source text
        cut out of the original, every other byte unchanged) or ``"serialised"`` (the
        parsed tree with the elements removed, written back by beautifulsoup4; used when
        the page was not parsed with positions or a source range cannot be verified)."""
        if not self.targets:
            return self.markup, "spliced"
        if self.page.parser == "html.parser":
            spliced = _splice(self.markup, self.targets)
            if spliced is not None:
                return spliced, "spliced"
        for t in self.targets:
            t.node.extract()
        return str(self.page.soup), "serialised"

    def cut_elements(self) -> list[list[dict[str, Any]]]:
        """For each cut of the result, the elements it removes."""
        out: list[list[dict[str, Any]]] = []
        for c in self.result.cuts:
            out.append(
                [t.describe() for t in self.targets if c.start - 1 <= t.lines[0] <= c.end - 1]
            )
        return out

    def cut_markers(self) -> list[list[str]]:
        """For each cut of the result, the DOM markers that gave evidence to its lines."""
        out: list[list[str]] = []
        for c in self.result.cuts:
            ids: dict[str, None] = {}
            for i in range(c.start - 1, c.end):
                note = self.dom[i]
                if note is not None and not self.result.keep[i]:
                    ids.update(dict.fromkeys(note.markers))
            out.append(list(ids))
        return out

    def report(self) -> dict[str, Any]:
        """The JSON report (schema ``paywall-cut/report/1`` plus the HTML fields)."""
        d = self.result.to_dict()
        for c, elements, markers in zip(d["cuts"], self.cut_elements(), self.cut_markers()):
            c["elements"] = elements
            c["markers"] = markers
        d["gated_parts"] = list(self.gating.selectors) if self.gating else []
        d["parser"] = self.page.parser
        return d


def cut_html(
    markup: str,
    detector: Detector,
    *,
    explain: bool = False,
    positions: bool = False,
    markers: MarkerSet | None = None,
) -> HtmlCut:
    """Cut the subscription prompts of one page (see the module docstring).

    ``positions`` parses with ``html.parser`` so that :meth:`HtmlCut.html` can splice.
    """
    if markup.startswith("\ufeff"):
        markup = markup[1:]
    page = read_page(markup, markers, positions=positions)
    gating = declared_gating(page.soup) if "isAccessibleForFree" in markup else None
    dom = dom_evidence(page, gating)
    extra = {
        i: ExtraEvidence(n.score, "DOM " + "; ".join(n.notes), n.anchor)
        for i, n in enumerate(dom)
        if n is not None and n.score
    }
    params = detector.settings.decide
    if gating is not None:
        params = replace(params, threshold=params.threshold - GATED_THRESHOLD_DROP)
    text = "".join(line.text + "\n" for line in page.lines)
    result = detector.cut(text, explain=explain, extra=extra, decide_params=params)
    if gating is not None:
        result = replace(result, gated="declared")
        if result.boundary is not None and not result.truncated:
            result = replace(
                result,
                truncated=True,
                truncation_reason="a closing prompt on a page that declares itself gated "
                "(isAccessibleForFree: false)",
            )
    if explain:
        reports = []
        for r in result.line_reports:
            n = dom[r.number - 1] if r.number - 1 < len(dom) else None
            if n is not None and not any(x.startswith("DOM ") for x in r.notes):
                r = replace(r, notes=(*r.notes, "DOM " + "; ".join(n.notes)))
            reports.append(r)
        result = replace(result, line_reports=tuple(reports))
    targets = removal_targets(page, result.keep) if result.cuts else []
    return HtmlCut(markup, page, result, dom, gating, targets)


def removal_targets(page: Page, keep: Sequence[bool]) -> list[Target]:
    """The largest elements whose every text line is cut, and lone text nodes of cut lines
    that share their element with kept lines, in document order.

    Hidden elements that hold text count as kept text: an element is not removed for its
    visible prompt when it also holds hidden content.
    """
    total: dict[int, int] = {}
    cut: dict[int, int] = {}
    nodes: dict[int, Tag] = {}

    def ancestors(line: Line) -> set[int]:
        seen: set[int] = set()
        for piece in line.pieces:
            start = piece if isinstance(piece, Tag) else piece.parent
            node = start
            while node is not None and id(node) not in seen:
                seen.add(id(node))
                nodes[id(node)] = node
                node = node.parent
        return seen

    line_ancestors: list[set[int]] = []
    for line, k in zip(page.lines, keep):
        anc = ancestors(line)
        line_ancestors.append(anc)
        for key in anc:
            total[key] = total.get(key, 0) + 1
            if not k:
                cut[key] = cut.get(key, 0) + 1
    for tag in page.hidden:
        node = tag
        while node is not None:
            total[id(node)] = total.get(id(node), 0) + 1
            node = node.parent

    def all_cut(node: Tag | None) -> bool:
        return (
            node is not None
            and node.name not in _NEVER_REMOVE
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
            elif not piece.strip():
                continue  # whitespace between kept and cut text
            key = id(top)
            if key not in targets:
                targets[key] = Target(top, ())
                lines_of[key] = []
                order.append(key)
            if i not in lines_of[key]:
                lines_of[key].append(i)
    return [Target(targets[k].node, tuple(lines_of[k])) for k in order]


# ---------------------------------------------------------------------- splicing

_START_TAG = re.compile(
    r"""<([a-zA-Z][^\s/>]*)(?:\s*(?:"[^"]*"|'[^']*'|[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?|/))*\s*>"""
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
            self._cache[key] = self._element(tag)
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
        last = next((c for c in reversed(tag.contents) if isinstance(c, Tag)), None)
        if last is not None:
            inner = self.element(last)
            if inner is None:
                return None
            pos = inner[3]
        close = _find_end_tag(m, pos, tag.name)
        if close is None:
            return None
        return start, open_end, close[0], close[1]


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


def _splice(markup: str, targets: Iterable[Target]) -> str | None:
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


# ---------------------------------------------------------------------- one input


def explain_lines(cut: HtmlCut) -> list[dict[str, Any]]:
    """The explain detail of every line, with its element and DOM evidence."""
    out = []
    for r in cut.result.line_reports:
        d = r.to_dict()
        i = r.number - 1
        if i < len(cut.page.lines):
            d["element"] = selector(cut.page.lines[i].owner)
            note = cut.dom[i]
            d["dom"] = (
                {"score": note.score, "anchor": note.anchor, "why": list(note.notes)}
                if note is not None
                else None
            )
        out.append(d)
    return out


def iter_markers(markers: MarkerSet | None = None) -> Iterator[Marker]:
    yield from (markers or load_markers()).markers


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


def clean_html(
    data: bytes,
    name: str,
    detector: Detector,
    *,
    encoding: str | None = None,
    output: str = "html",
) -> tuple[bytes, Result, dict[str, Any], str]:
    """Clean one HTML input: (output bytes, result, report, output encoding).

    ``output="text"``: the kept lines, UTF-8. ``output="html"``: the page with the cut
    elements removed, in the page's own encoding; the very same bytes when nothing is cut.
    Raises :class:`paywall_cut.files.InputError` on undecodable or binary input.
    """
    if output not in ("text", "html"):
        raise ValueError(f"unknown output format {output!r}")
    decoded = decode_html(data, encoding, name)
    hc = cut_html(decoded.text, detector, positions=output == "html")
    report = hc.report()
    report["output_format"] = output
    if output == "text":
        return hc.text.encode("utf-8", "surrogatepass"), hc.result, report, "utf-8"
    if not hc.result.changed:
        report["html_output"] = "unchanged"
        return data, hc.result, report, decoded.encoding
    markup, how = hc.html()
    report["html_output"] = how
    bom = "\ufeff" if decoded.text.startswith("\ufeff") else ""
    return (
        (bom + markup).encode(decoded.encoding, "surrogatepass"),
        hc.result,
        report,
        decoded.encoding,
    )
