"""Loss landscapes of a trained network (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets").

The loss is evaluated on the plane ``theta* + a*d1 + b*d2`` through the final
weights ``theta*``.  Two choices of directions:

- :func:`filter_normalized_direction`: a seeded Gaussian direction whose every
  filter (for a dense layer: the incoming weights of one neuron, a column of W)
  is rescaled to the norm of the same filter of the weights; bias directions are
  zero, as the paper does for biases and batch-norm parameters.
- :func:`pca_directions`: the first two principal components of the training
  trajectory ``theta_i - theta*``, so the path the optimizer took lies (nearly) in
  the plane and can be drawn on it.

A known flaw of such plots: a checkpoint's projected point carries the plane's
loss, not its own.  :func:`path_on_plane` returns both, and the largest gap.

Flat versus sharp minima (Keskar et al. 2017): :func:`sharpness_slice` gives the largest
Hessian eigenvalue at the weights (:func:`gdcore.lessons.sharpness`) and the loss along its
eigenvector, a 1-D slice whose curvature at 0 is that eigenvalue.  Two minima are compared at
the same training loss (:func:`train_until`): cross-entropy's curvature shrinks as its loss
goes to zero, so a run trained further would look flatter for that reason alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from gdcore.lessons import sharpness
from gdcore.mlp import MLP, History, train
from gdcore.optim import Optimizer

__all__ = [
    "LossGrid",
    "PCAPlane",
    "PathOnPlane",
    "SharpnessSlice",
    "filter_normalized_direction",
    "loss_rise",
    "loss_surface",
    "path_on_plane",
    "pca_directions",
    "sharpness_slice",
    "train_until",
]


def filter_normalized_direction(model: MLP, params: list[np.ndarray] | None = None, seed: int = 0) -> np.ndarray:
    """A flat direction with the structure of ``params``, filter-normalized (Li et al. 2018, sec. 4)."""
    params = model.check_params(params)
    rng = np.random.default_rng(seed)
    parts = []
    for p in params:
        if p.ndim == 1:                         # bias: no direction
            parts.append(np.zeros_like(p))
            continue
        d = rng.normal(size=p.shape)
        # A filter of a dense layer = the weights into one neuron = one column of W.
        d *= np.linalg.norm(p, axis=0, keepdims=True) / (np.linalg.norm(d, axis=0, keepdims=True) + 1e-12)
        parts.append(d)
    return np.concatenate([d.ravel() for d in parts])


@dataclass
class PCAPlane:
    """Two orthonormal directions from a trajectory, with every checkpoint's coordinates."""

    d1: np.ndarray
    d2: np.ndarray
    coords: np.ndarray            # (T, 2): (a, b) of each checkpoint; the last is (0, 0)
    explained: np.ndarray         # explained variance ratio of the two components


def pca_directions(thetas: np.ndarray, center: np.ndarray | None = None) -> PCAPlane:
    """First two principal directions of ``thetas - center`` (center: the last checkpoint)."""
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim != 2 or len(thetas) < 3:
        raise ValueError(f"thetas must be (T, n_params) with T >= 3 checkpoints, got {thetas.shape}")
    c = thetas[-1] if center is None else np.asarray(center, dtype=float)
    M = thetas - c
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    d1, d2 = vt[0], vt[1]
    var = s**2
    return PCAPlane(d1, d2, M @ np.stack([d1, d2], 1), var[:2] / var.sum())


@dataclass
class LossGrid:
    alphas: np.ndarray
    betas: np.ndarray
    Z: np.ndarray                 # (len(betas), len(alphas)): Z[j, i] = loss at (alphas[i], betas[j])


def loss_surface(model: MLP, X: ArrayLike, y: ArrayLike, center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                 alphas: np.ndarray, betas: np.ndarray, loss: str = "mse", chunk: int = 64) -> LossGrid:
    """Loss at ``center + a*d1 + b*d2`` on the grid (:meth:`gdcore.mlp.MLP.plane_loss`: the first
    layer's pre-activations computed once for the whole plane, later layers batched)."""
    alphas = np.asarray(alphas, dtype=float)
    betas = np.asarray(betas, dtype=float)
    A, B = np.meshgrid(alphas, betas)
    coords = np.column_stack([A.ravel(), B.ravel()])
    Z = model.plane_loss(X, y, center, d1, d2, coords, loss=loss, chunk=chunk).reshape(A.shape)
    return LossGrid(alphas, betas, Z)


@dataclass
class PathOnPlane:
    coords: np.ndarray            # (T, 2) projected coordinates
    true_loss: np.ndarray         # each checkpoint's own loss
    plane_loss: np.ndarray        # the loss on the plane at its projection
    residual: np.ndarray          # distance of each checkpoint from the plane (parameter space)

    @property
    def max_gap(self) -> float:
        """The largest |true - plane| loss over the checkpoints."""
        return float(np.max(np.abs(self.true_loss - self.plane_loss)))


def path_on_plane(model: MLP, X: ArrayLike, y: ArrayLike, thetas: np.ndarray, center: np.ndarray, d1: np.ndarray,
                  d2: np.ndarray, loss: str = "mse") -> PathOnPlane:
    """Project checkpoints onto the plane (least squares) and evaluate both losses exactly.

    The plane's loss under a checkpoint is evaluated at its projection (not
    interpolated from a grid).
    """
    thetas = np.asarray(thetas, dtype=float)
    D = np.stack([d1, d2], 1)
    coords, *_ = np.linalg.lstsq(D, (thetas - center).T, rcond=None)
    coords = coords.T
    projected = center + coords @ D.T
    true = model.batched_loss(X, y, thetas, loss=loss)
    plane = model.plane_loss(X, y, center, d1, d2, coords, loss=loss)
    residual = np.linalg.norm(thetas - projected, axis=1)
    return PathOnPlane(coords, true, plane, residual)


@dataclass
class SharpnessSlice:
    """The sharpest direction at a network's weights and the loss along it."""

    sharpness: float              # the Hessian's eigenvalue of largest size at theta
    direction: np.ndarray         # its unit eigenvector (flat, like ``model.flatten()``)
    ts: np.ndarray                # steps along the direction (weight-space distance)
    loss: np.ndarray              # the loss at theta + t * direction
    slope: float                  # d loss / dt at t = 0: the gradient along the direction

    def taylor(self, ts: np.ndarray) -> np.ndarray:
        """The second-order Taylor expansion of the slice at 0: loss(0) + slope t + sharpness t^2 / 2."""
        ts = np.asarray(ts, dtype=float)
        return float(self.loss[len(self.loss) // 2]) + self.slope * ts + 0.5 * self.sharpness * ts**2


def sharpness_slice(model: MLP, X: ArrayLike, y: ArrayLike, theta: np.ndarray | None = None,
                    loss: str = "cross_entropy", half_width: float = 1.0, n: int = 61, iters: int = 30,
                    seed: int = 0) -> SharpnessSlice:
    """Sharpness at ``theta`` (default: the model's weights) and the loss on ``n`` steps in
    ``[-half_width, half_width]`` along the sharpest direction.

    Near a minimum the slice rises as ``sharpness * t**2 / 2``; the loss values are exact forward
    passes (:meth:`gdcore.mlp.MLP.plane_loss` with a zero second direction).
    """
    theta = model.flatten() if theta is None else np.asarray(theta, dtype=float)

    def grad(t: np.ndarray) -> np.ndarray:
        return np.concatenate([g.ravel() for g in model.loss_and_grads(X, y, loss, model.unflatten(t))[1]])

    lam, v = sharpness(grad, theta, iters=iters, seed=seed, return_vector=True)
    if n % 2 == 0:
        raise ValueError(f"n must be odd (a step at t = 0 in the middle), got {n}")
    ts = np.linspace(-half_width, half_width, n)
    along = model.plane_loss(X, y, theta, v, np.zeros_like(v), np.column_stack([ts, np.zeros_like(ts)]), loss=loss)
    return SharpnessSlice(float(lam), v, ts, along, float(grad(theta) @ v))


def loss_rise(model: MLP, X: ArrayLike, y: ArrayLike, direction: np.ndarray, delta: float,
              theta: np.ndarray | None = None, loss: str = "cross_entropy") -> tuple[float, float]:
    """How much a step of ``delta`` along ``direction`` (either way) raises the loss at ``theta``
    (default: the model's weights): ``(L(theta - delta v) - L(theta), L(theta + delta v) - L(theta))``,
    from exact forward passes.  Negative where the step lowers the loss (the weights are not a
    minimum along ``v``); their mean cancels the gradient's first-order part and is about
    ``curvature * delta**2 / 2`` for a small step.
    """
    theta = model.flatten() if theta is None else np.asarray(theta, dtype=float)
    v = np.asarray(direction, dtype=float)
    L = model.batched_loss(X, y, np.stack([theta - delta * v, theta, theta + delta * v]), loss=loss)
    return float(L[0] - L[1]), float(L[2] - L[1])


class _Reached(Exception):
    """Raised from :func:`train`'s per-epoch callback to end a run at its target loss."""


def train_until(model: MLP, X: ArrayLike, y: ArrayLike, optimizer: Optimizer, target_loss: float, max_epochs: int,
                batch_size: int, loss: str = "cross_entropy", seed: int = 0) -> tuple[History, bool]:
    """Train ``model`` in place with mini-batches until its full training loss is at most
    ``target_loss`` (checked after every epoch), for at most ``max_epochs`` epochs.

    Returns ``(history, reached)``; the history is :func:`gdcore.mlp.train`'s, ending at the first
    epoch whose loss reached the target (or at ``max_epochs``, or where the run diverged).
    """
    if not np.isfinite(target_loss):
        raise ValueError(f"target_loss must be finite, got {target_loss!r}")
    seen: list[History] = []

    def stop_at_target(_epoch: int, hist: History) -> None:
        if not seen:
            seen.append(hist)
        if hist.epoch_loss[-1] <= target_loss:
            raise _Reached

    try:
        hist = train(model, X, y, optimizer, epochs=max_epochs, mode="minibatch", batch_size=batch_size, loss=loss,
                     seed=seed, callback=stop_at_target)
    except _Reached:
        return seen[0], True
    return hist, bool(hist.epoch_loss[-1] <= target_loss)
