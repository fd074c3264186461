"""Batch speed: ``paywall-cut clean`` with --jobs 1 and --jobs 2 on a generated corpus.

The corpus is made deterministically from the labelled documents in fixtures/cases/*.jsonl
(each document's lines joined, in file order, cycled):

- ``files``: N small files (default 20,000) in folders of 1,000, ``.txt`` and ``.md``;
- ``jsonl``: one JSONL file of about M MB (default 500) of records
  ``{"id", "url", "lang", "text"}``;
- ``jsonl-small``: the same, a tenth of the size (to show that memory does not grow with
  the file).

Each run is a fresh ``python -m paywall_cut clean INPUT --out DIR --jobs N --force``
subprocess; the figures are its wall time, MB/s and documents/s over the input, its
peak memory (the largest single process, ``ru_maxrss``, and the sum over the process
tree, sampled from /proc every 100 ms), the CPU seconds of the tree, and the CPU the rest
of the machine used meanwhile (``others_cores``: on a shared machine other work skews
wall times; 0 means the run had the machine to itself). With ``--repeat N`` the round
of runs (one per --jobs value) is repeated, up to N times, until one round had the
machine quiet (the others used less than 0.15 cores); the figures are that round's, else
the fastest run of each (every run is in the JSON). ``--wait-idle S`` waits up to S
seconds for an idle machine before each run. A last run shows a second pass over the
unchanged ``files`` tree (every input skipped by the run state).

    python benchmarks/batch_speed.py                      # the full benchmark (minutes)
    python benchmarks/batch_speed.py --workdir /dev/shm/pcb --repeat 3
    python benchmarks/batch_speed.py --files 2000 --jsonl-mb 50
    python benchmarks/batch_speed.py --tiny               # a smoke test (seconds)

Prints a Markdown table and writes the figures as JSON (``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "fixtures" / "cases"


def documents() -> list[tuple[str, str, str]]:
    """(id, lang, text) of every labelled case, in a fixed order."""
    docs = []
    for path in sorted(CASES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                text = "\n".join(t for _label, t in case["lines"]) + "\n"
                docs.append((case["id"], case.get("lang", ""), text))
    return docs


def make_files(folder: Path, count: int) -> tuple[int, int]:
    """``count`` small files; returns (files, bytes)."""
    docs = documents()
    total = 0
    for i in range(count):
        doc_id, _lang, text = docs[i % len(docs)]
        suffix = ".md" if i % 5 == 4 else ".txt"
        path = folder / f"{i // 1000:03d}" / f"{i:06d}-{doc_id}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return count, total


def make_jsonl(path: Path, megabytes: float) -> tuple[int, int]:
    """A JSONL file of about ``megabytes`` MB; returns (records, bytes)."""
    docs = documents()
    target = int(megabytes * 1e6)
    lines = []
    for doc_id, lang, text in docs:
        record = {"id": doc_id, "url": f"https://example.org/{doc_id}", "lang": lang}
        record["text"] = text
        lines.append((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    written = records = 0
    with open(path, "wb") as fh:
        while written < target:
            for line in lines:
                fh.write(line)
                written += len(line)
                records += 1
                if written >= target:
                    break
    return records, written


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _sample(pids: list[int], cpu: dict[int, float], sched: dict[int, tuple[float, float]]) -> int:
    """Resident bytes of ``pids``; records each one's CPU seconds so far in ``cpu``, and
    its seconds on a CPU and waiting for one (runnable but not running) in ``sched``."""
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    rss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as fh:
                rss += int(fh.read().split()[1]) * page
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            with open(f"/proc/{p}/schedstat") as fh:
                on_cpu, waiting = fh.read().split()[:2]
            sched[p] = (int(on_cpu) / 1e9, int(waiting) / 1e9)
        except (OSError, IndexError, ValueError):
            continue
    return rss


def _alone(wall: float, main: int, sched: dict[int, tuple[float, float]]) -> float:
    """An estimate of the wall time had the run had the machine to itself: the time the
    run's critical path spent waiting for a CPU taken off (the main process's wait, and
    the mean wait of the workers that ran beside it)."""
    main_wait = sched.get(main, (0.0, 0.0))[1]
    busy = max((on for pid, (on, _w) in sched.items() if pid != main), default=0.0)
    workers = [w for pid, (on, w) in sched.items() if pid != main and on >= 0.2 * busy > 0]
    return max(0.0, wall - main_wait - (sum(workers) / len(workers) if workers else 0.0))


WAIT_IDLE = 0.0  # --wait-idle


def wait_idle(limit: float, window: float = 5.0) -> float:
    """Wait (up to ``limit`` seconds) until the machine is idle: less than a tenth of a
    core busy over ``window`` seconds. Returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        before = _machine_busy()
        time.sleep(window)
        if (_machine_busy() - before) / window < 0.1:
            break
    return round(time.monotonic() - start, 1)


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (all CPUs, from /proc/stat)."""
    with open("/proc/stat") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_clean(source: Path, out: Path, jobs: int, force: bool = True) -> dict:
    """One ``clean`` run in a subprocess: wall time, exit code, peak memory, summary."""
    summary_file = out.parent / f"{out.name}.summary.json"
    command = [sys.executable, "-m", "paywall_cut", "clean", str(source), "--out", str(out)]
    command += ["--jobs", str(jobs), "--no-progress", "-q", "--summary-json", str(summary_file)]
    if force:
        command.append("--force")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    peak_tree = 0
    cpu: dict[int, float] = {}
    sched: dict[int, tuple[float, float]] = {}
    load = os.getloadavg()[0]
    busy_before = _machine_busy()
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        pids, n = [proc.pid], 0
        while not stop.is_set():
            if n % 10 == 0:  # the process tree changes rarely: look for it every second
                pids = _tree(proc.pid)
            peak_tree = max(peak_tree, _sample(pids, cpu, sched))
            n += 1
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped:
    wall = time.perf_counter() - start
    _sample([proc.pid], cpu, sched)  # its final figures can still be read
    _, status, usage = os.wait4(proc.pid, 0)
    busy = _machine_busy() - busy_before
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"clean exited with {proc.returncode}: {' '.join(command)}")
    summary = json.loads(summary_file.read_text())
    mine = max(sum(cpu.values()), usage.ru_utime + usage.ru_stime)
    return {
        "jobs": jobs,
        "wall_s": round(wall, 2),
        "wall_alone_s": round(_alone(wall, proc.pid, sched), 2),
        "cpu_wait_s": round(sum(w for _on, w in sched.values()), 1),  # runnable, no CPU
        "peak_rss_largest_mb": round(usage.ru_maxrss * 1024 / 1e6, 1),  # Linux: KiB
        "peak_rss_tree_mb": round(peak_tree / 1e6, 1),
        "cpu_s": round(mine, 1),
        # CPU the rest of the machine used meanwhile, in cores (0: the run had it alone)
        "others_cores": round(max(0.0, busy - mine) / wall, 2),
        "load_before": round(load, 2),  # 1-minute load average of the machine at the start
        "summary": summary,
    }


QUIET = 0.15  # a run during which the rest of the machine used less than this many cores


def bench(
    name: str, source: Path, work: Path, size: int, docs: int, jobs: list[int], repeat: int
) -> dict:
    """Runs every --jobs value in turn (a round), up to ``repeat`` rounds: it stops after
    the first round during which the rest of the machine stayed quiet. The figures are
    those of that round (else of the fastest run of each); every run is listed."""
    rounds: list[dict[int, dict]] = []
    every = []
    for _ in range(repeat):
        round_: dict[int, dict] = {}
        for n in jobs:
            out = work / f"out-{name}-j{n}"
            for old in work.glob(f"out-{name}-j*"):  # earlier outputs of this input
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            # write back and discard what the deletions and the last run left pending, so
            # that no run pays for the one before it (on a disk, deleting 20,000 files
            # costs seconds of background work)
            os.sync()
            waited = wait_idle(WAIT_IDLE)
            r = run_clean(source, out, n)
            r["waited_for_idle_s"] = waited
            r["mb_per_s"] = round(size / 1e6 / r["wall_s"], 2)
            r["docs_per_s"] = round(docs / r["wall_s"], 1)
            every.append({k: v for k, v in r.items() if k != "summary"})
            round_[n] = r
            print(
                f"  {name}: --jobs {n}: {r['wall_s']:.1f} s "
                f"(others used {r['others_cores']:.2f} cores)",
                file=sys.stderr,
                flush=True,
            )
        rounds.append(round_)
        if all(r["others_cores"] < QUIET for r in round_.values()):
            break
    quiet = [r for r in rounds if all(x["others_cores"] < QUIET for x in r.values())]
    if quiet:
        runs = [quiet[0][n] for n in jobs]
    else:
        runs = [min((r[n] for r in rounds), key=lambda x: x["wall_s"]) for n in jobs]
    result = {"input": name, "mb": round(size / 1e6, 1), "docs": docs, "runs": runs}
    result["quiet"] = bool(quiet)
    result["all_runs"] = every
    if len(runs) >= 2:
        result["speedup"] = round(runs[0]["wall_s"] / runs[-1]["wall_s"], 2)
        if runs[-1]["wall_alone_s"] > 0:
            alone = runs[0]["wall_alone_s"] / runs[-1]["wall_alone_s"]
            result["speedup_alone"] = round(alone, 2)
    return result


def table(results: list[dict]) -> str:
    head = "| input | MB | docs | jobs | wall s | CPU s | MB/s | docs/s "
    head += "| peak RSS MB largest / all | others' cores | speedup | est. alone s | est. speedup |"
    rows = [head, "|" + "---|" * 13]
    for res in results:
        for r in res["runs"]:
            last = r is res["runs"][-1]
            speedup = f"{res['speedup']:.2f}x" if last and "speedup" in res else ""
            alone = f"{res['speedup_alone']:.2f}x" if last and "speedup_alone" in res else ""
            rows.append(
                f"| {res['input']} | {res['mb']:,} | {res['docs']:,} | {r['jobs']} "
                f"| {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['mb_per_s']:.2f} "
                f"| {r['docs_per_s']:,.0f} "
                f"| {r['peak_rss_largest_mb']:.0f} / {r['peak_rss_tree_mb']:.0f} "
                f"| {r['others_cores']:.2f} | {speedup} | {r['wall_alone_s']:.1f} | {alone} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000, help="small files (20,000)")
    parser.add_argument("--jsonl-mb", type=float, default=500, help="size of the JSONL file")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (1,2)")
    parser.add_argument("--workdir", type=Path, help="where the corpus goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and outputs")
    parser.add_argument("--tiny", action="store_true", help="100 files and 1 MB: a smoke test")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--only",
        action="append",
        choices=["files", "jsonl-small", "jsonl"],
        help="run this input only (repeatable)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to SECONDS for the machine to be idle",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is kept")
    args = parser.parse_args(argv)
    if args.tiny:
        args.files, args.jsonl_mb = 100, 1.0
    global WAIT_IDLE
    WAIT_IDLE = args.wait_idle
    jobs = [int(j) for j in args.jobs.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="paywall-cut-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        only = set(args.only or ("files", "jsonl-small", "jsonl"))
        if "files" in only:
            folder = work / "files"
            shutil.rmtree(folder, ignore_errors=True)
            count, size = make_files(folder, args.files)
            print(f"files: {count:,} files, {size / 1e6:.1f} MB", file=sys.stderr)
            results.append(bench("files", folder, work, size, count, jobs, args.repeat))
            again = run_clean(folder, work / f"out-files-j{jobs[-1]}", jobs[-1], force=False)
            files = again["summary"]["files"]
            results[-1]["second_run"] = {
                "wall_s": again["wall_s"],
                "up_to_date": files["up_to_date"],
                "processed": files["cleaned"] + files["unchanged"],
            }
        for name, mb in (("jsonl-small", args.jsonl_mb / 10), ("jsonl", args.jsonl_mb)):
            if name not in only:
                continue
            path = work / f"{name}.jsonl"
            records, size = make_jsonl(path, mb)
            print(f"{name}: {records:,} records, {size / 1e6:.1f} MB", file=sys.stderr)
            results.append(bench(name, path, work, size, records, jobs, args.repeat))
            path.unlink()
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        "command": " ".join(["python", "benchmarks/batch_speed.py", *(argv or sys.argv[1:])]),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "results": [
            {**r, "runs": [{k: v for k, v in run.items() if k != "summary"} for run in r["runs"]]}
            for r in results
        ],
    }
    print(table(results))
    for r in results:
        if "second_run" in r:
            s = r["second_run"]
            print(
                f"\nsecond run over the unchanged {r['input']} tree: {s['wall_s']:.1f} s "
                f"({s['up_to_date']:,} files up to date, {s['processed']:,} processed)"
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
