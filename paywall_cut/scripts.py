"""Writing systems: the Unicode ranges of the letters (and marks) that the rules, the
prefilter, the evidence and the unwrapping tell apart, named once.

Each range is written for use inside a character class (``f"[{KANA}{HAN}]"``); the
modules that read them choose the ranges they mean: Korean has spaces between words, so
the measures of Chinese and Japanese text leave out hangul, and only line breaking cares
about punctuation.
"""

from __future__ import annotations

import re

KANA = "\u3040-\u30ff"  # hiragana and katakana
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs: extension A, unified, compatibility
HAN_SUPPLEMENT = "\U00020000-\U0002fa1f"  # ideographs of the supplementary planes
HANGUL = "\uac00-\ud7af"  # Korean syllables
CJK_PUNCTUATION = "\u3000-\u303f"  # ideographic space and stop, brackets 「」, 、
FULLWIDTH_FORMS = "\uff01-\uff60"  # ！（），： and fullwidth Latin letters and digits
CYRILLIC = "\u0400-\u052f"
GREEK = "\u0370-\u03ff\u1f00-\u1fff"

# a letter of each script a rule's words may need (rules/literals.py counts a CJK one as
# two toward a trigger word's length; prefilter.py keeps patterns that need one apart)
LETTERS = {
    "cyrillic": re.compile(f"[{CYRILLIC}]"),
    "greek": re.compile(f"[{GREEK}]"),
    "cjk": re.compile(f"[{KANA}{HAN}{HANGUL}]"),
}
