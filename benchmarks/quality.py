#!/usr/bin/env python3
"""Quality of paywall-cut on labelled cases, side by side with peers.

    python benchmarks/quality.py CASES.jsonl [CASES.jsonl ...]
    python benchmarks/quality.py ../shared/eval/wcxb-dev.jsonl --reference ../shared/tools/score.py

Without ``--reference`` it scores paywall-cut through the library (the kept-line mask is
exactly what a scorer reading the output text finds, since kept lines are verbatim).

With ``--wrap WIDTH`` every case is first hard-wrapped at that width, paragraphs apart
(as ``html2text`` or a mail client writes text; each physical line keeps its paragraph's
label), to measure how wrapped input fares against the same cases unwrapped.

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
import tempfile
import textwrap
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
    ap.add_argument("--wrap", type=int, metavar="WIDTH", help="hard-wrap the cases first")
    a = ap.parse_args()
    out: dict = {}
    detector = Detector()
    for name in a.cases:
        cases = list(load_cases([name]))
        path = name  # what the reference scorer reads
        if a.wrap:
            cases = [wrapped(c, a.wrap) for c in cases]
            name = f"{name} (wrapped at {a.wrap})"
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
                fh.writelines(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
            path = fh.name
        t0 = time.perf_counter()
        s = score(cases, detector.cut)
        figures = s.figures()
        figures["seconds"] = round(time.perf_counter() - t0, 2)
        out[name] = {"paywall-cut (library)": figures}
        print(f"\n{name}: paywall-cut (library)")
        for k, v in figures.items():
            print(f"  {k:20s} {v}")
        if a.reference:
            cmd = [sys.executable, a.reference, path, *a.systems.split(), "--project", str(ROOT)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            print(f"\n{name}: reference scorer ({' '.join(a.systems.split())})")
            print(p.stdout.rstrip() or p.stderr.rstrip()[-2000:])
            out[name]["reference"] = p.stdout
        if path != name:
            Path(path).unlink()
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))


def wrapped(case: dict, width: int) -> dict:
    """The case hard-wrapped at ``width``, a blank line between paragraphs."""
    lines: list[list[str]] = []
    for label, text in case["lines"]:
        lines += [[label, part] for part in textwrap.wrap(text, width) or [text]]
        lines.append(["O", ""])
    return {**case, "lines": lines[:-1]}


if __name__ == "__main__":
    main()
