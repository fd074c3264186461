"""The datatrove step, in a real datatrove pipeline (skipped when datatrove is missing)."""

from __future__ import annotations

import gzip
import json
import pickle
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from paywall_cut import cut  # noqa: E402
from paywall_cut.integrations.datatrove import PaywallCut  # noqa: E402

from .conftest import FIXTURES, load_jsonl  # noqa: E402

SHARDS = 4


def _documents() -> list[dict]:
    """Every fixture case as a record, plus two records left with nothing editorial."""
    docs = []
    for path in sorted((FIXTURES / "cases").glob("*.jsonl")):
        for case in load_jsonl(path):
            text = "\n".join(t for _, t in case["lines"]) + "\n"
            docs.append({"id": case["id"], "text": text, "kind": case["kind"]})
            prompt = [t for label, t in case["lines"] if label == "B"]
            if case["kind"] == "tail" and len(prompt) >= 4 and len(docs) < 60:
                only = "\n".join(prompt) + "\n"
                docs.append({"id": case["id"] + "-prompt-only", "text": only, "kind": "wall"})
    return docs


def _step_stats(logging_dir: Path) -> dict:
    blocks = json.loads((logging_dir / "stats.json").read_text(encoding="utf-8"))
    (mine,) = [b for b in blocks if "paywall-cut" in b["name"]]
    return {k: v["total"] if isinstance(v, dict) else v for k, v in mine["stats"].items()}


def test_a_local_pipeline_with_two_tasks_and_two_workers(tmp_path: Path) -> None:
    docs = _documents()
    source = tmp_path / "in"
    source.mkdir()
    for k in range(SHARDS):
        with open(source / f"shard-{k}.jsonl", "w", encoding="utf-8") as fh:
            for d in docs[k::SHARDS]:
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    logs = tmp_path / "logs"
    LocalPipelineExecutor(
        [
            JsonlReader(str(source)),
            PaywallCut(drop_empty=True),
            JsonlWriter(str(tmp_path / "out")),
        ],
        tasks=2,
        workers=2,
        logging_dir=str(logs),
    ).run()

    written = {}
    for path in sorted((tmp_path / "out").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                written[record["id"]] = record
    assert len(list((tmp_path / "out").glob("*.jsonl.gz"))) == 2  # one file per task

    expected = {d["id"]: cut(d["text"]) for d in docs}
    dropped = {i for i, r in expected.items() if r.changed and not r.text.strip()}
    assert len(dropped) >= 2
    assert set(written) == set(expected) - dropped
    categories: Counter[str] = Counter()
    for d in docs:
        result = expected[d["id"]]
        for c in result.cuts:
            categories.update(c.categories)
        if d["id"] in dropped:
            continue
        out = written[d["id"]]
        assert out["text"] == result.text
        assert out["metadata"]["paywall_cut"] == result.to_dict()
        assert out["metadata"]["kind"] == d["kind"]  # the record's other fields travel on

    stats = _step_stats(logs)
    changed = [r for r in expected.values() if r.changed]
    assert stats["total"] == len(docs)
    assert stats["changed"] == len(changed)
    assert stats["dropped"] == stats["dropped_empty"] == len(dropped)
    assert stats["forwarded"] == len(docs) - len(dropped)
    assert stats["chars_total"] == sum(r.chars_total for r in expected.values())
    assert stats["chars_cut"] == sum(r.chars_cut for r in changed)
    assert stats["truncated"] == sum(r.truncated for r in changed)
    assert {k[4:]: v for k, v in stats.items() if k.startswith("cut_")} == dict(categories)


def test_the_detector_is_built_lazily_and_never_pickled() -> None:
    step = PaywallCut()
    assert step._detector is None
    list(step.run(iter([Document("Subscribe to continue reading.\n", "a")])))
    assert step._detector is not None
    clone = pickle.loads(pickle.dumps(step))
    assert clone._detector is None
    assert clone.ruleset.by_id().keys() == step.ruleset.by_id().keys()


SITE_RULES = """
lang = "site"
[[rules]]
id = "SITE001"
category = "membership-appeal"
weight = 3.5
whole_line = true
description = "The Ledger's own pitch."
patterns = ['''the harbour ledger relies on members, become one today''']
examples.positive = ["The Harbour Ledger relies on members, become one today."]
examples.negative = ["The Harbour Ledger relies on advertising."]
"""


def test_options_rule_files_metadata_key_threshold_and_exclusions(tmp_path: Path) -> None:
    rules = tmp_path / "site.toml"
    rules.write_text(SITE_RULES, encoding="utf-8")
    article = "Harbour dredging starts in May, the port authority said on Monday.\n"
    pitch = "The Harbour Ledger relies on members, become one today.\n"
    docs = [Document(article + pitch, "a"), Document(pitch, "b"), Document(article, "c")]

    plain = PaywallCut(languages=["en"], metadata_key=None)
    out = list(plain.run(iter([Document(d.text, d.id) for d in docs])))
    assert [d.text for d in out] == [d.text for d in docs]  # no built-in rule knows it
    assert all(d.metadata == {} for d in out)

    excluded = []

    class Writer:  # the part of a datatrove writer the step uses
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, doc, rank=0):
            excluded.append(doc.id)

    step = PaywallCut(
        languages=["en"],
        rule_files=[rules],
        metadata_key="pc",
        drop_empty=True,
        exclusion_writer=Writer(),
    )
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["a", "c"]
    assert excluded == ["b"]
    assert out[0].text == article
    assert out[0].metadata["pc"]["cuts"][0]["rules"] == ["SITE001"]

    strict = PaywallCut(languages=["en"], rule_files=[rules], threshold=9.0)
    assert strict.settings.decide.threshold == 9.0
    kept = list(strict.run(iter([Document(article + pitch, "a")])))
    assert kept[0].text == article + pitch  # a very high threshold cuts nothing


def test_a_bad_rule_file_fails_when_the_step_is_built(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('lang = "site"\n[[rules]]\nid = "nope"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.toml"):
        PaywallCut(rule_files=[bad])
