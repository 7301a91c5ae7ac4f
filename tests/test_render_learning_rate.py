"""Render smoke test: scenes/learning_rate.py writes a real video at a tiny size."""

import pytest

from tests.rendering import is_blank, render_tiny

pytestmark = pytest.mark.render


def test_learning_rate_renders(tmp_path):
    r = render_tiny("learning_rate.py", tmp_path)
    assert r.frames > 100, r.frames          # about 45 s at 4 fps
    assert not is_blank(r.last_frame)
    assert r.srt is not None and "1/L" in r.srt.read_text()
    # The captions carry the engine's numbers: the bowl's best fixed rate 2/(L + mu), and 1/L named
    # by what its run did on each loss.
    from gdcore import functions
    from gdcore.rates import curvatures
    from scenes.kit import fmt
    from scenes.params import scene_params

    p = scene_params("learning_rate")
    c = curvatures(functions.get("quadratic", a=p["bowl_curvatures"][0], b=p["bowl_curvatures"][1]), p["bowl_start"])
    text = " ".join(r.srt.read_text().split())
    assert f"2/(L + μ) = {fmt(c.best_rate, 3)}" in text
    assert "1/L was good on the curve, here it is slow" in text
