"""Render smoke test: scenes/loss_surface.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_loss_surface_renders_a_user_expression(tmp_path):
    # A loss typed by the user, with no minima listed: contours, runs and legend still work.
    params = tmp_path / "p.toml"
    params.write_text('[loss_surface]\nfunction = "x**2 + 3*sin(y)"\nstart = [2.0, 1.0]\nsteps = 40\n'
                      "turn_seconds = 1.0\nrace_seconds = 2.0\n")
    r = render_tiny("loss_surface.py", tmp_path, env={"GDVIZ_PARAMS": str(params)})
    assert r.frames > 20 and not is_blank(r.last_frame)
    assert "x**2 + 3*sin(y)" in r.srt.read_text()
