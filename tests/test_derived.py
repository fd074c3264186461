"""The on-disk memory of derived pattern data (rules/derived.py) and lazy compiling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from paywall_cut import Detector
from paywall_cut.rules import LazyPattern, _builtin, derived, load_rules

PROMPT = "Already a subscriber? Log in\nSubscribe to continue reading.\n"


@pytest.fixture
def fresh_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder and an empty in-memory table."""
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(derived, "_STORE", derived._Store())
    return tmp_path / "cache"


def test_derived_data_is_written_once_and_read_back(fresh_store: Path) -> None:
    first = derived.derive(r"subscribe (now|today)", re.IGNORECASE)
    derived.save()
    files = list(fresh_store.glob("derived-*.json"))
    assert len(files) == 1
    derived._STORE = derived._Store()  # a new process
    again = derived.derive(r"subscribe (now|today)", re.IGNORECASE)
    assert again == first
    assert not derived._STORE.dirty  # read from the file, not derived again


def test_a_damaged_cache_file_is_derived_again(fresh_store: Path) -> None:
    expected = derived.derive(r"log ?in to read", re.IGNORECASE)
    derived.save()
    path = next(fresh_store.glob("derived-*.json"))
    path.write_text('{"patterns": {"2:log ?in to read": [1, 2]', encoding="utf-8")
    derived._STORE = derived._Store()
    assert derived.derive(r"log ?in to read", re.IGNORECASE) == expected


def test_a_cache_file_with_wrong_types_is_derived_again(fresh_store: Path) -> None:
    expected = derived.derive(r"sign in to read", re.IGNORECASE)
    derived.save()
    path = next(fresh_store.glob("derived-*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["patterns"][f"{int(re.IGNORECASE)}:sign in to read"] = [42, None, []]
    path.write_text(json.dumps(data), encoding="utf-8")
    derived._STORE = derived._Store()
    assert derived.derive(r"sign in to read", re.IGNORECASE) == expected


def test_a_wrong_entry_in_the_file_is_not_trusted_blindly(fresh_store: Path) -> None:
    """The file is keyed by the code that derives: a foreign file name is never read."""
    fresh_store.mkdir(parents=True)
    (fresh_store / "derived-0000000000000000.json").write_text(
        json.dumps({"patterns": {"2:subscribe": ["x", ["zzz"], []]}, "loose": {}}),
        encoding="utf-8",
    )
    assert derived.derive("subscribe", re.IGNORECASE).literals == ("subscribe",)


def test_a_read_only_cache_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(derived, "_STORE", derived._Store())
    got = derived.derive(r"sign up (now|today)", re.IGNORECASE)  # derived in memory
    assert got.literals == ("sign",)
    derived.save()  # nothing written, no error
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_builtin_patterns_compile_on_first_use() -> None:
    rules = load_rules(["en"]).rules
    regex = rules[0].parts[0][0]
    assert isinstance(regex, LazyPattern)
    lazy = LazyPattern(r"subscribe\s+now", re.IGNORECASE)
    assert lazy._regex is None
    assert lazy.search("Please SUBSCRIBE  now") is not None
    assert lazy._regex is not None
    assert lazy.fullmatch("subscribe now") is not None
    assert lazy.fullmatch("subscribe now!") is None


def test_cached_and_fresh_loads_decide_alike(fresh_store: Path) -> None:
    text = "A report on the harbour.\n\n" + PROMPT

    def result() -> dict:
        _builtin.cache_clear()
        try:
            return Detector(load_rules(["en"])).cut(text).to_dict()
        finally:
            _builtin.cache_clear()

    fresh = result()  # everything derived now, and saved
    assert list(fresh_store.glob("derived-*.json"))
    derived._STORE = derived._Store()
    assert result() == fresh  # everything read from the file
    assert not derived._STORE.dirty
    assert fresh["cuts"]
