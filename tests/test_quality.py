"""Quality floors on the tuning fixtures (fixtures/cases), through the eval machinery.

The held-out set (fixtures/heldout) is not asserted on here: it is measured and reported
(README, "Quality") so that nobody tunes against it.
"""

from __future__ import annotations

import pytest

from paywall_cut import cut
from paywall_cut.evaluate import score


@pytest.fixture(scope="module")
def figures(tuning_cases: list[dict]) -> dict:
    return score(tuning_cases, cut).figures()


def test_the_tuning_set_has_the_promised_shape(tuning_cases: list[dict]) -> None:
    kinds: dict[str, int] = {}
    for c in tuning_cases:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    other_langs = {c["lang"] for c in tuning_cases if c["lang"] != "en"}
    assert len(tuning_cases) >= 120
    assert kinds["tail"] >= 40 and kinds["inline"] >= 15 and kinds["wall"] >= 10
    assert kinds["negative"] >= 35
    assert sum(c["lang"] != "en" for c in tuning_cases) >= 30 and len(other_langs) >= 6


def test_perfect_documents(figures: dict) -> None:
    assert figures["perfect_docs"] >= 0.95, figures


def test_negatives_are_all_intact(figures: dict) -> None:
    intact, total = map(int, figures["negatives_intact"].split("/"))
    assert intact == total, figures


def test_editorial_text_is_kept(figures: dict) -> None:
    assert figures["E_retention"] >= 0.998, figures
