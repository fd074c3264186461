"""Configuration: discovery, every key, validation messages, and ``paywall-cut config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paywall_cut.cli import cli
from paywall_cut.config import COMMAND_LINE, DEFAULT, KEYS, ConfigError, find_config, resolve
from paywall_cut.rules import builtin_langs

from .conftest import SEED

SITE_RULES = """\
lang = "en"

[[rules]]
id = "SITE001"
category = "subscribe-cta"
weight = 3.5
description = "The Daily Widget's own pitch."
patterns = ['''\\bwidget club\\b''']
examples.positive = ["Join the Widget Club today!"]
examples.negative = ["The widget market grew 4% last year."]
"""

ARTICLE = (
    "Widget makers had a strong year, the trade body said on Tuesday.\n"
    "\n"
    "Exports rose in every region, led by a surge in orders from abroad, and the\n"
    "association expects the trend to continue into the next quarter as well.\n"
    "\n"
)
WIDGET_PITCH = ARTICLE + "Widget Club card holders only\n"


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder that is the current directory."""
    root = tmp_path / "corpus"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one_error_line(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


# -- discovery ---------------------------------------------------------------------------


def test_discovery_walks_up_and_prefers_the_nearest_file(project: Path) -> None:
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    assert find_config(sub) is None
    pyproject = write(project / "pyproject.toml", "[tool.paywall-cut]\nthreshold = 2.0\n")
    assert find_config(sub) == pyproject.resolve()
    # a pyproject.toml without [tool.paywall-cut] is passed over
    write(project / "a" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(sub) == pyproject.resolve()
    # .paywall-cut.toml wins over pyproject.toml in the same folder, and nearer wins
    dotfile = write(project / "a" / ".paywall-cut.toml", "threshold = 3.0\n")
    assert find_config(sub) == dotfile.resolve()
    config = resolve(cwd=sub)
    assert config["threshold"] == 3.0 and config.origins["threshold"] == str(dotfile.resolve())


def test_isolated_and_explicit_config(project: Path) -> None:
    write(project / ".paywall-cut.toml", "threshold = 3.0\n")
    other = write(project / "other.toml", "threshold = 4.0\n")
    assert resolve()["threshold"] == 3.0
    assert resolve(isolated=True)["threshold"] == KEYS["threshold"].default
    assert resolve("other.toml")["threshold"] == 4.0
    assert resolve("other.toml").file == other
    with pytest.raises(ConfigError, match="--config: no such file: nope.toml"):
        resolve("nope.toml")


def test_set_overrides_the_file_and_applies_with_isolated(project: Path) -> None:
    write(project / ".paywall-cut.toml", "threshold = 3.0\n")
    config = resolve(overrides=["threshold=2.5", "disable=newsletter", 'languages=["en"]'])
    assert config["threshold"] == 2.5 and config.origins["threshold"] == COMMAND_LINE
    assert config["disable"] == ("newsletter",) and config["languages"] == ("en",)
    assert resolve(isolated=True, overrides=["max-cut=0.5"])["max-cut"] == 0.5
    # paths given with --set are relative to the current directory
    write(project / "rules" / "site.toml", SITE_RULES)
    config = resolve(overrides=["extend-rules=rules/site.toml"])
    assert config["extend-rules"] == (project / "rules" / "site.toml",)
    assert [r.id for r in config.ruleset().rules if r.id.startswith("SITE")] == ["SITE001"]


# -- every key, through the command line ---------------------------------------------------


def test_extend_rules_are_relative_to_the_config_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "rules" / "site.toml", SITE_RULES)
    write(project / "pyproject.toml", '[tool.paywall-cut]\nextend-rules = ["rules/site.toml"]\n')
    doc = write(project / "docs" / "a.txt", WIDGET_PITCH)
    sub = project / "docs"
    r = run("check", str(doc))
    assert r.exit_code == 1 and ": SITE001 [subscribe-cta] line 6:" in r.stdout
    # the same from a subfolder (discovery walks up; the path stays relative to the file)
    monkeypatch.chdir(sub)
    r = run("check", "a.txt")
    assert r.exit_code == 1 and "a.txt:6: SITE001" in r.stdout
    # without the configuration the built-in rules do not know the Widget Club
    assert run("check", "--isolated", "a.txt").exit_code == 0


def test_disable_by_id_and_by_category(project: Path) -> None:
    write(project / "rules" / "site.toml", SITE_RULES)
    doc = write(project / "a.txt", WIDGET_PITCH)
    base = 'extend-rules = ["rules/site.toml"]\n'
    write(project / ".paywall-cut.toml", base + 'disable = ["SITE001"]\n')
    assert run("check", str(doc)).exit_code == 0
    write(project / ".paywall-cut.toml", base + 'disable = ["subscribe-cta"]\n')
    assert run("check", str(doc)).exit_code == 0
    write(project / ".paywall-cut.toml", base)
    assert run("check", str(doc)).exit_code == 1


def test_weights_and_threshold(project: Path) -> None:
    write(project / "rules" / "site.toml", SITE_RULES)
    doc = write(project / "a.txt", WIDGET_PITCH)
    base = 'extend-rules = ["rules/site.toml"]\n'
    write(project / ".paywall-cut.toml", base + "weights = { SITE001 = 0.5 }\n")
    assert run("check", str(doc)).exit_code == 0
    write(project / ".paywall-cut.toml", base + "threshold = 5.0\n")
    assert run("check", str(doc)).exit_code == 0
    write(project / ".paywall-cut.toml", base + "threshold = 1.0\n")
    assert run("check", str(doc)).exit_code == 1


def test_languages_limit_the_packs(project: Path) -> None:
    write(project / ".paywall-cut.toml", 'languages = ["en"]\n')
    r = run("config", "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["values"]["languages"]["value"] == ["en"]
    assert run("check", str(SEED)).exit_code == 1


def test_keep_patterns_protect_lines(project: Path, seed_text: str) -> None:
    doc = write(project / "a.txt", seed_text)
    write(project / ".paywall-cut.toml", 'keep = ["Completely ad-free reading"]\n')
    r = run("check", "--output-format", "json", str(doc))
    assert r.exit_code == 1
    spans = [(f["line"], f["end_line"]) for f in json.loads(r.stdout)["findings"]]
    assert spans == [(13, 29), (32, 32)]  # line 30 is kept, the region splits around it
    assert run("check", "--fix", "-q", str(doc)).exit_code == 1
    assert "  • Completely ad-free reading.\n" in doc.read_text(encoding="utf-8")


def test_max_cut_keeps_a_document_whole(project: Path, seed_text: str) -> None:
    doc = write(project / "a.txt", seed_text)
    write(project / ".paywall-cut.toml", "max-cut = 0.2\n")
    r = run("check", str(doc))
    assert r.exit_code == 0
    assert "kept whole" in r.stderr


def test_include_and_exclude(project: Path, seed_text: str) -> None:
    write(project / "scraped" / "a.txt", seed_text)
    write(project / "scraped" / "b.page", seed_text)
    write(project / "scraped" / "drafts" / "c.txt", seed_text)
    write(project / ".paywall-cut.toml", 'exclude = ["drafts/"]\n')
    r = run("check", "scraped")
    assert r.exit_code == 1 and "1 file checked" in r.stdout
    write(project / ".paywall-cut.toml", 'include = ["*.page"]\nexclude = ["drafts/"]\n')
    r = run("check", "scraped")
    assert "scraped/b.page:13:" in r.stdout and "1 file checked" in r.stdout
    # path globs: * stays within a folder, ** crosses folders
    write(project / ".paywall-cut.toml", 'exclude = ["*/c.txt"]\n')
    assert "2 files checked" in run("check", ".").stdout
    write(project / ".paywall-cut.toml", 'exclude = ["**/c.txt"]\n')
    assert "1 file checked" in run("check", ".").stdout
    # exclude applies to files named on the command line too (pre-commit names them),
    # relative to the configuration's folder, and through their folders
    for glob in ("scraped/drafts/*.txt", "drafts", "drafts/", "scraped/**", "c.txt"):
        write(project / ".paywall-cut.toml", f'exclude = ["{glob}"]\n')
        r = run("check", "scraped/drafts/c.txt")
        assert r.exit_code == 0 and "0 files checked" in r.stdout, glob
    write(project / ".paywall-cut.toml", 'exclude = ["scraped/*.txt"]\n')
    assert run("check", "scraped/drafts/c.txt").exit_code == 1


def test_cut_honours_the_configuration_too(project: Path, seed_text: str) -> None:
    write(project / ".paywall-cut.toml", "threshold = 50.0\n")
    r = run("cut", "-", input=seed_text)
    assert r.exit_code == 0 and r.stdout == seed_text
    r = run("--isolated", "cut", "-", input=seed_text)
    assert r.stdout != seed_text


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("treshold = 2.0", "unknown key 'treshold' (did you mean 'threshold'?)"),
        ("max_cut = 0.5", "unknown key 'max_cut' (did you mean 'max-cut'?)"),
        ('threshold = "high"', "threshold: must be a number"),
        ("threshold = 0", "threshold: must be a number above 0"),
        ("max-cut = 1.5", "max-cut: must be a number at least 0 and at most 1"),
        ('languages = ["en", "xx"]', "languages: no built-in rule pack for 'xx'"),
        ("disable = [1, 2]", "disable: must be a list of non-empty strings"),
        ("weights = { PC101 = 11 }", "weights: PC101: must be a number above 0 and at most 10"),
        ('weights = ["PC101"]', "weights: must be a table"),
        ('keep = ["(unclosed"]', "keep: bad regular expression '(unclosed'"),
        ('extend-rules = ["missing.toml"]', "extend-rules: rule file not found"),
        ("include = 3", "include: must be a list of non-empty strings"),
        ('exclude = [""]', "exclude: must be a list of non-empty strings"),
    ],
)
def test_bad_keys_and_values_name_the_key_and_the_file(
    project: Path, line: str, needle: str
) -> None:
    path = write(project / ".paywall-cut.toml", line + "\n")
    r = run("check", str(SEED))
    one_error_line(r, str(path.resolve()), needle)
    one_error_line(run("config"), needle)


def test_unknown_rule_in_disable_or_weights_names_key_and_file(project: Path) -> None:
    path = write(project / "pyproject.toml", '[tool.paywall-cut]\ndisable = ["PC999"]\n')
    one_error_line(run("check", str(SEED)), f"{path.resolve()}: disable:", "'PC999'")
    path.write_text("[tool.paywall-cut]\nweights = { NOPE001 = 1.0 }\n")
    one_error_line(run("config"), f"{path.resolve()}: weights:", "'NOPE001'")


def test_bad_toml_and_bad_set(project: Path) -> None:
    path = write(project / ".paywall-cut.toml", "threshold = = 2\n")
    one_error_line(run("check", str(SEED)), str(path.resolve()), "not valid TOML")
    one_error_line(run("check", "--isolated", "--set", "nonsense", str(SEED)), "KEY=VALUE")
    one_error_line(run("check", "--isolated", "--set", "threshold=-1", str(SEED)), "--set: thresh")
    one_error_line(run("--config", "x.toml", "--isolated", "config"), "exclude each other")


def test_explicit_pyproject_without_table_is_an_error(project: Path) -> None:
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    one_error_line(run("config", "--config", "pyproject.toml"), "no [tool.paywall-cut] table")


def test_invalid_user_rule_file_is_one_line_naming_file_and_rule(project: Path) -> None:
    bad = SITE_RULES.replace(r"\bwidget club\b", "(widget club")
    assert bad != SITE_RULES
    write(project / "rules" / "site.toml", bad)
    write(project / ".paywall-cut.toml", 'extend-rules = ["rules/site.toml"]\n')
    r = run("check", str(SEED))
    one_error_line(r, "site.toml: rule SITE001: bad regular expression")
    one_error_line(run("cut", str(SEED)), "rule SITE001")


# -- paywall-cut config --------------------------------------------------------------------


def test_config_command_shows_values_and_their_origin(project: Path) -> None:
    write(project / "rules" / "site.toml", SITE_RULES)
    path = write(
        project / "pyproject.toml",
        '[tool.paywall-cut]\nextend-rules = ["rules/site.toml"]\nthreshold = 2.0\n',
    ).resolve()
    r = run("config", "--set", "max-cut=0.5")
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line[0] != "#"}
    assert set(lines) == set(KEYS)
    assert f"# configuration file: {path}" in r.stdout
    assert lines["threshold"].endswith(f"= 2.0  # {path}")
    assert lines["max-cut"].endswith("= 0.5  # command line")
    assert lines["keep"].endswith("= []  # default")
    assert str(project.resolve() / "rules" / "site.toml") in lines["extend-rules"]

    data = json.loads(run("config", "--json", "--set", "max-cut=0.5").stdout)
    assert data["file"] == str(path)
    assert data["values"]["threshold"] == {"value": 2.0, "origin": str(path)}
    assert data["values"]["max-cut"] == {"value": 0.5, "origin": COMMAND_LINE}
    assert data["values"]["languages"] == {"value": builtin_langs(), "origin": DEFAULT}


def test_config_options_work_before_and_after_the_command(project: Path) -> None:
    write(project / "x.toml", "threshold = 4.0\n")
    for args in (["--config", "x.toml", "config", "--json"], ["config", "--config", "x.toml"]):
        r = run(*args)
        assert r.exit_code == 0 and "4.0" in r.stdout
    r = run("config", "--isolated")
    assert "# no configuration file" in r.stdout
