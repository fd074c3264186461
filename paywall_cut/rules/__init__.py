"""Rule packs: data files of patterns, loaded and validated.

A rule pack is a TOML file with a ``lang`` code, a ``[shape]`` table of words the line
evidence uses (second-person pronouns, call-to-action verbs, reporting verbs) and a list
of ``[[rules]]``. Each rule has an id, a category, a weight, one or more regular
expressions, and its own positive and negative examples. See ``README.md`` beside this
file for the format and how to write a rule.

Loading validates everything (unknown keys, bad regexes, unknown categories, missing
examples, duplicate ids) and raises :class:`RuleError` with the file and rule named.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .derived import derive
from .derived import save as save_derived
from .literals import trigger_size
from .redos import backtracking_risk, sample_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATEGORIES: dict[str, str] = {
    "paywall-notice": "says the content is reserved for subscribers or members",
    "subscribe-cta": "asks the reader to subscribe",
    "login-prompt": "asks the reader to log in, sign in or register",
    "meter": "counts free articles read or left",
    "email-gate": "asks for an e-mail address to read on, or is the e-mail form itself",
    "newsletter": "newsletter sign-up box, its heading, pitch, form text or confirmation",
    "membership-appeal": "membership, donation or support appeal",
    "offer-price": "subscription offer, trial or price",
    "benefit-list": "what a subscription brings (access, ad-free, devices ...)",
}

MIN_TRIGGER = 3  # a prefilter trigger must be at least this many characters long (CJK: 2)

_RULE_KEYS = {
    "id",
    "category",
    "weight",
    "description",
    "patterns",
    "whole_line",
    "truncates",
    "triggers",
    "examples",
    "max_chars",
}
_PACK_KEYS = {"lang", "name", "shape", "rules"}
_SHAPE_KEYS = {"second_person", "first_plural", "cta_verbs", "reporting"}
_ID = re.compile(r"^[A-Z]{2,4}\d{3,4}$")

# Characters folded before matching: typographic quotes and apostrophes, dashes, spaces.
_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u0130": "I",  # Turkish dotted capital İ: str.lower makes it i plus a combining dot
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
    }
)
# Invisible characters dropped before matching (they also hide prompts from naive filters):
# soft hyphen, zero-width space and joiners, word joiner, invisible operators, byte order
# mark, and the bidirectional marks, embeddings, overrides and isolates.
INVISIBLE = (
    "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c\u180e\u034f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2061\u2062\u2063\u2064"
)
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE), None)
_FOLD.update(_INVISIBLE)
# Look-alike letters (confusables) folded to the Latin letter they imitate, for matching
# only ("Subscrіbe" with a Cyrillic і): Cyrillic and Greek letters that look Latin, and
# fullwidth Latin letters. Small on purpose (the common homoglyphs of prompt words); the
# kept text is never changed, and ASCII text never reaches this table. Fullwidth letters
# are Latin and always fold; a Cyrillic or Greek one folds only inside a word that also
# holds a Latin letter, so that Russian, Ukrainian or Greek words stay themselves (a rule
# pack of those languages matches them as they are written).
LOOKALIKES = {
    **dict(zip("аеорсухѕіјԁԛԝһӏ", "aeopcyxsijdqwhl")),
    **dict(zip("АВЕКМНОРСТХУЅІЈ", "ABEKMHOPCTXYSIJ")),
    **dict(zip("αονρυικχ", "aovpuikx")),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")),
}
FULLWIDTH = {
    **{chr(0xFF21 + k): chr(0x41 + k) for k in range(26)},  # Ａ-Ｚ
    **{chr(0xFF41 + k): chr(0x61 + k) for k in range(26)},  # ａ-ｚ
}
CONFUSABLES = {**LOOKALIKES, **FULLWIDTH}
_FOLD.update({ord(k): v for k, v in FULLWIDTH.items()})
# characters that can hide or disguise a word: a text holding one must be folded before a
# search for trigger words (see prefilter.needs_fold)
DISGUISE_CHARS = INVISIBLE + "".join(CONFUSABLES)


_FOLD_MAP = {chr(k): v or "" for k, v in _FOLD.items()}
_FOLD_ANY = re.compile("[" + "".join(re.escape(a) for a in _FOLD_MAP) + "]")
_LOOKALIKE = str.maketrans(LOOKALIKES)
_LOOK = "[" + "".join(LOOKALIKES) + "]"
_LETTERS = r"[^\W\d_]*"
_LOOK_ANY = re.compile(_LOOK)
_LATIN_TOUCHES_OTHER = re.compile(r"[A-Za-z][^\W\d_A-Za-z]|[^\W\d_A-Za-z][A-Za-z]")
# a word that mixes a look-alike letter with a Latin one, in either order
_MIXED_WORD = re.compile(
    rf"{_LETTERS}(?:[A-Za-z]{_LETTERS}{_LOOK}|{_LOOK}{_LETTERS}[A-Za-z]){_LETTERS}"
)


def fold(line: str) -> str:
    """The form of a line that patterns are matched against: typographic quotes, dashes and
    spaces unified, invisible characters dropped, look-alike letters made Latin (in words
    that hold a Latin letter, see ``LOOKALIKES``).

    Works on whole documents too (it never touches a newline). Fast when there is nothing
    to fold: ASCII text is returned as it is, and only characters present are replaced.
    """
    if line.isascii():
        return line
    m = _FOLD_ANY.search(line)
    while m is not None:  # one replace per distinct character present
        start, a = m.start(), m.group()
        line = line.replace(a, _FOLD_MAP[a])
        m = _FOLD_ANY.search(line, start)
    # two cheap searches first: a look-alike letter, and a Latin letter touching a letter
    # that is not Latin (Russian text, or French with no Cyrillic, passes one of them only)
    if _LOOK_ANY.search(line) and _LATIN_TOUCHES_OTHER.search(line):
        line = _MIXED_WORD.sub(_latin_word, line)
    return line


def _latin_word(m: re.Match[str]) -> str:
    return m.group().translate(_LOOKALIKE)


class LazyPattern:
    """A regular expression compiled on its first use.

    Compiling the thousand-odd built-in patterns takes longer than most commands need them
    for (a document typically reaches a few rules); built-in packs hold their patterns this
    way. User patterns are compiled at once, so that an error shows at load time.
    """

    __slots__ = ("pattern", "flags", "_regex")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self._regex: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self.pattern, self.flags)
        return self._regex

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled().search(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled().fullmatch(text)


class RuleError(ValueError):
    """A rule file or rule is invalid. The message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    """One detection rule. ``weight`` is the evidence a full-strength match adds to a line."""

    id: str
    category: str
    lang: str
    weight: float
    description: str
    patterns: tuple[str, ...]
    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    whole_line: bool = False
    truncates: bool = False
    max_chars: int | None = None
    triggers: tuple[str, ...] = ()
    source: str = ""
    named_triggers: bool = False  # triggers given by the rule file, not read off its patterns
    # per pattern, in order: (compiled pattern, its trigger words, the word sets every
    # match must contain one word of each)
    parts: tuple[
        tuple[re.Pattern[str] | LazyPattern, tuple[str, ...], tuple[frozenset[str], ...]], ...
    ] = field(default=(), repr=False, compare=False)

    def search(
        self, folded_line: str, only: Iterable[int] | None = None, lower: str | None = None
    ) -> re.Match[str] | None:
        """Match this rule against a line already passed through :func:`fold`.

        ``only`` limits the search to some patterns (by index): those whose trigger words
        the prefilter found on the line. ``lower`` is the line lower-cased (computed once
        by the caller). A pattern runs only when the line holds a word of each of its
        required word sets. The first pattern that matches wins.
        """
        if self.max_chars is not None and len(folded_line.strip()) > self.max_chars:
            return None
        if lower is None:
            lower = folded_line.lower()
        target = _strip_decoration(folded_line) if self.whole_line else folded_line
        parts = self.parts
        for k in sorted(only) if only is not None else range(len(parts)):
            regex, _triggers, required = parts[k]
            if not _has_all(lower, required):
                continue
            m = regex.fullmatch(target) if self.whole_line else regex.search(target)
            if m is not None:
                return m
        return None

    def fires(self, line: str) -> bool:
        """Does this rule fire on a raw line? (What the examples are checked with.)"""
        return self.search(fold(line)) is not None


# Decoration around a whole line (bullets, arrows, trailing punctuation), stripped with
# str.lstrip and str.rstrip: the regex ``^[lead]*(.*?)[tail]*$`` they replace gives the
# same result but is quadratic on long runs of tail characters. _SPACE is what ``\s``
# matches (every character for which str.isspace is true).
_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
_SPACE += "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
DECORATION_LEAD = _SPACE + "-*•·▪►▸»>|#:→"
DECORATION_TAIL = _SPACE + ".!?:;…»>→|*-"


def _has_all(lower: str, required: tuple[frozenset[str], ...]) -> bool:
    """Does the line hold a word of each required set? (A cheap test before the regex.)"""
    for words in required:
        for w in words:
            if w in lower:
                break
        else:
            return False
    return True


def _strip_decoration(line: str) -> str:
    return line.lstrip(DECORATION_LEAD).rstrip(DECORATION_TAIL)


@dataclass(frozen=True)
class Shape:
    """Per-language words used by the shape features of the line evidence."""

    second_person: tuple[str, ...] = ()
    first_plural: tuple[str, ...] = ()
    cta_verbs: tuple[str, ...] = ()
    reporting: tuple[str, ...] = ()

    def merged(self, other: Shape) -> Shape:
        def both(name: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(getattr(self, name) + getattr(other, name)))

        return Shape(
            *(both(f) for f in ("second_person", "first_plural", "cta_verbs", "reporting"))
        )


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule, the shape lexicon of every pack merged, and each language's own."""

    rules: tuple[Rule, ...]
    shape: Shape
    langs: tuple[str, ...]
    shapes: tuple[tuple[str, Shape], ...] = ()  # (language, its packs' shape words)

    def shape_for(self, langs: Iterable[str]) -> Shape:
        """The shape words of these languages (all of them for none or an unknown one)."""
        own = dict(self.shapes)
        chosen = [own[lang] for lang in sorted(set(langs)) if lang in own]
        if not chosen:
            return self.shape
        merged = chosen[0]
        for shape in chosen[1:]:
            merged = merged.merged(shape)
        return merged

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def without(self, ids_or_categories: Iterable[str]) -> RuleSet:
        drop = set(ids_or_categories)
        return replace(
            self, rules=tuple(r for r in self.rules if r.id not in drop and r.category not in drop)
        )

    def reweighted(self, weights: dict[str, float]) -> RuleSet:
        return replace(
            self,
            rules=tuple(replace(r, weight=weights.get(r.id, r.weight)) for r in self.rules),
        )

    def plus(self, other: RuleSet) -> RuleSet:
        mine = {r.id for r in self.rules}
        clash = [r.id for r in other.rules if r.id in mine]
        if clash:
            raise RuleError(f"{other.rules[0].source}: rule id {clash[0]} is already defined")
        shapes = dict(self.shapes)
        for lang, shape in other.shapes:
            shapes[lang] = shapes[lang].merged(shape) if lang in shapes else shape
        return RuleSet(
            self.rules + other.rules,
            self.shape.merged(other.shape),
            tuple(dict.fromkeys(self.langs + other.langs)),
            tuple(shapes.items()),
        )


def _fail(source: str, rule_id: str | None, message: str) -> RuleError:
    where = f"{source}: rule {rule_id}" if rule_id else source
    return RuleError(f"{where}: {message}")


def _str_list(value: object, source: str, rid: str | None, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, rid, f"'{key}' must be a string or a list of strings")
    return tuple(value)


def parse_pack(data: dict, source: str, *, trusted: bool = False) -> RuleSet:
    """Validate one pack's parsed TOML and build its rules.

    Patterns of an untrusted pack (any but the built-in ones, which the test suite checks)
    are refused when they could backtrack catastrophically (``redos.backtracking_risk``).
    """
    unknown = set(data) - _PACK_KEYS
    if unknown:
        raise _fail(source, None, f"unknown key '{sorted(unknown)[0]}'")
    lang = data.get("lang")
    if not isinstance(lang, str) or not lang:
        raise _fail(source, None, "'lang' must be a language code such as 'en'")
    shape_data = data.get("shape", {})
    if not isinstance(shape_data, dict) or set(shape_data) - _SHAPE_KEYS:
        raise _fail(source, None, f"[shape] takes only {sorted(_SHAPE_KEYS)}")
    shape = Shape(**{k: _str_list(v, source, None, f"shape.{k}") for k, v in shape_data.items()})
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise _fail(source, None, "'rules' must be an array of tables ([[rules]])")
    rules = []
    seen: set[str] = set()
    for raw in raw_rules:
        rule = _parse_rule(raw, lang, source, trusted)
        if rule.id in seen:
            raise _fail(source, rule.id, "duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(tuple(rules), shape, (lang,), ((lang, shape),))


def _parse_rule(raw: object, lang: str, source: str, trusted: bool = False) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, None, "each [[rules]] entry must be a table")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise _fail(source, str(rid), "'id' must look like PC101 (letters then digits)")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(source, rid, f"unknown key '{sorted(unknown)[0]}'")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise _fail(source, rid, f"unknown category {category!r} (one of: {', '.join(CATEGORIES)})")
    weight = raw.get("weight")
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 10:
        raise _fail(source, rid, "'weight' must be a number above 0 and at most 10")
    description = raw.get("description", "")
    if not isinstance(description, str) or not description:
        raise _fail(source, rid, "'description' is required")
    patterns = _str_list(raw.get("patterns"), source, rid, "patterns")
    if not patterns:
        raise _fail(source, rid, "'patterns' is required")
    for p in patterns:
        if not trusted:  # built-in patterns are checked by the test suite
            try:
                re.compile(p)
            except re.error as e:
                raise _fail(source, rid, f"bad regular expression {p!r}: {e}") from None
        risk = None if trusted else backtracking_risk(p)
        if risk:
            raise _fail(
                source,
                rid,
                f"pattern {p!r} could backtrack catastrophically: {risk}; rewrite it with a "
                "possessive quantifier (\\w*+), an atomic group (?>...) or a mandatory "
                "separator between the quantified parts",
            )
    examples = raw.get("examples")
    if not isinstance(examples, dict) or set(examples) - {"positive", "negative"}:
        raise _fail(source, rid, "'examples' must be a table with 'positive' and 'negative'")
    positives = _str_list(examples.get("positive", []), source, rid, "examples.positive")
    negatives = _str_list(examples.get("negative", []), source, rid, "examples.negative")
    if not positives or not negatives:
        raise _fail(source, rid, "needs at least one positive and one negative example")
    max_chars = raw.get("max_chars")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 1):
        raise _fail(source, rid, "'max_chars' must be a positive whole number")
    for key in ("whole_line", "truncates"):
        if not isinstance(raw.get(key, False), bool):
            raise _fail(source, rid, f"'{key}' must be true or false")
    explicit = tuple(t.lower() for t in _str_list(raw.get("triggers", []), source, rid, "triggers"))
    if any(trigger_size(t) < MIN_TRIGGER for t in explicit):
        raise _fail(
            source,
            rid,
            f"each trigger needs at least {MIN_TRIGGER} characters (2 CJK characters will do)",
        )
    parts = []
    for p in patterns:
        derived = derive(p, re.IGNORECASE)
        found = explicit or derived.literals
        if not found or min(trigger_size(t) for t in found) < MIN_TRIGGER:
            raise _fail(
                source,
                rid,
                f"cannot derive a prefilter word from pattern {p!r} (every match must contain "
                f"a fixed word of {MIN_TRIGGER}+ characters); add 'triggers = [...]'",
            )
        miss = None if trusted or not explicit else unsound_trigger(p, explicit)
        if miss is not None:
            raise _fail(
                source,
                rid,
                f"the triggers {list(explicit)} miss matches of pattern {p!r}, such as "
                f"{miss!r}: every match must contain one of them (the rule only runs on "
                "lines that hold a trigger)",
            )
        # unbounded quantifiers get an upper bound: matching stays linear in the line length
        regex = (
            LazyPattern(derived.bounded, re.IGNORECASE)
            if trusted
            else re.compile(derived.bounded, re.IGNORECASE)
        )
        parts.append((regex, tuple(sorted(found)), derived.sets))
    triggers = tuple(sorted({t for _, ts, _ in parts for t in ts}))
    return Rule(
        id=rid,
        category=category,
        lang=lang,
        weight=float(weight),
        description=description,
        patterns=patterns,
        positives=positives,
        negatives=negatives,
        whole_line=raw.get("whole_line", False),
        truncates=raw.get("truncates", False),
        max_chars=max_chars,
        triggers=triggers,
        source=source,
        named_triggers=bool(explicit),
        parts=tuple(parts),
    )


def unsound_trigger(pattern: str, triggers: Iterable[str]) -> str | None:
    """A sampled match of ``pattern`` that holds none of ``triggers`` (lower-case), or None.

    Explicit triggers replace the words read off a pattern, and both prefilter scanners
    run the rule only on lines that hold one: a match without one is never found.
    """
    words = tuple(triggers)
    regex: re.Pattern[str] | None = None
    for text in sample_matches(pattern):
        folded = fold(text)
        if any(w in folded.lower() for w in words):
            continue
        if folded != text:
            # rules match folded lines: a sample that folding changes ("неделU": the Latin
            # U makes it a disguised Latin word) counts only if its folded form matches
            regex = regex or re.compile(pattern, re.IGNORECASE)
            if not regex.search(folded):
                continue
        return text
    return None


def load_file(path: str | Path) -> RuleSet:
    """Load and validate a rule file (the built-in format)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RuleError(f"{path}: cannot read: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RuleError(f"{path}: not valid TOML: {e}") from None
    return parse_pack(data, str(path))


def builtin_langs() -> list[str]:
    """Language codes of the packs shipped with paywall-cut."""
    root = resources.files(__package__)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def builtin_pack(path: str | Path) -> str | None:
    """The language of the built-in pack that ``path`` is (checked in place), or None."""
    try:
        target = Path(path).resolve()
        root = Path(str(resources.files(__package__))).resolve()
    except (OSError, TypeError):  # no such path, or a package not on a file system
        return None
    if target.parent == root and target.suffix == ".toml" and target.is_file():
        return target.stem
    return None


def _builtin_source(lang: str) -> str:
    """The ``Rule.source`` of the rules of a built-in pack."""
    return f"rules/{lang}.toml"


def is_builtin(rule: Rule) -> bool:
    """Is ``rule`` from a built-in pack rather than a user's rule file?"""
    return rule.source == _builtin_source(rule.lang)


@lru_cache(maxsize=32)
def _builtin(lang: str) -> RuleSet:
    root = resources.files(__package__)
    item = root / f"{lang}.toml"
    if not item.is_file():
        raise RuleError(f"no built-in rule pack for language {lang!r} (have: {builtin_langs()})")
    data = tomllib.loads(item.read_text(encoding="utf-8"))
    return parse_pack(data, _builtin_source(lang), trusted=True)


def load_rules(
    langs: Sequence[str] | None = None, extra_files: Sequence[str | Path] = ()
) -> RuleSet:
    """The built-in packs (all of them, or ``langs``), plus user rule files."""
    chosen = list(langs) if langs else builtin_langs()
    ruleset = RuleSet((), Shape(), ())
    for lang in chosen:
        ruleset = ruleset.plus(_builtin(lang))
    for f in extra_files:
        ruleset = ruleset.plus(load_file(f))
    save_derived()  # what was derived for new patterns, for the next run
    return ruleset
