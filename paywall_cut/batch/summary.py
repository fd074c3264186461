"""What a batch run tells its user: the progress bar while it runs, the summary after.

The progress bar (files, records, MB, rate, ETA) is drawn with rich on stderr, only when
stderr is a terminal; the summary is a table on stderr; :meth:`Summary.to_dict` is the
same for machines (``--summary-json``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from .work import FileOutcome

SUMMARY_SCHEMA = "paywall-cut/batch-summary/1"


@dataclass
class Summary:
    """Counts of a run; every file met is in exactly one of the file counts."""

    mode: str = ""
    files_seen: int = 0
    cleaned: int = 0  # something was cut
    unchanged: int = 0  # nothing to cut (copied to --out as it is)
    rewritten: int = 0  # nothing cut, but written differently (--output-encoding, report field)
    up_to_date: int = 0  # not read: unchanged since the last run (see state.py)
    skipped: int = 0  # not a file to clean (see skip_reasons)
    failed: int = 0  # could not be processed (see errors)
    copied: int = 0  # skipped files copied to --out by --copy-skipped (also in skipped)
    stale_removed: int = 0  # temporary files of an interrupted run, removed
    records: int = 0
    records_cut: int = 0
    records_dropped: int = 0
    records_skipped: int = 0  # no string field: kept unchanged
    chars_total: int = 0
    chars_cut: int = 0
    bytes_in: int = 0  # bytes read and processed (not counting up-to-date and skipped files)
    documents: int = 0  # documents cleaned: files other than JSONL, and JSONL records
    rules: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0
    interrupted: bool = False  # Ctrl-C
    aborted: str | None = None  # the run stopped early (a worker process died)

    def add(self, outcome: FileOutcome) -> None:
        self.files_seen += 1
        status = outcome.status
        if status == "failed":
            self.failed += 1
            self.errors.append(outcome.reason or outcome.name)
            return
        if status == "up-to-date":
            self.up_to_date += 1
            return
        if status == "copied":
            self.skipped += 1
            self.copied += 1
            self.skip_reasons[outcome.reason or "copied"] += 1
            return
        if status == "cleaned":
            self.cleaned += 1
        elif status == "rewritten":
            self.rewritten += 1
        else:
            self.unchanged += 1
        self.bytes_in += outcome.size
        self.chars_total += outcome.chars_total
        self.chars_cut += outcome.chars_cut
        self.rules.update(outcome.rules)
        if outcome.jsonl is not None:
            self.add_records(outcome.jsonl)
        else:
            self.documents += 1

    def add_records(self, stats: Any) -> None:
        self.records += stats.records
        self.documents += stats.records
        self.records_cut += stats.cut
        self.records_dropped += stats.dropped
        self.records_skipped += stats.skipped

    def skip(self, reason: str) -> None:
        self.files_seen += 1
        self.skipped += 1
        self.skip_reasons[reason] += 1

    def fail(self, message: str) -> None:
        self.files_seen += 1
        self.failed += 1
        self.errors.append(message)

    def finish(self) -> None:
        self.elapsed = time.monotonic() - self.started

    @property
    def mb_per_s(self) -> float:
        return self.bytes_in / 1e6 / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SUMMARY_SCHEMA,
            "mode": self.mode,
            "files": {
                "seen": self.files_seen,
                "cleaned": self.cleaned,
                "unchanged": self.unchanged,
                "rewritten": self.rewritten,
                "up_to_date": self.up_to_date,
                "skipped": self.skipped,
                "failed": self.failed,
                "copied": self.copied,
                "stale_temporaries_removed": self.stale_removed,
            },
            "skip_reasons": dict(self.skip_reasons.most_common()),
            "records": {
                "total": self.records,
                "cut": self.records_cut,
                "dropped": self.records_dropped,
                "skipped": self.records_skipped,
            },
            "chars": {"total": self.chars_total, "cut": self.chars_cut},
            "rules": dict(self.rules.most_common()),
            "bytes": self.bytes_in,
            "documents": self.documents,
            "elapsed_s": round(self.elapsed, 3),
            "mb_per_s": round(self.mb_per_s, 3),
            "docs_per_s": round(self.docs_per_s, 1),
            "errors": self.errors,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
        }

    @property
    def ok(self) -> bool:
        """Did every input get processed? (exit code 0)"""
        return not (self.failed or self.interrupted or self.aborted)


def render(console: Console, s: Summary, top_rules: int = 5) -> None:
    """The summary table."""
    table = Table(title="paywall-cut clean" + (" (dry run)" if s.mode == "dry-run" else ""))
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_column("", overflow="fold")
    verb = "would be cleaned" if s.mode == "dry-run" else "something cut"
    rows: list[tuple[str, str, str]] = [
        ("files seen", f"{s.files_seen:,}", ""),
        ("cleaned", f"{s.cleaned:,}", verb),
        ("unchanged", f"{s.unchanged:,}", "nothing to cut"),
    ]
    if s.rewritten:
        rows.append(("rewritten", f"{s.rewritten:,}", "nothing cut, written differently"))
    if s.up_to_date:
        rows.append(("up to date", f"{s.up_to_date:,}", "unchanged since the last run, not read"))
    reasons = ", ".join(f"{n:,} {r}" for r, n in s.skip_reasons.most_common(4))
    rows.append(("skipped", f"{s.skipped:,}", reasons))
    rows.append(("failed", f"{s.failed:,}", "see the messages above" if s.failed else ""))
    if s.records:
        detail = f"{s.records_cut:,} cut"
        if s.records_dropped:
            detail += f", {s.records_dropped:,} dropped"
        if s.records_skipped:
            detail += f", {s.records_skipped:,} without the text field"
        rows.append(("records", f"{s.records:,}", detail))
    share = f"{s.chars_cut / s.chars_total:.1%} of {s.chars_total:,}" if s.chars_total else ""
    rows.append(("characters cut", f"{s.chars_cut:,}", share))
    if s.rules:
        top = ", ".join(f"{r} ({n:,})" for r, n in s.rules.most_common(top_rules))
        rows.append(("top rules", "", top))
    rate = f"{s.mb_per_s:.2f} MB/s, {s.docs_per_s:,.0f} docs/s over {s.bytes_in / 1e6:,.2f} MB"
    rows.append(("elapsed", f"{s.elapsed:.1f} s", rate))
    if s.stale_removed:
        rows.append(("stale temporaries", f"{s.stale_removed:,}", "removed (interrupted run)"))
    for row in rows:
        table.add_row(*row)
    table.show_header = False
    console.print(table)
    if s.interrupted:
        console.print("interrupted: the files not listed as done are as they were")


class ProgressBar:
    """Files, records, MB, rate and ETA; a no-op unless enabled (stderr is a terminal)."""

    def __init__(self, console: Console, enabled: bool, files: int, total_bytes: int) -> None:
        self.enabled = enabled
        self.console = console
        self.files_total = files
        self.files = 0
        self.records = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]cleaning"),
                BarColumn(),
                TextColumn("{task.fields[files]}"),
                TextColumn("{task.fields[records]}"),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._task = self._progress.add_task(
                "clean", total=max(total_bytes, 1), files=self._files_text(), records=""
            )

    def _files_text(self) -> str:
        return f"{self.files:,}/{self.files_total:,} files"

    def __enter__(self) -> ProgressBar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, nbytes: int = 0, files: int = 0, records: int = 0) -> None:
        if self._progress is None or self._task is None:
            return
        self.files += files
        self.records += records
        self._progress.update(
            self._task,
            advance=nbytes,
            files=self._files_text(),
            records=f"{self.records:,} records" if self.records else "",
        )
