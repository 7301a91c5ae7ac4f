"""Render smoke test: scenes/loss_surface.py writes a real video at a tiny size."""

import pytest

from tests.rendering import figure_marks, is_blank, render_tiny

pytestmark = pytest.mark.render


def test_loss_surface_race_story_and_stills(tiny_render):
    # The smoke table's render (defaults), checked for the story and the order of the stills.
    r = tiny_render("loss_surface.py")
    marks_file = r.figures
    assert r.srt is not None and marks_file is not None
    srt = r.srt.read_text()
    assert "momentum" in srt.lower()
    # The default race (six-hump camel from (1.9, 1.1), all at 0.01): slow motion up to step 20, three
    # steps after momentum's last change of basin (step 17, see tests/test_loss_surface_paths.py).
    assert "Slow motion: steps 0 to 20." in srt
    assert "Momentum reached the global minimum, f = -1.03" in srt
    # Momentum's two climbs in the slow motion (its f 2.115 -> 2.429 over steps 3-5 and 0.555 -> 1.679 over
    # steps 11-13, see tests/test_loss_surface_paths.py), each captioned as it happens.
    flat = " ".join(srt.split())
    assert "Momentum's velocity (arrow) carries it uphill: f 2.12 → 2.43." in flat
    assert "Uphill again, f 0.555 → 1.68" in flat
    # Adam is 0.0145 from the local minimum after 150 steps, still moving: not "stopped" there.
    assert "Adam ended in the local minimum's basin, still moving (f = 2.11)." in flat
    assert "Adam steps about lr per coordinate" in flat
    # The stills, in story order: the race, its lesson, the map from above.
    marks = figure_marks(marks_file)
    assert {"race-3d", "race-lesson", "top-down"} <= set(marks)
    assert marks["race-3d"] < marks["race-lesson"] < marks["top-down"]


def test_loss_surface_renders_a_user_expression(tmp_path):
    # A loss typed by the user, with no minima listed: contours, runs and legend still work.
    params = tmp_path / "p.toml"
    params.write_text('[loss_surface]\nfunction = "x**2 + 3*sin(y)"\nstart = [2.0, 1.0]\nsteps = 40\n'
                      "turn_seconds = 1.0\nrace_seconds = 2.0\n")
    r = render_tiny("loss_surface.py", tmp_path, env={"GDVIZ_PARAMS": str(params)})
    assert r.frames > 20 and not is_blank(r.last_frame)
    assert "x**2 + 3*sin(y)" in r.srt.read_text()
