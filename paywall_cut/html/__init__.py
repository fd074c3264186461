"""HTML input: the page becomes text lines, its markup adds evidence, cuts map to elements.

The flow of :func:`cut_html`, one module per step:

1. **lines** (:mod:`.page`) - beautifulsoup4 parses the page (lxml when installed, else
   Python's ``html.parser``; always ``html.parser`` for HTML output, because it records
   where each tag starts in the source). The page becomes lines in reading order: one per
   block element, plus the placeholder of text fields and the value of submit buttons
   (the visible text of sign-up forms). ``script``, ``style``, ``noscript``,
   ``template``, ``svg``, ``select``, the ``head`` and hidden elements are dropped (the
   ``hidden`` attribute, ``type="hidden"``, inline ``display: none`` or ``visibility:
   hidden``; ``aria-hidden`` alone is not enough: it hides from screen readers, not from
   the eye).
2. **DOM evidence** (:mod:`.markers`, :mod:`.dom`) - the markers of
   ``rules/dom/html-markers.toml``: class, id and attribute names that paywall, sign-up
   and membership systems give the containers of their prompts. A line inside a matched
   container gets the marker's weight as extra evidence (``evidence.ExtraEvidence``) when
   the container is small enough to be a prompt box. Markers of kind ``gated-content``
   (a bare ``paywall`` or ``premium`` class, AMP's granted content) weigh nothing:
   publishers put the gated *article text* in such elements, so text inside them is
   judged on its own evidence (the trap).
3. **gated** (:mod:`.dom`) - schema.org ``isAccessibleForFree: false`` (JSON-LD or
   microdata, on the page's object or in a ``hasPart`` with a ``cssSelector``) means the
   publisher declares the page gated: the report says ``gated: "declared"``, the cost of
   a prompt region is lowered a little (``GATED_THRESHOLD_DROP``) and a closing prompt
   marks the article truncated. Nothing is cut because of it.
4. **decide** - the text detector on the lines, with the DOM evidence as its ``extra``.
5. **output** (:mod:`.output`) - the kept lines as text, or the page with the cut
   elements removed (:meth:`HtmlCut.html`). A cut element is the largest element all of
   whose text lines are cut; text of a cut line that shares its element with kept lines
   is removed alone.

The core stays a pure function of its input: nothing here reads files except the marker
data shipped in the package.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bs4.builder import ParserRejectedMarkup

from ..detector import Detector
from ..evidence import ExtraEvidence
from ..files import InputError
from ..result import Result
from .dom import DomNote, Gating, declared_gating, dom_evidence, selector
from .markers import Marker, MarkerError, MarkerSet, load_markers, parse_markers
from .output import Target, removal_targets, splice
from .page import Line, Page, decode_html, looks_like_html, read_page, repair_mojibake

__all__ = [
    "DomNote",
    "Gating",
    "HtmlCut",
    "Line",
    "Marker",
    "MarkerError",
    "MarkerSet",
    "Page",
    "Target",
    "clean_html",
    "cut_html",
    "declared_gating",
    "decode_html",
    "dom_evidence",
    "explain_lines",
    "load_markers",
    "looks_like_html",
    "parse_markers",
    "read_page",
    "removal_targets",
    "repair_mojibake",
    "selector",
]

GATED_THRESHOLD_DROP = 0.25  # a declared-gated page: a prompt region costs this much less


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
            spliced = splice(self.markup, self.targets)
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
            c["source_line"] = next(
                (e["source_line"] for e in elements if "source_line" in e), None
            )
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
    try:
        hc = cut_html(decoded.text, detector, positions=output == "html")
    except ParserRejectedMarkup as e:
        # html.parser (used for HTML output) raises on some markup, such as a marked
        # section "<![DOCTYPE ..." (found by fuzz/fuzz_html.py)
        reason = str(e).strip().splitlines()[-1].strip()
        raise InputError(f"{name}: the HTML parser rejects this page ({reason}); refused") from None
    report = hc.report()
    report["output_format"] = output
    if output == "text":
        return hc.text.encode("utf-8", "surrogatepass"), hc.result, report, "utf-8"
    if not hc.result.changed:
        report["html_output"] = "unchanged"
        return data, hc.result, report, decoded.encoding
    try:
        markup, how = hc.html()
    except RecursionError:
        # writing the tree back (beautifulsoup4 compares elements recursively) overflows on
        # pages nested thousands deep whose cut elements cannot be spliced out of the source
        # (found by fuzz/fuzz_html.py); the text output reads them
        raise InputError(
            f"{name}: nested too deeply to be written back as HTML; refused "
            "(the text output reads it)"
        ) from None
    report["html_output"] = how
    bom = "\ufeff" if decoded.text.startswith("\ufeff") else ""
    try:
        out = (bom + markup).encode(decoded.encoding, "surrogatepass")
    except UnicodeEncodeError:
        # a serialised page holds characters its code page lacks (entities written out as
        # characters, found by fuzz/fuzz_html.py): write those as character references
        out = (bom + markup).encode(decoded.encoding, "xmlcharrefreplace")
    return out, hc.result, report, decoded.encoding
