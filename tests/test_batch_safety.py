"""``paywall-cut clean`` never loses a file: atomic writes, SIGKILL, re-runs, bad files,
symlinks, encodings."""

from __future__ import annotations

import codecs
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paywall_cut import default_detector
from paywall_cut.batch import work
from paywall_cut.files import atomic_writer, is_temp_name

from .batchkit import ARTICLE, PAGE, SEED_LINES, isolated_state, run, summary_of, write  # noqa: F401
from .conftest import ROOT


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if is_temp_name(p.name)]


# -- atomic writes ---------------------------------------------------------------------------


def test_in_place_writes_keep_permissions_and_leave_no_temporary_file(tmp_path: Path) -> None:
    a = write(tmp_path / "in" / "a.txt", PAGE)
    b = write(tmp_path / "in" / "sub" / "b.md", PAGE)
    a.chmod(0o640)
    b.chmod(0o755)
    r = run(tmp_path / "in", "--in-place", "--jobs", "2")
    assert r.exit_code == 0, r.stderr
    assert a.read_text() == b.read_text() == ARTICLE
    assert stat.S_IMODE(a.stat().st_mode) == 0o640 and stat.S_IMODE(b.stat().st_mode) == 0o755
    assert temp_files(tmp_path) == []


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = write(tmp_path / "a.txt", PAGE)
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half of the new conte")
        raise RuntimeError("killed")
    assert target.read_text() == PAGE and temp_files(tmp_path) == []


def test_out_copies_permissions_of_the_source(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE).chmod(0o600)
    assert run(tmp_path / "in", "--out", tmp_path / "out", "--jobs", "1").exit_code == 0
    assert stat.S_IMODE((tmp_path / "out" / "a.txt").stat().st_mode) == 0o600


# -- SIGKILL in the middle of an in-place run ---------------------------------------------------


def test_sigkill_mid_run_leaves_each_file_old_or_new_and_a_rerun_finishes(tmp_path: Path) -> None:
    old = ARTICLE * 4 + "".join(SEED_LINES[11:])  # a longer page: about 9 KB
    new = default_detector().cut(old).text
    assert new == ARTICLE * 4
    root = tmp_path / "corpus"
    files = [write(root / f"d{i // 100}" / f"{i:04d}.txt", old) for i in range(1000)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # with the fixture's cache folders
    command = [sys.executable, "-m", "paywall_cut", "clean", str(root), "--in-place", "-q"]
    proc = subprocess.Popen(
        [*command, "--jobs", "2"],
        env=env,
        start_new_session=True,  # its own process group: workers are killed with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    new_size = len(new.encode())
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for f in files if f.stat().st_size == new_size) >= 50:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    contents = [f.read_text() for f in files]
    assert all(c in (old, new) for c in contents)  # never half written
    done = sum(c == new for c in contents)
    assert 0 < done < 1000, "the run was not killed half-way"
    # the re-run finishes the job and removes what the killed run left behind
    rerun = subprocess.run(
        [*command, "--jobs", "2", "--summary-json", "-"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert all(f.read_text() == new for f in files)
    assert temp_files(root) == []
    s = json.loads(rerun.stdout)
    assert s["files"]["cleaned"] <= 1000 - done + 2 * 8 * 32  # at most in-flight batches redone
    assert s["files"]["seen"] == 1000


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path: Path) -> None:
    old = ARTICLE * 4 + "".join(SEED_LINES[11:])
    new_size = len((ARTICLE * 4).encode())
    root = tmp_path / "corpus"
    # enough files that the run cannot finish between two polls of the loop below (with
    # 600, a fast machine sometimes cleaned them all before the signal: exit 0)
    total = 3000
    files = [write(root / f"{i:04d}.txt", old) for i in range(total)]
    summary, manifest = tmp_path / "summary.json", tmp_path / "manifest.jsonl"
    command = [sys.executable, "-m", "paywall_cut", "clean", str(root), "--in-place", "-q"]
    command += ["--jobs", "2", "--summary-json", str(summary), "--manifest", str(manifest)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(command, env=env, start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for f in files if f.stat().st_size == new_size) >= 30:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert all(f.read_bytes() in (old.encode(), (ARTICLE * 4).encode()) for f in files)
    assert temp_files(root) == []
    s = json.loads(summary.read_text())
    assert s["interrupted"] is True and s["files"]["failed"] == 0
    lines = [json.loads(x) for x in manifest.read_text().splitlines()]
    assert len(lines) == s["files"]["seen"] < total
    rerun = subprocess.run(command, env=env, capture_output=True, check=False)
    assert rerun.returncode == 0 and all(f.read_text() == ARTICLE * 4 for f in files)


# -- re-runs -----------------------------------------------------------------------------------


def test_rerun_on_cleaned_output_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE)
    write(tmp_path / "in" / "c.jsonl", json.dumps({"text": PAGE}) + "\n")
    assert run(tmp_path / "in", "--out", tmp_path / "o1", "--jobs", "1").exit_code == 0
    s, r = summary_of(tmp_path / "o1", "--out", tmp_path / "o2", "--jobs", "1")
    assert s["files"]["cleaned"] == 0 and s["files"]["unchanged"] == 2
    for name in ["a.txt", "c.jsonl"]:
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes()
    s, r = summary_of(tmp_path / "o1", "--in-place", "--force")
    assert s["files"]["cleaned"] == 0 and s["files"]["unchanged"] == 2


def test_second_run_skips_unchanged_inputs_without_reading_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        write(tmp_path / "in" / f"{i}.txt", PAGE)
    reads: list[str] = []
    real_read = work.read_input

    def counting_read(path: str, nofollow: bool):
        reads.append(os.path.basename(path))
        return real_read(path, nofollow)

    monkeypatch.setattr(work, "read_input", counting_read)
    out = tmp_path / "out"
    args = (tmp_path / "in", "--out", out, "--jobs", "1", "--manifest", tmp_path / "m.jsonl")
    s, _ = summary_of(*args)
    assert s["files"]["cleaned"] == 5 and len(reads) == 5
    assert (out / ".paywall-cut-state.sqlite").exists()

    reads.clear()
    s, _ = summary_of(*args)
    assert s["files"]["up_to_date"] == 5 and reads == [] and s["bytes"] == 0
    statuses = {json.loads(x)["status"] for x in (tmp_path / "m.jsonl").read_text().splitlines()}
    assert statuses == {"up-to-date"}

    os.utime(tmp_path / "in" / "0.txt", ns=(1, 1))  # touched, same bytes: read, not redone
    write(tmp_path / "in" / "1.txt", PAGE.replace("Pakistan", "Nepal"))  # changed: redone
    (out / "2.txt").unlink()  # an output removed: written again
    write(out / "3.txt", "edited by hand\n")  # an output changed: written again
    reads.clear()
    s, _ = summary_of(*args)
    assert sorted(reads) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    assert s["files"]["up_to_date"] == 2 and s["files"]["cleaned"] == 3
    assert (out / "2.txt").read_text() == (out / "3.txt").read_text() == ARTICLE

    reads.clear()
    s, _ = summary_of(*args, "--force")
    assert len(reads) == 5 and s["files"]["cleaned"] == 5
    # other options make other bytes: the state of one run does not count for another
    reads.clear()
    s, _ = summary_of(*args, "--output-encoding", "utf-16")
    assert len(reads) == 5


def test_in_place_second_run_skips_and_notices_edits(tmp_path: Path) -> None:
    for i in range(3):
        write(tmp_path / "in" / f"{i}.txt", PAGE)
    state = tmp_path / "state.sqlite"
    s, _ = summary_of(tmp_path / "in", "--in-place", "--state", state, "--jobs", "1")
    assert s["files"]["cleaned"] == 3
    s, _ = summary_of(tmp_path / "in", "--in-place", "--state", state, "--jobs", "1")
    assert s["files"]["up_to_date"] == 3
    write(tmp_path / "in" / "1.txt", PAGE)  # the scraper wrote it again
    s, _ = summary_of(tmp_path / "in", "--in-place", "--state", state, "--jobs", "1")
    assert s["files"]["up_to_date"] == 2 and s["files"]["cleaned"] == 1
    with sqlite3.connect(state) as con:
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 3


def test_an_interrupted_out_run_is_swept_on_the_next_run(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE)
    assert run(tmp_path / "in", "--out", tmp_path / "out", "--jobs", "1").exit_code == 0
    stale = write(tmp_path / "out" / "sub" / ".a.txt.abcd1234.pwc-tmp", "half")
    with sqlite3.connect(tmp_path / "out" / ".paywall-cut-state.sqlite") as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'running'")  # as if killed
    s, _ = summary_of(tmp_path / "in", "--out", tmp_path / "out", "--jobs", "1")
    assert not stale.exists() and s["files"]["stale_temporaries_removed"] == 1


# -- bad files -------------------------------------------------------------------------------


def test_each_bad_file_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    good = write(root / "good.txt", PAGE)
    binary = write(root / "binary.txt", b"GIF89a\x00\x01\x02\x00" * 10)
    broken = write(root / "broken.txt", codecs.BOM_UTF16_LE + "abc".encode("utf-16-le") + b"\x00")
    locked = write(root / "locked.txt", PAGE)
    gone = write(root / "gone.txt", PAGE)
    real_read = work.read_input

    def read(path: str, nofollow: bool):
        if path == str(gone):  # listed by the walk, gone by the time it is read
            gone.unlink()
        if path == str(locked) and os.geteuid() == 0:  # root reads anything: fail as it would
            raise PermissionError(13, "Permission denied", path)
        return real_read(path, nofollow)

    monkeypatch.setattr(work, "read_input", read)
    if os.geteuid() != 0:  # pragma: no cover
        locked.chmod(0)
    s, r = summary_of(root, "--in-place", "--jobs", "1")
    assert r.exit_code == 2
    errors = [line.partition(": '")[0] for line in r.stderr.splitlines() if "error: " in line]
    assert sorted(errors) == [
        f"error: {binary}: binary file (not text), refused",
        f"error: {broken}: invalid utf-16-le after its byte order mark",
        f"error: {gone}: vanished before it could be read",
        f"error: {locked}: cannot read: permission denied",
    ]
    assert good.read_text() == ARTICLE and locked.read_text() == PAGE
    assert s["files"]["failed"] == 4 and s["files"]["cleaned"] == 1 and len(s["errors"]) == 4


# -- never outside --out DIR; symlinks ---------------------------------------------------------


def test_out_never_writes_through_a_symlink_out_of_dir(tmp_path: Path) -> None:
    write(tmp_path / "in" / "sub" / "a.txt", PAGE)
    write(tmp_path / "in" / "b.txt", PAGE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sub").symlink_to(outside)
    r = run(tmp_path / "in", "--out", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 2
    assert "is a symbolic link; not written through" in r.stderr
    assert list(outside.iterdir()) == []
    assert (tmp_path / "out" / "b.txt").read_text() == ARTICLE


def test_walk_does_not_follow_symlinks_out_of_the_tree_and_loops_end(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.txt", PAGE)
    secret = write(tmp_path / "elsewhere" / "secret.txt", PAGE)
    (root / "link-out").symlink_to(secret.parent)
    (root / "secret.txt").symlink_to(secret)
    (root / "loop").symlink_to(root)
    (root / "inner.txt").symlink_to(root / "a.txt")
    (root / "dangling.txt").symlink_to(tmp_path / "nothing")
    s, r = summary_of(root, "--out", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".txt") == [
        "a.txt",
        "inner.txt",  # a link inside the tree is read: the output is a plain file
    ]
    assert s["skip_reasons"] == {
        "symbolic link to a folder, not followed": 2,
        "symbolic link pointing outside the tree, not followed": 1,
        "broken symbolic link": 1,
    }
    assert secret.read_text() == PAGE
    s, r = summary_of(root, "--in-place", "--jobs", "1")  # in place, links are left alone
    assert (root / "inner.txt").is_symlink() and secret.read_text() == PAGE
    assert s["files"]["cleaned"] == 1


def test_an_out_dir_inside_the_input_is_not_walked(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.txt", PAGE)
    write(root / "sub" / "b.txt", PAGE)
    for _ in range(2):
        s, r = summary_of(root, "--out", root / "clean", "--jobs", "1", "--force")
        assert r.exit_code == 0 and s["files"]["seen"] == 2
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.txt")) == [
        "a.txt",
        "clean/a.txt",
        "clean/sub/b.txt",
        "sub/b.txt",
    ]


def test_dotdot_in_a_path_cannot_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "in" / "sub" / "a.txt", PAGE)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    r = run("../in/sub/../sub/a.txt", "../in/sub/..", "--out", "o", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    written = sorted(p.relative_to("o").as_posix() for p in Path("o").rglob("*.txt"))
    assert written == ["a.txt", "sub/a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "work"]


# -- encodings and newlines ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, encode",
    [
        ("crlf.txt", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
        ("bom.txt", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
        ("utf16.txt", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
        ("cp1252.txt", lambda t: t.replace("Pakistan", "Pakistán").encode("cp1252")),
        ("no-final-newline.md", lambda t: t.rstrip("\n").encode("utf-8")),
    ],
)
def test_encodings_and_newline_styles_survive(tmp_path: Path, name: str, encode) -> None:
    src = write(tmp_path / "in" / name, encode(PAGE))
    r = run(tmp_path / "in", "--in-place", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    expected = encode(ARTICLE)
    if name == "no-final-newline.md":
        expected = ARTICLE.encode("utf-8")  # the kept lines end where they ended
    assert src.read_bytes() == expected


def test_output_encoding_converts_text_files(tmp_path: Path) -> None:
    page = PAGE.replace("Pakistan", "Pakistán")
    write(tmp_path / "in" / "a.txt", page.encode("cp1252"))
    write(tmp_path / "in" / "b.txt", ARTICLE.replace("\n", "\r\n").encode("cp1252"))
    args = ("--encoding", "cp1252", "--output-encoding", "utf-8", "--jobs", "1")
    s, r = summary_of(tmp_path / "in", "--out", tmp_path / "out", *args)
    assert r.exit_code == 0, r.stderr
    expected = "".join(page.splitlines(keepends=True)[:11]).encode("utf-8")
    assert (tmp_path / "out" / "a.txt").read_bytes() == expected
    assert (tmp_path / "out" / "b.txt").read_bytes() == ARTICLE.replace("\n", "\r\n").encode()
    assert s["files"]["cleaned"] == 1 and s["files"]["rewritten"] == 1
    r = run(tmp_path / "out" / "a.txt", "--dry-run", "--output-encoding", "ascii")
    assert r.exit_code == 2 and "cannot write as ascii" in r.stderr


def test_a_state_that_cannot_be_used_only_costs_time(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", PAGE)
    write(tmp_path / "a-file", "")
    args = (tmp_path / "in", "--in-place", "--state", tmp_path / "a-file" / "state.sqlite")
    s, r = summary_of(*args)
    assert r.exit_code == 0 and "warning: run state" in r.stderr
    assert s["files"]["cleaned"] == 1 and (tmp_path / "in" / "a.txt").read_text() == ARTICLE
