"""JSON Lines records: one field cleaned, everything else kept byte for byte."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest

from paywall_cut import default_detector
from paywall_cut.files import InputError
from paywall_cut.formats import detect_format, process
from paywall_cut.jsonl import JsonlError, JsonlOptions, JsonlStats, clean_bytes, clean_lines

from .conftest import SEED

SEED_LINES = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
ARTICLE = "".join(SEED_LINES[:11])  # nothing to cut
PAGE = "".join(SEED_LINES)  # article + pitch: the pitch is cut
PITCH = "".join(SEED_LINES[12:])  # nothing but the pitch: cut entirely


def clean(data: bytes, **options):
    return clean_bytes(data, default_detector(), JsonlOptions(**options), details=True)


def test_untouched_records_keep_their_exact_bytes() -> None:
    # odd spacing, escapes, key order, CRLF, a float written oddly: none may change
    lines = [
        b'{ "text" :"' + json.dumps(ARTICLE)[1:-1].encode() + b'",  "n": 1.50e1 }\r\n',
        b'{"z": 1, "text": "caf\\u00e9 \\ud83d\\ude00", "a": [1,2]}\n',
        b"\n",
        b'{"text": "no newline at the end"}',
    ]
    data = b"".join(lines)
    out, stats = clean(data)
    assert out == data
    assert stats.records == 3 and stats.changed == 0 and stats.skipped == 0


def test_cut_record_keeps_other_fields_order_style_and_line_ending() -> None:
    compact = json.dumps({"id": "a", "text": PAGE, "meta": {"é": 1}}, ensure_ascii=False)
    spaced = json.dumps({"url": "u", "text": PAGE})
    data = compact.encode() + b"\r\n" + spaced.encode() + b"\n"
    out, stats = clean(data.replace(b'", "', b'","').replace(b'": ', b'":'))
    first, second = out.split(b"\r\n")
    rec = json.loads(first)
    assert list(rec) == ["id", "text", "meta"] and rec["meta"] == {"é": 1}
    assert rec["text"] == ARTICLE
    assert b'":' in first and b'": ' not in first  # compact stays compact
    assert "é".encode() in first  # raw UTF-8 stays raw
    assert stats.cut == 2 and stats.chars_cut == 2 * (len(PAGE) - len(ARTICLE))
    assert stats.rules and stats.records_detail[0]["id"] == "a"
    # the spaced, ASCII-escaped style is kept too
    out, _ = clean(data)
    assert out.split(b"\r\n")[1] == json.dumps({"url": "u", "text": ARTICLE}).encode() + b"\n"


def test_report_field_and_idempotence() -> None:
    data = (json.dumps({"text": PAGE}) + "\n" + json.dumps({"text": ARTICLE}) + "\n").encode()
    once, stats = clean(data, report_field="pc")
    records = [json.loads(line) for line in once.splitlines()]
    assert records[0]["pc"]["cuts"][0]["start"] == 13
    assert records[1]["pc"]["changed"] is False  # every record gets its report
    assert stats.changed == 2 and stats.cut == 1
    twice, stats = clean(once, report_field="pc")
    assert twice == once and stats.changed == 0
    plain, _ = clean(data)
    assert clean(plain)[0] == plain


def test_drop_empty_drops_records_that_were_all_prompt() -> None:
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate([PAGE, PITCH]))
    data += json.dumps({"id": 2, "text": ""}) + "\n"  # empty on arrival: not ours to drop
    out, stats = clean(data.encode(), drop_empty=True)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0, 2]
    assert stats.dropped == 1 and [d["status"] for d in stats.records_detail] == [
        "cleaned",
        "dropped",
    ]
    out, stats = clean(data.encode())
    assert len(out.splitlines()) == 3 and json.loads(out.splitlines()[1])["text"] == ""


def test_records_without_a_string_field_are_kept_and_reported() -> None:
    lines = [
        json.dumps({"body": PAGE}),
        json.dumps({"text": None}),
        json.dumps({"text": ["a"]}),
        json.dumps([1, 2]),
        json.dumps({"text": PAGE}),
    ]
    data = ("\n".join(lines) + "\n").encode()
    out, stats = clean(data)
    assert out.splitlines()[:4] == data.splitlines()[:4]
    assert stats.skipped == 4 and stats.cut == 1
    assert [n for n, _ in stats.warnings] == [1, 2, 3, 4]
    assert "no field 'text'" in stats.warnings[0][1]
    assert "null, not a string" in stats.warnings[1][1]
    assert "list, not an object" in stats.warnings[3][1]
    out, stats = clean(data, field="body")
    assert json.loads(out.splitlines()[0])["body"] == ARTICLE and stats.skipped == 4


def test_a_line_that_is_not_json_is_an_error_with_its_line_number() -> None:
    data = b'{"text": "a"}\n\n{"text": oops}\n'
    with pytest.raises(JsonlError) as e:
        clean(data)
    assert e.value.line == 3 and "not JSON" in e.value.reason
    with pytest.raises(JsonlError) as e:
        list(clean_lines([b"\xff\xfe{}\n"], default_detector(), JsonlOptions(), JsonlStats()))
    assert e.value.line == 1
    with pytest.raises(InputError, match=r"^corpus\.jsonl:3: not JSON"):
        process(data, "corpus.jsonl", default_detector())


def test_chunks_number_their_lines_from_first_line() -> None:
    with pytest.raises(JsonlError) as e:
        clean_bytes(b"{}\nnope\n", default_detector(), JsonlOptions(), first_line=101)
    assert e.value.line == 102


def test_bom_on_the_first_line_is_kept() -> None:
    data = codecs.BOM_UTF8 + (json.dumps({"text": PAGE}) + "\n").encode()
    out, stats = clean(data)
    assert out.startswith(codecs.BOM_UTF8) and stats.cut == 1
    assert json.loads(out[3:])["text"] == ARTICLE


def test_process_handles_jsonl_and_gzip_of_any_format() -> None:
    det = default_detector()
    assert detect_format("a.jsonl", b"") == "jsonl" and detect_format("a.ndjson.gz", b"") == "jsonl"
    data = (json.dumps({"text": PAGE}) + "\n").encode()
    p = process(data, "a.jsonl", det)
    assert p.changed and p.format == "jsonl" and p.report["records"]["cut"] == 1
    assert p.report["cut_records"][0]["line"] == 1
    gz = gzip.compress(data)
    p = process(gz, "a.jsonl.gz", det)
    assert p.changed and json.loads(gzip.decompress(p.data))["text"] == ARTICLE
    assert p.report["compression"] == "gzip" and p.report["source"] == "a.jsonl.gz"
    untouched = gzip.compress(ARTICLE.encode())
    p = process(untouched, "a.txt.gz", det)
    assert not p.changed and p.data == untouched  # the very same compressed bytes
    with pytest.raises(InputError, match="not valid gzip"):
        process(b"\x1f\x8b\x08\x00garbage", "b.txt.gz", det)
