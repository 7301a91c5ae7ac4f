"""Argument checks shared by gdcore's modules: one rule, one wording, written once.

>>> check_lr(0.1)
0.1
>>> check_lr(0)
Traceback (most recent call last):
    ...
ValueError: lr must be a finite number > 0, got 0
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TypeGuard

__all__ = ["check_lr", "check_range", "is_int", "is_number"]


def is_number(x: object) -> TypeGuard[Real]:
    """A real number, Python or NumPy (``np.float32(0.1)``, ``np.int64(4)``), but not a bool."""
    import numpy as np

    return isinstance(x, Real) and not isinstance(x, (bool, np.bool_))


def is_int(x: object) -> bool:
    """An integer, Python or NumPy (``np.int64(4)``), but not a bool."""
    import numpy as np

    return isinstance(x, Integral) and not isinstance(x, (bool, np.bool_))


def check_lr(lr: object) -> float:
    """A learning rate: a finite number > 0, returned as a float; else a ValueError naming it."""
    if not (is_number(lr) and math.isfinite(lr) and float(lr) > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)


def check_range(name: str, x: object, lo: float, hi: float, lo_open: bool = False, hi_open: bool = True) -> float:
    """``x`` as a float if it is a number in the interval from ``lo`` to ``hi`` (closed or open at
    either end, as told); else a ValueError naming ``name`` and the interval."""
    if is_number(x) and math.isfinite(x):
        v = float(x)
        if (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi):
            return v
    lb = "(" if lo_open else "["
    rb = ")" if hi_open else "]"
    hi_s = "inf" if hi == math.inf else f"{hi:g}"
    raise ValueError(f"{name} must be in {lb}{lo:g}, {hi_s}{rb}, got {x!r}")
