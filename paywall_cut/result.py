"""The result of cutting one document, and its JSON report (a stable schema).

Schema ``paywall-cut/report/1`` (``Result.to_dict()``)::

    {
      "schema": "paywall-cut/report/1",
      "changed": true,                  # was anything cut?
      "position": "tail",               # none | tail | inline | mixed | wall
      "boundary": 13,                   # 1-based line where the article stops and the
                                        # closing prompt begins; null without a tail
      "truncated": true,                # does the prompt hide the rest of the article?
      "truncation_reason": "...",       # why we think so, or null
      "gated": null,                    # HTML only: "declared" when the page says it is gated
      "lines": {"total": 32, "kept": 11, "cut": 21},
      "chars": {"total": 2730, "kept": 1402, "cut": 1328},
      "cut_share": 0.486,               # chars cut / chars total
      "ceiling": null,                  # set when a cut was refused by --max-cut
      "cuts": [
        {"start": 13, "end": 32,        # 1-based first and last non-blank line cut
         "lines": 21, "chars": 1328,    # lines and characters removed (blank lines too)
         "score": 17.2,                 # evidence of the region (sum over its lines)
         "rules": ["PC101", ...],       # rules that fired in the region, strongest first
         "categories": ["paywall-notice", ...],
         "preview": "Keep reading for free! ..."}
      ]
    }

Fields are only ever added to this schema, never renamed or removed, within version 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "paywall-cut/report/1"
PREVIEW_CHARS = 80


@dataclass(frozen=True)
class Cut:
    """One removed region."""

    start: int
    end: int
    lines: int
    chars: int
    score: float
    rules: tuple[str, ...]
    categories: tuple[str, ...]
    preview: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "lines": self.lines,
            "chars": self.chars,
            "score": round(self.score, 2),
            "rules": list(self.rules),
            "categories": list(self.categories),
            "preview": self.preview,
        }


@dataclass(frozen=True)
class HitReport:
    rule: str
    category: str
    strength: float
    matched: str


@dataclass(frozen=True)
class LineReport:
    """How one line was decided (for ``explain``). ``number`` is 1-based."""

    number: int
    text: str
    decision: str  # "keep", "cut" or "blank"
    x: float
    rules: float
    shape: float
    counter: float
    prior: float
    hits: tuple[HitReport, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.number,
            "decision": self.decision,
            "score": round(self.x, 2),
            "parts": {
                "rules": round(self.rules, 2),
                "shape": round(self.shape, 2),
                "counter": round(-self.counter, 2),
                "prior": round(self.prior, 2),
            },
            "hits": [
                {
                    "rule": h.rule,
                    "category": h.category,
                    "strength": round(h.strength, 2),
                    "matched": h.matched,
                }
                for h in self.hits
            ],
            "notes": list(self.notes),
            "text": self.text,
        }


@dataclass(frozen=True)
class Result:
    """What ``cut()`` returns: the kept text and a report of every cut."""

    text: str
    keep: tuple[bool, ...]
    cuts: tuple[Cut, ...]
    boundary: int | None
    truncated: bool
    truncation_reason: str | None
    position: str
    lines_total: int
    lines_kept: int
    chars_total: int
    chars_kept: int
    gated: str | None = None
    ceiling: str | None = None
    line_reports: tuple[LineReport, ...] = field(default=(), repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.cuts)

    @property
    def lines_cut(self) -> int:
        return self.lines_total - self.lines_kept

    @property
    def chars_cut(self) -> int:
        return self.chars_total - self.chars_kept

    @property
    def cut_share(self) -> float:
        return self.chars_cut / self.chars_total if self.chars_total else 0.0

    @property
    def rules_fired(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.cuts:
            seen.update(dict.fromkeys(c.rules))
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "changed": self.changed,
            "position": self.position,
            "boundary": self.boundary,
            "truncated": self.truncated,
            "truncation_reason": self.truncation_reason,
            "gated": self.gated,
            "lines": {"total": self.lines_total, "kept": self.lines_kept, "cut": self.lines_cut},
            "chars": {"total": self.chars_total, "kept": self.chars_kept, "cut": self.chars_cut},
            "cut_share": round(self.cut_share, 4),
            "ceiling": self.ceiling,
            "cuts": [c.to_dict() for c in self.cuts],
        }


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
