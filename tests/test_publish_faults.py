"""Fault injection for ``python -m scenes publish`` on one tiny fixture scene (tests/fixtures/publish_faults).

Each test kills, interrupts, races or corrupts a publish and then checks the output folder: every
scene is either as it was or fully new, manifest.json says exactly what the records say, every
record matches its files' SHA-256, and the next run repairs whatever is left.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from scenes.publishing.faults import FAULT_ENV, STAGES

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "publish_faults"

pytestmark = pytest.mark.render


def cmd(out: Path, *args: str, prefix: tuple[str, ...] = ()) -> list[str]:
    return [*prefix, sys.executable, "-m", "scenes", "publish", "--scenes-dir", str(FIXTURE), "--out", str(out),
            "--quality", "low", "--gif-width", "64", "--jobs", "1", *args]


def publish(out: Path, *args: str, env: dict[str, str] | None = None,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(cmd(out, *args, prefix=prefix), cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def start(out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(cmd(out, *args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def params(tmp: Path, **values) -> str:
    p = tmp / f"p-{abs(hash(tuple(sorted(values.items()))))}.toml"
    p.write_text("[tiny]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    return str(p)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def record(out: Path) -> dict:
    return json.loads((out / "tiny" / "record.json").read_text())


def assert_consistent(out: Path) -> None:
    """manifest.json == the records; every record matches its files; no leftovers of a run."""
    manifest = json.loads((out / "manifest.json").read_text())
    records = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/record.json")}
    assert set(manifest["scenes"]) == set(records)
    for name, rec in records.items():
        entry = manifest["scenes"][name]
        assert entry["input_hash"] == rec["input_hash"] and entry["files"] == rec["files"], name
        for f in rec["files"]:
            assert sha(out / f["path"]) == f["sha256"], f["path"]
        on_disk = {p.name for p in (out / name).iterdir()} - {"record.json"}
        assert on_disk == {Path(f["path"]).name for f in rec["files"]}, name
    assert not list(out.glob(".work-*")) and not list(out.glob(".old-*")), "leftover work folders"


def processes_mentioning(text: str) -> list[str]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                line = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in line:
                found.append(f"{d.name}: {line}")
    return found


def wait_until(cond, timeout: float = 60.0, what: str = "") -> None:
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The fixture scene published once with its defaults (radius 0.5); tests copy this folder."""
    out = tmp_path_factory.mktemp("base") / "out"
    proc = publish(out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture
def out(published, tmp_path) -> Path:
    dest = tmp_path / "out"
    shutil.copytree(published, dest)
    return dest


def test_a_publish_writes_a_record_with_checksums_and_a_manifest_built_from_it(published):
    rec = record(published)
    assert rec["scene"] == "tiny" and len(rec["input_hash"]) == 64
    assert {Path(f["path"]).suffix for f in rec["files"]} == {".mp4", ".webm", ".gif", ".png"}
    assert_consistent(published)


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_at_each_stage_leaves_old_or_new_and_the_next_run_repairs(out, tmp_path, stage):
    old = record(out)
    new_params = params(tmp_path, radius=1.0)
    proc = publish(out, "--params", new_params, env={FAULT_ENV: stage})
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]

    # Right after the kill: the scene is the old folder or the new one, never a mix.
    if stage == "swap":
        # Between the two renames: the old folder, intact, is aside; the next run renames it back.
        (aside,) = out.glob(".old-tiny-*")
        assert json.loads((aside / "record.json").read_text())["input_hash"] == old["input_hash"]
        assert not (out / "tiny").exists()
    else:
        rec = record(out)
        for f in rec["files"]:
            assert sha(out / f["path"]) == f["sha256"]
        expect_new = stage in ("placed", "manifest")
        assert (rec["input_hash"] != old["input_hash"]) == expect_new
        assert (rec["params"]["radius"] == 1.0) == expect_new

    again = publish(out, "--params", new_params)
    assert again.returncode == 0, again.stderr[-2000:]
    if stage in ("placed", "manifest"):
        assert "skipped tiny (unchanged)" in again.stderr       # already new and whole
    else:
        assert "running tiny" in again.stderr
    assert record(out)["params"]["radius"] == 1.0
    assert_consistent(out)


def test_the_reported_bug_new_video_under_the_old_record_is_not_skipped(out, tmp_path):
    # The case: a killed run placed a new video but the record (manifest) is the old one.
    other = tmp_path / "other"
    assert publish(other, "--params", params(tmp_path, radius=1.0)).returncode == 0
    shutil.copyfile(other / "tiny" / "tiny.mp4", out / "tiny" / "tiny.mp4")
    proc = publish(out)
    assert proc.returncode == 0
    assert "tiny/tiny.mp4 does not match its checksum" in proc.stderr
    assert "skipped" not in proc.stderr
    assert_consistent(out)


@pytest.mark.parametrize("damage", ["flip-bytes", "truncate", "delete", "delete-record"])
def test_a_damaged_file_is_detected_and_rendered_again(out, damage):
    mp4 = out / "tiny" / "tiny.mp4"
    good = mp4.read_bytes()
    if damage == "flip-bytes":            # same size, other bytes: only the checksum can tell
        data = bytearray(good)
        data[len(data) // 2] ^= 0xFF
        mp4.write_bytes(bytes(data))
    elif damage == "truncate":
        mp4.write_bytes(good[:100])
    elif damage == "delete":
        mp4.unlink()
    else:
        (out / "tiny" / "record.json").unlink()
    proc = publish(out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "running tiny" in proc.stderr and "skipped" not in proc.stderr
    assert_consistent(out)
    again = publish(out)
    assert "skipped tiny (unchanged)" in again.stderr


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP"])
def test_a_publish_signalled_mid_render_leaves_no_orphans_and_the_next_run_repairs(out, tmp_path, how):
    old = record(out)
    proc = start(out, "--params", params(tmp_path, sleep=60.0, radius=1.0))
    marker = f"{out}/.work-tiny-"
    wait_until(lambda: processes_mentioning(marker) or proc.poll() is not None, what="the render to start")
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=30)
    # The render (manim, in its own process group) is gone too, not finishing in the background.
    wait_until(lambda: not processes_mentioning(marker), timeout=10, what="the render to die")
    assert record(out) == old and all(sha(out / f["path"]) == f["sha256"] for f in old["files"])
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
        assert list(out.glob(".work-tiny-*")), "a SIGKILLed publish cannot clean up; the next run must"
    else:
        assert proc.returncode == {"SIGTERM": 143, "SIGINT": 130, "SIGHUP": 129}[how], err
        lines = err.strip().splitlines()
        assert lines[-1].startswith(f"publish: stopped by {how}"), err
        assert "Traceback" not in err
        assert_consistent(out)
    nxt = publish(out, "--params", params(tmp_path, radius=1.0))
    assert nxt.returncode == 0, nxt.stderr[-2000:]
    if how == "SIGKILL":
        assert "removed stale work folder .work-tiny-" in nxt.stderr
    assert record(out)["params"]["radius"] == 1.0
    assert_consistent(out)


def test_two_publishes_into_one_folder_take_turns(out, tmp_path):
    slow = params(tmp_path, sleep=2.0, radius=0.7)
    first = start(out, "--force", "--params", slow)
    wait_until(lambda: processes_mentioning(f"{out}/.work-tiny-"), what="the first render")
    second = start(out, "--force", "--params", slow)
    err1, err2 = first.communicate(timeout=120)[1], second.communicate(timeout=120)[1]
    assert first.returncode == 0, err1[-2000:]
    assert second.returncode == 0, err2[-2000:]
    assert "waiting for another publish" in err2
    assert "removed stale work folder" not in err2      # it did not touch the first one's work
    assert record(out)["params"]["radius"] == 0.7
    assert_consistent(out)


def test_no_wait_refuses_with_one_line_while_another_publish_runs(out, tmp_path):
    first = start(out, "--force", "--params", params(tmp_path, sleep=3.0))
    wait_until(lambda: processes_mentioning(f"{out}/.work-tiny-"), what="the first render")
    second = publish(out, "--no-wait")
    assert second.returncode == 2
    assert second.stderr.strip().count("\n") == 0 and "another publish" in second.stderr, second.stderr
    assert first.wait(timeout=120) == 0
    assert_consistent(out)


def _without_root_powers() -> tuple[str, ...]:
    """A command prefix that makes root obey file modes (CI runs as root): drop CAP_DAC_OVERRIDE."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root and util-linux setpriv is missing: cannot make a folder read-only")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def test_a_read_only_output_folder_is_one_line_and_status_2():
    ro = Path(tempfile.mkdtemp(prefix="gdviz-ro-", dir="/tmp"))
    try:
        ro.chmod(0o555)
        proc = publish(ro, prefix=_without_root_powers())
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: cannot write to the output folder")
        assert str(ro) in proc.stderr and "Traceback" not in proc.stderr
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)
        shutil.rmtree(ro)


def test_an_uncreatable_output_folder_is_one_line_and_status_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = publish(blocker / "out")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot write to the output folder" in proc.stderr, proc.stderr


def _fake_tool(bin_dir: Path, tool: str, fail_if: str) -> None:
    real = shutil.which(tool)
    script = bin_dir / tool
    script.write_text(f'#!/bin/sh\ncase "$*" in *{fail_if}*) echo "fake {tool} failure" >&2; exit 3;; esac\n'
                      f'exec {real} "$@"\n')
    script.chmod(0o755)


@pytest.mark.parametrize("tool, fail_if, step", [("ffmpeg", ".gif", "gif"), ("ffmpeg", ".png", "still"),
                                                 ("ffprobe", "duration", "probe")])
def test_gif_still_and_probe_failures_are_reported_like_a_render_failure(out, tmp_path, tool, fail_if, step):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_tool(bin_dir, tool, fail_if)
    old = record(out)
    proc = publish(out, "--force", env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert proc.returncode == 1, proc.stderr[-2000:]
    row = next(line for line in proc.stderr.splitlines() if line.startswith("tiny ") and "failed" in line)
    assert f"{step}: {tool} exited with status" in row, row
    assert "1 scene(s) failed: tiny" in proc.stderr and "Traceback" not in proc.stderr
    assert record(out) == old                              # the old, good files stay
    assert_consistent(out)


def test_no_budget_reaches_the_render(out, tmp_path):
    need = params(tmp_path, require_no_budget=True)
    without = publish(out, "--params", need)
    assert without.returncode == 1 and "GDVIZ_NO_BUDGET=1 did not reach the render" in (
        out / "logs" / "tiny.log").read_text()
    with_flag = publish(out, "--params", need, "--no-budget")
    assert with_flag.returncode == 0, with_flag.stderr[-2000:]
    assert record(out)["params"]["require_no_budget"] is True


def _repo_snapshot() -> dict[str, str]:
    files = [ROOT / "README.md", *sorted((ROOT / "media" / "preview").glob("*"))]
    return {str(p.relative_to(ROOT)): sha(p) for p in files if p.is_file()}


def test_publishing_never_touches_the_readme_or_the_committed_previews(tmp_path):
    before = _repo_snapshot()
    assert "README.md" in before and len(before) > 1
    plain = publish(tmp_path / "a")                                   # no flag: previews left alone
    assert plain.returncode == 0, plain.stderr[-2000:]
    refused = publish(tmp_path / "b", "--update-previews")           # fixture scenes at low quality
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "--update-previews needs a full publish" in refused.stderr
    only = subprocess.run([sys.executable, "-m", "scenes", "publish", "--out", str(tmp_path / "c"), "--only",
                           "backprop", "--update-previews"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert only.returncode == 2 and "every scene (no --only)" in only.stderr, only.stderr
    assert not (tmp_path / "c" / "backprop").exists()                 # refused before rendering
    assert _repo_snapshot() == before
