"""Learned lines as a rule file in the built-in format, checked rule by rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..detector import Detector, Settings
from ..rules import Rule, RuleError, RuleSet, Shape, parse_pack
from .classify import Finding
from .lines import line_pattern
from .options import LearnOptions

WEIGHT = 3.5  # decisive: cuts a lone line (raised for long lines until it cuts)
MAX_SOURCES = 3  # sources named in a rule's description (the others are counted)
MAX_FURNITURE = 300  # furniture lines listed in the file (--report has them all)


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _negative(raw: str) -> str:
    return f"Our reporter noted the sign that read {raw.rstrip('.!?')} on the old mill door."


def _weight_that_cuts(rule: Rule, shape: Shape, settings: Settings | None) -> float | None:
    """The smallest weight from 3.5 up that cuts the rule's example line standing alone
    at the end of a short article (long lines need more), or None if none does."""
    article = (
        "The council approved the new harbour wall on Tuesday after a two-year debate over "
        "its cost, its height and the shingle it would bury, and work starts in spring.\n"
    )
    line = rule.positives[0]
    for weight in (WEIGHT, 4.5, 6.0, 8.0, 10.0):
        ruleset = RuleSet((_reweighted(rule, weight),), shape, (rule.lang,))
        detector = Detector(ruleset, settings, accelerate=False)
        result = detector.cut(article + line + "\n")
        if result.keep == (True, False) and result.cut_share < 1:
            return weight
    return None


def _reweighted(rule: Rule, weight: float) -> Rule:
    return replace(rule, weight=weight)


def build_rules(
    findings: Sequence[Finding],
    options: LearnOptions,
    shape: Shape,
    settings: Settings | None = None,
) -> list[tuple[Finding, dict[str, Any]]]:
    """One rule (as TOML-ready values) per learned line; lines learned in several sources
    become one rule. Each rule is checked: it loads, fires on its line and not on its
    negative example, and its weight cuts the line."""
    merged: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == "prompt":
            merged.setdefault(f.candidate.norm, []).append(f)
    out: list[tuple[Finding, dict[str, Any]]] = []
    number = 0
    for norm, group in sorted(merged.items(), key=lambda kv: (kv[1][0].source, -kv[1][0].share)):
        best = max(group, key=lambda f: f.candidate.df)
        number += 1
        rid = f"{options.prefix}{number:03d}"
        where = _where(group)
        values = {
            "id": rid,
            "category": best.label,
            "weight": WEIGHT,
            "whole_line": True,
            "description": f"Learned: {best.candidate.raw!r} recurs in {where}.",
            "patterns": [line_pattern(norm)],
            "positive": best.candidate.raw,
            "negative": _negative(best.candidate.raw),
        }
        try:
            rule = _parse_one(values, options.lang)
        except RuleError:
            best.kind, best.label = "unlearnable", "no rule loads"
            number -= 1
            continue
        weight = _weight_that_cuts(rule, shape, settings)
        if weight is None or rule.fires(values["negative"]):
            best.kind, best.label = "unlearnable", "no weight cuts it"
            number -= 1
            continue
        values["weight"] = weight
        out.append((best, values))
    return out


def _parse_one(values: dict[str, Any], lang: str) -> Rule:
    raw = {k: v for k, v in values.items() if k not in ("positive", "negative")}
    raw["examples"] = {"positive": [values["positive"]], "negative": [values["negative"]]}
    return parse_pack({"lang": lang, "rules": [raw]}, "<learned>").rules[0]


def render_rules(
    rules: Sequence[tuple[Finding, dict[str, Any]]],
    findings: Sequence[Finding],
    documents: int,
    sources: int,
    options: LearnOptions,
) -> str:
    """The rule file: header, one ``[[rules]]`` table per learned line, furniture as
    comments."""
    out = [
        "# Site rules learned by `paywall-cut learn` - review every rule before you use it:",
        "# delete a rule that cuts something editorial, re-weight one that cuts too much.",
        f"# Corpus: {documents} documents in {sources} sources. "
        f"Thresholds: min-df {options.min_df}, min-share {options.min_share:g}, "
        f"score {options.learn_score:g}. Documents are counted once per article: a "
        "source's republished article is not counted again.",
        f"# {len(rules)} rules learned; "
        f"{sum(f.kind == 'furniture' for f in findings)} recurring lines are editorial "
        "furniture (listed at the end, not learned); "
        f"{sum(f.kind == 'handled' for f in findings)} are already cut by the loaded rules.",
        '# Load it with `extend-rules = ["this-file.toml"]` in the configuration, or',
        "# `paywall-cut rules --check THIS-FILE` to validate it.",
        f'lang = "{options.lang}"',
        'name = "Learned site rules"',
        "",
    ]
    for finding, v in rules:
        out += [
            f"# {finding.source}: score {finding.score:.1f} ({', '.join(finding.signals)})",
            "[[rules]]",
            f'id = "{v["id"]}"',
            f'category = "{v["category"]}"',
            f"weight = {v['weight']}",
            "whole_line = true",
            f"description = {_toml(v['description'])}",
            f"patterns = ['''{v['patterns'][0]}''']",
            f"examples.positive = [{_toml(v['positive'])}]",
            f"examples.negative = [{_toml(v['negative'])}]",
            "",
        ]
    rest: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.kind in ("furniture", "unlearnable"):
            rest.setdefault((f.label or f.kind, f.candidate.norm), []).append(f)
    out.append("# ---- Recurring lines not learned (editorial furniture): for review ----")
    if not rest:
        out.append("# (none)")
    ranked = sorted(rest.items(), key=lambda kv: -sum(f.candidate.df for f in kv[1]))
    for (label, _norm), group in ranked[:MAX_FURNITURE]:
        out.append(f"# [{label}] {_where(group)}: {group[0].candidate.raw}")
    if len(ranked) > MAX_FURNITURE:
        out.append(
            f"# ... and {len(ranked) - MAX_FURNITURE} more recurring lines "
            "(paywall-cut learn --report FILE.json lists them all)"
        )
    return "\n".join(out) + "\n"


def _where(group: Sequence[Finding]) -> str:
    """Where a line recurs: its sources (the three biggest), frequencies, examples."""
    group = sorted(group, key=lambda f: (-f.candidate.df, f.source))
    parts = [
        f"{f.source!r}: {f.candidate.df} of {f.docs} documents ({f.share:.0%}), "
        f"e.g. {', '.join(f.candidate.examples)}"
        for f in group[:MAX_SOURCES]
    ]
    if len(group) > MAX_SOURCES:
        more = group[MAX_SOURCES:]
        sources = "source" if len(more) == 1 else "sources"
        parts.append(
            f"and {len(more)} more {sources} ({sum(f.candidate.df for f in more)} documents)"
        )
    return "; ".join(parts)
