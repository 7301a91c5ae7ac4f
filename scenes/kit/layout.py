"""Placing mobjects in the frame, and pacing a run's steps in time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
from manim import Mobject

__all__ = ["fit_in", "paced"]

M = TypeVar("M", bound=Mobject)


def fit_in(mob: M, width: float, height: float) -> M:
    """Scale ``mob`` down (never up) so it fits a ``width`` x ``height`` box."""
    if mob.width > width:
        mob.scale_to_fit_width(width)
    if mob.height > height:
        mob.scale_to_fit_height(height)
    return mob


def paced(steps: int, slow_at: int | None, share: float = 0.35) -> Callable[[float], float]:
    """A rate function over ``steps`` steps that spends more time on the early steps (where runs move
    most: step k gets time ~ (k+1)^-0.56, close to ``t ** 2.3``) and, if ``slow_at`` is given, about
    ``share`` of the time on the few steps around it: slow motion where the lesson happens."""
    k = np.arange(steps, dtype=float)
    w = (k + 1.0) ** -0.56
    if slow_at is not None:
        near = np.exp(-0.5 * ((k - slow_at) / 2.0) ** 2)
        w = w + share / (1 - share) * w.sum() / near.sum() * near
    cum = np.concatenate([[0.0], np.cumsum(w)])
    cum /= cum[-1]
    stations = np.arange(steps + 1) / steps
    return lambda t: float(np.interp(t, cum, stations))
