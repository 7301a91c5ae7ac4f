"""Test functions: analytic gradients/Hessians vs finite differences, minima vs the literature."""

import zlib

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from gdcore import functions as F


def points(loss, k=6):
    """``k`` points inside the middle 70 % of the loss's domain, drawn from a generator seeded by
    the loss's name: the same points whichever tests run and in whichever order."""
    rng = np.random.default_rng(zlib.crc32(loss.name.encode()))
    lo = np.array([d[0] for d in loss.domain])
    hi = np.array([d[1] for d in loss.domain])
    return lo + (hi - lo) * rng.uniform(0.15, 0.85, size=(k, loss.dim))


@pytest.mark.parametrize("name", F.names())
def test_gradient_and_hessian_match_finite_differences(name):
    # SciPy's forward differences (step 1e-7) agree with the analytic gradient and Hessian to 1e-4.
    f = F.get(name)
    for p in points(f):
        scale = max(1.0, abs(f.value(p)))
        num_g = approx_fprime(p, lambda q: float(f.value(q)), 1e-7 * max(1.0, np.abs(p).max()))
        np.testing.assert_allclose(f.grad(p), num_g, rtol=1e-4, atol=1e-4 * scale)
        num_h = np.array([approx_fprime(p, lambda q, i=i: float(f.grad(q)[i]), 1e-7) for i in range(f.dim)])
        np.testing.assert_allclose(f.hessian(p), num_h, rtol=1e-4, atol=1e-3 * scale)


@pytest.mark.parametrize("name", F.names())
def test_vectorized_grid_equals_pointwise(name):
    f = F.get(name)
    if f.dim == 1:
        X, Z = F.curve(f, n=7)
        assert np.allclose(Z, [f.value([x]) for x in X])
        with pytest.raises(ValueError, match="use curve"):
            F.grid(f)
    else:
        X, Y, Z = F.grid(f, n=7)
        expected = [[f.value([x, y]) for x, y in zip(rx, ry, strict=True)] for rx, ry in zip(X, Y, strict=True)]
        assert np.allclose(Z, expected)
        G = f.grad(np.stack([X, Y], -1))
        assert G.shape == (7, 7, 2) and np.allclose(G[3, 4], f.grad([X[3, 4], Y[3, 4]]))


LITERATURE = {
    # Surjanovic & Bingham, Virtual Library of Simulation Experiments (sfu.ca/~ssurjano).
    "rosenbrock": [((1.0, 1.0), 0.0)],
    "beale": [((3.0, 0.5), 0.0)],
    "booth": [((1.0, 3.0), 0.0)],
    "himmelblau": [((3.0, 2.0), 0.0), ((-2.805118, 3.131312), 0.0), ((-3.779310, -3.283186), 0.0),
                   ((3.584428, -1.848126), 0.0)],
    "six_hump_camel": [((0.0898, -0.7126), -1.0316), ((-0.0898, 0.7126), -1.0316)],
}


@pytest.mark.parametrize("name", sorted(LITERATURE))
def test_global_minima_match_the_literature(name):
    f = F.get(name)
    got = f.global_minima
    assert len(got) == len(LITERATURE[name])
    for (pt, val), m in zip(LITERATURE[name], got, strict=True):
        np.testing.assert_allclose(m.point, pt, atol=1e-4)
        assert m.value == pytest.approx(val, abs=1e-4)
        assert np.linalg.norm(f.grad(m.point)) < 1e-8          # really stationary
        assert np.all(np.linalg.eigvalsh(f.hessian(m.point)) > 0)  # really a minimum


def test_double_well_has_one_local_and_one_global_minimum():
    f = F.get("double_well")
    assert len(f.local_minima) == 1 and len(f.global_minima) == 1
    (g,), (loc,) = f.global_minima, f.local_minima
    # f'(x) = x^3 - 2x + 0.5 vanishes at both, f'' = 3x^2 - 2 > 0, and the global one is lower.
    for m in (g, loc):
        assert abs(m.point[0] ** 3 - 2 * m.point[0] + 0.5) < 1e-12 and 3 * m.point[0] ** 2 - 2 > 0
    assert g.value < loc.value and g.point[0] < 0 < loc.point[0]


def test_two_basins_and_camel_have_local_minima():
    for name in ("two_basins", "six_hump_camel"):
        f = F.get(name)
        assert f.local_minima and f.global_minima
        for m in f.minima:
            assert np.linalg.norm(f.grad(m.point)) < 1e-8


def test_quadratic_curvatures_are_settable():
    f = F.get("quadratic", a=2.0, b=30.0)
    np.testing.assert_allclose(f.hessian([0.3, -1.0]), [[2.0, 0.0], [0.0, 30.0]])


def test_unknown_name_lists_known_names_and_registry_is_open():
    with pytest.raises(KeyError, match=r"known losses: .*rosenbrock"):
        F.get("nosuch")
    F.register("shifted_bowl", lambda c=1.0: F.quadratic(1.0, c))
    assert F.get("shifted_bowl", c=3.0).params == {"a": 1.0, "b": 3.0}
    assert "shifted_bowl" in F.names()


def test_expression_loss_uses_autograd_gradients():
    f = F.get("x**2 + 3*sin(y)")
    np.testing.assert_allclose(f.grad([1.0, 0.0]), [2.0, 3.0])
    np.testing.assert_allclose(f.hessian([1.0, 0.0]), [[2.0, 0.0], [0.0, 0.0]], atol=1e-5)


def test_wrong_shape_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        F.get("booth").value([1.0, 2.0, 3.0])


def test_points_do_not_depend_on_test_order():
    # Drawing points for one loss must not move the points of another (a shared generator did).
    f, g = F.get("rosenbrock"), F.get("beale")
    first = points(f)
    points(g)
    np.testing.assert_array_equal(points(f), first)
