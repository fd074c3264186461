"""Regular expressions that cannot backtrack catastrophically.

Rule patterns run under Python's ``re``, a backtracking engine. Two things keep the work of
matching one line linear in its length:

1. :func:`backtracking_risk` refuses, at load, a pattern whose backtracking can blow up
   however long the input: a quantified group that can match the same text in more than
   one way (``(a+)+``, ``(\\w+\\s?)*``, ``(a|aa)*``, ``(\\w|\\d)+``: exponential), or two
   unbounded quantifiers in a row that can share characters (``\\w+\\w*``, ``\\s*.*``:
   polynomial). It reads the parse tree: nested quantifiers are tested by sampling strings
   of the group (two iterations that match as one, or one alternative's text that another
   alternative matches too); quantifiers in a row by comparing the characters that can end
   the first with those that can start the second. It is conservative: a pattern it
   refuses can be written with a possessive quantifier or an atomic group (which never
   backtrack), or with a mandatory separator between the quantified parts.
2. :func:`bound_repeats` rewrites every unbounded quantifier (``*``, ``+``, ``{m,}``) to an
   upper bound of :data:`MAX_RUN` characters before the pattern is compiled. A single
   unbounded quantifier cannot blow up, but it can rescan the rest of the line from every
   start position (``newsletter\\w*\\b...`` on ``newsletternewsletter...``): quadratic in
   the line length. Bounded, each start position costs at most a constant. No prompt needs
   a run of more than ``MAX_RUN`` word characters, spaces or digits matched by one
   quantifier.

Both work on the parse tree of ``re`` (``re._parser``, ``sre_parse`` before Python 3.11),
like ``literals.py`` and ``superset.py``; :func:`unparse` turns a tree back into a pattern
and is checked to give the very same tree.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MAX_RUN = 128  # upper bound given to unbounded quantifiers (see bound_repeats)
SAMPLES = 24  # strings sampled per quantified group by the ambiguity test

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)  # repeats that backtrack
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_UNBOUNDED = _c.MAXREPEAT
_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.ASCII, "a"))
_AT = {
    _c.AT_BEGINNING: "^",
    _c.AT_BEGINNING_STRING: r"\A",
    _c.AT_END: "$",
    _c.AT_END_STRING: r"\Z",
    _c.AT_BOUNDARY: r"\b",
    _c.AT_NON_BOUNDARY: r"\B",
}
_CATEGORY = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
# characters the ambiguity test draws from: every printable ASCII character, white space,
# and a few of each kind of non-ASCII character rules meet (letters, digits, spaces, marks)
_UNIVERSE = (
    "".join(chr(i) for i in range(32, 127))
    + "\t\r\x0b\x0c"
    + ("éÉßüñçøåœæ€£¥«»‘’“”–—…·•\u00a0\u2009\u202fаеоΑΩ中٣¹²\u0301")
)


# -- unparse --------------------------------------------------------------------------


def _char(code: int) -> str:
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _flags(add: int, remove: int = 0) -> str:
    on = "".join(letter for bit, letter in _FLAG_LETTERS if add & bit)
    off = "".join(letter for bit, letter in _FLAG_LETTERS if remove & bit)
    return on + ("-" + off if off else "")


def _class(items) -> str:
    out = []
    for op, av in items:
        if op is _c.NEGATE:
            out.insert(0, "^")
        elif op is _c.LITERAL:
            out.append(_char(av))
        elif op is _c.RANGE:
            out.append(_char(av[0]) + "-" + _char(av[1]))
        elif op is _c.CATEGORY:
            out.append(_CATEGORY[av])
        else:  # pragma: no cover - the parser makes no other class members
            raise ValueError(f"cannot unparse class member {op}")
    return "[" + "".join(out) + "]"


def _unparse(items, bound: int | None) -> str:
    return "".join(_item(op, av, bound) for op, av in items)


def _item(op, av, bound: int | None) -> str:
    if op is _c.LITERAL:
        return _char(av)
    if op is _c.NOT_LITERAL:
        return "[^" + _char(av) + "]"
    if op is _c.ANY:
        return "."
    if op is _c.IN:
        return _class(av)
    if op is _c.CATEGORY:
        return _CATEGORY[av]
    if op is _c.AT:
        return _AT[av]
    if op is _c.SUBPATTERN:
        group, add, remove, body = av
        inner = _unparse(body, bound)
        if add or remove:
            return f"(?{_flags(add, remove)}:" + (f"({inner})" if group else inner) + ")"
        return f"({inner})" if group else f"(?:{inner})"
    if op is _c.BRANCH:
        return "(?:" + "|".join(_unparse(b, bound) for b in av[1]) + ")"
    if op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
        lo, hi, body = av
        if hi == _UNBOUNDED and bound is not None:
            hi = max(lo, bound)
        quantifier = f"{{{lo},{'' if hi == _UNBOUNDED else hi}}}"
        if op is _c.MIN_REPEAT:
            quantifier += "?"
        elif op is not _c.MAX_REPEAT:
            quantifier += "+"
        return "(?:" + _unparse(body, bound) + ")" + quantifier
    if _ATOMIC is not None and op is _ATOMIC:
        return "(?>" + _unparse(av, bound) + ")"
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        direction, body = av
        kind = {(_c.ASSERT, 1): "=", (_c.ASSERT_NOT, 1): "!", (_c.ASSERT, -1): "<="}.get(
            (op, direction), "<!"
        )
        return f"(?{kind}" + _unparse(body, bound) + ")"
    if op is _c.GROUPREF:
        return f"(?:\\{av})"
    if op is _c.GROUPREF_EXISTS:
        group, yes, no = av
        other = "|" + _unparse(no, bound) if no else ""
        return f"(?({group})" + _unparse(yes, bound) + other + ")"
    raise ValueError(f"cannot unparse {op}")  # pragma: no cover


def unparse(tree, bound: int | None = None) -> str:
    """A pattern for a parse tree (``bound``: give unbounded quantifiers this upper bound).

    Global inline flags (``(?i)`` at the start) are written back at the start.
    """
    text = _unparse(tree, bound)
    flags = _flags(tree.state.flags & ~re.UNICODE) if hasattr(tree, "state") else ""
    return f"(?{flags})" + text if flags else text


def _shape(items) -> object:
    """A comparable form of a parse tree (nested tuples)."""
    out = []
    for op, av in items:
        if op is _c.SUBPATTERN:
            av = (av[0], av[1], av[2], _shape(av[3]))
        elif op is _c.BRANCH:
            av = tuple(_shape(b) for b in av[1])
        elif op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            av = (av[0], av[1], _shape(av[2]))
        elif _ATOMIC is not None and op is _ATOMIC:
            av = _shape(av)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            av = (av[0], _shape(av[1]))
        elif op is _c.GROUPREF_EXISTS:
            av = (av[0], _shape(av[1]), _shape(av[2]) if av[2] else None)
        elif op is _c.IN:
            av = tuple(av)
        out.append((str(op), av))
    return tuple(out)


def _bounded_shape(items, bound: int) -> object:
    """:func:`_shape` of the tree with unbounded quantifiers given ``bound``."""
    out = []
    for op, av in items:
        if op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            lo, hi, body = av
            hi = max(lo, bound) if hi == _UNBOUNDED else hi
            out.append((str(op), (lo, hi, _bounded_shape(body, bound))))
        elif op is _c.SUBPATTERN:
            out.append((str(op), (av[0], av[1], av[2], _bounded_shape(av[3], bound))))
        elif op is _c.BRANCH:
            out.append((str(op), tuple(_bounded_shape(b, bound) for b in av[1])))
        elif _ATOMIC is not None and op is _ATOMIC:
            out.append((str(op), _bounded_shape(av, bound)))
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            out.append((str(op), (av[0], _bounded_shape(av[1], bound))))
        elif op is _c.GROUPREF_EXISTS:
            no = _bounded_shape(av[2], bound) if av[2] else None
            out.append((str(op), (av[0], _bounded_shape(av[1], bound), no)))
        else:
            out.append(_shape([(op, av)])[0])
    return tuple(out)


@lru_cache(maxsize=4096)
def bound_repeats(pattern: str, flags: int = 0, bound: int = MAX_RUN) -> str:
    """``pattern`` with every unbounded quantifier bounded to ``bound`` repetitions.

    The rewritten pattern is parsed again and must give the original tree with only those
    bounds changed; if it does not (a construct this module cannot write back), the
    pattern is returned unchanged. A pattern without unbounded quantifiers is returned
    as it is.
    """
    if "*" not in pattern and "+" not in pattern and ",}" not in pattern:
        return pattern  # no unbounded quantifier can be written without one of these
    tree = _p.parse(pattern, flags)
    if not _has_unbounded(tree):
        return pattern
    try:
        text = unparse(tree, bound)
        again = _p.parse(text, flags)
    except (ValueError, re.error):  # pragma: no cover - defensive
        return pattern
    if _shape(again) != _bounded_shape(tree, bound):  # pragma: no cover - defensive
        return pattern
    return text


def _has_unbounded(items) -> bool:
    return any(hi == _UNBOUNDED for hi in _repeat_bounds(items))


def _repeat_bounds(items):
    for op, av in items:
        if op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            yield av[1]
            yield from _repeat_bounds(av[2])
        elif op is _c.SUBPATTERN:
            yield from _repeat_bounds(av[3])
        elif op is _c.BRANCH:
            for b in av[1]:
                yield from _repeat_bounds(b)
        elif _ATOMIC is not None and op is _ATOMIC:
            yield from _repeat_bounds(av)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            yield from _repeat_bounds(av[1])
        elif op is _c.GROUPREF_EXISTS:
            yield from _repeat_bounds(av[1])
            if av[2]:
                yield from _repeat_bounds(av[2])


# -- the risk check -------------------------------------------------------------------


class _Checker:
    """Walks one pattern's tree; :meth:`risk` says why it could backtrack catastrophically."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.tree = _p.parse(pattern, flags)
        self.flags = (flags | self.tree.state.flags) & ~re.VERBOSE
        self.rng = random.Random(pattern)
        self._charsets: dict[str, frozenset[str]] = {}
        literals = {chr(av) for op, av in _walk(self.tree) if op is _c.LITERAL}
        # sampled characters favour those the pattern names: that is where overlaps hide
        self.favoured = "".join(sorted(literals | set("a1 _-.é")))

    def risk(self) -> str | None:
        return self._seq(self.tree, under_repeat=False)

    # structure -------------------------------------------------------------------

    def _seq(self, items, under_repeat: bool) -> str | None:
        items = list(items)
        for op, av in items:
            found = self._node(op, av, under_repeat)
            if found:
                return found
        return self._adjacent(items)

    def _node(self, op, av, under_repeat: bool) -> str | None:
        if op is _c.SUBPATTERN:
            return self._seq(av[3], under_repeat)
        if op is _c.BRANCH:
            for b in av[1]:
                found = self._seq(b, under_repeat)
                if found:
                    return found
            return None
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            return self._seq(av[1], under_repeat)
        if op is _c.GROUPREF_EXISTS:
            return self._seq(av[1], under_repeat) or (
                self._seq(av[2], under_repeat) if av[2] else None
            )
        if op in _REPEATS:
            lo, hi, body = av
            if hi > 1:
                found = self._ambiguous_iterations(body)
                if found:
                    return found
            return self._seq(body, under_repeat or hi > 1)
        return None  # leaves; possessive repeats and atomic groups never backtrack

    def _adjacent(self, items) -> str | None:
        """Two unbounded quantifiers in a row that can trade characters (``\\s*-?\\s*``).

        Such a pair can split a run of shared characters in many ways: the work of one
        start position grows with the square of the run. Bounded by :data:`MAX_RUN` (see
        :func:`bound_repeats`), that is a constant, and it is allowed when the pattern is
        *guarded*: anchored at the start of the line, or opening with fixed characters the
        quantifiers cannot match, so that only a few start positions reach the pair.
        """
        for i, item in enumerate(items):
            tail = self._loop(item, last=True)
            if not tail:
                continue
            for nxt in items[i + 1 :]:
                head = self._loop(nxt, last=False)
                if head & tail and not self._guarded(tail | head):
                    return (
                        f"two unbounded quantifiers in a row can split the same text in many "
                        f"ways ({self._text([item])} then {self._text([nxt])})"
                    )
                if self._nullable(nxt) or self._chars([nxt]) <= tail:
                    continue  # the first quantifier can take this part's text too
                break
        return None

    def _loop(self, item, last: bool) -> frozenset[str]:
        """Characters of the unbounded quantifiers that can end (``last``) or start an item."""
        op, av = item
        if op in _REPEATS:
            lo, hi, body = av
            own: frozenset[str] = frozenset()
            if hi == _UNBOUNDED:  # where one repetition ends or starts, another can too
                own = self._last(body) if last else self._first(body)
            return own | self._seq_loop(body, last)
        if op is _c.SUBPATTERN:
            return self._seq_loop(av[3], last)
        if op is _c.BRANCH:
            return frozenset().union(*(self._seq_loop(b, last) for b in av[1]))
        return frozenset()  # leaves, assertions; possessive and atomic parts never give back

    def _seq_loop(self, items, last: bool) -> frozenset[str]:
        out: set[str] = set()
        for item in reversed(list(items)) if last else items:
            out |= self._loop(item, last)
            if not self._nullable(item):
                break
        return frozenset(out)

    def _guarded(self, loop_chars: frozenset[str]) -> bool:
        """Is the pattern anchored at the line start or at a word boundary, or does it open
        with a fixed character that is not among ``loop_chars``?"""
        for op, av in self.tree:
            if op is _c.AT and av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
                return not self.flags & re.MULTILINE or av == _c.AT_BEGINNING_STRING
            if op is _c.AT and av == _c.AT_BOUNDARY:
                return True
            if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
                continue  # other zero-width assertions: look at what follows
            return self._literal_start([(op, av)], loop_chars)
        return False

    def _literal_start(self, items, loop_chars: frozenset[str]) -> bool:
        """Does every match of ``items`` open with a literal not in ``loop_chars``?"""
        for op, av in items:
            if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
                continue
            if op is _c.LITERAL:
                return not self._charset(op, av) & loop_chars
            if op is _c.SUBPATTERN:
                return self._literal_start(av[3], loop_chars)
            if op is _c.BRANCH:
                return all(self._literal_start(b, loop_chars) for b in av[1])
            return False  # a class, a quantifier (maybe skipped), a reference
        return False

    def _ambiguous_iterations(self, body) -> str | None:
        """Can the quantified ``body`` match one text in two ways (sampled)?"""
        if _has_groupref(body):
            return None
        lo, hi = _p.SubPattern(self.tree.state, list(body)).getwidth()
        branches = _top_branches(body)
        if lo == hi and branches is None:
            return None  # a fixed-length group without alternatives splits one way only
        text = self._text(body)
        one = self._compile(f"(?:{text})")
        two = self._compile(f"(?:{text})(?:{text})")
        for _ in range(SAMPLES):
            w = self._sample(body) + self._sample(body)
            if two.fullmatch(w) and one.fullmatch(w):
                return (
                    f"nested quantifier: two repetitions of ({text}) can match what one "
                    f"does ({w!r})"
                )
        if branches is not None:
            texts = [self._text(b) for b in branches]
            for k, b in enumerate(branches):
                others = "|".join(t for j, t in enumerate(texts) if j != k)
                if not others:
                    continue
                mine, rest = self._compile(f"(?:{texts[k]})"), self._compile(f"(?:{others})")
                for _ in range(SAMPLES // 2):
                    w = self._sample(b)
                    if w and mine.fullmatch(w) and rest.fullmatch(w):
                        return (
                            f"alternatives under a quantifier overlap: {texts[k]!r} and "
                            f"another alternative both match {w!r}"
                        )
        return None

    # sets of characters ----------------------------------------------------------

    def _charset(self, op, av) -> frozenset[str]:
        text = _item(op, av, None)
        if text not in self._charsets:
            rx = self._compile(text)
            self._charsets[text] = frozenset(ch for ch in _UNIVERSE if rx.fullmatch(ch))
        return self._charsets[text]

    def _first(self, items) -> frozenset[str]:
        out: set[str] = set()
        for op, av in items:
            out |= self._first_of(op, av)
            if not self._nullable((op, av)):
                break
        return frozenset(out)

    def _last(self, items) -> frozenset[str]:
        out: set[str] = set()
        for op, av in reversed(list(items)):
            out |= self._last_of(op, av)
            if not self._nullable((op, av)):
                break
        return frozenset(out)

    def _first_of(self, op, av) -> frozenset[str]:
        return self._edge(op, av, self._first)

    def _last_of(self, op, av) -> frozenset[str]:
        return self._edge(op, av, self._last)

    def _edge(self, op, av, seq) -> frozenset[str]:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY):
            return self._charset(op, av)
        if op is _c.SUBPATTERN:
            return seq(av[3])
        if op is _c.BRANCH:
            return frozenset().union(*(seq(b) for b in av[1]))
        if op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            return seq(av[2]) if av[1] > 0 else frozenset()
        if _ATOMIC is not None and op is _ATOMIC:
            return seq(av)
        if op is _c.GROUPREF_EXISTS:
            return seq(av[1]) | (seq(av[2]) if av[2] else frozenset())
        if op is _c.GROUPREF:
            return frozenset(_UNIVERSE)
        return frozenset()  # assertions match no character

    def _chars(self, items) -> frozenset[str]:
        out: set[str] = set()
        for op, av in _walk(items):
            if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY):
                out |= self._charset(op, av)
            elif op is _c.GROUPREF:
                return frozenset(_UNIVERSE)
        return frozenset(out)

    def _nullable(self, item) -> bool:
        return _p.SubPattern(self.tree.state, [item]).getwidth()[0] == 0

    # sampling ----------------------------------------------------------------------

    def _sample(self, items) -> str:
        out: list[str] = []
        self._gen(items, out)
        return "".join(out)

    def _gen(self, items, out: list[str]) -> None:
        rng = self.rng
        for op, av in items:
            if op is _c.LITERAL:
                out.append(chr(av))
            elif op in (_c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY):
                chars = self._charset(op, av)
                if not chars:
                    continue
                liked = [ch for ch in self.favoured if ch in chars]
                pool = liked if liked and rng.random() < 0.8 else sorted(chars)
                out.append(rng.choice(pool))
            elif op is _c.SUBPATTERN:
                self._gen(av[3], out)
            elif op is _c.BRANCH:
                self._gen(rng.choice(av[1]), out)
            elif op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
                lo, hi, body = av
                n = min(hi, lo + rng.choice((0, 1, 1, 2, 3)))
                for _ in range(n):
                    self._gen(body, out)
            elif _ATOMIC is not None and op is _ATOMIC:
                self._gen(av, out)
            elif op is _c.GROUPREF_EXISTS:
                self._gen(av[1], out)

    def _text(self, items) -> str:
        return _unparse(items, None)

    def _compile(self, text: str) -> re.Pattern[str]:
        return re.compile(text, self.flags)


def _walk(items):
    for op, av in items:
        yield op, av
        if op is _c.SUBPATTERN:
            yield from _walk(av[3])
        elif op is _c.BRANCH:
            for b in av[1]:
                yield from _walk(b)
        elif op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            yield from _walk(av[2])
        elif _ATOMIC is not None and op is _ATOMIC:
            yield from _walk(av)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            yield from _walk(av[1])
        elif op is _c.GROUPREF_EXISTS:
            yield from _walk(av[1])
            if av[2]:
                yield from _walk(av[2])


def _has_groupref(items) -> bool:
    return any(op in (_c.GROUPREF, _c.GROUPREF_EXISTS) for op, _ in _walk(items))


def _top_branches(items):
    """The alternatives of a group that is one alternation (``(a|b|c)``), else None."""
    items = list(items)
    while len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        items = list(items[0][1][3])
    if len(items) == 1 and items[0][0] is _c.BRANCH:
        return items[0][1][1]
    return None


def sample_matches(pattern: str, count: int = 100, flags: int = re.IGNORECASE) -> list[str]:
    """Up to ``count`` strings the pattern matches whole, drawn at random (seeded by the
    pattern) from its parse tree: every alternative and repetition count gets its chance."""
    checker = _Checker(pattern, flags)
    regex = re.compile(pattern, checker.flags)
    out = []
    for _ in range(count):
        text = checker._sample(checker.tree)
        if regex.fullmatch(text):
            out.append(text)
    return out


def backtracking_risk(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Why ``pattern`` could backtrack catastrophically, or None when it cannot.

    See the module docstring for what is checked. The answer is deterministic (the
    sampling is seeded by the pattern).
    """
    return _Checker(pattern, flags).risk()
