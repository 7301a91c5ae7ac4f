"""Contour lines of a gridded function by vectorized marching squares.

Used for contour maps of 2-D losses: one call per level returns every line
segment of that level as an array, so a scene can draw a whole level as a
single path instead of thousands of small mobjects.

Examples
--------
>>> import numpy as np
>>> x = np.linspace(-2, 2, 41)
>>> X, Y = np.meshgrid(x, x)
>>> seg = contour_segments(X, Y, X**2 + Y**2, 1.0)
>>> seg.shape[1:]
(2, 2)
>>> bool(np.allclose(np.hypot(seg[..., 0], seg[..., 1]), 1.0, atol=0.01))
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["contour_levels", "contour_segments"]


def _check_grid(X: np.ndarray, Y: np.ndarray, Z: np.ndarray) -> None:
    if not (X.shape == Y.shape == Z.shape) or X.ndim != 2:
        raise ValueError(f"X, Y, Z must be 2-D arrays of one shape, got {X.shape}, {Y.shape}, {Z.shape}")
    if min(X.shape) < 2:
        raise ValueError(f"the grid needs at least 2 x 2 points, got {X.shape}")


def contour_segments(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, level: float) -> np.ndarray:
    """All segments of the contour ``Z == level`` as an array of shape (n, 2, 2).

    ``X, Y, Z`` are 2-D arrays of one shape as from ``np.meshgrid`` (rows along
    y, columns along x).  Crossings are found by linear interpolation along each
    cell edge; a saddle cell (all four edges crossed) is split by the value at
    its centre.  Cells touching a non-finite value are skipped.
    """
    X, Y, Z = (np.asarray(a, dtype=float) for a in (X, Y, Z))
    _check_grid(X, Y, Z)
    # Corners of every cell: 0 = (i, j), 1 = (i, j+1), 2 = (i+1, j+1), 3 = (i+1, j).
    zc = [Z[:-1, :-1], Z[:-1, 1:], Z[1:, 1:], Z[1:, :-1]]
    xc = [X[:-1, :-1], X[:-1, 1:], X[1:, 1:], X[1:, :-1]]
    yc = [Y[:-1, :-1], Y[:-1, 1:], Y[1:, 1:], Y[1:, :-1]]
    ok = np.all([np.isfinite(z) for z in zc], axis=0)
    above = [z > level for z in zc]

    # Crossing point on edge k (corner k -> corner k+1), NaN where the edge is not crossed.
    px, py, crossed = [], [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(4):
            a, b = k, (k + 1) % 4
            c = (above[a] != above[b]) & ok
            t = np.where(c, (level - zc[a]) / (zc[b] - zc[a]), 0.0)
            px.append(xc[a] + t * (xc[b] - xc[a]))
            py.append(yc[a] + t * (yc[b] - yc[a]))
            crossed.append(c)
    crossed_arr = np.stack(crossed)            # (4, ny-1, nx-1)
    n_cross = crossed_arr.sum(axis=0)
    P = np.stack([np.stack(px), np.stack(py)], axis=-1)  # (4, ny-1, nx-1, 2)

    segments = []
    two = n_cross == 2
    if two.any():
        edges = np.argsort(~crossed_arr[:, two], axis=0, kind="stable")[:2]  # the two crossed edges
        cells = np.nonzero(two)
        p = P[:, cells[0], cells[1]]               # (4, m, 2)
        idx = np.arange(p.shape[1])
        segments.append(np.stack([p[edges[0], idx], p[edges[1], idx]], axis=1))
    four = n_cross == 4
    if four.any():
        cells = np.nonzero(four)
        p = P[:, cells[0], cells[1]]
        centre = np.mean([z[cells] for z in zc], axis=0)
        corner0_above = above[0][cells]
        # If the centre is on the same side as corner 0, corner 0 and 2 are connected:
        # pair edges (0,1) and (2,3) -> segments cut off corners 1 and 3, else the other pairing.
        join = (centre > level) == corner0_above
        a = np.where(join[:, None], p[0], p[3])
        b = np.where(join[:, None], p[1], p[0])
        c = np.where(join[:, None], p[2], p[1])
        d = np.where(join[:, None], p[3], p[2])
        segments.append(np.stack([a, b], axis=1))
        segments.append(np.stack([c, d], axis=1))
    if not segments:
        return np.zeros((0, 2, 2))
    return np.concatenate(segments, axis=0)


def contour_levels(Z: np.ndarray, n: int = 12, log: bool = True, z_min: float | None = None) -> np.ndarray:
    """``n`` contour levels spanning the finite values of ``Z``.

    With ``log=True`` the levels are spaced evenly in ``log(Z - z_min + eps)``, which
    suits losses whose interesting detail sits near the minimum (Rosenbrock, Beale).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    z = np.asarray(Z, dtype=float)
    z = z[np.isfinite(z)]
    if z.size == 0:
        raise ValueError("Z has no finite values")
    lo = float(z.min()) if z_min is None else float(z_min)
    hi = float(z.max())
    if hi <= lo:
        return np.array([lo])
    if not log:
        return np.linspace(lo, hi, n + 2)[1:-1]
    span = hi - lo
    eps = span * 1e-4
    return lo + np.geomspace(eps * 10, span, n + 1)[:-1]
