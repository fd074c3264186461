"""``clean``: whole folders and JSONL corpora, in parallel, safely (see paywall_cut.batch)."""

from __future__ import annotations

import codecs
import json
import signal
import sys
from types import FrameType

import click

from ..batch import DRY_RUN, IN_PLACE, OUT, BatchOptions, UsageError, run_batch
from ..jsonl import JsonlOptions
from . import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    cannot_write,
    check_writable,
    cli,
    config_options,
    current_config,
    fail,
    field_name,
    make_detector,
    no_stdin,
    no_text_field,
    no_text_field_message,
    not_an_input,
    say,
    stderr_console,
    worker_count,
    write_file,
)
from .learn import learn_options, with_learned


def _codec(option: str, name: str | None) -> str | None:
    if name is None:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        fail(f"{option} {name}: unknown encoding")
    return name


@cli.command("clean")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    help="Write the cleaned tree here (a mirror of the input, unchanged files copied).",
)
@click.option("--in-place", is_flag=True, help="Rewrite the files themselves (atomically).")
@click.option("--dry-run", is_flag=True, help="Only report what would be cut; write nothing.")
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Clean only files matching GLOB (repeatable; replaces the default formats).",
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and folders.")
@click.option(
    "--field",
    default="text",
    show_default=True,
    metavar="NAME",
    callback=field_name,
    help="JSONL: the field to clean.",
)
@click.option(
    "--report-field",
    metavar="NAME",
    callback=field_name,
    help="JSONL: add each record's report as NAME.",
)
@click.option("--drop-empty", is_flag=True, help="JSONL: drop records whose text was all cut.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Worker processes (default 0: one per core).",
)
@click.option(
    "--encoding", metavar="NAME", help="Input encoding of text files (default: detected)."
)
@click.option(
    "--output-encoding",
    metavar="NAME",
    help="Write text files in this encoding (default: each file's own).",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False),
    metavar="FILE.jsonl",
    help="Write one JSON line per file: its report, source, dest and status.",
)
@click.option(
    "--manifest-records",
    is_flag=True,
    help="Also one manifest line per JSONL record that was cut, dropped or skipped.",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE",
    help="Write the summary as JSON to FILE ('-': stdout).",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Where to record what was done, to skip unchanged inputs next time "
    "(default: DIR/.paywall-cut-state.sqlite; for --in-place, the user cache).",
)
@click.option("--force", is_flag=True, help="Process every input, even those up to date.")
@click.option("--copy-skipped", is_flag=True, help="--out: copy files that are not cleaned, too.")
@click.option("--no-progress", is_flag=True, help="No progress bar (none unless on a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="No warnings and no summary; errors only.")
@learn_options
@config_options
def clean(
    paths: tuple[str, ...],
    out_dir: str | None,
    in_place: bool,
    dry_run: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    field: str,
    report_field: str | None,
    drop_empty: bool,
    jobs: int,
    encoding: str | None,
    output_encoding: str | None,
    manifest: str | None,
    manifest_records: bool,
    summary_json: str | None,
    state: str | None,
    force: bool,
    copy_skipped: bool,
    no_progress: bool,
    quiet: bool,
) -> None:
    """Clean every file under PATH... into --out DIR, or --in-place, or --dry-run.

    Text, Markdown, HTML and JSONL files (and .gz of each) are cleaned; other files are
    skipped and counted. Exit code 0 when every input was processed, 2 when any could not
    be (each is reported with its path and reason) or on a usage error.
    """
    chosen = {OUT: out_dir is not None, IN_PLACE: in_place, DRY_RUN: dry_run}
    modes = [mode for mode, on in chosen.items() if on]
    if len(modes) != 1:
        fail("choose exactly one of --out DIR, --in-place and --dry-run")
    if manifest_records and not manifest:
        fail("--manifest-records needs --manifest FILE")
    if copy_skipped and out_dir is None:
        fail("--copy-skipped goes with --out DIR")
    if report_field is not None and report_field == field:
        fail("--report-field must differ from --field")
    no_stdin("clean", paths)
    check_writable("--summary-json", summary_json)  # found out now, not after the run
    for option, path in (
        ("--manifest", manifest),
        ("--summary-json", summary_json),
        ("--state", state),
    ):
        not_an_input(option, path, paths)
    # globs of the configuration file: --include replaces its include, excludes add up
    values = current_config().values
    options = BatchOptions(
        paths=paths,
        mode=modes[0],
        out_dir=out_dir,
        include=include or tuple(values.get("include", ())),
        exclude=tuple(values.get("exclude", ())) + exclude,
        jsonl=JsonlOptions(field=field, report_field=report_field, drop_empty=drop_empty),
        encoding=_codec("--encoding", encoding),
        output_encoding=_codec("--output-encoding", output_encoding),
        jobs=worker_count(jobs),
        manifest=manifest,
        manifest_records=manifest_records,
        state=state,
        force=force,
        copy_skipped=copy_skipped,
        progress=not no_progress and sys.stderr.isatty(),
        quiet=quiet,
    )
    detector = with_learned(make_detector(), options)  # --learn: site rules first
    console = stderr_console()
    terminated = False

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # SIGTERM (kill, timeout, systemd, docker stop) stops the run as Ctrl-C does
        nonlocal terminated
        terminated = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        summary = run_batch(options, detector, console)
    except UsageError as e:
        fail(str(e))
    finally:
        signal.signal(signal.SIGTERM, previous)
    code = EXIT_OK if summary.ok else EXIT_ERROR
    if no_text_field(summary.records, summary.records_skipped):
        say(console, f"error: {no_text_field_message(field)}")
        code = EXIT_ERROR
    if summary_json:
        text = json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) + "\n"
        if summary_json == "-":
            click.echo(text, nl=False)
        else:
            try:
                write_file(summary_json, text.encode("utf-8"))
            except OSError as e:
                say(console, f"error: {cannot_write('--summary-json', summary_json, e)}")
                code = EXIT_ERROR
    if summary.interrupted:
        code = 128 + signal.SIGTERM if terminated else EXIT_INTERRUPTED  # 143 or 130
    sys.exit(code)
