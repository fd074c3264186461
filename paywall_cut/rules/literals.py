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


# Words too common to be worth a prefilter hit: a literal made only of them ranks last.
_COMMON = frozenset(
    (
        "the and for you your this that with our are was not but all can any one out has have "
        "les des une pour vous der die das und ein eine sie los las por con del que una per che "
        "non gli dei het een van voor"
    ).split()
)


def _word(literal: str) -> str:
    return max(_WORD.findall(literal.lower()), key=len, default="")


def _rank(alts: Alternatives) -> tuple[int, int]:
    # prefer the set whose shortest member word is longest (common words count as 0),
    # then the smallest set
    words = [_word(a) for a in alts]
    return (min(0 if w in _COMMON else len(w) for w in words), -len(alts))


def _seq(items) -> Alternatives | None:
    """Best required-literal set of a sequence of parsed items."""
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
    candidates = [c for c in candidates if c and "" not in c]
    if not candidates:
        return None
    return max(candidates, key=_rank)


def _single_char_class(av) -> str | None:
    """A class like [sS] or a lone-literal class counts as its (lower-case) letter."""
    chars = {chr(v) for op, v in av if op is _c.LITERAL}
    if len(av) == len(chars) and len({c.lower() for c in chars}) == 1:
        return next(iter(chars)).lower()
    return None
