"""Behaviour of cut() on composed documents: context, safety, byte-exactness."""

from __future__ import annotations

import pytest

from paywall_cut import Detector, Settings, cut, load_rules
from paywall_cut.result import SCHEMA

ARTICLE = [
    "Harbour council approves ferry timetable after long dispute",
    "The harbour council voted on Tuesday to restore the early ferry to the islands, "
    "ending a dispute that had split fishermen, commuters and the operator for most of "
    "the year. The first sailing will leave at 6.10 from the north pier.",
    "Councillor Maren Holt said the decision had taken too long. The operator had argued "
    "that the early crossing lost money in winter, when fewer than twenty passengers used "
    "it on most days, and asked for a subsidy the council did not want to pay.",
    "Under the compromise the council will cover half of any winter loss for two years, "
    "after which the timetable will be reviewed against passenger numbers.",
]

BENEFITS = [
    "  • Regular long reads on the islands and their people.",
    "  • A weekly letter from the editor.",
    "  • Completely ad-free reading.",
]


def doc(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def kept(text: str) -> list[str]:
    return cut(text).text.splitlines()


def test_seed_tail_paywall(seed_text: str) -> None:
    r = cut(seed_text)
    lines = seed_text.splitlines(keepends=True)
    assert r.text == "".join(lines[:11])
    assert r.text.endswith("past few years?\n")
    assert [(c.start, c.end) for c in r.cuts] == [(13, 32)]
    assert r.boundary == 13
    assert r.truncated is True
    assert r.position == "tail"
    d = r.to_dict()
    assert d["schema"] == SCHEMA
    assert d["lines"] == {"total": 32, "kept": 11, "cut": 21}
    assert d["cuts"][0]["rules"] and d["cuts"][0]["categories"]
    assert d["chars"]["kept"] + d["chars"]["cut"] == d["chars"]["total"]


def test_seed_keyword_line_in_article_is_kept(seed_text: str) -> None:
    r = cut(seed_text)
    assert "Despite being a member of the NPT" in r.text


def test_benefit_bullets_cut_inside_pitch_kept_inside_article() -> None:
    pitch = doc(
        *ARTICLE,
        "Subscribe to keep reading.",
        "What you get with a Harbour Times subscription:",
        *BENEFITS,
        "Already a subscriber? Log in",
    )
    assert kept(pitch) == ARTICLE
    article = doc(
        ARTICLE[0],
        "The paper's new owners promised readers three things this week:",
        *BENEFITS,
        *ARTICLE[1:],
    )
    assert cut(article).cuts == ()


def test_inline_newsletter_box_is_cut_and_the_article_goes_on() -> None:
    text = doc(
        *ARTICLE[:2],
        "Sign up for our morning newsletter",
        "The day's island news, delivered to your inbox at 7 a.m.",
        "Enter your email address",
        "Sign up",
        *ARTICLE[2:],
    )
    r = cut(text)
    assert r.text.splitlines() == ARTICLE
    assert len(r.cuts) == 1 and (r.cuts[0].start, r.cuts[0].end) == (3, 6)
    assert r.boundary is None and r.truncated is False and r.position == "inline"
    assert "newsletter" in r.cuts[0].categories


@pytest.mark.parametrize(
    "lines",
    [
        # reporting about subscriptions
        [
            "Streaming service raises prices again",
            "Subscribers to the basic plan will pay $11.99 a month from March, the company "
            "said on Monday, its third increase in two years.",
            "Analysts said the number of paying subscribers rose 4% to 80 million in the "
            "last quarter, helped by a crackdown on password sharing.",
            "“People grumble, but they rarely cancel,” said one analyst.",
        ],
        # a how-to about logging in
        [
            "How to turn on two-step sign-in",
            "Open the settings page and choose Security. Under Sign in, pick two-step "
            "verification and follow the prompts to add your phone.",
            "The next time you log in on a new device you will be asked for a code.",
        ],
        # a column about newsletters, with prompt-like subheadings
        [
            "The newsletter gold rush is over",
            "Five years ago every writer with a following was told to start a newsletter. "
            "Many did, and a few made a living from paid subscriptions.",
            "Why readers subscribe",
            "Readers told us they subscribe for a voice, not for news they can find "
            "anywhere. “I pay for the person,” one said.",
            "Most writers we spoke to said fewer than 5% of free readers ever upgrade.",
        ],
    ],
)
def test_articles_about_subscriptions_are_untouched(lines: list[str]) -> None:
    text = doc(*lines)
    r = cut(text)
    assert r.cuts == () and r.text == text


def test_line_endings_bom_and_final_newline_survive() -> None:
    lines = [*ARTICLE, "Subscribe now", "Already a subscriber? Sign in"]
    crlf = "\ufeff" + "\r\n".join(lines)  # no final newline
    r = cut(crlf)
    assert r.text == "\ufeff" + "\r\n".join(ARTICLE) + "\r\n"
    assert r.text.count("\r\n") == len(ARTICLE) and "\n\n" not in r.text


def test_cutting_twice_equals_cutting_once(seed_text: str) -> None:
    once = cut(seed_text).text
    assert cut(once).text == once
    assert cut(once).cuts == ()


def test_blank_lines_close_up_around_an_inline_cut() -> None:
    one, two = ARTICLE[1], ARTICLE[2]
    text = f"{one}\n\nSubscribe\n\n{two}\n"
    assert cut(text).text == f"{one}\n\n{two}\n"


def test_max_cut_ceiling_keeps_the_document(seed_text: str) -> None:
    detector = Detector(settings=Settings(max_cut=0.1))
    r = detector.cut(seed_text)
    assert r.text == seed_text and r.cuts == ()
    assert "ceiling" in r.to_dict()["ceiling"]


def test_keep_patterns_protect_lines() -> None:
    text = doc(*ARTICLE, "Subscribe to the Harbour Times")
    assert cut(text).changed
    detector = Detector(settings=Settings(keep_patterns=("Harbour Times",)))
    assert not detector.cut(text).changed


def test_explain_reports_every_line(seed_text: str) -> None:
    r = cut(seed_text, explain=True)
    assert len(r.line_reports) == 32
    line13 = r.line_reports[12]
    assert line13.decision == "cut" and line13.hits
    assert r.line_reports[8].decision == "keep" and not r.line_reports[8].hits


def test_a_kept_line_is_never_taken_as_a_box_heading(seed_text: str) -> None:
    detector = Detector(settings=Settings(keep_patterns=("Keep reading for free",)))
    r = detector.cut(seed_text)
    assert "Keep reading for free!" in r.text
    assert "Already a subscriber" not in r.text


def test_a_line_introducing_what_follows_is_not_taken_as_a_box_heading() -> None:
    """A short line that speaks to the reader but ends with a colon introduces the text
    after it: it stays with the article even when a prompt follows."""
    text = (
        "The council approved the new bus timetable on Tuesday after a two-hour debate, and "
        "the first changes take effect in the spring, officials said.\n"
        "\n"
        "Here is what you need to know before you travel:\n"
        "\n"
        "Subscribe to continue reading.\n"
        "Already a subscriber? Log in\n"
    )
    result = cut(text)
    assert "Here is what you need to know before you travel:\n" in result.text
    assert "Subscribe to continue reading." not in result.text


def test_shape_words_are_read_in_the_languages_whose_rules_fired() -> None:
    """Each pack's shape words apply where its rules fired: a Norwegian reporting verb
    ("sa", said) is no counter-evidence on an English prompt line, and an English line
    gets no second-person bonus from a German "Sie"."""
    from paywall_cut.evidence import EvidenceReader, LineEvidence

    rules = load_rules()
    assert "Sie" in rules.shape_for(["de"]).second_person
    assert "Sie" not in rules.shape_for(["en"]).second_person
    assert rules.shape_for([]) == rules.shape  # no language known: every pack's words
    reader = EvidenceReader(rules)
    english, norwegian = reader.lexicon(["en"]), reader.lexicon(["nb"])
    assert reader.lexicon([]) is reader.default
    line = "Subscribe now, sa the editor."
    on_english, on_norwegian = LineEvidence(0, len(line)), LineEvidence(0, len(line))
    reader.counter_of(line, on_english, english)
    reader.counter_of(line, on_norwegian, norwegian)
    assert on_english.counter == 0 and on_norwegian.counter > 0


def test_a_closing_newsletter_box_says_nothing_about_truncation() -> None:
    """An article whose last kept line reads unfinished is reported truncated when a
    paywall closes it, not when the closing box only sells a newsletter."""
    article = (
        "The harbour authority confirmed on Monday that the dredging contract had been "
        "awarded to a consortium of three regional firms after a two-year tender.\n"
        "\n"
        "Work on the eastern basin is due to start in March and, according to the plans "
        "filed with the council, the first phase will cover the ferry berths and\n"
        "\n"
    )
    newsletter = "Sign up for our daily newsletter\nGet the morning briefing in your inbox.\n"
    paywall = "Subscribe to continue reading.\nAlready a subscriber? Log in\n"
    boxed, walled = cut(article + newsletter), cut(article + paywall)
    assert boxed.cuts and walled.cuts
    assert not boxed.truncated
    assert walled.truncated
