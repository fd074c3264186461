"""Commands on one document or one case file: cut, explain, rules, eval."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from .. import render
from ..detector import Detector
from ..evaluate import load_cases, score
from ..files import InputError, decode, read_source
from ..formats import detect_format, process, unpacked
from ..jsonl import JsonlOptions
from ..rules import RuleError, load_rules
from . import (
    check_writable,
    cli,
    fail,
    make_detector,
    no_text_field,
    no_text_field_message,
    not_an_input,
    stderr_console,
    stdout_console,
    text_field_option,
    write_output,
    write_stdout,
)


@cli.command("cut")
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option(
    "--report",
    "report_mode",
    type=click.Choice(["auto", "rich", "json", "none"]),
    default="auto",
    show_default=True,
    help="Report on stderr. auto: rich on a terminal, none otherwise.",
)
@click.option("--report-file", type=click.Path(dir_okay=False), help="Also write the JSON report.")
@click.option(
    "--max-cut",
    type=click.FloatRange(0, 1),
    help="Refuse to cut more than this share of the document (0-1); keep it whole instead.",
)
@click.option("--encoding", help="Input encoding (default: detected).")
@click.option(
    "--output-format",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="HTML input: the kept text, or the page with the cut elements removed.",
)
@text_field_option
@click.option("-q", "--quiet", is_flag=True, help="No report on stderr.")
def cut_cmd(
    source: str,
    report_mode: str,
    report_file: str | None,
    max_cut: float | None,
    encoding: str | None,
    output_format: str,
    text_field: str,
    quiet: bool,
) -> None:
    """Write the kept text of FILE (or stdin) to stdout, the report to stderr.

    HTML (by extension or sniffed) is read as text blocks with the page's markup as extra
    evidence; the output is the kept text, or with --output-format html the same page
    without the cut elements.
    """
    check_writable("--report-file", report_file)  # before any output, not after it
    not_an_input("--report-file", report_file, (source,))
    detector = make_detector()
    if max_cut is not None:
        detector = Detector(detector.ruleset, replace(detector.settings, max_cut=max_cut))
    try:
        processed = process(
            read_source(source),
            source,
            detector,
            encoding=encoding,
            jsonl=JsonlOptions(field=text_field),
            output_format=output_format,
        )
    except InputError as e:
        fail(str(e))
    if output_format == "html" and processed.format != "html":
        fail(f"{source}: --output-format html needs HTML input (this is {processed.format})")
    records = processed.report.get("records")
    if processed.format == "jsonl" and no_text_field(records["total"], records["skipped"]):
        fail(f"{source}: {no_text_field_message(text_field)}")
    write_stdout(processed.data)
    report = processed.report
    if report_file:
        write_output(
            "--report-file", report_file, (json.dumps(report, ensure_ascii=False) + "\n").encode()
        )
    if quiet or report_mode == "none":
        return
    if report_mode == "auto":
        report_mode = "rich" if sys.stderr.isatty() else "none"
    if report_mode == "json":
        click.echo(json.dumps(report, ensure_ascii=False), err=True)
    elif report_mode == "rich":
        console = stderr_console()
        name = "" if source == "-" else source
        if not processed.results:  # JSON Lines: one document per record
            render.jsonl_report(console, report, name=name)
            return
        render.report(console, processed.results[0], name=name)
        for c in report.get("cuts", ()):  # HTML: the elements each cut removes
            if c.get("elements"):
                names = ", ".join(e["selector"] for e in c["elements"][:6])
                more = len(c["elements"]) - 6
                console.print(
                    f"  lines {c['start']}-{c['end']} remove: {names}"
                    + (f" (+{more} more)" if more > 0 else ""),
                    markup=False,
                )


@cli.command()
@click.argument("source", metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every line.")
@click.option("--encoding", help="Input encoding (default: detected).")
@click.option(
    "--width",
    default=70,
    show_default=True,
    type=click.IntRange(min=1),
    help="Characters of text to show.",
)
def explain(source: str, as_json: bool, encoding: str | None, width: int) -> None:
    """Show every line of FILE with its decision, score and the rules that fired.

    For HTML, a line is a text block of the page; its DOM evidence (the marked container
    it sits in: marker, element, selector, why) is shown with its notes.
    """
    try:
        # as cut, check and clean read it: a gzip file's document inside
        raw, name = unpacked(read_source(source), source)
        fmt = detect_format(name, raw)
        if fmt == "jsonl":  # its lines are records, not a document's lines
            fail(
                f"{source}: explain reads one document, and this is JSON Lines; explain a "
                "record's text, e.g. with: jq -r .text FILE | paywall-cut explain -"
            )
        if fmt == "html":
            from ..html import cut_html, decode_html, explain_lines

            hc = cut_html(decode_html(raw, encoding, source).text, make_detector(), explain=True)
            result = hc.result
            data: dict[str, Any] = hc.report()
            data["lines_detail"] = explain_lines(hc)
        else:
            decoded = decode(raw, encoding, name=source)
            result = make_detector().cut(decoded.text, explain=True)
            data = result.to_dict()
            data["lines_detail"] = [r.to_dict() for r in result.line_reports]
    except InputError as e:
        fail(str(e))
    if as_json:
        data["source"] = source
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    # piped output gets a wide table so that no column is dropped
    console = stdout_console(width=None if sys.stdout.isatty() else 180)
    render.explain(console, result, width=width)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Every rule with patterns and examples.")
@click.option("--lang", multiple=True, help="Only these languages (repeatable).")
@click.option("--category", multiple=True, help="Only these categories (repeatable).")
@click.option(
    "--check",
    "check_files",
    multiple=True,
    metavar="FILE",
    help="Validate a user rule file and run its examples instead (exit 1 on failures).",
)
def rules(
    as_json: bool, lang: tuple[str, ...], category: tuple[str, ...], check_files: tuple[str, ...]
) -> None:
    """List every rule: id, category, language, weight, description."""
    if check_files:
        from .check import check_rule_files

        check_rule_files(check_files)
    try:
        ruleset = load_rules(lang or None)
    except RuleError as e:
        fail(str(e))
    chosen = [r for r in ruleset.rules if not category or r.category in category]
    if as_json:
        click.echo(json.dumps([render.rule_dict(r) for r in chosen], ensure_ascii=False, indent=1))
        return
    render.rules_table(stdout_console(), chosen)


@cli.command("eval")
@click.argument("cases", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--show-misses",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Show N documents it got wrong.",
)
@click.option("--kind", help="Only cases of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Figures as JSON.")
def eval_cmd(cases: tuple[str, ...], show_misses: int, kind: str | None, as_json: bool) -> None:
    """Score paywall-cut on labelled CASES.jsonl files (see fixtures/README.md)."""
    detector = make_detector()
    try:
        chosen = [c for c in load_cases(cases) if kind is None or c.get("kind") == kind]
        if not chosen:
            fail("no labelled case" + (f" of kind {kind!r}" if kind else "") + " to score")
        s = score(chosen, detector.cut)
    except ValueError as e:
        fail(str(e))
    if as_json:
        out = s.figures()
        out["misses"] = [m.__dict__ for m in s.misses[:show_misses]]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    render.scores(stdout_console(), ", ".join(Path(c).name for c in cases), s, show_misses)
