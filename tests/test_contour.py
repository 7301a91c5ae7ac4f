"""Marching-squares contours against closed forms."""

import numpy as np
import pytest

from gdcore.contour import contour_levels, contour_segments


def grid(n=61, lim=2.0):
    x = np.linspace(-lim, lim, n)
    return np.meshgrid(x, x)


@pytest.mark.parametrize("r", [0.5, 1.03, 1.7])  # radii that miss grid nodes
def test_circle_contour_lies_on_the_circle_and_closes(r):
    X, Y = grid()
    seg = contour_segments(X, Y, X**2 + Y**2, r * r)
    # Linear interpolation of r^2 along a cell edge of width h=4/60 is off by at most ~h^2/(8r).
    np.testing.assert_allclose(np.hypot(seg[..., 0], seg[..., 1]), r, atol=0.01)
    # Total length approximates the circumference 2*pi*r (polygon inscribed: slightly less).
    length = np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum()
    assert length == pytest.approx(2 * np.pi * r, rel=0.01)
    # Closed curve: every endpoint is shared by exactly two segments.
    ends = np.round(seg.reshape(-1, 2), 9)
    _, counts = np.unique(ends, axis=0, return_counts=True)
    assert set(counts) == {2}


def test_saddle_level_zero_gives_the_two_diagonals():
    X, Y = grid(41)
    seg = contour_segments(X, Y, X**2 - Y**2 + 1e-9, 0.0)
    # x^2 - y^2 = 0 is |x| = |y|.
    np.testing.assert_allclose(np.abs(seg[..., 0]), np.abs(seg[..., 1]), atol=0.02)


def test_nonfinite_cells_are_skipped_and_empty_level_is_empty():
    X, Y = grid(21)
    Z = X**2 + Y**2
    Z[10, 10] = np.nan
    assert np.isfinite(contour_segments(X, Y, Z, 0.5)).all()
    assert contour_segments(X, Y, Z, 100.0).shape == (0, 2, 2)


def test_levels_and_bad_grid():
    Z = np.linspace(0, 100, 50).reshape(5, 10)
    lv = contour_levels(Z, 5)
    assert len(lv) == 5 and np.all(np.diff(lv) > 0) and lv[-1] < 100
    with pytest.raises(ValueError, match="2-D arrays of one shape"):
        contour_segments(np.zeros((3, 3)), np.zeros((3, 4)), np.zeros((3, 3)), 0.0)
