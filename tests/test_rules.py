"""Every example of every built-in rule, and the loader's validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from paywall_cut.rules import CATEGORIES, RuleError, builtin_langs, load_file, load_rules
from paywall_cut.rules.literals import required_literals

RULES = load_rules().rules


def test_packs_cover_the_required_languages() -> None:
    required = {"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "pl"}
    assert required | {"ru", "uk", "cs", "tr", "ja", "zh"} <= set(builtin_langs())


def test_every_category_has_rules_in_english() -> None:
    english = {r.category for r in RULES if r.lang == "en"}
    assert english == set(CATEGORIES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule) -> None:
    assert rule.positives and rule.negatives
    for example in rule.positives:
        assert rule.fires(example), f"{rule.id} should fire on {example!r}"
    for example in rule.negatives:
        assert not rule.fires(example), f"{rule.id} must not fire on {example!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_positive_example_holds_a_trigger(rule) -> None:
    # the prefilter only looks at lines holding a trigger: a positive without one would
    # be matched by the rule but never reach it
    for example in rule.positives:
        low = example.lower()
        assert any(t in low for t in rule.triggers), (rule.id, example, rule.triggers)


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


def test_required_literals() -> None:
    assert required_literals(r"subscri(be|ption)s?") == {"subscri"}
    assert required_literals(r"\b(sign|log) ?in\b") == {"sign", "log"}
    assert required_literals(r"already an? (subscriber|member)") == {"already"}
    assert required_literals(r"[$€]\d+") is None


GOOD = """
lang = "xx"
[[rules]]
id = "SITE001"
category = "subscribe-cta"
weight = 2.0
description = "Site pitch."
patterns = ['become a friend of the gazette']
examples.positive = ["Become a friend of the Gazette"]
examples.negative = ["A friend of the mayor"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rule_file_loads(tmp_path: Path) -> None:
    rules = load_file(write(tmp_path, GOOD))
    assert rules.rules[0].id == "SITE001"
    assert rules.rules[0].triggers == ("gazette",) or "become" in rules.rules[0].triggers[0]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("patterns = ['become a friend of the gazette']", "patterns = ['become (a']"),
            "bad regular expression",
        ),
        (('category = "subscribe-cta"', 'category = "spam"'), "unknown category"),
        (('examples.negative = ["A friend of the mayor"]', ""), "negative example"),
        (("weight = 2.0", "weight = 0"), "'weight'"),
        (('id = "SITE001"', 'id = "site-1"'), "'id'"),
        (("weight = 2.0", "weight = 2.0\ncolour = 'red'"), "unknown key 'colour'"),
        (
            ("patterns = ['become a friend of the gazette']", "patterns = ['[a-z]+ ?!']"),
            "prefilter",
        ),
    ],
)
def test_bad_rule_files_name_file_and_rule(tmp_path: Path, change, message) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as err:
        load_file(path)
    text = str(err.value)
    assert str(path) in text and message in text
    if "id" not in message:
        assert "SITE001" in text


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + GOOD.split('lang = "xx"')[1])
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_file(path)


def test_user_rule_cannot_reuse_a_builtin_id(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("SITE001", "PC101"))
    with pytest.raises(RuleError, match="already defined"):
        load_rules(["en"], extra_files=[path])


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "lang = ")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_file(path)


CJK_RULE = """
lang = "ja"
[[rules]]
id = "XJ001"
category = "paywall-notice"
weight = 3.0
description = "a user rule"
patterns = ['{pattern}']
{triggers}
examples = {{ positive = ["{positive}"], negative = ["会議が開かれた"] }}
"""


@pytest.mark.parametrize(
    "pattern, triggers, positive",
    [
        ("会員(限定|専用)", "", "会員限定"),  # the trigger read off it: 会員, two characters
        ("(全文共|全文约)\\d+字", "", "全文共3200字"),  # parsed as 全文(共|约)
        ("月額\\d+円", 'triggers = ["月額"]', "月額980円"),
    ],
)
def test_two_cjk_characters_make_a_trigger(
    tmp_path: Path, pattern: str, triggers: str, positive: str
) -> None:
    """A CJK character is about a word's worth of text: two of them are as good a prefilter
    word as three letters (rules.literals.trigger_size); one is not."""
    path = tmp_path / "ja-site.toml"
    path.write_text(CJK_RULE.format(pattern=pattern, triggers=triggers, positive=positive), "utf-8")
    (rule,) = load_file(path).rules
    assert rule.fires(positive)
    path.write_text(CJK_RULE.format(pattern="円", triggers="", positive="円"), "utf-8")
    with pytest.raises(RuleError, match="prefilter word"):
        load_file(path)
