"""The command line through click's CliRunner (and one real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from paywall_cut.cli import cli

from .conftest import SEED


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_cut_file_to_stdout_report_json_on_stderr() -> None:
    r = run("cut", str(SEED), "--report", "json")
    assert r.exit_code == 0
    seed = SEED.read_text(encoding="utf-8")
    assert r.stdout == "".join(seed.splitlines(keepends=True)[:11])
    report = json.loads(r.stderr)
    assert report["boundary"] == 13 and report["truncated"] is True
    assert [(c["start"], c["end"]) for c in report["cuts"]] == [(13, 32)]
    assert report["source"] == str(SEED)


def test_cut_stdin_is_quiet_when_piped() -> None:
    r = run("cut", "-", input=SEED.read_bytes())
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.endswith("past few years?\n")


def test_report_file_and_rich_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    r = run("cut", str(SEED), "--report", "rich", "--report-file", str(out))
    assert r.exit_code == 0
    assert "boundary at line 13" in r.stderr and "truncated: yes" in r.stderr
    assert json.loads(out.read_text())["cuts"][0]["start"] == 13


def test_quiet_flag_silences_the_report() -> None:
    r = run("cut", str(SEED), "--report", "json", "-q")
    assert r.exit_code == 0 and r.stderr == ""


def test_binary_input_is_refused_with_exit_2() -> None:
    r = run("cut", "-", input=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "binary" in r.stderr


def test_missing_file_exit_2(tmp_path: Path) -> None:
    r = run("cut", str(tmp_path / "nope.txt"))
    assert r.exit_code == 2 and "cannot read" in r.stderr and r.stdout == ""


def test_bytes_survive_crlf_bom_and_legacy_encoding() -> None:
    text = (
        "\ufeffCaf\u00e9 owners protest\r\n"
        "The owners of forty caf\u00e9s marched on Monday.\r\n"
        "Subscribe now\r\n"
    )
    r = run("cut", "-", input=text.encode("utf-8"))
    assert r.stdout_bytes == text.encode("utf-8").replace(b"Subscribe now\r\n", b"")
    legacy = text.replace("\ufeff", "").encode("cp1252")
    r = run("cut", "-", input=legacy)
    assert r.stdout_bytes == legacy.replace(b"Subscribe now\r\n", b"")
    utf16 = text.encode("utf-16-le")
    r = run("cut", "-", input=b"\xff\xfe" + text.replace("\ufeff", "").encode("utf-16-le"))
    assert r.stdout_bytes.startswith(b"\xff\xfe") and b"S\x00u\x00b\x00" not in r.stdout_bytes
    assert utf16  # the UTF-16 round trip above kept the BOM and dropped the prompt


def test_explain_table_and_json() -> None:
    r = run("explain", str(SEED))
    assert r.exit_code == 0 and "CUT" in r.stdout and "PC1" in r.stdout
    r = run("explain", str(SEED), "--json")
    data = json.loads(r.stdout)
    assert len(data["lines_detail"]) == 32
    assert data["lines_detail"][12]["decision"] == "cut"
    assert data["lines_detail"][12]["hits"]


def test_rules_listing() -> None:
    r = run("rules", "--json")
    rules = json.loads(r.stdout)
    assert {"id", "category", "lang", "weight", "description"} <= set(rules[0])
    assert len({x["lang"] for x in rules}) >= 7
    r = run("rules", "--lang", "en", "--category", "meter")
    assert r.exit_code == 0 and "PC110" in r.stdout and "PC101" not in r.stdout


def test_eval_on_a_case_file(tmp_path: Path) -> None:
    case = {
        "id": "t1",
        "lang": "en",
        "kind": "tail",
        "truncated": True,
        "lines": [
            ["E", "Council backs ferry plan"],
            ["E", "The council voted on Tuesday to restore the early ferry to the islands."],
            ["B", "Subscribe to continue reading."],
        ],
    }
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(case) + "\n")
    r = run("eval", str(path), "--json")
    figures = json.loads(r.stdout)
    assert figures["perfect_docs"] == 1.0 and figures["B_recall"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    r = run("eval", str(bad))
    assert r.exit_code == 2 and "bad.jsonl:1" in r.stderr


def test_python_dash_m_works_like_the_script() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "paywall_cut", "cut", str(SEED)],
        capture_output=True,
        check=False,
    )
    assert p.returncode == 0
    assert p.stdout.decode().endswith("past few years?\n")
