"""Batch cleaning of folders and JSONL corpora: ``paywall-cut clean``.

- :mod:`.walk`    which files a run sees (tree walk, globs, symlinks)
- :mod:`.state`   what an earlier run did, so that unchanged inputs are skipped
- :mod:`.work`    the work of one process: read, clean, write safely
- :mod:`.runner`  the main process: plan, worker pool, JSONL chunks, manifest
- :mod:`.summary` progress bar and summary

>>> from paywall_cut import default_detector
>>> from paywall_cut.batch import BatchOptions, run_batch
>>> summary = run_batch(BatchOptions(("scraped",), "out", "clean"), default_detector())
"""

from __future__ import annotations

from .runner import BatchOptions, UsageError, run_batch
from .summary import Summary
from .work import DRY_RUN, IN_PLACE, OUT

__all__ = ["DRY_RUN", "IN_PLACE", "OUT", "BatchOptions", "Summary", "UsageError", "run_batch"]
