"""Chinese and Japanese (CJK) text: the ja and zh packs, and what the line evidence does
for text without spaces between words (``evidence.py``: effective length, CJK shape words
looked up as substrings, 。！？ ending a sentence)."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from paywall_cut import Detector
from paywall_cut.detector import Settings
from paywall_cut.evaluate import case_text, load_cases, score
from paywall_cut.evidence import _CJK, EvidenceParams, EvidenceReader, Lexicon
from paywall_cut.rules import Shape, load_rules

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def cut_lines(detector: Detector, lines: list[str]) -> list[str]:
    result = detector.cut("\n".join(lines) + "\n")
    return [line for line, keep in zip(lines, result.keep) if not keep]


# A Japanese article with a newsletter box; the article goes on after it with two short
# sentences (short in characters, whole sentences in content). Before the effective
# length, both were cut with the box: as 30-odd characters they scored like buttons.
JA_ARTICLE = [
    "熱中症の救急搬送、7月は過去最多　高齢者が半数以上",
    "消防局のまとめで、7月に熱中症の疑いで救急搬送された人は412人に上り、"
    "記録が残る2008年以降で最も多かった。65歳以上が全体の56%を占めた。",
    "消防局の担当者は、エアコンがあっても電気代を気にして使わない高齢者が少なくないと指摘する。",
]
JA_BOX = [
    "ニュースレター「まちの朝刊」",
    "毎朝7時、その日に知っておきたい地域のニュースをメールでお届けします。",
    "メールアドレス",
    "登録する",
    "配信はいつでも停止できます。",
]
JA_AFTER = [
    "市は8月から、公民館など32カ所を「涼みどころ」として開放している。",
    "市は今月末までに、利用状況をまとめて公表する。",
]

# A Hong Kong report (traditional Chinese) with a donation box inside and a meter wall at
# the end; a paragraph of 67 characters and the start of the next (cut off by the wall)
# stand between them. Before, both were cut to join the two prompt regions into one.
ZH_HEAD = [
    "劏房租金管制實施一年　租戶：加租少了，維修卻更難",
    "在深水埗住了八年的陳太說，去年續約只加了三百元，可是廁所天花漏水半年，業主一直推說沒錢修。",
]
ZH_BOX = ["支持我們", "你的每一筆贊助，都讓我們能繼續調查報導。", "單次捐款", "每月捐款"]
ZH_MIDDLE = [
    "房屋局回覆查詢時表示，租戶如遇上業主不履行維修責任，可向差餉物業估價署求助，"
    "署方去年共處理約一千二百宗相關查詢，較前年增加近三成。",
    "關注劏房問題的社區組織幹事李嘉明認為，條例只管租金，卻沒有訂明維修責任，",
]
ZH_WALL = ["您本月的免費閱讀額度已用完", "成為會員，解鎖全部內容", "已是會員？立即登入"]


def test_a_japanese_article_keeps_every_line_around_a_newsletter_box(detector) -> None:
    assert cut_lines(detector, JA_ARTICLE + JA_BOX + JA_AFTER) == JA_BOX


def test_a_chinese_article_keeps_a_paragraph_between_two_prompts(detector) -> None:
    lines = ZH_HEAD + ZH_BOX + ZH_MIDDLE + ZH_WALL
    assert cut_lines(detector, lines) == ZH_BOX + ZH_WALL
    assert detector.cut("\n".join(lines) + "\n").truncated


def test_without_the_effective_length_the_editorial_lines_went_with_the_box() -> None:
    # the same documents read with a CJK character counting as one Latin letter
    plain = Detector(settings=Settings(evidence=EvidenceParams(cjk_weight=1.0)))
    assert set(JA_AFTER) <= set(cut_lines(plain, JA_ARTICLE + JA_BOX + JA_AFTER))
    assert set(ZH_MIDDLE) <= set(cut_lines(plain, ZH_HEAD + ZH_BOX + ZH_MIDDLE + ZH_WALL))


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_the_cjk_fixtures_are_all_perfect(lang: str, detector) -> None:
    scores = score(load_cases([CASES / f"{lang}.jsonl"]), detector.cut)
    figures = scores.figures()
    assert figures["perfect_docs"] == 1.0, [m.id for m in scores.misses]
    assert figures["truncation_accuracy"] == 1.0


def test_effective_length_counts_cjk_characters_only() -> None:
    reader = EvidenceReader(load_rules(["en"]))
    assert reader.length_of("Subscribe to continue reading.") == 30
    assert reader.length_of("Abonnez-vous à notre newsletter") == 31  # non-ASCII, no CJK
    assert reader.length_of("残り2本") == 8  # 3 x 2.5 for the CJK characters, the digit once
    assert reader.length_of("订阅以后阅读全文") == 8 * 2.5
    assert reader.length_of("한국어 기사") == 6  # Hangul is written with spaces: as is


def test_cjk_shape_words_are_found_inside_a_sentence() -> None:
    lex = Lexicon(
        Shape(
            second_person=("you", "您"),
            first_plural=("we",),
            cta_verbs=("subscribe", "立即"),
            reporting=("said", "表示"),
        )
    )
    assert lex.second is not None and lex.reporting is not None
    assert lex.second.search("您本月的免费阅读额度已用完")
    assert lex.reporting.search("该报社长表示，订阅人数增长了两成。")
    assert not lex.second.search("你好")
    assert lex.opens_with_cta("立即订阅")
    assert not lex.opens_with_cta("订阅立即")
    # whole words elsewhere, as before
    assert lex.second.search("Are you in?") and not lex.second.search("the young")
    assert lex.opens_with_cta("Subscribe") and not lex.opens_with_cta("subscribers")


def _has_cjk(case: dict) -> bool:
    return _CJK.search(case_text(case)) is not None


def test_text_without_cjk_is_read_exactly_as_before() -> None:
    """Every fixture document without a CJK character gets the same score on every line
    with the CJK weight as without it (the other CJK changes cannot see such text)."""
    files = sorted(glob.glob(str(CASES / "*.jsonl")))
    cases = [c for c in load_cases(files) if not _has_cjk(c)]
    assert len(cases) > 200
    with_weight = Detector()
    without = Detector(settings=Settings(evidence=EvidenceParams(cjk_weight=1.0)))
    for case in cases:
        text = case_text(case)
        a, b = with_weight.cut(text, explain=True), without.cut(text, explain=True)
        assert a.keep == b.keep, case["id"]
        assert [r.x for r in a.line_reports] == [r.x for r in b.line_reports], case["id"]


def test_cjk_fixture_ids_and_labels() -> None:
    for lang in ("ja", "zh"):
        cases = [
            json.loads(line)
            for line in (CASES / f"{lang}.jsonl").read_text("utf-8").split("\n")
            if line
        ]
        kinds = [c["kind"] for c in cases]
        assert len(cases) == 6 and kinds.count("negative") == 2 and kinds.count("tail") == 2
        assert all(c["lang"] == lang and c["id"].startswith(f"{lang}-") for c in cases)


# Known problem of the core, outside evidence.py: unwrap.py reads a document as hard-wrapped
# when most line breaks would have had no room for the next line's first word, and a CJK
# line's "first word" is the whole line (no spaces). A CJK article with paragraphs of
# 40-120 characters is then read as one logical line: here the paywall notice joins the
# article and is kept. Remove the mark once unwrap.py treats a CJK line as breakable after
# any character.
JA_SHORT_PARAGRAPHS = [
    "市立図書館、来年度から開館時間を延長　平日は午後9時まで",
    "市教育委員会は、市立中央図書館の平日の開館時間を来年4月から午後9時まで延長すると発表した。"
    "仕事帰りの利用者の要望に応える。",
    "現在は午後7時に閉館しており、利用者アンケートでは約6割が「もっと遅くまで開いていてほしい」と答えていた。",
    "延長に伴い、夜間の窓口業務は民間事業者に委託する。人件費などで年間約2400万円の増額を見込んでいる。",
    "同図書館の年間来館者は約58万人で、コロナ禍前の水準をほぼ回復した。学習スペースの席数も増やす予定だ。",
    "一方、地区図書館の開館時間は当面変更しない。市は利用状況を見ながら、段階的な拡大を検討するという。",
]
JA_SHORT_WALL = [
    "この記事は有料記事です。残り812文字（全文1350文字）",
    "有料会員になると続きをお読みいただけます。",
]


def test_short_cjk_paragraphs_are_not_read_as_one_wrapped_paragraph(detector) -> None:
    """A CJK line's "first word" is its first character (unwrap.py): read as the whole
    line, every break looked soft and the paywall notice joined the article's paragraph."""
    assert cut_lines(detector, JA_SHORT_PARAGRAPHS + JA_SHORT_WALL) == JA_SHORT_WALL


@pytest.mark.parametrize(
    "last, truncated, reason",
    [
        ("那么，这笔资金究竟从哪里来？", True, "the article stops on an unanswered question"),
        ("据了解，首期工程将于明年春季开工，", True, "the article stops mid-sentence"),
        ("工程预计于二〇二八年完工。", False, None),
    ],
)
def test_truncation_reads_full_width_punctuation(
    detector, last: str, truncated: bool, reason: str | None
) -> None:
    """A closing prompt that says nothing of hidden text: how the article's last kept line
    ends decides, with ？ and ，as with ? and , (decide._truncation)."""
    article = "市政府周二公布了新的交通规划，计划在未来五年内新建三条地铁线路，并调整公交网络。\n\n"
    result = detector.cut(article + last + "\n\n订阅会员，解锁全部内容\n立即订阅\n")
    assert result.text == article + last + "\n"
    assert (result.truncated, result.truncation_reason) == (truncated, reason)


def test_a_cjk_paragraph_after_a_box_makes_it_inline_not_the_tail(detector) -> None:
    """What follows the last prompt region is measured as the evidence measures lines
    (a CJK character counts cjk_weight letters): a 48-character Chinese paragraph is about
    120 letters of text, an article paragraph, not the few short lines a closing prompt
    leaves after it. Counted as 48 letters, the newsletter box was taken for the tail."""
    article = (
        "市政府周二公布了新的交通规划，计划在未来五年内新建三条地铁线路，"
        "并对现有公交网络进行全面调整。\n\n"
    )
    last = (
        "专家表示，新线路将缓解城北地区的通勤压力，"
        "但沿线的拆迁补偿和施工期间的交通组织问题仍需妥善解决。\n"
    )
    box = "订阅我们的电子报，每天早上发送到您的邮箱。\n立即订阅\n\n"
    result = detector.cut(article + box + last)
    assert result.text == article + last
    assert (result.position, result.boundary, result.truncated) == ("inline", None, False)
