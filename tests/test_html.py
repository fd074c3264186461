"""HTML input: fixtures, parsing, hidden elements, DOM markers, the trap, gated, output."""

from __future__ import annotations

import codecs
import difflib
import gzip
import json
import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from paywall_cut import Detector, cut, default_detector
from paywall_cut.cli import cli
from paywall_cut.evidence import ExtraEvidence
from paywall_cut.formats import detect_format, process
from paywall_cut.html import (
    MarkerError,
    clean_html,
    cut_html,
    declared_gating,
    load_markers,
    looks_like_html,
    parse_markers,
    read_page,
    repair_mojibake,
)

from .conftest import FIXTURES, load_jsonl

HTML_FIXTURES = FIXTURES / "html"
CASES = load_jsonl(HTML_FIXTURES / "cases.jsonl")
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return _SPACE.sub(" ", text).strip().lower()


def page_text(markup: str) -> str:
    """The visible text of a page, one line per block (for checking HTML output)."""
    return "\n".join(line.text for line in read_page(markup).lines)


def lines_of(markup: str) -> list[str]:
    return [line.text for line in read_page(markup).lines]


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# ---------------------------------------------------------------- fixtures


def test_fixture_set_covers_what_the_issue_asks() -> None:
    assert len(CASES) >= 30
    files = {c["file"] for c in CASES}
    assert files == {p.name for p in HTML_FIXTURES.glob("*.html")}
    families = {c["family"] for c in CASES}
    for family in (
        "piano",
        "poool",
        "zephr",
        "laterpay",
        "pelcro",
        "substack",
        "ghost",
        "leaky-paywall",
        "memberpress",
        "restrict-content-pro",
        "woocommerce-memberships",
        "amp",
        "mailchimp",
        "jetpack",
        "generic-wall",
        "generic-signup",
        "gated-content",
        "gated",
        "none",
    ):
        assert family in families, family
    gated = [c for c in CASES if c["gated"] == "declared"]
    assert any(c["must_cut"] for c in gated) and any(not c["must_cut"] for c in gated)
    assert sum(1 for c in CASES if c["kind"] == "negative") >= 4


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_text_output(case: dict) -> None:
    data = (HTML_FIXTURES / case["file"]).read_bytes()
    p = process(data, case["file"], default_detector(), output_format="text")
    assert p.format == "html"
    out = norm(p.data.decode("utf-8"))
    for s in case["must_keep"]:
        assert norm(s) in out, f"lost: {s}"
    for s in case["must_cut"]:
        assert norm(s) not in out, f"kept: {s}"
    assert p.report["gated"] == case["gated"]
    if "truncated" in case:
        assert p.report["truncated"] is case["truncated"]
    if case["kind"] == "negative":
        assert not p.results[0].changed


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_html_output_only_removes(case: dict) -> None:
    data = (HTML_FIXTURES / case["file"]).read_bytes()
    p = process(data, case["file"], default_detector(), output_format="html")
    if not p.results[0].changed:
        assert p.data == data and not p.changed
        return
    assert p.report["html_output"] == "spliced"
    enc = "cp1252" if case["file"] == "legacy-cp1252.html" else "utf-8"
    before, after = data.decode(enc), p.data.decode(enc)
    # every other byte untouched: the output is the input with some spans deleted
    ops = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    assert all(op in ("equal", "delete") for op, *_ in ops)
    text = norm(page_text(after))
    for s in case["must_keep"]:
        assert norm(s) in text, f"lost: {s}"
    for s in case["must_cut"]:
        if s not in ("Subscribe now", ".modal"):  # hidden or script text stays in the page
            assert norm(s) not in text or case["file"] == "hidden-modal.html", f"kept: {s}"


# ---------------------------------------------------------------- recognising HTML


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b"\xef\xbb\xbf  <html lang=en>", True),
        (b"<!-- saved page -->\n<html>", True),
        (b"<head><title>x</title></head>", True),
        (b"<div><p>One</p><p>Two</p><a href=x>three</a></div>", True),
        (b"Subscribe now\nThe article", False),
        (b"# Title\n\nSome <b>bold</b> markdown text that goes on for a while here.", False),
        (b"<3 love this", False),
    ],
)
def test_sniffing(head: bytes, expected: bool) -> None:
    assert looks_like_html(head) is expected


def test_detect_format_by_name_then_sniffing() -> None:
    assert detect_format("a.html", b"<p>plain") == "html"
    assert detect_format("a.html", b"plain") == "text"  # no markup at all: text, named .html
    assert detect_format("a.HTM", b"") == "html"
    assert detect_format("a.xhtml.gz", b"") == "html"
    assert detect_format("-", b"<!doctype html><p>x") == "html"
    assert detect_format("notes.txt", b"<!doctype html><p>x") == "text"  # the name wins
    assert detect_format("-", b"Just text") == "text"


def test_gzipped_html_and_stdin_sniffing() -> None:
    data = (HTML_FIXTURES / "mailchimp.html").read_bytes()
    p = process(gzip.compress(data), "page.html.gz", default_detector(), output_format="text")
    assert p.format == "html" and b"Bake along" not in gzip.decompress(p.data)
    r = run("cut", "-", input=data)
    assert r.exit_code == 0 and "Sourdough in a cold kitchen" in r.stdout
    assert "Bake along" not in r.stdout


# ---------------------------------------------------------------- lines


def test_one_line_per_block_in_reading_order() -> None:
    markup = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Title</h1><div>Lead <b>text</b> here<p>Para <a href='#'>one</a>.</p>tail</div>"
        "<ul><li>A</li><li>B<br>C</li></ul><table><tr><td>x</td><td>y</td></tr></table>"
        "<pre>line 1\nline 2</pre><script>var a = 'Subscribe';</script></body></html>"
    )
    assert lines_of(markup) == [
        "Title",
        "Lead text here",
        "Para one.",
        "tail",
        "A",
        "B",
        "C",
        "x",
        "y",
        "line 1",
        "line 2",
    ]


def test_form_fields_give_their_visible_text() -> None:
    markup = (
        "<form><label>Email</label><input type=email placeholder='Your email'>"
        "<input type=hidden value=secret><input type=submit value='Sign up'>"
        "<button>Go</button><textarea placeholder='Message'>typed</textarea>"
        "<select><option>France</option></select></form>"
    )
    assert lines_of(markup) == ["Email", "Your email", "Sign up", "Go", "Message"]


def test_hidden_elements_are_dropped_but_not_collapsed_ones() -> None:
    markup = (
        "<p>Shown</p><p hidden>Gone 1</p><p style='display: none'>Gone 2</p>"
        "<p style='visibility:hidden'>Gone 3</p><noscript>Gone 4</noscript>"
        "<template><p>Gone 5</p></template><svg><text>Gone 6</text></svg>"
        "<p aria-hidden='true'>Kept 1</p><div hidden='until-found'>Kept 2</div>"
        "<div hidden aria-labelledby='tab1'>Kept 3</div><div hidden id='S:0'>Kept 4</div>"
    )
    assert lines_of(markup) == ["Shown", "Kept 1", "Kept 2", "Kept 3", "Kept 4"]


def test_collapsed_panels_hidden_by_inline_style_are_read() -> None:
    # an accordion answer or a tab hidden by its inline style is collapsed, not hidden, like
    # one hidden by the attribute; a pop-up labelled by its own heading and a dialog are not
    markup = (
        "<button id='q1' aria-expanded='false' aria-controls='a1'>Question one?</button>"
        "<div id='a1' role='region' aria-labelledby='q1' style='display: none'>Answer one.</div>"
        "<div role='tabpanel' style='visibility:hidden'>Second tab</div>"
        "<div aria-labelledby='t1' style='display:none'><h2 id='t1'>Gone 1</h2>Gone 2</div>"
        "<div hidden aria-labelledby='t2'><h2 id='t2'>Gone 3</h2></div>"
        "<div role='dialog' aria-labelledby='q1' style='display:none'>Gone 4</div>"
        "<div aria-modal='true' aria-labelledby='q1' hidden>Gone 5</div>"
        "<div role='alertdialog' aria-labelledby='q1' hidden>Gone 6</div>"
        "<div aria-labelledby='q1 t3' style='display:none'><b id='t3'>Kept</b> by q1</div>"
    )
    assert lines_of(markup) == [
        "Question one?",
        "Answer one.",
        "Second tab",
        "Kept by q1",
    ]
    page = read_page(markup)
    assert [t.get_text() for t in page.hidden] == [
        "Gone 1Gone 2",
        "Gone 3",
        "Gone 4",
        "Gone 5",
        "Gone 6",
    ]


def test_an_inline_style_that_makes_a_block_starts_a_line() -> None:
    markup = (
        "<p>Terms<span style='display: block'>Accelerated by Example</span>after</p>"
        "<p><b style='DISPLAY:Flex'>Heading:</b>text</p>"
        "<p><i style='display:inline-block'>one</i><i style='display:inline-flex'>two</i></p>"
        "<p><span style='--mobile-display: block'>custom</span>property</p>"
        "<p><span style='display:block; display:inline'>last</span>wins</p>"
        "<div><a href=/a style='display:block'>Alpha</a><a href=/b>Beta</a> | <a href=/c>Gamma</a>"
        "</div>"
        "<form><input type=email placeholder='Your email' style='display:block'>"
        "<input type=submit value='Send' style='display: block; width: 100%'></form>"
    )
    assert lines_of(markup) == [
        "Terms",
        "Accelerated by Example",
        "after",
        "Heading:",
        "text",
        "onetwo",
        "customproperty",
        "lastwins",
        "Alpha",
        "Beta",
        "Gamma",
        "Your email",
        "Send",
    ]


def test_a_menu_of_links_is_one_line_per_link() -> None:
    markup = (
        "<div><a href=/>Home</a> | <a href=/s>Subscribe</a> · <a href=/c>Contact</a></div>"
        "<p>Read <a href=/x>this</a> and <a href=/y>that</a> today.</p>"
    )
    assert lines_of(markup) == ["Home", "Subscribe", "Contact", "Read this and that today."]


def test_words_of_two_elements_that_touch_are_not_glued() -> None:
    # a stylesheet puts the span on a line of its own; without a space the words glue
    markup = (
        '<a href="/news"><span class="small">Sign up for our</span>Newsletter</a>'
        "<p><span>T</span>he drop capital and <b>bold</b>face stay as they are.</p>"
        "<p>Price<!-- -->Tag and a<i>B</i>c</p>"
    )
    assert lines_of(markup) == [
        "Sign up for our Newsletter",
        "The drop capital and boldface stay as they are.",
        "PriceTag and a Bc",
    ]


def test_footnote_marks_and_mojibake() -> None:
    markup = '<p>Growth was strong<sup class="fn"><a href="#n1">1</a></sup>.</p>'
    assert lines_of(markup) == ["Growth was strong."]
    assert repair_mojibake("don\u00e2\u20ac\u2122t") == "don\u2019t"
    assert repair_mojibake("Caf\u00c3\u00a9 and caf\u00e9") == "Caf\u00e9 and caf\u00e9"
    assert repair_mojibake("\u00c2 alone") == "\u00c2 alone"


# ---------------------------------------------------------------- markers


def test_every_marker_example() -> None:
    markers = load_markers()
    assert len(markers.markers) >= 20
    for m in markers.markers:
        assert m.source and m.description
        for html, expected in [(h, True) for h in m.positives] + [(h, False) for h in m.negatives]:
            tag = BeautifulSoup(html, "html.parser").find(True)
            found = {x.id for x, _ in markers.match(tag)}
            assert (m.id in found) is expected, f"{m.id}: {html}"


def test_marker_file_is_validated() -> None:
    good = """
[[markers]]
id = "PCH99"
family = "x"
vendor = "x"
kind = "generic"
weight = 1
description = "d"
source = "s"
names = ['^box$']
examples.positive = ['<div class="box"></div>']
examples.negative = ['<div class="boxes"></div>']
"""
    assert parse_markers(good).markers[0].id == "PCH99"
    with pytest.raises(MarkerError, match="unknown keys"):
        parse_markers(good.replace("names =", "nmes ="))
    with pytest.raises(MarkerError, match="bad regex"):
        parse_markers(good.replace("'^box$'", "'(box'"))
    with pytest.raises(MarkerError, match="gated-content"):
        parse_markers(good.replace('"generic"', '"gated-content"'))
    with pytest.raises(MarkerError, match="id must"):
        parse_markers(good.replace("PCH99", "X1"))


def test_dom_evidence_is_explained_with_element_selector_and_why() -> None:
    r = run("explain", str(HTML_FIXTURES / "piano-inline.html"), "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    line = next(d for d in data["lines_detail"] if d["text"].startswith("Pick a plan"))
    assert line["decision"] == "cut"
    assert line["dom"]["anchor"] is True and line["dom"]["score"] == 3.0
    assert any("PCH01" in w and "#piano-inline-offer" in w for w in line["dom"]["why"])
    assert line["element"] == "p"
    r = run("explain", str(HTML_FIXTURES / "piano-inline.html"))
    assert "DOM PCH01 piano" in r.stdout


def test_report_names_the_removed_elements() -> None:
    data = (HTML_FIXTURES / "newsletter-inline.html").read_bytes()
    report = process(data, "x.html", default_detector(), output_format="text").report
    (c,) = report["cuts"]
    assert [e["selector"] for e in c["elements"]] == [
        "section.newsletter-signup.newsletter-signup--inline"
    ]
    assert c["elements"][0]["tag"] == "section" and "PCH21" in c["markers"]
    assert report["format"] == "html" and report["output_format"] == "text"


def test_a_marked_link_inside_a_paragraph_says_nothing_about_the_paragraph() -> None:
    markup = (
        "<h1>Vote</h1><p>Readers can <a href='/newsletter'>read our politics newsletter</a> "
        "for the results of every ward, which will be counted through the night by hand.</p>"
    )
    hc = cut_html(markup, default_detector())
    assert hc.dom[1] is None and not hc.result.changed


# ---------------------------------------------------------------- the trap


ARTICLE = (
    "<h1>Valley paper drops its paywall</h1>"
    "<p>The Valley Courier removed its paywall in 2021, and the number of readers who pay "
    "each month has risen by a quarter since then, its editor said on Monday.</p>"
    "<p>Rival papers kept their meters. One publisher said its newsletter sign-ups doubled "
    "after it limited readers to five free articles a month.</p>"
)


@pytest.mark.parametrize(
    "wrapper",
    [
        '<div class="paywall">{}</div>',
        '<div class="premium">{}</div>',
        '<section class="paywall premium article-body">{}</section>',
        '<div class="subscriber-content">{}</div>',
        '<section subscriptions-section="content">{}</section>',
        '<div data-poool="80">{}</div>',
    ],
)
def test_trap_a_paywall_or_premium_class_alone_is_never_a_reason_to_cut(wrapper: str) -> None:
    markup = "<html><body>" + wrapper.format(ARTICLE) + "</body></html>"
    hc = cut_html(markup, default_detector())
    plain = cut("\n".join(lines_of(markup)) + "\n")
    assert hc.result.keep == plain.keep  # exactly the text's own decision
    assert all(n is None or n.score == 0 for n in hc.dom)
    assert not plain.changed and "newsletter sign-ups doubled" in hc.text


def test_trap_text_in_paywall_container_is_judged_on_its_own_evidence() -> None:
    markup = (
        '<div class="paywall"><p>The council voted to restore the early ferry to the islands, '
        "ending a dispute that had split fishermen and commuters for most of the year.</p>"
        "<p>Subscribe now</p></div>"
    )
    hc = cut_html(markup, default_detector())
    assert hc.result.keep == (True, False)  # the prompt line is cut for its own words


# ---------------------------------------------------------------- gated


@pytest.mark.parametrize(
    "ld",
    [
        '{"@type": "NewsArticle", "isAccessibleForFree": false}',
        '{"@type": "NewsArticle", "isAccessibleForFree": "False"}',
        '{"@type": "NewsArticle", "isAccessibleForFree": "false", "hasPart": '
        '{"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".locked"}}',
        '{"@graph": [{"@type": "WebSite"}, {"@type": "Article", "hasPart": [{"@type": '
        '"WebPageElement", "isAccessibleForFree": false, "cssSelector": ".locked"}]}]}',
        '<!--{"@type": "NewsArticle", "isAccessibleForFree": false,}-->',  # broken JSON
    ],
)
def test_declared_gating_variants(ld: str) -> None:
    markup = f'<head><script type="application/ld+json">{ld}</script></head><p>x</p>'
    g = declared_gating(BeautifulSoup(markup, "lxml"))
    assert g is not None and g.declared
    if "cssSelector" in ld:
        assert g.selectors == (".locked",)


def test_free_pages_are_not_gated() -> None:
    for ld in ('{"isAccessibleForFree": true}', '{"isAccessibleForFree": "True"}', "{}"):
        markup = f'<script type="application/ld+json">{ld}</script><p>x</p>'
        assert declared_gating(BeautifulSoup(markup, "lxml")) is None


def test_gated_is_reported_never_cut_and_marks_a_closing_prompt_truncating() -> None:
    body = (
        "<h1>Port expansion approved</h1><div class='locked'><p>Ministers approved the "
        "expansion of the container port on Wednesday, clearing the way for a new quay.</p>"
        "</div>"
    )
    ld = (
        '<script type="application/ld+json">{"isAccessibleForFree": false, "hasPart": '
        '{"isAccessibleForFree": false, "cssSelector": ".locked"}}</script>'
    )
    plain = clean_html((ld + body).encode(), "x.html", default_detector(), output="text")
    assert plain[2]["gated"] == "declared" and plain[2]["gated_parts"] == [".locked"]
    assert not plain[1].changed and plain[1].position == "none"
    free = clean_html((body + "<p>Subscribe now</p>").encode(), "x.html", default_detector())
    gated = clean_html((ld + body + "<p>Subscribe now</p>").encode(), "x.html", default_detector())
    assert free[1].changed and not free[1].truncated
    assert gated[1].truncated and "declares itself gated" in gated[1].truncation_reason


# ---------------------------------------------------------------- output


def test_html_output_is_spliced_and_unchanged_pages_keep_their_bytes() -> None:
    data = (HTML_FIXTURES / "no-prompt-news.html").read_bytes()
    p = process(data, "x.html", default_detector(), output_format="html")
    assert p.data is data and not p.changed and p.report["html_output"] == "unchanged"
    src = (HTML_FIXTURES / "newsletter-inline.html").read_text(encoding="utf-8")
    p = process(src.encode(), "x.html", default_detector(), output_format="html")
    out = p.data.decode()
    start = src.index('<section class="newsletter-signup')
    end = src.index("</section>", start) + len("</section>\n")
    assert out == src[:start] + src[end:]  # exactly the element and its line break


def test_html_output_falls_back_to_serialising_without_positions() -> None:
    src = (HTML_FIXTURES / "newsletter-inline.html").read_text(encoding="utf-8")
    hc = cut_html(src, default_detector(), positions=False)  # lxml: no source positions
    markup, how = hc.html()
    assert how == "serialised"
    assert "newsletter-signup" not in markup and "Rail strike talks resume" in markup


def test_lone_text_of_a_cut_line_is_removed_alone() -> None:
    src = (
        "<html><body><div class='story'>\n<p>The council voted on Tuesday to restore the early "
        "ferry to the islands, ending a long dispute between fishermen and commuters.</p>\n"
        "Subscribe now<br>\n<p>The first sailing leaves at 6.10 from the north pier, and a "
        "second boat will be added on market days from the spring.</p>\n</div></body></html>"
    )
    p = process(src.encode(), "x.html", default_detector(), output_format="html")
    assert p.report["html_output"] == "spliced"
    assert p.data.decode() == src.replace("\nSubscribe now", "")  # the text node alone
    assert p.report["cuts"][0]["elements"][0]["tag"] == "#text"


def test_legacy_encoding_round_trips() -> None:
    data = (HTML_FIXTURES / "legacy-cp1252.html").read_bytes()
    p = process(data, "x.html", default_detector(), output_format="html")
    assert codecs.lookup(p.encoding).name == "cp1252"
    assert "Café am Markt".encode("cp1252") in p.data
    assert b"Newsletter abonnieren" not in p.data
    text = process(data, "x.html", default_detector(), output_format="text")
    assert text.encoding == "utf-8" and "Jubiläum" in text.data.decode("utf-8")


def test_cli_output_format_html_and_its_misuse(tmp_path: Path) -> None:
    page = HTML_FIXTURES / "substack-paywall.html"
    r = run("cut", str(page), "--output-format", "html", "--report", "json")
    assert r.exit_code == 0
    assert "paywall-title" not in r.stdout and "available-content" in r.stdout
    report = json.loads(r.stderr)
    assert report["format"] == "html" and report["html_output"] == "spliced"
    assert report["cuts"][0]["elements"]
    r = run("cut", str(page), "--report", "rich")
    assert "remove:" in r.stderr and "div.paywall" in r.stderr
    txt = tmp_path / "a.txt"
    txt.write_text("Article.\nSubscribe now\n")
    r = run("cut", str(txt), "--output-format", "html")
    assert r.exit_code == 2 and "needs HTML input" in r.stderr


# ---------------------------------------------------------------- the detector hook


def test_plain_text_is_untouched_by_the_hook(seed_text: str) -> None:
    d = Detector()
    assert d.cut(seed_text, extra={}) == d.cut(seed_text) == cut(seed_text)


def test_extra_evidence_anchors_only_when_it_says_so() -> None:
    text = "A long article line about the harbour and its ferries, told at length.\nPick a plan\n"
    d = Detector()
    assert not d.cut(text).changed
    weak = {1: ExtraEvidence(3.0, "test", anchor=False)}
    strong = {1: ExtraEvidence(3.0, "test", anchor=True)}
    assert not d.cut(text, extra=weak).changed  # positive evidence, but no anchor
    r = d.cut(text, extra=strong, explain=True)
    assert r.keep == (True, False) and "test" in r.line_reports[1].notes
