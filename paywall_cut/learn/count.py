"""Counting recurring lines per source in bounded memory (see :class:`LineCounter`)."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .lines import Observation
from .options import MIN_DF, SKETCH_DEPTH, SKETCH_WIDTH, TABLE_SIZE

ADMIT = 2  # a line enters the table once seen in this many documents of its source
ARTICLE_BITS = 1 << 27  # the filter of articles seen (16 MiB): ~0.5 % false repeats at 10M


class SeenFilter:
    """A Bloom filter: has this key been added before? (Never a false no; a false yes
    with probability ``(1 - exp(-4n / bits)) ** 4`` after ``n`` keys.)"""

    def __init__(self, bits: int = ARTICLE_BITS) -> None:
        if bits & (bits - 1):
            raise ValueError("the filter size must be a power of two")
        self.bits = bytearray(bits // 8)
        self.mask = bits - 1

    def add(self, key: int) -> bool:
        """Add ``key``; was it (probably) there already?"""
        h1, h2 = key & 0xFFFFFFFF, (key >> 32) | 1
        seen = True
        for r in range(4):
            i = (h1 + r * h2) & self.mask
            byte, bit = i >> 3, 1 << (i & 7)
            if not self.bits[byte] & bit:
                seen = False
                self.bits[byte] |= bit
        return seen


class Candidate:
    """A normalised line of one source that recurs: its counts and where it stood."""

    __slots__ = (
        "source",
        "norm",
        "raw",
        "df",
        "seen",
        "flags",
        "examples",
        "following",
        "categories",
        "key",
    )

    def __init__(self, key: int, source: int, norm: str, raw: str, df: int) -> None:
        self.key = key
        self.source = source
        self.norm = norm
        self.raw = raw  # the line as it stood the first time it was held
        self.df = df  # documents it occurs in (an upper bound: see LineCounter)
        self.seen = 0  # occurrences observed while held (what the shares are of)
        self.flags = [0] * 6  # per flag bit: occurrences with it
        self.examples: list[str] = []  # two document ids
        self.following: dict[int, int] = {}  # key of the next line -> times (at most 4)
        self.categories: Counter[str] = Counter()  # of the nearest built-in hits

    def observe(self, flags: int, category: str, doc_id: str, following: int | None) -> None:
        self.seen += 1
        for bit in range(6):
            if flags >> bit & 1:
                self.flags[bit] += 1
        if category:
            self.categories[category] += 1
        if len(self.examples) < 2 and doc_id not in self.examples:
            self.examples.append(doc_id)
        if following is not None:
            nxt = self.following
            if following in nxt or len(nxt) < 4:
                nxt[following] = nxt.get(following, 0) + 1
            else:  # Misra-Gries: a newcomer wears every held count down by one
                for k in list(nxt):
                    nxt[k] -= 1
                    if not nxt[k]:
                        del nxt[k]

    def share(self, flag: int) -> float:
        """Share of the observed occurrences that had ``flag``."""
        return self.flags[flag.bit_length() - 1] / self.seen if self.seen else 0.0


@dataclass
class SourceStats:
    id: int
    name: str
    docs: int = 0  # distinct documents (a republished article counts once)
    repeats: int = 0  # documents whose article the source had already published


class LineCounter:
    """Document frequency of normalised lines per source, in bounded memory.

    A corpus larger than memory holds far more distinct lines than can be counted
    exactly, and almost all of them (article text) occur once. So:

    - a **count-min sketch** (``depth`` rows of ``width`` 32-bit counters, conservative
      update) counts every (source, line) pair in fixed memory. It never undercounts;
      it overcounts only when pairs collide in every row;
    - a pair enters the **candidate table** once the sketch has seen it in ``admit``
      documents, with the sketch's count (an upper bound), and is counted exactly from
      then on, with where it stood, two example documents and the lines that follow it;
    - the table holds at most ``capacity`` lines; when full it drops the quarter with
      the smallest share of their source's documents (a space-saving style pruning:
      a line that recurs in a real share of its source keeps its place; a dropped line
      that comes back re-enters with the sketch's count, so its count stays an upper
      bound).

    - a **Bloom filter** of (source, article key) pairs (:class:`SeenFilter`, 16 MiB)
      recognises a document whose article its source has already published: such a
      repeat is counted as a repeat and its lines are not counted (a republished article
      is not a site's furniture, and its lines must not pass for recurring ones).

    Memory is the sketch (``width * depth * 4`` bytes), the filter, ``capacity``
    candidates and one small record per source: it does not grow with the number of
    documents.
    """

    def __init__(
        self,
        width: int = SKETCH_WIDTH,
        depth: int = SKETCH_DEPTH,
        capacity: int = TABLE_SIZE,
        admit: int = ADMIT,
        min_df: int = MIN_DF,
        article_bits: int = ARTICLE_BITS,
    ) -> None:
        if width & (width - 1):
            raise ValueError("the sketch width must be a power of two")
        self.width, self.depth = width, depth
        self.capacity = capacity
        self.admit = admit
        self.min_df = min_df
        self.sketch = array("I", [0]) * (width * depth)
        self.table: dict[int, Candidate] = {}
        self.sources: dict[str, SourceStats] = {}
        self.by_id: list[SourceStats] = []
        self.articles = SeenFilter(article_bits)
        self.documents = 0
        self.repeats = 0  # documents that repeated an article of their source
        self.lines = 0  # (document, distinct line) pairs counted
        self.admitted = 0
        self.dropped = 0
        self.peak = 0

    def add(
        self,
        source: str,
        doc_id: str,
        observations: Sequence[Observation],
        article: int | None = None,
    ) -> None:
        """Count one document's lines. A document whose ``article`` (key of its first
        paragraph) its source has already published is a repeat: counted as such, its
        lines not at all (a republished article's lines are not a site's furniture)."""
        stats = self.sources.get(source)
        if stats is None:
            stats = self.sources[source] = SourceStats(len(self.by_id), source)
            self.by_id.append(stats)
        self.documents += 1
        sid = stats.id
        if article is not None and self.articles.add(hash((sid, article))):
            stats.repeats += 1
            self.repeats += 1
            return
        stats.docs += 1
        keys = [hash((sid, o[1])) for o in observations]
        done: set[int] = set()
        for i, (obs, key) in enumerate(zip(observations, keys)):
            if key in done:
                continue  # document frequency: once per document
            done.add(key)
            self.lines += 1
            estimate = self._count(key)
            cand = self.table.get(key)
            if cand is None:
                if estimate < self.admit:
                    continue
                cand = self.table[key] = Candidate(key, sid, obs[1], obs[2], estimate)
                self.admitted += 1
                if len(self.table) > self.capacity:
                    self._prune()
            else:
                cand.df += 1
            nxt = observations[i + 1] if i + 1 < len(observations) else None
            following = keys[i + 1] if nxt is not None and nxt[0] == obs[0] + 1 else None
            cand.observe(obs[3], obs[4], doc_id, following)

    def _count(self, key: int) -> int:
        """Add one to ``key`` in the sketch (conservative update); its new estimate."""
        sketch, width, mask = self.sketch, self.width, self.width - 1
        h1, h2 = key & 0xFFFFFFFF, (key >> 32) | 1
        cells = [((h1 + r * h2) & mask) + r * width for r in range(self.depth)]
        estimate = min(sketch[c] for c in cells) + 1
        if estimate > 0xFFFFFFFF:
            return estimate - 1
        for c in cells:
            if sketch[c] < estimate:
                sketch[c] = estimate
        return estimate

    def _prune(self) -> None:
        self.peak = max(self.peak, len(self.table))
        docs = self.by_id
        floor = self.min_df

        def priority(c: Candidate) -> tuple[float, int]:
            return (c.df / max(docs[c.source].docs, floor), c.df)

        ranked = sorted(self.table.values(), key=priority, reverse=True)
        keep = ranked[: self.capacity * 3 // 4]
        self.dropped += len(ranked) - len(keep)
        self.table = {c.key: c for c in keep}

    def candidates(self, min_df: int, min_share: float) -> list[Candidate]:
        """The lines that recur in ``min_df`` documents and ``min_share`` of their source."""
        self.peak = max(self.peak, len(self.table))
        out = []
        for c in self.table.values():
            docs = self.by_id[c.source].docs
            if c.df >= min_df and c.df >= min_share * docs and c.seen:
                out.append(c)
        out.sort(key=lambda c: (self.by_id[c.source].name, -c.df, c.norm))
        return out

    def memory(self) -> dict[str, int]:
        """What the structures hold (for the report)."""
        return {
            "sketch_bytes": len(self.sketch) * self.sketch.itemsize,
            "article_filter_bytes": len(self.articles.bits),
            "repeats": self.repeats,
            "table_capacity": self.capacity,
            "table_peak": self.peak,
            "admitted": self.admitted,
            "dropped": self.dropped,
        }
