"""The fast scan: which lines contain a rule's trigger word at all.

Every rule has trigger words (read off its patterns, or given in the rule file) such that
the rule can only match a line containing one of them. One scan over the whole document
finds the lines that hold any trigger; only those lines are matched against the rules'
regular expressions. Most editorial lines cost nothing beyond this scan.

Two scanners give the same answer:

- :class:`HyperscanScanner` (when the ``hyperscan`` package is installed): one compiled
  multi-literal database, scanned in C over the UTF-8 bytes.
- :class:`PythonScanner`: ``str.lower`` plus one ``str.find`` pass per distinct trigger.
"""

from __future__ import annotations

import re

from .rules import RuleSet

# A document with any of these characters is folded before the scan (see rules.fold),
# so that soft hyphens or zero-width characters cannot hide a trigger word.
_NEEDS_FOLD = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f]")


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
    name = "python"

    def scan(self, joined: str) -> dict[int, set[Target]]:
        lower = _lower(joined)
        hits: dict[int, set[Target]] = {}
        find, count = lower.find, lower.count
        for word, rules in zip(self.words, self.rules_of):
            pos = find(word)
            if pos < 0:
                continue
            line, last = count("\n", 0, pos), pos
            while pos >= 0:
                line += count("\n", last, pos)
                last = pos
                hits.setdefault(line, set()).update(rules)
                # jump to the next line: one hit per line is enough for this word
                nl = find("\n", pos)
                if nl < 0:
                    break
                pos = find(word, nl)
        return hits


class HyperscanScanner(Scanner):
    name = "hyperscan"

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__(ruleset)
        import hyperscan

        self._hs = hyperscan
        self.db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        exprs = [re.escape(w).encode("utf-8") for w in self.words]
        flags = [hyperscan.HS_FLAG_CASELESS] * len(exprs)
        if any(not w.isascii() for w in self.words):
            flags = [f | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP for f in flags]
        self.db.compile(expressions=exprs, ids=list(range(len(exprs))), flags=flags)
        self.scratch = hyperscan.Scratch(self.db)

    def scan(self, joined: str) -> dict[int, set[Target]]:
        if not joined.isascii():
            # non-ASCII capitals (Ü, É ...) are folded by str.lower, not by the caseless
            # matcher; lowering such documents first keeps both scanners' answers identical
            joined = _lower(joined)
        data = joined.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int]] = []

        def on_match(word_id: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            found.append((end, word_id))

        self.db.scan(data, match_event_handler=on_match, scratch=self.scratch)
        if not found:
            return {}
        found.sort()
        hits: dict[int, set[Target]] = {}
        line = last = 0
        count = data.count
        for end, wid in found:
            line += count(b"\n", last, end)
            last = end
            hits.setdefault(line, set()).update(self.rules_of[wid])
        return hits


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # a few letters (such as U+0130) grow when lowered: keep the line structure exact
    return "\n".join(line.lower() for line in text.split("\n"))


def make_scanner(ruleset: RuleSet, accelerate: bool = True) -> Scanner:
    """The fastest scanner available (hyperscan when installed), or the pure-Python one."""
    if accelerate:
        try:
            return HyperscanScanner(ruleset)
        except ImportError:
            pass
    return PythonScanner(ruleset)


def needs_fold(text: str) -> bool:
    """Does the text hold invisible characters that must be folded before the scan?"""
    return not text.isascii() and _NEEDS_FOLD.search(text) is not None
