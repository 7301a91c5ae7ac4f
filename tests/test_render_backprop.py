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
    # The nudge caption carries the engine's numbers: d moves by about a.grad * h.
    from gdcore.sensitivity import nudge
    from scenes.backprop import tree
    from scenes.kit import fmt
    from scenes.params import scene_params

    p = scene_params("backprop")
    n = nudge(tree, {k: p[k] for k in "abc"}, "a", p["nudge_h"])
    text = " ".join(r.srt.read_text().split())
    assert f"d moved by {fmt(n.delta)}, about {fmt(n.delta / n.h, 3)} × h" in text  # noqa: RUF001 (shown on screen)
