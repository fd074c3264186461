"""Properties that hold for every input (hypothesis), and the prompt-insertion rate.

What must be true whatever text arrives:

- the kept lines are a subsequence of the input lines, byte for byte (BOM, line endings and
  all), and ``Result.keep`` says which;
- cutting twice equals cutting once;
- ``cut`` never raises on any ``str``; ``formats.process`` (what ``clean``, ``check`` and
  ``cut`` run on a file's bytes) raises nothing but ``InputError`` on any bytes;
- the two prefilter scanners (hyperscan and pure Python) give identical results, also on
  text full of invisible characters and look-alike letters;
- a prompt inserted into a fixture article at a random place is found and the article
  around it kept (a measured rate, with a floor).

Documents come from several strategies: random text of every Unicode category (lone
surrogates included), lines drawn from article sentences, prompts and noise, and the fixture
documents with random edits, all joined with random line endings (LF, CRLF, CR, mixed), with
or without a BOM and a final newline.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from paywall_cut import Detector, cut
from paywall_cut.document import Document
from paywall_cut.files import InputError
from paywall_cut.formats import process

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = [
    json.loads(line)
    for path in sorted((FIXTURES / "cases").glob("*.jsonl"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
FIXTURE_LINES = [text for case in CASES for _, text in case["lines"]]
ARTICLES = [
    [t for label, t in case["lines"] if label == "E"]
    for case in CASES
    if sum(label == "E" for label, _ in case["lines"]) >= 4
]

# Prompt blocks composed for these tests: newsletter boxes, meter and paywall notices,
# appeals, and one-line tails.
PROMPTS: list[list[str]] = [
    ["Subscribe to continue reading."],
    ["Already a subscriber? Log in to continue reading."],
    [
        "Get the Morning Briefing",
        "Sign up for our free newsletter and get the day's top stories delivered to your inbox.",
        "Enter your email address",
        "Sign up",
    ],
    [
        "You have reached your limit of free articles this month.",
        "Subscribe now for unlimited access to all our journalism.",
        "Already a subscriber? Sign in",
    ],
    [
        "This article is for subscribers only.",
        "Subscribe for just $1 a week. Cancel anytime.",
        "Already have an account? Log in",
    ],
    [
        "Support independent journalism",
        "Become a member today and get unlimited access for just $5 a month.",
        "Join now",
    ],
    [
        "Get the weekly roundup",
        "Subscribe to our weekly newsletter.",
        "Your email address",
        "Subscribe",
        "No spam. Unsubscribe at any time.",
    ],
    [
        "Keep reading for free!",
        "Get instant access to the rest of this article by submitting your email address below.",
        "Or, subscribe now to get full access.",
        "Already a subscriber? Log in here.",
    ],
]
# measured rate of the insertion property (see test_inserted_prompts_are_found), and the
# floor asserted: the measured figure minus a margin for rule changes elsewhere
INSERTION_FLOOR = 0.90  # measured: 0.950 (285/300 draws, the seed below)

ENDINGS = ["\n", "\r\n", "\r"]
FAST = Detector(accelerate=True)
SLOW = Detector(accelerate=False)

# -- strategies -----------------------------------------------------------------------------

any_char = st.characters(exclude_categories=())  # every category, lone surrogates too
disguise = st.sampled_from(
    list("\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202e\u2066\u2069")
    + list("аеорсуіΑΕΟΡνοΤＳｕ")  # look-alike letters (Cyrillic, Greek, fullwidth)
)
noise_line = st.text(any_char, max_size=40)
sentence = st.sampled_from(FIXTURE_LINES)
prompt_line = st.sampled_from([line for block in PROMPTS for line in block])


@st.composite
def disguised(draw: st.DrawFn, line_strategy: st.SearchStrategy[str]) -> str:
    """A line with invisible characters or look-alike letters put inside its words."""
    line = draw(line_strategy)
    chars = list(line)
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(0, len(chars))), draw(disguise))
    return "".join(chars)


line_of_text = st.one_of(
    sentence,
    prompt_line,
    noise_line,
    disguised(sentence),
    disguised(prompt_line),
    st.just(""),
    st.just("   "),
)


@st.composite
def joined(draw: st.DrawFn, lines: list[str]) -> str:
    """Lines joined with random endings (one style or mixed), maybe a BOM, maybe no final
    newline."""
    style = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    parts = []
    for line in lines:
        ending = draw(st.sampled_from(ENDINGS)) if style == "mixed" else style
        parts.append(line + ending)
    text = "".join(parts)
    if text and draw(st.booleans()):
        text = text.rstrip("\r\n")
    if draw(st.integers(0, 4)) == 0:
        text = "\ufeff" + text
    return text


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A document from one of the strategies above."""
    kind = draw(st.sampled_from(["random", "lines", "fixture"]))
    if kind == "random":
        return draw(st.text(any_char, max_size=300))
    if kind == "lines":
        return draw(joined(draw(st.lists(line_of_text, max_size=30))))
    case = draw(st.sampled_from(CASES))
    lines = [t for _, t in case["lines"]]
    for _ in range(draw(st.integers(0, 5))):
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "blank"]))
        k = draw(st.integers(0, max(0, len(lines) - 1)))
        if edit == "delete" and lines:
            del lines[k]
        elif edit == "duplicate" and lines:
            lines.insert(k, lines[k])
        elif edit == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], lines[k]
        elif edit == "insert":
            lines.insert(k, draw(line_of_text))
        else:
            lines.insert(k, "")
    return draw(joined(lines))


def units(text: str) -> tuple[str, list[str]]:
    """(BOM, lines with their own endings): an independent splitter on LF, CRLF and CR."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    out, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" or ch == "\r":
            end = i + 2 if ch == "\r" and i + 1 < n and text[i + 1] == "\n" else i + 1
            out.append(text[start:end])
            start = i = end
            continue
        i += 1
    if start < n:
        out.append(text[start:])
    return bom, out


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- properties -----------------------------------------------------------------------------


@PROPERTY
@given(documents())
@example("Article.\r\nSubscribe to continue reading.\r")
@example("\ufeffA\rSubscribe to continue reading.")
@example("\ud800 Subscribe to continue reading.\n")
def test_kept_lines_are_a_byte_exact_subsequence(text: str) -> None:
    result = cut(text)
    doc = Document.from_text(text)
    bom, lines = units(text)
    assert doc.bom == bom and [a + b for a, b in zip(doc.lines, doc.endings)] == lines
    assert len(result.keep) == len(lines) == result.lines_total
    kept = bom + "".join(line for line, k in zip(lines, result.keep) if k)
    assert result.text == kept
    assert result.lines_kept == sum(result.keep)
    assert result.chars_total == len(text) - len(bom)
    if not result.changed:
        assert result.text == text and all(result.keep)


@PROPERTY
@given(documents())
def test_cutting_twice_equals_cutting_once(text: str) -> None:
    once = cut(text).text
    assert cut(once).text == once


@settings(max_examples=300, deadline=None)
@given(st.text(any_char, max_size=500))
def test_cut_never_raises_on_any_str(text: str) -> None:
    result = cut(text, explain=True)
    result.to_dict()
    assert len(result.line_reports) == result.lines_total


@PROPERTY
@given(documents())
def test_both_scanners_give_the_same_result(text: str) -> None:
    a, b = FAST.cut(text), SLOW.cut(text)
    assert a.keep == b.keep and a.to_dict() == b.to_dict()


# -- clean on any bytes ---------------------------------------------------------------------


@st.composite
def file_bytes(draw: st.DrawFn) -> tuple[bytes, str]:
    """Bytes a scraper could hand over, and a file name."""
    kind = draw(st.sampled_from(["raw", "text", "jsonl", "html", "gzip"]))
    if kind == "raw":
        data = draw(st.binary(max_size=400))
    elif kind == "text":
        text = draw(documents())
        codec = draw(st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
        data = text.encode(codec, "replace")
    elif kind == "jsonl":
        records = draw(
            st.lists(
                st.one_of(
                    documents().map(lambda t: {"text": t}),
                    st.dictionaries(st.text(max_size=5), st.integers() | st.none(), max_size=3),
                    st.integers(),
                    st.text(max_size=20),
                ),
                max_size=5,
            )
        )
        body = "\n".join(json.dumps(r, ensure_ascii=draw(st.booleans())) for r in records)
        data = body.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=8))
    elif kind == "html":
        lines = draw(st.lists(line_of_text, max_size=12))
        tags = draw(
            st.lists(st.sampled_from(["div", "p", "li", "section", "form", "a"]), min_size=1)
        )
        body = "".join(
            f"<{tags[k % len(tags)]} class='paywall'>{line}" for k, line in enumerate(lines)
        )
        data = f"<!doctype html><html><body>{body}</body></html>".encode("utf-8", "surrogatepass")
        data = data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data
    else:
        data = gzip.compress(draw(st.binary(max_size=200)) + b"Subscribe to continue reading.\n")
        data = data[: draw(st.integers(2, len(data)))]
    name = draw(st.sampled_from(["a.txt", "a.md", "a", "a.jsonl", "a.html", "a.txt.gz", "-"]))
    return data, name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes(), st.sampled_from(["html", "text"]))
@example((b"\x1f\x8b", "a.txt.gz"), "html")
@example((b'\xef\xbb\xbf{"text": "Subscribe to continue reading."}', "a.jsonl"), "text")
@example((b'<html><body><div a"b>Subscribe to continue reading.</div>', "a.html"), "html")
@example((b"<html><body><![DOCTYPE x]><p>Subscribe to continue reading.</p>", "a.html"), "html")
def test_clean_raises_only_input_error_on_any_bytes(sample: tuple[bytes, str], output: str) -> None:
    data, name = sample
    try:
        processed = process(data, name, FAST, output_format=output)
    except InputError:
        return
    assert isinstance(processed.data, bytes)
    if not processed.changed:
        assert processed.data == data


# -- the insertion rate ---------------------------------------------------------------------


def insertion_draws(n: int, seed: int = 20240611) -> list[tuple[list[str], list[str], int, bool]]:
    """(article lines, prompt block, position, with blank lines around) per draw."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        article = rng.choice(ARTICLES)
        out.append((article, rng.choice(PROMPTS), rng.randint(0, len(article)), rng.random() < 0.5))
    return out


def insertion_found(article: list[str], prompt: list[str], at: int, spaced: bool) -> bool:
    """Is every prompt line cut and every article line kept?"""
    lines = (
        article[:at] + ([""] if spaced else []) + prompt + ([""] if spaced else []) + article[at:]
    )
    is_prompt = [False] * at + [False] * spaced + [True] * len(prompt) + [False] * spaced
    is_prompt += [False] * (len(article) - at)
    result = cut("\n".join(lines) + "\n")
    return all(keep != p for keep, p, line in zip(result.keep, is_prompt, lines) if line.strip())


def test_inserted_prompts_are_found() -> None:
    """300 draws: a prompt block inserted at a random line of a fixture article (every
    language) is cut whole and the article around it is kept whole.

    Measured on 300 draws: see INSERTION_FLOOR and docs/hardening.md for the figure.
    """
    draws = insertion_draws(300)
    found = [insertion_found(*d) for d in draws]
    rate = sum(found) / len(found)
    print(f"insertion rate: {rate:.3f} ({sum(found)}/{len(found)})")
    assert rate >= INSERTION_FLOOR


@pytest.mark.parametrize("k", range(len(PROMPTS)))
def test_each_prompt_block_is_found_after_an_article(k: int) -> None:
    """Every prompt block used above is a real prompt: cut when it closes an article."""
    article = ARTICLES[0]
    assert insertion_found(article, PROMPTS[k], len(article), True)
