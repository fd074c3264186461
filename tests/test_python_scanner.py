"""The pure-Python scanner finds exactly the lines that hold its words (needs no hyperscan)."""

from __future__ import annotations

import random

from paywall_cut.evaluate import case_text
from paywall_cut.prefilter import PythonScanner, _lower, _trie_pattern, _triggers
from paywall_cut.rules import load_rules


def find_loop(scanner: PythonScanner, joined: str) -> dict[int, set]:
    """The plain definition: one str.find loop per word, line by line."""
    hits: dict[int, set] = {}
    for n, line in enumerate(_lower(joined).split("\n")):
        for word, targets in scanner.search_words:
            if word in line:
                hits.setdefault(n, set()).update(targets)
    return hits


def test_the_trie_expression_matches_exactly_its_words() -> None:
    import re

    words = ["subscri", "subway", "log", "login", "abo", "/an", "l'an", "€/mo"]
    regex = re.compile(_trie_pattern(words))
    for w in words:
        assert regex.fullmatch(w), w
    for other in ["sub", "subscr", "logi", "ab", "an", "€/m", "subways"]:
        assert not regex.fullmatch(other), other


def test_the_scan_equals_one_find_loop_per_word(tuning_cases) -> None:
    scanner = PythonScanner(load_rules())
    for case in tuning_cases:
        text = case_text(case)
        assert scanner.scan(text) == find_loop(scanner, text), case["id"]


def test_overlapping_and_adjacent_words_are_all_found() -> None:
    """Random lines glued from pieces of trigger words: words that overlap, touch or share
    a start are all found, in any letter case."""
    scanner = PythonScanner(load_rules())
    words = [w for w, _ in scanner.search_words]
    rng = random.Random(7)
    for _ in range(300):
        pieces = []
        for _ in range(rng.randint(1, 8)):
            w = rng.choice(words)
            cut = rng.randint(0, len(w))
            pieces.append(rng.choice([w, w[:cut], w[cut:], " ", "\n", "É", "İ"]))
        text = "".join(pieces)
        text = text.upper() if rng.random() < 0.3 else text
        assert scanner.scan(text) == find_loop(scanner, text), repr(text)


def test_the_merge_of_trigger_words_equals_the_plain_one() -> None:
    """PythonScanner merges each trigger word into the first (shorter) word it contains,
    found by substring lookups; the plain way, every merged word tried against every word,
    gives the same words and targets, in the same order."""
    ruleset = load_rules()
    words, rules_of = _triggers(ruleset)
    merged: dict[str, set] = {}
    for word, targets in sorted(zip(words, rules_of), key=lambda p: len(p[0])):
        shorter = next((k for k in merged if k in word), None)
        merged.setdefault(shorter or word, set()).update(targets)
    assert PythonScanner(ruleset).search_words == list(merged.items())
    assert len(merged) < len(words)  # some words were merged
