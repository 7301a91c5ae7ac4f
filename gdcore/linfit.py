"""Fitting ``y = m*x + b`` by gradient descent: per-sample SGD, full batch and mini-batch.

The beginner post's loop (for every pass, for every point in order:
``err = m*x + b - y; m -= lr*x*err; b -= lr*err``) is per-sample SGD on
``err**2 / 2`` -- choose ``loss="half_mse"`` to reproduce it exactly.  With
``loss="mse"`` (the default) the gradient of ``err**2`` is used, ``2*err``.

Examples
--------
>>> from gdcore.data import six_points
>>> x, y = six_points()
>>> fit = fit_line(x, y, lr=0.01, epochs=50, mode="stochastic", loss="half_mse", m0=0.5, b0=0.5)
>>> len(fit.m), fit.updates_per_epoch
(301, 6)
>>> m, b = least_squares(x, y)
>>> bool(abs(fit.m[-1] - m) < 0.05 and abs(fit.b[-1] - b) < 0.1)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from gdcore.checks import check_lr
from gdcore.mlp import MODES

__all__ = ["HouseStep", "LineFit", "fit_line", "house_guesses", "house_steps", "least_squares", "mse", "mse_grid",
           "settled_index"]


@dataclass
class LineFit:
    """History of a line fit: ``m``, ``b`` after every update (index 0 = start) and the
    full-data MSE at each of those moments; ``epoch_index[k]`` is the update index at the
    end of pass ``k`` (0 = start)."""

    m: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    epoch_index: np.ndarray
    updates_per_epoch: int
    mode: str
    lr: float
    status: str = "finished"   # or "diverged": the run stopped at the last finite update

    @property
    def epoch_m(self) -> np.ndarray:
        return self.m[self.epoch_index]

    @property
    def epoch_b(self) -> np.ndarray:
        return self.b[self.epoch_index]

    @property
    def epoch_loss(self) -> np.ndarray:
        return self.loss[self.epoch_index]


def mse(x: np.ndarray, y: np.ndarray, m: float, b: float) -> float:
    """Mean squared error of the line on the data."""
    return float(np.mean((m * np.asarray(x) + b - np.asarray(y)) ** 2))


def least_squares(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """The least-squares line (slope, intercept) from SciPy's linear regression."""
    r = stats.linregress(np.asarray(x, float), np.asarray(y, float))
    return float(r.slope), float(r.intercept)


def fit_line(x: ArrayLike, y: ArrayLike, lr: float = 0.01, epochs: int = 50, mode: str = "stochastic",
             batch_size: int = 2, loss: str = "mse", m0: float | None = None, b0: float | None = None,
             seed: int = 0) -> LineFit:
    """Fit ``y = m x + b`` by gradient descent.

    Parameters
    ----------
    mode : {"stochastic", "batch", "minibatch"}
        The names of :func:`gdcore.mlp.train`'s modes.
        ``stochastic``: one update per point, points in order (as in the post);
        ``batch``: one update per pass on the mean gradient;
        ``minibatch``: shuffled (seeded) batches of ``batch_size``.
    loss : {"mse", "half_mse"}
        Gradient of ``err**2`` or of ``err**2 / 2`` (the post's update).
    m0, b0 : float, optional
        Start; drawn uniformly from [0, 1) with ``seed`` if not given (the post uses random.random()).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError(f"x and y must be 1-D arrays of one non-zero length, got {x.shape} and {y.shape}")
    lr = check_lr(lr)
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be 'stochastic', 'batch' or 'minibatch', got {mode!r}")
    if loss not in ("mse", "half_mse"):
        raise ValueError(f"loss must be 'mse' or 'half_mse', got {loss!r}")
    if mode == "minibatch" and not (isinstance(batch_size, int) and 1 <= batch_size <= len(x)):
        raise ValueError(f"batch_size must be an integer in [1, {len(x)}], got {batch_size!r}")
    rng = np.random.default_rng(seed)
    m = float(rng.random()) if m0 is None else float(m0)
    b = float(rng.random()) if b0 is None else float(b0)
    k = 2.0 if loss == "mse" else 1.0
    ms, bs, losses, epoch_index = [m], [b], [mse(x, y, m, b)], [0]
    n = len(x)
    status = "finished"
    per_epoch = {"stochastic": n, "batch": 1, "minibatch": -(-n // batch_size)}[mode]
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            if mode == "stochastic":
                batches = [np.array([i]) for i in range(n)]
            elif mode == "batch":
                batches = [np.arange(n)]
            else:
                order = rng.permutation(n)
                batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
            for idx in batches:
                err = m * x[idx] + b - y[idx]
                gm, gb = k * float(np.mean(err * x[idx])), k * float(np.mean(err))
                m_new, b_new = m - lr * gm, b - lr * gb
                loss_new = mse(x, y, m_new, b_new)
                if not (math.isfinite(m_new) and math.isfinite(b_new) and math.isfinite(loss_new)):
                    status = "diverged"
                    break
                m, b = m_new, b_new
                ms.append(m)
                bs.append(b)
                losses.append(loss_new)
            if status == "diverged":
                break
            epoch_index.append(len(ms) - 1)
    return LineFit(np.array(ms), np.array(bs), np.array(losses), np.array(epoch_index), per_epoch, mode,
                   float(lr), status)


def mse_grid(x: ArrayLike, y: ArrayLike, ms: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """MSE of the line ``y = m x + b`` on the data for every (m, b) of a grid: ``Z[j, i]`` is at ``(ms[i], bs[j])``.

    >>> Z = mse_grid([0.0, 1.0], [0.0, 2.0], np.array([0.0, 2.0]), np.array([0.0, 1.0]))
    >>> Z.tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    M, B = np.meshgrid(np.asarray(ms, float), np.asarray(bs, float))
    r = M[..., None] * x + B[..., None] - y
    return np.mean(r * r, axis=-1)


@dataclass(frozen=True)
class HouseStep:
    """One step on the house example: weight ``w`` ($ per sq ft), its prediction and error in $,
    the gradient of the absolute error ``|price - w*sqft|`` with respect to ``w`` and the new weight."""

    w: float
    predicted: float
    error: float
    grad: float
    w_new: float


def house_guesses(sqft: float, price: float, weights: Iterable[float]) -> list[tuple[float, float, float]]:
    """The post's eyeballed weights: ``(w, predicted = w*sqft, error = price - predicted)`` for each.

    >>> house_guesses(1000.0, 200_000.0, [100.0, 150.0, 175.0])
    [(100.0, 100000.0, 100000.0), (150.0, 150000.0, 50000.0), (175.0, 175000.0, 25000.0)]
    """
    return [(float(w), float(w) * sqft, price - float(w) * sqft) for w in weights]


def house_steps(sqft: float, price: float, w0: float, lr: float, steps: int) -> list[HouseStep]:
    """Gradient steps on ``|price - w*sqft|`` from ``w0``, the gradient from :class:`gdcore.autograd.Value`.

    The post's rule: ``dP/dw = sqft`` (P = w*sqft), a step of ``lr * sqft`` towards the price --
    which is gradient descent on the absolute error, whose gradient is ``-sign(error) * sqft``.

    >>> [round(s.w_new, 6) for s in house_steps(1000.0, 200_000.0, 100.0, 0.01, 2)]
    [110.0, 120.0]
    """
    from gdcore.autograd import Value

    out = []
    w = float(w0)
    for _ in range(steps):
        wv = Value(w, label="w")
        pred = wv * sqft
        loss = (pred - price).abs()
        loss.backward()
        w_new = w - lr * wv.grad
        out.append(HouseStep(w, pred.data, price - pred.data, wv.grad, w_new))
        w = w_new
    return out


def settled_index(values: ArrayLike, rel: float = 0.01) -> int:
    """The first index from which every value stays within ``rel`` (relative) of the last one.

    >>> settled_index([10.0, 5.0, 2.0, 1.02, 0.995, 1.0], 0.05)
    3
    """
    v = np.asarray(values, float)
    off = np.abs(v - v[-1]) > rel * abs(v[-1])
    bad = np.nonzero(off)[0]
    return int(bad[-1] + 1) if len(bad) else 0
