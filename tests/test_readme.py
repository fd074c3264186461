"""The README's examples are true: what it shows a newcomer runs and gives what it says.

Each test takes a block or table out of README.md and runs it against the real tool, so
that a change to the rules, the report or the command line that makes the README wrong
fails here instead of on a user's first try.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from paywall_cut.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SEED = "fixtures/seed/wpr-china-pakistan.txt"


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)


def section(title: str) -> str:
    """The text of one ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def invoke(args: list[str], **kwargs) -> object:
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kwargs)


def test_the_first_command_cleans_the_bundled_example() -> None:
    first = blocks("sh")[0].strip()
    install, _, run = first.partition(" && ")
    assert install == "python3 -m pip install ."
    args = shlex.split(run)
    assert args[:2] == ["paywall-cut", "cut"] and (ROOT / args[2]).is_file()
    result = invoke(args[1:])
    assert result.exit_code == 0
    seed = (ROOT / SEED).read_text(encoding="utf-8").splitlines(keepends=True)
    assert result.stdout == "".join(seed[:11])  # the article's lines, as the text says


def test_the_second_command_is_what_ci_runs() -> None:
    second = blocks("sh")[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = [line for line in ci.splitlines() if line.startswith("python3 -m pip")]
    assert command, ".ci/run runs no pip install"
    # .ci/run adds only -q (quiet pip) to the README's command
    assert command[0].replace(" -q", "") == second


def test_the_report_example_is_the_report_of_the_bundled_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the report's "source" is the path as given
    shown = json.loads(blocks("json")[0])
    result = invoke(["cut", SEED, "--report", "json"])
    assert json.loads(result.stderr) == shown


def test_the_report_schema_table_names_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = json.loads(invoke(["cut", SEED, "--report", "json"]).stderr)
    table = section("The report")
    documented = set(re.findall(r"`([a-z_]+)(?:\[\])?`", table))
    missing = {key for key in report if key not in documented} - {"schema"}
    assert not missing, f"README 'The report' does not explain {sorted(missing)}"


def test_the_console_example_states_the_report_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = json.loads(invoke(["cut", SEED, "--report", "json"]).stderr)
    console = blocks("console")[0]
    lines, chars = report["lines"], report["chars"]
    summary = (
        f"cut {lines['cut']} of {lines['total']} lines ({chars['cut']} chars, "
        f"{report['cut_share']:.1%})"
    )
    assert summary in console
    assert f"boundary at line {report['boundary']}" in console
    assert f"{report['cuts'][0]['score']:.1f}" in console


def test_the_library_example_runs_and_says_what_it_returns() -> None:
    code = blocks("python")[0]
    namespace: dict[str, object] = {"text": (ROOT / SEED).read_text(encoding="utf-8")}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    result = namespace["result"]
    claimed = re.search(r"result\.boundary, result\.truncated\s+# (\d+), (True|False)", code)
    assert claimed, "the library example no longer states boundary and truncated"
    assert (result.boundary, result.truncated) == (int(claimed[1]), claimed[2] == "True")


def test_every_command_is_documented_and_every_documented_command_exists() -> None:
    documented = re.findall(r"^### `([a-z-]+)`", section("Commands"), flags=re.M)
    assert sorted(documented) == sorted(cli.commands)


def test_the_rule_example_passes_rules_check(tmp_path: Path) -> None:
    rule_file = tmp_path / "site.toml"
    rule_file.write_text(blocks("toml")[0], encoding="utf-8")
    result = invoke(["--isolated", "rules", "--check", str(rule_file)])
    assert result.exit_code == 0, result.output


def test_the_configuration_example_loads_with_the_rule_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, config = blocks("toml")[:2]
    assert config.startswith("[tool.paywall-cut]")
    named = re.search(r'extend-rules = \["([^"]+)"\]', config)
    assert named, "the configuration example names no rule file"
    (tmp_path / named[1]).parent.mkdir(parents=True)
    (tmp_path / named[1]).write_text(rules, encoding="utf-8")  # SITE001, which it weighs
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke(["config", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.dumps(json.loads(result.stdout))
    for key in re.findall(r"^([a-z-]+) = ", config, flags=re.M):
        assert key in shown, f"`config --json` does not show the example's key {key}"
    # and the configuration runs: the bundled example is still cut
    seed = (ROOT / SEED).read_text(encoding="utf-8")
    assert invoke(["cut", "-"], input=seed).stdout.count("\n") == 11


def test_the_pre_commit_snippet_names_hooks_the_repository_ships() -> None:
    snippet = blocks("yaml")[0]
    shipped = re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M)
    used = re.findall(r"- id: (\S+)", snippet)
    alternatives = re.findall(r"; or (\S+)", snippet)
    assert used and set(used + alternatives) <= set(shipped)


def test_the_exit_code_table_lists_the_codes_the_commands_use() -> None:
    table = section("Exit codes")
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.M)}
    assert listed == {0, 1, 2, 130, 141, 143}
