"""A datatrove pipeline step: cut subscription prompts from every document, keep the report.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from paywall_cut.integrations.datatrove import PaywallCut
>>> LocalPipelineExecutor(
...     [JsonlReader("raw/"), PaywallCut(drop_empty=True), JsonlWriter("clean/")],
...     tasks=8, workers=4,
... ).run()

For each document the step

- replaces ``document.text`` with the kept text (the input minus whole cut lines);
- adds the report (``Result.to_dict()``, schema ``paywall-cut/report/1``) to
  ``document.metadata[metadata_key]`` (``"paywall_cut"``; ``None``: no report);
- counts what it did in datatrove's stats (see :data:`STATS`);
- with ``drop_empty``, drops a document that had something cut and has no text left,
  handing it to ``exclusion_writer`` when one is given (as datatrove's filters do).

The rules are loaded and checked when the step is built, so that a bad rule file fails
before any task starts; the detector (compiled rules and a hyperscan database) is built
lazily, once per worker process, and never pickled: datatrove pickles the steps to send
them to its workers, and only the rules and settings travel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
    from datatrove.utils.typeshelper import StatHints
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "paywall_cut.integrations.datatrove needs datatrove: pip install 'paywall-cut[datatrove]'"
    ) from e

from ..detector import Detector, Settings
from ..result import Result
from ..rules import RuleSet, load_file, load_rules

#: The stats the step records (besides datatrove's own ``total``/``forwarded``/``dropped``
#: and timing). ``cut_<category>`` counts cut regions in which a rule of that category fired.
STATS = {
    "changed": "documents that had something cut",
    "truncated": "documents whose prompt hides the rest of the article",
    "skipped": "documents whose text is not a string (passed on unchanged)",
    "dropped_empty": "documents dropped because nothing editorial was left (drop_empty)",
    "chars_total": "characters of text seen",
    "chars_cut": "characters cut",
    "cuts": "cut regions",
}


class PaywallCut(PipelineStep):
    """Cut subscription-prompt boilerplate from each document's text (see the module doc).

    Args:
        languages: built-in rule packs to load (default: all of them).
        rule_files: extra rule files in the built-in format (``paywall-cut learn`` output,
            site rules); read here, so workers need not see them.
        config: a paywall-cut configuration file (``.paywall-cut.toml`` or a
            ``pyproject.toml`` with ``[tool.paywall-cut]``): its ``languages``,
            ``extend-rules``, ``disable``, ``weights``, ``threshold``, ``max-cut`` and
            ``keep``. Not discovered: only read when given. Excludes ``languages``.
        settings: detector settings (default ``Settings()``, or the configuration's).
        threshold: decision threshold (replaces the one of ``settings``).
        max_cut: never cut more than this share of a document (replaces ``settings``').
        metadata_key: where the report goes in ``document.metadata``; ``None``: nowhere.
        drop_empty: drop documents that had something cut and have no text left.
        exclusion_writer: a datatrove writer that receives the dropped documents.
    """

    name = "✂️ paywall-cut"
    type = "✂️ - CLEANER"

    def __init__(
        self,
        languages: Sequence[str] | None = None,
        rule_files: Sequence[str | Path] = (),
        config: str | Path | None = None,
        settings: Settings | None = None,
        threshold: float | None = None,
        max_cut: float | None = None,
        metadata_key: str | None = "paywall_cut",
        drop_empty: bool = False,
        exclusion_writer: Any = None,
    ) -> None:
        super().__init__()
        self.ruleset, self.settings = _rules_and_settings(
            languages, rule_files, config, settings, threshold, max_cut
        )
        self.metadata_key = metadata_key
        self.drop_empty = drop_empty
        self.exclusion_writer = exclusion_writer
        self._detector: Detector | None = None

    # -- the detector: built once per process, never pickled ---------------------------

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = Detector(self.ruleset, self.settings)
        return self._detector

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_detector"] = None
        return state

    # -- the step ----------------------------------------------------------------------

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Cut each document of ``data``; yield the kept ones."""
        if data is None:
            return
        detector = self.detector
        writer = self.exclusion_writer
        with writer if writer is not None else contextlib.nullcontext():
            for doc in data:
                self.stat_update(StatHints.total)
                if not isinstance(doc.text, str):
                    self.stat_update("skipped", StatHints.forwarded)
                    yield doc
                    continue
                with self.track_time():
                    result = detector.cut(doc.text)
                self._count(result)
                if self.metadata_key is not None:
                    doc.metadata[self.metadata_key] = result.to_dict()
                if result.changed:
                    doc.text = result.text
                    if self.drop_empty and not result.text.strip():
                        self.stat_update(StatHints.dropped, "dropped_empty")
                        if writer is not None:
                            doc.metadata["filter_reason"] = "paywall_cut_empty"
                            writer.write(doc, rank)
                        continue
                self.stat_update(StatHints.forwarded)
                self.update_doc_stats(doc)
                yield doc

    def _count(self, result: Result) -> None:
        self.stat_update("chars_total", value=result.chars_total, unit="doc")
        if not result.changed:
            return
        self.stat_update("changed")
        if result.truncated:
            self.stat_update("truncated")
        self.stat_update("chars_cut", value=result.chars_cut, unit="doc")
        self.stat_update("cuts", value=len(result.cuts), unit="doc")
        for c in result.cuts:
            for category in c.categories:
                self.stat_update(f"cut_{category}")


def _rules_and_settings(
    languages: Sequence[str] | None,
    rule_files: Sequence[str | Path],
    config: str | Path | None,
    settings: Settings | None,
    threshold: float | None,
    max_cut: float | None,
) -> tuple[RuleSet, Settings]:
    """The rules and settings the step's options describe (raises on a bad rule file)."""
    if isinstance(rule_files, (str, Path)):
        rule_files = [rule_files]
    if config is not None:
        if languages is not None:
            raise ValueError("give either config or languages (the configuration has its own)")
        from ..config import resolve

        cfg = resolve(config, isolated=True)
        ruleset, base = cfg.ruleset(), cfg.settings()
    else:
        ruleset, base = load_rules(languages), Settings()
    for path in rule_files:
        ruleset = ruleset.plus(load_file(path))
    settings = settings or base
    if threshold is not None:
        settings = replace(settings, decide=replace(settings.decide, threshold=threshold))
    if max_cut is not None:
        settings = replace(settings, max_cut=max_cut)
    return ruleset, settings
