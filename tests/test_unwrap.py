"""Hard-wrapped text (html2text, mail, fmt) is read by paragraphs, and decided by them."""

from __future__ import annotations

import textwrap

import pytest

from paywall_cut import Detector, cut
from paywall_cut import detector as detector_module
from paywall_cut.evaluate import score
from paywall_cut.unwrap import join, paragraphs

ARTICLE_ABOUT_NEWSLETTERS = [
    "How a village paper learned to love its inbox",
    "When the Ashby Courier stopped printing on Thursdays, its editor expected the readers"
    " to drift away. Instead, a weekly e-mail kept most of them, and the paper now counts"
    " more readers than it did in print.",
    'The editor, Maren Holt, admits the format took some getting used to. "Every issue'
    " closes with 'Sign up for the weekly briefing and get it free in your inbox' because"
    ' the template insists on it," she said, "and I have stopped noticing it."',
    "Advertisers followed. A garden centre and two pubs now pay for a slot near the top,"
    " and the paper's accounts show a small profit for the first time since 2016. Readers"
    " who did sign up opened more than half of the e-mails, a share the editor calls"
    " astonishing.",
    "Not everyone is convinced. A councillor who asked not to be named said the e-mail"
    " favours residents who are already online, and that the print edition reached people"
    " nobody else did.",
]

WIDTHS = [60, 66, 72, 78, 100]


def wrapped(paras: list[str], width: int) -> str:
    return "\n\n".join(textwrap.fill(p, width) for p in paras) + "\n"


@pytest.mark.parametrize("width", WIDTHS)
def test_wrapped_paragraphs_are_found_again(width: int) -> None:
    lines = wrapped(ARTICLE_ABOUT_NEWSLETTERS, width).splitlines()
    groups = paragraphs(lines)
    assert groups is not None
    logical = [join(lines, g) for g in groups if lines[g[0]].strip()]
    assert logical == ARTICLE_ABOUT_NEWSLETTERS
    assert [i for g in groups for i in g] == list(range(len(lines)))  # every line, in order


@pytest.mark.parametrize(
    "lines",
    [
        # one paragraph a line, as most scraped text comes: lengths all over the place
        [p for p in ARTICLE_ABOUT_NEWSLETTERS],
        # short lines of a listing, no blank lines
        ["Opening hours", "Monday to Friday 9-17", "Saturday 10-14", "Sunday closed"] * 3,
        # a poem: short lines that end where the poet wanted
        [
            "The tide comes in across the flats",
            "and takes the gulls' footprints with it,",
            "the mill wheel turns for no one now,",
            "the quay remembers every boat.",
        ],
        [],
    ],
)
def test_text_that_is_not_wrapped_is_left_as_lines(lines: list[str]) -> None:
    assert paragraphs(lines) is None


def test_a_line_ending_in_a_space_is_a_hard_break() -> None:
    # wrappers drop the space they break at; Markdown ends a hard line break with spaces
    lines = textwrap.fill(ARTICLE_ABOUT_NEWSLETTERS[3], 60).splitlines()
    hard = [line + "  " for line in lines[:-1]] + lines[-1:]
    assert paragraphs(lines) is not None and paragraphs(hard) is None


def test_a_bullet_or_heading_never_continues_the_line_before() -> None:
    para = ARTICLE_ABOUT_NEWSLETTERS[1] + " " + ARTICLE_ABOUT_NEWSLETTERS[3]
    lines = textwrap.fill(para, 60).splitlines()
    lines += ["* Weekly briefing", "## What readers get", "1. A digest every Friday"]
    groups = paragraphs(lines)
    assert groups is not None
    assert groups[-3:] == [[len(lines) - 3], [len(lines) - 2], [len(lines) - 1]]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_article_about_newsletters_wrapped_at_any_width_comes_out_untouched(
    width: int,
) -> None:
    text = wrapped(ARTICLE_ABOUT_NEWSLETTERS, width)
    assert cut(text).text == text


@pytest.mark.parametrize("width", [60, 66, 72, 78])
def test_read_line_by_line_the_wrapped_article_was_damaged(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the test above is not vacuous: a quotation broken across lines, or a sentence's
    # second half, looked like a call to action on a line of its own
    monkeypatch.setattr(detector_module, "paragraphs", lambda lines: None)
    text = wrapped(ARTICLE_ABOUT_NEWSLETTERS, width)
    assert Detector().cut(text).text != text


INLINE_BOX = (
    "Sign up for the Ashby Briefing to get the week's stories from the valley delivered"
    " to your inbox every Friday morning, free."
)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("accelerate", [True, False])
def test_a_wrapped_newsletter_box_is_cut_with_every_one_of_its_lines(
    width: int, accelerate: bool
) -> None:
    paras = ARTICLE_ABOUT_NEWSLETTERS[:2] + [INLINE_BOX] + ARTICLE_ABOUT_NEWSLETTERS[3:]
    text = wrapped(paras, width)
    result = Detector(accelerate=accelerate).cut(text)
    assert result.text == wrapped(ARTICLE_ABOUT_NEWSLETTERS[:2] + paras[3:], width)
    assert result.position == "inline" and len(result.cuts) == 1
    box = textwrap.fill(INLINE_BOX, width).splitlines()
    first = text.splitlines().index(box[0]) + 1
    assert (result.cuts[0].start, result.cuts[0].end) == (first, first + len(box) - 1)


def test_explain_shows_which_line_a_wrapped_line_continues() -> None:
    text = wrapped(ARTICLE_ABOUT_NEWSLETTERS[:2] + [INLINE_BOX], 60)
    reports = cut(text, explain=True).line_reports
    box_start = next(r for r in reports if r.text.startswith("Sign up for the Ashby"))
    after = [r for r in reports if r.number > box_start.number]
    assert after and all(f"continues line {box_start.number}" in r.notes for r in after)
    assert {r.decision for r in [box_start, *after]} == {"cut"}


@pytest.mark.parametrize("width", [66, 78])
def test_the_tuning_set_wrapped_scores_as_the_tuning_set(
    tuning_cases: list[dict], width: int
) -> None:
    def wrap_case(case: dict) -> dict:
        lines = []
        for label, text in case["lines"]:
            lines += [[label, part] for part in textwrap.wrap(text, width) or [text]]
            lines.append(["O", ""])  # paragraphs apart, as wrappers write them
        return {**case, "lines": lines[:-1]}

    plain = score(tuning_cases, cut).figures()
    hard = score([wrap_case(c) for c in tuning_cases], cut).figures()
    assert hard["negatives_intact"] == plain["negatives_intact"]
    assert hard["E_retention"] >= plain["E_retention"] - 0.001
    assert hard["perfect_docs"] >= plain["perfect_docs"] - 0.02
    assert hard["B_recall"] >= plain["B_recall"] - 0.01


def test_cutting_a_wrapped_document_twice_changes_nothing_the_second_time(
    tuning_cases: list[dict],
) -> None:
    for case in tuning_cases:
        text = wrapped([t for _, t in case["lines"]], 72)
        once = cut(text).text
        assert cut(once).text == once, case["id"]


SHORT_WRAPPED = """The city council voted on Tuesday to raise water rates by
nine percent, a decision the mayor defended as overdue.
Subscribers only

To keep reading, log in or subscribe to the Courier for just
$1 a week. Your subscription supports local journalism and
gives you unlimited access to every story on our website.
"""


def test_a_line_that_reads_differently_once_the_pitch_is_cut_is_cut_in_the_same_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read whole, the text is wrapped and "Subscribers only" continues the article's
    paragraph (the next word would not have fitted), so it shares the paragraph's "keep".
    Without the pitch, two lines are too few to tell wrapping and it stands alone as a
    prompt. The detector reads its kept lines again (Detector._settle), so the first run
    cuts it and a second run changes nothing."""
    article = SHORT_WRAPPED.split("Subscribers")[0]
    monkeypatch.setattr(detector_module, "SETTLE_ROUNDS", 0)
    unsettled = cut(SHORT_WRAPPED).text
    assert unsettled == article + "Subscribers only\n"
    assert cut(unsettled).text == article  # what the second run used to cut
    monkeypatch.undo()
    result = Detector().cut(SHORT_WRAPPED, explain=True)
    assert result.text == article
    assert cut(result.text).text == result.text
    note = "cut when the kept text was read again"
    assert [r.number for r in result.line_reports if note in r.notes] == [3]
    assert [(c.start, c.end) for c in result.cuts] == [(3, 7)]


def test_joined_cjk_lines_get_no_space_between_them() -> None:
    lines = ["続きは有料会員登録で", "お読みいただけます。", "Read on", "after this."]
    assert join(lines, [0, 1]) == "続きは有料会員登録でお読みいただけます。"
    assert join(lines, [2, 3]) == "Read on after this."
    assert join(lines, [1, 2]) == "お読みいただけます。 Read on"
