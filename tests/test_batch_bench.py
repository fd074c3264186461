"""The batch benchmark script runs (in its tiny mode; the real one takes minutes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from paywall_cut.rules.derived import cache_dir

from .conftest import ROOT


def test_batch_benchmark_runs_in_tiny_mode(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env["PAYWALL_CUT_CACHE"] = str(cache_dir())  # keep the compiled prefilter
    figures_file = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "batch_speed.py"), "--tiny"]
    command += ["--only", "files", "--workdir", str(tmp_path / "work"), "--json", str(figures_file)]
    r = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "| files | " in r.stdout and "speedup" in r.stdout
    (files,) = json.loads(figures_file.read_text())["results"]
    assert [run["jobs"] for run in files["runs"]] == [1, 2] and files["docs"] == 100
    assert all(run["mb_per_s"] > 0 and run["peak_rss_largest_mb"] > 0 for run in files["runs"])
    assert files["speedup"] > 0
    assert files["second_run"]["up_to_date"] == 100 and files["second_run"]["processed"] == 0
