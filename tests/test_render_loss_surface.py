"""Render smoke test: scenes/loss_surface.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_loss_surface_renders(tmp_path):
    r = render_tiny("loss_surface.py", tmp_path)
    assert r.frames > 60, r.frames
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "momentum" in r.srt.read_text().lower()
