"""Sequence decision: which lines form prompt regions, the boundary, truncation.

Lines are decided together, not one by one. Each non-blank line is either *editorial* (E)
or *prompt* (P). A labelling scores the sum of the evidence ``x`` of its P lines, minus a
cost each time it enters a P region (``threshold``) and each time it leaves one
(``threshold`` again). The best labelling is found exactly with the Viterbi algorithm
over two states. What this means in practice:

- a lone line inside an article is cut only when its evidence exceeds twice the
  threshold (enter and leave);
- a prompt at the end of a document pays the entry cost and only ``end_share`` of the
  exit cost, because nothing follows it;
- a benefit bullet with no prompt word of its own is cut when it stands between prompt
  lines, because leaving and re-entering the region would cost more than keeping it in;
  the same sentence between article paragraphs stays editorial;
- long article paragraphs carry a strong editorial prior, so no context can pull them in.

Safety: a region is cut only if one of its lines has rule evidence of at least
``anchor`` on its own (positive evidence, not shape alone).

Blank lines take no part in the decision. Those inside a region go with it; a cut
region also takes the blank lines that follow it (so no double gap is left behind), and a
region that ends the document takes the blank lines before it (so the kept text ends on
its last editorial line).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .evidence import LineEvidence

KEEP_SCORE = -100.0  # the evidence given to lines that match a user's keep pattern


@dataclass(frozen=True)
class DecideParams:
    """Parameters of the sequence decision, with their defaults."""

    threshold: float = 1.5  # cost of entering a prompt region, and again of leaving it
    end_share: float = 0.5  # a region that ends the document pays this share of the exit
    anchor: float = 2.0  # rule evidence the strongest line of a region must have
    heading_chars: int = 60  # a box heading just before a region joins it (see _attach_heading)
    tail_after_chars: int = 200  # kept text after a region that still leaves it the tail
    wall_kept_chars: int = 600  # a cut with less editorial text than this around it ...
    wall_ratio: float = 2.0  # ... and this many times more prompt text is a wall


@dataclass
class Region:
    """A run of prompt lines: ``first`` and ``last`` are 0-based indexes of non-blank lines."""

    first: int
    last: int
    lines: list[int] = field(default_factory=list)  # every non-blank line in the region


@dataclass
class Decision:
    keep: list[bool]
    regions: list[Region]
    tail: Region | None
    position: str  # "none", "tail", "inline", "mixed" or "wall"
    truncated: bool
    truncation_reason: str | None


# Scores are compared in millionths, as integers: their sums are exact, so a tie stays a
# tie whatever precedes it. With float sums a tie broke one way or the other depending on
# the lines before it, and cutting a cleaned document could cut one more region (found by
# fuzz/fuzz_cut.py; tests/test_fuzz.py replays it).
SCALE = 1_000_000


def best_labelling(xs: Sequence[float], p: DecideParams) -> list[bool]:
    """Viterbi over two states; True marks a prompt line."""
    n = len(xs)
    if n == 0:
        return []
    scores = [round(x * SCALE) for x in xs]
    t = round(p.threshold * SCALE)
    closing = round(p.threshold * p.end_share * SCALE)
    e, pr = 0, scores[0] - t
    back_e: list[bool] = [False] * n  # for state E at i: was i-1 in P?
    back_p: list[bool] = [False] * n  # for state P at i: was i-1 in P?
    for i in range(1, n):
        x = scores[i]
        from_p = pr - t
        if from_p > e:
            new_e, back_e[i] = from_p, True
        else:
            new_e = e
        from_e = e - t
        if pr > from_e:
            new_p, back_p[i] = pr + x, True
        else:
            new_p = from_e + x
        e, pr = new_e, new_p
    labels = [False] * n
    state = pr - closing > e  # a closing region pays less to end; ties go to E
    for i in range(n - 1, -1, -1):
        labels[i] = state
        state = back_p[i] if state else back_e[i]
    return labels


# a closing prompt with a box category and no gate category hides nothing (_truncation)
_BOX = frozenset({"newsletter", "membership-appeal"})
_GATE = frozenset({"paywall-notice", "login-prompt", "meter"})

_ENDS_SENTENCE = tuple(".!\"'”’»)]。！？…:;」』）：；")
# how a line ends: a question, or mid-sentence (Latin and CJK full-width punctuation)
_QUESTION = ("?", '?"', "?”", "？", "？」", "？』")
_GOES_ON = (":", ",", ";", "-", "–", "—", "：", "，", "；", "、")


def decide(
    lines: Sequence[str],
    evidence: dict[int, LineEvidence],
    xs: dict[int, float],
    p: DecideParams,
    length: Callable[[str], int] = len,
) -> Decision:
    """Decide every line of a document from its evidence.

    ``xs`` holds the evidence ``x`` of every non-blank line (index -> x), ``evidence`` the
    full evidence of the lines that have any. ``length`` measures a stripped line for the
    boundary (``EvidenceReader.length_of``: a CJK character counts more than a letter).
    """
    n = len(lines)
    order = sorted(xs)
    labels = best_labelling([xs[i] for i in order], p)
    regions: list[Region] = []
    current: Region | None = None
    for idx, is_prompt in zip(order, labels):
        if is_prompt:
            if current is None:
                current = Region(idx, idx)
                regions.append(current)
            current.last = idx
            current.lines.append(idx)
        else:
            current = None
    regions = [
        r
        for r in regions
        if max((evidence[i].anchor for i in r.lines if i in evidence), default=0.0) >= p.anchor
    ]
    keep = [True] * n
    if not regions:
        return Decision(keep, [], None, "none", False, None)
    for r in regions:
        _attach_heading(lines, r, order, evidence, xs, p)
    for r in regions:
        for i in range(r.first, r.last + 1):
            keep[i] = False
    _absorb_blank_lines(lines, keep, regions)
    return _summarised(lines, keep, regions, evidence, p, length)


def restate(
    lines: Sequence[str],
    keep: list[bool],
    evidence: dict[int, LineEvidence],
    p: DecideParams,
    length: Callable[[str], int] = len,
) -> Decision:
    """The decision that cuts exactly the lines ``keep`` marks False: its regions are the
    runs of cut non-blank lines (blank lines neither end nor start one, as in ``decide``),
    then boundary, position and truncation as ``decide`` finds them. Used when decisions
    are combined (``Detector.cut`` reading its own output again)."""
    regions: list[Region] = []
    current: Region | None = None
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if keep[i]:
            current = None
            continue
        if current is None:
            current = Region(i, i)
            regions.append(current)
        current.last = i
        current.lines.append(i)
    if not regions:
        return Decision(keep, [], None, "none", False, None)
    return _summarised(lines, keep, regions, evidence, p, length)


def _summarised(
    lines: Sequence[str],
    keep: list[bool],
    regions: list[Region],
    evidence: dict[int, LineEvidence],
    p: DecideParams,
    length: Callable[[str], int],
) -> Decision:
    """The decision of cut regions: which one is the tail, the position, truncation."""
    n = len(lines)
    tail = _tail_region(lines, keep, regions, p, length)
    kept_chars = sum(len(lines[i].strip()) for i in range(n) if keep[i])
    cut_chars = sum(len(lines[i].strip()) for i in range(n) if not keep[i])
    if kept_chars < p.wall_kept_chars and cut_chars >= p.wall_ratio * kept_chars:
        position = "wall"
    elif tail is not None:
        position = "mixed" if len(regions) > 1 else "tail"
    else:
        position = "inline"
    truncated, reason = False, None
    if position == "wall":
        truncated, reason = True, "the page is a wall: almost all of it is prompt"
    elif tail is not None:
        truncated, reason = _truncation(lines, keep, tail, evidence)
    return Decision(keep, regions, tail, position, truncated, reason)


def _attach_heading(
    lines: Sequence[str],
    region: Region,
    order: list[int],
    evidence: dict[int, LineEvidence],
    xs: dict[int, float],
    p: DecideParams,
) -> None:
    """Take the heading of a prompt box into its region.

    A box often opens with a short heading that no rule knows ("Get the Morning Brief",
    "Before you go"). The non-blank line just before a region joins it when it has no
    rule hit, is at most ``heading_chars`` long, does not end like a sentence or an
    introduction (period, comma, semicolon, question mark, colon: "Here is what the pop-up
    told you:" belongs to the article that quotes the box), is not a list item, is not the
    document's first line, and speaks to the reader (a call-to-action verb or a
    second-person word, as read by the shape features).
    """
    # order is sorted: a binary search (list.index made many regions quadratic: 1,000
    # islands in 1,000,000 lines spent 4 s here; see tests/test_adversarial.py)
    k = bisect_left(order, region.first)
    if k <= 0:
        return
    i = order[k - 1]
    line = lines[i].strip()
    ev = evidence.get(i)
    if (
        ev is None
        or ev.hits
        or len(line) > p.heading_chars
        or line.endswith((".", ",", ";", "?", ":", "。", "，", "；", "？", "："))
    ):
        return
    if "bullet" in ev.notes:  # a list item belongs to the list before, not to the box
        return
    if xs[i] <= KEEP_SCORE:  # the user declared this line editorial (a keep pattern)
        return
    if "call to action" in ev.notes or "second person" in ev.notes:
        region.first = i
        region.lines.insert(0, i)
        ev.notes.append("heading of the prompt")


def _absorb_blank_lines(lines: Sequence[str], keep: list[bool], regions: list[Region]) -> None:
    n = len(lines)
    for r in regions:
        j = r.last + 1
        while j < n and not lines[j].strip():
            j += 1
        if j >= n:  # the region ends the document: take the gap before it too
            for k in range(r.last + 1, n):
                keep[k] = False
            k = r.first - 1
            while k >= 0 and not lines[k].strip():
                keep[k] = False
                k -= 1
        elif r.first > 0 or j > r.last + 1:
            # the gap after the region closes up with the one before it
            before_blank = r.first > 0 and not lines[r.first - 1].strip()
            if before_blank or r.first == 0:
                for k in range(r.last + 1, j):
                    keep[k] = False


def _tail_region(
    lines: Sequence[str],
    keep: list[bool],
    regions: list[Region],
    p: DecideParams,
    length: Callable[[str], int],
) -> Region | None:
    last = regions[-1]
    after = [length(lines[i].strip()) for i in range(last.last + 1, len(lines)) if keep[i]]
    before = any(keep[i] and lines[i].strip() for i in range(last.first))
    if before and sum(after) <= p.tail_after_chars and all(a <= 100 for a in after):
        return last
    return None


def _truncation(
    lines: Sequence[str], keep: list[bool], tail: Region, evidence: dict[int, LineEvidence]
) -> tuple[bool, str | None]:
    for i in tail.lines:
        ev = evidence.get(i)
        if ev is None:
            continue
        for h in ev.hits:
            if h.rule.truncates:
                return True, f"the prompt says the rest is hidden ({h.rule.id})"
    categories = {h.rule.category for i in tail.lines if i in evidence for h in evidence[i].hits}
    if categories & _BOX and not categories & _GATE:
        # a newsletter box or a donation appeal after an article hides nothing (its "sign
        # up" is no paywall): how the article ends says nothing about truncation
        return False, None
    last_kept = next(
        (lines[i].strip() for i in range(tail.first - 1, -1, -1) if keep[i] and lines[i].strip()),
        "",
    )
    if last_kept.endswith(("...", "…")):
        return True, "the article stops on an ellipsis"
    if last_kept.endswith(_QUESTION) and len(last_kept) <= 200:
        return True, "the article stops on an unanswered question"
    if last_kept.endswith(_GOES_ON):
        return True, "the article stops mid-sentence"
    words = len(last_kept.split())
    if not last_kept.endswith(_ENDS_SENTENCE) and (
        (len(last_kept) >= 80 and words >= 12) or (words >= 8 and last_kept[-1].islower())
    ):
        return True, "the article stops mid-sentence"
    return False, None
