"""Defects found by a bug bash: each test failed before its fix."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from paywall_cut.cli import cli
from paywall_cut.rules.derived import cache_dir

from .conftest import SEED


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- cut on a JSON Lines file -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["json", "rich", "none"])
def test_cut_jsonl_reports_without_crashing(tmp_path: Path, mode: str) -> None:
    page = SEED.read_text(encoding="utf-8")
    src = _jsonl(tmp_path / "c.jsonl", {"id": 1, "text": page}, {"id": 2})
    r = run("cut", str(src), "--report", mode)
    assert r.exit_code == 0, r.output
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["text"] == "".join(page.splitlines(keepends=True)[:11])
    assert records[1] == {"id": 2}
    if mode == "json":
        report = json.loads(r.stderr)
        assert report["format"] == "jsonl" and report["records"]["cut"] == 1
    elif mode == "rich":
        assert "1 of 2 records cut" in r.stderr


# -- explain on gzip ----------------------------------------------------------------------


def test_explain_reads_gzip_like_cut(tmp_path: Path) -> None:
    src = tmp_path / "a.txt.gz"
    src.write_bytes(gzip.compress(SEED.read_bytes()))
    r = run("explain", str(src), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [(c["start"], c["end"]) for c in data["cuts"]] == [(13, 32)]
    assert len(data["lines_detail"]) == 32


# -- check --fix on a symbolic link -------------------------------------------------------


def test_check_fix_writes_through_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(SEED.read_bytes())
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")
    r = run("check", "--fix", str(link))
    assert r.exit_code == 1, r.output
    assert link.is_symlink() and os.readlink(link) == "real.txt"
    assert target.read_text(encoding="utf-8").endswith("past few years?\n")


# -- configuration values that are not finite numbers -------------------------------------


@pytest.mark.parametrize("value", ["threshold=nan", "threshold=inf", "max-cut=nan"])
def test_config_refuses_non_finite_numbers(value: str) -> None:
    r = run("--isolated", "--set", value, "cut", str(SEED), "--report", "none")
    assert r.exit_code == 2
    assert "must be a number" in r.stderr and r.stdout == ""
    r = run("--isolated", "--set", value, "config")
    assert r.exit_code == 2 and "must be a number" in r.stderr


def test_config_refuses_non_finite_weight() -> None:
    r = run("--isolated", "--set", "weights={PC101=nan}", "config")
    assert r.exit_code == 2 and "must be a number" in r.stderr


# -- clean stopped by SIGTERM (kill, timeout, systemd, docker stop) -------------------------


def test_clean_on_sigterm_stops_like_ctrl_c(tmp_path: Path) -> None:
    page = SEED.read_text(encoding="utf-8")
    src = _jsonl(tmp_path / "big.jsonl", *({"id": i, "text": page} for i in range(8000)))
    before = src.read_bytes()
    env = {**os.environ, "PAYWALL_CUT_CACHE": str(cache_dir())}  # the compiled prefilter
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # run state
    cmd = [sys.executable, "-m", "paywall_cut", "clean", str(src), "--in-place", "--jobs", "2"]
    proc = subprocess.Popen(
        [*cmd, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, so that no worker outlives the test
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".big.jsonl.*.pwc-tmp")):  # the work has started
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        # the workers stop with it: nothing keeps the pipes open
        _, err = proc.communicate(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 143, err.decode()
    assert "interrupted" in err.decode()
    assert src.read_bytes() == before  # the large file in progress stays as it was
    assert not list(tmp_path.glob(".*.pwc-tmp"))


# -- --jobs far above the processors ------------------------------------------------------


def test_clean_caps_absurd_jobs_instead_of_forking_until_out_of_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paywall_cut.batch import runner

    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(cache_dir()))  # the compiled prefilter
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    seen: list[int] = []
    monkeypatch.setattr(runner, "make_pool", lambda jobs, *a: seen.append(jobs) or 1 / 0)
    monkeypatch.setattr("paywall_cut.cli.cores", lambda: 2)
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    r = CliRunner().invoke(cli, ["clean", str(tmp_path / "a.txt"), "--dry-run", "-j", "100000"])
    assert seen == [8]
    assert "--jobs 100000: using 8 worker processes" in r.stderr


# -- --summary-json that cannot be written ------------------------------------------------


def test_summary_json_in_a_missing_folder_is_one_error_line_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(cache_dir()))  # the compiled prefilter
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "a.txt"
    src.write_bytes(SEED.read_bytes())
    target = tmp_path / "missing" / "summary.json"
    r = run("clean", str(src), "--in-place", "--summary-json", str(target))
    assert r.exit_code == 2
    assert r.stderr.startswith("paywall-cut: error: --summary-json ")
    assert "Traceback" not in r.stderr and "No such file or directory" in r.stderr
    assert src.read_bytes() == SEED.read_bytes()  # refused before the run, like --manifest


# -- text that looks like rich markup -----------------------------------------------------

MARKUP_DOC = (
    "An article line that is long enough to be prose, said the editor of the paper.\n"
    "Subscribe to continue reading [/i]. Already a subscriber? [red]Log in[/red].\n"
)


def test_rich_report_and_explain_show_markup_in_text_and_names_literally(tmp_path: Path) -> None:
    folder = tmp_path / "a["
    folder.mkdir()
    src = folder / "i]b.txt"  # the path holds '[/i]'
    src.write_text(MARKUP_DOC, encoding="utf-8")
    r = run("cut", str(src), "--report", "rich")
    assert r.exit_code == 0, r.output
    shown = " ".join(r.stderr.split())  # the table wraps
    assert f"{src}: cut 1 of 2 lines" in shown
    assert "[/i]" in shown and "[red]Log in[/red]" in shown
    r = run("explain", str(src))
    assert r.exit_code == 0, r.output
    assert "[red]Log" in r.stdout


def test_eval_show_misses_prints_case_text_literally(tmp_path: Path) -> None:
    case = {
        "id": "[/x]",
        "lang": "en",
        "kind": "tail",
        "truncated": False,
        "lines": [["E", "[/i] an editorial line of the story."], ["B", "[/b] buy our mugs"]],
    }
    src = tmp_path / "[b]cases.jsonl"
    src.write_text(json.dumps(case) + "\n", encoding="utf-8")
    r = run("eval", str(src), "--show-misses", "5")
    assert r.exit_code == 0, r.output
    assert "[/x]" in r.stdout and "[/b] buy our mugs" in r.stdout and "[b]cases" in r.stdout


# -- check: a file that could not be read was not checked ---------------------------------


def test_check_summary_does_not_count_an_unreadable_file_as_checked(tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text("A plain article line.\n", encoding="utf-8")
    r = run("check", str(good), str(tmp_path / "missing.txt"))
    assert r.exit_code == 2
    assert r.stdout.strip() == "All clean: 1 file checked. 1 file could not be read."


# -- reports written to a pipe (>(jq .)), a named pipe, a missing folder --------------------


def _read_pipe(tmp_path: Path, write) -> bytes:
    """Call ``write(path)`` with ``/dev/fd/N`` of a pipe, as ``>(cmd)`` gives; its bytes."""
    r, w = os.pipe()
    try:
        write(f"/dev/fd/{w}")
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as fh:
        return fh.read()


def test_report_files_can_be_pipes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(cache_dir()))  # the compiled prefilter
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def cut(path: str) -> None:
        assert run("cut", str(SEED), "--report-file", path).exit_code == 0

    assert json.loads(_read_pipe(tmp_path, cut))["boundary"] == 13

    def clean(path: str) -> None:
        r = run("clean", str(SEED), "--dry-run", "--summary-json", path, "--manifest", path)
        assert r.exit_code == 0, r.output

    lines = _read_pipe(tmp_path, clean).decode().splitlines()
    assert json.loads(lines[0])["status"] == "cleaned"  # the manifest, then the summary
    assert json.loads("".join(lines[1:]))["schema"] == "paywall-cut/batch-summary/1"


def test_report_file_on_a_named_pipe_stays_a_pipe(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = run("cut", str(SEED), "--report-file", str(fifo))
    reader.join(timeout=30)
    assert r.exit_code == 0 and fifo.is_fifo()
    assert json.loads(got[0])["boundary"] == 13


def test_learn_output_in_a_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    r = run("learn", str(SEED), "-o", str(tmp_path / "missing" / "site.toml"))
    assert r.exit_code == 2
    assert r.stderr.startswith("paywall-cut: error: --output ") and "Traceback" not in r.stderr


# -- Ctrl-C in the commands other than clean ----------------------------------------------


def test_ctrl_c_in_check_exits_130_not_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("paywall_cut.cli.check.process", interrupted)
    r = CliRunner().invoke(cli, ["check", str(SEED)])
    assert r.exit_code == 130  # exit 1 would say "check found something"
    assert "interrupted" in r.stderr


# -- eval and explain options out of range ------------------------------------------------


def test_eval_refuses_nothing_to_score_and_negative_counts(tmp_path: Path) -> None:
    from .conftest import FIXTURES

    cases = str(sorted((FIXTURES / "cases").glob("*.jsonl"))[0])
    r = run("eval", cases, "--kind", "nope")
    assert r.exit_code == 2 and "no labelled case of kind 'nope'" in r.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run("eval", str(empty)).exit_code == 2
    # was misses[:-1]: every miss but the last
    assert CliRunner().invoke(cli, ["eval", cases, "--show-misses", "-1"]).exit_code == 2
    assert CliRunner().invoke(cli, ["explain", str(SEED), "--width", "0"]).exit_code == 2


# -- JSON Lines where no record has the text field (a forgotten --field) --------------------


def test_check_and_cut_fail_like_clean_when_no_record_has_the_field(tmp_path: Path) -> None:
    page = SEED.read_text(encoding="utf-8")
    src = _jsonl(tmp_path / "c.jsonl", {"content": page}, {"content": page})
    r = run("check", str(src))
    assert r.exit_code == 2  # was "All clean", exit 0: a pre-commit hook that passes anything
    assert "no JSONL record has a string field 'text' (see --field)" in r.stderr
    assert "All clean" not in r.stdout
    r = run("check", str(src), "--field", "content")
    assert r.exit_code == 1
    r = run("cut", str(src), "--report", "none")
    assert r.exit_code == 2 and r.stdout == ""
    assert "no JSONL record has a string field 'text'" in r.stderr


def test_check_is_fine_with_a_jsonl_file_some_of_whose_records_lack_the_field(
    tmp_path: Path,
) -> None:
    src = _jsonl(tmp_path / "c.jsonl", {"text": "A plain article line."}, {"meta": 1})
    assert run("check", str(src)).exit_code == 0


# -- a page saved as text under an HTML name ----------------------------------------------


def test_an_html_name_holding_plain_text_is_read_as_text(tmp_path: Path) -> None:
    """As one HTML block, the whole text was one line: one prompt sentence made all of it a
    wall, and 'check --fix' emptied the file, article lines included."""
    from paywall_cut.formats import detect_format

    page = tmp_path / "story.html"
    page.write_bytes(SEED.read_bytes())
    r = run("cut", str(page), "--report", "none")
    assert r.exit_code == 0
    assert r.stdout == "".join(SEED.read_text(encoding="utf-8").splitlines(True)[:11])
    assert detect_format("a.html", b"<p>Real markup</p>") == "html"
    assert detect_format("a.htm", "<p>UTF-16</p>".encode("utf-16")) == "html"
    assert detect_format("a.html", b"<!doctype html>x") == "html"
    assert detect_format("a.html", b"Plain text, 3 < 4 and 5 > 2.\n") == "text"


# -- the library refuses what it cannot read, with a message that says so ----------------


def test_the_library_says_what_it_takes() -> None:
    from paywall_cut import Settings, cut

    for bad in (b"Subscribe now", None, 42):
        with pytest.raises(TypeError, match=r"takes text \(str\)"):
            cut(bad)  # type: ignore[arg-type]
    for share in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="max_cut"):
            Settings(max_cut=share)
    assert Settings(max_cut=0.25).max_cut == 0.25


def test_cut_reads_the_text_field_it_is_given(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "c.jsonl", {"id": 1, "content": SEED.read_text(encoding="utf-8")})
    r = run("cut", str(src), "--field", "content", "--report", "json")
    assert r.exit_code == 0
    record = json.loads(r.stdout)
    kept = "".join(SEED.read_text(encoding="utf-8").splitlines(True)[:11])
    assert record == {"id": 1, "content": kept}
    assert json.loads(r.stderr)["records"]["cut"] == 1
    r = run("cut", str(src), "--report", "none")
    assert r.exit_code == 2 and "string field 'text' (see --field)" in r.stderr


def test_explain_refuses_json_lines_and_eval_names_a_file_that_is_not_utf8(
    tmp_path: Path,
) -> None:
    src = _jsonl(tmp_path / "c.jsonl", {"text": "Subscribe now to keep reading."})
    r = run("explain", str(src))
    assert r.exit_code == 2 and "this is JSON Lines" in r.stderr and r.stdout == ""
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(b'{"id": "a", "lines": [["E", "caf\xe9"]]}\n')
    r = run("eval", str(cases))
    assert r.exit_code == 2 and f"{cases}:1: not UTF-8" in r.stderr
    assert "Traceback" not in r.stderr
