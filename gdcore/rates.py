"""What a fixed learning rate does on a bowl: curvatures, the best fixed rate, and outcome names.

On a quadratic with Hessian eigenvalues ``mu <= ... <= L``, one plain gradient step
multiplies the offset from the minimum along eigen-direction ``i`` by ``1 - lr * lambda_i``.
A direction whose factor is negative flips side every step (a zig-zag); one whose factor
exceeds 1 in size grows (divergence).  The slowest direction sets the pace,
``max_i |1 - lr * lambda_i|``, which is smallest at ``lr = 2 / (L + mu)`` (Polyak, *Introduction
to Optimization*, 1987, sec. 1.4; Nesterov, *Lectures on Convex Optimization*, Thm 2.1.15),
where the steepest and the shallowest direction shrink by the same factor
``(L - mu) / (L + mu)``.

Examples
--------
>>> from gdcore import functions
>>> c = curvatures(functions.get("quadratic", a=1.0, b=12.0), [2.6, 1.4])
>>> c.mu, c.L, round(c.best_rate, 4), round(c.pace(c.best_rate), 4)
(1.0, 12.0, 0.1538, 0.8462)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import eigh

from gdcore.functions import Loss
from gdcore.trajectory import Trajectory

__all__ = ["Curvatures", "SGDStep", "curvatures", "outcome_names", "sgd_steps", "zigzags"]


@dataclass(frozen=True)
class Curvatures:
    """The Hessian's eigenvalues (ascending) and eigenvectors (columns) at a point."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def L(self) -> float:
        """The largest curvature (steepest direction)."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """The smallest curvature (shallowest direction)."""
        return float(self.eigenvalues[0])

    @property
    def best_rate(self) -> float:
        """``2 / (L + mu)``: the fixed rate whose slowest direction shrinks fastest."""
        return 2.0 / (self.L + self.mu)

    def factors(self, lr: float) -> np.ndarray:
        """``1 - lr * lambda_i`` per eigen-direction: what one step multiplies the offset by."""
        return 1.0 - lr * self.eigenvalues

    def pace(self, lr: float) -> float:
        """``max_i |1 - lr * lambda_i|``: the slowest direction's shrink factor per step."""
        return float(np.max(np.abs(self.factors(lr))))


def curvatures(loss: Loss, x: ArrayLike) -> Curvatures:
    """Eigen-decomposition of the Hessian of ``loss`` at ``x`` (``scipy.linalg.eigh``).

    Raises ``ValueError`` unless every curvature is positive (a bowl at ``x``).
    """
    p = np.asarray(x, dtype=float).reshape(-1)
    w, v = eigh(np.atleast_2d(loss.hessian(p)))
    if not (np.all(np.isfinite(w)) and w[0] > 0):
        raise ValueError(f"curvatures: the Hessian of {loss.name} at {p.tolist()} is not positive definite "
                         f"(eigenvalues {w.tolist()}); pick a point inside a bowl")
    return Curvatures(np.asarray(w, float), np.asarray(v, float))


def zigzags(run: Trajectory, centre: ArrayLike, directions: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether the run's offset from ``centre`` flips sign along some direction on two steps running.

    ``directions`` holds unit vectors as columns (e.g. the Hessian's eigenvectors); offsets
    smaller than ``tol`` count as zero (a run that lands on the minimum does not zig-zag).
    """
    off = (np.asarray(run.points, float) - np.asarray(centre, float)) @ np.asarray(directions, float)
    s = np.sign(np.where(np.abs(off) > tol, off, 0.0))
    flips = (s[1:] * s[:-1]) < 0
    return bool(np.any(flips[1:] & flips[:-1]))


def outcome_names(runs: Mapping[str, Trajectory], centre: ArrayLike, directions: np.ndarray,
                  rel_tol: float = 1e-9) -> dict[str, str]:
    """Name each run by what it did: "diverging", "oscillating", "good" or "slow".

    A run that diverged, or whose loss ended higher than it started, is "diverging"; one that zig-zags
    (:func:`zigzags`) "oscillating"; of the rest, one whose final loss is the lowest of all non-diverged
    runs (up to a relative ``rel_tol``) is "good", the others "slow".  The names are facts about these runs, not
    about the rates: on an ill-conditioned bowl the rate 1/L is "slow".
    """
    grew = {k: t.status == "diverged" or not t.losses[-1] < t.losses[0] for k, t in runs.items()}
    alive = {k: float(t.losses[-1]) for k, t in runs.items() if not grew[k]}
    best = min(alive.values()) if alive else np.inf
    names = {}
    for k, t in runs.items():
        if grew[k]:
            names[k] = "diverging"
        elif zigzags(t, centre, directions):
            names[k] = "oscillating"
        elif alive[k] <= best + rel_tol * max(abs(best), 1.0):
            names[k] = "good"
        else:
            names[k] = "slow"
    return names


@dataclass(frozen=True)
class SGDStep:
    """One plain gradient step on a 1-D loss: ``x_new = x - lr * slope``."""

    x: float
    slope: float
    lr: float
    x_new: float
    loss: float


def sgd_steps(run: Trajectory, loss: Loss, lr: float, n: int) -> list[SGDStep]:
    """The first ``n`` steps of a 1-D plain-gradient run, each with the slope it used.

    ``x_new`` is the run's next point (the engine's), not recomputed here; ``slope`` is
    ``loss.grad`` at ``x``.
    """
    if loss.dim != 1:
        raise ValueError(f"sgd_steps: need a 1-D loss, got {loss.dim}-D")
    out = []
    for k in range(min(n, run.steps)):
        x = float(run.points[k, 0])
        out.append(SGDStep(x, float(loss.grad([x])[0]), float(lr), float(run.points[k + 1, 0]),
                           float(run.losses[k])))
    return out
