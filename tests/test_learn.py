"""`paywall-cut learn` and `clean --learn`: a site's own pitch, learned from a corpus."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paywall_cut import Detector, load_rules
from paywall_cut.cli import cli
from paywall_cut.evaluate import case_text, score
from paywall_cut.learn import (
    LineCounter,
    furniture_kind,
    line_pattern,
    normalise,
)
from paywall_cut.rules import load_file, parse_pack

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("learn_eval", ROOT / "benchmarks" / "learn_eval.py")
learn_eval = importlib.util.module_from_spec(_spec)
sys.modules["learn_eval"] = learn_eval
_spec.loader.exec_module(learn_eval)

SOURCES, DOCS = 8, 60


def run(*args: str):
    return CliRunner().invoke(cli, ["--isolated", *args])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    """8 sites x 60 documents as JSONL shards (a `domain` field per record)."""
    folder = tmp_path_factory.mktemp("corpus")
    cases = learn_eval.make_corpus(folder / "jsonl", SOURCES, DOCS, seed=3, negatives=0.05)
    return folder / "jsonl", cases


@pytest.fixture(scope="module")
def learned(corpus, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("learned")
    rules, report = out / "site-rules.toml", out / "report.json"
    result = run(
        "learn", str(corpus[0]), "--source-key", "domain", "-o", str(rules),
        "--report", str(report), "-j", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"from {SOURCES * DOCS} documents in {SOURCES} sources" in result.output
    return rules, json.loads(report.read_text(encoding="utf-8"))


# -- normalising and patterns ---------------------------------------------------------------


def test_normalise_folds_case_digits_punctuation_and_spaces() -> None:
    assert normalise("  Join 12,400 readers —  today!  ") == "join 0 readers today"
    assert normalise("From £1.50 a week, 3 months") == "from 0 a week 0 months"
    assert normalise("Don’t miss OUT") == normalise("don't miss out") == "don t miss out"
    assert normalise("* * *") == ""


def test_a_learned_pattern_matches_the_line_in_every_form_and_only_the_whole_line() -> None:
    rule = parse_pack(
        {
            "lang": "site",
            "rules": [
                {
                    "id": "LRN001",
                    "category": "subscribe-cta",
                    "weight": 3.5,
                    "whole_line": True,
                    "description": "test",
                    "patterns": [line_pattern(normalise("Join 12,400 neighbours: fund us!"))],
                    "examples": {"positive": ["x"], "negative": ["y"]},
                }
            ],
        },
        "test",
    ).rules[0]
    assert rule.triggers == ("neighbours",)
    for line in (
        "Join 12,400 neighbours: fund us!",
        "JOIN 9,001 NEIGHBOURS - FUND US",
        "• join 3 neighbours, fund us",
    ):
        assert rule.fires(line), line
    assert not rule.fires("Why 3 neighbours decided to join 12,400 neighbours: fund us")
    assert not rule.fires("Join 12,400 neighbours: fund us, the council said on Monday.")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Reporting by Ama Owusu; editing by Tom Reilly", "credit"),
        ("Additional reporting by Ledger staff.", "credit"),
        ("Published 4 May 2024", "dateline"),
        ("Updated 18:42, 3 March", "dateline"),
        ("© 2024 The Ledger. All rights reserved.", "copyright"),
        ("Share this story: Facebook | X | Email", "share row"),
        ("Advertisement", "navigation"),
        ("By Jane Doe, Technology Reporter", "credit"),
        ("LONDON (Reuters) -", "dateline"),
        ("Read more: Why the council voted", "navigation"),
        ("Home", "navigation"),
        ("Join 12,400 neighbours who fund the Ledger.", None),
        ("Buy a share from £20 and have your say", None),
        ("Home delivery every Thursday, crossword included.", None),
        ("By signing up you agree to our terms", None),
        ("Read more with a subscription", None),
    ],
)
def test_furniture_kinds(line: str, kind: str | None) -> None:
    assert furniture_kind(line, head_share=0.0) == kind


def test_a_date_makes_furniture_only_of_a_line_that_does_not_speak() -> None:
    assert furniture_kind("Offer ends 31 March", head_share=0.0) == "dateline"
    assert furniture_kind("Offer ends 31 March: grab it", head_share=0.0, speaks=True) is None


def test_a_short_line_in_the_head_is_a_section_name() -> None:
    assert furniture_kind("Culture", head_share=0.9) == "section"
    assert furniture_kind("Culture", head_share=0.1) is None


# -- bounded memory -------------------------------------------------------------------------


def test_the_counter_stays_within_its_table_and_keeps_recurring_lines() -> None:
    counter = LineCounter(width=1 << 16, capacity=500, min_df=5)
    rng = random.Random(1)
    for d in range(3000):
        source = f"site-{d % 3}"
        lines = [(0, f"pitch of {source}", f"Pitch of {source}", 0, "")]
        lines += [(k, f"unique {d} {k} {rng.random()}", "x", 0, "") for k in range(1, 20)]
        counter.add(source, f"doc-{d}", lines)
        assert len(counter.table) <= 500
    found = {c.norm: c.df for c in counter.candidates(min_df=100, min_share=0.5)}
    assert found == {"pitch of site-0": 1000, "pitch of site-1": 1000, "pitch of site-2": 1000}
    assert counter.dropped > 0  # the flood of unique lines went through the table
    assert counter.memory()["sketch_bytes"] == 4 * (1 << 16) * 4  # fixed, whatever the input


def test_counts_are_never_below_the_truth_even_when_the_sketch_collides() -> None:
    counter = LineCounter(width=1 << 4, capacity=50, min_df=2)  # 16 counters a row: collides
    truth: dict[str, int] = {}
    rng = random.Random(2)
    for d in range(400):
        chosen = {f"line {rng.randrange(30)}" for _ in range(5)}
        for norm in chosen:
            truth[norm] = truth.get(norm, 0) + 1
        counter.add("s", f"d{d}", [(k, n, n, 0, "") for k, n in enumerate(sorted(chosen))])
    for c in counter.table.values():
        assert c.df >= truth[c.norm]


def test_a_republished_article_is_counted_once() -> None:
    counter = LineCounter(width=1 << 16, capacity=500, min_df=5)
    line = (0, "if you find it too bitter add soda", "If you find it too bitter, add soda.", 0, "")
    for d in range(40):
        counter.add("s", f"d{d}", [line], article=12345)  # the same article, 40 times
    counter.add("s", "other", [line], article=999)
    assert counter.sources["s"].docs == 2 and counter.repeats == 39
    assert counter.candidates(min_df=5, min_share=0.0) == []
    for d in range(40):  # documents without a paragraph have no article key: all count
        counter.add("t", f"t{d}", [line])
    assert [c.df for c in counter.candidates(min_df=5, min_share=0.0)] == [40]


# -- learning on a generated corpus -----------------------------------------------------------


def test_learned_rules_validate_and_name_their_evidence(learned) -> None:
    rules, report = learned
    result = run("rules", "--check", str(rules))
    assert result.exit_code == 0, result.output
    assert "all pass" in result.output
    ruleset = load_file(rules)
    assert ruleset.langs == ("site",)
    assert [r.id for r in ruleset.rules] == [
        f"LRN{i:03d}" for i in range(1, len(ruleset.rules) + 1)
    ]
    for rule in ruleset.rules:
        assert rule.whole_line and rule.weight >= 3.5
        assert re.search(r": \d+ of \d+ documents \(\d+%\), e\.g\. ", rule.description)
    assert report["documents"] == SOURCES * DOCS and report["sources"] == SOURCES


def test_every_pitch_is_learned_and_no_furniture_is(corpus, learned) -> None:
    rules, report = learned
    _, cases = corpus
    ruleset = load_file(rules)
    pitch = {
        t for c in cases for label, t in c["lines"] if label == "B" and t != learn_eval.GENERIC
    }
    furniture = {t for c in cases for label, t in c["lines"] if label in ("E", "O") and len(t) < 80}
    recurring_furniture = [f["line"] for f in report["findings"] if f["kind"] == "furniture"]
    assert recurring_furniture  # datelines, credits, share rows ... were seen and listed
    for line in furniture:
        assert not any(r.fires(line) for r in ruleset.rules), line
    for line in pitch:
        if normalise(line) == "i m in":  # no word of three letters: left to context
            continue
        assert any(r.fires(line) for r in ruleset.rules), line
    text = rules.read_text(encoding="utf-8")
    assert "# ---- Recurring lines not learned (editorial furniture)" in text
    assert "# [credit] " in text and "# [copyright] " in text and "# [share row] " in text


def test_learned_rules_raise_recall_and_keep_the_articles(corpus, learned) -> None:
    _, cases = corpus
    rules, _ = learned
    before = score(cases, Detector(load_rules()).cut).figures()
    after = score(cases, Detector(load_rules().plus(load_file(rules))).cut).figures()
    assert before["B_recall"] < 0.2
    assert after["B_recall"] >= 0.95
    assert after["E_retention"] >= 0.998


def test_learned_rules_change_nothing_on_the_labelled_fixtures(learned, tuning_cases) -> None:
    rules, _ = learned
    plain = Detector(load_rules())
    with_learned = Detector(load_rules().plus(load_file(rules)))
    for case in tuning_cases:
        assert with_learned.cut(case_text(case)).keep == plain.cut(case_text(case)).keep


def test_one_process_and_two_learn_the_same_rules(corpus, learned, tmp_path) -> None:
    rules, _ = learned
    one = tmp_path / "one.toml"
    result = run("learn", str(corpus[0]), "--source-key", "domain", "-o", str(one), "-j", "1")
    assert result.exit_code == 0, result.output
    assert one.read_text(encoding="utf-8") == rules.read_text(encoding="utf-8")


# -- folders, clean --learn, errors ----------------------------------------------------------


@pytest.fixture(scope="module")
def folders(corpus, tmp_path_factory) -> Path:
    """The first 4 sites of the corpus as text files, one folder per site (nested)."""
    _, cases = corpus
    root = tmp_path_factory.mktemp("scraped")
    sites = sorted({c["domain"] for c in cases})[:4]
    for c in cases:
        if c["domain"] in sites:
            site = c["domain"].removeprefix("www.").removesuffix(".example")
            path = root / site / "2024" / f"{c['id']}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(case_text(c), encoding="utf-8")
    return root


def test_folders_are_sources(folders, tmp_path) -> None:
    out = tmp_path / "rules.toml"
    result = run("learn", str(folders), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "in 4 sources" in result.output
    assert len(load_file(out).rules) >= 8
    # with the whole tree as one source, each pitch is in a quarter of the documents
    result = run("learn", str(folders), "-o", str(out), "--source-depth", "0", "--min-share", "0.5")
    assert "in 1 sources" in result.output
    assert load_file(out).rules == ()


def test_clean_learn_learns_then_cleans(folders, tmp_path) -> None:
    kept = tmp_path / "learned.toml"
    out = tmp_path / "clean"
    result = run("clean", str(folders), "--out", str(out), "--learn", "--learn-rules", str(kept))
    assert result.exit_code == 0, result.output
    assert "learned " in result.output and str(kept) in result.output
    site_rules = load_file(kept)
    assert site_rules.rules
    cleaned = list(out.rglob("*.txt"))
    assert len(cleaned) == 4 * DOCS
    for path in cleaned:
        text = path.read_text(encoding="utf-8")
        assert not any(r.fires(line) for r in site_rules.rules for line in text.splitlines())
    plain = tmp_path / "plain"
    assert run("clean", str(folders), "--out", str(plain)).exit_code == 0
    changed = sum(
        (plain / p.relative_to(out)).read_text(encoding="utf-8") != p.read_text(encoding="utf-8")
        for p in cleaned
    )
    assert changed > 3 * DOCS  # most documents lost a pitch the built-in rules miss


def test_learn_options_need_learn(folders, tmp_path) -> None:
    result = run("clean", str(folders), "--dry-run", "--learn-rules", str(tmp_path / "x.toml"))
    assert result.exit_code == 2
    assert "go with --learn" in result.output


def test_learn_errors(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("learn", str(tmp_path / "empty"), "-o", str(tmp_path / "r.toml"))
    assert result.exit_code == 2 and "no documents found" in result.output
    result = run("learn", str(tmp_path / "missing"), "-o", str(tmp_path / "r.toml"))
    assert result.exit_code == 2 and "no such file or folder" in result.output
    result = run("learn", str(tmp_path), "-o", "-", "--prefix", "lrn")
    assert result.exit_code == 2 and "--prefix" in result.output


def test_html_pages_and_gzip_records_are_read(corpus, tmp_path) -> None:
    """A folder of HTML pages is one source, a .jsonl.gz file of records another."""
    import gzip
    import html

    _, cases = corpus
    sites = sorted({c["domain"] for c in cases})[:2]
    pages = tmp_path / "in" / "pages"
    pages.mkdir(parents=True)
    records = []
    for c in cases:
        if c["domain"] == sites[0]:
            body = "".join(f"<p>{html.escape(t)}</p>\n" for _, t in c["lines"])
            (pages / f"{c['id']}.html").write_text(
                f"<!doctype html><html><body><article>\n{body}</article></body></html>\n",
                encoding="utf-8",
            )
        elif c["domain"] == sites[1]:
            records.append(json.dumps({"id": c["id"], "text": case_text(c)}))
    with gzip.open(tmp_path / "in" / "records.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(records) + "\n")
    out = tmp_path / "rules.toml"
    result = run(
        "learn", str(tmp_path / "in"), "-o", str(out), "--report", str(tmp_path / "r.json")
    )
    assert result.exit_code == 0, result.output
    assert f"from {2 * DOCS} documents in 2 sources" in result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    learned_from = {f["source"] for f in report["findings"] if f["rule"]}
    assert learned_from == {"pages", "records"}


def test_an_unreadable_input_is_reported_and_the_rules_still_written(folders, tmp_path) -> None:
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(folders, tree)
    site = sorted(p for p in tree.iterdir() if p.is_dir())[0]
    (site / "broken.txt").write_bytes(b"\x00\x01binary\x00" * 100)
    out = tmp_path / "rules.toml"
    result = run("learn", str(tree), "-o", str(out))
    assert result.exit_code == 2
    assert "broken.txt: binary file" in result.output
    assert load_file(out).rules  # learned from everything else
