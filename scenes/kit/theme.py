"""The theme: one palette where a colour means one thing, and a type scale readable at 480p.

The theme is semantic: a colour means one thing in every video.

=================  ==========================================================
``VALUE``          forward values (a node's data, activations)
``GRAD``           gradients and the backward pass
``POSITIVE``       a positive weight
``NEGATIVE``       a negative weight
``LOSS``           the loss (readouts and loss curves)
``PREDICTION``     a model's prediction (the fitted line)
``DATA``           data points
``OPTIMIZER[..]``  one colour per optimizer (SGD, Momentum, RMSprop, Adam, Adagrad)
``REGIME[..]``     one colour per learning-rate regime
``VARIANT[..]``    one colour per gradient-descent variant (batch, stochastic, mini-batch)
``CLASS``          class colours of classification data
``HEIGHT_MAP``     the sequential map of loss heights (surfaces, contour levels)
=================  ==========================================================

The type scale names four sizes (``TITLE``, ``CAPTION``, ``LABEL``, ``TICK``) for
:class:`~manim.Text` and one (``MATH``) for :class:`~manim.MathTex`.  Each is chosen by its
glyph height at 480p, the smallest frame a video is watched at (a blog embed, a phone):
no text on screen is under 12 px.  At 480p one scene unit is 60 px (the frame is 8 units
tall); DejaVu Sans' cap height is 0.6074 px per point of manim's ``font_size`` there, and
a MathTex digit 0.4284 px per point (measured: ``Text("H", font_size=24)`` is 14.58 px,
``MathTex("0", font_size=24)`` 10.28 px).

Set the environment variable ``GDVIZ_THEME=light`` for white blog pages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from manim import DecimalNumber, Integer, MathTex, Tex, Text, config

__all__ = [
    "Theme",
    "TypeScale",
    "THEME",
    "TYPE",
    "get_theme",
    "MIN_GLYPH_PX",
    "TEXT_CAP_PX_PER_POINT",
    "MATH_DIGIT_PX_PER_POINT",
    "px_at_480p",
]

#: The smallest glyph height (cap height of Text, digit height of MathTex) allowed on screen, in px at 480p.
MIN_GLYPH_PX = 12.0
#: Cap height of DejaVu Sans in px at 480p per point of manim's ``font_size``.
TEXT_CAP_PX_PER_POINT = 14.578125 / 24
#: Height of a MathTex digit in px at 480p per point of ``font_size``.
MATH_DIGIT_PX_PER_POINT = 10.281444 / 24


def px_at_480p(scene_units: float) -> float:
    """A length in scene units as pixels of a 480p frame (the frame is ``config.frame_height`` units tall)."""
    return scene_units * 480.0 / config.frame_height


@dataclass(frozen=True)
class TypeScale:
    """Named text sizes (manim ``font_size`` points) with their glyph heights at 480p.

    ``TITLE`` 40 (24 px cap height), ``CAPTION`` 30 (18 px), ``LABEL`` 24 (14.6 px),
    ``TICK`` 22 (13.4 px) for :class:`~manim.Text`; ``MATH`` 36 (15.4 px digits) and
    ``MATH_SMALL`` 30 (12.9 px) for :class:`~manim.MathTex`.

    >>> round(TYPE.TICK * TEXT_CAP_PX_PER_POINT, 1), round(TYPE.MATH_SMALL * MATH_DIGIT_PX_PER_POINT, 1)
    (13.4, 12.9)
    """

    TITLE: int = 40
    CAPTION: int = 30
    LABEL: int = 24
    TICK: int = 22
    MATH: int = 36
    MATH_SMALL: int = 30

    def min_text_points(self) -> float:
        """The smallest Text ``font_size`` that keeps cap height at :data:`MIN_GLYPH_PX`."""
        return MIN_GLYPH_PX / TEXT_CAP_PX_PER_POINT


TYPE = TypeScale()


@dataclass(frozen=True)
class Theme:
    """The palette and fonts shared by all scenes."""

    name: str
    background: str
    text: str
    muted: str
    panel: str
    VALUE: str
    GRAD: str
    POSITIVE: str
    NEGATIVE: str
    LOSS: str
    PREDICTION: str
    DATA: str
    OPTIMIZER: dict[str, str] = field(default_factory=dict)
    REGIME: dict[str, str] = field(default_factory=dict)
    # Gradient-descent variants (batch, stochastic, mini-batch).
    VARIANT: dict[str, str] = field(default_factory=lambda: {"batch": "#7FA7FF", "stochastic": "#F4A261",
                                                             "minibatch": "#83C167"})
    # Class colours of classification data (two moons, spirals, digits).
    CLASS: tuple[str, ...] = ("#F28CB1", "#C6E377", "#9D8DF1", "#FFD166", "#06D6A0", "#EF476F", "#A0C4FF",
                              "#FFADAD", "#CAFFBF", "#BDB2FF")
    # Sequential map for heights / contour levels (low -> high); used only for the loss surface.
    HEIGHT_MAP: tuple[str, ...] = ("#5A46B0", "#2C78C0", "#21A38F", "#6CCB5F", "#E3E22A")
    font: str = "DejaVu Sans"
    mono: str = "DejaVu Sans Mono"
    # Kept for code that still reads sizes from the theme; the type scale is TYPE.
    title_size: int = TYPE.TITLE
    caption_size: int = TYPE.CAPTION
    label_size: int = TYPE.LABEL
    small_size: int = TYPE.TICK

    @staticmethod
    def dark() -> "Theme":
        return Theme(
            name="dark",
            background="#0F1117",
            text="#ECECEC",
            muted="#8A919E",
            panel="#1B1F2A",
            VALUE="#58C4DD",
            GRAD="#FC6255",
            POSITIVE="#5CD0B3",
            NEGATIVE="#F0A050",
            LOSS="#F4D345",
            PREDICTION="#FF6F91",
            DATA="#ECECEC",
            OPTIMIZER={
                "SGD": "#D0D4DC",
                "Momentum": "#FF9F1C",
                "RMSprop": "#2EC4B6",
                "Adam": "#C77DFF",
                "Adagrad": "#9BE564",
            },
            REGIME={
                "slow": "#7FA7FF",
                "good": "#83C167",
                "oscillating": "#FFB000",
                "diverging": "#FF4FA3",
            },
        )

    @staticmethod
    def light() -> "Theme":
        return Theme(
            name="light",
            background="#FFFFFF",
            text="#1A1A1A",
            muted="#6B7280",
            panel="#F1F3F7",
            VALUE="#1F77B4",
            GRAD="#D62728",
            POSITIVE="#138A72",
            NEGATIVE="#C4610A",
            LOSS="#B58900",
            PREDICTION="#C2185B",
            DATA="#1A1A1A",
            OPTIMIZER={
                "SGD": "#4B5563",
                "Momentum": "#E07000",
                "RMSprop": "#0E9384",
                "Adam": "#7B2CBF",
                "Adagrad": "#4D8F1F",
            },
            REGIME={
                "slow": "#3559C7",
                "good": "#2E7D32",
                "oscillating": "#B07800",
                "diverging": "#C2185B",
            },
            HEIGHT_MAP=("#3B2A7A", "#2F6DA3", "#1F9A8A", "#6DBF4B", "#C9B800"),
        )


def get_theme(name: str | None = None) -> Theme:
    """The theme named ``name`` or, by default, by ``$GDVIZ_THEME`` (``dark``)."""
    name = (name or os.environ.get("GDVIZ_THEME") or "dark").strip().lower()
    if name == "dark":
        return Theme.dark()
    if name == "light":
        return Theme.light()
    raise ValueError(f"GDVIZ_THEME must be 'dark' or 'light', got {name!r}")


THEME = get_theme()
config.background_color = THEME.background
# Text and numbers made without an explicit colour (axis numbers, MathTex) follow the theme,
# so the light theme has no white-on-white labels.
for _cls in (Text, MathTex, Tex, DecimalNumber, Integer):
    _cls.set_default(color=THEME.text)
