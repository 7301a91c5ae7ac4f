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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from gdcore.mlp import MLP

__all__ = [
    "LossGrid",
    "PCAPlane",
    "PathOnPlane",
    "filter_normalized_direction",
    "loss_surface",
    "path_on_plane",
    "pca_directions",
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
