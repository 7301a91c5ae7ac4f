"""Render smoke test: scenes/linear_fit.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_linear_fit_renders(tmp_path):
    r = render_tiny("linear_fit.py", tmp_path)
    assert r.frames > 100, r.frames          # about 34 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "passes" in r.srt.read_text()
    text = " ".join(r.srt.read_text().split())
    assert "a step of 1000 × 0.01 = 10" in text              # post 002's step, from the engine
