"""Line fitting converges to the least-squares answer; data of the posts."""

import numpy as np
import pytest

from gdcore.data import house_prices, noisy_line, six_points, y_equals_2x
from gdcore.linfit import fit_line, least_squares


def test_least_squares_of_the_six_points():
    # Closed form: m = cov(x, y)/var(x) = 1.90294..., b = mean(y) - m*mean(x) = -0.03333...
    x, y = six_points()
    m, b = least_squares(x, y)
    c = np.cov(x, y, bias=True)
    assert m == pytest.approx(c[0, 1] / c[0, 0]) and m == pytest.approx(1.9029412, abs=1e-6)
    assert b == pytest.approx(y.mean() - m * x.mean()) and b == pytest.approx(-0.0333333, abs=1e-6)


@pytest.mark.parametrize("mode, per_epoch", [("stochastic", 6), ("batch", 1), ("minibatch", 3)])
def test_history_lengths(mode, per_epoch):
    x, y = six_points()
    f = fit_line(x, y, lr=0.01, epochs=50, mode=mode, batch_size=2)
    assert f.updates_per_epoch == per_epoch
    assert len(f.m) == len(f.b) == len(f.loss) == 50 * per_epoch + 1
    assert f.epoch_index.tolist() == list(range(0, 50 * per_epoch + 1, per_epoch))


@pytest.mark.parametrize("mode", ["stochastic", "batch", "minibatch"])
def test_fits_converge_to_least_squares(mode):
    x, y = noisy_line(40, m=-1.5, b=2.0, noise=0.3, seed=3)
    m, b = least_squares(x, y)
    f = fit_line(x, y, lr=0.005 if mode == "stochastic" else 0.02, epochs=400, mode=mode, batch_size=8)
    # Per-sample and mini-batch SGD hover around the optimum at a fixed lr; batch GD reaches it.
    tol = 1e-6 if mode == "batch" else 0.05
    assert f.m[-1] == pytest.approx(m, abs=tol) and f.b[-1] == pytest.approx(b, abs=tol)


def test_post_002_loop_with_half_mse():
    # The post's loop: lr 0.01, 50 passes over the six points, update m -= lr*x*err, b -= lr*err.
    x, y = six_points()
    f = fit_line(x, y, lr=0.01, epochs=50, mode="stochastic", loss="half_mse", m0=0.3, b0=0.7)
    m, b = 0.3, 0.7
    for _ in range(50):
        for xi, yi in zip(x, y, strict=True):
            err = m * xi + b - yi
            m, b = m - 0.01 * xi * err, b - 0.01 * err
    assert (f.m[-1], f.b[-1]) == pytest.approx((m, b), abs=1e-12)
    assert f.loss[-1] < f.loss[0] / 10


def test_seed_data_and_noisy_line_is_seeded():
    assert y_equals_2x(3)[1].tolist() == [0.0, 2.0, 4.0]
    assert house_prices()[1].tolist() == [200.0, 400.0, 800.0]
    a, b = noisy_line(seed=5), noisy_line(seed=5)
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], noisy_line(seed=6)[1])


@pytest.mark.parametrize(
    "kwargs, words",
    [({"lr": 0}, "lr must be a finite number > 0"), ({"lr": float("inf")}, "lr must be"),
     ({"mode": "adam"}, "mode must be"), ({"epochs": 0}, "epochs must be"),
     ({"mode": "minibatch", "batch_size": 99}, r"batch_size must be an integer in \[1, 6\]")],
)
def test_bad_arguments(kwargs, words):
    x, y = six_points()
    with pytest.raises(ValueError, match=words):
        fit_line(x, y, **kwargs)


def test_divergence_stops_cleanly_without_warnings():
    import warnings

    x, y = six_points()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = fit_line(x, y, lr=5.0, epochs=500)    # lr * 2 * max(x^2) = 160 >> 2: diverges
    assert f.status == "diverged" and np.isfinite(f.m).all() and np.isfinite(f.loss).all()
