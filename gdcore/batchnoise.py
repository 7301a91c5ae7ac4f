"""How noisy the loss of one random batch is, at fixed weights, for each batch size; byte counts in binary units.

A training step sees the loss of its own batch, not the loss of the whole training set.  At
fixed weights the batch loss is the mean of ``b`` per-example losses drawn without replacement
from the ``N`` training examples, so its standard deviation over random batches is, exactly,

    sd_b = sigma * sqrt((N - b) / (b * (N - 1)))

with ``sigma`` the standard deviation (ddof 0) of the ``N`` per-example losses (sampling without
replacement: Cochran, *Sampling Techniques*, 1977, eq. 2.8).  That is ``1/sqrt(b)`` scaling with a
finite-population factor that makes the full batch (``b = N``) noise-free.
:func:`batch_noise` measures ``sd_b`` with the same number of seeded random batches for every batch
size (a fair comparison, unlike percentiles of one epoch's 45 or 3 step losses) and returns the
expected value beside it.

>>> import numpy as np
>>> losses = np.arange(10.0)
>>> n = batch_noise_of_losses(losses, [1, 10], n_batches=2000, seed=0)
>>> round(n.expected[1], 4), n.expected[10], n.measured[10]
(2.8723, 0.0, 0.0)
>>> format_bytes_binary(9640), format_bytes_binary(4 * 2**30), about(7_254_979)
('9.4 KiB', '4 GiB', 'about 7.3 million')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from gdcore.mlp import MLP

__all__ = ["BatchNoise", "about", "batch_noise", "batch_noise_of_losses", "expected_batch_sd",
           "format_bytes_binary", "per_example_loss"]


@dataclass(frozen=True)
class BatchNoise:
    """Per batch size ``b``: the measured and expected standard deviation of the batch loss.

    ``sigma`` is the standard deviation (ddof 0) of the per-example losses, ``mean`` their mean
    (the full-batch loss), ``n`` the number of examples and ``n_batches`` the batches drawn per size.
    """

    measured: dict[int, float]
    expected: dict[int, float]
    sigma: float
    mean: float
    n: int
    n_batches: int


def expected_batch_sd(sigma: float, n: int, b: int) -> float:
    """``sigma * sqrt((n - b) / (b * (n - 1)))``: the sd of the mean of ``b`` of ``n`` values drawn without replacement.

    >>> expected_batch_sd(2.0, 100, 1), expected_batch_sd(2.0, 100, 100)
    (2.0, 0.0)
    """
    if not 1 <= b <= n:
        raise ValueError(f"batch size must be in [1, {n}], got {b}")
    if n == 1:
        return 0.0
    return float(sigma * np.sqrt((n - b) / (b * (n - 1))))


def batch_noise_of_losses(losses: ArrayLike, batch_sizes: Sequence[int], n_batches: int = 500,
                          seed: int = 0) -> BatchNoise:
    """Measured sd of the mean of ``b`` losses drawn without replacement, over ``n_batches`` seeded batches per size.

    Every batch size gets the same number of batches, from its own stream of ``seed`` (so adding a
    batch size does not change the others' numbers).
    """
    v = np.asarray(losses, float).ravel()
    n = len(v)
    if n < 1 or not np.all(np.isfinite(v)):
        raise ValueError("losses must be a non-empty array of finite numbers")
    if n_batches < 2:
        raise ValueError(f"n_batches must be at least 2, got {n_batches}")
    sigma = float(np.std(v))
    measured, expected = {}, {}
    for b in batch_sizes:
        b = int(b)
        expected[b] = expected_batch_sd(sigma, n, b)
        rng = np.random.default_rng([int(seed), b])
        # Each batch: the first b of a fresh random permutation (without replacement within a batch).
        means = np.array([v[rng.permutation(n)[:b]].mean() for _ in range(n_batches)])
        measured[b] = 0.0 if b == n else float(np.std(means, ddof=1))
    return BatchNoise(measured, expected, sigma, float(v.mean()), n, int(n_batches))


def per_example_loss(model: MLP, X: ArrayLike, y: ArrayLike, loss: str = "cross_entropy") -> np.ndarray:
    """The loss of each example under ``model``'s current weights (their mean is ``model.loss(X, y, loss)``)."""
    out = model.forward(X)
    if loss == "mse":
        yy = np.asarray(y, float).reshape(out.shape)
        return np.mean((out - yy) ** 2, axis=1)
    z = out - out.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    yi = np.asarray(y, int)
    return -logp[np.arange(len(yi)), yi]


def batch_noise(model: MLP, X: ArrayLike, y: ArrayLike, batch_sizes: Sequence[int], n_batches: int = 500,
                seed: int = 0, loss: str = "cross_entropy") -> BatchNoise:
    """:func:`batch_noise_of_losses` of the per-example training losses at ``model``'s current (fixed) weights."""
    return batch_noise_of_losses(per_example_loss(model, X, y, loss), batch_sizes, n_batches, seed)


def format_bytes_binary(b: float) -> str:
    """Bytes in binary units with their binary names: ``9640`` -> ``"9.4 KiB"``, ``2**32`` -> ``"4 GiB"``.

    Three significant figures at most (``"831 KiB"``), whole numbers without a decimal (``"4 GiB"``).
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= size:
            v = b / size
            s = f"{v:.0f}" if v >= 10 or abs(v - round(v)) < 0.05 else f"{v:.1f}"
            return f"{s} {unit}"
    return f"{b:.0f} B"


def about(count: float) -> str:
    """A large count to two significant figures, in words: ``7254979`` -> ``"about 7.3 million"``.

    Counts under ten thousand are written out (``"1,438"``).
    """
    c = float(count)
    for word, size in (("billion", 1e9), ("million", 1e6), ("thousand", 1e3)):
        if c >= size and c >= 1e4:
            v = float(f"{c / size:.2g}")
            return f"about {v:g} {word}"
    return f"{round(c):,}"
