"""The accelerated scanner (hyperscan) and the pure-Python one give the same decisions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from paywall_cut import Detector
from paywall_cut.evaluate import case_text
from paywall_cut.prefilter import PythonScanner
from paywall_cut.rules import fold, load_rules
from paywall_cut.rules.superset import superset

hyperscan = pytest.importorskip("hyperscan")


@pytest.fixture(scope="module")
def detectors() -> tuple[Detector, Detector]:
    fast = Detector(accelerate=True)
    slow = Detector(accelerate=False)
    assert fast.scanner.name == "hyperscan" and isinstance(slow.scanner, PythonScanner)
    return fast, slow


def texts(cases: list[dict]) -> list[str]:
    rng = random.Random(7)
    out = [case_text(c) for c in cases]
    # the same documents shouted, with CRLF and non-ASCII capitals, and shuffled lines
    for c in cases[::3]:
        lines = [t for _, t in c["lines"]]
        out.append("\r\n".join(t.upper() for t in lines))
        rng.shuffle(lines)
        out.append("\n".join(lines).replace("e", "É"))
    return out


def test_hyperscan_never_misses_a_line_the_pattern_matches(detectors, tuning_cases) -> None:
    fast, _ = detectors
    rules = fast.ruleset.rules
    for text in texts(tuning_cases):
        lines = text.splitlines()
        found = fast.scanner.scan("\n".join(lines))
        for n, line in enumerate(lines):
            folded = fold(line)
            for i, rule in enumerate(rules):
                for k in range(len(rule.parts)):
                    if rule.search(folded, [k]) is not None:
                        assert (i, k) in found.get(n, set()), (rule.id, k, line)


def test_scanners_give_the_same_decisions(detectors, tuning_cases) -> None:
    fast, slow = detectors
    for text in texts(tuning_cases):
        a, b = fast.cut(text), slow.cut(text)
        assert a.keep == b.keep and a.to_dict() == b.to_dict()


@pytest.mark.parametrize(
    "pattern, line",
    [
        (r"\babonn[ée]s?\b", "Réservé aux ABONNÉS."),
        (r"\bsign[ -]?up\b[^.]{0,10}now", "Sign‑up now"),
        (r"\w+ \d+\s+free", "Über ٣ free"),
        (r"(?!x)déjà abonné", "DÉJÀ ABONNÉ ?"),
        (r"read[\W_]+more", "read — more"),
        (r"page[é\D]+2", "page é 2"),
    ],
)
def test_loosened_patterns_match_where_the_originals_do(pattern: str, line: str) -> None:
    import re

    loose = superset(pattern)
    assert loose is not None
    db = hyperscan.Database()
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_MULTILINE
    db.compile(expressions=[loose.encode()], ids=[0], flags=[flags])
    text = fold(line)
    hits: list[int] = []
    db.scan(text.lower().encode(), match_event_handler=lambda *a: hits.append(a[0]))
    assert bool(re.search(pattern, text, re.IGNORECASE)) <= bool(hits)


@pytest.mark.parametrize("pattern", [r"weekly\s+newsletter", r"weekly[\s-]newsletter"])
def test_loosened_space_takes_every_character_python_calls_space(pattern: str) -> None:
    r"""Python's ``\s`` is str.isspace: the ASCII separators \x1c-\x1f and Unicode spaces
    too (a fuzzer found a line the pure-Python scanner cut and hyperscan never offered)."""
    import re

    db = hyperscan.Database()
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8
    db.compile(expressions=[superset(pattern).encode()], ids=[0], flags=[flags])
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() and chr(c) != "\n"]
    assert "\x1c" in spaces and "\u3000" in spaces
    for space in spaces:
        line = f"our weekly{space}newsletter"
        assert re.search(pattern, line)
        hits: list[int] = []
        db.scan(line.encode(), match_event_handler=lambda *a, hits=hits: hits.append(a[0]))
        assert hits == [0], repr(space)


@pytest.mark.parametrize(
    "pattern",
    [
        r"unlock[^.]{0,30}access",
        r"unlock[^!?.]*access",
        r"unlock\W+access",
        r"unlock[\W_]+access",
        r"unlock[é\D]+access",
        r"unlock.*access",
    ],
)
def test_no_loosened_pattern_runs_from_one_line_into_the_next(pattern: str) -> None:
    loose = superset(pattern)
    assert loose is not None
    db = hyperscan.Database()
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8
    db.compile(expressions=[loose.encode()], ids=[0], flags=[flags])
    hits: list[int] = []
    db.scan(b"unlock --\naccess", match_event_handler=lambda *a: hits.append(a[0]))
    assert hits == []
    db.scan(b"unlock -- access", match_event_handler=lambda *a: hits.append(a[0]))
    assert hits == [0]


def test_whole_line_patterns_are_candidates_only_on_lines_they_can_fill(detectors) -> None:
    """A whole-line rule matches all of a line but its decoration, so hyperscan is held to
    the whole line too: the word inside a sentence is no candidate for it."""
    fast, slow = detectors
    rules = fast.ruleset.rules
    wanted = next(
        (i, k)
        for i, rule in enumerate(rules)
        if rule.id == "PC130"
        for k, (regex, _, _) in enumerate(rule.parts)
        if regex.pattern.startswith("(subscribe|")
    )
    assert rules[wanted[0]].whole_line
    lines = [
        "Subscribe",
        "  ► Subscribe now!  ",
        "**Subscribe today →**",
        "Readers who subscribe today get the anniversary issue in the post.",
        "Why I will not subscribe",
    ]
    found = fast.scanner.scan("\n".join(lines))
    assert [n for n in range(len(lines)) if wanted in found.get(n, set())] == [0, 1, 2]
    # the pure-Python scanner finds the trigger word on every line; the rule decides
    assert all(wanted in slow.scanner.scan("\n".join(lines)).get(n, set()) for n in range(5))
    folded = [fold(line) for line in lines]
    assert [bool(rules[wanted[0]].search(f, [wanted[1]])) for f in folded] == [1, 1, 1, 0, 0]


def test_an_unusable_hyperscan_falls_back_to_the_python_scanner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Installed but unable to run here (hyperscan raises ArchitectureError on a processor
    without the instructions it needs): the pure-Python scanner takes over."""
    hyperscan = pytest.importorskip("hyperscan")
    from paywall_cut import prefilter

    def refuse(self: object, ruleset: object) -> None:
        raise hyperscan.ArchitectureError("this processor lacks SSSE3")

    monkeypatch.setattr(prefilter.HyperscanScanner, "__init__", refuse)
    scanner = prefilter.make_scanner(load_rules(["en"]))
    assert isinstance(scanner, prefilter.PythonScanner)


CYRILLIC_RULE = """
lang = "xx"
name = "test"

[[rules]]
id = "XRU001"
category = "paywall-notice"
weight = 3.5
description = "Russian paywall notice."
patterns = ['''\\bдоступ(ен|на|но) только (для )?подписчик(ам|ов)\\b''']
examples.positive = ["Материал доступен только подписчикам"]
examples.negative = ["Газета сообщила о росте числа подписчиков."]
"""


def test_a_pattern_that_needs_cyrillic_is_scanned_only_where_there_is_cyrillic(
    tmp_path: Path,
) -> None:
    """A rule whose trigger words are Cyrillic sits in a database of its own, which a
    document without a Cyrillic letter never scans; where there is one, both scanners
    give the same cut."""
    from paywall_cut import prefilter

    path = tmp_path / "ru.toml"
    path.write_text(CYRILLIC_RULE, encoding="utf-8")
    ruleset = load_rules(["en"], [path])
    fast, slow = Detector(ruleset, accelerate=True), Detector(ruleset, accelerate=False)
    scripts = [letters for letters, _, _ in fast.scanner.databases]
    assert scripts == [None, prefilter._SCRIPTS["cyrillic"]]

    article = "Городской совет утвердил новый бюджет на следующий год, сообщил мэр.\n" * 3
    text = article + "\nМатериал доступен только подписчикам\n"
    a, b = fast.cut(text), slow.cut(text)
    assert a.text == article and a.to_dict() == b.to_dict()
    assert len(fast.scanner.databases_for(text.lower())) == 2
    for other in ["Subscribe to keep reading.", "Déjà abonné ? Connectez-vous", "Subsсribe"]:
        # (the last one holds a Cyrillic с, which folds to Latin inside a Latin word)
        folded = fold(other).lower()
        assert len(fast.scanner.databases_for(folded)) == 1, other


def test_a_user_rule_file_compiles_only_a_database_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in packs' patterns sit in databases of their own: adding or editing a rule
    file compiles only the user rules' small database, never the packs' again."""
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(tmp_path / "cache"))
    plain = Detector(load_rules(["en"]))
    packs = set((tmp_path / "cache").glob("hs-*.db"))
    assert len(packs) == 1
    pack_size = next(iter(packs)).stat().st_size
    path = tmp_path / "site.toml"
    for word in ("gazette", "courier"):
        path.write_text(
            CYRILLIC_RULE.replace('lang = "xx"', 'lang = "en"')
            .replace(
                "\\bдоступ(ен|на|но) только (для )?подписчик(ам|ов)\\b",
                f"\\bfriends of the {word}\\b",
            )
            .replace("Материал доступен только подписчикам", f"Friends of the {word}")
            .replace("Газета сообщила о росте числа подписчиков.", "The editor said so."),
            encoding="utf-8",
        )
        with_site = Detector(load_rules(["en"], [path]))
        now = set((tmp_path / "cache").glob("hs-*.db"))
        (new,) = now - packs  # one new database: the user rules' alone, a small one
        assert packs < now and new.stat().st_size * 20 < pack_size
        packs = now
        text = f"An article about the budget.\n\nFriends of the {word}\n"
        assert with_site.cut(text).text == "An article about the budget.\n"
        assert plain.cut(text).text == text
