"""Learning a site's own pitch: recurring prompt lines mined from a corpus, as rules.

Corpora repeat each site's own pitch thousands of times in wordings no rule pack knows.
:func:`learn` finds them in one pass and writes them as a rule file for a person to
review (``paywall-cut learn``; ``clean --learn`` learns and cleans in one run).

1. **read** - documents come from the batch walker (folders, globs) and the formats of
   ``clean``: text, Markdown, HTML (its text lines) and JSONL records (one text field),
   gzip too. Each document belongs to a *source*: a record field the user names
   (``--source-key domain``; a URL counts by its host), else its container: for a file
   its folder, for a record its JSONL file, relative to PATH and cut to ``source_depth``
   levels (default 1: ``scraped/SITE/...``).
2. **observe** - the detector cuts each document with ``explain``; every non-blank line
   of up to ``max_line`` characters is *normalised* (:func:`normalise`: folded, lower
   case, digit runs as ``0``, punctuation as spaces, whitespace collapsed) and noted
   with where it stood: on a built-in rule hit, cut, near a hit (``NEAR`` lines),
   at or after the boundary, in the document's head (before its first paragraph) or
   tail (after its last paragraph), and the line after it.
3. **count** - :class:`LineCounter` counts, per source, the documents each normalised
   line occurs in, in bounded memory (a count-min sketch admits a line to a bounded
   table of candidates once it has been seen in ``admit`` documents; the table drops
   its least frequent entries when full; a document republishing an article its source
   already had counts once). See :class:`LineCounter` for why.
4. **classify** - a line recurring in at least ``min_df`` documents and ``min_share``
   of its source's documents is a *candidate*. :func:`classify` scores it (its words:
   second person, imperative, first person plural, prices, prompt vocabulary, short
   button lines; where it stood: near known prompts, after the boundary, in the tail;
   against it: reporting, prose, the head) and sorts it into *prompt* (learned),
   *furniture* (recurring editorial furniture: datelines, credits, section names,
   share rows, copyright lines, anything else not prompt-like; listed for the user),
   *handled* (the built-in rules already cut it) or *unlearnable* (no word of three
   letters to anchor a rule). Candidates that recur next to each other form a block;
   a prompt block takes along its members that have a prompt signal of their own.
5. **write** - :func:`render_rules`: a rule file in the built-in format (``lang =
   "site"``, ids ``LRN001``...), one rule per learned line: a whole-line pattern over
   its normalised words, a weight checked to cut the line, its document frequency and
   two example documents in the description, positive and negative examples (so
   ``paywall-cut rules --check`` passes), and the furniture as comments at the end.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..detector import Detector
from ..rules import RuleSet, parse_pack
from .classify import FURNITURE, Finding, Lexicon, classify, furniture_kind
from .corpus import observed, read_corpus
from .count import LineCounter
from .lines import line_pattern, normalise, observe
from .options import (
    LEARN_SCORE,
    MAX_LINE,
    MIN_DF,
    MIN_SHARE,
    PREFIX,
    SKETCH_DEPTH,
    SKETCH_WIDTH,
    TABLE_SIZE,
    LearnOptions,
)
from .rulefile import build_rules, render_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "FURNITURE",
    "LEARN_SCORE",
    "MAX_LINE",
    "MIN_DF",
    "MIN_SHARE",
    "PREFIX",
    "SKETCH_DEPTH",
    "SKETCH_WIDTH",
    "TABLE_SIZE",
    "Finding",
    "LearnOptions",
    "LearnReport",
    "LineCounter",
    "classify",
    "furniture_kind",
    "learn",
    "line_pattern",
    "normalise",
    "observe",
]


@dataclass
class LearnReport:
    """What a learning run found."""

    documents: int = 0
    source_count: int = 0
    failed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rules: list[tuple[Finding, dict[str, Any]]] = field(default_factory=list)
    memory: dict[str, int] = field(default_factory=dict)
    text: str = ""  # the rule file

    def ruleset(self, source: str = "learned rules") -> RuleSet:
        """The learned rules, read back from the rule file's text (so exactly the file)."""
        return parse_pack(tomllib.loads(self.text), source)

    def to_dict(self) -> dict[str, Any]:
        kinds = Counter(f.kind for f in self.findings)
        rule_of = {id(f): v["id"] for f, v in self.rules}
        return {
            "documents": self.documents,
            "sources": self.source_count,
            "failed": self.failed,
            "rules": len(self.rules),
            "candidates": dict(kinds),
            "memory": self.memory,
            "findings": [{**f.to_dict(), "rule": rule_of.get(id(f))} for f in self.findings],
        }


def _peak_rss() -> dict[str, int]:
    """Peak resident memory (MiB) of this process and of its largest worker, so far."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not Unix
        return {}
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return {"peak_rss_mib": own >> 20, "workers_peak_rss_mib": workers >> 20}


def learn(
    paths: Sequence[str],
    detector: Detector,
    options: LearnOptions | None = None,
    warn: Callable[[str], None] | None = None,
    error: Callable[[str], None] | None = None,
) -> LearnReport:
    """Learn site rules from the corpus under ``paths`` (see the module doc).

    ``warn`` is told of records left out (no text field); ``error`` (default: ``warn``) of
    each input that could not be read, which also goes to ``report.failed``."""
    options = options or LearnOptions()
    report = LearnReport()
    messages: list[str] = []
    warn = warn or messages.append
    tell = error or warn

    def failed(message: str) -> None:
        report.failed.append(message)
        tell(message)

    counter = LineCounter(
        width=options.sketch_width, capacity=options.table_size, min_df=options.min_df
    )
    works = read_corpus(paths, options, warn, failed)
    for source, doc_id, seen in observed(works, detector, options.jobs, options.max_line):
        if isinstance(seen, str):  # the document could not be read
            failed(seen)
            continue
        lines, article = seen
        counter.add(source, doc_id, lines, article)
    report.documents = counter.documents
    report.source_count = len(counter.sources)
    candidates = counter.candidates(options.min_df, options.min_share)
    report.findings = classify(
        candidates, counter.by_id, Lexicon(detector.ruleset), options.learn_score
    )
    report.rules = build_rules(report.findings, options, detector.ruleset.shape, detector.settings)
    report.memory = counter.memory() | _peak_rss()
    report.text = render_rules(
        report.rules, report.findings, report.documents, report.source_count, options
    )
    return report
