#!/usr/bin/env python3
"""Quality of paywall-cut on labelled cases, side by side with peers.

    python benchmarks/quality.py CASES.jsonl [CASES.jsonl ...]
    python benchmarks/quality.py ../shared/eval/wcxb-dev.jsonl --reference ../shared/tools/score.py

Without ``--reference`` it scores paywall-cut through the library (the kept-line mask is
exactly what a scorer reading the output text finds, since kept lines are verbatim).

With ``--reference SCORE.py`` it also runs that reference scorer, which judges every
system by its output text alone: ``project`` (this tool's CLI, ``paywall-cut cut -``),
``keyword`` (cut every line with a subscription word), ``justext`` and ``trafilatura``
(the peers need ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paywall_cut import Detector  # noqa: E402
from paywall_cut.evaluate import load_cases, score  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--reference", help="path to the reference scorer (score.py)")
    ap.add_argument(
        "--systems", default="project keyword justext trafilatura", help="for --reference"
    )
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    out: dict = {}
    detector = Detector()
    for path in a.cases:
        cases = list(load_cases([path]))
        t0 = time.perf_counter()
        s = score(cases, detector.cut)
        figures = s.figures()
        figures["seconds"] = round(time.perf_counter() - t0, 2)
        out[path] = {"paywall-cut (library)": figures}
        print(f"\n{path}: paywall-cut (library)")
        for k, v in figures.items():
            print(f"  {k:20s} {v}")
        if a.reference:
            cmd = [sys.executable, a.reference, path, *a.systems.split(), "--project", str(ROOT)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            print(f"\n{path}: reference scorer ({' '.join(a.systems.split())})")
            print(p.stdout.rstrip() or p.stderr.rstrip()[-2000:])
            out[path]["reference"] = p.stdout
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
