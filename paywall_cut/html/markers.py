"""DOM markers: which elements are containers of prompts, read from a data file.

``rules/dom/html-markers.toml`` lists the class, id and attribute names that paywall,
sign-up and membership systems give the containers of their prompts, each with its weight,
a source note and examples (format: ``docs/html.md``). :class:`MarkerSet` compiles them
once; ``match(tag)`` gives the markers of one element. Two markers look at structure
rather than names (``special``): ``email-form`` (a small form that asks only for an
e-mail address) and ``other-form`` (a form with a password or a message box).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from bs4 import Tag

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# the marker data; in a folder of its own because every rules/*.toml is a language pack
MARKERS_PATH = "rules/dom/html-markers.toml"
# input types that take typed text (a placeholder shows in them)
FIELD_TYPES = frozenset({"", "text", "email", "search", "tel", "url", "number"})


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
                ftype in FIELD_TYPES
                and "mail"
                in " ".join(str(field_.get(a, "")) for a in ("name", "id", "placeholder")).lower()
            ):
                email += 1
            elif ftype in FIELD_TYPES:
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
