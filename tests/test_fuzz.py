"""The fuzz targets: a short bounded run of each (when atheris is installed), and every input
a fuzzer ever found to crash replayed as a regression test (always).

The longer run and its result are in docs/hardening.md.
"""

from __future__ import annotations

import base64
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "fuzz"
sys.path.insert(0, str(FUZZ))

import corpus  # noqa: E402  (fuzz/corpus.py)
import targets  # noqa: E402  (fuzz/targets.py)

RUNS = 2000
# regressions whose fix belongs to someone else: replayed as expected failures (strict, so
# that the marker goes once fixed)
OPEN: dict[str, str] = {}  # file name -> reason


def regressions(kind: str) -> list[Path]:
    return sorted((FUZZ / "regressions" / kind).glob("*"))


def replay(kind: str) -> list:
    """Each regression input of ``kind`` as a test parameter (expected failures marked)."""
    return [
        pytest.param(p, id=p.name, marks=[pytest.mark.xfail(strict=True, reason=OPEN[p.name])])
        if p.name in OPEN
        else pytest.param(p, id=p.name)
        for p in regressions(kind)
    ]


@pytest.mark.parametrize(
    "target, kind", [("fuzz_cut.py", "text"), ("fuzz_html.py", "html")], ids=["text", "html"]
)
def test_a_short_fuzz_run_finds_nothing(tmp_path: Path, target: str, kind: str) -> None:
    """RUNS inputs mutated from the fixtures (coverage-guided), each checked by the target's
    invariants (fuzz/targets.py); a crash, a hang (-timeout) or a failed check fails the run.
    The regression inputs are replayed on their own (below): some are slow by design (pages
    nested thousands deep) and would take over a short run."""
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install -e '.[fuzz]')")
    seeds = tmp_path / "corpus"
    assert corpus.write(kind, seeds) > 10
    run = subprocess.run(
        [
            sys.executable,
            str(FUZZ / target),
            f"-runs={RUNS}",
            "-seed=1",
            "-timeout=60",
            "-max_len=8192",
            str(seeds),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, failure(run.stderr, tmp_path)
    assert f"Done {RUNS} runs" in run.stderr


def failure(stderr: str, folder: Path) -> str:
    """What a failed run found: the target's traceback and the input, in base64 (to add to
    fuzz/regressions/), so that a CI log alone is enough to replay it."""
    start = stderr.find("=== the fuzz target failed ===")
    found = stderr[start : start + 4000] if start >= 0 else stderr[-3000:]
    for crash in sorted(folder.glob("crash-*")) + sorted(folder.glob("timeout-*")):
        data = crash.read_bytes()
        found += f"\n{crash.name} ({len(data)} bytes), base64:\n"
        found += base64.b64encode(data[:20000]).decode("ascii")
    return found


@pytest.mark.parametrize("path", replay("text"))
def test_text_regressions(path: Path) -> None:
    targets.check_text(path.read_bytes())


@pytest.mark.parametrize("path", replay("html"))
def test_html_regressions(path: Path) -> None:
    targets.check_html(path.read_bytes())


def test_the_seed_corpora_pass_the_checks() -> None:
    """The seeds themselves (every fixture, in several encodings and formats) pass."""
    for seed in corpus.text_seeds()[::4]:
        targets.check_text(seed)
    for seed in corpus.html_seeds():
        targets.check_html(seed)
