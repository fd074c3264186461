"""Does `paywall-cut learn` find each site's own pitch? A generated corpus, scored.

The corpus: SOURCES sites x DOCS documents. Each site has its own pitch (a block of 2-4
lines, composed here, that no built-in rule matches: checked when the corpus is made),
placed after the article (most documents) or inside it, and its own editorial furniture:
section names, datelines, credits, share rows, copyright and about lines, which also
recur and must not be learned. Articles are the E lines of a fixture case
(fixtures/cases/en-*.jsonl). Some sites also show a generic prompt the built-in rules
know ("Already a subscriber? Log in") next to their pitch.

Every document is a labelled case (fixtures/README.md): pitch lines and generic prompts
are B, article lines, datelines and credits E, the rest O. The figures, with the
built-in rules alone and with the learned rules added:

    python benchmarks/learn_eval.py                   # 24 sites x 200 documents
    python benchmarks/learn_eval.py --sources 20 --docs 200 --jobs 2 --keep out/

The corpus is written as JSONL shards with a `domain` field and learned with
`paywall-cut learn CORPUS --source-key domain`, the command line a user would run.
``--big GB`` instead writes a corpus of about that many gigabytes (for the memory
measurement in docs/learn.md) and prints the learn command to run on it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paywall_cut import Detector, load_rules  # noqa: E402
from paywall_cut.evaluate import case_text, score  # noqa: E402
from paywall_cut.rules import load_file  # noqa: E402

# -- the sites ------------------------------------------------------------------------------

PLACES = [
    "Harbour", "Quarry", "Riverside", "Fenland", "Moorgate", "Saltmarsh", "Thornbury",
    "Kestrel", "Ashdown", "Millbrook", "Westerly", "Copperfield", "Linden", "Hollow Oak",
    "Greystone", "Marshfield", "Bramble", "Northgate", "Oxbow", "Tidewater", "Larkhill",
    "Cinder", "Foxley", "Wharfside", "Elmstead", "Pennine", "Stillwater", "Bellhaven",
]  # fmt: skip
PAPERS = [
    "Ledger", "Echo", "Gazette", "Courier", "Dispatch", "Chronicle", "Herald", "Record",
    "Observer", "Sentinel", "Tribune", "Bulletin", "Review", "Standard", "Beacon", "Monitor",
    "Clarion", "Journal", "Post", "Mercury", "Argus", "Examiner", "Telegraph", "Advertiser",
]  # fmt: skip
SECTIONS = ["World", "Business", "Culture", "Sport", "Politics", "Science", "Local", "Travel"]
REPORTERS = ["Ama Owusu", "Tom Reilly", "Priya Nair", "Jonas Berg", "Lucia Ferraro"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip

# Each site's pitch: {name} the paper's full name, {short} its short name ("Ledger"), {n} a number
# that changes from document to document.
PITCHES = [
    ["{name} relies on members: become one today",
     "Members keep our reporters on the water, in the courts and at every council meeting.",
     "Put my name down"],
    ["Enjoyed this? The {short} runs on readers, not billionaires.",
     "Chip in from £3 and keep the lights on in our newsroom.",
     "Throw in a fiver"],
    ["Psst: the {short} morning digest lands in {n} inboxes before seven.",
     "Add yours, it takes ten seconds.",
     "Add my address"],
    ["Want the whole picture? Grab a {short} Pass.",
     "A Pass opens every story, every archive page and the crossword.",
     "Get my Pass"],
    ["Our reporters answer to you, not to advertisers.",
     "Back {name} with a monthly gift of any size.",
     "Back us"],
    ["Hey, quick favour before you go",
     "{name} has no owner, no shareholders and no paywall. We have you.",
     "Whatever you can spare keeps us going.",
     "I'll help"],
    ["{short} Plus readers saw this first.",
     "Go Plus for early access, zero adverts and the weekend magazine.",
     "Switch to Plus"],
    ["The {short} Briefing: five stories, one coffee, every weekday.",
     "Put me on the list"],
    ["Join {n} neighbours who fund {name}.",
     "Every pound goes to local reporting.",
     "Join them"],
    ["Did this article help you?",
     "The {short} is free to read because readers like you pitch in.",
     "Pitch in today"],
    ["Keep the {short} independent",
     "Set up a standing order of any size and we will post you our quarterly print zine.",
     "Set it up"],
    ["You've reached the end, but our work doesn't stop here.",
     "Fuel the next investigation from the {short}.",
     "Fuel it"],
    ["{short} Insider: the stories behind the stories, Fridays.",
     "Yes, send me Insider"],
    ["Psst, we're reader-owned.",
     "{name} belongs to {n} co-op shareholders. Buy a share from £20 and have your say.",
     "Buy a share"],
    ["Before you scroll on...",
     "Great reporting isn't cheap. The {short} asks readers for the price of a cup of tea.",
     "Buy us a cuppa"],
    ["{short} Club perks: member evenings, the print annual and a mug.",
     "Club places cost less than a pint.",
     "Take a Club place"],
    ["This is reader-funded journalism.",
     "{name} exists because {n} of you chip in.",
     "Make it one more"],
    ["Got a minute? The {short} needs your help to hire a second court reporter.",
     "Help us hire"],
    ["The {short} Weekender",
     "Our best long reads and a puzzle, in your inbox on Saturday mornings.",
     "I'm in"],
    ["Love local news? Prove it.",
     "Take out a {short} Supporter Card for less than a pint a month.",
     "Get the Card"],
    ["No adverts. No owners. Just the {short}.",
     "Readers pay for this newsroom, and only readers.",
     "Pay what you like"],
    ["Tell a friend about the {short}",
     "Forward this story and they can read three more on us.",
     "Pass it on"],
    ["Stick with the {short} for just 99p",
     "Your first month costs less than a newspaper used to.",
     "Start my month"],
    ["Make the {short} part of your week",
     "Home delivery every Thursday, crossword included.",
     "Arrange delivery"],
]  # fmt: skip
GENERIC = "Already a subscriber? Log in"  # a prompt the built-in rules know


def sites(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    places = rng.sample(PLACES, count) if count <= len(PLACES) else PLACES * 2
    papers = rng.sample(PAPERS, min(count, len(PAPERS))) * (count // len(PAPERS) + 1)
    out = []
    for i in range(count):
        paper = papers[i]
        name = f"The {places[i % len(places)]} {paper}" + (f" {i}" if i >= len(places) else "")
        out.append(
            {
                "slug": name.lower().replace("the ", "").replace(" ", "-"),
                "name": name,
                "short": paper,
                "pitch": PITCHES[i % len(PITCHES)],
                "sections": rng.sample(SECTIONS, 4),
                "generic": i % 3 == 0,
                "inline": rng.choice([0.0, 0.2, 0.4]),  # share of inline pitches
                "after": rng.choice([2, 3, 4]),  # inline: after this many paragraphs, as a CMS does
            }
        )
    return out


def articles() -> tuple[list[list[str]], list[list[str]]]:
    """The E lines of the en fixture cases: (news articles, articles about subscriptions).

    The second pool is the fixtures' ``negative`` kind: articles that talk about
    paywalls, newsletters and sign-up forms, often quoting prompts word for word.
    """
    news: list[list[str]] = []
    about: list[list[str]] = []
    for path in sorted((ROOT / "fixtures" / "cases").glob("en-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            lines = [t for label, t in case["lines"] if label == "E"]
            if len(lines) >= 2:
                (about if case["kind"] == "negative" else news).append(lines)
    return news, about


Pools = tuple[list[list[str]], list[list[str]]]


def document(
    site: dict, k: int, rng: random.Random, pools: Pools, negatives: float | None = None
) -> dict:
    """One labelled document of a site. Its article is a fixture case's E lines, drawn
    uniformly over all cases, or (``negatives``) from the articles about subscriptions
    with that probability and from the news articles otherwise."""
    news, about = pools
    if negatives is None:
        chosen = rng.choice(news + about)
    else:
        chosen = rng.choice(about if rng.random() < negatives else news)
    body = [["E", t] for t in chosen]
    lines: list[list[str]] = []
    if rng.random() < 0.6:
        lines.append(["O", rng.choice(site["sections"])])
    lines.append(body[0])
    if rng.random() < 0.6:
        lines.append(["E", f"Published {rng.randint(1, 28)} {rng.choice(MONTHS)} 2024"])
    lines += body[1:]
    if rng.random() < 0.5:
        if rng.random() < 0.5:
            lines.append(["E", f"Additional reporting by {site['short']} staff."])
        else:
            a, b = rng.sample(REPORTERS, 2)
            lines.append(["E", f"Reporting by {a}; editing by {b}"])
    if rng.random() < 0.9:
        n = f"{rng.randint(2, 40)},{rng.randint(100, 999)}"
        pitch = [
            ["B", t.format(name=site["name"], short=site["short"], n=n)] for t in site["pitch"]
        ]
        if site["generic"] and rng.random() < 0.5:
            pitch.append(["B", GENERIC])
        paragraphs = [i for i, (label, t) in enumerate(lines) if label == "E" and len(t) > 150]
        if rng.random() < site["inline"] and len(paragraphs) > site["after"]:
            at = paragraphs[site["after"] - 1] + 1
            lines[at:at] = pitch
            kind = "inline"
        else:
            lines += pitch
            kind = "tail"
    else:
        kind = "negative"
    if rng.random() < 0.5:
        lines.append(["O", "Share this story: Facebook | X | WhatsApp | Email"])
    if rng.random() < 0.3:
        lines.append(["O", f"{site['name']} is an independent newsroom founded in 1887."])
    if rng.random() < 0.6:
        lines.append(["O", f"© 2024 {site['name']}. All rights reserved."])
    return {
        "id": f"{site['slug']}-{k:04d}",
        "lang": "en",
        "kind": kind,
        "truncated": False,
        "domain": f"www.{site['slug']}.example",
        "lines": lines,
    }


def check_pitches(site_list: list[dict]) -> None:
    """No built-in rule may match any site's pitch line."""
    ruleset = load_rules()
    for site in site_list:
        for t in site["pitch"]:
            line = t.format(name=site["name"], short=site["short"], n="12,400")
            fired = [r.id for r in ruleset.rules if r.fires(line)]
            if fired:
                raise SystemExit(f"built-in rules {fired} match the pitch line {line!r}")


def make_corpus(
    folder: Path,
    n_sites: int,
    n_docs: int,
    seed: int = 7,
    shards: int = 8,
    negatives: float | None = None,
) -> list[dict]:
    """Write the corpus as JSONL shards under ``folder``; return the labelled cases."""
    site_list = sites(n_sites, seed)
    check_pitches(site_list)
    pool = articles()
    rng = random.Random(seed)
    cases = [document(s, k, rng, pool, negatives) for s in site_list for k in range(n_docs)]
    rng.shuffle(cases)  # sites mixed in every shard, as in a crawl
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        open(folder / f"part-{i:03d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
        for i in range(shards)
    ]
    for i, case in enumerate(cases):
        record = {"id": case["id"], "domain": case["domain"], "text": case_text(case)}
        files[i % shards].write(json.dumps(record, ensure_ascii=False) + "\n")
    for fh in files:
        fh.close()
    return cases


def figures(cases: list[dict], detector: Detector) -> dict:
    """Scores on the whole corpus, and B recall on the site pitches alone."""
    scores = score(cases, detector.cut).figures()
    generic_cut = generic_total = 0
    pitch_cut = pitch_total = 0
    for case in cases:
        keep = detector.cut(case_text(case)).keep
        for (label, text), kept in zip(case["lines"], keep):
            if label != "B":
                continue
            if text == GENERIC:
                generic_total += len(text)
                generic_cut += 0 if kept else len(text)
            else:
                pitch_total += len(text)
                pitch_cut += 0 if kept else len(text)
    scores["pitch_B_recall"] = round(pitch_cut / pitch_total, 4) if pitch_total else None
    return scores


def oracle_rules(cases: list[dict]):
    """Hand-made rules: one exact whole-line rule per pitch line (what learning aims at)."""
    import re

    from paywall_cut.rules import parse_pack

    lines = sorted(
        {
            re.sub(r"\d[\d,]*", "0", t.rstrip(".!?"))
            for case in cases
            for label, t in case["lines"]
            if label == "B" and t != GENERIC
        }
    )
    rules = []
    for i, line in enumerate(lines):
        words = re.findall(r"[A-Za-z']{3,}", line)
        rules.append(
            {
                "id": f"ORC{i:03d}",
                "category": "subscribe-cta",
                "weight": 3.5,
                "whole_line": True,
                "description": "the exact pitch line",
                "patterns": [re.escape(line).replace("0", r"[\d,]+")],
                "triggers": [max(words, key=len).lower()],
                "examples": {"positive": ["-"], "negative": ["-"]},
            }
        )
    return parse_pack({"lang": "site", "rules": rules}, "oracle")


def _unique(line: str, rng: random.Random, words: list[str]) -> str:
    """A line made unique by two inserted words (a real corpus repeats few lines)."""
    parts = line.split()
    for _ in range(2):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(words))
    return " ".join(parts)


def big_corpus(folder: Path, gigabytes: float, sources: int = 5000, seed: int = 11) -> None:
    """About ``gigabytes`` of JSONL from ``sources`` sites whose article lines are all
    distinct (as in a real crawl), for the memory measurement."""
    site_list = sites(len(PITCHES), seed)
    news, about = articles()
    words = sorted({w for a in news + about for t in a for w in t.split() if w.isalpha()})
    rng = random.Random(seed)
    target = int(gigabytes * (1 << 30))
    folder.mkdir(parents=True, exist_ok=True)
    written, k, part = 0, 0, 0
    out = open(folder / "part-000.jsonl", "w", encoding="utf-8")  # noqa: SIM115
    while written < target:
        i = k % sources
        site = dict(site_list[i % len(site_list)])
        site["slug"] = f"{site['slug']}-{i:05d}"
        case = document(site, k, rng, (news, about))
        for pair in case["lines"]:
            if pair[0] == "E" and not pair[1].startswith(("Published", "Reporting", "Additional")):
                pair[1] = _unique(pair[1], rng, words)
        record = {"id": case["id"], "domain": case["domain"], "text": case_text(case)}
        line = json.dumps(record, ensure_ascii=False)
        out.write(line + "\n")
        written += len(line.encode("utf-8")) + 1
        k += 1
        if written > (part + 1) * (256 << 20):
            out.close()
            part += 1
            out = open(folder / f"part-{part:03d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
    out.close()
    print(f"{k} documents, {written / (1 << 30):.2f} GiB in {folder}")


def evaluate(args: argparse.Namespace, work: Path) -> None:
    from click.testing import CliRunner

    from paywall_cut.cli import cli

    cases = make_corpus(
        work / "corpus", args.sources, args.docs, args.seed, negatives=args.negatives
    )
    rules = work / "site-rules.toml"
    command = [
        "learn", str(work / "corpus"), "--source-key", "domain", "-o", str(rules),
        "--report", str(work / "learn-report.json"), "-j", str(args.jobs), "--isolated",
    ]  # fmt: skip
    started = time.perf_counter()
    result = CliRunner().invoke(cli, command)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"learn failed ({result.exit_code}): {result.output}")
    learned = load_file(rules)
    report = json.loads((work / "learn-report.json").read_text(encoding="utf-8"))
    rows = [
        ("built-in rules", figures(cases, Detector(load_rules()))),
        ("+ learned rules", figures(cases, Detector(load_rules().plus(learned)))),
        ("+ exact pitch rules", figures(cases, Detector(load_rules().plus(oracle_rules(cases))))),
    ]
    share = "uniform over the cases" if args.negatives is None else f"{args.negatives:g}"
    print(f"corpus: {args.sources} sources x {args.docs} documents = {len(cases)}")
    print(f"articles about subscriptions: {share}")
    print(f"learn: {len(learned.rules)} rules in {seconds:.1f} s; {report['candidates']}")
    keys = ("B_recall", "pitch_B_recall", "E_retention", "B_precision", "perfect_docs")
    print(f"{'':22}" + "".join(f"{k:>16}" for k in keys))
    for name, f in rows:
        print(f"{name:22}" + "".join(f"{str(f[k]):>16}" for k in keys))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", type=int, default=24)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--negatives",
        type=float,
        metavar="SHARE",
        help="share of articles about subscriptions (default: uniform over the fixture cases)",
    )
    ap.add_argument("--keep", metavar="DIR", help="write the corpus and rules here")
    ap.add_argument("--big", type=float, metavar="GB", help="write a large corpus to --keep")
    args = ap.parse_args()
    if args.big:
        if not args.keep:
            raise SystemExit("--big needs --keep DIR")
        big_corpus(Path(args.keep) / "corpus", args.big)
        return
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="learn-eval-"))
    try:
        evaluate(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
