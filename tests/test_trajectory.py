"""Trajectories: where runs end, clean divergence, learning-rate regimes, resampling, local vs global."""

import warnings

import numpy as np
import pytest

from gdcore import functions as F
from gdcore.optim import SGD, Adam, RMSprop
from gdcore.trajectory import (
    descend,
    find_local_vs_global,
    lr_regimes,
    nearest_minimum,
    stability_bound,
)


@pytest.mark.parametrize(
    "name, x0, opt, steps",
    [
        ("quadratic", [2.5, 1.5], SGD(lr=0.05), 400),
        ("booth", [-5.0, 5.0], SGD(lr=0.05, momentum=0.8), 400),
        ("himmelblau", [0.5, 0.5], Adam(lr=0.05), 2000),
        ("rosenbrock", [-1.5, 2.0], Adam(lr=0.02), 6000),
        ("beale", [1.0, 1.5], RMSprop(lr=0.002), 8000),
    ],
)
def test_runs_end_at_a_listed_minimum(name, x0, opt, steps):
    f = F.get(name)
    t = descend(f, x0, opt, steps)
    m = nearest_minimum(f, t.final, tol=0.02)
    assert m is not None, (name, t.final, t.status)
    assert t.losses[-1] == pytest.approx(m.value, abs=1e-3)
    assert t.points.shape == (steps + 1, 2) and t.losses.shape == (steps + 1,)


def test_divergence_is_clean():
    f = F.get("quadratic", a=1.0, b=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # any NumPy RuntimeWarning fails the test
        t = descend(f, [1.0, 1.0], SGD(lr=0.5), 10_000)   # lr*L = 5 > 2
    assert t.status == "diverged"
    assert np.isfinite(t.points).all() and np.isfinite(t.losses).all()
    assert 5 < len(t.points) < 10_000


def test_regimes_behave_as_named_on_a_quadratic():
    # Curvatures 1 and 10: L = 10, so 1/L = 0.1 and 2/L = 0.2.
    f = F.get("quadratic", a=1.0, b=10.0)
    r = lr_regimes(f, [2.0, 1.0], [0.15, 1.0, 1.8, 2.3])
    assert pytest.approx(10.0) == r.L
    assert r.monotone_limit == pytest.approx(0.1) and r.stable_limit == pytest.approx(0.2)
    assert list(r) == ["slow", "good", "oscillating", "diverging"]
    assert r["slow"] < r.monotone_limit == r["good"] < r["oscillating"] < r.stable_limit < r["diverging"]
    y = {k: descend(f, [2.0, 1.0], SGD(lr=v), 60).points[:, 1] for k, v in r.items()}
    assert np.all(np.diff(np.abs(y["slow"])) < 0) and np.all(y["slow"] > 0)           # monotone, one side
    assert np.all(y["good"][1:] == 0)                                                  # lr = 1/L: one step
    signs = np.sign(y["oscillating"][:20])
    assert np.all(signs[1:] == -signs[:-1]) and abs(y["oscillating"][-1]) < 1e-2       # zig-zag, converges
    assert abs(y["diverging"][-1]) > 1e3                                              # grows


@pytest.mark.parametrize("name", ["double_well", "two_basins"])
def test_local_vs_global_case_is_real(name):
    f = F.get(name)
    case = find_local_vs_global(f)
    # The stuck run (plain GD) really ends in the local minimum ...
    assert not case.stuck_minimum.is_global
    assert np.linalg.norm(case.stuck.final - case.stuck_minimum.point) < 0.05
    # ... and momentum from the same start with the same lr really reaches the global one.
    assert case.rolled_minimum.is_global
    assert np.linalg.norm(case.rolled.final - case.rolled_minimum.point) < 0.05
    assert np.allclose(case.stuck.points[0], case.rolled.points[0])
    assert case.stuck.hyperparams["lr"] == case.rolled.hyperparams["lr"] == case.lr
    assert case.rolled.hyperparams["momentum"] == case.momentum
    assert case.rolled.velocities is not None


def test_bad_inputs():
    f = F.get("booth")
    with pytest.raises(ValueError, match="x0 must have 2 coordinates"):
        descend(f, [1.0], SGD(lr=0.1), 3)
    with pytest.raises(ValueError, match="no positive curvature"):
        lr_regimes(F.get("-(x**2) - y**2"), [0.0, 0.0], [0.15, 1.0, 1.8, 2.3])   # a hill: curvatures -2 and -2


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_widens_the_stability_bound(beta):
    # On a quadratic with L = 10 the bound is (2 + 2*beta)/10: 0.2, 0.3, 0.38.
    f = F.get("quadratic", a=1.0, b=10.0)
    bound = stability_bound(10.0, beta)
    assert bound == pytest.approx((2 + 2 * beta) / 10)
    below = descend(f, [1.0, 1.0], SGD(lr=0.97 * bound, momentum=beta), 3000)
    above = descend(f, [1.0, 1.0], SGD(lr=1.03 * bound, momentum=beta), 3000)
    assert below.status != "diverged" and abs(below.points[-1, 1]) < 1e-3
    assert above.status == "diverged"


def test_regime_factors_come_from_the_caller():
    # gdcore holds the regime names only; the factors are the scene's parameters (defaults.toml).
    from gdcore.trajectory import REGIMES

    f = F.get("quadratic", a=1.0, b=10.0)
    by_list = lr_regimes(f, [2.0, 1.0], [0.08, 1.0, 1.8, 2.3])
    by_name = lr_regimes(f, [2.0, 1.0], dict(zip(REGIMES, [0.08, 1.0, 1.8, 2.3], strict=True)))
    assert by_list.rates == by_name.rates == pytest.approx({"slow": 0.008, "good": 0.1, "oscillating": 0.18,
                                                             "diverging": 0.23})
    with pytest.raises(ValueError, match="factors needs 4 numbers"):
        lr_regimes(f, [2.0, 1.0], [1.0, 2.0])
