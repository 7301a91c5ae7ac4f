"""scenes/backprop.py rendered at a tiny size: its captions carry the engine's numbers.
(That it renders at all is a row of tests/test_render_smoke.py, which shares this render.)"""

import pytest

pytestmark = pytest.mark.render


def test_backprop_nudge_caption_carries_the_engines_numbers(tiny_render):
    r = tiny_render("backprop.py")
    # The nudge caption carries the engine's numbers: d moves by about a.grad * h.
    from gdcore.sensitivity import nudge
    from scenes.backprop import tree
    from scenes.kit import fmt
    from scenes.params import scene_params

    p = scene_params("backprop")
    n = nudge(tree, {k: p[k] for k in "abc"}, "a", p["nudge_h"])
    assert r.srt is not None
    text = " ".join(r.srt.read_text().split())
    assert f"d moved by {fmt(n.delta)}, about {fmt(n.delta / n.h, 3)} × h" in text  # noqa: RUF001 (shown on screen)
