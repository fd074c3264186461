"""Required literals of a regular expression, for the prefilter.

``required_literals(pattern)`` returns a set of lower-case strings such that every match
of the (case-insensitive) pattern contains at least one of them, or ``None`` when no such
set can be read off the pattern. The prefilter scans a document once for all the
literals of all rules; only lines that contain one are matched against the rules.
"""

from __future__ import annotations

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

import re

from ..scripts import LETTERS

Alternatives = frozenset[str]
_WORD = re.compile(r"\w+")


def required_literals(pattern: str) -> set[str] | None:
    """Literals at least one of which every match of ``pattern`` contains."""
    found = _seq(_p.parse(pattern))
    if not found:
        return None
    # keep the longest run of word characters of each literal: spaces and punctuation vary
    # in real text (no-break spaces, curly apostrophes) and are folded only after the scan
    words = {_word(s) for s in found}
    if "" in words:
        return None
    return words


def required_sets(pattern: str) -> tuple[frozenset[str], ...]:
    """Every set of word alternatives that a match must contain (one of each set).

    A cheap filter before running the regular expression: a line (lower-cased) that
    lacks every word of any one set cannot match.
    """
    sets = []
    for alts in _all(_p.parse(pattern)):
        words = frozenset(_word(a) for a in alts)
        if "" not in words:
            sets.append(words)
    return tuple(sets)


# Words too common to be good prefilter triggers (frequent in ordinary article text of the
# supported languages): a literal made only of them ranks last, so the prefilter picks a
# rarer word of the same pattern whenever there is one.
_COMMON = frozenset(
    (
        "the and for you your this that with our are was not but all can any one out has have "
        "from more like their what they how best also use will time when most these which has "
        "some new into about other than need its while get work there may help just them over "
        "such through based many only who even want each where home should well real here full "
        "top don cost find people every online long way first take before making those much "
        "offer offers right great see including both often now two why used day after might "
        "could still around own been then same know easy were less does would list end let very "
        "off part add check down once must within back too made think works low under next make "
        "read year years month start keep look include better able because between provide "
        "les des une pour vous der die das und ein eine sie los las por con del que una per che "
        "non gli dei het een van voor para com mit auf mais von par dans nicht mas dat uma den "
        "sich via ist dem sur avec nach della met qui als maar piu fur ont est dan dos wie mehr "
        "depuis niet nao pelo bei aus nur son sono jetzt sind hat wer pas zijn naar ook door sin "
        "sans nog meer este como entre ser todos sem uit nel dalla senza dal auch alle hol "
        "test here time"
    ).split()
)


def _word(literal: str) -> str:
    return max(_WORD.findall(literal.lower()), key=len, default="")


def _rank(alts: Alternatives) -> tuple[int, int]:
    # prefer the set whose weakest member word is best (see _quality),
    # then the smallest set
    words = [_word(a) for a in alts]
    return (min(_quality(w) for w in words), -len(alts))


# CJK ideographs, kana and hangul: one of them is about a word's worth of text, so a
# two-character word (会員, 订阅, 구독) is as rare and as good a trigger as a longer
# alphabetic one
_CJK = LETTERS["cjk"]


def trigger_size(word: str) -> int:
    """The length of a trigger word for the minimum (``rules.MIN_TRIGGER``), with each CJK
    character counted twice."""
    return len(word) + len(_CJK.findall(word))


def _quality(word: str) -> int:
    """Too short: 0; common: 1; otherwise its size (see ``trigger_size``)."""
    size = trigger_size(word)
    if size < 3:
        return 0
    return 1 if word in _COMMON else size


def _seq(items) -> Alternatives | None:
    """Best required-literal set of a sequence of parsed items."""
    candidates = _all(items)
    if not candidates:
        return None
    return max(candidates, key=_rank)


def _all(items) -> list[Alternatives]:
    """Every required-literal set of a sequence of parsed items (each one must occur)."""
    candidates: list[Alternatives] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if op is _c.IN and _single_char_class(av) is not None:
            run.append(_single_char_class(av))
            continue
        flush()
        sub: Alternatives | None = None
        if op is _c.SUBPATTERN:
            sub = _seq(av[-1])
        elif op is _c.BRANCH:
            alts = [_seq(b) for b in av[1]]
            if all(alts):
                sub = frozenset().union(*alts)  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, body = av
            if lo >= 1:
                sub = _seq(body)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            sub = _seq(av)
        if sub:
            candidates.append(sub)
    flush()
    return [c for c in candidates if c and "" not in c]


def _single_char_class(av) -> str | None:
    """A class like [sS] or a lone-literal class counts as its (lower-case) letter."""
    chars = {chr(v) for op, v in av if op is _c.LITERAL}
    if len(av) == len(chars) and len({c.lower() for c in chars}) == 1:
        return next(iter(chars)).lower()
    return None
