"""The command line: parse options, read, call the detector, print, exit.

Exit codes (shared by every command):

- 0: success (for ``check``: nothing to cut)
- 1: ``check`` found something to cut (or ``--fix`` changed a file)
- 2: usage error, or an input that could not be processed
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from . import __version__, render
from .detector import Detector
from .evaluate import load_cases, score
from .files import InputError, atomic_write, decode, read_source
from .rules import RuleError, load_rules

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> NoReturn:
    click.echo(f"paywall-cut: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _stderr(force_terminal: bool | None = None) -> Console:
    return Console(stderr=True, force_terminal=force_terminal, highlight=False)


def _detector() -> Detector:
    try:
        return Detector(load_rules())
    except RuleError as e:
        _fail(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paywall-cut")
def cli() -> None:
    """Cut subscription prompts (paywalls, newsletter gates, meter notices) out of article
    text, and explain every cut."""


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
@click.option("-q", "--quiet", is_flag=True, help="No report on stderr.")
def cut_cmd(
    source: str,
    report_mode: str,
    report_file: str | None,
    max_cut: float | None,
    encoding: str | None,
    quiet: bool,
) -> None:
    """Write the kept text of FILE (or stdin) to stdout, the report to stderr."""
    try:
        decoded = decode(read_source(source), encoding, name=source)
    except InputError as e:
        _fail(str(e))
    detector = _detector()
    if max_cut is not None:
        from dataclasses import replace

        detector = Detector(detector.ruleset, replace(detector.settings, max_cut=max_cut))
    result = detector.cut(decoded.text)
    out = sys.stdout.buffer
    out.write(result.text.encode(decoded.encoding, "surrogatepass"))
    out.flush()
    report = result.to_dict()
    report["source"] = source
    if report_file:
        try:
            atomic_write(report_file, (json.dumps(report, ensure_ascii=False) + "\n").encode())
        except OSError as e:
            _fail(f"{report_file}: cannot write report: {e.strerror or e}")
    if quiet or report_mode == "none":
        return
    if report_mode == "auto":
        report_mode = "rich" if sys.stderr.isatty() else "none"
    if report_mode == "json":
        click.echo(json.dumps(report, ensure_ascii=False), err=True)
    elif report_mode == "rich":
        render.report(_stderr(), result, name="" if source == "-" else source)


@cli.command()
@click.argument("source", metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every line.")
@click.option("--encoding", help="Input encoding (default: detected).")
@click.option("--width", default=70, show_default=True, help="Characters of text to show.")
def explain(source: str, as_json: bool, encoding: str | None, width: int) -> None:
    """Show every line of FILE with its decision, score and the rules that fired."""
    try:
        decoded = decode(read_source(source), encoding, name=source)
    except InputError as e:
        _fail(str(e))
    result = _detector().cut(decoded.text, explain=True)
    if as_json:
        data: dict[str, Any] = result.to_dict()
        data["source"] = source
        data["lines_detail"] = [r.to_dict() for r in result.line_reports]
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    render.explain(Console(highlight=False), result, width=width)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Every rule with patterns and examples.")
@click.option("--lang", multiple=True, help="Only these languages (repeatable).")
@click.option("--category", multiple=True, help="Only these categories (repeatable).")
def rules(as_json: bool, lang: tuple[str, ...], category: tuple[str, ...]) -> None:
    """List every rule: id, category, language, weight, description."""
    try:
        ruleset = load_rules(lang or None)
    except RuleError as e:
        _fail(str(e))
    chosen = [r for r in ruleset.rules if not category or r.category in category]
    if as_json:
        click.echo(json.dumps([render.rule_dict(r) for r in chosen], ensure_ascii=False, indent=1))
        return
    render.rules_table(Console(highlight=False), chosen)


@cli.command("eval")
@click.argument("cases", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--show-misses", default=0, show_default=True, help="Show N documents it got wrong.")
@click.option("--kind", help="Only cases of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Figures as JSON.")
def eval_cmd(cases: tuple[str, ...], show_misses: int, kind: str | None, as_json: bool) -> None:
    """Score paywall-cut on labelled CASES.jsonl files (see fixtures/README.md)."""
    detector = _detector()
    try:
        chosen = [c for c in load_cases(cases) if kind is None or c.get("kind") == kind]
        s = score(chosen, detector.cut)
    except ValueError as e:
        _fail(str(e))
    if as_json:
        out = s.figures()
        out["misses"] = [m.__dict__ for m in s.misses[:show_misses]]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    render.scores(Console(highlight=False), ", ".join(Path(c).name for c in cases), s, show_misses)


def main() -> None:
    cli(prog_name="paywall-cut")
