"""A looser twin of a rule pattern, for the hyperscan prefilter.

``superset(pattern)`` rewrites a Python regular expression into one that hyperscan
compiles (ASCII mode, caseless, multi-line) and that matches *at least* wherever the
original matches on a line: every construct is kept or loosened, never tightened.

- word boundaries (``\\b``, ``\\B``) and lookaround assertions are dropped;
- ``\\w``, ``\\d``, ``\\s`` also accept any non-ASCII character (Python's are Unicode-aware,
  hyperscan's ASCII ones are not);
- bounded repeats with an upper bound above 3 become unbounded (cheap to compile);
- inline flags are dropped (caseless everywhere is looser).

Hyperscan only says "this pattern may match on this line"; the Python pattern then decides.
A pattern that cannot be loosened this way (a back-reference, or one that could match
the empty string) returns ``None`` and is handled by the trigger words instead.
"""

from __future__ import annotations

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

NON_ASCII = r"\x{80}-\x{10FFFF}"
# (class text, widened to non-ASCII?). Lines are scanned joined by "\n", so no class may
# accept a newline (a match must not run from one line into the next).
_CATEGORY = {
    _c.CATEGORY_WORD: (r"\w", True),
    _c.CATEGORY_DIGIT: (r"\d", True),
    # Python's \s also takes the ASCII separators \x1c-\x1f (str.isspace is true for them)
    _c.CATEGORY_SPACE: (r"\t\x0b\x0c\r\x1c-\x1f\x20", True),
    _c.CATEGORY_NOT_WORD: (r"\W", False),
    _c.CATEGORY_NOT_DIGIT: (r"\D", False),
    _c.CATEGORY_NOT_SPACE: (r"\S", False),
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}


class _CannotLoosen(Exception):
    pass


def superset(pattern: str) -> str | None:
    """The loosened hyperscan form of ``pattern``, or ``None``."""
    try:
        out = _seq(_p.parse(pattern))
    except _CannotLoosen:
        return None
    return out or None


def _char(code: int) -> str:
    ch = chr(code)
    if ch.isalnum() and ch.isascii():
        return ch
    if code < 0x80:
        return f"\\x{code:02x}"
    low = ch.lower()
    if len(low) == 1:  # non-ASCII documents are lower-cased before the scan
        ch = low
    return f"\\x{{{ord(ch):x}}}"


def _seq(items) -> str:
    return "".join(_item(op, av) for op, av in items)


def _item(op, av) -> str:
    if op is _c.LITERAL:
        return _char(av)
    if op is _c.NOT_LITERAL:
        return "[^" + _char(av) + "\\n]"
    if op is _c.ANY:
        return "."  # does not match a newline (no DOTALL)
    if op is _c.IN:
        return _klass(av)
    if op is _c.CATEGORY:
        text, widen = _CATEGORY[av]
        if widen:
            return f"[{text}{NON_ASCII}]"
        return "[^\\" + text[1].lower() + "\\n]" if text != r"\S" else r"\S"
    if op is _c.AT:
        if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
            return "^"
        if av in (_c.AT_END, _c.AT_END_STRING):
            return "$"
        return ""  # \b, \B: dropped (looser)
    if op is _c.SUBPATTERN:
        return "(?:" + _seq(av[-1]) + ")"
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return "(?:" + _seq(av) + ")"
    if op is _c.BRANCH:
        return "(?:" + "|".join(_seq(b) for b in av[1]) + ")"
    if op in _REPEATS:
        lo, hi, body = av
        inner = "(?:" + _seq(body) + ")"
        if hi == _c.MAXREPEAT or hi > 3:
            return inner + ("*" if lo == 0 else "+")
        return f"{inner}{{{lo},{hi}}}"
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return ""  # lookaround: dropped (looser)
    raise _CannotLoosen(str(op))


def _klass(av) -> str:
    negate = False
    parts: list[str] = []
    widen = False
    for op, v in av:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            parts.append(_char(v))
        elif op is _c.RANGE:
            lo, hi = v
            if hi >= 0x80:
                widen = True
                hi = min(hi, 0x7F)
                if lo >= 0x80:
                    continue
            parts.append(_char(lo) + "-" + _char(hi))
        elif op is _c.CATEGORY:
            text, wide = _CATEGORY[v]
            parts.append(text)
            widen = widen or wide
        else:
            raise _CannotLoosen(str(op))
    if negate and any(p in (r"\W", r"\D", r"\S") for p in parts):
        raise _CannotLoosen("negated class of a negated category")  # [^\W] is Unicode \w
    if negate:
        # in ASCII mode a negated class already accepts every non-ASCII character unless
        # one is listed; drop the non-ASCII members so that the class stays looser
        ascii_parts = [p for p in parts if "\\x{" not in p]
        return "[^" + "".join(ascii_parts) + "\\n]"
    # \W and \D accept a newline; hyperscan has no class subtraction, so they leave the
    # class as alternatives of their own without it
    negated = [f"[^\\{p[1].lower()}\\n]" for p in parts if p in (r"\W", r"\D")]
    parts = [p for p in parts if p not in (r"\W", r"\D")]
    if parts and (widen or any("\\x{" in p for p in parts)):
        parts.append(NON_ASCII)
    alternatives = (["[" + "".join(parts) + "]"] if parts else []) + negated
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"
