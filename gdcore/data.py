"""Small datasets from the seed posts, and a seeded noisy line.

Examples
--------
>>> x, y = six_points()
>>> x.tolist(), y.tolist()
([-4.0, -2.0, 0.0, 1.0, 2.0, 3.0], [-8.0, -4.0, 1.0, 2.2, 3.3, 5.3])
>>> y_equals_2x()[1].tolist()
[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
"""

from __future__ import annotations

import numpy as np

__all__ = ["house_prices", "noisy_line", "six_points", "y_equals_2x"]


def y_equals_2x(n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Points of y = 2x for x = 0, 1, ..., n-1 (the talk's "one to two, two to four, four to six")."""
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    x = np.arange(n, dtype=float)
    return x, 2.0 * x


def six_points() -> tuple[np.ndarray, np.ndarray]:
    """The six training points of the beginner post: x = -4, -2, 0, 1, 2, 3; y = -8, -4, 1, 2.2, 3.3, 5.3."""
    return np.array([-4.0, -2.0, 0.0, 1.0, 2.0, 3.0]), np.array([-8.0, -4.0, 1.0, 2.2, 3.3, 5.3])


def house_prices() -> tuple[np.ndarray, np.ndarray]:
    """The house table of the beginner post: square feet -> price in $k (1000 -> 200, 2000 -> 400, 4000 -> 800)."""
    return np.array([1000.0, 2000.0, 4000.0]), np.array([200.0, 400.0, 800.0])


def noisy_line(n: int = 30, m: float = 2.0, b: float = 0.5, noise: float = 0.5, seed: int = 0,
               x_range: tuple[float, float] = (-4.0, 4.0)) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``y = m x + b`` plus Gaussian noise of std ``noise``; x uniform in ``x_range``; seeded."""
    if n < 1 or noise < 0:
        raise ValueError(f"need n >= 1 and noise >= 0, got n={n}, noise={noise}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(*x_range, size=n))
    return x, m * x + b + rng.normal(0.0, noise, size=n)
