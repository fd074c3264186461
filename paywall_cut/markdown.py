"""The words a reader sees of a Markdown line: what the rules are matched against.

Scrapers that write Markdown wrap a prompt's words in markup the reader never sees:
``[Subscribe now](https://example.com/subscribe?src=wall)`` reads "Subscribe now",
``**Sign up** for our newsletter`` reads "Sign up for our newsletter". A rule that must
fill its line, or that stops at a URL, would miss them. So the evidence stage reads each
line's *visible text*: links and images give their text, emphasis markers go. The output
is never affected: a line is kept or cut whole, byte for byte.

Only unambiguous inline markup is read; everything else (block markers such as ``#``,
``>`` and bullets are decoration the rules already skip) is left as it is, and a line
without markup is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# [text](url "title"), ![alt](url), [text][ref]: the text. A URL may hold one level of
# balanced parentheses (Wikipedia links) and be written in angle brackets.
_URL = r"<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*"
_TITLE = r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?"""
_LINK = re.compile(rf"!?\[([^\[\]\n]*)\]\(\s*(?:{_URL}){_TITLE}\s*\)")
_REFERENCE = re.compile(r"!?\[([^\[\]\n]+)\]\[[^\[\]\n]*\]")
# **strong**, __strong__, *emphasis*, _emphasis_: the markers hug the words inside, and
# single ones must not touch a word outside (2*3*4, snake_case_name stay)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")


def has_markup(text: str) -> bool:
    """Could the text hold inline Markdown markup? (Cheap: a few substring tests.)"""
    return "*" in text or "_" in text or "](" in text or "][" in text


def visible(line: str) -> str:
    """The line as a reader of the rendered Markdown sees it (unchanged without markup).

    A line whose markup hides every word (an image without alt text) is returned as it
    is: it has no visible words to judge, and its raw form keeps its length.
    """
    text = line
    for _ in range(2):  # a linked image: the image inside the link first
        text = _LINK.sub(r"\1", text)
    text = _REFERENCE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _UNDERSCORE.sub(r"\1", text)
    return text if text.strip() or not line.strip() else line


def visible_lines(lines: Sequence[str], joined: str | None = None) -> Sequence[str]:
    """:func:`visible` of every line; the same sequence when the document (``joined``,
    the lines joined by newlines, when the caller has it) has no markup."""
    if not has_markup("\n".join(lines) if joined is None else joined):
        return lines
    return [visible(line) if has_markup(line) else line for line in lines]
