"""Showing results to people: rich reports, the explain table, rule listings, eval figures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .evaluate import Scores
from .result import Result
from .rules import Rule


def report(console: Console, result: Result, name: str = "") -> None:
    """The human report of one document: a summary line and a table of cuts.

    Names and text from documents are escaped: a ``[/i]`` in them is text, not markup.
    """
    head = f"[bold]{escape(name)}[/bold]: " if name else ""
    if result.ceiling:
        console.print(f"{head}[yellow]nothing cut: {escape(result.ceiling)}[/yellow]")
        return
    if not result.cuts:
        console.print(f"{head}[green]no subscription prompt found[/green]")
        return
    trunc = "yes" if result.truncated else "no"
    why = f" ({result.truncation_reason})" if result.truncation_reason else ""
    boundary = result.boundary if result.boundary is not None else "-"
    console.print(
        f"{head}cut {result.lines_cut} of {result.lines_total} lines "
        f"({result.chars_cut} chars, {result.cut_share:.1%}); position: {result.position}; "
        f"boundary at line {boundary}; truncated: {trunc}{why}"
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("lines", justify="right", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("rules")
    table.add_column("categories")
    table.add_column("preview", overflow="fold")
    for c in result.cuts:
        table.add_row(
            f"{c.start}-{c.end}" if c.end != c.start else str(c.start),
            f"{c.score:.1f}",
            ", ".join(c.rules[:6]),
            ", ".join(c.categories[:4]),
            Text(c.preview),
        )
    console.print(table)


def jsonl_report(console: Console, report: dict[str, Any], name: str = "") -> None:
    """The human report of a JSON Lines input: its records and what was cut from them."""
    head = f"[bold]{escape(name)}[/bold]: " if name else ""
    records, chars = report["records"], report["chars"]
    rules = ", ".join(list(report.get("rules", {}))[:6])
    console.print(
        f"{head}{records['cut']:,} of {records['total']:,} records cut "
        f"({chars['cut']:,} chars, {report['cut_share']:.1%})"
        + (f"; {records['skipped']:,} skipped (no string text field)" if records["skipped"] else "")
        + (f"; rules: {rules}" if rules else ""),
        soft_wrap=True,
    )


def explain(console: Console, result: Result, width: int = 70) -> None:
    """Every line with its decision, score, parts and rules."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("line", justify="right", no_wrap=True, min_width=4)
    table.add_column("", no_wrap=True, min_width=4)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("rules (strength)", overflow="fold", ratio=2)
    table.add_column("notes", overflow="fold", ratio=1)
    table.add_column("text", overflow="ellipsis", no_wrap=True, max_width=width, ratio=3)
    for line in result.line_reports:
        if line.decision == "blank" or (line.decision == "cut" and not line.text.strip()):
            continue
        mark = Text("CUT", style="bold red") if line.decision == "cut" else Text("keep", "green")
        rules = ", ".join(f"{h.rule} ({h.strength:.1f})" for h in line.hits)
        table.add_row(
            str(line.number),
            mark,
            f"{line.x:+.1f}",
            rules,
            ", ".join(line.notes),
            Text(line.text.strip(), style="red" if line.decision == "cut" else ""),
        )
    console.print(table)
    report(console, result)


def rules_table(console: Console, rules: Iterable[Rule]) -> None:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("id", "category", "lang", "weight", "description"):
        table.add_column(col, overflow="fold")
    for r in rules:
        table.add_row(r.id, r.category, r.lang, f"{r.weight:g}", Text(r.description))
    console.print(table)


def rule_dict(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id,
        "category": r.category,
        "lang": r.lang,
        "weight": r.weight,
        "description": r.description,
        "patterns": list(r.patterns),
        "whole_line": r.whole_line,
        "truncates": r.truncates,
        "max_chars": r.max_chars,
        "examples": {"positive": list(r.positives), "negative": list(r.negatives)},
        "source": r.source,
    }


def scores(console: Console, name: str, s: Scores, show_misses: int = 0) -> None:
    f = s.figures()
    table = Table(title=escape(name), show_header=False, box=None, pad_edge=False)
    table.add_column("figure", style="bold")
    table.add_column("value")
    for key in (
        "docs",
        "perfect_docs",
        "B_recall",
        "E_retention",
        "B_precision",
        "negatives_intact",
        "truncation_accuracy",
    ):
        table.add_row(key, str(f[key]))
    table.add_row("by kind", "  ".join(f"{k} {v}" for k, v in f["by_kind"].items()))
    console.print(table)
    for m in s.misses[:show_misses]:
        console.print(f"[bold]{escape(str(m.id))}[/bold] ({escape(str(m.kind))})")
        for t in m.leaked:
            console.print(f"   [yellow]kept B[/yellow]  {escape(t[:110])}", highlight=False)
        for t in m.damaged:
            console.print(f"   [red]cut E[/red]   {escape(t[:110])}", highlight=False)


def linter_line(path: str, line: int, rule: str, category: str, message: str) -> str:
    return f"{path}:{line}: {rule} [{category}] {message}"
