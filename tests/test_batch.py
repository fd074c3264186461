"""``paywall-cut clean``: trees, modes, globs, JSONL, manifest, summary, exit codes."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from paywall_cut import default_detector
from paywall_cut.batch import BatchOptions, run_batch
from paywall_cut.batch.summary import ProgressBar
from paywall_cut.batch.walk import Globs, compile_glob
from paywall_cut.jsonl import JsonlOptions

from .batchkit import ARTICLE, PAGE, PITCH, isolated_state, run, summary_of, write  # noqa: F401


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def make_tree(root: Path) -> Path:
    write(root / "a.txt", PAGE)
    write(root / "sub" / "b.md", ARTICLE)
    write(root / "sub" / "deep" / "c.txt", PAGE)
    write(root / "corpus.jsonl", jsonl({"id": 1, "text": PAGE}, {"id": 2, "text": ARTICLE}))
    write(root / "packed.txt.gz", gzip.compress(PAGE.encode()))
    write(root / "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(root / "notes.csv", "a,b\n")
    return root


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".paywall-cut-state")
    }


# -- modes ---------------------------------------------------------------------------------


def test_out_mirrors_the_tree_with_every_file_cleaned(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "in")
    before = files_under(src)
    s, r = summary_of(src, "--out", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    out = files_under(tmp_path / "out")
    assert sorted(out) == ["a.txt", "corpus.jsonl", "packed.txt.gz", "sub/b.md", "sub/deep/c.txt"]
    assert out["a.txt"] == out["sub/deep/c.txt"] == ARTICLE.encode()
    assert out["sub/b.md"] == before["sub/b.md"]  # unchanged files are copied
    assert gzip.decompress(out["packed.txt.gz"]) == ARTICLE.encode()
    records = [json.loads(x) for x in out["corpus.jsonl"].splitlines()]
    assert [r["text"] for r in records] == [ARTICLE, ARTICLE]
    assert files_under(src) == before  # the input is not touched
    f = s["files"]
    assert (f["seen"], f["cleaned"], f["unchanged"], f["skipped"], f["failed"]) == (7, 4, 1, 2, 0)
    assert s["skip_reasons"] == {"not a known format": 2}
    assert s["records"]["total"] == 2 and s["records"]["cut"] == 1
    assert s["chars"]["cut"] == 4 * (len(PAGE) - len(ARTICLE))
    assert "PC103" in s["rules"]
    assert s["documents"] == 6  # 4 text files and 2 JSONL records
    # the human summary is on stderr, without a progress bar (not a terminal)
    assert "files seen" in r.stderr and "characters cut" in r.stderr and "MB/s" in r.stderr
    assert "docs/s" in r.stderr and "top rules" in r.stderr
    assert "\x1b[" not in r.stderr and "cleaning" not in r.stderr


def test_in_place_rewrites_the_files_themselves(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "in")
    md_before = (src / "sub" / "b.md").stat()
    r = run(src, "--in-place", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    assert (src / "a.txt").read_text() == ARTICLE
    assert gzip.decompress((src / "packed.txt.gz").read_bytes()) == ARTICLE.encode()
    md_after = (src / "sub" / "b.md").stat()  # nothing to cut: not even rewritten
    assert (md_after.st_ino, md_after.st_mtime_ns) == (md_before.st_ino, md_before.st_mtime_ns)
    assert (src / "logo.png").read_bytes().startswith(b"\x89PNG")


def test_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "in")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.rglob("*") if p.is_file()}
    s, r = summary_of(src, "--dry-run", "--manifest", tmp_path / "m.jsonl")
    assert r.exit_code == 0
    assert s["files"]["cleaned"] == 4 and s["mode"] == "dry-run"
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.rglob("*") if p.is_file()}
    assert after == before
    assert not (tmp_path / "cache" / "paywall-cut" / "state.sqlite").exists()  # no state
    lines = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert {x["status"] for x in lines} == {"cleaned", "unchanged", "skipped"}
    assert all(x.get("dest") is None for x in lines)


@pytest.mark.parametrize(
    "args",
    [(), ("--in-place", "--dry-run"), ("--out", "o", "--in-place"), ("--out", "o", "--dry-run")],
)
def test_exactly_one_of_out_in_place_dry_run(tmp_path: Path, args: tuple[str, ...]) -> None:
    write(tmp_path / "a.txt", PAGE)
    r = run(tmp_path / "a.txt", *args)
    assert r.exit_code == 2
    assert "exactly one of --out DIR, --in-place and --dry-run" in r.stderr
    assert (tmp_path / "a.txt").read_text() == PAGE


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE)
    for args, message in [
        ((tmp_path / "nope", "--dry-run"), "no such file or folder"),
        ((tmp_path / "in", "--out", tmp_path / "in"), "is the input folder; use --in-place"),
        ((tmp_path / "in", "--out", tmp_path), "is inside --out"),
        ((tmp_path / "in", "--dry-run", "--manifest-records"), "needs --manifest"),
        ((tmp_path / "in", "--dry-run", "--output-encoding", "nope-8"), "unknown encoding"),
    ]:
        r = run(*args)
        assert r.exit_code == 2 and message in r.stderr, (args, r.stderr)


def test_named_files_and_several_paths(tmp_path: Path) -> None:
    a = write(tmp_path / "x" / "page.text", PAGE)
    b = write(tmp_path / "y" / "odd.name", PAGE)  # named explicitly: taken as it is
    write(tmp_path / "z" / "deep" / "c.txt", PAGE)
    r = run(a, b, tmp_path / "z", "--out", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    assert sorted(files_under(tmp_path / "out")) == ["deep/c.txt", "odd.name", "page.text"]


def test_two_inputs_writing_the_same_output_fail(tmp_path: Path) -> None:
    write(tmp_path / "x" / "a.txt", PAGE)
    write(tmp_path / "y" / "a.txt", ARTICLE)
    r = run(tmp_path / "x", tmp_path / "y", "--out", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 2
    assert "same output path as" in r.stderr and str(tmp_path / "y" / "a.txt") in r.stderr
    assert (tmp_path / "out" / "a.txt").read_text() == ARTICLE  # the first one won


# -- which files ----------------------------------------------------------------------------


def test_globs() -> None:
    assert compile_glob("*.txt").match("a.txt") and not compile_glob("*.txt").match("d/a.txt")
    assert compile_glob("**/*.txt").match("a.txt") and compile_glob("**/*.txt").match("d/e/a.txt")
    assert compile_glob("drafts/**").match("drafts/x/y.md")
    assert compile_glob("a?[0-9].md").match("ab1.md") and not compile_glob("a?[!0-9].md").match(
        "ab1.md"
    )
    g = Globs(["*.md", "archive/2019/*"])
    assert g.match("x/y/z.md") and g.match("archive/2019/a.txt") and not g.match("2019/a.txt")


def test_include_and_exclude(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "in")
    write(src / "drafts" / "d.txt", PAGE)
    s, r = summary_of(src, "--dry-run", "--include", "*.md", "--include", "*.csv")
    assert s["files"]["cleaned"] + s["files"]["unchanged"] == 2  # b.md and notes.csv
    assert s["skip_reasons"] == {"not included": 6}
    s, r = summary_of(src, "--dry-run", "--exclude", "drafts", "--exclude", "sub/**")
    # drafts/ and sub/deep/ are not entered; sub/b.md is met and excluded
    assert s["files"]["seen"] == 6
    assert s["skip_reasons"] == {"not a known format": 2, "excluded": 1}
    s, r = summary_of(src, "--out", tmp_path / "o", "--copy-skipped", "--jobs", "1")
    assert files_under(tmp_path / "o")["logo.png"] == (src / "logo.png").read_bytes()
    assert s["files"]["copied"] == 2


def test_default_formats_include_gz_variants_and_html(tmp_path: Path) -> None:
    for name in ["a.txt", "b.md", "c.markdown", "d.text", "e.html", "f.htm", "g.jsonl"]:
        write(tmp_path / "in" / name, "x\n" if "json" not in name else '{"text": "x"}\n')
    write(tmp_path / "in" / "h.ndjson.gz", gzip.compress(b'{"text": "x"}\n'))
    write(tmp_path / "in" / "i.md.gz", gzip.compress(b"x\n"))
    write(tmp_path / "in" / "j.gz", gzip.compress(b"x\n"))
    s, r = summary_of(tmp_path / "in", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert s["files"]["seen"] == 10 and s["skip_reasons"] == {"not a known format": 1}


# -- JSONL -----------------------------------------------------------------------------------


def test_jsonl_field_report_field_and_drop_empty(tmp_path: Path) -> None:
    records = [
        {"id": "a", "body": PAGE, "url": "https://example.org/a"},
        {"id": "b", "body": ARTICLE},
        {"id": "c", "body": PITCH},
    ]
    src = write(tmp_path / "in" / "c.jsonl", jsonl(*records))
    out = tmp_path / "out"
    args = ("--field", "body", "--report-field", "pc", "--drop-empty", "--jobs", "1")
    s, r = summary_of(src.parent, "--out", out, *args)
    assert r.exit_code == 0, r.stderr
    got = [json.loads(x) for x in (out / "c.jsonl").read_text().splitlines()]
    assert [g["id"] for g in got] == ["a", "b"]  # c was all prompt: dropped
    assert got[0]["body"] == ARTICLE and got[0]["url"] == records[0]["url"]
    assert list(got[0]) == ["id", "body", "url", "pc"]
    assert got[0]["pc"]["cuts"][0]["start"] == 13 and got[1]["pc"]["changed"] is False
    assert s["records"] == {"total": 3, "cut": 2, "dropped": 1, "skipped": 0}


def test_jsonl_records_without_the_field_are_kept_and_reported(tmp_path: Path) -> None:
    lines = [{"text": PAGE}, {"title": "no text"}, {"text": 3}]
    src = write(tmp_path / "c.jsonl", jsonl(*lines))
    s, r = summary_of(src, "--in-place", "--jobs", "1")
    assert r.exit_code == 0
    assert f"warning: {src}:2: record has no field 'text'" in r.stderr
    assert f"{src}:3: field 'text' is int, not a string" in r.stderr
    got = src.read_text().splitlines()
    assert json.loads(got[0])["text"] == ARTICLE
    assert got[1:] == jsonl(*lines).splitlines()[1:]
    assert s["records"]["skipped"] == 2


def test_jsonl_field_missing_from_every_record_is_an_error(tmp_path: Path) -> None:
    src = write(tmp_path / "c.jsonl", jsonl({"body": PAGE}, {"body": ARTICLE}))
    r = run(src, "--dry-run")
    assert r.exit_code == 2 and "no JSONL record has a string field 'text'" in r.stderr


def test_jsonl_line_that_is_not_json_fails_the_file_untouched(tmp_path: Path) -> None:
    bad = write(tmp_path / "in" / "bad.jsonl", jsonl({"text": PAGE}) + "{oops\n")
    good = write(tmp_path / "in" / "good.txt", PAGE)
    s, r = summary_of(tmp_path / "in", "--in-place", "--jobs", "1")
    assert r.exit_code == 2
    assert f"error: {bad}:2: not JSON" in r.stderr
    assert bad.read_text() == jsonl({"text": PAGE}) + "{oops\n"
    assert good.read_text() == ARTICLE  # the run went on
    assert s["files"]["failed"] == 1 and s["errors"][0].startswith(f"{bad}:2:")


def test_large_jsonl_split_across_processes_keeps_order_and_bytes(tmp_path: Path) -> None:
    texts = [PAGE, ARTICLE, PITCH, "Short note.\n"]
    records = [{"n": i, "text": texts[i % 4]} for i in range(400)]
    records[7] = {"n": 7, "other": 1}
    data = jsonl(*records).encode()
    src = write(tmp_path / "in" / "big.jsonl", data)
    write(tmp_path / "in" / "big2.jsonl.gz", gzip.compress(data))
    write(tmp_path / "in" / "small.txt", PAGE)
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        options = BatchOptions(
            (str(src.parent),),
            "out",
            str(out),
            jsonl=JsonlOptions(drop_empty=True),
            jobs=jobs,
            manifest=str(tmp_path / f"m{jobs}.jsonl"),
            manifest_records=True,
            split_bytes=64 << 10,
            chunk_bytes=16 << 10,  # about 30 chunks
            quiet=True,
        )
        summary = run_batch(options, default_detector(), Console(file=io.StringIO()))
        assert summary.ok and summary.records == 800 and summary.records_dropped == 200
        outs[jobs] = files_under(out)
        got = [json.loads(x) for x in outs[jobs]["big.jsonl"].splitlines()]
        assert [g["n"] for g in got] == [i for i in range(400) if i % 4 != 2]
        assert gzip.decompress(outs[jobs]["big2.jsonl.gz"]) == outs[jobs]["big.jsonl"]
        manifest = [json.loads(x) for x in Path(options.manifest or "").read_text().splitlines()]
        per_record = [m for m in manifest if "line" in m and m["source"] == str(src)]
        assert len(per_record) == 201  # 100 cleaned, 100 dropped, 1 skipped
    assert outs[1] == outs[2]


# -- manifest, summary, progress ----------------------------------------------------------


def test_manifest_has_one_line_per_file_in_the_report_schema(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "in")
    m = tmp_path / "manifest.jsonl"
    r = run(src, "--out", tmp_path / "out", "--manifest", m, "--manifest-records", "--jobs", "2")
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(x) for x in m.read_text().splitlines()]
    by_source = {(x["source"], x.get("line")): x for x in lines}
    a = by_source[(str(src / "a.txt"), None)]
    assert a["schema"] == "paywall-cut/report/1" and a["status"] == "cleaned"
    assert a["dest"] == str(tmp_path / "out" / "a.txt") and a["format"] == "text"
    assert a["cuts"][0]["start"] == 13 and a["boundary"] == 13 and a["truncated"] is True
    corpus = by_source[(str(src / "corpus.jsonl"), None)]
    assert corpus["records"] == {"total": 2, "cut": 1, "changed": 1, "dropped": 0, "skipped": 0}
    record = by_source[(str(src / "corpus.jsonl"), 1)]
    assert record["status"] == "cleaned" and record["id"] == 1 and record["cuts"]
    assert by_source[(str(src / "logo.png"), None)]["status"] == "skipped"
    assert by_source[(str(src / "packed.txt.gz"), None)]["compression"] == "gzip"
    assert len(lines) == 8


def test_progress_bar_draws_on_a_terminal_only() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    with ProgressBar(console, True, files=3, total_bytes=3_000_000) as bar:
        bar.advance(1_000_000, files=1, records=10)
        bar._progress.refresh()  # type: ignore[union-attr]
    shown = buf.getvalue()
    assert "1/3 files" in shown and "10 records" in shown and "MB" in shown
    quiet = io.StringIO()
    with ProgressBar(Console(file=quiet), False, files=3, total_bytes=3) as bar:
        bar.advance(1, files=1)
    assert quiet.getvalue() == ""


def test_quiet_prints_errors_only(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE)
    write(tmp_path / "in" / "b.txt", b"\x00\x01binary")
    r = run(tmp_path / "in", "--dry-run", "-q")
    assert r.exit_code == 2
    bad = tmp_path / "in" / "b.txt"
    assert r.stderr.splitlines() == [f"error: {bad}: binary file (not text), refused"]


def test_jobs_default_is_every_core(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", PAGE)
    assert os.cpu_count()
    r = run(tmp_path / "a.txt", "--dry-run", "--jobs", "0")
    assert r.exit_code == 0


def test_configuration_include_and_exclude_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_tree(tmp_path / "in")
    write(src / "drafts" / "d.txt", PAGE)
    write(tmp_path / ".paywall-cut.toml", 'exclude = ["drafts", "*.csv"]\n')
    monkeypatch.chdir(tmp_path)
    s, r = summary_of("in", "--dry-run", "--exclude", "logo.png")
    assert r.exit_code == 0, r.stderr
    assert s["files"]["seen"] == 7 and s["skip_reasons"] == {"excluded": 2}
    s, r = summary_of("in", "--dry-run", "--isolated")
    assert s["files"]["seen"] == 8
