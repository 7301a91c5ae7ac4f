"""``python -m scenes slides`` on two tiny fixture scenes (tests/fixtures/slides): a plain manim Scene
(one slide) and a scene on the kit's base with two beats and three captions (two slides, the captions
as speaker notes).  The deck is opened in headless Chromium from file:// with no network at all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "slides"
sys.path.insert(0, str(ROOT / "tools"))

from page_check import check_page, chromium  # noqa: E402

from scenes.publishing.slides import REVEAL_FILES, notes_for_slides, reveal_dir  # noqa: E402

pytestmark = pytest.mark.render


def slides(out: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scenes", "slides", "--scenes-dir", str(FIXTURES), "--out", str(out),
           "--quality", "low", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides") / "deck"
    before = git_status()
    proc = slides(out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert git_status() == before, "building a deck changed files in the repository"
    return out


def sections(page: str) -> list[str]:
    return re.findall(r"<section(.*?)</section>", page, re.S)


def test_beats_become_slides_and_captions_speaker_notes(deck):
    page = (deck / "index.html").read_text()
    slides_ = sections(page)
    assert len(slides_) == 3, "plain: one slide; talk: one per beat"
    notes = [re.search(r'<aside class="notes"[^>]*>(.*?)</aside>', s, re.S).group(1) for s in slides_]
    assert notes[0] == "- A dot appears."
    assert notes[1] == "## First beat\n- A square is drawn."
    assert notes[2] == "## Second beat\n- It leaves; a circle comes.\n- The circle stays."
    for s in slides_:
        video = re.search(r'data-background-video="([^"]+)"', s).group(1)
        assert (deck / video).is_file() and (deck / video).stat().st_size > 0


def test_the_deck_carries_its_reveal_js(deck):
    for f in REVEAL_FILES:
        assert (deck / "reveal.js" / f).is_file(), f
    page = (deck / "index.html").read_text()
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page), "the deck must not load anything from the network"
    summary = json.loads((deck / "deck.json").read_text())
    assert summary["reveal.js"] == "6.0.1" and set(summary["scenes"]) == {"plain", "talk"}
    assert not list(deck.parent.glob(".deck.work-*")), "the work folder is removed"


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (tools/setup.sh installs it)")
def test_the_deck_opens_offline_from_disk_with_no_failed_request(deck):
    report = check_page((deck / "index.html").as_uri(), seconds=3.0, offline=True)
    assert report["loaded"]
    assert report["failed"] == [] and report["exceptions"] == [], report
    local = [u for u in report["requests"] if u.startswith("file://")]
    assert any(u.endswith("reveal.js/dist/reveal.js") for u in local)
    assert any(u.endswith(".mp4") for u in local), "the first slide's video is loaded"
    assert not [u for u in report["requests"] if u.startswith(("http:", "https:"))]


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (tools/setup.sh installs it)")
def test_the_offline_check_sees_a_deck_that_needs_the_network(deck, tmp_path):
    # The same deck with reveal.js from the CDN manim-slides uses by default: offline it must fail,
    # so the test above can fail.
    page = (deck / "index.html").read_text().replace('src="reveal.js/dist/reveal.js"',
                                                      'src="https://cdn.jsdelivr.net/npm/reveal.js@6.0.1/dist/reveal.js"')
    cdn = deck / "cdn-check.html"
    cdn.write_text(page)
    try:
        report = check_page(cdn.as_uri(), seconds=1.0, offline=True)
    finally:
        cdn.unlink()
    assert [u for u, _ in report["failed"]] == ["https://cdn.jsdelivr.net/npm/reveal.js@6.0.1/dist/reveal.js"]
    assert report["exceptions"]


def test_without_reveal_js_the_command_stops_in_one_line(tmp_path):
    import os

    out = tmp_path / "deck"
    proc = slides(out, env={**os.environ, "GDVIZ_REVEAL_DIR": str(tmp_path / "nowhere")})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "reveal.js 6.0.1" in proc.stderr and "tools/setup.sh" in proc.stderr
    assert not out.exists()


def test_unknown_scene_is_one_line_exit_2(tmp_path):
    proc = slides(tmp_path / "deck", "--only", "nosuch")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "nosuch" in proc.stderr


def test_notes_are_split_at_the_beats():
    assert notes_for_slides([], [""], []) == [""]
    assert notes_for_slides([2.0, 4.0], ["A", "B", "C"], [(0.5, "a"), (2.0, "b"), (3.9, "c"), (9.0, "d")]) == \
        ["## A\n- a", "## B\n- b\n- c", "## C\n- d"]


def test_setup_installs_what_the_deck_needs():
    # reveal.js where the command looks for it, at the version the template is written for.
    assert all((reveal_dir() / f).is_file() for f in REVEAL_FILES), "run bash tools/setup.sh"
    pkg = json.loads((reveal_dir() / "package.json").read_text())
    assert pkg["version"] == "6.0.1"
