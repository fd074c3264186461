"""Per-line evidence: how much a line looks like a subscription prompt, and why.

For each line the evidence is a single number ``x`` (positive: prompt-like, negative:
editorial-like), the sum of four named parts:

``rules``
    Rule hits. Each rule that matches adds its weight times a *position factor*: 1 on a
    line of up to ``short_line`` characters; on a longer line ``short_line / length``
    (at least ``min_factor``), or at least ``edge_factor`` when the match opens or closes
    the line; and times ``quoted_factor`` when the match stands inside quotation marks
    (reported speech). Per category only the strongest hit counts; the strongest
    category counts fully, the others ``others_share`` (half).
``shape``
    Only near a rule hit (``window`` lines) and on lines of up to ``shape_max`` characters:
    second-person words, a call-to-action verb opening the line, a price, a bullet, an
    exclamation mark, a short button-like line.
``counter``
    Counter-evidence of reporting: reporting verbs ("said", "according to"), and
    third-person figures ("subscribers rose 4%") on a line with no second person; and
    near a hit, *prose*: a line with no rule hit, no bullet, no second person and no
    first-person plural (a publisher speaking of itself) that
    ends a sentence and has ``prose_min``+ characters, or has twice that many (article
    paragraphs, not pitch copy).
``prior``
    The editorial prior: ``-(prior_base + length / prior_chars)``, at most ``prior_cap``
    in size. Long lines are editorial unless the rules say otherwise.
``extra``
    Evidence from outside the text, given by the caller per line (:class:`ExtraEvidence`):
    for HTML, the markers of the element a line sits in (``html.py``). Absent for plain
    text. A line with extra evidence is not capped at ``no_hit_ceiling``, gets the shape
    features like a line near a rule hit, and is never counted as prose; it anchors a region
    only when its ``ExtraEvidence.anchor`` says so.

Chinese and Japanese (CJK) text needs two things of its own. Its characters carry about
two to three times the content of Latin letters, so near a rule hit a line is measured
by its *effective length*, each CJK character counting ``cjk_weight`` characters: the
prior, the prose test and the short-line tests then see a 60-character Japanese sentence
as the paragraph it is, not as a button (``shape_of`` sets ``LineEvidence.length`` to
it; a line beyond ``window`` of every hit keeps its plain length, too far for a region to
reach). And it has no spaces between words, so a shape word written in CJK characters is
looked up as a substring of the line (a call-to-action one at the start of the line's
first word run), not as a whole word token: a CJK sentence is one token. A sentence
ends in 。！？ as well. Text without CJK characters is read exactly as before.

Blank lines carry no evidence; the sequence decision (``decide.py``) skips them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .rules import Rule, RuleSet, Shape, fold
from .scripts import HAN, HAN_SUPPLEMENT, KANA


@dataclass(frozen=True)
class EvidenceParams:
    """Parameters of the line evidence, with their defaults."""

    short_line: int = 160  # a match on a line this long or shorter counts fully
    min_factor: float = 0.25  # floor of the position factor on long lines
    edge_factor: float = 0.7  # floor when the match opens or closes a long line
    quoted_factor: float = 0.3  # a match inside quotation marks is reported speech
    others_share: float = 0.5  # categories beyond the strongest count this much
    rules_cap: float = 6.0  # most evidence rules can give one line
    window: int = 8  # shape features are read this many lines around a rule hit
    shape_max: int = 250  # longer lines get no shape bonus
    second_person: float = 0.3
    cta_start: float = 0.3
    price: float = 0.5
    bullet: float = 0.2
    exclamation: float = 0.1
    button: float = 0.2
    reporting: float = 1.0
    figures: float = 0.7
    prose: float = 2.0  # a sentence-ending line of prose with no rule hit and no "you"
    prose_min: int = 80  # ... at least this long
    prior_base: float = 0.2
    prior_chars: float = 200.0
    prior_cap: float = 4.0
    cjk_weight: float = 2.5  # a CJK character counts this many in a line's effective length
    no_hit_ceiling: float = -0.25  # a line with no rule hit never scores above this


@dataclass(frozen=True)
class ExtraEvidence:
    """Evidence for one line from outside its text (for HTML: the DOM), given by the caller.

    ``score`` is added to the line's ``x``; ``anchor`` lets it count as anchor evidence
    (a region needs one line with enough anchor evidence to be cut); ``note`` says why,
    for ``explain``.
    """

    score: float
    note: str
    anchor: bool = False


@dataclass
class Hit:
    """One rule matching one line."""

    rule: Rule
    start: int
    end: int
    strength: float  # weight x position factor
    matched: str


@dataclass
class LineEvidence:
    """The evidence of one line (index is 0-based)."""

    index: int
    length: int  # effective length once shape_of has read the line (EvidenceReader.length_of)
    hits: list[Hit] = field(default_factory=list)
    rules: float = 0.0
    shape: float = 0.0
    counter: float = 0.0
    prior: float = 0.0
    notes: list[str] = field(default_factory=list)
    extra: float = 0.0  # evidence from outside the text (see ExtraEvidence)
    extra_anchor: bool = False  # may ``extra`` count as anchor evidence?

    ceiling: float = 0.0  # x of a line without rule hits is capped here (set by the reader)

    @property
    def x(self) -> float:
        x = self.rules + self.extra + self.shape - self.counter + self.prior
        return x if self.hits or self.extra else min(x, self.ceiling)

    @property
    def anchor(self) -> float:
        """Rule evidence (and anchoring extra evidence): a region is cut only around a line
        with enough of it."""
        return self.rules + (self.extra if self.extra_anchor else 0.0)


_BULLET = re.compile(r"^\s*([-*•·▪▸►✓✔☑➤→]|\d{1,2}[.)])\s")
_PRICE = re.compile(
    r"([$€£¥￥₹₽₺₴]\s?\d+([.,]\d{1,2})?"
    r"|\b\d+([.,]\d{1,2})?\s?([$€£₽₺₴]|(euros?|dollars?|eur|usd|gbp)\b)"
    r"|\bR\$\s?\d|\b\d+([.,]\d{1,2})?\s?(kr|zł|CHF|руб|грн|Kč|TL)(?!\w)"
    r"|\d[\d,.]*\s?[円元])",  # CJK: no word boundary before the figure (月額980円)
    re.IGNORECASE,
)
_FIGURES = re.compile(
    r"\b\d[\d,.]*\s?(%|per ?cent|prozent|pour ?cent|por ?ciento|per ?cento|procent|million|"
    r"billion|millionen|milliarden|millions?|milliards?|millones|milioni|milhões|miljoen|bn\b|m\b|"
    r"млн|млрд|тыс|мільйон|мільярд|тис\.|milion|miliard|mld\b|milyon|milyar)",
    re.IGNORECASE,
)
_QUOTES = '"'
_SENTENCE_END = tuple(".!?\"')”’»。！？」』）")
# a line ending in one of these goes on (it is no button); the CJK ones included
_CLAUSE_END = (".", ",", ";", "。", "，", "、", "；")
# Chinese characters (CJK ideographs) and the Japanese kana
_CJK = re.compile(f"[{KANA}{HAN}{HAN_SUPPLEMENT}]")
# every match of _PRICE holds one of these (lower-cased): a cheap test before the regex
_CURRENCY = (
    *("$", "€", "£", "¥", "￥", "₹", "₽", "₺", "₴", "eur", "dollar", "usd", "gbp", "kr", "zł"),
    *("chf", "руб", "грн", "kč", "tl", "円", "元"),
)
_TOKEN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


class EvidenceReader:
    """Reads line evidence with one rule set; build once, use for many documents."""

    def __init__(self, ruleset: RuleSet, params: EvidenceParams | None = None) -> None:
        self.ruleset = ruleset
        self.p = params or EvidenceParams()
        self.default = Lexicon(ruleset.shape)  # every pack's words
        self._lexicons: dict[frozenset[str], Lexicon] = {}

    def lexicon(self, langs: Iterable[str]) -> Lexicon:
        """The shape words of the languages whose rules fired in a document (a German
        reporting verb says nothing about an English line); every pack's words when no
        language is known."""
        key = frozenset(langs)
        if not key:
            return self.default
        lex = self._lexicons.get(key)
        if lex is None:
            lex = self._lexicons[key] = Lexicon(self.ruleset.shape_for(key))
        return lex

    def rule_hits(self, line: str, targets: set[tuple[int, int]], ev: LineEvidence) -> None:
        """Match the candidate (rule, pattern) pairs against one line and score the hits."""
        p = self.p
        folded = fold(line)
        lower = folded.lower()
        stripped = folded.strip()
        offset = len(folded) - len(folded.lstrip())
        length = len(stripped)
        rules = self.ruleset.rules
        by_rule: dict[int, list[int]] = {}
        for i, k in targets:
            by_rule.setdefault(i, []).append(k)
        for i in sorted(by_rule):
            rule = rules[i]
            m = rule.search(folded, by_rule[i], lower)
            if m is None:
                continue
            if rule.whole_line:
                start, end = 0, length
            else:
                start, end = m.start() - offset, m.end() - offset
            factor = 1.0
            if length > p.short_line:
                factor = max(p.short_line / length, p.min_factor)
                if start <= 3 or end >= length - 3:
                    factor = max(factor, p.edge_factor)
            if _QUOTES in stripped:
                before = stripped.count('"', 0, max(start, 0))
                if before % 2 == 1 and '"' in stripped[end:]:
                    factor *= p.quoted_factor
                    ev.notes.append(f"{rule.id} quoted")
            ev.hits.append(Hit(rule, start, end, rule.weight * factor, m.group(0)))
        if ev.hits:
            # one strength per category (its strongest hit): the same phrase matched by
            # two packs, or two patterns saying the same thing, counts once
            best: dict[str, float] = {}
            for h in ev.hits:
                best[h.rule.category] = max(best.get(h.rule.category, 0.0), h.strength)
            strengths = sorted(best.values(), reverse=True)
            total = strengths[0] + p.others_share * sum(strengths[1:])
            ev.rules = min(total, p.rules_cap)

    def shape_of(self, line: str, ev: LineEvidence, lex: Lexicon | None = None) -> None:
        """Shape features (bonus) of a line near a rule hit, read with ``lex``'s words
        (default: every pack's)."""
        p = self.p
        lex = lex or self.default
        s = line.strip()
        ev.length = self.length_of(s)
        if ev.length == 0:
            return
        tokens = _TOKEN.findall(s)  # one tokenising pass for every word list
        second = lex.second is not None and lex.second.search(s, tokens)
        bullet = _BULLET.match(line) is not None
        if (
            not ev.hits
            and not ev.extra
            and ev.length >= p.prose_min
            and not bullet
            and not second
            and not (lex.we is not None and lex.we.search(s, tokens))
            and (s.endswith(_SENTENCE_END) or ev.length >= 2 * p.prose_min)
        ):
            ev.counter += p.prose
            ev.notes.append("prose")
        if ev.length > p.shape_max:
            return
        bonus = 0.0
        if second:
            bonus += p.second_person
            ev.notes.append("second person")
        cta = bool(tokens) and lex.opens_with_cta(tokens[0])  # the line's first word
        if cta:
            bonus += p.cta_start
            ev.notes.append("call to action")
        digits = _DIGIT.search(s) is not None  # prices and figures both hold a digit
        if digits and _has_currency(s) and _PRICE.search(s):
            bonus += p.price
            ev.notes.append("price")
        if bullet:
            bonus += p.bullet
            ev.notes.append("bullet")
        if s.endswith("!"):
            bonus += p.exclamation
        if ev.length <= 40 and not s.endswith(_CLAUSE_END):
            bonus += p.button
            ev.notes.append("short")
        ev.shape = bonus
        if digits and not second and not cta and _FIGURES.search(s):
            ev.counter += p.figures
            ev.notes.append("figures")

    def counter_of(self, line: str, ev: LineEvidence, lex: Lexicon | None = None) -> None:
        """Counter-evidence of reporting on a line with rule hits."""
        lex = lex or self.default
        if lex.reporting is not None and lex.reporting.search(line):
            ev.counter += self.p.reporting
            ev.notes.append("reporting")

    def length_of(self, stripped: str) -> int:
        """The effective length of a stripped line: its characters, each CJK character
        counting ``cjk_weight`` (see the module docstring)."""
        n = len(stripped)
        if stripped.isascii():
            return n
        cjk = len(_CJK.findall(stripped))
        return n + round(cjk * (self.p.cjk_weight - 1.0)) if cjk else n

    def prior_of(self, length: int) -> float:
        p = self.p
        return -min(p.prior_base + length / p.prior_chars, p.prior_cap)


class Lexicon:
    """The shape word lists of some languages, ready for lookups."""

    def __init__(self, shape: Shape) -> None:
        self.second = _word_regex(shape.second_person, ignore_case=False)
        self.we = _word_regex(shape.first_plural, ignore_case=False)
        self.reporting = _word_regex(shape.reporting, ignore_case=True)
        self.cta = frozenset(w.lower() for w in shape.cta_verbs if not _CJK.search(w))
        self.cta_cjk = tuple(w for w in shape.cta_verbs if _CJK.search(w))

    def opens_with_cta(self, first: str) -> bool:
        """Is ``first`` (a line's first ``\\w+`` run) a call-to-action verb? A CJK run is a
        whole clause, so a CJK verb need only open it."""
        return first.lower() in self.cta or (bool(self.cta_cjk) and first.startswith(self.cta_cjk))


def _has_currency(line: str) -> bool:
    low = line.lower()
    return any(c in low for c in _CURRENCY)


class _Words:
    """Finds any of a list of words or phrases in a line, as whole words.

    Single words are looked up in a set (one tokenising pass over the line, which the
    caller may share between lists); the few multi-word phrases ("according to", "you're")
    go through a regular expression, run only when the line holds a phrase's first word.
    Words written in CJK characters are looked up as substrings of the line (CJK text has
    no spaces: a whole sentence is one token).
    """

    def __init__(self, words: tuple[str, ...], ignore_case: bool) -> None:
        self.ignore_case = ignore_case
        self.cjk = tuple(w for w in words if _CJK.search(w))
        norm = [w.lower() if ignore_case else w for w in words if not _CJK.search(w)]
        self.single = frozenset(w for w in norm if _TOKEN.fullmatch(w))
        phrases = sorted((w for w in norm if w not in self.single), key=len, reverse=True)
        self.phrases = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in phrases) + r")(?!\w)",
                re.IGNORECASE if ignore_case else 0,
            )
            if phrases
            else None
        )
        # a phrase can only match where its first word is a token of the line; a phrase
        # that opens with a non-word character is always searched for
        firsts = [_TOKEN.match(w) for w in phrases]
        self.always = any(m is None for m in firsts)
        self.firsts = frozenset(m.group() for m in firsts if m is not None)

    def search(self, line: str, tokens: list[str] | None = None) -> bool:
        """Does ``line`` hold one of the words? ``tokens``: ``\\w+`` runs of ``line``."""
        if self.cjk and any(w in line for w in self.cjk):
            return True
        if tokens is None:
            tokens = _TOKEN.findall(line)
        if self.ignore_case:
            tokens = [t.lower() for t in tokens]
        if self.single and not self.single.isdisjoint(tokens):
            return True
        if self.phrases is None or not (self.always or not self.firsts.isdisjoint(tokens)):
            return False
        return self.phrases.search(line.lower() if self.ignore_case else line) is not None


def _word_regex(words: tuple[str, ...], ignore_case: bool) -> _Words | None:
    return _Words(words, ignore_case) if words else None
