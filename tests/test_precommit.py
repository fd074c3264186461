"""The shipped ``.pre-commit-hooks.yaml`` under the real ``pre-commit`` tool.

The working tree of this repository (tracked and untracked files, so uncommitted changes
are tested too) is copied into a temporary git repository that serves as the hook source.
A second temporary repository, the "corpus", uses it exactly as a user would: the
``.pre-commit-config.yaml`` snippet from docs/check-and-config.md, ``pre-commit install``,
then ``git commit``. pre-commit builds a virtualenv and pip-installs paywall-cut from the
source (this needs PyPI for the dependencies).

Skipped when pre-commit is not installed, or when PAYWALL_CUT_SKIP_PRECOMMIT=1 (offline).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from paywall_cut.batch.walk import FORMAT_SUFFIXES
from paywall_cut.formats import HTML_SUFFIXES

from .conftest import ROOT, SEED

needs_pre_commit = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None
    or os.environ.get("PAYWALL_CUT_SKIP_PRECOMMIT") == "1",
    reason="pre-commit is not installed (or PAYWALL_CUT_SKIP_PRECOMMIT=1)",
)

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
DOC = ROOT / "docs" / "check-and-config.md"
CLEAN = "A quiet article.\n\nIt talks about widgets and nothing else, at some length.\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def pre_commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Git identity and a private pre-commit cache for the subprocesses of this module."""
    saved = dict(os.environ)
    os.environ.update(
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def hook_source(env: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this working tree; returns its path and commit."""
    src = tmp_path_factory.mktemp("hook-source")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        origin = ROOT / name
        if origin.is_file():  # a tracked file deleted in the working tree is left out
            target = src / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    if not (src / "README.md").exists():  # pyproject.toml names it; the build needs it
        (src / "README.md").write_text("paywall-cut\n")
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "hook source")
    return src, git(src, "rev-parse", "HEAD")


@needs_pre_commit
def test_hooks_fix_a_paywalled_commit_and_pass_a_clean_one(
    hook_source: tuple[Path, str], tmp_path: Path
) -> None:
    src, rev = hook_source
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    git(corpus, "init", "-q")
    (corpus / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {src}\n"
        f"    rev: {rev}\n"
        f"    hooks:\n"
        f"      - id: paywall-cut\n"
        f"      - id: paywall-cut-check\n"
        f"        stages: [manual]\n"
    )
    (corpus / "notes.py").write_text("# not article text: never read\n")
    r = pre_commit(corpus, "install")
    assert r.returncode == 0, r.stdout + r.stderr
    git(corpus, "add", ".pre-commit-config.yaml", "notes.py")
    git(corpus, "commit", "-q", "-m", "setup")  # no article files: the hook is skipped

    # a clean article passes
    (corpus / "clean.md").write_text(CLEAN)
    git(corpus, "add", "clean.md")
    commit = subprocess.run(
        ["git", "commit", "-m", "clean"], cwd=corpus, capture_output=True, text=True
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "paywall-cut (cut subscription prompts)" in commit.stdout + commit.stderr

    # a paywalled article fails the commit, and the hook cuts the prompt
    article = corpus / "articles" / "wpr.txt"
    article.parent.mkdir()
    article.write_bytes(SEED.read_bytes())
    git(corpus, "add", "articles/wpr.txt")
    commit = subprocess.run(
        ["git", "commit", "-m", "paywalled"], cwd=corpus, capture_output=True, text=True
    )
    output = commit.stdout + commit.stderr
    assert commit.returncode != 0, output
    assert "articles/wpr.txt:13: PC" in output
    assert "files were modified by this hook" in output
    kept = b"".join(SEED.read_bytes().splitlines(keepends=True)[:11])
    assert article.read_bytes() == kept
    # the fixed file commits
    git(corpus, "add", "articles/wpr.txt")
    commit = subprocess.run(
        ["git", "commit", "-m", "paywalled, fixed"], cwd=corpus, capture_output=True, text=True
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr

    # the check-only hook reports and changes nothing
    other = corpus / "other.md"
    other.write_bytes(SEED.read_bytes())
    r = pre_commit(
        corpus, "run", "--hook-stage", "manual", "paywall-cut-check", "--files", "other.md"
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "other.md:13: PC" in r.stdout
    assert other.read_bytes() == SEED.read_bytes()


def load_yaml(text: str):
    yaml = pytest.importorskip("yaml")  # a dependency of pre-commit
    return yaml.safe_load(text)


def test_manifest_hooks_and_their_files() -> None:
    hooks = {h["id"]: h for h in load_yaml(MANIFEST.read_text())}
    assert set(hooks) == {"paywall-cut", "paywall-cut-check"}
    assert hooks["paywall-cut"]["entry"] == "paywall-cut check --fix"
    assert hooks["paywall-cut-check"]["entry"] == "paywall-cut check"
    for hook in hooks.values():
        assert hook["language"] == "python"
        files = re.compile(hook["files"])
        for suffix in FORMAT_SUFFIXES + HTML_SUFFIXES:  # every format check reads ...
            for name in (f"dir/a{suffix}", f"A{suffix.upper()}", f"a{suffix}.gz"):
                assert files.search(name), name
        for other in ("setup.py", "pyproject.toml", "data.json", "a.txt.bak", "x.tar.gz"):
            assert not files.search(other), other  # ... and nothing else


def test_documented_snippet_uses_the_shipped_hooks() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippet = re.search(r"```yaml\n(repos:.*?)```", text, re.S)
    assert snippet, "docs/check-and-config.md must show a .pre-commit-config.yaml snippet"
    (repo,) = load_yaml(snippet[1])["repos"]
    assert repo["rev"] and repo["repo"].startswith("https://")
    shipped = {h["id"] for h in load_yaml(MANIFEST.read_text())}
    assert {h["id"] for h in repo["hooks"]} <= shipped
