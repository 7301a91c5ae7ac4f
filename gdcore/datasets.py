"""Seeded toy datasets made with NumPy, and the handwritten digits shipped with the package.

Examples
--------
>>> X, y = two_moons(100, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 2), [0, 1])
>>> d = digits()
>>> d.X_train.shape, d.X_test.shape, int(d.y_train.max())
((1438, 64), (359, 64), 9)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["two_moons", "spirals", "Digits", "digits", "DIGITS_FILE"]

DIGITS_FILE = Path(__file__).with_name("datasets_data") / "digits.npz"


def _check(n: int, noise: float) -> None:
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (labels 0 and 1), with Gaussian noise; seeded.

    Same construction as scikit-learn's ``make_moons``: the upper moon is
    ``(cos t, sin t)`` and the lower ``(1 - cos t, 0.5 - sin t)`` for t in [0, pi].
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, int), np.ones(n1, int)])
    X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the CS231n toy set), ``n`` points in all; seeded."""
    _check(n, noise)
    if not (isinstance(classes, int) and 2 <= classes <= 10):
        raise ValueError(f"classes must be an integer in [2, 10], got {classes!r}")
    rng = np.random.default_rng(seed)
    per = np.full(classes, n // classes)
    per[: n % classes] += 1
    Xs, ys = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + rng.normal(0.0, noise, m)
        Xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(m, k))
    X, y = np.vstack(Xs), np.concatenate(ys)
    order = rng.permutation(n)
    return X[order], y[order]


@dataclass(frozen=True)
class Digits:
    """The digits with a fixed split: pixels scaled to [0, 1], integer labels 0..9."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits(test_fraction: float = 0.2, seed: int = 0) -> Digits:
    """The 1,797 8x8 handwritten digits (UCI, as bundled by scikit-learn), split once.

    The split is stratified by label and fixed by ``seed``: the same call always
    returns the same 1,438 training and 359 test images (with the defaults).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    with np.load(DIGITS_FILE) as f:
        X = f["images"].astype(float) / 16.0
        y = f["labels"].astype(int)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for k in range(10):
        idx = np.nonzero(y == k)[0]
        take = int(round(test_fraction * len(idx)))
        test[rng.choice(idx, size=take, replace=False)] = True
    return Digits(X[~test], y[~test], X[test], y[test])
