"""gdcore.rates against closed forms and brute force: the best fixed rate, per-direction
shrink factors measured on real runs, outcome names, and the steps the learning_rate scene shows."""

import numpy as np
import pytest

from gdcore import functions
from gdcore.optim import SGD
from gdcore.rates import curvatures, outcome_names, sgd_steps, zigzags
from gdcore.trajectory import REGIMES, descend, lr_regimes


@pytest.fixture
def bowl():
    return functions.get("quadratic", a=1.0, b=12.0)


def test_best_rate_is_2_over_L_plus_mu_and_minimises_the_pace(bowl):
    c = curvatures(bowl, [2.6, 1.4])
    assert (c.mu, c.L) == (1.0, 12.0)
    assert c.best_rate == pytest.approx(2.0 / 13.0)
    grid = np.linspace(1e-4, 2.0 / c.L, 20001)
    paces = np.array([c.pace(e) for e in grid])
    assert grid[np.argmin(paces)] == pytest.approx(c.best_rate, abs=2e-4)
    assert c.pace(c.best_rate) == pytest.approx((c.L - c.mu) / (c.L + c.mu))


@pytest.mark.parametrize("lr", [0.02, 1 / 12, 2 / 13, 0.15])
def test_shrink_factors_match_real_steps(bowl, lr):
    """Each step multiplies x by 1 - lr*mu and y by 1 - lr*L (the engine's run, measured)."""
    c = curvatures(bowl, [2.6, 1.4])
    run = descend(bowl, [2.6, 1.4], SGD(lr=lr), 5, tol=0)
    assert np.allclose(run.points[1:], run.points[:-1] * c.factors(lr), atol=1e-12)


def test_outcome_names_follow_the_runs(bowl):
    factors = dict(zip(REGIMES, [0.08, 1.0, 1.8, 2.3], strict=True))
    for loss, x0, steps, want in (
        (functions.get("parabola"), [2.5], 10, {"slow": "slow", "good": "good", "oscillating": "oscillating",
                                                "diverging": "diverging"}),
        # On the 1:12 bowl 1/L ends 400x above 1.8/L: it is "slow", not "good".
        (bowl, [2.6, 1.4], 40, {"slow": "slow", "good": "slow", "oscillating": "oscillating",
                                "diverging": "diverging"}),
    ):
        r = lr_regimes(loss, x0, factors)
        runs = {n: descend(loss, x0, SGD(lr=r[n]), steps) for n in REGIMES}
        c = curvatures(loss, x0)
        assert outcome_names(runs, loss.minima[0].point, c.eigenvectors) == want
    r = lr_regimes(bowl, [2.6, 1.4], factors)
    good = descend(bowl, [2.6, 1.4], SGD(lr=r["good"]), 40).losses[-1]
    osc = descend(bowl, [2.6, 1.4], SGD(lr=r["oscillating"]), 40).losses[-1]
    assert good / osc > 100


def test_zigzag_only_when_a_factor_is_negative(bowl):
    c = curvatures(bowl, [2.6, 1.4])
    for lr in (0.05, 1 / 12, 0.12, 0.16):
        run = descend(bowl, [2.6, 1.4], SGD(lr=lr), 10, tol=0)
        assert zigzags(run, [0, 0], c.eigenvectors) == bool(np.any(c.factors(lr) < 0))


def test_sgd_steps_are_the_update_rule():
    loss = functions.get("parabola")
    lr = 0.15
    run = descend(loss, [2.5], SGD(lr=lr), 3)
    steps = sgd_steps(run, loss, lr, 3)
    x = 2.5
    for s in steps:
        slope = 2.0 * x                       # d/dx of x^2 (curvature 2), by hand
        assert s.x == pytest.approx(x) and s.slope == pytest.approx(slope)
        assert s.x_new == pytest.approx(x - lr * slope)
        x = x - lr * slope
    assert [round(s.x_new, 6) for s in steps] == [1.75, 1.225, 0.8575]


def test_curvatures_refuse_a_saddle():
    with pytest.raises(ValueError):
        curvatures(functions.get("saddle"), [0.5, 0.5])
