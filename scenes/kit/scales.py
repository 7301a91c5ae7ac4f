"""Extra sequential colour scales, added beside the theme's palette (which they leave unchanged).

``BATCH_SIZE_SCALE``: the batch sizes between the gradient-descent variants' own sizes (gd_variants
shows 1, 32 and the whole training set in ``THEME.VARIANT``'s orange, green and blue; 64 ... 512 on
this scale).  A mauve ramp at CIELAB hue 320 degrees, chroma 20, lightness 45 -> 85 (dark theme) or
25 -> 62 (light theme): it stays at CIEDE2000 >= 10 from every VARIANT colour under normal vision,
protanopia and deuteranopia, its four samples are >= 9 apart from each other, and it stands
>= 3:1 off the background (``tests/test_gd_variants_scene.py`` checks this).
"""

from __future__ import annotations

from manim import ManimColor, color_gradient

from scenes.kit.theme import THEME, Theme

__all__ = ["BATCH_SIZE_SCALE", "batch_size_scale"]

#: Low and high ends of the batch-size scale per theme name.
BATCH_SIZE_SCALE: dict[str, tuple[str, str]] = {"dark": ("#7A6280", "#E7CCED"), "light": ("#4C3154", "#AB8BB2")}


def batch_size_scale(n: int, theme: Theme = THEME) -> list[str]:
    """``n`` colours (hex) from the low to the high end of :data:`BATCH_SIZE_SCALE` for ``theme``."""
    lo, hi = BATCH_SIZE_SCALE.get(theme.name, BATCH_SIZE_SCALE["dark"])
    if n <= 0:
        return []
    if n == 1:
        return [lo]
    return [ManimColor(c).to_hex().upper() for c in color_gradient([ManimColor(lo), ManimColor(hi)], n)]
