"""Questions asked of a loss by many runs at once: the best learning rate of a grid, the basins
of attraction of plain gradient descent, what kind of critical point a run stopped at, and
whether gradient noise lets a run leave a minimum.

Every answer is computed; the scenes only say what these functions return.

Examples
--------
>>> from gdcore import functions, optim
>>> f = functions.get("quadratic", a=1.0, b=10.0)
>>> s = lr_grid_search(f, [2.0, 1.0], optim.SGD(lr=0.1), steps=50, grid=[0.01, 0.1, 0.3])
>>> s.best_lr, s.statuses[-1]            # 0.3 > 2/L = 0.2 diverges; 0.1 = 1/L is best
(0.1, 'diverged')
>>> critical_kind(np.diag([2.0, -2.0]))
'saddle'
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from gdcore.functions import Loss, Minimum
from gdcore.optim import Optimizer
from gdcore.trajectory import Trajectory, descend

__all__ = [
    "Basins",
    "CriticalPoint",
    "LrSearch",
    "NoiseEscape",
    "basin_labels",
    "basins_of_attraction",
    "bump_step",
    "critical_kind",
    "first_step_in",
    "lr_grid_search",
    "noise_escape",
    "noisy_descend",
    "polish_critical",
    "settle",
]


# ------------------------------------------------------------------ learning-rate grid search


@dataclass(frozen=True)
class LrSearch:
    """One optimizer run at every rate of a grid from one start.

    ``final_losses[i]`` is the loss after the run at ``grid[i]`` (NaN if it diverged);
    ``best_index`` the rate with the lowest final loss among the runs that did not diverge
    (the smallest such rate on a tie), None if every rate diverged.
    """

    grid: np.ndarray
    final_losses: np.ndarray
    statuses: list[str]
    best_index: int | None

    @property
    def best_lr(self) -> float | None:
        return None if self.best_index is None else float(self.grid[self.best_index])

    @property
    def n_diverged(self) -> int:
        return sum(s == "diverged" for s in self.statuses)


def with_lr(optimizer: Optimizer, lr: float) -> Optimizer:
    """A fresh copy of ``optimizer`` with learning rate ``lr`` (its other settings kept)."""
    new = optimizer.clone()
    new.lr = float(lr)
    return new


def lr_grid_search(loss: Loss, x0: ArrayLike, optimizer: Optimizer, steps: int,
                   grid: Sequence[float] | np.ndarray) -> LrSearch:
    """Run ``optimizer`` (its other hyperparameters kept) at every learning rate of ``grid``.

    The rule: the best rate is the one with the lowest loss after ``steps`` steps among the
    runs that did not diverge (:func:`gdcore.trajectory.descend`'s status); on a tie (equal
    to 1e-12 relative) the smaller rate wins.

    Parameters
    ----------
    loss : Loss
    x0 : sequence of float
        The start, shared by every run.
    optimizer : Optimizer
        A template; each run uses a clone with ``lr`` replaced.
    steps : int
    grid : sequence of float
        Learning rates > 0, searched in increasing order.

    Returns
    -------
    LrSearch
    """
    g = np.sort(np.asarray(grid, dtype=float).reshape(-1))
    if g.size == 0 or not np.all(g > 0):
        raise ValueError(f"lr_grid_search: grid must hold learning rates > 0, got {list(grid)!r}")
    finals, statuses = [], []
    for lr in g:
        t = descend(loss, x0, with_lr(optimizer, lr), steps)
        statuses.append(t.status)
        finals.append(np.nan if t.status == "diverged" else float(t.losses[-1]))
    f = np.array(finals)
    best: int | None = None
    for i, v in enumerate(f):
        if np.isnan(v):
            continue
        if best is None or v < f[best] - 1e-12 * max(1.0, abs(f[best])):
            best = i
    return LrSearch(g, f, statuses, best)


# ------------------------------------------------------------------ critical points


def critical_kind(hessian: np.ndarray, tol: float = 1e-8) -> str:
    """What a critical point with this Hessian is: "minimum" (every eigenvalue > tol),
    "maximum" (every eigenvalue < -tol), "saddle" (eigenvalues of both signs beyond tol),
    else "degenerate"."""
    H = np.atleast_2d(np.asarray(hessian, dtype=float))
    if not np.isfinite(H).all():
        return "degenerate"
    ev = np.linalg.eigvalsh(0.5 * (H + H.T))
    if np.all(ev > tol):
        return "minimum"
    if np.all(ev < -tol):
        return "maximum"
    if ev.min() < -tol and ev.max() > tol:
        return "saddle"
    return "degenerate"


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient vanishes, its value, the Hessian's eigenvalues and its kind."""

    point: np.ndarray
    value: float
    eigenvalues: np.ndarray
    kind: str


def polish_critical(loss: Loss, x: ArrayLike, max_dist: float, iters: int = 40,
                    gtol: float = 1e-9) -> CriticalPoint | None:
    """Newton's method on the gradient from ``x``: the critical point it reaches, classified by
    the Hessian there (:func:`critical_kind`), or None if it does not converge (gradient norm
    under ``gtol``) within ``max_dist`` of ``x``."""
    p0 = np.asarray(x, dtype=float).reshape(-1)
    p = p0.copy()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(iters):
            g = np.asarray(loss.grad(p), dtype=float).reshape(-1)
            if not np.isfinite(g).all():
                return None
            if np.linalg.norm(g) < gtol:
                break
            H = np.atleast_2d(loss.hessian(p))
            if not np.isfinite(H).all():
                return None
            step = np.linalg.lstsq(H, g, rcond=None)[0]
            p = p - step
            if np.linalg.norm(p - p0) > max_dist:
                return None
        g = np.asarray(loss.grad(p), dtype=float).reshape(-1)
        if not (np.isfinite(g).all() and np.linalg.norm(g) < max(gtol, 1e-7)):
            return None
        H = np.atleast_2d(loss.hessian(p))
    ev = np.linalg.eigvalsh(0.5 * (H + H.T)) if np.isfinite(H).all() else np.full(len(p), np.nan)
    return CriticalPoint(p, float(loss.value(p)), ev, critical_kind(H))


# ------------------------------------------------------------------ basins of attraction


@dataclass(frozen=True)
class Basins:
    """Where plain gradient descent ends from each start of a grid.

    ``label[i, j]`` is the index into ``minima`` of the minimum the run from
    ``(xs[j], ys[i])`` ends at, -1 if it diverged or left ``domain``, -2 if it was still
    on its way after ``steps`` steps.  ``minima`` are the loss's listed minima, or, for a
    loss that lists none, the minima found at the runs' ends (Newton-polished, kind checked
    by the Hessian), the lowest marked global.
    """

    xs: np.ndarray
    ys: np.ndarray
    label: np.ndarray
    minima: list[Minimum]
    lr: float
    steps: int

    def share(self, index: int) -> float:
        """The fraction of the grid's starts that end at minimum ``index``."""
        return float(np.mean(self.label == index))

    def index_of(self, point: ArrayLike, tol: float = 0.05) -> int | None:
        """The index of the minimum within ``tol`` of ``point`` (None if none is)."""
        p = np.asarray(point, dtype=float)
        d = [float(np.linalg.norm(p - m.point)) for m in self.minima]
        if not d or min(d) > tol:
            return None
        return int(np.argmin(d))


def _grad_many(loss: Loss) -> Callable[[np.ndarray], np.ndarray]:
    """A gradient for many points at once: the loss's own, except for a user expression, whose
    gradient is backpropagated point by point -- there central differences of its vectorized
    value (step 1e-6 relative; error about 1e-9) keep a grid of runs fast."""
    if loss.minima or loss.name != "expression":
        return loss.grad

    def g(P: np.ndarray) -> np.ndarray:
        h = 1e-6 * np.maximum(1.0, np.abs(P))
        out = np.empty_like(P)
        for k in range(P.shape[1]):
            d = np.zeros_like(P)
            d[:, k] = h[:, k]
            out[:, k] = (loss.value(P + d) - loss.value(P - d)) / (2 * h[:, k])
        return out

    return g


def _gd_many(loss: Loss, P: np.ndarray, lr: float, steps: int, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Plain gradient descent from every row of ``P`` at once: (final points, alive mask)."""
    grad = _grad_many(loss)
    P = P.copy()
    alive = np.ones(len(P), bool)
    moving = np.ones(len(P), bool)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            idx = np.flatnonzero(alive & moving)
            if idx.size == 0:
                break
            g = np.asarray(grad(P[idx]), dtype=float)
            new = P[idx] - lr * g
            ok = np.isfinite(new).all(1) & (np.abs(new).max(1) <= bound)
            alive[idx[~ok]] = False
            P[idx[ok]] = new[ok]
            moving[idx[ok]] = np.linalg.norm(lr * g[ok], axis=1) > 1e-12
    return P, alive


def basins_of_attraction(loss: Loss, lr: float, steps: int, n: int = 41,
                         domain: tuple[tuple[float, float], ...] | None = None,
                         tol: float | None = None) -> Basins:
    """Run plain gradient descent (rate ``lr``, ``steps`` steps) from an ``n`` x ``n`` grid of
    starts over ``domain`` (default the loss's) and label each start by the minimum it ends at.

    A run ends at a minimum when its last point is within ``tol`` (default 2 % of the domain's
    larger side) of it.  A loss that lists no minima gets them from the runs' ends: each
    cluster of ends is polished with Newton's method (:func:`polish_critical`) and kept if the
    Hessian there is positive definite and the point lies inside ``domain``.
    """
    if loss.dim != 2:
        raise ValueError(f"basins_of_attraction: needs a 2-D loss, {loss.name} is {loss.dim}-D")
    dom = domain or loss.domain
    (x0, x1), (y0, y1) = dom
    span = max(x1 - x0, y1 - y0)
    tol = 0.02 * span if tol is None else tol
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    P0 = np.stack([X.ravel(), Y.ravel()], -1)
    P, alive = _gd_many(loss, P0, lr, steps, 1e3 * span)
    inside = alive & (P[:, 0] >= x0) & (P[:, 0] <= x1) & (P[:, 1] >= y0) & (P[:, 1] <= y1)
    minima = list(loss.minima) if loss.minima else _minima_from_ends(loss, P[inside], tol, dom)
    label = np.full(len(P), -2, int)
    label[~alive] = -1
    label[alive & ~inside] = -1
    for k, m in enumerate(minima):
        near = inside & (np.linalg.norm(P - m.point, axis=1) <= tol)
        label[near] = k
    return Basins(xs, ys, label.reshape(n, n), minima, float(lr), int(steps))


def _minima_from_ends(loss: Loss, ends: np.ndarray, tol: float, dom: tuple[tuple[float, float], ...]
                      ) -> list[Minimum]:
    found: list[CriticalPoint] = []
    left = ends
    while len(left):
        c = polish_critical(loss, left[0], max_dist=5 * tol)
        near = np.linalg.norm(left - left[0], axis=1) <= tol
        if c is not None:
            near |= np.linalg.norm(left - c.point, axis=1) <= tol
        left = left[~near]
        (x0, x1), (y0, y1) = dom
        if (c is not None and c.kind == "minimum" and x0 <= c.point[0] <= x1 and y0 <= c.point[1] <= y1
                and all(np.linalg.norm(c.point - q.point) > tol for q in found)):
            found.append(c)
    if not found:
        return []
    best = min(c.value for c in found)
    found.sort(key=lambda c: c.value)
    return [Minimum(c.point, c.value, abs(c.value - best) <= 1e-9 * max(1.0, abs(best))) for c in found]


def settle(loss: Loss, x: ArrayLike, lr: float, steps: int, minima: Sequence[Minimum],
           tol: float) -> int | None:
    """The index into ``minima`` where plain gradient descent from ``x`` ends (None if nowhere)."""
    P, alive = _gd_many(loss, np.asarray(x, dtype=float).reshape(1, -1), lr, steps, np.inf)
    if not alive[0]:
        return None
    d = [float(np.linalg.norm(P[0] - m.point)) for m in minima]
    return int(np.argmin(d)) if d and min(d) <= tol else None


def basin_labels(loss: Loss, points: ArrayLike, lr: float, minima: Sequence[Minimum], tol: float,
                 steps: int = 2000) -> np.ndarray:
    """The basin each of ``points`` (n, dim) lies in: the index into ``minima`` where plain gradient
    descent at ``lr`` from it ends within ``tol`` after ``steps`` steps, -1 where it ends at none
    (diverged, still on its way, or elsewhere).  Run from every point of a trajectory, it tells the
    step at which the run crosses from one basin into another."""
    P0 = np.asarray(points, dtype=float)
    P0 = P0.reshape(len(P0), -1)
    P, alive = _gd_many(loss, P0, lr, steps, np.inf)
    out = np.full(len(P), -1, int)
    for k, m in enumerate(minima):
        out[alive & (np.linalg.norm(P - np.asarray(m.point, dtype=float).reshape(1, -1), axis=1) <= tol)] = k
    return out


def first_step_in(labels: ArrayLike, targets: Sequence[int]) -> int | None:
    """The first index of ``labels`` that is one of ``targets`` (None if none is)."""
    hits = np.flatnonzero(np.isin(np.asarray(labels), list(targets)))
    return int(hits[0]) if hits.size else None


# ------------------------------------------------------------------ gradient noise


def noisy_descend(loss: Loss, x0: ArrayLike, lr: float, steps: int, noise: float,
                  seed: int) -> Trajectory:
    """Plain gradient descent on noisy gradients: ``x <- x - lr (grad f(x) + noise * z)`` with
    ``z`` standard normal from ``numpy.random.default_rng(seed)`` -- the kind of noise a
    mini-batch's gradient has around the full-batch one.  ``noise = 0`` is plain descent.

    Status as :func:`gdcore.trajectory.descend` ("diverged" stops the run; "unfinished" else,
    since a noisy run never has a zero gradient step).  ``grads`` holds the true gradients.
    """
    if not noise >= 0:
        raise ValueError(f"noisy_descend: noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    x = np.asarray(x0, dtype=float).reshape(-1)
    span = max(hi - lo for lo, hi in loss.domain)
    pts, vals, grads = [x], [float(loss.value(x))], [np.asarray(loss.grad(x), dtype=float)]
    status = "unfinished"
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            z = rng.standard_normal(x.shape)
            x_new = x - lr * (grads[-1] + noise * z)
            v, g = float(loss.value(x_new)), np.asarray(loss.grad(x_new), dtype=float)
            if not (np.isfinite(x_new).all() and np.abs(x_new).max() <= 1e3 * span and np.isfinite(v)
                    and np.isfinite(g).all()):
                status = "diverged"
                break
            x = x_new
            pts.append(x)
            vals.append(v)
            grads.append(g)
    return Trajectory(np.array(pts), np.array(vals), np.array(grads), status, "noisy GD",
                      {"lr": float(lr), "noise": float(noise), "seed": int(seed)})


@dataclass(frozen=True)
class NoiseEscape:
    """Noisy runs from one start: where each settles once the noise stops.

    ``settled[i]`` is the index into ``minima`` where run ``seeds[i]`` settles (plain descent
    from its last point), None if nowhere; ``shown`` the index of the run to draw: the first
    one that settles at one of ``targets`` if any does, else the first.
    """

    seeds: list[int]
    runs: list[Trajectory]
    settled: list[int | None]
    targets: tuple[int, ...]
    shown: int
    noise: float

    @property
    def n_escaped(self) -> int:
        return sum(s in self.targets for s in self.settled)


def noise_escape(loss: Loss, start: ArrayLike, lr: float, steps: int, noise: float,
                 seeds: Sequence[int], minima: Sequence[Minimum], targets: Sequence[int], tol: float,
                 settle_steps: int = 2000) -> NoiseEscape:
    """Run :func:`noisy_descend` from ``start`` with each seed and see where each run settles
    (plain descent at ``lr`` for ``settle_steps`` steps from its last point), counting the runs
    that end at one of ``minima[targets]``."""
    runs = [noisy_descend(loss, start, lr, steps, noise, s) for s in seeds]
    settled = [None if r.status == "diverged" else settle(loss, r.final, lr, settle_steps, minima, tol)
               for r in runs]
    hits = [i for i, s in enumerate(settled) if s in tuple(targets)]
    return NoiseEscape(list(seeds), runs, settled, tuple(targets), hits[0] if hits else 0, float(noise))


def max_curvature(loss: Loss, n: int = 21, domain: tuple[tuple[float, float], ...] | None = None) -> float:
    """The largest Hessian eigenvalue over an ``n`` x ``n`` grid of ``domain`` (finite values only)."""
    (x0, x1), (y0, y1) = domain or loss.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        H = np.asarray(loss.hessian(np.stack([X.ravel(), Y.ravel()], -1)), dtype=float)
        ok = np.isfinite(H).all(axis=(1, 2))
        if not ok.any():
            raise ValueError(f"{loss.name}: the Hessian is nowhere finite on the grid")
        ev = np.linalg.eigvalsh(0.5 * (H[ok] + np.swapaxes(H[ok], 1, 2)))
    L = float(ev.max())
    if not L > 0:
        raise ValueError(f"{loss.name}: no positive curvature anywhere on the grid (largest {L:g})")
    return L


def find_minima(loss: Loss, steps: int = 300, n: int = 21) -> list[Minimum]:
    """The loss's listed minima, or, if it lists none, those plain gradient descent finds from an
    ``n`` x ``n`` grid of starts at ``lr = 0.5 / L`` (L: :func:`max_curvature` on the grid):
    see :func:`basins_of_attraction`."""
    if loss.minima:
        return list(loss.minima)
    return basins_of_attraction(loss, 0.5 / max_curvature(loss, n), steps, n).minima


def bump_step(losses: ArrayLike) -> int | None:
    """The step at the top of the first bump a run climbs: the first local maximum of its loss after
    the start (None if the loss never rises and then falls)."""
    d = np.diff(np.asarray(losses, dtype=float))
    for k in range(1, len(d)):
        if d[k - 1] > 0 >= d[k]:
            return k
    return None
