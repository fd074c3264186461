#!/usr/bin/env python3
"""Speed of paywall-cut, side by side with jusText and trafilatura, on one core.

Builds a deterministic corpus of at least ``--size-mb`` megabytes (default 100) from the
labelled fixtures and times:

- ``library/hyperscan`` and ``library/python``: ``Detector.cut`` on every document, with the
  accelerated and the pure-Python prefilter;
- ``cli clean --jobs 1`` and ``--jobs 2``: the command line over the same corpus as a JSONL
  file (when the ``clean`` command is installed);
- ``justext`` and ``trafilatura``: the peers on the first ``--peers-mb`` megabytes, each
  document wrapped as HTML paragraphs (they read HTML; they do not find prompts in text).

Two mixes of the same fixtures:

- ``dense``: the fixture documents as they are: every one carries a prompt or talks about
  subscriptions (the worst case: almost every document has candidate lines);
- ``realistic``: for every prompt document and every negative, eight documents of plain
  editorial text (the editorial lines of the prompt documents), closer to a web corpus
  where most pages carry no prompt.

    python benchmarks/speed.py                 # 100 MB per mix, all systems
    python benchmarks/speed.py --size-mb 10 --json out.json
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paywall_cut import Detector  # noqa: E402
from paywall_cut.evaluate import case_text, load_cases  # noqa: E402
from paywall_cut.rules import load_rules  # noqa: E402


def fixture_cases(langs: list[str] | None = None) -> list[dict]:
    cases = load_cases(sorted((ROOT / "fixtures" / "cases").glob("*.jsonl")))
    return [c for c in cases if not langs or c["lang"] in langs]


def build_corpus(
    mix: str, size_mb: float, seed: int = 1, langs: list[str] | None = None
) -> list[str]:
    """Documents totalling at least ``size_mb`` MB (UTF-8), in a fixed order, from the
    fixtures of ``langs`` (default: all)."""
    cases = fixture_cases(langs)
    prompt_docs = [case_text(c) for c in cases if c["kind"] != "negative"]
    negatives = [case_text(c) for c in cases if c["kind"] == "negative"]
    editorial = [
        "\n".join(t for lab, t in c["lines"] if lab == "E") + "\n"
        for c in cases
        if c["kind"] != "negative"
    ]
    rng = random.Random(seed)
    docs: list[str] = []
    size, target = 0, size_mb * 1e6
    while size < target:
        if mix == "dense":
            batch = prompt_docs + negatives
        else:
            batch = []
            for doc in prompt_docs + negatives:
                batch.append(doc)
                batch.extend(rng.choice(editorial) for _ in range(8))
        rng.shuffle(batch)
        for doc in batch:
            docs.append(doc)
            size += len(doc.encode("utf-8"))
            if size >= target:
                break
    return docs


def mb(docs: list[str]) -> float:
    return sum(len(d.encode("utf-8")) for d in docs) / 1e6


def time_library(docs: list[str], accelerate: bool, packs: list[str] | None = None) -> dict:
    detector = Detector(load_rules(packs), accelerate=accelerate)
    cut = detector.cut
    changed = 0
    t0 = time.perf_counter()
    for doc in docs:
        changed += cut(doc).changed
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "docs": len(docs), "mb": mb(docs), "changed": changed}


def time_cli(docs: list[str], jobs: int) -> dict | None:
    exe = shutil.which("paywall-cut")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i, doc in enumerate(docs):
                fh.write(json.dumps({"id": i, "text": doc}, ensure_ascii=False) + "\n")
        help_text = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
        if " clean " not in help_text:
            return None
        out = Path(tmp) / "out"
        cmd = [exe, "clean", str(src), "--out", str(out), "--jobs", str(jobs), "--no-progress"]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if p.returncode != 0:
            return {"error": p.stderr.strip()[-300:]}
        return {"seconds": seconds, "docs": len(docs), "mb": src.stat().st_size / 1e6}


def as_html(doc: str) -> str:
    body = "\n".join(f"<p>{html.escape(t)}</p>" for t in doc.splitlines() if t.strip())
    return f"<html><head><title></title></head><body><article>{body}</article></body></html>"


def time_peer(name: str, docs: list[str]) -> dict | None:
    try:
        if name == "justext":
            import justext

            stop = justext.get_stoplist("English")

            def run(doc: str) -> None:
                justext.justext(as_html(doc).encode("utf-8"), stop)

        else:
            import trafilatura

            def run(doc: str) -> None:
                trafilatura.extract(as_html(doc))

    except ImportError:
        return None
    t0 = time.perf_counter()
    for doc in docs:
        run(doc)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "docs": len(docs), "mb": mb(docs)}


def row(name: str, r: dict | None) -> str:
    if r is None:
        return f"| {name} | not installed | | |"
    if "error" in r:
        return f"| {name} | failed: {r['error']} | | |"
    return (
        f"| {name} | {r['mb']:.1f} | {r['mb'] / r['seconds']:.1f} | "
        f"{r['docs'] / r['seconds']:,.0f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--peers-mb", type=float, default=2.0)
    ap.add_argument("--mix", choices=["dense", "realistic", "both"], default="both")
    ap.add_argument("--no-cli", action="store_true", help="skip the command-line runs")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument(
        "--corpus-langs", help="build the corpus from these languages' fixtures only (en,de,...)"
    )
    ap.add_argument("--packs", help="load only these rule packs (en,de,...; default: all)")
    a = ap.parse_args()
    langs = a.corpus_langs.split(",") if a.corpus_langs else None
    packs = a.packs.split(",") if a.packs else None
    results: dict = {"cpu_count": os.cpu_count(), "python": sys.version.split()[0]}
    mixes = ["dense", "realistic"] if a.mix == "both" else [a.mix]
    for mix in mixes:
        docs = build_corpus(mix, a.size_mb, langs=langs)
        peer_docs = build_corpus(mix, a.peers_mb, seed=2, langs=langs)
        res = {
            "library/hyperscan": time_library(docs, True, packs),
            "library/python": time_library(docs, False, packs),
        }
        if not a.no_cli:
            res["cli clean --jobs 1"] = time_cli(docs, 1)
            res["cli clean --jobs 2"] = time_cli(docs, 2)
        res["justext (peer)"] = time_peer("justext", peer_docs)
        res["trafilatura (peer)"] = time_peer("trafilatura", peer_docs)
        results[mix] = res
        print(f"\n{mix} mix ({len(docs):,} documents, {mb(docs):.1f} MB)\n")
        print("| system | MB | MB/s | docs/s |")
        print("| --- | ---: | ---: | ---: |")
        for name, r in res.items():
            print(row(name, r))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
