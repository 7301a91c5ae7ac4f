"""gdcore.explore against independent references: closed forms, single runs of descend, np.roots."""

from __future__ import annotations

import numpy as np
import pytest

from gdcore import functions
from gdcore.explore import (
    basins_of_attraction,
    critical_kind,
    find_minima,
    lr_grid_search,
    noise_escape,
    noisy_descend,
    polish_critical,
)
from gdcore.optim import SGD, Adam
from gdcore.trajectory import descend, nearest_minimum


def test_grid_search_matches_the_closed_form_on_a_bowl():
    # 0.5 (a x^2 + b y^2): after n plain steps each coordinate is multiplied by (1 - lr k)^n.
    a, b, n = 1.0, 10.0, 30
    f = functions.get("quadratic", a=a, b=b)
    x0 = np.array([2.0, 1.0])
    grid = [0.01, 0.03, 0.05, 0.1, 0.15, 0.19, 0.21, 0.5]
    s = lr_grid_search(f, x0, SGD(lr=1.0), n, grid)

    def closed(lr):
        return 0.5 * (a * (x0[0] * (1 - lr * a) ** n) ** 2 + b * (x0[1] * (1 - lr * b) ** n) ** 2)

    stable = [lr for lr in grid if lr < 2 / b]
    assert s.best_lr == min(stable, key=closed)
    for lr, v, st in zip(s.grid, s.final_losses, s.statuses, strict=True):
        if st != "diverged":
            assert v == pytest.approx(closed(lr), rel=1e-9, abs=1e-300)
        else:
            assert lr > 2 / b and np.isnan(v)
    assert s.statuses[-1] == "diverged"     # 0.5: |1 - 0.5 * 10|^30 leaves any bound


def test_grid_search_never_picks_a_diverged_rate_and_keeps_other_settings():
    f = functions.get("rosenbrock")
    s = lr_grid_search(f, [-1.5, 2.0], SGD(lr=1.0, momentum=0.9), 100, [1e-4, 1e-3, 0.1, 1.0])
    assert s.statuses[-1] == "diverged" and s.best_index is not None
    assert s.statuses[s.best_index] != "diverged"
    # the same run done by hand
    t = descend(f, [-1.5, 2.0], SGD(lr=s.best_lr, momentum=0.9), 100)
    assert t.losses[-1] == pytest.approx(s.final_losses[s.best_index])
    assert np.nanmin(s.final_losses) == pytest.approx(s.final_losses[s.best_index])


def test_grid_search_all_diverged():
    f = functions.get("quadratic", a=1.0, b=10.0)
    s = lr_grid_search(f, [2.0, 1.0], Adam(lr=1.0), 5, [1e6])
    assert s.best_index is None or s.statuses[s.best_index] != "diverged"


def test_critical_kind_from_eigenvalue_signs():
    assert critical_kind(np.diag([2.0, -2.0])) == "saddle"
    assert critical_kind(np.diag([2.0, 3.0])) == "minimum"
    assert critical_kind(np.diag([-2.0, -3.0])) == "maximum"
    assert critical_kind(np.diag([2.0, 0.0])) == "degenerate"


def test_polish_finds_the_saddle_and_the_listed_minima():
    c = polish_critical(functions.get("saddle"), [0.03, -0.02], max_dist=0.5)
    assert c is not None and c.kind == "saddle"
    np.testing.assert_allclose(c.point, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(sorted(c.eigenvalues), [-2.0, 2.0])
    camel = functions.get("six_hump_camel")
    for m in camel.minima:
        c = polish_critical(camel, m.point + 0.01, max_dist=0.2)
        assert c is not None and c.kind == "minimum"
        np.testing.assert_allclose(c.point, m.point, atol=1e-8)
        assert c.value == pytest.approx(m.value)
    # the Rosenbrock minimum's Hessian is positive definite
    c = polish_critical(functions.get("rosenbrock"), [1.01, 1.02], max_dist=0.5)
    assert c is not None and c.kind == "minimum"


def test_basins_agree_with_single_runs():
    f = functions.get("two_basins")
    lr, steps = 0.3, 150
    b = basins_of_attraction(f, lr, steps, n=9)
    for i in range(0, 9, 2):
        for j in range(0, 9, 2):
            t = descend(f, [b.xs[j], b.ys[i]], SGD(lr=lr), steps)
            m = nearest_minimum(f, t.final, tol=0.02 * 8.0)
            want = -2 if m is None else next(k for k, q in enumerate(f.minima) if q is m)
            assert b.label[i, j] == want, (i, j)
    # a minimum's own point is in its own basin
    for k, m in enumerate(f.minima):
        j = int(np.argmin(abs(b.xs - m.point[0])))
        i = int(np.argmin(abs(b.ys - m.point[1])))
        assert b.label[i, j] == k


def test_find_minima_of_an_expression_against_the_roots():
    # (x^2 - 1)^2 + y^2 + 0.3 x: minima at y = 0 and the roots of 4x^3 - 4x + 0.3 with 12x^2 - 4 > 0
    f = functions.get("(x**2-1)**2 + y**2 + 0.3*x")
    roots = np.roots([4.0, 0.0, -4.0, 0.3]).real
    xs = sorted(r for r in roots if 12 * r * r - 4 > 0)
    found = find_minima(f)
    assert len(found) == 2
    np.testing.assert_allclose(sorted(m.point[0] for m in found), xs, atol=1e-7)
    np.testing.assert_allclose([m.point[1] for m in found], 0.0, atol=1e-7)
    glob = [m for m in found if m.is_global]
    assert len(glob) == 1 and glob[0].point[0] < 0   # the tilt 0.3 x lowers the left well
    # one minimum only: x**2 + 3*sin(y) on [-3, 3]^2 has its minimum at (0, -pi/2)
    one = find_minima(functions.get("x**2 + 3*sin(y)"))
    assert len(one) == 1
    np.testing.assert_allclose(one[0].point, [0.0, -np.pi / 2], atol=1e-7)


def test_noisy_descend_is_plain_descent_without_noise_and_seeded():
    f = functions.get("two_basins")
    plain = descend(f, [-3.0, 1.0], SGD(lr=0.3), 50)
    quiet = noisy_descend(f, [-3.0, 1.0], 0.3, 50, 0.0, seed=1)
    np.testing.assert_allclose(quiet.points, plain.points, atol=1e-12)
    a = noisy_descend(f, [-3.0, 1.0], 0.3, 50, 1.0, seed=1)
    b = noisy_descend(f, [-3.0, 1.0], 0.3, 50, 1.0, seed=1)
    c = noisy_descend(f, [-3.0, 1.0], 0.3, 50, 1.0, seed=2)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points, c.points)
    # the first step by hand: x - lr (g + noise z), z from default_rng(seed)
    z = np.random.default_rng(1).standard_normal(2)
    np.testing.assert_allclose(a.points[1], [-3.0, 1.0] - 0.3 * (f.grad(np.array([-3.0, 1.0])) + z))


def test_noise_lets_runs_leave_the_local_minimum_of_two_basins():
    f = functions.get("two_basins")
    loc = next(k for k, m in enumerate(f.minima) if not m.is_global)
    glob = next(k for k, m in enumerate(f.minima) if m.is_global)
    start = f.minima[loc].point
    quiet = noise_escape(f, start, 0.38, 150, 0.0, range(3), f.minima, (glob,), 0.16)
    assert quiet.n_escaped == 0 and quiet.settled == [loc] * 3
    loud = noise_escape(f, start, 0.38, 150, 1.0, range(20), f.minima, (glob,), 0.16)
    assert loud.n_escaped == sum(s == glob for s in loud.settled) > 10
    assert loud.settled[loud.shown] == glob
