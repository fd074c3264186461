"""``check`` (linter form for pre-commit and CI) and ``config`` (the resolved configuration).

``check PATH...`` reads every file through :func:`paywall_cut.formats.process`, exactly as
``clean`` does, and prints one finding per cut region::

    notes/wpr.txt:13: PC101 [paywall-notice] lines 13-32: "Keep reading for free! …"

Exit codes: 0 nothing to cut, 1 something would be cut (or ``--fix`` changed a file),
2 usage error or an input that could not be read (the other files are still checked).
"""

from __future__ import annotations

import difflib
import gzip
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from ..batch.walk import Globs, Walker
from ..config import KEYS, Config, ConfigError
from ..files import InputError, atomic_write, decode, read_source
from ..formats import Processed, process
from ..jsonl import JsonlOptions
from ..rules import RuleError, builtin_langs, builtin_pack, load_file, load_rules
from . import (
    EXIT_ERROR,
    EXIT_FOUND,
    EXIT_OK,
    cli,
    config_options,
    current_config,
    fail,
    make_detector,
    no_text_field,
    no_text_field_message,
    text_field_option,
)

CHECK_SCHEMA = "paywall-cut/check/1"

# -- which files ------------------------------------------------------------------------


def excluded(name: str, globs: Globs, root: Path) -> bool:
    """Is a file named on the command line excluded?

    It is when a walk from ``root`` (the folder of the configuration file, else the current
    directory) would not reach it: an ``exclude`` glob matches its path relative to
    ``root``, or the path of one of its folders (``drafts`` and ``drafts/`` exclude
    ``drafts/a.txt``, as pre-commit names it).
    """
    path = Path(name)
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix().lstrip("/")
    parts = rel.split("/")
    return any(globs.match("/".join(parts[:i])) for i in range(len(parts), 0, -1))


def iter_files(
    paths: Iterable[str], config: Config, stale: list[str] | None = None
) -> Iterator[str]:
    """The files to check, in order: named files unless excluded, and under each folder
    the files ``clean`` would read (:class:`paywall_cut.batch.walk.Walker`, with the
    configuration's ``include`` and ``exclude``). A missing path is passed on, so that
    reading it reports the error. With ``stale`` (``--fix``), the temporary files that a
    killed fix left beside those files (``.NAME.XXXXXXXX.pwc-tmp``) are added to it."""
    walker = Walker(config["include"], config["exclude"], in_place=stale is not None)
    globs = Globs(config["exclude"])
    for name in paths:
        if name == "-" or not os.path.isdir(name):
            if name == "-" or not excluded(name, globs, config.root):
                if stale is not None and name != "-" and os.path.isfile(name):
                    stale.extend(e.source for e in walker.walk([name]) if e.stale)
                yield name
            continue
        for entry in walker.walk([name]):
            if entry.kind != "skip":
                yield entry.source
            elif entry.stale and stale is not None:
                stale.append(entry.source)


# -- findings ---------------------------------------------------------------------------


@dataclass
class Finding:
    """One region that would be cut, in linter form."""

    path: str
    line: int  # 1-based line in the file (JSONL: the record's line)
    end_line: int
    rule: str  # the strongest rule of the region
    category: str
    message: str
    rules: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    record: int | None = None  # JSONL: 1-based line of the record

    def text(self) -> str:
        # control characters in a file name (a newline, say) are shown escaped, so that a
        # name cannot start a finding line of its own
        path = _printable(self.path)
        return f"{path}:{self.line}: {self.rule} [{self.category}] {self.message}"

    def github(self) -> str:
        props = f"file={_prop(self.path)},line={self.line},endLine={self.end_line}"
        message = f"[{self.category}] {self.message}"
        return f"::error {props},title={_prop(self.rule)}::{_data(message)}"


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def cut_regions(processed: Processed) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
    """``(record line, cut dicts)`` per document of an input that has something cut.

    A JSONL file has one document per record, read from the report's ``cut_records``
    (each with its 1-based ``line`` in the file); other formats have one, the report's
    ``cuts`` (record line None).
    """
    if processed.format == "jsonl":
        for record in processed.report.get("cut_records", []):
            if record.get("cuts"):
                yield record["line"], record["cuts"]
        return
    cuts = processed.report.get("cuts")
    if cuts is None:  # a format whose report does not list its cuts: use the results
        cuts = [c.to_dict() for r in processed.results for c in r.cuts]
    if cuts:
        yield None, cuts


def findings_of(path: str, processed: Processed) -> list[Finding]:
    """One finding per cut region of an input."""
    return [_finding(path, cut, record) for record, cuts in cut_regions(processed) for cut in cuts]


def _finding(path: str, cut: dict[str, Any], record: int | None) -> Finding:
    start, end = cut["start"], cut["end"]
    span = f"line {start}" if start == end else f"lines {start}-{end}"
    line, end_line = start, end
    if record is not None:
        span, line, end_line = f"record text {span}", record, record
    elif "elements" in cut:  # HTML: lines of the page text; the elements know the source
        span = f"page text {span}"
        elements = cut["elements"]
        source = [e["source_line"] for e in elements if e.get("source_line")]
        if source:
            line, end_line = min(source), max(source)
        if elements:
            more = f" +{len(elements) - 1}" if len(elements) > 1 else ""
            span += f" ({elements[0].get('selector', elements[0].get('tag'))}{more})"
    # a cut on DOM evidence alone (HTML) names the markers of its containers instead
    markers = list(cut.get("markers") or [])
    rules = list(cut["rules"]) or markers or ["PC000"]
    categories = list(cut["categories"]) or (["dom-marker"] if markers else ["prompt"])
    also = f" (also {', '.join(rules[1:4])}{', …' if len(rules) > 4 else ''})"
    return Finding(
        path=path,
        line=line,
        end_line=end_line,
        rule=rules[0],
        category=categories[0],
        message=f'{span}: "{cut["preview"]}"{also if len(rules) > 1 else ""}',
        rules=rules,
        categories=categories,
        record=record,
    )


def notes_of(processed: Processed) -> list[str]:
    """What a reader should know besides the findings: refused cuts, skipped records."""
    notes = [f"kept whole: {r.ceiling}" for r in processed.results if r.ceiling]
    skipped = [r for r in processed.report.get("cut_records", []) if r.get("status") == "skipped"]
    if skipped:
        first = f"line {skipped[0]['line']}: {skipped[0].get('reason', 'skipped')}"
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        notes.append(f"{_plural(len(skipped), 'record')} not checked: {first}{more}")
    return notes


def _plain(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def unified_diff(path: str, before: bytes, after: bytes, encoding: str | None) -> str:
    """The change of one file as a unified diff of its (decompressed, decoded) text."""
    old = decode(_plain(before), encoding, name=path)
    new = decode(_plain(after), old.encoding, name=path)
    lines = difflib.unified_diff(
        old.text.splitlines(keepends=True),
        new.text.splitlines(keepends=True),
        fromfile=f"a/{path.lstrip('/')}",
        tofile=f"b/{path.lstrip('/')}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


# -- the run ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """Everything a check run found, for the summary and the JSON output."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    notes: list[tuple[str, str]] = field(default_factory=list)
    checked: int = 0  # files met (the JSON summary's "files"), unreadable ones included
    unreadable: int = 0
    with_findings: int = 0
    fixed: list[str] = field(default_factory=list)
    records: int = 0  # JSONL records read, and those without the text field
    records_skipped: int = 0
    stale_removed: int = 0  # --fix: temporary files of an interrupted fix, removed

    @property
    def exit_code(self) -> int:
        if self.errors or self.no_field:
            return EXIT_ERROR
        return EXIT_FOUND if self.findings or self.fixed else EXIT_OK

    @property
    def no_field(self) -> bool:
        """Nothing was checked (see :func:`no_text_field`): that must not pass as clean."""
        return no_text_field(self.records, self.records_skipped)

    def summary(self, mode: str) -> str:
        files = _plural(self.checked - self.unreadable, "file")  # a file not read was not checked
        regions = _plural(len(self.findings), "prompt region")
        if mode == "fix" and self.fixed:
            line = f"Fixed {_plural(len(self.fixed), 'file')}: cut {regions} ({files} checked)."
        elif self.findings:
            where = _plural(self.with_findings, "file")
            line = f"Found {regions} in {where} ({files} checked)."
            if mode == "check":
                line += " Run with --fix to cut them."
        elif self.no_field:
            line = (
                f"Nothing checked: {_plural(self.records, 'JSONL record')} without the text field."
            )
        else:
            line = f"All clean: {files} checked."
        if self.errors:
            line += f" {_plural(len(self.errors), 'file')} could not be read."
        if self.stale_removed:
            temps = _plural(self.stale_removed, "temporary file")
            line += f" Removed {temps} of an interrupted run."
        return line


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--fix", is_flag=True, help="Cut the prompts in place (atomic writes).")
@click.option("--diff", is_flag=True, help="Print a unified diff of the cuts; write nothing.")
@click.option(
    "--output-format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Findings as linter lines, one JSON object, or GitHub workflow annotations.",
)
@click.option("--encoding", help="Input encoding (default: detected per file).")
@text_field_option
@click.option("-q", "--quiet", is_flag=True, help="No summary line (findings only).")
@config_options
def check(
    paths: tuple[str, ...],
    fix: bool,
    diff: bool,
    output_format: str,
    encoding: str | None,
    text_field: str,
    quiet: bool,
) -> None:
    """Report subscription prompts in files and folders, like a linter; exit 1 if any.

    Folders are read recursively (supported formats, or the configuration's include and
    exclude globs). With --fix the cuts are written in place; the exit code is still 1
    when a file changed, as pre-commit expects.
    """
    if fix and diff:
        fail("--fix and --diff exclude each other")
    if fix and "-" in paths:
        fail("--fix cannot write back to stdin; use 'paywall-cut cut -'")
    config = current_config()
    detector = make_detector()
    jsonl = JsonlOptions(field=text_field)
    mode = "fix" if fix else "diff" if diff else "check"
    outcome = Outcome()
    stale: list[str] | None = [] if fix else None
    for path in iter_files(paths, config, stale):
        outcome.checked += 1
        try:
            data = read_source(path)
            processed = process(data, path, detector, encoding=encoding, jsonl=jsonl)
        except InputError as e:
            outcome.unreadable += 1
            _error(outcome, path, str(e), output_format)
            continue
        if processed.format == "jsonl":
            outcome.records += processed.report["records"]["total"]
            outcome.records_skipped += processed.report["records"]["skipped"]
        found = findings_of(path, processed)
        outcome.notes.extend((path, note) for note in notes_of(processed))
        if not found and not processed.changed:
            continue
        outcome.findings.extend(found)
        outcome.with_findings += 1
        if diff:
            try:
                click.echo(unified_diff(path, data, processed.data, encoding), nl=False)
            except (InputError, OSError, EOFError) as e:  # pragma: no cover - defensive
                _error(outcome, path, f"cannot show the diff: {e}", output_format)
            continue
        if output_format == "text":
            for finding in found:
                click.echo(finding.text())
        elif output_format == "github":
            for finding in found:
                click.echo(finding.github())
        if fix and processed.changed:
            try:
                # a symbolic link stays a link: its target is what gets fixed
                atomic_write(os.path.realpath(path), processed.data)
            except OSError as e:
                _error(outcome, path, f"cannot write: {e.strerror or e}", output_format)
                continue
            outcome.fixed.append(path)
    for temp in stale or ():  # what a killed --fix left: its file was read again above
        try:
            os.unlink(temp)
            outcome.stale_removed += 1
        except OSError:
            pass
    if outcome.no_field:
        click.echo(f"paywall-cut: error: {no_text_field_message(text_field)}", err=True)
    _finish(outcome, mode, output_format, quiet)
    sys.exit(outcome.exit_code)


def _error(outcome: Outcome, path: str, message: str, output_format: str) -> None:
    outcome.errors.append((path, message))
    click.echo(f"paywall-cut: error: {message}", err=True)
    if output_format == "github":
        click.echo(f"::error file={_prop(path)},title=paywall-cut::{_data(message)}")


def _finish(outcome: Outcome, mode: str, output_format: str, quiet: bool) -> None:
    for path, note in outcome.notes:
        click.echo(f"{path}: note: {note}", err=True)
    if output_format == "json" and mode != "diff":
        data = {
            "schema": CHECK_SCHEMA,
            "findings": [asdict(f) for f in outcome.findings],
            "errors": [{"path": p, "message": m} for p, m in outcome.errors],
            "fixed": outcome.fixed,
            "summary": {
                "files": outcome.checked,
                "files_with_findings": outcome.with_findings,
                "findings": len(outcome.findings),
                "fixed": len(outcome.fixed),
                "errors": len(outcome.errors),
                "stale_temporaries_removed": outcome.stale_removed,
                "exit_code": outcome.exit_code,
            },
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if not quiet:
        # with --diff, stdout is the patch: the summary goes to stderr
        click.echo(outcome.summary(mode), err=mode == "diff")


# -- config -----------------------------------------------------------------------------


@cli.command("config")
@click.option("--json", "as_json", is_flag=True, help="As JSON: each key's value and origin.")
@config_options
def config_cmd(as_json: bool) -> None:
    """Show the resolved configuration and where each value came from.

    Also checks it fully (rule files load, disabled and reweighted rules exist): exit 2
    with one error line when it is wrong.
    """
    config = current_config()
    try:
        config.ruleset()
    except (RuleError, ConfigError) as e:
        fail(str(e))
    if as_json:
        click.echo(json.dumps(config.to_dict(), ensure_ascii=False, indent=1))
        return
    if config.file:
        click.echo(f"# configuration file: {config.file}")
    else:
        click.echo("# no configuration file (defaults and --set only)")
    width = max(len(k) for k in KEYS)
    for key in KEYS:
        value = _toml(config[key])
        click.echo(f"{key.ljust(width)} = {value}  # {config.origins[key]}")


def _toml(value: Any) -> str:
    """A value written the way it would be in the configuration file."""
    if value is None:
        return "(unset)"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    if isinstance(value, (Path, str)):
        return json.dumps(str(value), ensure_ascii=False)
    return str(value)


# -- rules --check ----------------------------------------------------------------------


def rule_file_failures(path: str) -> list[str]:
    """Validate a user rule file and run its examples; the failures, one line each.

    Raises :class:`RuleError` when the file is invalid, including a rule id that a
    built-in pack already uses.
    """
    ruleset = load_file(path)
    # an id clash with a built-in rule is an error too (a built-in pack checked in place
    # is checked against the other packs)
    own = builtin_pack(path)
    others = [lang for lang in builtin_langs() if lang != own]
    if others:
        load_rules(others, extra_files=[path])
    failures = []
    for rule in ruleset.rules:
        for example in rule.positives:
            if not rule.fires(example):
                failures.append(
                    f"{path}: rule {rule.id}: positive example does not fire: {example!r}"
                )
            elif not any(t in example.lower() for t in rule.triggers):
                failures.append(
                    f"{path}: rule {rule.id}: positive example holds none of the triggers "
                    f"{list(rule.triggers)} (the prefilter would skip it): {example!r}"
                )
        for example in rule.negatives:
            if rule.fires(example):
                failures.append(f"{path}: rule {rule.id}: negative example fires: {example!r}")
    return failures


def check_rule_files(paths: Iterable[str]) -> NoReturn:
    """``rules --check``: print each failing example; exit 0, 1 (failures) or 2 (invalid)."""
    failed = 0
    for path in paths:
        try:
            failures = rule_file_failures(path)
        except RuleError as e:
            fail(str(e))
        for line in failures:
            click.echo(line)
        failed += len(failures)
        if not failures:
            rules = load_file(path).rules
            examples = sum(len(r.positives) + len(r.negatives) for r in rules)
            click.echo(
                f"{path}: {_plural(len(rules), 'rule')}, {_plural(examples, 'example')}: all pass"
            )
    sys.exit(EXIT_FOUND if failed else EXIT_OK)


def _printable(name: str) -> str:
    """``name`` with control characters escaped (as ``repr`` shows them)."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
