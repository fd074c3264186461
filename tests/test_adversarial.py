"""Hostile input: each test bounds the *work*, not the wall-clock time.

Work is bounded in one of two ways, both within a single run:

- **growth**: the same operation on a small and a large input of the same shape; the time
  ratio must stay near the size ratio (linear), far below its square (quadratic);
- **counts**: operations counted (rule regex calls) against what the input holds.

Inputs: a 10 MB single line; 1,000,000 short lines; lines repeating a rule's own words
(regex backtracking, every built-in pattern); HTML nested 100,000 levels deep; a JSONL file
with one large record (memory stays bounded by the record, not the file); zero-width, bidi
and soft-hyphen characters and look-alike letters inside prompt words.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from paywall_cut import Detector, cut, load_rules
from paywall_cut.files import InputError
from paywall_cut.formats import process
from paywall_cut.html.output import _START_TAG
from paywall_cut.rules import RuleError, RuleSet, _strip_decoration, fold, load_file
from paywall_cut.rules.redos import MAX_RUN, backtracking_risk, bound_repeats

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
FAST = Detector(accelerate=True)
SLOW = Detector(accelerate=False)
PARA = (
    "The committee met on Tuesday to discuss the budget, and the minister said the plan "
    "would go ahead. "
)


def best_time(fn: Callable[[], object], repeat: int = 2) -> float:
    """The least CPU time (seconds) of ``repeat`` runs of ``fn``: the CPU time of this
    process, so that other processes on the machine do not count."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def growth(fn: Callable[[str], object], small: str, large: str, repeat: int = 2) -> float:
    """How much longer ``fn`` takes on ``large`` than on ``small``, in multiples of the size
    ratio (about 1 when the work is linear; the size ratio itself when it is quadratic)."""
    t_small = best_time(lambda: fn(small), repeat)
    t_large = best_time(lambda: fn(large), repeat)
    return (t_large / max(t_small, 1e-4)) / (len(large) / len(small))


# -- one 10 MB line -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param(PARA, id="prose"),
        pytest.param("Subscribe now to keep reading and get unlimited access. ", id="prompt-words"),
        pytest.param("newsletter", id="rule-prefix-run"),  # was quadratic: PC250 newsletter\w*
    ],
)
def test_a_10mb_single_line_costs_linear_work(unit: str) -> None:
    """One line of 10 MB (of prompt or rule words: 2 MB): the work grows with the size, not
    its square.

    ``rule-prefix-run`` is the regression: ``newsletter\\w*\\b[^.!?]{0,30}...`` rescanned the
    rest of the run from every ``newsletter``: 80 KB took 5 s, 10 MB would take a day.
    """
    large_chars = 10_000_000 if unit == PARA else 2_000_000
    small = unit * (large_chars // 10 // len(unit)) + "abonnieren"
    large = unit * (large_chars // len(unit)) + "abonnieren"
    for detector in (FAST, SLOW) if unit == "newsletter" else (FAST,):
        ratio = growth(detector.cut, small, large, repeat=1)
        assert ratio < 2.5, (detector.scanner.name, ratio)
    result = FAST.cut(large)
    assert result.lines_total == 1 and len(result.keep) == 1


def test_whole_line_decoration_strip_is_linear() -> None:
    """The decoration of a whole line is stripped in linear time (the regex it replaced was
    quadratic on runs of trailing punctuation), with the very same result."""
    old = re.compile(r"^[\s\-*•·▪►▸»>|#:→]*(.*?)[\s.!?:;…»>→|*\-]*$", re.S)
    rng = random.Random(5)
    alphabet = " \t-*•.!?:;…»>→|#ab\u2003\x85\u3000"
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert _strip_decoration(s) == old.match(s).group(1), repr(s)
    small, large = "Subscribe" + ". " * 20_000 + "x", "Subscribe" + ". " * 200_000 + "x"
    assert growth(_strip_decoration, small, large) < 2.5


# -- a million short lines ------------------------------------------------------------------


class CountingRegex:
    """A compiled pattern that counts its calls (rules' patterns are swapped for these)."""

    calls = 0

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex, self.pattern, self.flags = regex, regex.pattern, regex.flags

    def search(self, *args: object) -> re.Match[str] | None:
        CountingRegex.calls += 1
        return self.regex.search(*args)  # type: ignore[arg-type]

    def fullmatch(self, *args: object) -> re.Match[str] | None:
        CountingRegex.calls += 1
        return self.regex.fullmatch(*args)  # type: ignore[arg-type]


def counting_ruleset(ruleset: RuleSet) -> RuleSet:
    rules = tuple(
        replace(r, parts=tuple((CountingRegex(rx), t, s) for rx, t, s in r.parts))
        for r in ruleset.rules
    )
    return replace(ruleset, rules=rules)


def test_a_million_short_lines_cost_work_per_prompt_line_only() -> None:
    """1,000,000 short lines, one prompt line in 1,000: rule patterns run only on the lines
    that hold a trigger word (a bounded number of calls each), editorial lines cost no regex
    call at all, and the time grows linearly (100,000 lines against 1,000,000)."""
    detector = Detector(counting_ruleset(load_rules()))
    block = [f"Short line of plain reporting number {k}." for k in range(999)]
    block.append("Subscribe to continue reading.")
    text = "\n".join(block * 1000) + "\n"
    assert text.count("\n") == 1_000_000
    CountingRegex.calls = 0
    result = detector.cut(text)
    assert CountingRegex.calls <= 60 * 1000, CountingRegex.calls  # per prompt line: <= 60
    assert result.lines_total == 1_000_000 and result.lines_kept >= 999_000
    CountingRegex.calls = 0
    detector.cut(text.replace("Subscribe to continue reading.", "The session was adjourned."))
    assert CountingRegex.calls == 0
    small = "\n".join(block * 100) + "\n"
    assert growth(FAST.cut, small, text, repeat=1) < 2.0


# -- regular expressions: backtracking ------------------------------------------------------


def pattern_words(pattern: str) -> list[str]:
    """The literal words of a pattern, in order (from its parse tree)."""
    out: list[str] = []

    def walk(items) -> None:
        run: list[str] = []
        for op, av in items:
            if op is _c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                out.append("".join(run))
                run = []
            if op is _c.SUBPATTERN:
                walk(av[-1])
            elif op is _c.BRANCH:
                for b in av[1]:
                    walk(b)
            elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
                walk(av[2])
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                walk(av[1])
        if run:
            out.append("".join(run))

    walk(_p.parse(pattern))
    return [w.strip() for w in out if w.strip()] or ["x"]


def adversarial_strings(words: list[str], size: int, rng: random.Random) -> list[str]:
    """Strings of about ``size`` characters built from a pattern's own words: the words in
    order, without the last, the first alone, glued together, shuffled, and after long runs
    of word characters, spaces and digits (each repeated to fill ``size``)."""

    def fill(unit: str) -> str:
        return (unit * (size // max(1, len(unit)) + 1))[:size]

    shuffled = words[:]
    rng.shuffle(shuffled)
    return [
        fill(" ".join(words) + " "),
        fill(" ".join(words[:-1] or words) + " "),
        fill(words[0] + " "),
        fill("".join(words[:-1] or words)),
        fill(" ".join(shuffled) + " "),
        "a" * size + " " + " ".join(words),
        " " * size + " ".join(words[:-1]),
        "1" * size + " " + " ".join(words),
    ]


def run_rule_regex(rule, k: int, text: str) -> None:
    regex = rule.parts[k][0]
    if rule.whole_line:
        regex.fullmatch(_strip_decoration(text))
    else:
        regex.search(text)


def test_every_builtin_pattern_runs_in_linear_time_on_its_own_words() -> None:
    """Each built-in pattern (as compiled: unbounded quantifiers bounded) on strings made of
    its own words, 2,000 and 8,000 characters: the time grows at most about linearly.

    Pairs whose large run takes under 2 ms are too fast to measure reliably and cannot hurt;
    the others must grow less than twice as fast as the size (a quadratic pattern grows four
    times as fast)."""
    rng = random.Random(11)
    slow: list[tuple[str, int, float]] = []
    for rule in load_rules().rules:
        for k, pattern in enumerate(rule.patterns):
            words = pattern_words(pattern)
            smalls = adversarial_strings(words, 2000, rng)
            larges = adversarial_strings(words, 8000, rng)

            def run(text: str, rule=rule, k=k) -> None:
                run_rule_regex(rule, k, text)

            for small, large in zip(smalls, larges):
                if best_time(lambda large=large: run(large), 1) < 0.002:
                    continue
                ratio = growth(run, small, large, repeat=3)
                if ratio > 2.0:
                    slow.append((rule.id, k, ratio))
    assert not slow, slow


def test_every_builtin_pattern_passes_the_static_check() -> None:
    """No built-in pattern can backtrack catastrophically (the check user rules get at load);
    every one is compiled with bounded quantifiers that give back the very same tree."""
    for rule in load_rules().rules:
        for k, pattern in enumerate(rule.patterns):
            assert backtracking_risk(pattern) is None, (rule.id, pattern)
            compiled = rule.parts[k][0].pattern
            assert compiled == bound_repeats(pattern, re.IGNORECASE)
            assert "{0,}" not in compiled and "{1,}" not in compiled


CATASTROPHIC = [
    r"(a+)+b",
    r"(\w+\s?)*$",
    r"(a|aa)*b",
    r"(a|b|ab)*c",
    r"(.*,)*x",
    r"(x+x+)+y",
    r"^(\w+\s?)+$",
    r"(a\w*b)*c",
    r"subscribe(\s*\w+)*\s*now",
    r"\w+\w*subscribe",
    r"\s*.*subscribe",
    r"(?m)^\s*\s*subscribe",
]
SAFE = [
    r"\bsubscribe\b[^.!?]{0,40}\bnow\b",
    r"(\w+\s)*subscribe",
    r"(\s\w+)*subscribe",
    r"(\d+[- ]days? |\d+[- ]weeks? |free )+trial",
    r"(hier |jetzt |bitte )*anmelden",
    r"(?:a+)++b",
    r"(?>a+)+b",
    r"\bfoo\s*-?\s*subscribe",
    r"^\s*-?\s*subscribe",
    r"([\w&'.+-]+\s){0,3}[\w-]*newsletter",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_found(pattern: str) -> None:
    assert backtracking_risk(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_pass(pattern: str) -> None:
    assert backtracking_risk(pattern) is None


USER_RULE = """
lang = "en"
[[rules]]
id = "XX901"
category = "subscribe-cta"
weight = 3.0
description = "a user rule"
patterns = ['{pattern}']
examples = {{ positive = ["subscribe now"], negative = ["the committee met"] }}
"""


def write_rule(folder: Path, pattern: str) -> Path:
    path = folder / "site-rules.toml"
    path.write_text(USER_RULE.format(pattern=pattern), encoding="utf-8")
    return path


def test_a_user_rule_that_could_backtrack_is_refused_at_load(tmp_path: Path) -> None:
    path = write_rule(tmp_path, r"subscribe(\s*\w+)*\s*now")
    with pytest.raises(RuleError) as e:
        load_file(path)
    message = str(e.value)
    assert str(path) in message and "XX901" in message and "backtrack" in message
    assert load_file(write_rule(tmp_path, r"\bsubscribe\b[^.]{0,20}\bnow\b")).rules


def builtin_explicit_triggers() -> list[tuple[str, list[str]]]:
    """(rule id, triggers) of every built-in rule that names its trigger words."""
    from importlib import resources

    from paywall_cut.rules import tomllib  # tomllib, or tomli before Python 3.11

    out = []
    for item in sorted(resources.files("paywall_cut.rules").iterdir(), key=lambda i: i.name):
        if item.name.endswith(".toml"):
            for raw in tomllib.loads(item.read_text(encoding="utf-8")).get("rules", []):
                if "triggers" in raw:
                    out.append((raw["id"], [t.lower() for t in raw["triggers"]]))
    return out


# built-in rules whose explicit triggers miss matches (none now: PC170, PC270 and PC370 were
# fixed; found by fuzz/fuzz_cut.py on "$45 per mo"): the scanners would skip such lines
UNSOUND_TRIGGERS: set[str] = set()


@pytest.mark.parametrize(
    "rule_id, triggers",
    [
        pytest.param(
            rid,
            trig,
            id=rid,
            marks=[pytest.mark.xfail(strict=True, reason="explicit triggers miss matches")]
            if rid in UNSOUND_TRIGGERS
            else [],
        )
        for rid, trig in builtin_explicit_triggers()
    ],
)
def test_builtin_explicit_triggers_are_sound(rule_id: str, triggers: list[str]) -> None:
    """Explicit trigger words must occur in every match of every pattern of their rule
    (sampled matches), or the pure-Python scanner skips lines the hyperscan one finds."""
    from paywall_cut.rules import unsound_trigger

    rule = load_rules().by_id()[rule_id]
    for pattern in rule.patterns:
        miss = unsound_trigger(pattern, triggers)
        assert miss is None, (
            f"{rule_id}: the triggers {triggers} miss {miss!r}, a match of {pattern!r}; add a "
            "trigger every match contains (both scanners only run the rule on such lines)"
        )


def test_trigger_soundness_is_judged_on_folded_matches() -> None:
    """Rules match folded lines. A sample like "неделU" (a Latin letter drawn for \\w) is
    a disguised Latin word once folded, and no longer matches the Cyrillic pattern: it is
    not a line the rule could ever match, so it does not make "нед" unsound. A real miss
    still does."""
    from paywall_cut.rules import unsound_trigger

    assert unsound_trigger(r"\bнедел\w*", ["нед"]) is None
    assert unsound_trigger(r"\bнедел\w*", ["месяц"]) is not None
    assert unsound_trigger(r"\bsubscri\w*", ["month"]) is not None


def test_user_rule_triggers_must_cover_every_match(tmp_path: Path) -> None:
    path = tmp_path / "site-rules.toml"
    text = USER_RULE.format(pattern=r"\b(only|just) [$€£]\d+ (a|per) (month|mo)\b")
    path.write_text(text.replace("patterns =", 'triggers = ["month"]\npatterns ='))
    with pytest.raises(RuleError, match=r"XX901.*triggers.*miss matches"):
        load_file(path)


def test_a_bounded_user_rule_stays_linear(tmp_path: Path) -> None:
    """A user rule with a single unbounded quantifier is accepted and compiled bounded."""
    rules = load_file(write_rule(tmp_path, r"subscribe\w*\s+now")).rules
    regex = rules[0].parts[0][0]
    assert f"{{0,{MAX_RUN}}}" in regex.pattern
    small, large = "subscribe" * 5000 + " x", "subscribe" * 50_000 + " x"
    assert growth(regex.search, small, large) < 2.5


def test_a_cloned_corpus_config_cannot_smuggle_a_catastrophic_rule(tmp_path: Path) -> None:
    """A corpus repository's .paywall-cut.toml naming such a rule file: check stops with
    exit 2 and a message naming the file and the rule, before reading any document."""
    (tmp_path / "rules").mkdir()
    write_rule(tmp_path / "rules", r"(\w+\s?)*subscribe")
    (tmp_path / ".paywall-cut.toml").write_text('extend-rules = ["rules/site-rules.toml"]\n')
    (tmp_path / "a.txt").write_text("Article.\n\n" + "word " * 40 + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "paywall_cut", "check", "a.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "site-rules.toml" in run.stderr and "XX901" in run.stderr
    assert "backtrack" in run.stderr


@pytest.mark.parametrize("pattern", [r"(\w+\s?)*x", r"\s*\s*x"], ids=["nested", "adjacent"])
def test_a_catastrophic_keep_pattern_is_refused(tmp_path: Path, pattern: str) -> None:
    """Keep patterns (``keep``) are user regexes too: the configuration refuses them the
    same way."""
    from paywall_cut.config import ConfigError, resolve

    (tmp_path / ".paywall-cut.toml").write_text(f"keep = ['{pattern}']\n")
    with pytest.raises(ConfigError) as e:
        resolve(cwd=tmp_path)
    assert "keep" in str(e.value) and "backtrack" in str(e.value)


def test_extend_rules_outside_the_repository_reveal_nothing(tmp_path: Path) -> None:
    """extend-rules may name any file (an absolute path, ``../..``): it is only ever parsed
    as a rule pack, so a file that is not one stops the run with an error that quotes none of
    its content, and a device (/dev/zero, /dev/urandom) is not read at all."""
    from paywall_cut.config import ConfigError, resolve

    secret = tmp_path / "secret.txt"
    secret.write_text("password = 'hunter2-do-not-print'\nroot:x:0:0\n")
    repo = tmp_path / "corpus"
    repo.mkdir()
    for target in (str(secret), "../secret.txt", "/dev/zero", "/dev/urandom"):
        (repo / ".paywall-cut.toml").write_text(f"extend-rules = [{target!r}]\n")
        with pytest.raises((ConfigError, RuleError)) as e:
            resolve(cwd=repo).ruleset()
        assert "hunter2" not in str(e.value) and "root:x" not in str(e.value)


# -- HTML nested 100,000 levels -------------------------------------------------------------


def nested_page(depth: int) -> bytes:
    """An article, then a prompt box at the bottom of ``depth`` nested elements."""
    return (
        "<html><body><p>"
        + PARA * 3
        + "</p>"
        + "<div>" * depth
        + "<p>Subscribe now to continue reading.</p><p>Already a subscriber? Log in.</p>"
        + "</div>" * depth
        + "</body></html>"
    ).encode()


@pytest.mark.parametrize("output", ["text", "html"])
def test_html_nested_100000_deep_is_read_in_full(output: str) -> None:
    """A page nested 100,000 levels deep is handled in full (no RecursionError, no
    refusal): the parsers and the line reader are iterative; the HTML output's element
    locator was recursive (RecursionError at ~1,000 levels) and is now iterative. The work
    grows linearly (10,000 levels against 100,000)."""
    data = nested_page(100_000)
    processed = process(data, "deep.html", FAST, output_format=output)
    assert processed.changed and processed.results[0].cuts
    if output == "html":
        assert processed.report["html_output"] == "spliced"
        assert b"Subscribe now" not in processed.data and b"The committee met" in processed.data
        assert processed.data.count(b"<div>") == 0  # the whole nest held only the prompt
    else:
        assert processed.data.decode() == (PARA * 3).strip() + "\n"

    def run(markup: str) -> None:
        process(markup.encode(), "deep.html", FAST, output_format=output)

    small, large = nested_page(10_000).decode(), data.decode()
    assert growth(run, small, large, repeat=1) < 2.0


def test_deeply_nested_prompt_markers_cost_linear_work() -> None:
    """Thousands of nested elements that each carry a prompt marker class: the search for
    each marker's box was quadratic in the depth (fuzz/fuzz_html.py: 14 s on 5 KB); it now
    looks at most BOX_LEVELS up, and what each element holds is read once per page."""

    def page(depth: int) -> str:
        return (
            "<html><body><p>"
            + PARA * 3
            + "</p>"
            + "<div class='subscribe-cta'>" * depth
            + "<p>Subscribe now to continue reading.</p><p>Already a subscriber? Log in.</p>"
            + "</div>" * depth
            + "</body></html>"
        )

    def run(markup: str) -> None:
        assert process(markup.encode(), "deep.html", FAST, output_format="text").changed

    assert growth(run, page(2_000), page(16_000), repeat=1) < 2.0


def test_start_tag_locator_cannot_backtrack() -> None:
    """A start tag html.parser accepts but the locator's pattern does not (a quote inside
    an attribute name) made the pattern backtrack exponentially: 22 characters took 0.6 s,
    40 would take days. Now linear, and such a page is cleaned."""
    small, large = "<div " + "b" * 10_000 + '"c>', "<div " + "b" * 100_000 + '"c>'
    assert _START_TAG.match(small) is None
    assert growth(_START_TAG.match, small, large) < 2.5
    page = (
        "<html><body><p>" + PARA * 3 + "</p><div class='paywall' " + "a" * 40 + '"b>'
        "<p>Subscribe now to continue reading.</p><p>Already a subscriber? Log in.</p>"
        "</div></body></html>"
    ).encode()
    processed = process(page, "tag.html", FAST, output_format="html")
    assert processed.results[0].cuts


# -- JSONL: one large record ----------------------------------------------------------------

RSS_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from paywall_cut import default_detector
    from paywall_cut.cli import cli
    default_detector()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    args = ["--isolated", "clean", sys.argv[1], "--out", sys.argv[2], "--jobs", "1",
            "--no-progress", "-q"]
    try:
        cli(args, standalone_mode=False)
    except SystemExit:
        pass
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before": before, "after": after}))
    """
)


def write_corpus(path: Path, record_mb: float, small_mb: float) -> None:
    """Small records (no prompt) around one large record that ends with a prompt."""
    small = json.dumps({"id": "s", "text": PARA + "\n" + PARA + "\n"}) + "\n"
    big = (PARA + "\n") * int(record_mb * 1e6 / (len(PARA) + 1))
    big += "Subscribe to continue reading.\nAlready a subscriber? Log in.\n"
    count = int(small_mb * 1e6 / len(small))
    with path.open("w") as fh:
        fh.write(small * (count // 2))
        fh.write(json.dumps({"id": "big", "text": big}) + "\n")
        fh.write(small * (count - count // 2))


def peak_rss_mb(tmp_path: Path, source: Path) -> float:
    """Peak RSS growth (MB) of ``clean --jobs 1`` on ``source``, measured in a subprocess."""
    script = tmp_path / "rss.py"
    script.write_text(RSS_SCRIPT)
    out = tmp_path / f"out-{source.stem}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, str(script), str(source), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    cleaned = (out / source.name).read_text().splitlines()
    big = next(json.loads(line) for line in cleaned if '"big"' in line[:20])
    assert "Subscribe to continue reading" not in big["text"]
    return (figures["after"] - figures["before"]) / 1024


def test_jsonl_memory_is_bounded_by_the_largest_record_not_the_file(tmp_path: Path) -> None:
    """clean streams JSONL: a 20 MB file and an 8 MB one, each with the same 4 MB record,
    peak at the same memory (the 12 MB more of the larger file never sit in memory at once),
    and that peak is a small multiple of the record. The 1 GB file with a 200 MB record of
    the issue was measured by hand the same way (docs/hardening.md)."""
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_corpus(small, record_mb=4, small_mb=4)
    write_corpus(large, record_mb=4, small_mb=16)
    assert large.stat().st_size > 19e6
    peak_small = peak_rss_mb(tmp_path, small)
    peak_large = peak_rss_mb(tmp_path, large)
    assert peak_large - peak_small < 8, (peak_small, peak_large)
    assert peak_large < 20 * 4, peak_large


def test_a_gzip_bomb_is_refused_not_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small .gz that inflates far beyond any document is refused with InputError once the
    limit is passed, never inflated whole into memory."""
    from paywall_cut import formats

    monkeypatch.setattr(formats, "MAX_INFLATED", 1 << 20)
    bomb = gzip.compress(b"Subscribe to continue reading.\n" * 200_000)  # 6 MB inflated
    assert len(bomb) < 100_000
    with pytest.raises(InputError, match="larger than"):
        process(bomb, "bomb.txt.gz", FAST)
    fine = gzip.compress(b"Article.\n\nSubscribe to continue reading.\n")
    assert process(fine, "fine.txt.gz", FAST).changed


# -- disguised prompts ----------------------------------------------------------------------

DISGUISES = {
    "soft hyphen": "Sub\u00adscribe to continue reading.",
    "zero-width space": "Subscribe to con\u200btinue rea\u200bding.",
    "zero-width joiner": "Sub\u200dscri\u200dbe to continue reading.",
    "bidi override": "\u202eSubscribe\u202c to continue reading.",
    "bidi isolate": "Sub\u2066scribe\u2069 to continue reading.",
    "Cyrillic e": "Subscrib\u0435 to continue reading.",
    "Cyrillic a, o, c": "Subs\u0441ribe t\u043e continue re\u0430ding.",
    "Greek omicron": "Subscribe t\u03bf c\u03bfntinue reading.",
    "fullwidth": "\uff33\uff55\uff42\uff53\uff43\uff52\uff49\uff42\uff45 to continue reading.",
    "mixed": "S\u00adu\u200bb\u0455cr\u0456be t\u03bf continue reading.",
}


@pytest.mark.parametrize("name", list(DISGUISES))
def test_disguised_prompts_are_found_by_both_scanners(name: str) -> None:
    text = PARA * 2 + "\n\n" + DISGUISES[name] + "\n"
    a, b = FAST.cut(text), SLOW.cut(text)
    assert a.changed and a.keep == b.keep and a.to_dict() == b.to_dict()
    assert a.text == PARA * 2 + "\n"  # the kept text is the input's own bytes


def test_disguise_characters_in_editorial_text_change_nothing() -> None:
    """Soft hyphens, zero-width and bidi characters and Cyrillic or Greek text in an
    article: nothing is cut and the text comes back byte for byte (folding is for matching
    only)."""
    article = [
        "Die Stadt\u00adverwaltung rechnet mit Mehr\u00adkosten von 1,8 Millionen Euro.",
        "Правительство объявило о новых мерах поддержки экономики в этом году.",
        "Η κυβέρνηση ανακοίνωσε νέα μέτρα στήριξης της οικονομίας.",
        "\u202bمقال عن الاقتصاد\u202c and the report on the economy\u200b continued.",
        "Ｔｈｅ ｆｕｌｌｗｉｄｔｈ ｈｅａｄｌｉｎｅ of a Japanese newspaper.",
    ]
    text = "\r\n".join(article * 3) + "\r\n"
    for detector in (FAST, SLOW):
        result = detector.cut(text)
        assert not result.changed and result.text == text


def test_fold_is_for_matching_only_and_cheap_for_ascii() -> None:
    """fold maps look-alikes and drops invisibles; ASCII text is returned as the same
    object (no work), and no built-in pattern holds a character fold would change (it could
    never match)."""
    ascii_text = PARA * 100
    assert fold(ascii_text) is ascii_text
    assert fold("Subscrib\u0435\u00ad now") == "Subscribe now"
    for rule in load_rules().rules:
        for pattern in rule.patterns:
            literals = {chr(av) for op, av in _walk(pattern) if op is _c.LITERAL}
            assert all(fold(ch) == ch for ch in literals), (rule.id, pattern)


def test_fold_makes_look_alike_letters_latin_only_inside_latin_words() -> None:
    """A Cyrillic or Greek look-alike inside a Latin word is a disguise and folds; a word
    written wholly in Cyrillic or Greek is a Russian, Ukrainian or Greek word and stays as
    it is written (their rule packs match it so); fullwidth Latin always folds."""
    assert fold("Subs\u0441ribe t\u043e re\u0430d") == "Subscribe to read"
    assert fold("\u0405ubscribe") == "Subscribe"  # a Cyrillic S
    for text in [
        "Оформите подписку, чтобы читать дальше",
        "Передплатіть, щоб читати далі",
        "Η συνδρομή σας",
        "iPhone-подписка за 99 ₽",
    ]:
        assert fold(text) == text
    assert fold("\uff33\uff55\uff42 now") == "Sub now"
    mixed = "Подпишитесь: subsсribe now"  # the Cyrillic с inside the Latin word folds
    assert fold(mixed) == "Подпишитесь: subscribe now"
    # Turkish İ folds to I: str.lower would make it "i" plus a combining dot
    assert fold("İÇERİĞİN DEVAMI").lower() == "içeriğin devami"


def test_an_upper_case_turkish_prompt_is_cut_by_both_scanners() -> None:
    article = "Belediye meclisi dün toplandı ve yeni bütçeyi onayladı, dedi başkan.\n" * 3
    text = article + "\nİÇERİĞİN DEVAMI İÇİN ABONE OLUN\n"
    a, b = FAST.cut(text), SLOW.cut(text)
    assert a.text == article and a.to_dict() == b.to_dict()


def _walk(pattern: str):
    stack = [list(_p.parse(pattern))]
    while stack:
        for op, av in stack.pop():
            yield op, av
            if op is _c.SUBPATTERN:
                stack.append(list(av[-1]))
            elif op is _c.BRANCH:
                stack.extend(list(b) for b in av[1])
            elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
                stack.append(list(av[2]))
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                stack.append(list(av[1]))


def test_spaced_letters_are_not_matched() -> None:
    """Known limit, documented: letter-spaced words ("S u b s c r i b e") are not folded (it
    would join ordinary single letters too); such a line is kept."""
    assert not cut(PARA * 2 + "\n\nS u b s c r i b e to continue reading.\n").changed


# -- file names ----------------------------------------------------------------------------


HOSTILE_NAMES = ["-leading-dash.txt", "new\nline.txt", "tab\tand spaces .txt", "ümlaut-日本.txt"]


def test_hostile_file_names_are_cleaned_like_any_other(tmp_path: Path) -> None:
    """Names with a leading dash, a newline, a tab, non-ASCII letters: read, cleaned and
    written under --out like any other."""
    src = tmp_path / "in"
    src.mkdir()
    for name in HOSTILE_NAMES:
        (src / name).write_text(PARA + "\n\nSubscribe to continue reading.\n")
    args = ["--isolated", "clean", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"]
    run = subprocess.run(
        [sys.executable, "-m", "paywall_cut", *args, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for name in HOSTILE_NAMES:
        assert (tmp_path / "out" / name).read_text() == PARA + "\n"


def test_check_text_output_cannot_be_forged_by_a_file_name(tmp_path: Path) -> None:
    """A newline in a file name must not start a line of its own in the findings."""
    (tmp_path / "evil\nforged.txt:9: PC999 all is well.txt").write_text(
        PARA + "\n\nSubscribe to continue reading.\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "paywall_cut", "--isolated", "check", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert not any(line.startswith("forged.txt:9:") for line in run.stdout.splitlines())


@pytest.mark.parametrize("name", ["page.html", "page.txt", "legacy.html"])
def test_a_cleaned_file_is_not_refused_on_the_next_run(name: str) -> None:
    """Control characters: cutting the prompt raises their share past the binary threshold.
    Found by fuzz/fuzz_html.py: a re-run refused the page it had just cleaned. Valid UTF-8 is
    now always read as text, so it is cleaned and read again; legacy-encoded text whose
    cleaned form would read as binary is refused on the first run already."""
    junk = "\x01\x02\x03\x04\x05\x06" * 3
    article = f"<p>{PARA}{junk}</p>\n" if name.endswith(".html") else f"{PARA}{junk}\n"
    prompt = [
        "Subscribe now to continue reading.",
        "Already a subscriber? Log in.",
        "Get unlimited access for just $1 a week.",
        "Support our journalism: become a member today.",
    ]
    body = "".join(f"<p>{p}</p>\n" if name.endswith(".html") else f"{p}\n" for p in prompt * 3)
    if name == "legacy.html":
        meta = '<meta charset="windows-1252"><p>Caf\u00e9</p>\n'
        data = (meta + article + body).encode("cp1252")
        with pytest.raises(InputError, match="binary once cut"):
            process(data, name, FAST)
        return
    data = (article + body).encode()
    first = process(data, name, FAST)
    assert first.changed
    second = process(first.data, name, FAST)
    assert not second.changed and second.data == first.data
