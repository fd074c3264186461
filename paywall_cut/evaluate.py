"""Scoring labelled cases (the format of ``fixtures/README.md``).

A case is ``{"id", "lang", "kind", "truncated", "lines": [[label, text], ...]}`` with labels
``E`` (editorial: must be kept), ``B`` (prompt: must be cut) and ``O`` (neutral). The
document is the lines joined with ``\\n`` plus a final newline. Because paywall-cut keeps
whole input lines verbatim and in order, the kept mask is exactly what a scorer reading
the output text would find.

Figures (characters unless said otherwise):

- ``B_recall``: share of B text cut.
- ``E_retention``: share of E text kept.
- ``B_precision``: of all B and E text cut, the share that was B.
- ``perfect_docs``: share of documents with every B line cut and every E line kept.
- ``negatives_intact``: negative documents with no E line cut.
- ``truncation_accuracy``: documents whose ``truncated`` flag matches the label.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .result import Result


def load_cases(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    """Read cases from JSONL files; a malformed line raises ValueError naming file:line."""
    for path in paths:
        with open(path, "rb") as fh:
            for n, data in enumerate(fh, 1):
                try:
                    raw = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise ValueError(f"{path}:{n}: not UTF-8") from None
                if not raw.strip():
                    continue
                try:
                    case = json.loads(raw)
                    lines = case["lines"]
                    if not all(lab in ("E", "B", "O") and isinstance(t, str) for lab, t in lines):
                        raise ValueError("labels must be E, B or O")
                except (ValueError, KeyError, TypeError) as e:
                    raise ValueError(f"{path}:{n}: not a labelled case: {e}") from None
                yield case


def case_text(case: dict[str, Any]) -> str:
    return "\n".join(t for _, t in case["lines"]) + "\n"


@dataclass
class Miss:
    id: str
    kind: str
    leaked: list[str] = field(default_factory=list)  # B lines kept
    damaged: list[str] = field(default_factory=list)  # E lines cut


@dataclass
class Scores:
    docs: int = 0
    perfect: int = 0
    b_chars: int = 0
    b_cut: int = 0
    e_chars: int = 0
    e_cut: int = 0
    negatives: int = 0
    negatives_intact: int = 0
    truncation_right: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [docs, perfect]
    misses: list[Miss] = field(default_factory=list)

    def add(self, case: dict[str, Any], keep: list[bool], truncated: bool) -> None:
        miss = Miss(case.get("id", "?"), case.get("kind", "?"))
        for (label, text), kept in zip(case["lines"], keep):
            n = len(text)
            if label == "B":
                self.b_chars += n
                if not kept:
                    self.b_cut += n
                else:
                    miss.leaked.append(text)
            elif label == "E":
                self.e_chars += n
                if not kept:
                    self.e_cut += n
                    miss.damaged.append(text)
        ok = not miss.leaked and not miss.damaged
        self.docs += 1
        self.perfect += ok
        kind = self.by_kind.setdefault(miss.kind, [0, 0])
        kind[0] += 1
        kind[1] += ok
        if miss.kind == "negative":
            self.negatives += 1
            self.negatives_intact += not miss.damaged
        self.truncation_right += bool(case.get("truncated", False)) == truncated
        if not ok:
            self.misses.append(miss)

    def figures(self) -> dict[str, Any]:
        cut = self.b_cut + self.e_cut
        return {
            "docs": self.docs,
            "perfect_docs": round(self.perfect / self.docs, 4) if self.docs else None,
            "B_recall": round(self.b_cut / self.b_chars, 4) if self.b_chars else None,
            "E_retention": round(1 - self.e_cut / self.e_chars, 5) if self.e_chars else None,
            "B_precision": round(self.b_cut / cut, 4) if cut else None,
            "negatives_intact": f"{self.negatives_intact}/{self.negatives}",
            "truncation_accuracy": round(self.truncation_right / self.docs, 4)
            if self.docs
            else None,
            "by_kind": {k: f"{v[1]}/{v[0]}" for k, v in sorted(self.by_kind.items())},
        }


def score(cases: Iterable[dict[str, Any]], cut: Callable[[str], Result]) -> Scores:
    """Run ``cut`` on every case and score it."""
    scores = Scores()
    for case in cases:
        result = cut(case_text(case))
        keep = list(result.keep[: len(case["lines"])])
        scores.add(case, keep, result.truncated)
    return scores
