"""``learn``: mine a corpus for each site's own pitch, write it as rules (and ``clean --learn``).

See :mod:`paywall_cut.learn` for how, and docs/learn.md for the defaults and figures.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..batch import BatchOptions
from ..detector import Detector
from ..learn import (
    MAX_LINE,
    MIN_DF,
    MIN_SHARE,
    PREFIX,
    SKETCH_DEPTH,
    TABLE_SIZE,
    LearnOptions,
    LearnReport,
    learn,
)
from ..rules import RuleError
from . import (
    EXIT_ERROR,
    EXIT_OK,
    check_writable,
    cli,
    config_options,
    current_config,
    fail,
    field_name,
    make_detector,
    no_stdin,
    not_an_input,
    say,
    stderr_console,
    worker_count,
    write_output,
)

MAX_WARNINGS = 20
F = TypeVar("F", bound=Callable[..., Any])


def _sketch_width(megabytes: int) -> int:
    """The largest power-of-two row width whose sketch fits in ``megabytes``."""
    counters = max(megabytes, 1) * (1 << 20) // (4 * SKETCH_DEPTH)
    return 1 << (counters.bit_length() - 1)


class _Warnings:
    """Prints the first warnings, counts the others."""

    def __init__(self, quiet: bool) -> None:
        self.console = stderr_console()
        self.quiet = quiet
        self.count = 0

    def __call__(self, message: str) -> None:
        self.count += 1
        if not self.quiet and self.count <= MAX_WARNINGS:
            say(self.console, f"warning: {message}")

    def close(self) -> None:
        if not self.quiet and self.count > MAX_WARNINGS:
            self.console.print(f"... and {self.count - MAX_WARNINGS} more warnings", markup=False)


def _error(message: str) -> None:
    """An input that could not be read: always shown (also with -q), and exit 2."""
    say(stderr_console(), f"error: {message}")


def _summary(report: LearnReport, where: str) -> str:
    kinds = {k: sum(f.kind == k for f in report.findings) for k in ("furniture", "handled")}
    memory = report.memory
    return (
        f"learned {len(report.rules)} rules from {report.documents} documents in "
        f"{report.source_count} sources -> {where}; {kinds['furniture']} recurring lines "
        f"listed as furniture, {kinds['handled']} already cut by the loaded rules "
        f"(memory: sketch {memory.get('sketch_bytes', 0) >> 20} MiB, table peak "
        f"{memory.get('table_peak', 0)} of {memory.get('table_capacity', 0)} lines)"
    )


def _check_paths(paths: Sequence[str]) -> None:
    for p in paths:
        if not os.path.exists(p):
            fail(f"{p}: no such file or folder")


@cli.command("learn")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE.toml",
    help="Write the learned rule file here ('-': stdout).",
)
@click.option(
    "--field", default="text", show_default=True, callback=field_name, help="JSONL: the text field."
)
@click.option(
    "--source-key",
    metavar="NAME",
    callback=field_name,
    help="JSONL: the record field naming its source (a URL counts by its host). "
    "Default: the record's file.",
)
@click.option(
    "--source-depth",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Folder levels under PATH that name a file's source (0: PATH itself).",
)
@click.option(
    "--id-key",
    default="id",
    show_default=True,
    callback=field_name,
    help="JSONL: the record's id field.",
)
@click.option("--include", multiple=True, metavar="GLOB", help="Read only matching files.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and folders.")
@click.option(
    "--min-df",
    type=click.IntRange(min=2),
    default=MIN_DF,
    show_default=True,
    help="A learned line occurs in at least this many documents of its source.",
)
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1),
    default=MIN_SHARE,
    show_default=True,
    help="... and in at least this share of them.",
)
@click.option(
    "--prefix",
    default=PREFIX,
    show_default=True,
    help="Rule id prefix: 2-4 capital letters (ids PREFIX001...).",
)
@click.option(
    "--max-line",
    type=click.IntRange(min=10),
    default=MAX_LINE,
    show_default=True,
    help="Longer lines are article text, never learned.",
)
@click.option(
    "--table-size",
    type=click.IntRange(min=100),
    default=TABLE_SIZE,
    show_default=True,
    help="Most candidate lines held in memory.",
)
@click.option(
    "--sketch-mb",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Memory of the count-min sketch that counts every line.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    metavar="FILE.json",
    help="Also write every recurring line found, learned or not, with its signals.",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0: per core)."
)
@click.option("-q", "--quiet", is_flag=True, help="No warnings and no summary; errors only.")
@config_options
def learn_command(
    paths: tuple[str, ...],
    output: str,
    field: str,
    source_key: str | None,
    source_depth: int,
    id_key: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    min_df: int,
    min_share: float,
    prefix: str,
    max_line: int,
    table_size: int,
    sketch_mb: int,
    report_path: str | None,
    jobs: int,
    quiet: bool,
) -> None:
    """Learn each site's own subscription pitch from a corpus; write it as rules.

    One pass over PATH... (folders of text, Markdown or HTML files, JSONL corpora) finds
    the lines that recur in many documents of the same source and look like prompts, and
    writes them to FILE.toml as rules in the built-in format, each with its document
    frequency and two example documents, for a person to review. Recurring editorial
    furniture (datelines, credits, section names, share rows) is listed at the end of the
    file as comments. Use the file with `extend-rules` or `clean --learn`.

    Exit code 0; 2 on a usage error, when no document is found, or when an input could
    not be read: a file or folder that cannot be read, broken gzip, a JSONL line that is
    not JSON (each reported; the rule file of the rest is written all the same). A JSONL
    record without the text field is left out with a warning, as clean keeps it.
    """
    if not re.fullmatch(r"[A-Z]{2,4}", prefix):
        fail("--prefix must be 2-4 capital letters, such as LRN or SITE")
    no_stdin("learn", paths)
    _check_paths(paths)
    not_an_input("--output", output, paths)
    not_an_input("--report", report_path, paths)
    config = current_config()
    detector = make_detector()
    options = LearnOptions(
        min_df=min_df,
        min_share=min_share,
        max_line=max_line,
        prefix=prefix,
        sketch_width=_sketch_width(sketch_mb),
        table_size=table_size,
        field=field,
        source_key=source_key,
        id_key=id_key,
        source_depth=source_depth,
        include=include or tuple(config["include"]),
        exclude=exclude or tuple(config["exclude"]),
        jobs=worker_count(jobs),
    )
    check_writable("--output", output)  # found out now, not after the mining run
    check_writable("--report", report_path)
    warnings = _Warnings(quiet)
    report = learn(paths, detector, options, warn=warnings, error=_error)
    warnings.close()
    if report.documents == 0:
        fail(f"no documents found under {', '.join(paths)} (see --field and --include)")
    if output == "-":
        click.echo(report.text, nl=False)
    else:
        write_output("--output", output, report.text.encode("utf-8"))
    if report_path:
        _write_json(report_path, report.to_dict())
    if not quiet:
        say(stderr_console(), _summary(report, output if output != "-" else "stdout"))
    sys.exit(EXIT_ERROR if report.failed else EXIT_OK)


def _write_json(path: str, data: Any) -> None:
    import json

    write_output("--report", path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())


# -- clean --learn ---------------------------------------------------------------------

_LEARN = "paywall_cut.learn_args"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if param.name == "source_key":
        field_name(ctx, param, value)
    if value not in (None, False):
        ctx.meta.setdefault(_LEARN, {})[param.name] = value


def learn_options(f: F) -> F:
    """``--learn``, ``--learn-rules FILE`` and ``--source-key NAME`` for ``clean``."""
    options = [
        click.option(
            "--learn",
            is_flag=True,
            expose_value=False,
            callback=_remember,
            help="First learn site rules from the inputs (as `learn` does), then clean "
            "with them added.",
        ),
        click.option(
            "--learn-rules",
            type=click.Path(dir_okay=False),
            metavar="FILE.toml",
            expose_value=False,
            callback=_remember,
            help="--learn: keep the learned rules in FILE.toml for review.",
        ),
        click.option(
            "--source-key",
            metavar="NAME",
            expose_value=False,
            callback=_remember,
            help="--learn: the JSONL field naming a record's source (default: its file).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def with_learned(detector: Detector, batch: BatchOptions) -> Detector:
    """``clean --learn``: the detector plus the rules learned from the run's inputs (its
    paths, JSONL field, globs and jobs); without ``--learn``, the detector as it is."""
    ctx = click.get_current_context(silent=True)
    args: dict[str, Any] = ctx.meta.get(_LEARN, {}) if ctx is not None else {}
    if not args.get("learn"):
        if args:
            fail("--learn-rules and --source-key go with --learn")
        return detector
    _check_paths(batch.paths)
    options = LearnOptions(
        field=batch.jsonl.field,
        source_key=args.get("source_key"),
        include=tuple(batch.include),
        exclude=tuple(batch.exclude),
        jobs=batch.jobs,
        skip_dirs=(batch.out_dir,) if batch.out_dir else (),
    )
    paths, quiet = batch.paths, batch.quiet
    check_writable("--learn-rules", args.get("learn_rules"))
    not_an_input("--learn-rules", args.get("learn_rules"), batch.paths)
    warnings = _Warnings(quiet)
    report = learn(paths, detector, options, warn=warnings)
    warnings.close()
    keep = args.get("learn_rules")
    if keep:
        write_output("--learn-rules", keep, report.text.encode("utf-8"))
    try:
        ruleset = detector.ruleset.plus(report.ruleset(keep or "learned rules"))
    except RuleError as e:
        fail(f"--learn: {e}")
    if not quiet:
        stderr_console().print(
            _summary(report, keep or "this run"), markup=False, highlight=False, soft_wrap=True
        )
    return Detector(ruleset, detector.settings)
