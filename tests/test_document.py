from __future__ import annotations

import pytest

from paywall_cut.document import Document

TEXTS = [
    "",
    "a",
    "a\n",
    "a\nb",
    "a\r\nb\r\n",
    "a\rb\r",
    "\ufeffx\ny\n\n",
    "\n\n\n",
    "mixed\r\nends\nhere\r",
    "unicode line\u2028separator stays inside\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_is_exact(text: str) -> None:
    assert Document.from_text(text).text() == text


def test_kept_lines_keep_their_own_endings() -> None:
    doc = Document.from_text("\ufeffone\r\ntwo\r\nthree")
    assert doc.lines == ("one", "two", "three")
    assert doc.text([True, False, True]) == "\ufeffone\r\nthree"
    assert doc.text([True, True, False]) == "\ufeffone\r\ntwo\r\n"
    assert doc.newline == "\r\n"


def test_line_numbers_match_an_editor() -> None:
    doc = Document.from_text("a\n\nb\n")
    assert len(doc) == 3 and doc.lines[2] == "b"
