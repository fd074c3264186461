"""The fast scan: which lines contain a rule's trigger word at all.

Every rule has trigger words (read off its patterns, or given in the rule file) such that
the rule can only match a line containing one of them. One scan over the whole document
finds the lines that hold any trigger; only those lines are matched against the rules'
regular expressions. Most editorial lines cost nothing beyond this scan.

Two scanners give the same answer:

- :class:`HyperscanScanner` (when the ``hyperscan`` package is installed): every rule
  pattern, loosened so that hyperscan can run it, in one compiled database scanned in C
  over the UTF-8 bytes: most lines that merely hold a trigger word are ruled out here.
  Patterns that need a letter of a non-Latin script (Cyrillic, Greek, CJK) have a
  database per script, scanned only in documents that hold such a letter.
- :class:`PythonScanner`: ``str.lower`` plus one ``str.find`` pass per distinct trigger.
"""

from __future__ import annotations

import hashlib
import os
import re

from .rules import DECORATION_LEAD, DECORATION_TAIL, DISGUISE_CHARS, RuleSet, fold, is_builtin
from .rules.derived import cache_dir, loosened, prune, touch
from .rules.derived import save as save_derived
from .scripts import LETTERS

# A document with any of these characters is folded before the scan (see rules.fold),
# so that soft hyphens, zero-width or bidi characters and look-alike letters cannot hide a
# trigger word.
_NEEDS_FOLD = re.compile("[" + re.escape(DISGUISE_CHARS) + "]")


Target = tuple[int, int]  # (rule index, pattern index)


def _triggers(ruleset: RuleSet) -> tuple[list[str], list[list[Target]]]:
    """Distinct trigger words and, for each, the rule patterns that need it."""
    index: dict[str, list[Target]] = {}
    for i, rule in enumerate(ruleset.rules):
        for k, (_regex, words, _required) in enumerate(rule.parts):
            for t in words:
                index.setdefault(t, []).append((i, k))
    words = sorted(index)
    return words, [index[w] for w in words]


class Scanner:
    """Base: maps a joined text (lines separated by ``\\n``) to candidate lines."""

    name = "base"

    def __init__(self, ruleset: RuleSet) -> None:
        self.words, self.rules_of = _triggers(ruleset)

    def scan(self, joined: str) -> dict[int, set[Target]]:
        """Line index -> (rule, pattern) pairs whose trigger word occurs on that line."""
        raise NotImplementedError


class PythonScanner(Scanner):
    """The trigger words, searched in the lower-cased document by one regular expression.

    A word that contains a shorter trigger word is not searched for itself: the shorter
    word's lines are candidates for both (a line holding "subscribe" holds "subscri").
    The candidates only grow, and each pattern is still checked on its line. The words
    left are written as one trie-shaped expression inside a lookahead, so that a single
    pass finds every occurrence of every word (no two of them can start at the same place
    unless one contains the other, which the merge rules out): several times faster than
    one ``str.find`` loop per word, and the same lines.
    """

    name = "python"

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__(ruleset)
        merged: dict[str, set[Target]] = {}
        order: dict[str, int] = {}  # merged word -> when it was added
        sizes: set[int] = set()  # the lengths of the merged words
        for word, targets in sorted(zip(self.words, self.rules_of), key=lambda p: len(p[0])):
            # the first merged word (in the order added) that ``word`` contains: looked up
            # by its substrings of the lengths present (checking every merged word against
            # every word was quadratic: a tenth of a second at each start)
            inside = [
                word[i : i + n]
                for n in sizes
                for i in range(len(word) - n + 1)
                if word[i : i + n] in order
            ]
            if inside:
                merged[min(inside, key=order.__getitem__)].update(targets)
            else:
                order[word] = len(order)
                sizes.add(len(word))
                merged[word] = set(targets)
        self.search_words = list(merged.items())
        self._targets = dict(self.search_words)
        self._regex: re.Pattern[str] | None = None  # compiled on the first scan

    def scan(self, joined: str) -> dict[int, set[Target]]:
        if not self.search_words:
            return {}
        if self._regex is None:
            self._regex = re.compile("(?=(" + _trie_pattern(list(self._targets)) + "))")
        lower = _lower(joined)
        hits: dict[int, set[Target]] = {}
        targets, count = self._targets, lower.count
        line, last = 0, 0
        for m in self._regex.finditer(lower):
            pos = m.start()
            line += count("\n", last, pos)
            last = pos
            found = hits.get(line)
            if found is None:
                found = hits[line] = set()
            found.update(targets[m.group(1)])
        return hits


def _trie_pattern(words: list[str]) -> str:
    """One regular expression matching exactly the given words, shaped as their trie
    (``sub(?:scri|way)`` for "subscri" and "subway"): it tests a few characters at each
    position instead of every word."""
    end = ""  # marks a word ending at a node
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[end] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        alt = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{alt})?" if end in node else alt

    return emit(trie)


class HyperscanScanner(Scanner):
    """One hyperscan database of every rule pattern, loosened (see ``rules/superset.py``);
    the patterns that need a letter of a non-Latin script in a database per script.

    It reports, per line, the patterns that *may* match there; the Python patterns then
    decide. A whole-line rule's pattern is held to the whole line, decoration aside, as
    the rule is (so "subscribe" inside a sentence is no candidate for the button rule).
    Patterns that cannot be loosened fall back to their trigger words. Compiling takes
    several seconds, so compiled databases are cached on disk (``cache_dir()``).

    A pattern whose rule *names* its trigger words (``triggers = [...]``) is also held to
    them, as the pure-Python scanner holds it: it is a candidate only on a line where the
    Python scanner would find one of those words. Named words are the rule author's word,
    and they can miss matches (the loader refuses that for user rules); without this, such
    a line was cut by one scanner and kept by the other (found by fuzz/fuzz_cut.py).
    """

    name = "hyperscan"

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__(ruleset)
        import hyperscan

        # expressions by (script, user rule?): script "" for those any document may match,
        # else the script every match needs a letter of (see _SCRIPTS); ids index
        # self.targets. The built-in packs' expressions come first, in databases of their
        # own, so that a user's rule file changes only the small database of user rules:
        # editing it never compiles the built-in packs' again (tens of seconds)
        groups: dict[tuple[str, bool], tuple[list[bytes], list[int]]] = {}
        targets: list[list[Target]] = []

        def add(expr: str, ts: list[Target], group: tuple[str, bool]) -> None:
            exprs, ids = groups.setdefault(group, ([], []))
            exprs.append(expr.encode("utf-8"))
            ids.append(len(targets))
            targets.append(ts)

        for user in (False, True):
            fallback: dict[str, list[Target]] = {}
            for i, rule in enumerate(ruleset.rules):
                if is_builtin(rule) is user:  # the other pass's rule
                    continue
                for k, (regex, words, _required) in enumerate(rule.parts):
                    loose = loosened(regex.pattern)
                    if loose is not None and rule.whole_line:
                        loose = _whole_line(loose)
                    if loose is None:
                        for w in words:
                            fallback.setdefault(w, []).append((i, k))
                    else:
                        add(loose, [(i, k)], (_script_of(words), user))
            for word, ts in sorted(fallback.items()):
                add(re.escape(word), ts, (_script_of((word,)), user))
        self.targets = targets
        # patterns held to their rule's named trigger words: the words the Python scanner
        # searches for them (see PythonScanner)
        named = {
            (i, k)
            for i, rule in enumerate(ruleset.rules)
            if rule.named_triggers
            for k in range(len(rule.parts))
        }
        self.gates: dict[Target, tuple[str, ...]] = {}
        for word, ts in PythonScanner(ruleset).search_words:
            for t in ts & named:
                self.gates[t] = (*self.gates.get(t, ()), word)
        save_derived()
        # (letters of the script or None for every document, database, scratch space)
        self.databases: list[tuple[re.Pattern[str] | None, object, object]] = []
        for (script, _user), (exprs, ids) in sorted(groups.items()):
            db = _compiled(hyperscan, exprs, ids)
            letters = _SCRIPTS[script] if script else None
            self.databases.append((letters, db, hyperscan.Scratch(db)))

    def scan(self, joined: str) -> dict[int, set[Target]]:
        hits = self._scan(joined)
        gates = self.gates
        if gates and any(t in gates for ts in hits.values() for t in ts):
            lines = _lower(joined).split("\n")  # what the Python scanner searches
            for n, ts in hits.items():
                for t in [t for t in ts if t in gates]:
                    if not any(w in lines[n] for w in gates[t]):
                        ts.discard(t)
            hits = {n: ts for n, ts in hits.items() if ts}
        return hits

    def databases_for(self, folded: str) -> list[tuple[object, object]]:
        """The (database, scratch) pairs a folded document needs: the one for every
        document, and those of the scripts it holds a letter of."""
        ascii_only = folded.isascii()
        return [
            (db, scratch)
            for letters, db, scratch in self.databases
            if letters is None or (not ascii_only and letters.search(folded))
        ]

    def _scan(self, joined: str) -> dict[int, set[Target]]:
        if not joined.isascii():
            # non-ASCII capitals (Ü, É ...) are folded by str.lower, not by the caseless
            # matcher; the loosened patterns hold lower-case non-ASCII letters and expect
            # folded quotes, dashes and spaces, as the Python patterns do
            joined = _lower(fold(joined))
        databases = self.databases_for(joined)
        # one block scan per line: ^ and $ then mean the line's own start and end (the
        # multi-line mode of hyperscan was seen to miss matches after long lines)
        hits: dict[int, set[Target]] = {}
        targets = self.targets
        current: set[Target] = set()

        def on_match(expr_id: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
            current.update(targets[expr_id])

        for n, line in enumerate(joined.split("\n")):
            if not line or line.isspace():
                continue
            data = line.encode("utf-8", "surrogatepass")
            for db, scratch in databases:
                db.scan(data, match_event_handler=on_match, scratch=scratch)
            if current:
                hits[n] = set(current)
                current.clear()
        return hits


# Scripts whose letters a pattern may need: a pattern all of whose trigger words hold a
# letter of one of them (a Russian, Greek or Japanese word) is kept in a database of its
# own, scanned only in documents that hold such a letter. Documents in other scripts do
# not pay for those packs at all.
_SCRIPTS = LETTERS


def _script_of(words: tuple[str, ...] | list[str]) -> str:
    """The script every one of ``words`` holds a letter of ("" when there is none)."""
    for script, letters in _SCRIPTS.items():
        if words and all(letters.search(w) for w in words):
            return script
    return ""


def _hs_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


# what a whole-line rule strips from both ends of a line before its pattern must match all
# of the rest (rules.Rule.search)
_LINE_LEAD = _hs_class(DECORATION_LEAD)
_LINE_TAIL = _hs_class(DECORATION_TAIL)
_ANCHOR = re.compile(r"(?<!\[)\^|\$")


def _whole_line(loose: str) -> str:
    """The loosened pattern of a whole-line rule, held to the whole line as the rule is:
    decoration, then the pattern, then decoration, and nothing else. The Python pattern
    must match all of the stripped line, so the loosened one matches all of it too (it
    accepts at least the same strings); a loosened pattern with anchors of its own is left
    unanchored (its ``^`` would not match after stripped decoration)."""
    if _ANCHOR.search(loose):
        return loose
    return f"^{_LINE_LEAD}*(?:{loose}){_LINE_TAIL}*$"


def _compiled(hyperscan, exprs: list[bytes], ids: list[int]):
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH
    key = hashlib.sha256(
        repr((hyperscan.__version__, flags, exprs, ids)).encode("utf-8", "surrogatepass")
    ).hexdigest()[:24]
    path = cache_dir() / f"hs-{key}.db"
    try:
        db = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
    except Exception:  # missing, unreadable or stale: compile again
        pass
    else:
        touch(path)
        return db
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=exprs, ids=ids, flags=[flags] * len(exprs))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(hyperscan.dumpb(db))
        os.replace(tmp, path)
    except OSError:  # a read-only home: no cache, still correct
        pass
    else:
        prune("hs")
    return db


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # a few letters (such as U+0130) grow when lowered: keep the line structure exact
    return "\n".join(line.lower() for line in text.split("\n"))


def make_scanner(ruleset: RuleSet, accelerate: bool = True) -> Scanner:
    """The fastest scanner available (hyperscan when installed and usable here), or the
    pure-Python one. Both give the same decisions; only the speed differs."""
    if accelerate:
        try:
            import hyperscan
        except ImportError:
            return PythonScanner(ruleset)
        try:
            return HyperscanScanner(ruleset)
        except hyperscan.error:  # installed but unusable here (a processor it cannot run on)
            pass
    return PythonScanner(ruleset)


def needs_fold(text: str) -> bool:
    """Does the text hold invisible characters or look-alike letters that must be folded
    before the scan?"""
    return not text.isascii() and _NEEDS_FOLD.search(text) is not None
