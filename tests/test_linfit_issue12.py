"""The numbers of linear_fit's new beats: the house steps of post 002, the y = 2x fit of the talk,
and the MSE grid behind the loss contours, against hand arithmetic and brute force."""

import numpy as np
import pytest

from gdcore import data
from gdcore.linfit import (
    fit_line,
    house_guesses,
    house_steps,
    least_squares,
    mse,
    mse_grid,
)
from scenes.params import scene_params


def test_house_guesses_are_the_posts_table():
    p = scene_params("linear_fit")
    sqft, prices = data.house_prices()
    rows = house_guesses(sqft[0], prices[0] * 1000, p["house_guesses"])
    # Post 002: Y = 100 -> $100k, error $100k; 150 -> $150k, $50k; 175 -> $175k, $25k.
    assert [(w, pred / 1000, err / 1000) for w, pred, err in rows] == [
        (100.0, 100.0, 100.0), (150.0, 150.0, 50.0), (175.0, 175.0, 25.0)]


def test_house_step_is_1000_times_0_01():
    p = scene_params("linear_fit")
    sqft, prices = data.house_prices()
    steps = house_steps(sqft[0], prices[0] * 1000, p["house_guesses"][0], p["house_lr"], p["house_steps"])
    first = steps[0]
    assert abs(first.grad) == sqft[0] == 1000.0               # dP/dY = S
    assert first.w_new - first.w == pytest.approx(1000 * 0.01)  # the post's step of 10: Y 100 -> 110
    assert first.w_new == pytest.approx(110.0)
    # Each step moves Y by lr*S towards the price until the error is 0 (Y = 200 prices the house exactly).
    ws = [s.w_new for s in steps]
    assert ws[-1] == pytest.approx(prices[0] * 1000 / sqft[0])
    for s in steps:
        assert s.grad == pytest.approx(-np.sign(s.error) * sqft[0])


def test_talk_fit_reaches_w_2_b_0():
    p = scene_params("linear_fit")
    x, y = data.y_equals_2x(6)
    fit = fit_line(x, y, lr=p["talk_lr"], epochs=p["talk_passes"], mode="stochastic", loss=p["loss"], seed=p["seed"])
    assert least_squares(x, y) == pytest.approx((2.0, 0.0), abs=1e-12)
    assert fit.m[-1] == pytest.approx(2.0, abs=0.01) and fit.b[-1] == pytest.approx(0.0, abs=0.03)
    assert fit.loss[-1] < fit.loss[0] / 100


def test_mse_grid_matches_mse_pointwise():
    x, y = data.six_points()
    ms, bs = np.linspace(-1, 3, 7), np.linspace(-2, 2, 5)
    Z = mse_grid(x, y, ms, bs)
    for j, b in enumerate(bs):
        for i, m in enumerate(ms):
            assert Z[j, i] == pytest.approx(mse(x, y, m, b))


def test_settled_index_is_where_the_loss_stops_moving():
    from gdcore.linfit import settled_index

    p = scene_params("linear_fit")
    x, y = data.six_points()
    fit = fit_line(x, y, lr=p["lr"], epochs=p["passes"], mode="stochastic", loss=p["loss"], seed=p["seed"])
    k = settled_index(fit.loss, 0.01)
    final = fit.loss[-1]
    assert all(abs(v - final) <= 0.01 * final for v in fit.loss[k:])
    assert k == 0 or abs(fit.loss[k - 1] - final) > 0.01 * final
    assert 0 < k < len(fit.loss) - 1          # the default run has a flat tail worth skipping
