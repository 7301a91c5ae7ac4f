"""Render smoke test: scenes/backprop.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_backprop_renders(tmp_path):
    r = render_tiny("backprop.py", tmp_path)
    # The scene lasts about a minute: at 4 fps that is hundreds of frames, certainly > 1.
    assert r.frames > 100, r.frames
    assert not is_blank(r.last_frame)
    # Captions are written as subcaptions too: manim writes them to an .srt beside the video.
    assert r.srt is not None and "grad" in r.srt.read_text()
