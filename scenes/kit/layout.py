"""Placing mobjects in the frame."""

from __future__ import annotations

from typing import TypeVar

from manim import Mobject

__all__ = ["fit_in"]

M = TypeVar("M", bound=Mobject)


def fit_in(mob: M, width: float, height: float) -> M:
    """Scale ``mob`` down (never up) so it fits a ``width`` x ``height`` box."""
    if mob.width > width:
        mob.scale_to_fit_width(width)
    if mob.height > height:
        mob.scale_to_fit_height(height)
    return mob
