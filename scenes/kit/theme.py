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
``BASIN[..]``      basins of attraction: where plain GD from a start ends (global, local minimum),
                   drawn as fills at ``BASIN_FILL`` opacity under the paths
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

Which semantic colours share a frame is written down once, in :meth:`Theme.frame_groups`;
``tests/test_colours.py`` checks that each such pair stays apart under normal vision,
protanopia and deuteranopia (CIEDE2000 of Machado et al. 2009 simulations), that no two
roles anywhere are near-identical, and WCAG contrast against the background.

Set the environment variable ``GDVIZ_THEME=light`` for white blog pages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from manim import DecimalNumber, Integer, MathTex, Tex, Text, config

__all__ = [
    "MATH_DIGIT_PX_PER_POINT",
    "MIN_GLYPH_PX",
    "TEXT_CAP_PX_PER_POINT",
    "THEME",
    "TYPE",
    "Theme",
    "TypeScale",
    "get_theme",
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
    # Gradient-descent variants (batch, stochastic, mini-batch).  Defaults are the dark theme's.
    VARIANT: dict[str, str] = field(default_factory=lambda: {"batch": "#80B8FF", "stochastic": "#F3844E",
                                                             "minibatch": "#6BD092"})
    # Basins of attraction (local_minima): a start coloured by the minimum plain GD from it ends in.  The
    # fills (BASIN_FILL opacity over the background) are two neutral tones, a slate grey (global) and a
    # dark purple-grey (local), apart from each other (by lightness too, so also under protanopia and
    # deuteranopia) and from the paths drawn on them; no yellow, which marks the global minimum itself.
    # Dark theme fills: #404C4C and #34284C.
    BASIN: dict[str, str] = field(default_factory=lambda: {"global": "#9BBAAE", "local": "#7953AE"})
    # Class colours of classification data (two moons, spirals, digits).  The first
    # DISTINCT_CLASSES stay apart in one frame (with POSITIVE/NEGATIVE) under normal vision,
    # protanopia and deuteranopia; the rest (digits) only differ from every other role.
    CLASS: tuple[str, ...] = ("#FFA4B2", "#6ADAFF", "#BECE85", "#F9F069", "#8681FF", "#81611D", "#0E6F96",
                              "#29765D", "#8E1AF7", "#22949B")
    # Sequential map for heights / contour levels (low -> high): a cividis-like ramp (blue, grey,
    # yellow) with CIELAB lightness rising 46 -> 90 in equal steps, so it stays ordered under
    # protanopia and deuteranopia and its low end still stands 3:1 off the dark background.
    HEIGHT_MAP: tuple[str, ...] = ("#416DB0", "#677AA8", "#83889F", "#9C9696", "#B2A48D", "#C6B382", "#DAC277",
                                   "#EED269", "#FFE15A")
    font: str = "DejaVu Sans"
    mono: str = "DejaVu Sans Mono"
    # Kept for code that still reads sizes from the theme; the type scale is TYPE.
    title_size: int = TYPE.TITLE
    caption_size: int = TYPE.CAPTION
    label_size: int = TYPE.LABEL
    small_size: int = TYPE.TICK

    #: How many leading CLASS colours are mutually distinguishable in one frame.
    DISTINCT_CLASSES = 5
    #: The opacity of the basin fills.
    BASIN_FILL = 0.35

    @staticmethod
    def dark() -> Theme:
        return Theme(
            name="dark",
            background="#0F1117",
            text="#F2F2F2",
            muted="#858B97",
            panel="#1B1F2A",
            VALUE="#4A97FF",
            GRAD="#D9530E",
            POSITIVE="#35AF88",
            NEGATIVE="#B165B6",
            LOSS="#FFD526",
            PREDICTION="#EA92C8",
            DATA="#BCC3B6",
            OPTIMIZER={
                "SGD": "#58C0F8",
                "Momentum": "#E81070",
                "RMSprop": "#A5FFB4",
                "Adam": "#9868F8",
                "Adagrad": "#95D353",
            },
            REGIME={
                "slow": "#839CFF",
                "good": "#729854",
                "oscillating": "#C5A500",
                "diverging": "#BA5D72",
            },
        )

    @staticmethod
    def light() -> Theme:
        return Theme(
            name="light",
            background="#FFFFFF",
            text="#1A1A1A",
            muted="#6B7280",
            panel="#F1F3F7",
            VALUE="#015FA9",
            GRAD="#8C0000",
            POSITIVE="#079A68",
            NEGATIVE="#8875D0",
            LOSS="#B67D01",
            PREDICTION="#AC2547",
            DATA="#68786B",
            OPTIMIZER={
                "SGD": "#6890F0",
                "Momentum": "#B880B0",
                "RMSprop": "#019E85",
                "Adam": "#7F47DA",
                "Adagrad": "#307106",
            },
            REGIME={
                "slow": "#2673DD",
                "good": "#005A2D",
                "oscillating": "#9B5A00",
                "diverging": "#D27381",
            },
            VARIANT={"batch": "#3388D8", "stochastic": "#813006", "minibatch": "#2C8552"},
            BASIN={"global": "#6D7ED4", "local": "#6D0629"},  # fills #CCD2F0 (blue-grey), #CCA8B4 (mauve)
            CLASS=("#84266F", "#00A0A4", "#6A9019", "#645A02", "#5E55B8", "#020652", "#FE2003", "#FE0AD7",
                   "#49061E", "#1400C8"),
            # The same ramp as the dark theme's with lightness 30 -> 61, so its top still stands 3:1 off white.
            HEIGHT_MAP=("#004492", "#3F4C87", "#59547C", "#6D5D70", "#7E6664", "#8D7057", "#9B7A49", "#A88438",
                        "#B48E23"),
        )

    # ------------------------------------------------------------------ which colours meet
    def height_map_at(self, t: float) -> str:
        """The height map at ``t`` in [0, 1], interpolated in sRGB like :func:`level_colors`."""
        stops = self.HEIGHT_MAP
        x = min(max(t, 0.0), 1.0) * (len(stops) - 1)
        i = min(int(x), len(stops) - 2)
        a = x - i
        c0 = [int(stops[i][k:k + 2], 16) for k in (1, 3, 5)]
        c1 = [int(stops[i + 1][k:k + 2], 16) for k in (1, 3, 5)]
        return "#" + "".join(f"{round((1 - a) * u + a * v):02X}" for u, v in zip(c0, c1, strict=True))

    def fill(self, color: str, opacity: float) -> str:
        """The colour ``color`` shows as when filled at ``opacity`` over the background (sRGB blend, as cairo)."""
        a, b = (np.array([int(h[k:k + 2], 16) for k in (1, 3, 5)], float) for h in (color, self.background))
        return "#" + "".join(f"{round(opacity * u + (1 - opacity) * v):02X}" for u, v in zip(a, b, strict=True))

    def frame_groups(self) -> dict[str, list[tuple[str, str]]]:
        """The semantic colours that share a frame, per scene beat: ``group -> [(role, hex)]``.

        Every two colours of a group must stay apart under normal vision, protanopia and
        deuteranopia (``tests/test_colours.py``), with two exceptions: samples of the height map
        (roles ``HEIGHT_MAP@t``) are a backdrop, compared with the marks drawn over them but not
        with each other nor with ``text``/``muted`` (labels sit off the map).  ``batch sizes`` are
        the samples of :func:`scenes.kit.scales.batch_size_scale` used as line colours (gd_variants),
        held to the weaker ramp threshold.  A scene that puts new colours together adds or extends a group here.
        """
        from scenes.kit.scales import batch_size_scale  # scales builds on this module

        opt4 = [(f"OPTIMIZER[{n}]", self.OPTIMIZER[n]) for n in ("SGD", "Momentum", "RMSprop", "Adam")]
        regimes = [(f"REGIME[{n}]", c) for n, c in self.REGIME.items()]
        ink = [("text", self.text), ("muted", self.muted)]
        full_map = [(f"HEIGHT_MAP@{t:.3f}", self.height_map_at(t)) for t in [k / 16 for k in range(17)]]
        low_map = [(r, c) for r, c in full_map if float(r.split("@")[1]) <= 0.5]
        classes = [(f"CLASS[{i}]", self.CLASS[i]) for i in range(self.DISTINCT_CLASSES)]
        return {
            # backprop: data in VALUE, grads in GRAD, boxes on `panel`.
            "computation graph": [("VALUE", self.VALUE), ("GRAD", self.GRAD), *ink],
            # neural_network: edges by sign, activations, the backward flash, the loss, the data panel.
            "network": [("POSITIVE", self.POSITIVE), ("NEGATIVE", self.NEGATIVE), ("VALUE", self.VALUE),
                        ("GRAD", self.GRAD), ("LOSS", self.LOSS), ("PREDICTION", self.PREDICTION),
                        *classes[:2], *ink],
            # classification data with up to DISTINCT_CLASSES classes beside the network diagram.
            "classes": [*classes, ("POSITIVE", self.POSITIVE), ("NEGATIVE", self.NEGATIVE), *ink],
            # linear_fit: points and the true line, the fitted line, residuals / squares / loss curve.
            "linear fit": [("DATA", self.DATA), ("PREDICTION", self.PREDICTION), ("LOSS", self.LOSS), *ink],
            # optimizers / loss_surface / local_minima: paths, legends, the loss panel, momentum's arrows.
            "optimizer race": [*opt4, ("LOSS", self.LOSS), ("GRAD", self.GRAD), *ink],
            "optimizer paths on the height map": [*opt4, ("GRAD", self.GRAD), *full_map],
            # the four paths and the gradient arrow are thin lines (1.5-5 px) side by side: held to the
            # stricter LINES thresholds of tests/test_colours.py.
            "optimizer lines": [*opt4, ("GRAD", self.GRAD)],
            # local_minima: plain GD against momentum, then against noisy (stochastic) GD, by the minima.
            "local minima paths": [("OPTIMIZER[SGD]", self.OPTIMIZER["SGD"]),
                                   ("OPTIMIZER[Momentum]", self.OPTIMIZER["Momentum"]),
                                   ("VARIANT[stochastic]", self.VARIANT["stochastic"]), ("LOSS", self.LOSS), *ink],
            # ... and those paths over the basins' fills (roles "<role> fill": the colour seen at BASIN_FILL).
            "paths on the basins": [(f"BASIN[{k}] fill", self.fill(c, self.BASIN_FILL)) for k, c in self.BASIN.items()]
            + [("OPTIMIZER[SGD]", self.OPTIMIZER["SGD"]), ("OPTIMIZER[Momentum]", self.OPTIMIZER["Momentum"]),
               ("VARIANT[stochastic]", self.VARIANT["stochastic"]), ("LOSS", self.LOSS), *ink],
            # the star on the global minimum sits on the low contours.
            "minimum on the height map": [("LOSS", self.LOSS), *low_map],
            # learning_rate: four regimes with the loss curve and the gradient arrow, then on contours.
            "learning-rate curves": [*regimes, ("LOSS", self.LOSS), ("GRAD", self.GRAD), *ink],
            "learning-rate paths on the height map": [*regimes, *ink, *full_map],
            # gd_variants
            "gradient-descent variants": [(f"VARIANT[{n}]", c) for n, c in self.VARIANT.items()] + ink,
            "batch sizes": [*((f"level {k + 1}/4 of the batch-size scale", c)
                              for k, c in enumerate(batch_size_scale(4, self))), ("text", self.text)],
        }


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
