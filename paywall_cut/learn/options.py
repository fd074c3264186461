"""The options of a learning run, and their defaults (documented in docs/learn.md)."""

from __future__ import annotations

from dataclasses import dataclass

MIN_DF = 10  # a learned line occurs in at least this many documents of its source
MIN_SHARE = 0.05  # ... and in at least this share of them
MAX_LINE = 300  # longer lines are article text, never learned
LEARN_SCORE = 1.5  # a line with this prompt score is learned on its own
PREFIX = "LRN"
SKETCH_WIDTH = 1 << 22  # counters per sketch row (4 rows of 4 bytes: 64 MiB)
SKETCH_DEPTH = 4
TABLE_SIZE = 100_000  # candidate lines held at most


@dataclass
class LearnOptions:
    """Thresholds, sizes and inputs of a learning run."""

    min_df: int = MIN_DF
    min_share: float = MIN_SHARE
    max_line: int = MAX_LINE
    learn_score: float = LEARN_SCORE
    prefix: str = PREFIX
    lang: str = "site"
    sketch_width: int = SKETCH_WIDTH
    table_size: int = TABLE_SIZE
    field: str = "text"  # JSONL: the text field
    source_key: str | None = None  # JSONL: the field naming a record's source
    id_key: str = "id"  # JSONL: the field naming a record
    source_depth: int = 1  # folders under PATH that name a file's source
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    skip_dirs: tuple[str, ...] = ()  # folders not walked (clean's --out DIR)
    jobs: int = 1
