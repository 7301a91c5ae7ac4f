"""scenes/learning_rate.py rendered at a tiny size: its captions carry the engine's numbers.
(That it renders at all is a row of tests/test_render_smoke.py, which shares this render.)"""

import pytest

pytestmark = pytest.mark.render


def test_learning_rate_captions_carry_the_engines_numbers(tiny_render):
    r = tiny_render("learning_rate.py")
    # The captions carry the engine's numbers: the bowl's best fixed rate 2/(L + mu), and 1/L named
    # by what its run did on each loss.
    from gdcore import functions
    from gdcore.rates import curvatures
    from scenes.kit import fmt
    from scenes.params import scene_params

    p = scene_params("learning_rate")
    c = curvatures(functions.get("quadratic", a=p["bowl_curvatures"][0], b=p["bowl_curvatures"][1]), p["bowl_start"])
    assert r.srt is not None
    text = " ".join(r.srt.read_text().split())
    assert f"2/(L + μ) = {fmt(c.best_rate, 3)}" in text
    assert "1/L was good on the curve, here it is slow" in text
