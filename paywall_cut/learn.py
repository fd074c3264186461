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
   its least frequent entries when full). See :class:`LineCounter` for why.
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

import gzip
import json
import os
import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .detector import Detector, Settings
from .evidence import EvidenceReader, LineEvidence
from .result import Result
from .rules import Rule, RuleError, RuleSet, Shape, fold, parse_pack

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# -- defaults (documented in docs/learn.md) ----------------------------------------------

MIN_DF = 10  # a learned line occurs in at least this many documents of its source
MIN_SHARE = 0.05  # ... and in at least this share of them
MAX_LINE = 300  # longer lines are article text, never learned
PARAGRAPH = 150  # a line this long is body text: it bounds a document's head and tail
NEAR = 3  # lines within this many non-blank lines of a built-in hit are "near" it
LEARN_SCORE = 1.5  # a line with this prompt score is learned on its own
BLOCK_SHARE = 0.5  # two candidates follow each other in this share of their documents
PREFIX = "LRN"
WEIGHT = 3.5  # decisive: cuts a lone line (raised for long lines until it cuts)
SKETCH_WIDTH = 1 << 22  # counters per sketch row (4 rows of 4 bytes: 64 MiB)
SKETCH_DEPTH = 4
TABLE_SIZE = 100_000  # candidate lines held at most
ADMIT = 2  # a line enters the table once seen in this many documents of its source

# where a line stood (bits of an observation's flags)
HIT, CUT, NEAR_HIT, AFTER, HEAD, TAIL = 1, 2, 4, 8, 16, 32


# -- 1. normalising ---------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,' ]\d+)*"  # 7, 12,400, 1.5, 12 400: one number
_DIGITS = re.compile(_NUMBER)
_NON_WORD = re.compile(r"[\W_]+")


def normalise(line: str) -> str:
    """The form lines are counted under: folded, lower case, every number ``0``,
    punctuation and whitespace runs one space. ``"Join 12,400 readers!"`` ->
    ``"join 0 readers"``."""
    s = _DIGITS.sub("0", fold(line).lower())
    return _NON_WORD.sub(" ", s).strip()


def line_pattern(norm: str) -> str:
    """A whole-line pattern matching every line that normalises to ``norm``.

    Words are literal (case is ignored by the rule), ``0`` matches any number, and any
    run of punctuation and spaces may stand between words and at either end.
    """
    words = []
    for word in norm.split():
        parts = word.split("0")
        words.append(_NUMBER.join(re.escape(p) for p in parts))
    return r"[\W_]*" + r"[\W_]+".join(words) + r"[\W_]*"


# -- 2. observing one document ----------------------------------------------------------

# (position among the non-blank lines, normalised, the line as it stands, flags,
#  category of the nearest built-in hit or "")
Observation = tuple[int, str, str, int, str]


def observe(result: Result, max_line: int = MAX_LINE) -> list[Observation]:
    """The learnable lines of a document cut with ``explain=True``, with where they stood."""
    reports = [r for r in result.line_reports if r.text.strip()]
    if not reports:
        return []
    hits = [k for k, r in enumerate(reports) if r.hits or r.decision == "cut"]
    long_lines = [k for k, r in enumerate(reports) if len(r.text.strip()) >= PARAGRAPH]
    first_long = long_lines[0] if long_lines else len(reports)
    last_long = long_lines[-1] if long_lines else -1
    boundary = result.boundary
    out: list[Observation] = []
    h = 0  # index into hits of the first hit at or after k
    for k, r in enumerate(reports):
        text = r.text.strip()
        if len(text) > max_line:
            continue
        norm = normalise(text)
        if not norm:
            continue
        while h < len(hits) and hits[h] < k:
            h += 1
        nearest = [j for j in hits[max(0, h - 1) : h + 1] if abs(j - k) <= NEAR]
        flags = 0
        if r.hits:
            flags |= HIT
        if r.decision == "cut":
            flags |= CUT
        if nearest:
            flags |= NEAR_HIT
        if boundary is not None and r.number >= boundary:
            flags |= AFTER
        if k < first_long:
            flags |= HEAD
        if k > last_long:
            flags |= TAIL
        category = ""
        if nearest:
            j = min(nearest, key=lambda j: abs(j - k))
            if reports[j].hits:
                category = reports[j].hits[0].category
        out.append((k, norm, text, flags, category))
    return out


# -- 3. counting in bounded memory ------------------------------------------------------


class Candidate:
    """A normalised line of one source that recurs: its counts and where it stood."""

    __slots__ = (
        "source",
        "norm",
        "raw",
        "df",
        "seen",
        "flags",
        "examples",
        "following",
        "categories",
        "key",
    )

    def __init__(self, key: int, source: int, norm: str, raw: str, df: int) -> None:
        self.key = key
        self.source = source
        self.norm = norm
        self.raw = raw  # the line as it stood the first time it was held
        self.df = df  # documents it occurs in (an upper bound: see LineCounter)
        self.seen = 0  # occurrences observed while held (what the shares are of)
        self.flags = [0] * 6  # per flag bit: occurrences with it
        self.examples: list[str] = []  # two document ids
        self.following: dict[int, int] = {}  # key of the next line -> times (at most 4)
        self.categories: Counter[str] = Counter()  # of the nearest built-in hits

    def observe(self, flags: int, category: str, doc_id: str, following: int | None) -> None:
        self.seen += 1
        for bit in range(6):
            if flags >> bit & 1:
                self.flags[bit] += 1
        if category:
            self.categories[category] += 1
        if len(self.examples) < 2 and doc_id not in self.examples:
            self.examples.append(doc_id)
        if following is not None:
            nxt = self.following
            if following in nxt or len(nxt) < 4:
                nxt[following] = nxt.get(following, 0) + 1
            else:  # Misra-Gries: a newcomer wears every held count down by one
                for k in list(nxt):
                    nxt[k] -= 1
                    if not nxt[k]:
                        del nxt[k]

    def share(self, flag: int) -> float:
        """Share of the observed occurrences that had ``flag``."""
        return self.flags[flag.bit_length() - 1] / self.seen if self.seen else 0.0


@dataclass
class SourceStats:
    id: int
    name: str
    docs: int = 0


class LineCounter:
    """Document frequency of normalised lines per source, in bounded memory.

    A corpus larger than memory holds far more distinct lines than can be counted
    exactly, and almost all of them (article text) occur once. So:

    - a **count-min sketch** (``depth`` rows of ``width`` 32-bit counters, conservative
      update) counts every (source, line) pair in fixed memory. It never undercounts;
      it overcounts only when pairs collide in every row;
    - a pair enters the **candidate table** once the sketch has seen it in ``admit``
      documents, with the sketch's count (an upper bound), and is counted exactly from
      then on, with where it stood, two example documents and the lines that follow it;
    - the table holds at most ``capacity`` lines; when full it drops the quarter with
      the smallest share of their source's documents (a space-saving style pruning:
      a line that recurs in a real share of its source keeps its place; a dropped line
      that comes back re-enters with the sketch's count, so its count stays an upper
      bound).

    Memory is the sketch (``width * depth * 4`` bytes) plus ``capacity`` candidates plus
    one small record per source: it does not grow with the number of documents.
    """

    def __init__(
        self,
        width: int = SKETCH_WIDTH,
        depth: int = SKETCH_DEPTH,
        capacity: int = TABLE_SIZE,
        admit: int = ADMIT,
        min_df: int = MIN_DF,
    ) -> None:
        if width & (width - 1):
            raise ValueError("the sketch width must be a power of two")
        self.width, self.depth = width, depth
        self.capacity = capacity
        self.admit = admit
        self.min_df = min_df
        self.sketch = array("I", bytes(4 * width * depth))
        self.table: dict[int, Candidate] = {}
        self.sources: dict[str, SourceStats] = {}
        self.by_id: list[SourceStats] = []
        self.documents = 0
        self.lines = 0  # (document, distinct line) pairs counted
        self.admitted = 0
        self.dropped = 0
        self.peak = 0

    def add(self, source: str, doc_id: str, observations: Sequence[Observation]) -> None:
        """Count one document's lines."""
        stats = self.sources.get(source)
        if stats is None:
            stats = self.sources[source] = SourceStats(len(self.by_id), source)
            self.by_id.append(stats)
        stats.docs += 1
        self.documents += 1
        sid = stats.id
        keys = [hash((sid, o[1])) for o in observations]
        done: set[int] = set()
        for i, (obs, key) in enumerate(zip(observations, keys)):
            if key in done:
                continue  # document frequency: once per document
            done.add(key)
            self.lines += 1
            estimate = self._count(key)
            cand = self.table.get(key)
            if cand is None:
                if estimate < self.admit:
                    continue
                cand = self.table[key] = Candidate(key, sid, obs[1], obs[2], estimate)
                self.admitted += 1
                if len(self.table) > self.capacity:
                    self._prune()
            else:
                cand.df += 1
            nxt = observations[i + 1] if i + 1 < len(observations) else None
            following = keys[i + 1] if nxt is not None and nxt[0] == obs[0] + 1 else None
            cand.observe(obs[3], obs[4], doc_id, following)

    def _count(self, key: int) -> int:
        """Add one to ``key`` in the sketch (conservative update); its new estimate."""
        sketch, width, mask = self.sketch, self.width, self.width - 1
        h1, h2 = key & 0xFFFFFFFF, (key >> 32) | 1
        cells = [((h1 + r * h2) & mask) + r * width for r in range(self.depth)]
        estimate = min(sketch[c] for c in cells) + 1
        if estimate > 0xFFFFFFFF:
            return estimate - 1
        for c in cells:
            if sketch[c] < estimate:
                sketch[c] = estimate
        return estimate

    def _prune(self) -> None:
        self.peak = max(self.peak, len(self.table))
        docs = self.by_id
        floor = self.min_df

        def priority(c: Candidate) -> tuple[float, int]:
            return (c.df / max(docs[c.source].docs, floor), c.df)

        ranked = sorted(self.table.values(), key=priority, reverse=True)
        keep = ranked[: self.capacity * 3 // 4]
        self.dropped += len(ranked) - len(keep)
        self.table = {c.key: c for c in keep}

    def candidates(self, min_df: int, min_share: float) -> list[Candidate]:
        """The lines that recur in ``min_df`` documents and ``min_share`` of their source."""
        self.peak = max(self.peak, len(self.table))
        out = []
        for c in self.table.values():
            docs = self.by_id[c.source].docs
            if c.df >= min_df and c.df >= min_share * docs and c.seen:
                out.append(c)
        out.sort(key=lambda c: (self.by_id[c.source].name, -c.df, c.norm))
        return out

    def memory(self) -> dict[str, int]:
        """What the structures hold (for the report)."""
        return {
            "sketch_bytes": len(self.sketch) * self.sketch.itemsize,
            "table_capacity": self.capacity,
            "table_peak": self.peak,
            "admitted": self.admitted,
            "dropped": self.dropped,
        }


# -- 4. classifying the candidates ------------------------------------------------------

_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)
# recurring editorial furniture, by kind: never learned, listed for the user
FURNITURE: dict[str, re.Pattern[str]] = {
    "credit": re.compile(
        r"^(additional |extra )?(reporting|writing|editing|edited|written|compiled|produced|"
        r"photos?|photographs?|photography|illustrations?|graphics|video|words|research|"
        r"interview|translation|translated)\b.{0,40}\bby\b|^by\s+\w|\b(reporting|editing|"
        r"edited|written) by\b|^(photo|image|picture|credit|source|illustration)s?\s*:|"
        r"^(von|par|por|di|door)\s+[A-Z]",
        re.IGNORECASE,
    ),
    "dateline": re.compile(
        r"\b(published|updated|posted|last (updated|modified)|first published|"
        r"aktualisiert|veröffentlicht|publié|mis à jour|publicado|actualizado|pubblicato)\b|"
        rf"\b({_MONTHS})\.? \d{{1,2}}\b|\b\d{{1,2}}\.? ({_MONTHS})\b|\b\d{{1,2}}:\d{{2}}\b|"
        r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|^[A-Z][A-Z .'-]{2,}(, [\w .]+)?"
        r" \(\w[\w .]*\)",
        re.IGNORECASE,
    ),
    "copyright": re.compile(r"©|\(c\) \d{4}|\bcopyright\b|\ball rights reserved\b", re.I),
    "share row": re.compile(
        r"^(share|teilen|partager|compartir|condividi|partilhar|delen)\b|"
        r"\b(facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|bluesky|threads|"
        r"e-?mail|copy link|print)\b.*\b(facebook|twitter|whatsapp|linkedin|pinterest|reddit|"
        r"telegram|bluesky|threads|e-?mail|copy link|print|x)\b|^follow (us|\w+) on\b",
        re.IGNORECASE,
    ),
    "navigation": re.compile(
        r"^(related|read more|more from|more on|see also|tags?|topics?|filed under|"
        r"advertisement|advertising|anzeige|publicité|publicidad|pubblicità|sponsored|"
        r"skip to|back to top|home)\b",
        re.IGNORECASE,
    ),
}
SECTION_MAX = 30  # a short title-like line standing in the head is a section name
_PROMPT_CATEGORIES = frozenset(
    {"subscribe-cta", "membership-appeal", "newsletter", "email-gate", "offer-price"}
)
_CLAUSE = re.compile(r"(?:^|[:;.!?]\s+|\s[-–—]\s+)[\"'«]?(\w+)")
# English verbs that open a call to action, beyond the packs' own cta_verbs (which are
# used in every language): an imperative opening a line or a clause is a prompt's voice
CTA_VERBS = frozenset(
    """add arrange back become book buy call check chip claim come consider contribute
    discover donate download enjoy explore find follow fuel fund gift give go grab help
    install join keep learn listen make order pay pick pitch pledge put read register renew
    reserve save see send share shop sign sponsor start stay stick subscribe support switch
    take tell treat try unlock upgrade visit watch""".split()
)
# the reader speaking on a button: "Count me in", "Yes, send me the briefing"
_READER = re.compile(
    r"(?<!\w)(I|I'm|I'll|I've|me|my|ich|mich|mein|je|moi|mon|yo|io|eu|ik|mij|mijn)(?!\w)"
)
_PRICE = re.compile(r"[$€£¥₹]\s?\d|\b\d+([.,]\d{1,2})?\s?(€|euros?|dollars?|pence|p)\b", re.I)


@dataclass
class Finding:
    """A candidate line and what :func:`classify` made of it."""

    candidate: Candidate
    source: str
    docs: int  # documents of its source
    kind: str  # "prompt", "furniture", "handled" or "unlearnable"
    score: float
    signals: list[str]
    label: str = ""  # furniture: its kind ("dateline", ...); prompt: its rule category
    block: int = 0  # candidates in its block (1: alone)

    @property
    def share(self) -> float:
        return self.candidate.df / self.docs if self.docs else 0.0

    def to_dict(self) -> dict[str, Any]:
        c = self.candidate
        return {
            "kind": self.kind,
            "label": self.label,
            "source": self.source,
            "line": c.raw,
            "normalised": c.norm,
            "df": c.df,
            "source_docs": self.docs,
            "share": round(self.share, 4),
            "score": round(self.score, 2),
            "signals": self.signals,
            "block": self.block,
            "examples": list(c.examples),
            "where": {
                name: round(c.share(flag), 3)
                for name, flag in (
                    ("hit", HIT),
                    ("cut", CUT),
                    ("near", NEAR_HIT),
                    ("after", AFTER),
                    ("head", HEAD),
                    ("tail", TAIL),
                )
            },
        }


class Lexicon:
    """The words that make a line look like a prompt, from the loaded rule packs."""

    def __init__(self, ruleset: RuleSet) -> None:
        shape: Shape = ruleset.shape
        self.reader = EvidenceReader(ruleset)
        self.cta = frozenset(w.lower() for w in shape.cta_verbs) | CTA_VERBS
        self.we = _words(shape.first_plural)
        # the trigger words of rules about subscribing, joining, giving and signing up
        common = {w.lower() for w in shape.second_person + shape.first_plural}
        self.vocabulary = frozenset(
            t
            for r in ruleset.rules
            if r.category in _PROMPT_CATEGORIES
            for t in r.triggers
            if t.isalpha() and len(t) >= 4 and t not in common
        )

    def signals(self, line: str) -> tuple[float, list[str]]:
        """The prompt score of a line's words, and the signals behind it."""
        ev = LineEvidence(0, len(line))
        self.reader.shape_of(line, ev)
        self.reader.counter_of(line, ev)
        notes = set(ev.notes)
        score, signals = 0.0, []

        def add(points: float, name: str) -> None:
            nonlocal score
            score += points
            signals.append(name)

        if "second person" in notes:
            add(1.0, "you")
        if self.we is not None and self.we.search(line):
            add(0.5, "we")
        clauses = [m.group(1).lower() for m in _CLAUSE.finditer(line)]
        if "call to action" in notes or any(w in self.cta for w in clauses):
            add(1.0, "imperative")
        if len(line) <= 40 and _READER.search(line):
            add(1.0, "reader's voice")
        if "price" in notes or _PRICE.search(line):
            add(0.5, "price")
        words = set(re.findall(r"\w+", line.lower()))
        if words & self.vocabulary:
            add(0.5, "prompt words")
        if "?" in line:
            add(0.3, "question")
        if line.rstrip().endswith("!"):
            add(0.3, "exclamation")
        if "short" in notes:
            add(0.3, "button-like")
        if "reporting" in notes:
            add(-1.5, "reporting")
        if "figures" in notes:
            add(-0.5, "figures")
        if "prose" in notes:
            add(-1.0, "prose")
        if len(line) > 200:
            add(-0.5, "long")
        return score, signals


def _words(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")


def furniture_kind(line: str, head_share: float) -> str | None:
    """The kind of editorial furniture a recurring line is, if it is one."""
    folded = fold(line)
    for kind, pattern in FURNITURE.items():
        if pattern.search(folded):
            return kind
    words = folded.split()
    if (
        head_share >= 0.5
        and len(folded) <= SECTION_MAX
        and len(words) <= 3
        and not folded.rstrip().endswith((".", "!", "?", ":"))
    ):
        return "section"
    return None


VOICE = frozenset({"you", "we", "imperative", "reader's voice", "price", "question"})
BLOCK_MEMBER_SCORE = 0.5  # a line of a prompt block needs this score to go with it


def classify(
    candidates: Sequence[Candidate],
    sources: Sequence[SourceStats],
    lexicon: Lexicon,
    learn_score: float = LEARN_SCORE,
) -> list[Finding]:
    """Sort the candidates into prompt, furniture, handled and unlearnable lines.

    A line is learned on its own when its score reaches ``learn_score`` and it *speaks*:
    it addresses the reader (second person, an imperative, a question), speaks as the
    publisher (first person plural) or as the reader on a button ("Count me in"), or
    names a price. A line of a block (candidates that appear together in most of their
    documents) with such a line, or with a line the loaded rules already cut, is learned
    too when its own score reaches ``BLOCK_MEMBER_SCORE``: the heading and the benefit
    line of a pitch need not speak. Furniture is never learned, whatever its score.
    """
    findings: dict[int, Finding] = {}
    for c in candidates:
        score, signals = lexicon.signals(c.raw)
        where = [
            (2.0, "near known prompts", c.share(NEAR_HIT)),
            (1.0, "after the boundary", c.share(AFTER)),
            (1.0, "in the tail", c.share(TAIL)),
            (-1.5, "in the head", c.share(HEAD)),
        ]
        for points, name, share in where:
            if share >= 0.1:
                score += points * share
                signals.append(f"{name} {share:.0%}")
        source = sources[c.source]
        finding = Finding(c, source.name, source.docs, "prompt", score, signals)
        kind = furniture_kind(c.raw, c.share(HEAD))
        if kind is not None:
            finding.kind, finding.label = "furniture", kind
        elif c.share(CUT) >= 0.95:
            finding.kind = "handled"
        elif not any(len(w) >= 3 for w in c.norm.split() if not w.isdigit()):
            finding.kind, finding.label = "unlearnable", "no word of 3+ letters"
        findings[c.key] = finding
    alone = {
        key
        for key, f in findings.items()
        if f.kind == "prompt" and f.score >= learn_score and _speaks(f)
    }
    for block in _blocks(candidates):
        members = [findings[k] for k in block]
        anchored = any(k in alone or findings[k].kind == "handled" for k in block)
        for f in members:
            f.block = len(block)
            if f.kind != "prompt" or f.candidate.key in alone:
                continue
            if anchored and f.score >= BLOCK_MEMBER_SCORE:
                f.signals.append("in a prompt block")
                continue
            f.kind, f.label = "furniture", "not prompt-like"
    for f in findings.values():
        if f.kind == "prompt":
            f.label = _category(f)
    return sorted(findings.values(), key=lambda f: (f.source, -f.candidate.df, f.candidate.norm))


def _speaks(f: Finding) -> bool:
    """Do the line's own words make it a prompt? (Where it stands is not enough: an
    "about us" line next to a paywall stands near prompts too.)"""
    return bool(VOICE.intersection(f.signals))


def _blocks(candidates: Sequence[Candidate]) -> list[list[int]]:
    """Groups of candidates of one source that follow each other in their documents: two
    lines are joined when one follows the other in ``BLOCK_SHARE`` of the documents of
    the more frequent of them (a line that sometimes follows a pitch is not part of it)."""
    parent = {c.key: c.key for c in candidates}

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    by_key = {c.key: c for c in candidates}
    for c in candidates:
        for k, times in c.following.items():
            other = by_key.get(k)
            if other is None or other.source != c.source:
                continue
            if times >= BLOCK_SHARE * max(c.seen, other.seen):
                parent[root(k)] = root(c.key)
    groups: dict[int, list[int]] = {}
    for c in candidates:
        groups.setdefault(root(c.key), []).append(c.key)
    return list(groups.values())


_CATEGORY_WORDS = (
    ("newsletter", re.compile(r"newsletter|inbox|digest|briefing|bulletin|e-?mail", re.I)),
    ("login-prompt", re.compile(r"\b(log ?in|sign ?in|register)\b", re.I)),
    (
        "membership-appeal",
        re.compile(r"member|donat|support|fund|chip in|contribut|gift|patron|back us", re.I),
    ),
    ("offer-price", _PRICE),
)


def _category(f: Finding) -> str:
    """The rule category of a learned line: that of the built-in hits near it, else
    read off its words, else ``subscribe-cta``."""
    near = f.candidate.categories.most_common(1)
    if near and near[0][1] >= 0.3 * f.candidate.seen:
        return near[0][0]
    for category, pattern in _CATEGORY_WORDS:
        if pattern.search(f.candidate.raw):
            return category
    return "subscribe-cta"


# -- 5. writing the rule file -----------------------------------------------------------


@dataclass
class LearnOptions:
    """Thresholds and sizes of a learning run (defaults: the module constants)."""

    min_df: int = MIN_DF
    min_share: float = MIN_SHARE
    max_line: int = MAX_LINE
    learn_score: float = LEARN_SCORE
    prefix: str = PREFIX
    lang: str = "site"
    sketch_width: int = SKETCH_WIDTH
    table_size: int = TABLE_SIZE
    field: str = "text"  # JSONL: the text field
    source_key: str | None = None  # JSONL: the field naming a record's source
    id_key: str = "id"  # JSONL: the field naming a record
    source_depth: int = 1  # folders under PATH that name a file's source
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    skip_dirs: tuple[str, ...] = ()  # folders not walked (clean's --out DIR)
    jobs: int = 1


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _negative(raw: str) -> str:
    return f"Our reporter noted the sign that read {raw.rstrip('.!?')} on the old mill door."


def _weight_that_cuts(rule: Rule, shape: Shape, settings: Settings | None) -> float | None:
    """The smallest weight from 3.5 up that cuts the rule's example line standing alone
    at the end of a short article (long lines need more), or None if none does."""
    article = (
        "The council approved the new harbour wall on Tuesday after a two-year debate over "
        "its cost, its height and the shingle it would bury, and work starts in spring.\n"
    )
    line = rule.positives[0]
    for weight in (WEIGHT, 4.5, 6.0, 8.0, 10.0):
        ruleset = RuleSet((_reweighted(rule, weight),), shape, (rule.lang,))
        detector = Detector(ruleset, settings, accelerate=False)
        result = detector.cut(article + line + "\n")
        if result.keep == (True, False) and result.cut_share < 1:
            return weight
    return None


def _reweighted(rule: Rule, weight: float) -> Rule:
    from dataclasses import replace

    return replace(rule, weight=weight)


def build_rules(
    findings: Sequence[Finding],
    options: LearnOptions,
    shape: Shape,
    settings: Settings | None = None,
) -> list[tuple[Finding, dict[str, Any]]]:
    """One rule (as TOML-ready values) per learned line; lines learned in several sources
    become one rule. Each rule is checked: it loads, fires on its line and not on its
    negative example, and its weight cuts the line."""
    merged: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == "prompt":
            merged.setdefault(f.candidate.norm, []).append(f)
    out: list[tuple[Finding, dict[str, Any]]] = []
    number = 0
    for norm, group in sorted(merged.items(), key=lambda kv: (kv[1][0].source, -kv[1][0].share)):
        best = max(group, key=lambda f: f.candidate.df)
        number += 1
        rid = f"{options.prefix}{number:03d}"
        where = "; ".join(
            f"{f.source!r}: {f.candidate.df} of {f.docs} documents ({f.share:.0%}), "
            f"e.g. {', '.join(f.candidate.examples)}"
            for f in group
        )
        values = {
            "id": rid,
            "category": best.label,
            "weight": WEIGHT,
            "whole_line": True,
            "description": f"Learned: {best.candidate.raw!r} recurs in {where}.",
            "patterns": [line_pattern(norm)],
            "positive": best.candidate.raw,
            "negative": _negative(best.candidate.raw),
        }
        try:
            rule = _parse_one(values, options.lang)
        except RuleError:
            best.kind, best.label = "unlearnable", "no rule loads"
            number -= 1
            continue
        weight = _weight_that_cuts(rule, shape, settings)
        if weight is None or rule.fires(values["negative"]):
            best.kind, best.label = "unlearnable", "no weight cuts it"
            number -= 1
            continue
        values["weight"] = weight
        out.append((best, values))
    return out


def _parse_one(values: dict[str, Any], lang: str) -> Rule:
    raw = {k: v for k, v in values.items() if k not in ("positive", "negative")}
    raw["examples"] = {"positive": [values["positive"]], "negative": [values["negative"]]}
    return parse_pack({"lang": lang, "rules": [raw]}, "<learned>").rules[0]


def render_rules(
    rules: Sequence[tuple[Finding, dict[str, Any]]],
    findings: Sequence[Finding],
    report: LearnReport,
    options: LearnOptions,
) -> str:
    """The rule file: header, one ``[[rules]]`` table per learned line, furniture as
    comments."""
    out = [
        "# Site rules learned by `paywall-cut learn` - review every rule before you use it:",
        "# delete a rule that cuts something editorial, re-weight one that cuts too much.",
        f"# Corpus: {report.documents} documents in {report.source_count} sources. "
        f"Thresholds: min-df {options.min_df}, min-share {options.min_share:g}, "
        f"score {options.learn_score:g}.",
        f"# {len(rules)} rules learned; "
        f"{sum(f.kind == 'furniture' for f in findings)} recurring lines are editorial "
        "furniture (listed at the end, not learned); "
        f"{sum(f.kind == 'handled' for f in findings)} are already cut by the loaded rules.",
        '# Load it with `extend-rules = ["this-file.toml"]` in the configuration, or',
        "# `paywall-cut rules --check THIS-FILE` to validate it.",
        f'lang = "{options.lang}"',
        'name = "Learned site rules"',
        "",
    ]
    for finding, v in rules:
        out += [
            f"# {finding.source}: score {finding.score:.1f} ({', '.join(finding.signals)})",
            "[[rules]]",
            f'id = "{v["id"]}"',
            f'category = "{v["category"]}"',
            f"weight = {v['weight']}",
            "whole_line = true",
            f"description = {_toml(v['description'])}",
            f"patterns = ['''{v['patterns'][0]}''']",
            f"examples.positive = [{_toml(v['positive'])}]",
            f"examples.negative = [{_toml(v['negative'])}]",
            "",
        ]
    rest = [f for f in findings if f.kind in ("furniture", "unlearnable")]
    out.append("# ---- Recurring lines not learned (editorial furniture): for review ----")
    if not rest:
        out.append("# (none)")
    for f in rest:
        c = f.candidate
        out.append(
            f"# [{f.label or f.kind}] {f.source}: {c.df} of {f.docs} documents "
            f"({f.share:.0%}), e.g. {', '.join(c.examples)}: {c.raw}"
        )
    return "\n".join(out) + "\n"


# -- reading a corpus -------------------------------------------------------------------

# one document to observe: (source, id, text or raw bytes, name for format detection)
Work = tuple[str, str, "str | bytes", str]


def _host(value: str) -> str:
    if "://" in value:
        host = urlsplit(value).hostname or value
        return host[4:] if host.startswith("www.") else host
    return value


def _container(path: str, rel: str, is_jsonl: bool, depth: int) -> str:
    """The source of a file's documents when no record field names it (module doc)."""
    parts = rel.split("/")
    folders = parts[:-1]
    if is_jsonl:
        stem = parts[-1]
        for suffix in (".gz", ".jsonl", ".ndjson"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        folders.append(stem)
    if depth > 0 and folders:
        return "/".join(folders[:depth])
    where = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    return os.path.basename(os.path.abspath(where)) or where


def read_corpus(
    paths: Sequence[str], options: LearnOptions, warn: Callable[[str], None]
) -> Iterator[Work]:
    """Every document under ``paths``, with its source and id (see the module doc)."""
    from .batch.walk import Walker
    from .files import read_source

    walker = Walker(options.include, options.exclude, skip_dirs=options.skip_dirs)
    for path in paths:
        for entry in walker.walk([path]):
            if entry.kind == "skip":
                continue
            if entry.kind == "fail":
                warn(entry.reason or entry.source)
                continue
            container = _container(path, entry.rel, entry.kind == "jsonl", options.source_depth)
            if entry.kind == "jsonl":
                yield from _records(entry.source, container, options, warn)
                continue
            try:
                data = read_source(entry.source)
            except Exception as e:
                warn(str(e))
                continue
            yield container, entry.source, data, entry.rel


def _records(
    path: str, container: str, options: LearnOptions, warn: Callable[[str], None]
) -> Iterator[Work]:
    opener = gzip.open if path.lower().endswith(".gz") else open
    bad = 0
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                if not isinstance(record, dict) or not isinstance(record.get(options.field), str):
                    bad += 1
                    continue
                source = container
                if options.source_key is not None:
                    value = record.get(options.source_key)
                    source = _host(str(value)) if value not in (None, "") else "(none)"
                rid = record.get(options.id_key)
                doc_id = str(rid) if isinstance(rid, (str, int)) else f"{path}:{number}"
                yield source, doc_id, record[options.field], path
    except (OSError, EOFError) as e:
        warn(f"{path}: cannot read: {e}")
    if bad:
        warn(f"{path}: {bad} records without a string field {options.field!r} skipped")


# -- observing in worker processes ------------------------------------------------------

_DETECTOR: Detector | None = None
_MAX_LINE = MAX_LINE


def _init(parts: tuple[RuleSet, Settings] | None, max_line: int) -> None:
    import signal

    global _DETECTOR, _MAX_LINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parts is not None:
        _DETECTOR = Detector(*parts)
    _MAX_LINE = max_line


def _observe_batch(batch: list[Work]) -> list[tuple[str, str, list[Observation] | str]]:
    assert _DETECTOR is not None
    return [_observe_one(_DETECTOR, w, _MAX_LINE) for w in batch]


def _observe_one(
    detector: Detector, work: Work, max_line: int
) -> tuple[str, str, list[Observation] | str]:
    """(source, id, observations), or (source, id, error message)."""
    source, doc_id, payload, name = work
    if isinstance(payload, str):
        return source, doc_id, observe(detector.cut(payload, explain=True), max_line)
    from .files import InputError, decode
    from .formats import detect_format, gunzip, strip_gz

    try:
        data = gunzip(payload, doc_id) if payload[:2] == b"\x1f\x8b" else payload
        if detect_format(strip_gz(name), data) == "html":
            from .html import cut_html, decode_html

            hc = cut_html(decode_html(data, None, doc_id).text, detector, explain=True)
            return source, doc_id, observe(hc.result, max_line)
        text = decode(data, None, doc_id).text
    except InputError as e:
        return source, doc_id, str(e)
    return source, doc_id, observe(detector.cut(text, explain=True), max_line)


BATCH_DOCS = 64


def _batches(works: Iterable[Work]) -> Iterator[list[Work]]:
    batch: list[Work] = []
    size = 0
    for w in works:
        batch.append(w)
        size += len(w[2])
        if len(batch) >= BATCH_DOCS or size >= 1 << 20:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _observed(
    works: Iterable[Work], detector: Detector, jobs: int, max_line: int
) -> Iterator[tuple[str, str, list[Observation] | str]]:
    """Observations of every document, in corpus order; ``jobs`` processes."""
    if jobs <= 1:
        for w in works:
            yield _observe_one(detector, w, max_line)
        return
    import multiprocessing

    global _DETECTOR
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        _DETECTOR = detector  # the forked workers inherit it: nothing rebuilt or pickled
        context, parts = multiprocessing.get_context("fork"), None
    else:  # pragma: no cover - not Linux
        context = multiprocessing.get_context("spawn")
        parts = (detector.ruleset, detector.settings)
    pool = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init, initargs=(parts, max_line)
    )
    pending: list[Future[Any]] = []
    try:
        for batch in _batches(works):
            pending.append(pool.submit(_observe_batch, batch))
            while len(pending) >= 2 * jobs:  # a bounded number of batches in flight
                wait(pending[:1], return_when=FIRST_COMPLETED)
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _DETECTOR = None


# -- the whole run ----------------------------------------------------------------------


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


def learn(
    paths: Sequence[str],
    detector: Detector,
    options: LearnOptions | None = None,
    warn: Callable[[str], None] | None = None,
) -> LearnReport:
    """Learn site rules from the corpus under ``paths`` (see the module doc)."""
    options = options or LearnOptions()
    report = LearnReport()
    messages: list[str] = []
    warn = warn or messages.append
    counter = LineCounter(
        width=options.sketch_width, capacity=options.table_size, min_df=options.min_df
    )
    works = read_corpus(paths, options, warn)
    for source, doc_id, observed in _observed(works, detector, options.jobs, options.max_line):
        if isinstance(observed, str):
            report.failed.append(observed)
            warn(observed)
            continue
        counter.add(source, doc_id, observed)
    report.documents = counter.documents
    report.source_count = len(counter.sources)
    candidates = counter.candidates(options.min_df, options.min_share)
    report.findings = classify(
        candidates, counter.by_id, Lexicon(detector.ruleset), options.learn_score
    )
    report.rules = build_rules(report.findings, options, detector.ruleset.shape, detector.settings)
    report.memory = counter.memory()
    report.text = render_rules(report.rules, report.findings, report, options)
    return report
