"""HTML benchmark on the WCXB dev pages with a subscription prompt.

For every page of ``wcxb-dev-html.jsonl`` (230 pages, see its README), three systems turn the
HTML into text:

(a) ``paywall-cut`` on the HTML (``formats.process``, text output);
(b) ``trafilatura`` alone (``trafilatura.extract``, default settings);
(c) trafilatura's text piped through ``paywall-cut`` (text mode).

Each output is scored by normalised substring search (NFKC, quotes and dashes unified,
whitespace collapsed, lowercase): the share of ``must_cut`` snippets absent from the
output, and the share of ``must_keep`` snippets present. Time is wall-clock per system.

A second, *markup-normalised* figure of each share is printed beside the raw one: it
also deletes Markdown markup from both the snippet and the output before searching (the
emphasis markers ``**`` and ``__``, and the table pipe ``|``), because WCXB wrote some
snippets as Markdown (a table row ``| a | b |``, ``**bold**``) and a few pages show
Markdown markup literally. Nothing else is changed and no snippet is dropped: both
figures count every snippet.

    pip install -e '.[bench]'
    python3 benchmarks/html_wcxb.py [--data ../shared/eval/wcxb-dev-html.jsonl] [--misses N]

The data stays where it is (it is evaluation data under CC-BY-4.0, never copied here).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from paywall_cut import default_detector
from paywall_cut.formats import process
from paywall_cut.html import decode_html, read_page

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev-html.jsonl"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    """The form snippets and outputs are compared in."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().lower()


_MARKUP = re.compile(r"\*\*|__|\|")


def norm_markup(text: str) -> str:
    """:func:`norm`, with Markdown emphasis markers (``**``, ``__``) and table pipes
    (``|``) deleted: markup syntax, not text a reader sees."""
    return _SPACE.sub(" ", _MARKUP.sub(" ", norm(text))).strip()


def kept_as_prompt(snippet: str, lines: list[str]) -> bool:
    """Line-aware test: is the snippet still in the output?

    A snippet of three or more words: plain substring search in an output line. A snippet
    of one or two words must occur between word boundaries and make up at least half of
    that line: "Subscribe" then matches the button line "Subscribe" or "Subscribe now",
    not "Subscriber Area" nor an article's "the newsletters I subscribe to" (which plain
    substring search counts as kept). Known blind spot: a short snippet at the end of a
    long prompt line that is kept whole counts as gone.
    """
    if len(snippet.split()) >= 3:
        return any(snippet in line for line in lines)
    pattern = re.compile(r"(?<!\w)" + re.escape(snippet) + r"(?!\w)")
    return any(pattern.search(line) and len(snippet) >= 0.5 * len(line) for line in lines)


@dataclass
class Tally:
    name: str
    cut_total: int = 0
    cut_gone: int = 0
    cut_gone_lines: int = 0
    keep_total: int = 0
    keep_kept: int = 0
    cut_gone_md: int = 0  # markup-normalised (see norm_markup)
    keep_kept_md: int = 0
    seconds: float = 0.0
    errors: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (page, kind, snippet)

    def add(self, page: str, output: str, must_keep: list[str], must_cut: list[str]) -> None:
        out = norm(output)
        out_md = norm_markup(output)
        lines = [norm(line) for line in output.splitlines()]
        for s in must_cut:
            self.cut_total += 1
            if norm(s) in out:
                self.misses.append((page, "kept B", s))
            else:
                self.cut_gone += 1
            if not kept_as_prompt(norm(s), lines):
                self.cut_gone_lines += 1
            self.cut_gone_md += norm_markup(s) not in out_md
        for s in must_keep:
            self.keep_total += 1
            found_md = norm_markup(s) in out_md
            self.keep_kept_md += found_md
            if norm(s) in out:
                self.keep_kept += 1
            else:
                kind = "lost E" if not found_md else "lost E (kept, markup-normalised)"
                self.misses.append((page, kind, s))

    def figures(self) -> dict[str, float | int]:
        return {
            "must_cut_gone": round(self.cut_gone / self.cut_total, 4) if self.cut_total else 0,
            "must_cut_gone_lines": (
                round(self.cut_gone_lines / self.cut_total, 4) if self.cut_total else 0
            ),
            "must_keep_kept": round(self.keep_kept / self.keep_total, 4) if self.keep_total else 0,
            "must_cut_gone_markup_normalised": (
                round(self.cut_gone_md / self.cut_total, 4) if self.cut_total else 0
            ),
            "must_keep_kept_markup_normalised": (
                round(self.keep_kept_md / self.keep_total, 4) if self.keep_total else 0
            ),
            "must_cut": self.cut_total,
            "must_keep": self.keep_total,
            "seconds": round(self.seconds, 2),
            "errors": self.errors,
        }


@dataclass
class Reach:
    """Figures of paywall-cut on the snippets that its own uncut rendering of the page
    contains: the damage and the misses of the cutting itself, apart from snippets that
    no rendering of the page holds in that form (text only in scripts or meta tags,
    table rows written as Markdown, mojibake the ground truth repaired ...)."""

    keep_total: int = 0
    keep_kept: int = 0
    cut_total: int = 0
    cut_gone: int = 0

    def add(self, page: str, output: str, keep: list[str], cut: list[str], full: str) -> None:
        out = norm(output)
        for s in keep:
            if norm(s) in full:
                self.keep_total += 1
                self.keep_kept += norm(s) in out
        for s in cut:
            if norm(s) in full:
                self.cut_total += 1
                self.cut_gone += norm(s) not in out

    def figures(self) -> dict[str, float | int]:
        return {
            "must_keep_kept": round(self.keep_kept / self.keep_total, 4) if self.keep_total else 0,
            "must_cut_gone": round(self.cut_gone / self.cut_total, 4) if self.cut_total else 0,
            "must_keep": self.keep_total,
            "must_cut": self.cut_total,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--misses", type=int, default=0, help="show N misses of each system")
    ap.add_argument("--system", action="append", help="only these systems (a, b, c)")
    ap.add_argument("--json", action="store_true", help="figures as JSON")
    args = ap.parse_args(argv)
    systems = set(args.system or ["a", "b", "c"])
    try:
        import trafilatura
    except ImportError:
        if systems & {"b", "c"}:
            print("trafilatura is not installed: pip install -e '.[bench]'", file=sys.stderr)
            return 2
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    if args.limit:
        rows = rows[: args.limit]
    detector = default_detector()
    tallies = {
        "a": Tally("paywall-cut (HTML)"),
        "b": Tally("trafilatura"),
        "c": Tally("trafilatura | paywall-cut"),
    }
    reach = Reach()
    size = 0
    for row in rows:
        data = gzip.decompress((args.data.parent / row["file"]).read_bytes())
        size += len(data)
        page, keep, cut = row["id"], row["must_keep"], row["must_cut"]
        if "a" in systems:
            t = time.perf_counter()
            out = process(data, "page.html", detector, output_format="text").data
            tallies["a"].seconds += time.perf_counter() - t
            tallies["a"].add(page, out.decode("utf-8"), keep, cut)
            # the same page rendered with nothing cut: which snippets can be found at all
            full = "\n".join(line.text for line in read_page(decode_html(data).text).lines)
            reach.add(page, out.decode("utf-8"), keep, cut, norm(full))
        if systems & {"b", "c"}:
            t = time.perf_counter()
            text = trafilatura.extract(data) or ""
            elapsed = time.perf_counter() - t
            tallies["b"].seconds += elapsed
            tallies["b"].add(page, text, keep, cut)
            if "c" in systems:
                t = time.perf_counter()
                piped = detector.cut(text).text if text else ""
                tallies["c"].seconds += elapsed + time.perf_counter() - t
                tallies["c"].add(page, piped, keep, cut)
    chosen = [tallies[k] for k in ("a", "b", "c") if k in systems]
    if args.json:
        figures: dict[str, object] = {t.name: t.figures() for t in chosen}
        if "a" in systems:
            figures["paywall-cut (HTML), reachable snippets"] = reach.figures()
        print(json.dumps(figures, indent=1))
    else:
        print(f"{len(rows)} pages, {size / 1e6:.1f} MB of HTML")
        print(
            f"{'system':26} {'must_cut gone':>20} {'(line-aware)':>20} {'must_keep kept':>21}"
            f" {'seconds':>8}"
        )
        for t in chosen:
            f = t.figures()
            print(
                f"{t.name:26} {f['must_cut_gone']:>9.1%} ({t.cut_gone:>3}/{t.cut_total})"
                f" {f['must_cut_gone_lines']:>9.1%} ({t.cut_gone_lines:>3}/{t.cut_total})"
                f" {f['must_keep_kept']:>8.1%} ({t.keep_kept:>4}/{t.keep_total})"
                f" {f['seconds']:>8.1f}"
            )
        print(
            "\nmarkup-normalised (Markdown ** __ and table pipes | deleted from snippet and"
            " output; every snippet counted):"
        )
        for t in chosen:
            f = t.figures()
            print(
                f"{t.name:26} must_cut gone {f['must_cut_gone_markup_normalised']:.1%}"
                f" ({t.cut_gone_md}/{t.cut_total}), must_keep kept"
                f" {f['must_keep_kept_markup_normalised']:.1%} ({t.keep_kept_md}/{t.keep_total})"
            )
        if "a" in systems:
            f = reach.figures()
            print(
                "\npaywall-cut on the snippets its own uncut rendering of the page contains"
                f" ({reach.keep_total} must_keep, {reach.cut_total} must_cut): "
                f"must_keep kept {f['must_keep_kept']:.1%}, must_cut gone {f['must_cut_gone']:.1%}"
            )
    for t in chosen:
        if args.misses and t.misses:
            print(f"\n{t.name}: misses")
            for page, kind, snippet in t.misses[: args.misses]:
                print(f"  {page} {kind}: {snippet[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
