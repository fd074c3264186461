"""Seed corpora for the fuzz targets, from the repository's fixtures.

    python fuzz/corpus.py text  DIR    # labelled cases, the seed article, a few variants
    python fuzz/corpus.py html  DIR    # the HTML fixtures

Each seed is the first byte the targets read as a variant selector, then a document.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def text_seeds() -> list[bytes]:
    seeds = []
    for path in sorted((FIXTURES / "cases").glob("*.jsonl")):
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            case = json.loads(line)
            text = "\n".join(t for _, t in case["lines"]) + "\n"
            variant = k % 6
            if variant == 1:
                body = text.replace("\n", "\r\n").encode("utf-8")
            elif variant == 2:
                body = b"\xef\xbb\xbf" + text.rstrip("\n").encode("utf-8")
            elif variant == 3:
                body = (json.dumps({"text": text}) + "\n").encode("utf-8")
            elif variant == 4:
                body = gzip.compress(text.encode("utf-8"), mtime=0)
            else:
                body = text.encode("utf-8")
            seeds.append(bytes([variant]) + body)
    seed = (FIXTURES / "seed" / "wpr-china-pakistan.txt").read_bytes()
    seeds.append(b"\x00" + seed)
    return seeds


def html_seeds() -> list[bytes]:
    seeds = []
    for k, path in enumerate(sorted((FIXTURES / "html").glob("*.html"))):
        seeds.append(bytes([k % 2]) + path.read_bytes())
    return seeds


def write(kind: str, folder: Path) -> int:
    """Write the seeds of ``kind`` ("text" or "html") into ``folder``; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = text_seeds() if kind == "text" else html_seeds()
    for seed in seeds:
        (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    return len(seeds)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("text", "html"):
        sys.exit(__doc__)
    print(write(sys.argv[1], Path(sys.argv[2])), "seeds written")
