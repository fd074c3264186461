"""paywall-cut: cut subscription-prompt boilerplate out of article text, explain every cut.

>>> from paywall_cut import cut
>>> result = cut(open("article.txt").read())
>>> result.text            # the kept lines, verbatim
>>> result.to_dict()       # the report (schema in paywall_cut.result)
"""

from __future__ import annotations

from functools import lru_cache

from .detector import Detector, Settings
from .result import Cut, LineReport, Result
from .rules import Rule, RuleError, RuleSet, load_rules

__all__ = [
    "Cut",
    "Detector",
    "LineReport",
    "Result",
    "Rule",
    "RuleError",
    "RuleSet",
    "Settings",
    "cut",
    "default_detector",
    "load_rules",
]
__version__ = "0.1.0"


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector with every built-in rule pack and default settings (built once)."""
    return Detector()


def cut(text: str, *, detector: Detector | None = None, explain: bool = False) -> Result:
    """Cut subscription prompts from ``text``; return the kept text and the report."""
    return (detector or default_detector()).cut(text, explain=explain)
