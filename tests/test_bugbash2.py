"""Defects found by the second bug bash (the command line): each test failed before its fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paywall_cut.cli import cli
from paywall_cut.rules.derived import cache_dir

from .conftest import ROOT, SEED

PAGE = SEED.read_text(encoding="utf-8")
ARTICLE = "".join(PAGE.splitlines(keepends=True)[:11])


def run(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    # run state in tmp_path, the compiled prefilter where it is (compiling takes seconds)
    return {
        **os.environ,
        "PAYWALL_CUT_CACHE": str(cache_dir()),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": pythonpath,
    }


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(cache_dir()))  # the compiled prefilter stays
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # --in-place run state


# -- 1. learn: a line that is not JSON -----------------------------------------------------


def test_learn_fails_on_a_jsonl_line_that_is_not_json_as_clean_does(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text(
        json.dumps({"text": PAGE}) + "\n{bad\n" + json.dumps({"text": PAGE}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "site.toml"
    r = run("learn", str(src), "-o", str(out))
    assert r.exit_code == 2  # was 0 with a warning: a document silently left out
    assert f"error: {src}:2: not JSON" in r.stderr
    assert "Traceback" not in r.stderr
    assert out.exists()  # the rule file of what could be read is written all the same
    # clean says the same of the same line
    r = run("clean", str(src), "--dry-run")
    assert r.exit_code == 2 and f"error: {src}:2: not JSON" in r.stderr


def test_learn_fails_on_an_unreadable_input_and_a_truncated_gzip(tmp_path: Path) -> None:
    import gzip

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.txt").write_text(PAGE, encoding="utf-8")
    (folder / "b.txt.gz").write_bytes(gzip.compress(PAGE.encode())[:60])  # truncated
    packed = gzip.compress((json.dumps({"text": PAGE}) + "\n").encode() * 50)
    (folder / "c.jsonl.gz").write_bytes(packed[:40])  # truncated
    corrupt = bytearray(packed)
    corrupt[200:260] = bytes(60)  # zlib.error, not OSError: was a traceback
    (folder / "d.jsonl.gz").write_bytes(bytes(corrupt))
    r = run("learn", str(folder), "-o", str(tmp_path / "site.toml"))
    assert r.exit_code == 2, r.output
    for name in ("b.txt.gz", "c.jsonl.gz", "d.jsonl.gz"):  # the message clean gives
        assert f"error: {folder / name}: not valid gzip: " in r.stderr
        assert (
            f"error: {folder / name}: not valid gzip: "
            in run("clean", str(folder / name), "--dry-run").stderr
        )


def test_learn_keeps_records_without_the_field_as_warnings_like_clean(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "c.jsonl", {"text": PAGE}, {"other": 1}, {"text": PAGE})
    r = run("learn", str(src), "-o", str(tmp_path / "site.toml"))
    assert r.exit_code == 0, r.output  # clean: a record without the field is kept, exit 0
    assert "warning:" in r.stderr and "1 record" in r.stderr


# -- 2. languages = [] -----------------------------------------------------------------------


def test_an_empty_languages_list_is_refused(tmp_path: Path) -> None:
    conf = tmp_path / ".paywall-cut.toml"
    conf.write_text("languages = []\n", encoding="utf-8")
    for args in (["--config", str(conf), "config"], ["--isolated", "--set", "languages=[]"]):
        r = run(*args, "cut", str(SEED)) if "--set" in args else run(*args)
        assert r.exit_code == 2, r.output  # was: every pack loaded, and `config` showed []
        assert r.stderr.count("\n") == 1 and "languages" in r.stderr
        assert "leave the key out" in r.stderr and r.stdout == ""


# -- 3. empty field names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["clean", "{src}", "--dry-run", "--report-field", ""],
        ["clean", "{src}", "--dry-run", "--field", ""],
        ["clean", "{src}", "--dry-run", "--learn", "--source-key", ""],
        ["cut", "{src}", "--field", ""],
        ["check", "{src}", "--field", ""],
        ["learn", "{src}", "-o", "-", "--field", ""],
        ["learn", "{src}", "-o", "-", "--source-key", ""],
        ["learn", "{src}", "-o", "-", "--id-key", ""],
    ],
)
def test_empty_field_names_are_refused(tmp_path: Path, args: list[str]) -> None:
    src = _jsonl(tmp_path / "c.jsonl", {"text": PAGE})
    r = run(*(a.format(src=src) for a in args))
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert "must not be empty" in r.stderr
    assert src.read_text(encoding="utf-8") == json.dumps({"text": PAGE}) + "\n"


# -- 4. a killed --in-place run on one file ----------------------------------------------------


def test_a_killed_in_place_run_on_one_file_is_swept_by_the_next(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "big.jsonl", *({"id": i, "text": PAGE} for i in range(8000)))
    before = src.read_bytes()
    cmd = [sys.executable, "-m", "paywall_cut", "clean", str(src), "--in-place", "--jobs", "1"]
    proc = subprocess.Popen(
        [*cmd, "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(tmp_path),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".big.jsonl.*.pwc-tmp")):  # the work has started
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert src.read_bytes() == before  # killed: the original is intact
    assert list(tmp_path.glob(".big.jsonl.*.pwc-tmp"))  # and the temporary file is left
    out = subprocess.run(
        [*cmd, "--no-progress", "--summary-json", "-"],
        capture_output=True,
        env=_env(tmp_path),
        timeout=300,
    )
    assert out.returncode == 0, out.stderr.decode()
    assert not list(tmp_path.glob(".*.pwc-tmp"))  # swept, as in a folder
    assert json.loads(out.stdout)["files"]["stale_temporaries_removed"] == 1
    assert json.loads(src.read_text(encoding="utf-8").splitlines()[0])["text"] == ARTICLE


def test_a_stale_temporary_beside_a_named_file_is_swept_only_for_that_file(
    tmp_path: Path,
) -> None:
    src = tmp_path / "a.txt"
    src.write_text(PAGE, encoding="utf-8")
    mine = tmp_path / ".a.txt.abcd1234.pwc-tmp"
    other = tmp_path / ".b.txt.abcd1234.pwc-tmp"  # another file's: not this run's business
    for p in (mine, other):
        p.write_text("half", encoding="utf-8")
    r = run("clean", str(src), "--in-place", "--summary-json", "-", "-q")
    assert r.exit_code == 0, r.output
    assert not mine.exists() and other.exists()
    assert json.loads(r.stdout)["files"]["stale_temporaries_removed"] == 1
    assert src.read_text(encoding="utf-8") == ARTICLE


# -- 5. a closed pipe ----------------------------------------------------------------------


def _closed_pipe_run(tmp_path: Path, *args: str, read_first: bool) -> tuple[int, bytes]:
    """Run paywall-cut with stdout on a real pipe whose reader goes away (as `| head -1`)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "paywall_cut", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if read_first:
        proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    return proc.returncode, err


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("An article line that is long enough, said the editor.\n" * 200_000)
    code, err = _closed_pipe_run(
        tmp_path, "cut", str(big), "--report-file", "r.json", read_first=True
    )
    assert (code, err) == (141, b"")  # was exit 1, which check uses for "found something"
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob(".*.pwc-tmp"))
    corpus = _jsonl(tmp_path / "corpus.jsonl", *({"id": i, "text": PAGE} for i in range(2000)))
    code, err = _closed_pipe_run(tmp_path, "cut", str(corpus), "--report", "none", read_first=True)
    assert (code, err) == (141, b"")
    code, err = _closed_pipe_run(tmp_path, "rules", read_first=False)  # rich
    assert (code, err) == (141, b"")


def test_a_closed_pipe_after_clean_in_place_leaves_every_file_whole(tmp_path: Path) -> None:
    corpus = _jsonl(tmp_path / "corpus.jsonl", *({"id": i, "text": PAGE} for i in range(200)))
    args = ("clean", str(corpus), "--in-place", "--summary-json", "-", "--manifest", "m.jsonl")
    code, err = _closed_pipe_run(tmp_path, *args, read_first=False)
    assert code == 141 and b"Traceback" not in err and b"Broken pipe" not in err
    lines = corpus.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(x)["text"] == ARTICLE for x in lines)
    assert len((tmp_path / "m.jsonl").read_text().splitlines()) == 1  # the manifest, whole
    assert not list(tmp_path.glob(".*.pwc-tmp"))


# -- 6. cut --report-file through the shared writer ------------------------------------------


def test_cut_report_file_that_cannot_be_written_is_refused_before_any_output(
    tmp_path: Path,
) -> None:
    target = tmp_path / "missing" / "r.json"
    r = run("cut", str(SEED), "--report-file", str(target), "--report", "none")
    assert r.exit_code == 2
    assert r.stderr == f"paywall-cut: error: --report-file {target}: No such file or directory\n"
    assert r.stdout == ""  # nothing half done: no output, then an error


def test_report_files_share_one_cannot_write_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: object, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("paywall_cut.files.atomic_write", full)
    target = tmp_path / "r.json"
    r = run("cut", str(SEED), "--report-file", str(target), "--report", "none")
    assert r.exit_code == 2
    message = f"--report-file {target}: cannot write: No space left on device"
    assert r.stderr == f"paywall-cut: error: {message}\n"
    r = run("clean", str(SEED), "--dry-run", "--summary-json", str(target), "-q")
    assert r.exit_code == 2
    assert f"--summary-json {target}: cannot write: No space left on device" in r.stderr


# -- hunt: found by the second bug bash ------------------------------------------------------


def test_clean_in_place_with_its_manifest_inside_the_tree_keeps_the_manifest(
    tmp_path: Path,
) -> None:
    """The walk met the manifest's own temporary file, took it for the litter of a killed
    run and removed it: a traceback at the end and no manifest."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text(PAGE, encoding="utf-8")
    manifest = tree / "manifest.jsonl"
    r = run("clean", str(tree), "--in-place", "--manifest", str(manifest), "-q")
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines()]
    assert [(x["source"], x["status"]) for x in lines] == [(str(tree / "a.txt"), "cleaned")]
    assert (tree / "a.txt").read_text(encoding="utf-8") == ARTICLE
    assert not list(tree.glob(".*.pwc-tmp"))
    r = run("clean", str(tree), "--out", str(tmp_path / "out"), "--manifest", str(manifest))
    assert r.exit_code == 0, r.output
    assert "pwc-tmp" not in manifest.read_text(encoding="utf-8")  # was listed as skipped


@pytest.mark.parametrize(
    "args",
    [
        ["cut", "{a}", "--report-file", "{a}"],
        ["clean", "{a}", "--dry-run", "--manifest", "{a}"],
        ["clean", "{a}", "--dry-run", "--summary-json", "{a}"],
        ["clean", "{a}", "--in-place", "--state", "{a}"],
        ["clean", "{a}", "--dry-run", "--learn", "--learn-rules", "{a}"],
        ["learn", "{a}", "-o", "{a}"],
        ["learn", "{a}", "-o", "-", "--report", "{link}"],
    ],
)
def test_a_report_file_that_is_an_input_file_is_refused(tmp_path: Path, args: list[str]) -> None:
    """The article was replaced by the report (cut --report-file a.txt), the manifest, the
    summary, the run state or the learned rules."""
    a = tmp_path / "a.txt"
    a.write_text(PAGE, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(a)
    r = run(*(x.format(a=a, link=link) for x in args))
    assert r.exit_code == 2, r.output
    assert "is an input file" in r.stderr and r.stderr.count("\n") == 1
    assert a.read_text(encoding="utf-8") == PAGE


def test_stdin_is_refused_by_the_commands_that_walk_files_with_a_hint() -> None:
    for args in (["clean", "-", "--dry-run"], ["learn", "-", "-o", "-"]):
        r = run(*args, input="Subscribe now.\n")
        assert r.exit_code == 2
        assert "reads files and folders, not stdin" in r.stderr  # was "-: no such file"


def test_clean_reports_a_large_corrupt_jsonl_gz_instead_of_a_traceback(tmp_path: Path) -> None:
    """A .jsonl.gz large enough to be cleaned chunk by chunk: zlib.error is no OSError."""
    import gzip
    import random

    rng = random.Random(7)
    lines = "".join(
        json.dumps({"text": rng.randbytes(600).hex()}) + "\n" for _ in range(1800)
    ).encode()
    packed = bytearray(gzip.compress(lines))
    assert len(packed) * 8 >= 8 << 20  # cleaned in chunks (BatchOptions.split_bytes)
    packed[5000:5400] = rng.randbytes(400)
    src = tmp_path / "big.jsonl.gz"
    src.write_bytes(bytes(packed))
    r = run("clean", str(src), "--in-place", "-q")
    assert r.exit_code == 2
    assert f"error: {src}: not valid gzip: " in r.stderr
    assert src.read_bytes() == bytes(packed) and not list(tmp_path.glob(".*.pwc-tmp"))
