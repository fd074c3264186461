"""What the fuzz targets check, without atheris (the test suite replays inputs with these).

Each ``check_*`` function takes the fuzzer's bytes and raises AssertionError (or any other
exception: a crash) when paywall-cut misbehaves. The first byte chooses a variant (file name
or output format); the rest is the input.

- :func:`check_text`: ``formats.process`` on the bytes as a text, Markdown, JSONL or gzip
  file may raise only ``InputError``; an unchanged input comes back as the very same bytes.
  Then the bytes as a ``str`` (invalid UTF-8 as lone surrogates): ``cut`` keeps a byte-exact
  subsequence of the lines, cutting twice equals cutting once, and the hyperscan and
  pure-Python scanners give the same result.
- :func:`check_html`: ``formats.process`` on the bytes as an HTML page, output HTML or text,
  may raise only ``InputError``; the kept lines are reported consistently, and a cleaned page
  can be cleaned again.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import lru_cache, wraps

from paywall_cut import Detector
from paywall_cut.document import Document
from paywall_cut.files import InputError
from paywall_cut.formats import process

TEXT_NAMES = ("doc.txt", "doc.md", "doc", "doc.jsonl", "doc.txt.gz", "-")


class TargetFailed(Exception):
    """A check failed; its traceback is already on stderr."""


def reported(check: Callable[[bytes], None]) -> Callable[[bytes], None]:
    """``check`` for atheris: any exception (SystemExit included) is printed here, then
    raised again as a plain ``TargetFailed``.

    atheris cannot print an exception whose message holds a lone surrogate (the text checks
    decode with ``surrogateescape``, so messages can): it then exits with "fuzz target
    exited" and no traceback at all, and a SystemExit is reported the same way. Python's
    stderr writes surrogates as backslash escapes, so the traceback printed here always
    arrives."""

    @wraps(check)
    def run(data: bytes) -> None:
        try:
            check(data)
        except BaseException as exc:
            print("=== the fuzz target failed ===", file=sys.stderr)
            traceback.print_exception(exc, file=sys.stderr)
            sys.stderr.flush()
            raise TargetFailed(type(exc).__name__) from None

    return run


@lru_cache(maxsize=1)
def detectors() -> tuple[Detector, Detector]:
    """(accelerated, pure Python): the same rules and settings."""
    return Detector(accelerate=True), Detector(accelerate=False)


def check_text(data: bytes) -> None:
    if not data:
        return
    fast, slow = detectors()
    name, body = TEXT_NAMES[data[0] % len(TEXT_NAMES)], data[1:]
    try:
        processed = process(body, name, fast)
    except InputError:
        pass
    else:
        assert isinstance(processed.data, bytes)
        if not processed.changed:
            assert processed.data == body
    text = body.decode("utf-8", "surrogateescape")
    check_cut(text, fast, slow)


def check_cut(text: str, fast: Detector, slow: Detector) -> None:
    """The invariants of cutting one string."""
    result = fast.cut(text)
    doc = Document.from_text(text)
    assert len(result.keep) == len(doc.lines) == result.lines_total
    assert result.text == (doc.text(result.keep) if result.changed else text)
    assert result.text == doc.bom + "".join(
        a + b for a, b, k in zip(doc.lines, doc.endings, result.keep) if k
    )
    again = fast.cut(result.text)
    assert again.text == result.text, "cutting twice differs from cutting once"
    other = slow.cut(text)
    assert other.keep == result.keep and other.to_dict() == result.to_dict(), "scanners differ"


def check_html(data: bytes) -> None:
    if not data:
        return
    fast, _ = detectors()
    output = "html" if data[0] & 1 else "text"
    body = data[1:]
    try:
        processed = process(body, "page.html", fast, output_format=output)
    except InputError:
        return
    result = processed.results[0]
    assert len(result.keep) == result.lines_total
    assert result.lines_kept == sum(result.keep)
    if output == "html" and processed.changed:
        process(processed.data, "page.html", fast, output_format="html")
    elif output == "html":
        assert processed.data == body
