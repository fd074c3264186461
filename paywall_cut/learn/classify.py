"""Which recurring lines are a site's pitch, and which are its editorial furniture."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..evidence import EvidenceReader, LineEvidence
from ..rules import RuleSet, Shape, fold
from .count import Candidate, SourceStats
from .lines import AFTER, CUT, HEAD, HIT, NEAR_HIT, TAIL
from .options import LEARN_SCORE

BLOCK_SHARE = 0.5  # two candidates follow each other in this share of their documents


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
        r"interview|translation|translated)\b.{0,40}\bby\b|\b(reporting|editing|"
        r"edited|written) by\b|^(photo|image|picture|credit|source|illustration)s?\s*:|"
        # a byline: "By Jane Doe", "Von ...", "Par ..." (a name, not "By signing up")
        r"(?-i:^(?:[Bb]y|[Vv]on|[Pp]ar|[Pp]or|[Dd]i|[Dd]oor)\s+(?![A-Z]\w*ing\b)[A-Z])",
        re.IGNORECASE,
    ),
    "dateline": re.compile(
        r"^(published|updated|posted|last (updated|modified)|first published|"
        r"aktualisiert|veröffentlicht|publié|mis à jour|publicado|actualizado|pubblicato)\b|"
        r"(?-i:^[A-Z][A-Z .'-]{2,}(, [\w .]+)? \(\w[\w .]*\))",  # LONDON (Reuters)
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
        r"^(related|read more|more (from|on) [\w ]+|see also|tags?|topics?|filed under)\s*(:|$)|"
        r"^(advertisement|advertising|anzeige|publicité|publicidad|pubblicità|sponsored|"
        r"sponsored content|home|back to top|skip to( main)? content)$",
        re.IGNORECASE,
    ),
}
# furniture unless the line speaks (an offer may end on a date: "Offer ends 31 March")
DATES = re.compile(
    rf"\b({_MONTHS})\.? \d{{1,2}}\b|\b\d{{1,2}}\.? ({_MONTHS})\b|\b\d{{1,2}}:\d{{2}}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b",
    re.IGNORECASE,
)
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


def furniture_kind(line: str, head_share: float, speaks: bool = False) -> str | None:
    """The kind of editorial furniture a recurring line is, if it is one. Credits,
    datelines, copyright lines, share rows and navigation always are; a line with a date
    or a time, or a short title-like line in the head (a section name), only when it
    does not speak (see :func:`classify`)."""
    folded = fold(line).strip()
    for kind, pattern in FURNITURE.items():
        if pattern.search(folded):
            return kind
    if speaks:
        return None
    if DATES.search(folded):
        return "dateline"
    if (
        head_share >= 0.5
        and len(folded) <= SECTION_MAX
        and len(folded.split()) <= 3
        and not folded.endswith((".", "!", "?", ":"))
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
        kind = furniture_kind(c.raw, c.share(HEAD), _speaks(finding))
        if c.share(CUT) >= 0.95:
            finding.kind = "handled"
        elif kind is not None:
            finding.kind, finding.label = "furniture", kind
        elif not any(len(w) >= 3 for w in c.norm.split() if not w.isdigit()):
            finding.kind, finding.label = "unlearnable", "no word of 3+ letters"
        findings[c.key] = finding
    alone = {
        key
        for key, f in findings.items()
        if f.kind == "prompt" and f.score >= learn_score and _speaks(f)
    }
    joinable = [c for c in candidates if findings[c.key].kind != "furniture"]
    for block in _blocks(joinable):
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
    the more frequent of them (a line that sometimes follows a pitch is not part of it).
    The caller leaves furniture out: a share row between a pitch and an "about us" line
    must not join them."""
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
    """The rule category of a learned line: read off its own words, else that of the
    built-in hits near it, else ``subscribe-cta``."""
    for category, pattern in _CATEGORY_WORDS:
        if pattern.search(f.candidate.raw):
            return category
    near = f.candidate.categories.most_common(1)
    if near and near[0][1] >= 0.3 * f.candidate.seen:
        return near[0][0]
    return "subscribe-cta"
