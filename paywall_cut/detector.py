"""The detector: text in, :class:`Result` out, in four named stages.

1. **split**  - the text becomes a :class:`Document` of lines (byte-exact).
2. **scan**   - the prefilter finds the lines that some rule pattern may match (hyperscan,
                or trigger words in pure Python) in the words a reader sees (Markdown
                links and emphasis read as their text, see ``markdown.py``); a document
                with none is returned unchanged at this point.
3. **evidence** - candidate lines are matched against the rules; lines near a hit get
                shape features; every non-blank line gets the editorial prior.
4. **decide** - the Viterbi decision over the sequence, anchors, blank lines, boundary
                and truncation.

A :class:`Detector` compiles its rules once; build one and reuse it for many documents.
The module has no I/O and no dependency on the command line, rich or the file layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .decide import KEEP_SCORE, DecideParams, Decision, Region, decide, restate
from .document import Document
from .evidence import EvidenceParams, EvidenceReader, ExtraEvidence, LineEvidence
from .markdown import visible_lines
from .prefilter import make_scanner, needs_fold
from .result import Cut, HitReport, LineReport, Result, preview
from .rules import RuleSet, fold, load_rules
from .unwrap import join, paragraphs

# how many times ``Detector.cut`` reads its kept lines again at most (see Detector._settle)
SETTLE_ROUNDS = 4


@dataclass(frozen=True)
class Settings:
    """Everything that tunes a detector besides its rules."""

    evidence: EvidenceParams = field(default_factory=EvidenceParams)
    decide: DecideParams = field(default_factory=DecideParams)
    max_cut: float | None = None  # refuse to cut more than this share of a document
    keep_patterns: tuple[str, ...] = ()  # lines matching any of these are always kept

    def __post_init__(self) -> None:
        if self.max_cut is not None and not 0.0 <= self.max_cut <= 1.0:
            raise ValueError(f"max_cut must be a share from 0 to 1, not {self.max_cut!r}")


class Detector:
    """Cuts subscription prompts from text with a fixed rule set and settings."""

    def __init__(
        self,
        ruleset: RuleSet | None = None,
        settings: Settings | None = None,
        accelerate: bool = True,
    ) -> None:
        self.ruleset = ruleset if ruleset is not None else load_rules()
        self.settings = settings or Settings()
        self.reader = EvidenceReader(self.ruleset, self.settings.evidence)
        self.scanner = make_scanner(self.ruleset, accelerate=accelerate)
        self._keep = (
            re.compile("|".join(f"(?:{k})" for k in self.settings.keep_patterns))
            if self.settings.keep_patterns
            else None
        )

    def cut(
        self,
        text: str,
        explain: bool = False,
        *,
        extra: Mapping[int, ExtraEvidence] | None = None,
        decide_params: DecideParams | None = None,
    ) -> Result:
        """Cut one document. With ``explain``, the result carries a report of every line.

        Hooks for callers that know more than the text (``html.py``), both absent for
        plain text: ``extra`` adds evidence to lines (0-based index -> ExtraEvidence, see
        ``evidence.py``; a zero score is ignored) and says the lines are blocks, never
        hard-wrapped paragraphs (see ``unwrap.py``); ``decide_params`` replaces the
        settings' decision parameters for this document.
        """
        if not isinstance(text, str):
            kind = type(text).__name__
            raise TypeError(f"cut() takes text (str), not {kind}; decode bytes first")
        doc = Document.from_text(text)
        params = decide_params or self.settings.decide
        read = self._read(doc.lines, extra, params, explain)
        if read is None:
            return _untouched(text, doc)
        evidence, xs, decision = read
        if extra is None and not all(decision.keep):
            evidence, xs, decision = self._settle(doc.lines, evidence, xs, decision, params)
        return self._result(doc, evidence, xs, decision, explain)

    # -- stages ------------------------------------------------------------------

    def _read(
        self,
        lines: list[str],
        extra: Mapping[int, ExtraEvidence] | None,
        params: DecideParams,
        explain: bool,
    ) -> tuple[dict[int, LineEvidence], dict[int, float], Decision] | None:
        """Evidence and decision of the physical ``lines``, or None when nothing can be cut
        (and no explanation is asked for)."""
        # hard-wrapped text is read by paragraphs (see unwrap.py); HTML blocks never wrap
        groups = paragraphs(lines) if extra is None else None
        logical = lines if groups is None else [join(lines, g) for g in groups]
        # without an explanation to give, a document with no line strong enough to anchor a
        # region is decided at once: nothing can be cut (see decide.decide)
        evidence, xs = self.evidence(logical, extra, min_anchor=None if explain else params.anchor)
        if not xs and not explain:
            return None
        decision = decide(logical, evidence, xs, params, self.reader.length_of)
        if groups is not None:
            return _physical(groups, lines, evidence, xs, decision)
        return evidence, xs, decision

    def _settle(
        self,
        lines: list[str],
        evidence: dict[int, LineEvidence],
        xs: dict[int, float],
        decision: Decision,
        params: DecideParams,
    ) -> tuple[dict[int, LineEvidence], dict[int, float], Decision]:
        """Read the kept lines again, as a second run on the output would, and cut what
        that reading cuts too, until nothing more goes (at most ``SETTLE_ROUNDS`` times).

        Cutting changes a line's surroundings: a kept line that shared a hard-wrapped
        paragraph with a cut one (see unwrap.py), or that now ends the document, can read
        differently without them. Settling makes cutting idempotent: cleaning a cleaned
        text changes nothing (``check --fix`` twice in a row, a corpus cleaned twice).
        Real documents settle at once (none of the tuning, held-out or WCXB documents
        needs a second round); the fuzzer found the ones that do not.
        """
        keep = decision.keep
        for _ in range(SETTLE_ROUNDS):
            kept = [i for i, k in enumerate(keep) if k]
            again = self._read([lines[i] for i in kept], None, params, explain=False)
            if again is None or all(again[2].keep):
                return evidence, xs, decision
            more, more_xs, more_decision = again
            keep = list(keep)
            for j, k in enumerate(more_decision.keep):
                if k:
                    continue
                i = kept[j]
                keep[i] = False
                if j in more:  # the evidence of this reading is what explains the cut
                    ev = evidence[i] = more[j]
                    ev.index = i
                    ev.notes.append("cut when the kept text was read again")
                if j in more_xs:
                    xs[i] = more_xs[j]
            decision = restate(lines, keep, evidence, params, self.reader.length_of)
        return evidence, xs, decision

    def evidence(
        self,
        raw: Sequence[str],
        extra: Mapping[int, ExtraEvidence] | None = None,
        min_anchor: float | None = None,
    ) -> tuple[dict[int, LineEvidence], dict[int, float]]:
        """Evidence of the candidate lines, and ``x`` of every non-blank line (when any).

        ``raw`` are the document's lines as written (or its logical lines, when it is
        hard-wrapped); the user's keep patterns see them. With ``min_anchor``, a document
        where no line has that much anchor evidence gets no evidence at all (the decision
        keeps every line of it either way).
        """
        joined = "\n".join(raw)
        lines = visible_lines(raw, joined)  # what the rules and shape features read
        if lines is not raw:
            joined = "\n".join(lines)
        if needs_fold(joined):
            joined = fold(joined)
        candidates = self.scanner.scan(joined)
        extra = {i: e for i, e in (extra or {}).items() if e.score and lines[i].strip()}
        if not candidates and not extra:
            return {}, {}
        reader = self.reader
        keep = self._keep
        evidence: dict[int, LineEvidence] = {}
        for i, targets in candidates.items():
            if keep is not None and keep.search(raw[i]):
                continue
            line = lines[i]
            ev = LineEvidence(i, len(line.strip()))
            reader.rule_hits(line, targets, ev)
            if ev.hits:
                evidence[i] = ev
        for i, e in extra.items():  # evidence from outside the text (HTML: the DOM)
            if keep is not None and keep.search(raw[i]):
                continue
            ev = evidence.setdefault(i, LineEvidence(i, len(lines[i].strip())))
            ev.extra, ev.extra_anchor = e.score, e.anchor
            ev.notes.append(e.note)
        if not evidence or (
            min_anchor is not None and max(ev.anchor for ev in evidence.values()) < min_anchor
        ):
            return {}, {}
        # shape features near the hits
        window = reader.p.window
        nonblank = [i for i, line in enumerate(lines) if line and not line.isspace()]
        position = {i: k for k, i in enumerate(nonblank)}
        lex = reader.lexicon(h.rule.lang for ev in evidence.values() for h in ev.hits)
        near: set[int] = set()
        for i in evidence:
            k = position[i]
            near.update(nonblank[max(0, k - window) : k + window + 1])
        for i in near:
            ev = evidence.get(i)
            if ev is None:
                ev = evidence[i] = LineEvidence(i, len(lines[i].strip()))
            reader.shape_of(lines[i], ev, lex)
            if ev.hits:
                reader.counter_of(lines[i], ev, lex)
        xs: dict[int, float] = {}
        prior = reader.prior_of
        for i in nonblank:
            ev = evidence.get(i)
            if ev is None:
                xs[i] = prior(len(lines[i].strip()))
            else:
                ev.prior = prior(ev.length)
                ev.ceiling = reader.p.no_hit_ceiling
                xs[i] = ev.x
            if keep is not None and keep.search(raw[i]):
                xs[i] = KEEP_SCORE  # a line the user declared editorial is never cut
        return evidence, xs

    def _result(
        self,
        doc: Document,
        evidence: dict[int, LineEvidence],
        xs: dict[int, float],
        decision: Decision,
        explain: bool,
    ) -> Result:
        lines = doc.lines
        keep = decision.keep
        sizes = [len(a) + len(b) for a, b in zip(lines, doc.endings)]
        chars_total = sum(sizes)
        cuts = []
        for r in decision.regions:
            # the removed lines of a region: its own, plus blank lines absorbed around it
            lo = r.first
            while lo > 0 and not keep[lo - 1] and not lines[lo - 1].strip():
                lo -= 1
            hi = r.last
            while hi + 1 < len(lines) and not keep[hi + 1] and not lines[hi + 1].strip():
                hi += 1
            hits = [h for i in r.lines if i in evidence for h in evidence[i].hits]
            hits.sort(key=lambda h: -h.strength)
            rule_ids = list(dict.fromkeys(h.rule.id for h in hits))
            categories = list(dict.fromkeys(h.rule.category for h in hits))
            cuts.append(
                Cut(
                    start=r.first + 1,
                    end=r.last + 1,
                    lines=hi - lo + 1,
                    chars=sum(sizes[lo : hi + 1]),
                    score=sum(xs[i] for i in r.lines),
                    rules=tuple(rule_ids),
                    categories=tuple(categories),
                    preview=preview(" ".join(lines[i] for i in r.lines)),
                )
            )
        chars_kept = sum(s for s, k in zip(sizes, keep) if k)
        ceiling = None
        max_cut = self.settings.max_cut
        if (
            cuts
            and max_cut is not None
            and chars_total
            and ((chars_total - chars_kept) / chars_total > max_cut)
        ):
            share = (chars_total - chars_kept) / chars_total
            ceiling = f"would cut {share:.1%} of the document, above the ceiling {max_cut:.1%}"
            keep = [True] * len(lines)
            cuts, chars_kept = [], chars_total
            decision = Decision(keep, [], None, "none", False, None)
        reports: tuple[LineReport, ...] = ()
        if explain:
            reports = tuple(self._line_reports(doc, evidence, xs, keep))
        return Result(
            text=doc.text(keep) if cuts else doc.text(),
            keep=tuple(keep),
            cuts=tuple(cuts),
            boundary=decision.tail.first + 1 if decision.tail else None,
            truncated=decision.truncated,
            truncation_reason=decision.truncation_reason,
            position=decision.position,
            lines_total=len(lines),
            lines_kept=sum(keep),
            chars_total=chars_total,
            chars_kept=chars_kept,
            ceiling=ceiling,
            line_reports=reports,
        )

    def _line_reports(self, doc, evidence, xs, keep):
        prior = self.reader.prior_of
        for i, line in enumerate(doc.lines):
            if not line.strip():
                yield LineReport(i + 1, line, "blank" if keep[i] else "cut", 0, 0, 0, 0, 0)
                continue
            ev = evidence.get(i)
            decision = "keep" if keep[i] else "cut"
            if ev is None:
                p = prior(len(line.strip()))
                yield LineReport(i + 1, line, decision, xs.get(i, p), 0, 0, 0, p)
                continue
            hits = tuple(
                HitReport(h.rule.id, h.rule.category, h.strength, h.matched) for h in ev.hits
            )
            yield LineReport(
                i + 1,
                line,
                decision,
                xs.get(i, ev.x),
                ev.rules,
                ev.shape,
                ev.counter,
                ev.prior,
                hits,
                tuple(ev.notes),
            )


def _physical(
    groups: list[list[int]],
    lines: Sequence[str],
    evidence: dict[int, LineEvidence],
    xs: dict[int, float],
    decision: Decision,
) -> tuple[dict[int, LineEvidence], dict[int, float], Decision]:
    """Evidence and decision over logical lines (wrapped paragraphs joined), restated over
    the physical lines: every line of a paragraph shares its decision; the paragraph's
    evidence stands on its first line, and each further line notes what it continues."""
    phys_evidence: dict[int, LineEvidence] = {}
    phys_xs: dict[int, float] = {}
    for k, group in enumerate(groups):
        first = group[0]
        if k in evidence:
            phys_evidence[first] = evidence[k]
            evidence[k].index = first
        if k in xs:
            phys_xs[first] = xs[k]
        for j in group[1:]:
            ev = phys_evidence[j] = LineEvidence(j, len(lines[j].strip()))
            ev.notes.append(f"continues line {first + 1}")
            phys_xs[j] = 0.0

    def region(r: Region) -> Region:
        return Region(
            groups[r.first][0], groups[r.last][-1], [j for k in r.lines for j in groups[k]]
        )

    regions = [region(r) for r in decision.regions]
    tail = regions[decision.regions.index(decision.tail)] if decision.tail else None
    keep = [decision.keep[k] for k, group in enumerate(groups) for _ in group]
    return (
        phys_evidence,
        phys_xs,
        Decision(
            keep, regions, tail, decision.position, decision.truncated, decision.truncation_reason
        ),
    )


def _untouched(text: str, doc: Document) -> Result:
    """The result of a document with nothing to cut (the common case, built cheaply: the
    kept text is the input itself, which ``doc`` splits byte for byte)."""
    n = len(doc.lines)
    chars = len(text) - len(doc.bom)
    return Result(
        text=text,
        keep=(True,) * n,
        cuts=(),
        boundary=None,
        truncated=False,
        truncation_reason=None,
        position="none",
        lines_total=n,
        lines_kept=n,
        chars_total=chars,
        chars_kept=chars,
    )
