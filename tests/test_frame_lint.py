"""The frame lint (tests/frame_lint.py): each fixture breaks one rule and is caught; the scenes pass.

The fixture tests dry-run tiny scenes (about a second each) through the probe in a subprocess,
as CI does.  The scene tests (markers ``render`` and ``lint``) dry-run the nine scenes at 480p15.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests import frame_lint
from tests.frame_lint import ROOT, lint_scene

FIXTURES = ROOT / "tests" / "fixtures"
SCENES = ["backprop", "learning_rate", "linear_fit", "optimizers", "local_minima", "loss_surface",
          "neural_network", "gd_variants", "loss_landscape"]


def _show(failures: list[dict]) -> str:
    return "\n".join(f["line"] for f in failures) or "(none)"


# ---------------------------------------------------------------------------------------------
# Fixtures through the probe
# ---------------------------------------------------------------------------------------------

def test_a_clean_scene_passes():
    failures = lint_scene(FIXTURES / "lint_clean.py")
    assert failures == [], _show(failures)


@pytest.mark.parametrize("fixture, rule, text", [
    ("lint_tiny.py", "glyph-height", "too small to read"),
    ("lint_overlap.py", "overlap", "first words"),
    ("lint_offframe.py", "outside-frame", "off the edge"),
    ("lint_crossfade.py", "cross-fade", "Old title"),
    ("lint_fast_subtitle.py", "subtitle-speed", "This subtitle says far too much"),
    ("lint_short_subtitle.py", "subtitle-duration", "Hi"),
    ("lint_3d_small.py", "glyph-height", "projected label"),
])
def test_a_fixture_breaking_one_rule_fails_with_that_rule(fixture, rule, text):
    failures = lint_scene(FIXTURES / fixture)
    assert [f["rule"] for f in failures] == [rule], _show(failures)
    f = failures[0]
    assert f["text"].strip().startswith(text)
    # One line naming the scene, the time, the rule and the text.
    assert f["line"].startswith(f'{f["scene"]} t={f["time"]:.1f}s: {rule}: "')
    assert text[:20] in f["line"]


def test_the_failure_line_gives_the_measurements():
    (tiny,) = lint_scene(FIXTURES / "lint_tiny.py")
    assert tiny["scene"] == "LintTiny" and tiny["time"] == pytest.approx(0.5, abs=0.07)   # 8 frames at 15 fps
    assert "8.5 px < 12 px" in tiny["line"]          # 14 x 0.6074 = 8.5 px
    (cross,) = lint_scene(FIXTURES / "lint_crossfade.py")
    assert cross["other"] == "New title" and "FadeOut" in cross["detail"] and "FadeIn" in cross["detail"]
    (fast,) = lint_scene(FIXTURES / "lint_fast_subtitle.py")
    assert "61 characters in 2.00 s = 30.5/s" in fast["detail"]   # outer spaces not counted


def test_the_command_line_prints_the_failures_and_exits_1(tmp_path):
    out = tmp_path / "lint.jsonl"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "frame_lint.py"), "render", "-ql", "--dry_run",
         "--progress_bar", "none", str(FIXTURES / "lint_overlap.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, frame_lint.OUT_ENV: str(out), "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'LintOverlap t=0.5s: overlap: "first words" and "second words"' in proc.stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["rule"] for r in records] == ["overlap"]


def test_a_scene_that_raises_is_an_error_not_a_pass(tmp_path):
    broken = tmp_path / "lint_raises.py"
    broken.write_text("from manim import Scene\n\nclass Raises(Scene):\n    def construct(self):\n"
                      "        raise RuntimeError('boom')\n")
    with pytest.raises(frame_lint.LintRunError, match="boom"):
        lint_scene(broken)


# ---------------------------------------------------------------------------------------------
# Pieces, without manim
# ---------------------------------------------------------------------------------------------

def test_overlap_thresholds():
    # Boxes are tight around the glyphs, so any intersection over 1 px both ways is a collision
    # (a fresh-eyes review found axis titles 2-3 px inside two-line captions under a 4 px rule).
    a = np.array([[0.0, 100.0, 0.0, 20.0]])
    assert frame_lint._overlaps(a, np.array([[98.0, 200.0, 0.0, 20.0]])) != []      # 2 x 20 px
    assert frame_lint._overlaps(a, np.array([[99.5, 200.0, 0.0, 20.0]])) == []      # 0.5 px wide
    assert frame_lint._overlaps(a, np.array([[0.0, 100.0, 19.5, 40.0]])) == []      # 0.5 px high
    assert frame_lint._overlaps(a, np.array([[90.0, 1090.0, 17.0, 117.0]])) != []   # 10 x 3 px corner
    both = np.array([[0.0, 100.0, 0.0, 20.0], [50.0, 150.0, 5.0, 25.0], [500.0, 600.0, 0.0, 20.0]])
    assert [(i, j) for i, j, *_ in frame_lint._overlaps(both)] == [(0, 1)]


def test_a_growing_readout_counts_once():
    box = np.array([[0.0, 2.0, 0.0, 0.3]])
    assert frame_lint._same_place(box, np.array([[0.0, 2.6, 0.0, 0.3]]))             # same left edge
    assert frame_lint._same_place(box, np.array([[-0.6, 2.0, 0.0, 0.3]]))            # same right edge
    assert not frame_lint._same_place(box, np.array([[1.0, 3.0, 0.0, 0.3]]))
    assert not frame_lint._same_place(box, np.array([[0.0, 2.0, 1.0, 1.3]]))


# ---------------------------------------------------------------------------------------------
# The scenes
# ---------------------------------------------------------------------------------------------

@pytest.mark.render
@pytest.mark.lint
@pytest.mark.parametrize("scene", SCENES)
def test_scene_passes_the_frame_lint(scene):
    failures = lint_scene(ROOT / "scenes" / f"{scene}.py")
    if failures:
        print(_show(failures))
    assert failures == [], f"{len(failures)} frame-lint failure(s) in scenes/{scene}.py:\n{_show(failures)}"


def test_what_counts_as_a_text_and_how_tall_its_glyphs_are():
    from types import SimpleNamespace

    from manim import ORIGIN, Axes, Text, VGroup, VMobject

    from scenes.kit import LiveText

    class Readout(VGroup):                      # the duck-typed protocol
        lint_text = "a readout"

        def __init__(self):
            super().__init__(VMobject().set_points_as_corners([[0, 0, 0], [1, 0.1, 0]]).set_fill(opacity=1))

        def glyph_height(self):
            return 0.25

    kinds = frame_lint._Kinds()
    axes = Axes(x_range=[0, 3, 1], y_range=[0, 2, 1], x_length=4, y_length=3,
                axis_config={"include_numbers": True, "font_size": 24})
    title = Text("A title", font_size=36)
    live = LiveText("step 12", font_size=20)
    hidden = Text("hidden", font_size=36).set_opacity(0)
    texts = frame_lint._find_texts([VGroup(title, Readout()), axes, live, hidden], kinds)
    names = [type(t).__name__ for t in texts]
    assert names[:2] == ["Text", "Readout"] and names.count("Text") == 2      # glyphs are not texts
    assert names.count("DecimalNumber") >= 2 and names.count("LiveText") == 1              # axis numbers count

    camera = SimpleNamespace(frame_height=8.0, frame_width=14.0 + 2 / 9, frame_center=ORIGIN)
    shown = {s.words: s for s in frame_lint._Screen(camera).measure(texts, kinds)}
    assert "hidden" not in shown                                                # opacity 0
    assert shown["A title"].glyph_px == pytest.approx(36 * 0.6074, abs=0.01)
    assert shown["a readout"].glyph_px == pytest.approx(15.0)                  # 0.25 units x 60
    assert shown["step 12"].glyph_px == pytest.approx(20 * 0.6074, abs=0.1)   # LiveText measures its own "H"
    assert shown["2"].glyph_px == pytest.approx(24 * 0.4284, abs=0.01)        # an axis number
    live.scale(0.5)
    (half,) = frame_lint._Screen(camera).measure([live], kinds)
    assert half.glyph_px == pytest.approx(10 * 0.6074, abs=0.05)


def test_the_glyph_constants_are_still_what_manim_draws():
    measured = frame_lint.measure_constants()
    assert measured["text_cap"] == pytest.approx(frame_lint.TEXT_CAP_PER_PT, abs=0.001)
    assert measured["tex_digit"] == pytest.approx(frame_lint.TEX_DIGIT_PER_PT, abs=0.001)
