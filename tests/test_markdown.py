"""Markdown from scrapers: prompts wrapped in links and emphasis are read by their words."""

from __future__ import annotations

import pytest

from paywall_cut import Detector, Settings, cut
from paywall_cut import detector as detector_module
from paywall_cut.markdown import visible, visible_lines


@pytest.mark.parametrize(
    ("line", "seen"),
    [
        ("[Subscribe now](https://example.com/subscribe?src=wall)", "Subscribe now"),
        (
            'Already a member? [Sign in](https://example.com/login "Sign in")',
            "Already a member? Sign in",
        ),
        ("[**Join today**](https://example.com/join) and save", "Join today and save"),
        ("[![Give](https://example.com/badge.svg)](https://example.com/give)", "Give"),
        (
            "[the 2019 survey](https://en.example.org/wiki/Survey_(2019)) found",
            "the 2019 survey found",
        ),
        ("read [our guide][3] first", "read our guide first"),
        ("**Subscribe** to _keep_ reading", "Subscribe to keep reading"),
        ("a __strong__ and *light* word", "a strong and light word"),
        ("[Donate](<https://example.com/give now>)", "Donate"),
    ],
)
def test_links_images_and_emphasis_read_as_their_words(line: str, seen: str) -> None:
    assert visible(line) == seen


@pytest.mark.parametrize(
    "line",
    [
        "snake_case_names and 2*3*4 stay",
        "* a bullet point",
        "- another bullet, with a * star",
        "![](https://example.com/spacer.gif)",  # no words to read: the raw line stays
        "prices [in euros] (before tax)",
        "",
    ],
)
def test_lines_without_inline_markup_are_unchanged(line: str) -> None:
    assert visible(line) == line


def test_a_document_without_markup_is_not_copied() -> None:
    lines = ["A plain line.", "Another one, with [brackets] only."]
    assert visible_lines(lines) is lines


ARTICLE = [
    "# The harbour that learned to float",
    "",
    "*By Ines Marlow, 12 March*",
    "",
    "When the storm surge of 2021 flooded the old quay for the third time in a decade, the"
    " harbour board stopped raising walls and started building pontoons that rise with the"
    " water. Two winters later, the fishing fleet has not lost a working day to high tides.",
    "",
    "The pontoons were designed by a small [engineering cooperative](https://example.org/coop)"
    " that had until then built floating homes on the river. Its founder says the hardest part"
    " was persuading insurers that a structure meant to move could be safer than one that"
    " could not.",
    "",
]
ENDING = [
    "Residents were sceptical at first. The board held open evenings on the pontoons"
    " themselves, and attendance grew each month as people saw the boats ride out a spring"
    " tide that would once have closed the market.",
    "",
    "The next phase, a floating fish market, is due to open in the autumn.",
]
NEWSLETTER_BOX = [
    "**Sign up for The Coastal Brief**",
    "",
    "Tide tables, harbour news and the week's catch, every Friday.",
    "",
    "[Subscribe](https://example.org/newsletter?src=inline)",
    "",
]
TAIL_WALL = [
    "",
    "**You've reached your limit of free stories.**",
    "",
    "[Subscribe now](https://example.org/subscribe?src=meter)",
    "",
    "Already a subscriber? [Log in](https://example.org/login)",
    "",
]


def _labelled(*parts: tuple[str, list[str]]) -> tuple[str, list[bool]]:
    lines, is_prompt = [], []
    for label, block in parts:
        lines += block
        is_prompt += [label == "B" and bool(line.strip()) for line in block]
    return "\n".join(lines) + "\n", is_prompt


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("inline box of links", (("E", ARTICLE), ("B", NEWSLETTER_BOX), ("E", ENDING))),
        ("tail wall of links", (("E", ARTICLE), ("E", ENDING), ("B", TAIL_WALL))),
    ],
)
@pytest.mark.parametrize("accelerate", [True, False])
def test_prompts_in_markdown_links_are_cut_and_the_article_is_kept(
    name: str, parts: tuple[tuple[str, list[str]], ...], accelerate: bool
) -> None:
    text, is_prompt = _labelled(*parts)
    result = Detector(accelerate=accelerate).cut(text)
    kept = result.text.split("\n")
    for line, prompt in zip(text.split("\n"), is_prompt):
        if prompt:
            assert line not in kept, f"{name}: prompt line kept: {line!r}"
        elif line.strip():
            assert line in kept, f"{name}: editorial line cut: {line!r}"


def test_without_reading_markdown_the_link_prompts_were_missed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the check above is not vacuous: with the raw lines, the inline box stays
    monkeypatch.setattr(detector_module, "visible_lines", lambda lines, joined=None: lines)
    text, _ = _labelled(("E", ARTICLE), ("B", NEWSLETTER_BOX), ("E", ENDING))
    assert "[Subscribe](https://example.org/newsletter?src=inline)" in cut(text).text


def test_an_article_about_newsletters_in_markdown_comes_out_untouched() -> None:
    text = "\n".join(
        [
            "## Why every small museum now has a newsletter",
            "",
            "Five years ago, the county's museums reached visitors through posters and a"
            " shared events page. Today almost all of them run an e-mail list, and the"
            " curators we spoke to say **sign-up rates** doubled once they stopped asking"
            " for a postcode.",
            "",
            "The [regional heritage trust](https://example.org/trust) publishes a short guide"
            " on writing one. Its advice: *subscribe to three others first* and read them for"
            " a month before you send your own.",
            "",
            '- "Our subscribers open it on Sunday mornings," says one curator.',
            "- Another museum lets readers [log in](https://example.org/archive) to an archive"
            " of past issues, free of charge.",
            "",
            "None of the museums charges for its newsletter.",
        ]
    )
    result = cut(text + "\n")
    assert not result.cuts and result.text == text + "\n"


def test_keep_patterns_see_the_line_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    text, _ = _labelled(("E", ARTICLE), ("E", ENDING), ("B", TAIL_WALL))
    keep = r"^\[Subscribe now\]\("  # matches the raw Markdown, not the words alone
    result = Detector(settings=Settings(keep_patterns=(keep,))).cut(text)
    assert "[Subscribe now](https://example.org/subscribe?src=meter)" in result.text
    assert "Already a subscriber? [Log in](https://example.org/login)" not in result.text
