"""``paywall-cut check`` (linter lines, --fix, --diff, JSON, GitHub) and ``rules --check``."""

from __future__ import annotations

import gzip
import json
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

import paywall_cut.rules
from paywall_cut.cli import cli
from paywall_cut.cli.check import _data, _prop

from .conftest import SEED

CLEAN = "A quiet article.\n\nIt talks about widgets and nothing else, at some length.\n"
FINDING = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<rule>[A-Z]+\d+) \[(?P<cat>[a-z-]+)\] .+$")


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, ["--isolated", *args], input=input, catch_exceptions=False)


@pytest.fixture
def corpus(tmp_path: Path, seed_text: str) -> Path:
    """paywalled.txt (the seed), clean.md, notes.py (not a supported format), a hidden
    folder and a nested paywalled Markdown file."""
    (tmp_path / "paywalled.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "clean.md").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "notes.py").write_text(seed_text, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.md").write_text(seed_text, encoding="utf-8")
    return tmp_path


def seed_kept() -> bytes:
    return b"".join(SEED.read_bytes().splitlines(keepends=True)[:11])


def test_finding_lines_summary_and_exit_1() -> None:
    r = run("check", str(SEED))
    assert r.exit_code == 1
    first, summary = r.stdout.splitlines()
    m = FINDING.match(first)
    assert m and m["path"] == str(SEED) and m["line"] == "13"
    assert m["rule"].startswith("PC") and m["cat"]
    assert 'lines 13-32: "Keep reading for free!' in first
    assert (
        summary == "Found 1 prompt region in 1 file (1 file checked). Run with --fix to cut them."
    )


def test_clean_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "clean.txt"
    path.write_text(CLEAN)
    r = run("check", str(path))
    assert r.exit_code == 0 and r.stdout == "All clean: 1 file checked.\n" and r.stderr == ""
    assert run("check", "-q", str(path)).stdout == ""


def test_folders_are_walked_for_supported_formats(corpus: Path) -> None:
    r = run("check", str(corpus))
    assert r.exit_code == 1
    paths = [FINDING.match(line)["path"] for line in r.stdout.splitlines()[:-1]]
    assert paths == [str(corpus / "paywalled.txt"), str(corpus / "sub" / "nested.md")]
    assert r.stdout.splitlines()[-1].startswith("Found 2 prompt regions in 2 files (3 files")


def test_unreadable_input_exits_2_and_the_others_are_still_checked(tmp_path: Path) -> None:
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = run("check", str(binary), str(tmp_path / "missing.txt"), str(SEED))
    assert r.exit_code == 2
    assert f"{SEED}:13:" in r.stdout
    errors = r.stderr.splitlines()
    assert len(errors) == 2 and "binary" in errors[0] and "cannot read" in errors[1]
    assert r.stdout.splitlines()[-1].endswith("2 files could not be read.")


def test_usage_errors_exit_2() -> None:
    assert run("check").exit_code == 2  # no PATH
    r = run("check", "--fix", "--diff", str(SEED))
    assert r.exit_code == 2 and "exclude each other" in r.stderr
    assert run("check", "--output-format", "xml", str(SEED)).exit_code == 2


def test_fix_cuts_in_place_keeps_permissions_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(SEED.read_bytes())
    path.chmod(0o640)
    r = run("check", "--fix", str(path))
    assert r.exit_code == 1
    assert FINDING.match(r.stdout.splitlines()[0])
    assert r.stdout.splitlines()[-1] == "Fixed 1 file: cut 1 prompt region (1 file checked)."
    assert path.read_bytes() == seed_kept()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary file left
    # re-running on the fixed file changes nothing and passes
    r = run("check", "--fix", str(path))
    assert r.exit_code == 0 and path.read_bytes() == seed_kept()


def test_fix_keeps_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    original = b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    assert run("check", "--fix", str(path)).exit_code == 1
    assert path.read_bytes() == b"\xef\xbb\xbf" + seed_kept().replace(b"\n", b"\r\n")


def test_diff_prints_a_patch_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(SEED.read_bytes())
    r = run("check", "--diff", str(path))
    assert r.exit_code == 1
    assert path.read_bytes() == SEED.read_bytes()
    lines = r.stdout.splitlines()
    assert lines[0] == f"--- a/{str(path).lstrip('/')}"
    assert lines[1] == f"+++ b/{str(path).lstrip('/')}"
    assert "-Keep reading for free!" in lines
    assert not any(line.startswith("+") for line in lines[2:])
    assert "Found 1 prompt region" in r.stderr  # the summary stays out of the patch
    clean = tmp_path / "clean.txt"
    clean.write_text(CLEAN)
    r = run("check", "--diff", str(clean))
    assert r.exit_code == 0 and r.stdout == ""


def test_json_output(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.txt")
    r = run("check", "--output-format", "json", str(SEED), missing)
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert data["schema"] == "paywall-cut/check/1"
    (finding,) = data["findings"]
    assert finding["path"] == str(SEED)
    assert (finding["line"], finding["end_line"]) == (13, 32)
    assert finding["rule"] == finding["rules"][0] and finding["category"] in finding["categories"]
    assert finding["record"] is None
    assert data["errors"][0]["path"] == missing
    assert data["summary"] == {
        "files": 2,
        "files_with_findings": 1,
        "findings": 1,
        "fixed": 0,
        "errors": 1,
        "stale_temporaries_removed": 0,
        "exit_code": 2,
    }


def test_github_annotations(tmp_path: Path) -> None:
    r = run("check", "--output-format", "github", str(SEED))
    assert r.exit_code == 1
    annotation = r.stdout.splitlines()[0]
    m = re.match(
        r"^::error file=(?P<file>[^,]+),line=13,endLine=32,title=(?P<rule>PC\d+)::\[[a-z-]+\] "
        r'lines 13-32: "Keep reading',
        annotation,
    )
    assert m and m["file"] == str(SEED)
    binary = tmp_path / "b,1.txt"
    binary.write_bytes(b"\x00\x01\x02")
    r = run("check", "--output-format", "github", str(binary))
    assert r.exit_code == 2
    assert r.stdout.startswith(
        f"::error file={str(binary).replace(',', '%2C')},title=paywall-cut::"
    )


def test_workflow_command_escaping() -> None:
    assert _data("50% off\nnow") == "50%25 off%0Anow"
    assert _prop("a:b,c") == "a%3Ab%2Cc"


def test_stdin_can_be_checked_but_not_fixed() -> None:
    r = run("check", "-", input=SEED.read_bytes())
    assert r.exit_code == 1 and r.stdout.startswith("-:13: ")
    r = run("check", "--fix", "-", input=SEED.read_bytes())
    assert r.exit_code == 2 and "stdin" in r.stderr


# -- rules --check -------------------------------------------------------------------------

GOOD_RULES = """\
lang = "en"

[[rules]]
id = "SITE001"
category = "subscribe-cta"
weight = 3.0
description = "The Daily Widget's own pitch."
patterns = ['''\\bwidget club\\b''']
examples.positive = ["Join the Widget Club today!", "Widget Club members read free"]
examples.negative = ["The widget market grew 4% last year."]
"""


def rule_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_rules_check_passes_a_good_file(tmp_path: Path) -> None:
    path = rule_file(tmp_path, GOOD_RULES)
    r = run("rules", "--check", path)
    assert r.exit_code == 0
    assert r.stdout == f"{path}: 1 rule, 3 examples: all pass\n"


def test_rules_check_prints_each_failing_example_and_exits_1(tmp_path: Path) -> None:
    text = GOOD_RULES.replace(
        'examples.negative = ["The widget market grew 4% last year."]',
        'examples.negative = ["The widget market grew.", "Widget Club news: we moved."]',
    ).replace('"Widget Club members read free"', '"Members of the widget guild read free"')
    path = rule_file(tmp_path, text)
    r = run("rules", "--check", path)
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        f"{path}: rule SITE001: positive example does not fire: "
        "'Members of the widget guild read free'",
        f"{path}: rule SITE001: negative example fires: 'Widget Club news: we moved.'",
    ]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ((r"'''\bwidget club\b'''", "'''(widget club'''"), "rule SITE001: bad regular expression"),
        (('"subscribe-cta"', '"nagging"'), "rule SITE001: unknown category 'nagging'"),
        (
            ('examples.negative = ["The widget market grew 4% last year."]', ""),
            "rule SITE001: needs at least one positive and one negative example",
        ),
        (('id = "SITE001"', 'id = "PC101"'), "rule id PC101 is already defined"),
    ],
)
def test_rules_check_invalid_file_is_one_line_exit_2(
    tmp_path: Path, change: tuple[str, str], needle: str
) -> None:
    assert change[0] in GOOD_RULES
    path = rule_file(tmp_path, GOOD_RULES.replace(*change))
    r = run("rules", "--check", path)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and path in r.stderr and needle in r.stderr


@pytest.mark.parametrize("lang", ["en", "de"])
def test_rules_check_on_a_built_in_pack_in_place_checks_it_against_the_others(
    tmp_path: Path, lang: str
) -> None:
    pack = Path(paywall_cut.rules.__file__).parent / f"{lang}.toml"
    r = run("rules", "--check", str(pack))
    assert r.exit_code == 0, r.output
    assert "examples: all pass" in r.stdout
    # a copy elsewhere is a user file: its ids clash with the built-in pack
    copy = tmp_path / f"my-{lang}.toml"
    copy.write_bytes(pack.read_bytes())
    r = run("rules", "--check", str(copy))
    assert r.exit_code == 2 and "is already defined" in r.stderr


def test_rules_check_missing_file_exits_2(tmp_path: Path) -> None:
    r = run("rules", "--check", str(tmp_path / "nope.toml"))
    assert r.exit_code == 2 and "cannot read" in r.stderr


# -- JSON Lines and gzip ---------------------------------------------------------------------


def jsonl_corpus(tmp_path: Path, seed_text: str, field: str = "text") -> bytes:
    article = "".join(seed_text.splitlines(keepends=True)[:11])
    records = [
        {"id": "a", field: article},
        {"id": "b", field: seed_text},
        {"id": "c", "other": 1},
        {"id": "d", field: seed_text},
    ]
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def test_jsonl_findings_name_the_record_line(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(jsonl_corpus(tmp_path, seed_text))
    r = run("check", str(path))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert [FINDING.match(line)["line"] for line in lines[:-1]] == ["2", "4"]
    assert 'record text lines 13-32: "Keep reading' in lines[0]
    assert "1 record not checked: line 3: record has no field 'text'" in r.stderr
    data = json.loads(run("check", "--output-format", "json", str(path)).stdout)
    assert [(f["line"], f["record"]) for f in data["findings"]] == [(2, 2), (4, 4)]
    # --fix cuts the records' text and keeps the rest
    assert run("check", "--fix", str(path)).exit_code == 1
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records[1]["text"].endswith("past few years?\n") and records[2] == {
        "id": "c",
        "other": 1,
    }
    assert run("check", str(path)).exit_code == 0


def test_jsonl_field_option_and_bad_jsonl(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(jsonl_corpus(tmp_path, seed_text, field="content"))
    r = run("check", str(path))  # no record has 'text': nothing was checked, which is no pass
    assert r.exit_code == 2 and "no JSONL record has a string field 'text'" in r.stderr
    assert run("check", "--field", "content", str(path)).exit_code == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\nnot json\n')
    r = run("check", str(bad))
    assert r.exit_code == 2 and f"{bad}:2: not JSON" in r.stderr


def test_gzip_files_are_checked_fixed_and_diffed(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "page.txt.gz"
    path.write_bytes(gzip.compress(SEED.read_bytes()))
    (tmp_path / "corpus.jsonl.gz").write_bytes(gzip.compress(jsonl_corpus(tmp_path, seed_text)))
    r = run("check", str(tmp_path))
    assert r.exit_code == 1 and "3 prompt regions in 2 files" in r.stdout
    r = run("check", "--diff", str(path))
    assert r.exit_code == 1 and "-Keep reading for free!" in r.stdout.splitlines()
    assert run("check", "--fix", str(path)).exit_code == 1
    assert gzip.decompress(path.read_bytes()) == seed_kept()


def test_html_findings_point_at_the_source_lines_of_the_cut_elements() -> None:
    from paywall_cut.cli.check import findings_of
    from paywall_cut.formats import Processed

    cut = {
        "start": 4,
        "end": 6,
        "rules": ["PC101"],
        "categories": ["paywall-notice"],
        "preview": "Subscribe to keep reading",
        "elements": [
            {"tag": "div", "selector": "div.paywall", "lines": [4, 5], "source_line": 40},
            {"tag": "p", "selector": "p.cta", "lines": [6], "source_line": 47},
        ],
    }
    processed = Processed(b"", True, "html", [], {"cuts": [cut]})
    (finding,) = findings_of("page.html", processed)
    assert (finding.line, finding.end_line) == (40, 47)
    assert finding.text() == (
        "page.html:40: PC101 [paywall-notice] page text lines 4-6 (div.paywall +1): "
        '"Subscribe to keep reading"'
    )


def test_html_pages_are_checked_and_fixed_as_html(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html>\n<html><body>\n<article>\n"
        "<h1>Council delays library vote</h1>\n"
        "<p>The county council postponed its vote on the library budget after a long "
        "debate on Tuesday evening, officials said.</p>\n"
        "<p>Library staff said they were relieved that the cuts would be debated in public.</p>\n"
        '<div class="box"><p>Already a subscriber? Log in</p>\n'
        "<p>Subscribe to continue reading this article.</p></div>\n"
        "</article>\n</body></html>\n"
    )
    r = run("check", str(page))
    assert r.exit_code == 1, r.output
    finding = FINDING.match(r.stdout.splitlines()[0])
    assert finding and finding["line"] == "7"  # the source line of the cut element
    assert "(div.box)" in r.stdout
    assert "page text line" in r.stdout
    assert run("check", "--fix", str(page)).exit_code == 1
    fixed = page.read_text()
    assert "subscriber" not in fixed and "<p>Library staff said" in fixed
    assert fixed.startswith("<!doctype html>")
    assert run("check", str(page)).exit_code == 0


def test_fix_removes_what_a_killed_fix_left_beside_its_files(tmp_path: Path) -> None:
    """A --fix killed mid-write leaves its temporary file (the original intact, see
    files.atomic_writer); the next --fix reads the file again, fixes it and removes the
    temporary file, named or under a folder. A check without --fix writes nothing."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    named, walked = tmp_path / "a.txt", folder / "b.txt"
    for path in (named, walked):
        path.write_bytes(SEED.read_bytes())
    litter = [tmp_path / ".a.txt.k3j5x9q2.pwc-tmp", folder / ".b.txt.0aq7r1zz.pwc-tmp"]
    for temp in litter:
        temp.write_bytes(b"half a file")
    unrelated = tmp_path / ".a.txt.notes"  # not the shape of a temporary file: stays
    unrelated.write_text("mine")

    r = run("check", str(named), str(folder))
    assert r.exit_code == 1 and all(t.exists() for t in litter)

    r = run("check", "--fix", "--output-format", "json", str(named), str(folder))
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["summary"]["stale_temporaries_removed"] == 2
    assert not any(t.exists() for t in litter) and unrelated.exists()
    assert sorted(data["fixed"]) == sorted([str(named), str(walked)])

    r = run("check", "--fix", str(named), str(folder))
    assert r.exit_code == 0 and "Removed" not in r.output
