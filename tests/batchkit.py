"""What the ``clean`` tests share: the seed's parts, a cache fixture, CLI helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paywall_cut.cli import cli
from paywall_cut.rules.derived import cache_dir

from .conftest import SEED

SEED_LINES = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
ARTICLE = "".join(SEED_LINES[:11])  # nothing to cut
PAGE = "".join(SEED_LINES)  # the article and its pitch: the pitch is cut
PITCH = "".join(SEED_LINES[12:])  # nothing but the pitch


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--in-place keeps its run state in the user's cache folder: use tmp_path instead
    (but keep the compiled prefilter where it is: compiling it again takes seconds)."""
    monkeypatch.setenv("PAYWALL_CUT_CACHE", str(cache_dir()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def run(*args: str | Path):
    return CliRunner().invoke(cli, ["clean", *map(str, args)], catch_exceptions=False)


def summary_of(*args: str | Path) -> tuple[dict, object]:
    r = run(*args, "--summary-json", "-")
    return json.loads(r.stdout), r


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
