"""`python -m scenes publish` on three tiny fixture scenes (tests/fixtures/scenes)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "scenes"

pytestmark = pytest.mark.render


def publish(out: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scenes", "publish", "--scenes-dir", str(FIXTURES), "--out", str(out),
           "--quality", "low", "--gif-width", "160", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def mtimes(out: Path) -> dict[str, float]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
            and "logs" not in p.parts and p.name not in ("manifest.json", "index.html", ".publish.lock")}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [v for k, v in attrs if k in ("href", "src", "poster") and v]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("publish")
    proc = publish(out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_manifest_lists_every_output_and_matches_the_files(first_run):
    out, _ = first_run
    m = manifest(out)
    assert set(m["scenes"]) == {"broken", "dot", "square"}
    for name, entry in m["scenes"].items():
        kinds = {Path(f["path"]).suffix for f in entry["files"]}
        assert {".mp4", ".webm", ".gif", ".png"} <= kinds, (name, kinds)
        assert entry["gif"] == {"width": 160, "fps": 10, "colours": 128, "fits": True}   # tiny: the first rung fits
        assert entry["cpu_s"] > 0
        for f in entry["files"]:
            p = out / f["path"]
            assert p.is_file() and p.stat().st_size == f["bytes"] > 0
        assert 0.3 < entry["duration_s"] < 3.0          # the fixtures last about 1 s
        assert re.fullmatch(r"[0-9a-f]{64}", entry["input_hash"])
        assert entry["version"] and entry["quality"] == "low"
        assert entry["render_s"] > 0                   # the next run starts the longest scenes first
    # dot.py marks one key frame ("grown") and writes one subcaption.
    dot = m["scenes"]["dot"]
    assert [s["name"] for s in dot["stills"]] == ["last", "grown"]
    assert "A dot appears." in (out / "dot" / "dot.srt").read_text()
    assert m["scenes"]["dot"]["params"] == {"radius": 0.5}


def test_a_still_shows_the_marked_moment_not_the_next_animation(first_run):
    # dot.py fades a red square over the whole frame right after its mark.  The frame at the mark's
    # time already belongs to that fade; the still must be the frame before it (no red at all).
    from PIL import Image

    out, _ = first_run
    still = np.asarray(Image.open(out / "dot" / "dot-01-grown.png").convert("RGB")).astype(int)
    last = np.asarray(Image.open(out / "dot" / "dot-last.png").convert("RGB")).astype(int)
    def reddish(im: np.ndarray) -> float:
        return float(((im[..., 0] - im[..., 1] > 60) & (im[..., 0] > 120)).mean())

    assert reddish(last) > 0.9          # the fade did happen, and the test can see red
    assert reddish(still) == 0.0, f"{reddish(still):.1%} of the still is red"
    assert not list(out.glob(".work-*")), "work folders are cleaned up"


def test_gallery_links_all_resolve(first_run):
    out, _ = first_run
    parser = Links()
    page = (out / "index.html").read_text()
    parser.feed(page)
    assert len(parser.links) >= 9
    for link in parser.links:
        if link.startswith("#"):                                  # the contents: a section of the page
            assert f"id='{link[1:]}'" in page, link
        else:
            assert (out / link).is_file(), link


def test_second_run_renders_nothing(first_run):
    out, _ = first_run
    before = mtimes(out)
    proc = publish(out, "--jobs", "2")
    assert proc.returncode == 0
    assert proc.stderr.count("skipped") >= 3 and "running" not in proc.stderr
    assert mtimes(out) == before


def test_changing_one_scenes_parameters_rerenders_only_that_scene(first_run, tmp_path):
    out, _ = first_run
    before = mtimes(out)
    params = tmp_path / "p.toml"
    params.write_text("[square]\nside = 2.0\n")
    proc = publish(out, "--jobs", "2", "--params", str(params))
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = mtimes(out)
    changed = {k.split("/")[0] for k in after if after[k] != before.get(k)}
    assert changed == {"square"}
    assert manifest(out)["scenes"]["square"]["params"] == {"side": 2.0}


def test_a_failing_scene_keeps_old_outputs_and_fails_the_run(first_run, tmp_path):
    out, _ = first_run
    old_mp4 = (out / "broken" / "broken.mp4").read_bytes()
    before = mtimes(out)
    params = tmp_path / "p.toml"
    params.write_text("[broken]\nfail = true\n")
    proc = publish(out, "--jobs", "2", "--params", str(params), "--force")
    assert proc.returncode != 0
    assert "broken" in proc.stderr and "failed" in proc.stderr and "broken.log" in proc.stderr
    assert "fixture asked to fail" in (out / "logs" / "broken.log").read_text()
    assert (out / "broken" / "broken.mp4").read_bytes() == old_mp4      # the good old file is intact
    for k in before:                                                     # every file is still there
        assert (out / k).is_file()
    assert not list(out.glob(".work-*"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("[nosuch]\nx = 1\n", "unknown scene '[nosuch]'"),
        ("[dot]\nsize = 1\n", "unknown key 'dot.size'"),
        ("[dot]\nradius = 'big'\n", "'dot.radius' must be a number"),
    ],
)
def test_bad_parameter_files_stop_before_rendering(tmp_path, text, words):
    params = tmp_path / "p.toml"
    params.write_text(text)
    out = tmp_path / "out"
    proc = publish(out, "--params", str(params))
    assert proc.returncode == 2
    assert words in proc.stderr and str(params) in proc.stderr
    assert not (out / "dot").exists()


def test_list_prints_every_scene_with_a_description():
    proc = subprocess.run([sys.executable, "-m", "scenes", "list"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0
    assert re.search(r"^backprop\s+Backpropagation", proc.stdout, re.M)


def test_webm_and_webvtt_beside_the_mp4(first_run):
    out, _ = first_run
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name",
                            "-of", "csv=p=0", str(out / "dot" / "dot.webm")], capture_output=True, text=True)
    assert probe.stdout.strip() == "vp9"
    vtt = (out / "dot" / "dot.vtt").read_text()
    assert vtt.startswith("WEBVTT\n\n") and "A dot appears." in vtt and "-->" in vtt and "," not in vtt.split("\n")[3]


def test_a_gif_over_its_budget_steps_down_the_ladder_and_says_so(tmp_path):
    proc = publish(tmp_path, "--only", "dot", "--gif-max-kb", "1", "--no-webm")
    assert proc.returncode == 0, proc.stderr[-2000:]
    entry = manifest(tmp_path)["scenes"]["dot"]
    # 1 kB is out of reach: every rung is tried and the smallest (4 fps, 32 colours) is kept, marked as not fitting.
    assert entry["gif"] == {"width": 160, "fps": 4, "colours": 32, "fits": False}
    assert not any(f["path"].endswith(".webm") for f in entry["files"])
    assert (tmp_path / "logs" / "dot.log").read_text().count("palettegen=max_colors=") == 5   # one try per rung


def test_transparent_stills_have_a_transparent_background(tmp_path):
    proc = publish(tmp_path, "--only", "dot", "--transparent", "--no-gif")
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PIL import Image

    still = Image.open(tmp_path / "dot" / "dot-01-grown.png")
    assert still.mode == "RGBA"
    assert still.getpixel((2, 2))[3] == 0                                   # background: fully transparent
    assert still.getpixel((still.width // 2, still.height // 2))[3] == 255  # the dot: opaque


def test_longest_first_orders_by_the_last_render_at_the_same_quality():
    from scenes.publish import longest_first

    m = {"scenes": {"a": {"render_s": 5.0, "quality": "low"}, "b": {"render_s": 50.0, "quality": "high"},
                    "c": {"render_s": 30.0, "quality": "low"}, "d": {"render_s": 12.5, "quality": "low"}}}
    # b's time is for another quality, so b is unknown at "low" and goes last with e, in their order.
    assert longest_first(["a", "b", "c", "d", "e"], m, "low") == ["c", "d", "a", "b", "e"]
    assert longest_first(["x", "y"], {}, "low") == ["x", "y"]
