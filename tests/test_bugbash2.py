"""Defects found by the second bug bash (the command line): each test failed before its fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paywall_cut.cli import cli

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
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": pythonpath}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
