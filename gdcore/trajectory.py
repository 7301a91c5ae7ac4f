"""Optimization runs on a loss: trajectories, learning-rate regimes,
and the search for start points that illustrate local versus global minima.

Examples
--------
>>> from gdcore import functions, optim
>>> f = functions.get("quadratic", a=1.0, b=10.0)
>>> r = lr_regimes(f, [2.0, 1.0], [0.08, 1.0, 1.8, 2.3])   # factors in REGIMES order
>>> r.L, r["good"]                   # L = largest curvature = 10; good = 1/L
(10.0, 0.1)
>>> t = descend(f, [2.0, 1.0], optim.SGD(lr=r["diverging"]), steps=200)
>>> t.status, bool(np.isfinite(t.points).all())
('diverged', True)
"""

from __future__ import annotations

import warnings
from collections.abc import ItemsView, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import eigvalsh

from gdcore.functions import Loss, Minimum
from gdcore.optim import SGD, Optimizer

__all__ = [
    "REGIMES",
    "LocalVsGlobal",
    "Regimes",
    "Trajectory",
    "classify_starts",
    "descend",
    "find_local_vs_global",
    "lr_regimes",
    "nearest_minimum",
    "stability_bound",
]

#: The names of the learning-rate regimes, in order of rate. The rates themselves (as multiples
#: of 1/L) are parameters of the scene that shows them: ``factors`` in scenes/defaults.toml.
REGIMES = ("slow", "good", "oscillating", "diverging")


@dataclass
class Trajectory:
    """One optimization run.

    ``points`` has ``steps + 1`` rows (fewer if it diverged: only finite points are
    kept), ``losses`` and ``grads`` one entry per point.
    """

    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    status: str
    optimizer: str = ""
    hyperparams: dict[str, Any] = field(default_factory=dict)
    velocities: np.ndarray | None = None  # momentum buffer after each step (SGD with momentum)

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]


def descend(loss: Loss, x0: ArrayLike, optimizer: Optimizer, steps: int, tol: float = 1e-6,
            bound: float | None = None) -> Trajectory:
    """Run ``optimizer`` on ``loss`` from ``x0`` for ``steps`` steps.

    The optimizer is cloned, so the object passed in can be reused.  Divergence
    (a non-finite value or gradient, or a point farther than ``bound`` from the
    origin; default 1e3 times the size of the loss's domain) stops the run:
    only finite points are kept and ``status`` is ``"diverged"``; no NumPy
    warning escapes.  Otherwise ``status`` is ``"converged"`` if the final
    gradient norm is below ``tol``, else ``"unfinished"``.
    """
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    x = np.asarray(x0, dtype=float).reshape(-1)
    if x.shape != (loss.dim,):
        raise ValueError(f"x0 must have {loss.dim} coordinates for {loss.name}, got {x.shape}")
    if bound is None:
        span = max(hi - lo for lo, hi in loss.domain)
        bound = 1e3 * span
    opt = optimizer.clone()
    pts, vals, grads, vels = [x], [], [], []
    status = "unfinished"
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        v, g = float(loss.value(x)), loss.grad(x)
        if not (np.isfinite(v) and np.isfinite(g).all()):
            raise ValueError(f"{loss.name} is not finite at the start point {x.tolist()}")
        vals.append(v)
        grads.append(g)
        for _ in range(steps):
            x_new = opt.step(x, g)
            if not np.isfinite(x_new).all() or np.abs(x_new).max() > bound:
                status = "diverged"
                break
            v_new, g_new = float(loss.value(x_new)), loss.grad(x_new)
            if not (np.isfinite(v_new) and np.isfinite(g_new).all()):
                status = "diverged"
                break
            x, v, g = x_new, v_new, g_new
            pts.append(x)
            vals.append(v)
            grads.append(g)
            buf = opt.velocity() if isinstance(opt, SGD) else None
            if buf is not None:
                vels.append(buf.copy())
    if status != "diverged" and np.linalg.norm(grads[-1]) < tol:
        status = "converged"
    velocities = np.array(vels) if vels else None
    return Trajectory(np.array(pts), np.array(vals), np.array(grads), status, opt.name, dict(opt.hyperparams),
                      velocities)


def stability_bound(L: float, momentum: float = 0.0) -> float:
    """The largest stable learning rate on a quadratic of top curvature ``L``.

    Plain gradient descent needs ``lr * L < 2``; heavy-ball momentum
    (``SGD(momentum=beta)``) widens it to ``lr * L < 2 + 2*beta`` (Polyak 1964): the
    iteration ``x+ = x - lr*L*x + beta*(x - x-)`` has a characteristic root at -1
    exactly when ``lr*L = 2 + 2*beta``.
    """
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"L must be a finite curvature > 0, got {L!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    return (2.0 + 2.0 * momentum) / L


@dataclass(frozen=True)
class Regimes:
    """Named learning rates from the curvature L (largest Hessian eigenvalue) at a point."""

    L: float
    rates: dict[str, float]

    @property
    def monotone_limit(self) -> float:
        """1/L: below it plain GD on a quadratic moves monotonically."""
        return 1.0 / self.L

    @property
    def stable_limit(self) -> float:
        """2/L: above it plain GD on a quadratic diverges."""
        return 2.0 / self.L

    def __getitem__(self, name: str) -> float:
        return self.rates[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rates)

    def items(self) -> ItemsView[str, float]:
        return self.rates.items()


def lr_regimes(loss: Loss, x0: ArrayLike, factors: Mapping[str, float] | Sequence[float]) -> Regimes:
    """Learning rates named "slow", "good", "oscillating" and "diverging" for ``loss`` at ``x0``.

    L is the largest eigenvalue of the Hessian at ``x0`` (``scipy.linalg.eigvalsh``).
    On a quadratic, plain gradient descent moves monotonically for lr < 1/L,
    oscillates but converges for 1/L < lr < 2/L and diverges for lr > 2/L.
    The rates are ``factor / L``; ``factors`` maps regime names to factors, or lists one factor
    per name of :data:`REGIMES` in that order (e.g. 0.08, 1 = the largest monotone step, 1.8, 2.3).
    """
    x = np.asarray(x0, dtype=float).reshape(-1)
    H = np.atleast_2d(loss.hessian(x))
    L = float(eigvalsh(H).max())
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"lr_regimes: the Hessian of {loss.name} at {x.tolist()} has no positive curvature "
                         f"(largest eigenvalue {L:g}); pick a point inside a basin")
    if isinstance(factors, Mapping):
        f = dict(factors)
    else:
        if len(factors) != len(REGIMES):
            raise ValueError(f"lr_regimes: factors needs {len(REGIMES)} numbers, one per regime "
                             f"({', '.join(REGIMES)}), got {len(factors)}")
        f = dict(zip(REGIMES, factors, strict=True))
    return Regimes(L, {k: v / L for k, v in f.items()})


def nearest_minimum(loss: Loss, point: ArrayLike, tol: float = 0.05) -> Minimum | None:
    """The listed minimum within ``tol`` of ``point`` (None if none is that close)."""
    p = np.asarray(point, dtype=float)
    best, dist = None, np.inf
    for m in loss.minima:
        d = float(np.linalg.norm(p - m.point))
        if d < dist:
            best, dist = m, d
    return best if dist <= tol else None


def classify_starts(loss: Loss, starts: np.ndarray, optimizer: Optimizer, steps: int,
                    tol: float = 0.05) -> list[tuple[Trajectory, Minimum | None]]:
    """Run ``optimizer`` from each start; pair each trajectory with the minimum it ends in."""
    out = []
    for s in np.atleast_2d(np.asarray(starts, dtype=float)):
        t = descend(loss, s, optimizer, steps)
        out.append((t, None if t.status == "diverged" else nearest_minimum(loss, t.final, tol)))
    return out


@dataclass
class LocalVsGlobal:
    """An illustrative case: plain GD gets stuck where momentum gets through.

    ``stuck`` (plain GD) ends in ``stuck_minimum`` (a local one); ``rolled`` (SGD with
    ``momentum``, same ``lr`` and start) ends in ``rolled_minimum`` (a global one).
    ``others`` holds further plain-GD starts and where they end, for a scene that
    shows several starts.
    """

    start: np.ndarray
    lr: float
    momentum: float
    steps: int
    stuck: Trajectory
    rolled: Trajectory
    stuck_minimum: Minimum
    rolled_minimum: Minimum
    others: list[tuple[Trajectory, Minimum | None]] = field(default_factory=list)


def find_local_vs_global(
    loss: Loss,
    steps: int = 150,
    lrs: Sequence[float] | np.ndarray | None = None,
    momenta: Sequence[float] | np.ndarray = (0.8, 0.85, 0.9, 0.95),
    grid_size: int = 15,
    n_others: int = 5,
) -> LocalVsGlobal:
    """Search starts (a grid over the domain) and settings for the local-vs-global illustration.

    Deterministic (a fixed grid, fixed orders).  Among all (start, lr, momentum) where
    plain GD ends in a local minimum and momentum from the same start ends in a global
    one, it picks the start farthest from the local minimum it gets stuck in (the most
    visible roll) and the smallest momentum that works (the least exotic setting).
    Raises ValueError if the loss has no local minimum or no such case exists.
    """
    if not loss.local_minima or not loss.global_minima:
        raise ValueError(f"{loss.name} needs both local and global minima listed, has "
                         f"{len(loss.local_minima)} local and {len(loss.global_minima)} global")
    axes = [np.linspace(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), grid_size) for lo, hi in loss.domain]
    starts = np.stack([a.ravel() for a in np.meshgrid(*axes)], axis=-1) if loss.dim == 2 else axes[0][:, None]
    if lrs is None:
        L = max(float(eigvalsh(np.atleast_2d(loss.hessian(m.point))).max()) for m in loss.minima)
        lrs = [c / L for c in (0.3, 0.5, 0.8)]
    best: tuple | None = None
    for lr in lrs:
        plain = SGD(lr=lr)
        for s in starts:
            t = descend(loss, s, plain, steps)
            m = nearest_minimum(loss, t.final) if t.status != "diverged" else None
            if m is None or m.is_global:
                continue
            dist = float(np.linalg.norm(s - m.point))
            if best is not None and dist <= best[0]:
                continue
            for mu in momenta:
                r = descend(loss, s, SGD(lr=lr, momentum=mu), steps)
                mr = nearest_minimum(loss, r.final) if r.status != "diverged" else None
                if mr is not None and mr.is_global:
                    best = (dist, s, lr, mu, t, r, m, mr)
                    break
    if best is None:
        raise ValueError(f"no start/lr/momentum found on {loss.name} where momentum escapes a local minimum")
    _, s, lr, mu, t, r, m, mr = best
    # A few more plain-GD starts spread over the domain, for "some starts get stuck".
    pick = np.linspace(0, len(starts) - 1, n_others + 2).astype(int)[1:-1]
    others = classify_starts(loss, starts[pick], SGD(lr=lr), steps)
    return LocalVsGlobal(np.asarray(s), lr, mu, steps, t, r, m, mr, others)
