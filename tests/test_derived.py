"""The on-disk memory of derived pattern data (rules/derived.py) and lazy compiling."""

from __future__ import annotations

import json
import os
import re
import time
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


# -- the cache folder does not grow without end -------------------------------------------


def _age(path: Path, seconds: float) -> None:
    """Make a file look last used ``seconds`` ago."""
    when = time.time() - seconds
    os.utime(path, (when, when))


def test_old_files_of_other_rule_sets_are_pruned_and_the_used_one_is_kept(
    fresh_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derived, "KEEP", 3)
    fresh_store.mkdir(parents=True)
    others = [fresh_store / f"derived-old{i}.json" for i in range(5)]
    for i, path in enumerate(others):
        path.write_text("{}")
        _age(path, 1000 + i)  # old0 the most recently used of them
    derived.derive(r"subscribe (now|today)", re.IGNORECASE)
    derived.save()
    ours = derived._STORE.path()
    left = sorted(p.name for p in fresh_store.glob("derived-*"))
    assert left == sorted([ours.name, "derived-old0.json", "derived-old1.json"])
    # reading a file marks it used: it now outlives files written after it
    _age(ours, 5000)
    derived._STORE = derived._Store()
    derived.derive(r"subscribe (now|today)", re.IGNORECASE)
    assert time.time() - ours.stat().st_mtime < 60


def test_a_temporary_file_of_a_dead_writer_is_removed_a_live_one_is_not(
    fresh_store: Path,
) -> None:
    fresh_store.mkdir(parents=True)
    dead, live = fresh_store / "derived-a.111.tmp", fresh_store / "derived-b.222.tmp"
    dead.write_text("half")
    live.write_text("half")
    _age(dead, derived.STALE_TMP_SECONDS + 60)
    derived.prune("derived")
    assert not dead.exists() and live.exists()


def test_hyperscan_databases_of_other_rule_sets_are_pruned(
    fresh_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hyperscan = pytest.importorskip("hyperscan")
    from paywall_cut import prefilter

    monkeypatch.setattr(derived, "KEEP", 2)
    names = []
    for age, word in enumerate(("alpha", "bravo", "charlie", "delta")):
        before = set(fresh_store.glob("hs-*.db"))
        prefilter._compiled(hyperscan, [word.encode()], [0])
        (new,) = set(fresh_store.glob("hs-*.db")) - before
        _age(new, 1000 - 100 * age)  # alpha the least recently used
        names.append(new.name)
    left = {p.name for p in fresh_store.glob("hs-*.db")}
    assert left == set(names[2:])  # the two most recently used
    # loading a database marks it used: charlie now outlives delta
    prefilter._compiled(hyperscan, [b"charlie"], [0])
    prefilter._compiled(hyperscan, [b"echo"], [0])
    left = {p.name for p in fresh_store.glob("hs-*.db")}
    assert names[2] in left and names[3] not in left and len(left) == 2


def test_the_cache_keeps_to_its_byte_budget_but_always_the_newest_file(
    fresh_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derived, "BUDGET", 2500)
    fresh_store.mkdir(parents=True)
    for i in range(4):  # 1000 bytes each, f0 the most recently used
        path = fresh_store / f"hs-f{i}.db"
        path.write_bytes(b"x" * 1000)
        _age(path, 100 * (i + 1))
    derived.prune("hs")
    assert sorted(p.name for p in fresh_store.glob("hs-*")) == ["hs-f0.db", "hs-f1.db"]
    monkeypatch.setattr(derived, "BUDGET", 10)  # smaller than any file: the newest stays
    derived.prune("hs")
    assert [p.name for p in fresh_store.glob("hs-*")] == ["hs-f0.db"]
