"""2-D plots: axes, contour maps, paths and their labels."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Axes,
    Dot,
    Line,
    ManimColor,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
    color_gradient,
    config,
)
from numpy.typing import ArrayLike

from gdcore.contour import contour_segments
from scenes.kit.theme import THEME, TYPE, Theme

__all__ = [
    "ContourMap",
    "EndLabels",
    "Legend",
    "PathTracer",
    "PlotAxes",
    "clip_to_box",
    "decimals_for",
    "level_colors",
    "nice_range",
    "polyline",
    "segments_vmobject",
    "spread_vertically",
    "tick_label",
    "xy_to_scene",
]


def nice_range(lo: float, hi: float, n: int = 4) -> tuple[float, float, float]:
    """An axis range that covers ``[lo, hi]`` in about ``n`` round steps (1, 2, 2.5 or 5 x 10^k).

    Returns ``(start, end, step)`` with ``start`` and ``end`` multiples of ``step``, for
    ``Axes(y_range=...)``, so tick labels read 0, 0.5, 1 rather than 0, 0.62, 1.25.

    >>> nice_range(0.0, 2.49)
    (0.0, 3.0, 1.0)
    >>> nice_range(0.0, 0.29)
    (0.0, 0.3, 0.1)
    >>> nice_range(-4.3, 2.2)
    (-6.0, 4.0, 2.0)
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_range: lo and hi must be finite, got {lo!r}, {hi!r}")
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-9))
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    return round(start, 12), round(end, 12), round(step, 12)


def decimals_for(step: float) -> int:
    """Decimal places that show every multiple of ``step`` exactly (0.5 -> 1, 0.25 -> 2, 5 -> 0).

    >>> decimals_for(0.5), decimals_for(0.25), decimals_for(5.0)
    (1, 2, 0)
    """
    for d in range(0, 7):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 6


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_label(value: float, decimals: int = 0, log: bool = False) -> str:
    """The text of a tick: ``value`` with ``decimals`` places, or ``10^value`` on a log axis.

    >>> tick_label(0.5, 1), tick_label(-0.0), tick_label(-3, log=True), tick_label(0, log=True)
    ('0.5', '0', '10⁻³', '1')
    """
    if log:
        k = round(value)
        return {0: "1", 1: "10"}.get(k, "10" + str(k).translate(_SUPERSCRIPT))
    s = f"{value:.{decimals}f}"
    return "0" if s.strip("-0.") == "" else s.replace("-", "−")  # noqa: RUF001 (shown on screen)


class PlotAxes(Axes):
    """Axes for a chart, the one way every 2-D plot is drawn.

    Both axes cross at the bottom-left corner (never in the middle of the plot, so a
    log axis with negative exponents does not make curves look negative); every tick
    has a number in the theme's sans face at the TICK size; each axis has a title
    naming its quantity: the x title under the numbers, the y title above the y axis.

    Parameters
    ----------
    x_range, y_range : (min, max, step)
        Data ranges; on a log axis the range is in powers of ten (``(-6, 2, 1)`` spans
        1e-6 .. 100) while coordinates passed to :meth:`coords_to_point` are values.
    x_title, y_title : str
        The quantity on each axis, with its unit where there is one ("loss", "step").
    x_log, y_log : bool
        Logarithmic axis (ticks read 10⁻³ ...).
    numbers : bool
        Draw tick numbers.
    """

    def __init__(self, x_range: Sequence[float], y_range: Sequence[float], x_length: float, y_length: float,
                 x_title: str, y_title: str, x_log: bool = False, y_log: bool = False, numbers: bool = True,
                 y_title_color: str | None = None, theme: Theme = THEME, **kwargs) -> None:
        self.x_log, self.y_log = x_log, y_log
        self.theme = theme
        axis_config = {"stroke_color": theme.muted, "stroke_width": 2, "include_tip": False,
                       "tick_size": 0.06, "include_numbers": False}
        axis_config.update(kwargs.pop("axis_config", {}))
        super().__init__(x_range=list(x_range), y_range=list(y_range), x_length=x_length, y_length=y_length,
                         tips=False, axis_config=axis_config, **kwargs)
        self.tick_numbers = VGroup()
        if numbers:
            self._add_numbers(self.x_axis, x_range, x_log, horizontal=True)
            self._add_numbers(self.y_axis, y_range, y_log, horizontal=False)
        self.add(self.tick_numbers)
        self.x_title = Text(x_title, font=theme.font, font_size=TYPE.TICK, color=theme.muted)
        self.x_title.next_to(VGroup(self.x_axis, *[m for m in self.tick_numbers if m.axis == "x"]), DOWN,
                             buff=0.12)
        self.y_title = Text(y_title, font=theme.font, font_size=TYPE.TICK, color=y_title_color or theme.muted)
        self.y_title.next_to(self.y_axis.get_top(), UP, buff=0.15)
        self.y_title.align_to(VGroup(self.y_axis, *[m for m in self.tick_numbers if m.axis == "y"]), LEFT)
        self.add(self.x_title, self.y_title)

    @staticmethod
    def _origin_shift(axis_range: Sequence[float]) -> float:
        # Axes meet at the lower end of each range, never where the coordinate is 0.
        return float(axis_range[0])

    def _add_numbers(self, axis, rng: Sequence[float], log: bool, horizontal: bool) -> None:
        lo, hi, step = float(rng[0]), float(rng[1]), float(rng[2])
        d = decimals_for(step)
        values = np.arange(lo, hi + step * 1e-6, step)
        labels = []
        for v in values:
            t = Text(tick_label(float(v), d, log), font=self.theme.font, font_size=TYPE.TICK, color=self.theme.muted)
            point = axis.number_to_point(v)
            t.next_to(point, DOWN if horizontal else LEFT, buff=0.12)
            t.axis = "x" if horizontal else "y"
            labels.append(t)
        # Thin out numbers that would touch: keep every k-th, always the first.
        for k in range(1, len(labels) + 1):
            kept = labels[::k]
            if all(_apart(a, b, horizontal) for a, b in itertools.pairwise(kept)):
                break
        self.tick_numbers.add(*kept)

    def _to_axis(self, coords: tuple) -> tuple:
        if not (self.x_log or self.y_log):
            return coords
        out = list(coords)
        with np.errstate(divide="ignore"):
            if self.x_log:
                out[0] = np.log10(np.maximum(np.asarray(out[0], dtype=float), 1e-300))
            if self.y_log and len(out) > 1:
                out[1] = np.log10(np.maximum(np.asarray(out[1], dtype=float), 1e-300))
        return tuple(out)

    def axis_space(self, xy: np.ndarray) -> np.ndarray:
        """Data points (..., 2) in the axes' own linear coordinates (log10 on a log axis)."""
        xy = np.array(xy, dtype=float)
        with np.errstate(divide="ignore"):
            if self.x_log:
                xy[..., 0] = np.log10(np.maximum(xy[..., 0], 1e-300))
            if self.y_log:
                xy[..., 1] = np.log10(np.maximum(xy[..., 1], 1e-300))
        return xy

    def linear_c2p(self, *coords):
        """Scene point of coordinates already in the axes' linear space (powers of ten on a log axis)."""
        return Axes.coords_to_point(self, *coords)

    def coords_to_point(self, *coords):
        """Scene point of data coordinates (values, also on a log axis)."""
        return super().coords_to_point(*self._to_axis(coords))

    def point_to_coords(self, point):
        x, y = super().point_to_coords(point)[:2]
        return [10.0 ** x if self.x_log else x, 10.0 ** y if self.y_log else y]

    def plot_area(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower-left and upper-right scene corners of the data area."""
        lo = self.x_axis.number_to_point(self.x_axis.x_min)[0], self.y_axis.number_to_point(self.y_axis.x_min)[1]
        hi = self.x_axis.number_to_point(self.x_axis.x_max)[0], self.y_axis.number_to_point(self.y_axis.x_max)[1]
        return np.array([*lo, 0.0]), np.array([*hi, 0.0])


def _apart(a: Text, b: Text, horizontal: bool, gap: float = 0.12) -> bool:
    if horizontal:
        return a.get_right()[0] + gap <= b.get_left()[0]
    return abs(a.get_center()[1] - b.get_center()[1]) >= (a.height + b.height) / 2 + gap / 2


class EndLabels(VGroup):
    """Names written at the right ends of up to five lines, spread so they never overlap.

    ``EndLabels([(name, color, end_point), ...])`` puts each name just right of its line's
    end, at the end's height, then pushes labels apart vertically where they would touch.
    Used instead of a legend, so a line is told apart by its name, not only its colour.
    """

    def __init__(self, entries: Sequence[tuple[str, str, np.ndarray]], buff: float = 0.15, gap: float = 0.06,
                 size: int | None = None, theme: Theme = THEME) -> None:
        super().__init__()
        labels = []
        for name, color, end in entries:
            t = Text(name, font=theme.font, font_size=size or TYPE.TICK, color=color)
            t.next_to(np.asarray(end, dtype=float), RIGHT, buff=buff)
            labels.append(t)
        spread_vertically(labels, gap)
        # A label whose text is measured (a timing, a loss) can be longer than planned: keep it in the frame.
        edge = config.frame_width / 2 - 0.05
        for t in labels:
            if t.get_right()[0] > edge:
                t.shift((edge - t.get_right()[0]) * RIGHT)
        self.add(*labels)


def spread_vertically(mobs: list, gap: float = 0.06) -> None:
    """Move ``mobs`` up or down as little as needed so that none overlaps another (in place)."""
    if len(mobs) < 2:
        return
    order = sorted(mobs, key=lambda m: m.get_center()[1])
    want = np.array([m.get_center()[1] for m in order])
    heights = np.array([m.height for m in order])
    y = want.copy()
    for _ in range(50):
        moved = False
        for i in range(1, len(y)):
            need = (heights[i] + heights[i - 1]) / 2 + gap
            if y[i] - y[i - 1] < need - 1e-9:
                push = (need - (y[i] - y[i - 1])) / 2
                y[i] += push
                y[i - 1] -= push
                moved = True
        if not moved:
            break
    for m, yy in zip(order, y, strict=True):
        m.set_y(yy)


def xy_to_scene(axes: Axes, xy: np.ndarray) -> np.ndarray:
    """Map data coordinates of shape (..., 2) to scene points (..., 3) on linear ``axes``.

    One affine map for the whole array (no per-point Python calls).
    """
    xy = np.asarray(xy, dtype=float)
    c2p = axes.c2p
    if isinstance(axes, PlotAxes):          # log axes: map values to powers of ten first
        xy, c2p = axes.axis_space(xy), axes.linear_c2p
    o = np.asarray(c2p(0, 0))
    ex = np.asarray(c2p(1, 0)) - o
    ey = np.asarray(c2p(0, 1)) - o
    return o + xy[..., :1] * ex + xy[..., 1:2] * ey


def segments_vmobject(points: np.ndarray, color: str, stroke_width: float = 2.0, opacity: float = 1.0) -> VMobject:
    """Many straight segments, shape (n, 2, 3), as ONE VMobject (one draw call per frame)."""
    vm = VMobject(stroke_color=color, stroke_width=stroke_width, stroke_opacity=opacity)
    if len(points):
        p0, p1 = points[:, 0], points[:, 1]
        d = p1 - p0
        beziers = np.stack([p0, p0 + d / 3, p0 + 2 * d / 3, p1], axis=1).reshape(-1, 3)
        vm.set_points(beziers)
    return vm


def level_colors(n: int, theme: Theme = THEME) -> list[ManimColor]:
    """``n`` colours along the theme's height map, low to high."""
    stops = [ManimColor(c) for c in theme.HEIGHT_MAP]
    return color_gradient(stops, n) if n > 1 else [stops[0]]


class ContourMap(VGroup):
    """Contour lines of a gridded function on ``axes``: one VMobject per level.

    Parameters
    ----------
    axes : Axes
        Linear axes covering the grid's domain.
    X, Y, Z : ndarray
        The grid (``np.meshgrid`` layout), e.g. from a vectorized loss evaluation.
    levels : sequence of float
        Contour levels, low to high (see :func:`gdcore.contour.contour_levels`).
    """

    def __init__(self, axes: Axes, X: np.ndarray, Y: np.ndarray, Z: np.ndarray, levels: Sequence[float] | np.ndarray,
                 stroke_width: float = 2.0, opacity: float = 0.85, theme: Theme = THEME) -> None:
        super().__init__()
        colors = level_colors(len(levels), theme)
        self.levels = list(levels)
        for level, color in zip(levels, colors, strict=True):
            seg = contour_segments(X, Y, Z, level)
            self.add(segments_vmobject(xy_to_scene(axes, seg), color, stroke_width, opacity))


def polyline(axes: Axes, xy: np.ndarray, color: str, stroke_width: float = 3.0) -> VMobject:
    """A path through data points ``xy`` (n, 2) on ``axes``."""
    vm = VMobject(stroke_color=color, stroke_width=stroke_width)
    pts = xy_to_scene(axes, xy)
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    vm.set_points_as_corners(pts)
    return vm


def clip_to_box(xy: np.ndarray, lo: ArrayLike, hi: ArrayLike) -> tuple[np.ndarray, bool]:
    """The part of a path inside the box, ending exactly on the border if it leaves.

    Returns ``(points, left)``: the points up to the first exit, with the exit
    point (where the segment crosses the border) appended, and whether the path
    left the box.  Used to draw a diverging run as a path that leaves the frame.
    """
    xy = np.asarray(xy, dtype=float)
    lo_a, hi_a = np.asarray(lo, float), np.asarray(hi, float)
    inside = np.all((xy >= lo_a) & (xy <= hi_a) & np.isfinite(xy), axis=-1)
    if inside.all():
        return xy, False
    k = int(np.argmin(inside))          # first point outside
    if k == 0:
        return xy[:1], True
    a, b = xy[k - 1], xy[k]
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = np.concatenate([(lo_a - a) / d, (hi_a - a) / d])
    ts = ts[np.isfinite(ts) & (ts > 0) & (ts <= 1)]
    t = float(ts.min()) if ts.size else 1.0
    return np.vstack([xy[:k], a + t * d]), True


class Legend(VGroup):
    """Coloured swatches with names, one row each: ``Legend([("SGD", color), ...])``."""

    def __init__(self, entries: Sequence[tuple[str, str]], size: int | None = None, theme: Theme = THEME) -> None:
        super().__init__()
        for name, color in entries:
            swatch = Line(ORIGIN, 0.35 * RIGHT, stroke_color=color, stroke_width=6)
            label = Text(name, font=theme.font, font_size=size or TYPE.TICK, color=theme.text)
            self.add(VGroup(swatch, label).arrange(RIGHT, buff=0.15))
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.12)


class PathTracer(VGroup):
    """A run drawn on ``axes`` as it happens: a trail and a dot driven by a step tracker.

    ``step`` (a :class:`ValueTracker`) holds a fractional step index; the dot sits
    at the interpolated point and the trail covers the steps taken so far.  A run
    that leaves the box ``lo``..``hi`` (data coordinates) is drawn up to the
    border, where the dot disappears and a "diverged" label appears: the path
    leaves the frame instead of the axes blowing up.

    Parameters
    ----------
    axes : Axes
    xy : ndarray (n, 2)
        The run's points in data coordinates (for a 1-D loss: ``(x, f(x))``).
    color : str
    step : ValueTracker
    lo, hi : sequence of float
        The visible box in data coordinates.
    """

    def __init__(self, axes: Axes, xy: np.ndarray, color: str, step: ValueTracker, lo: ArrayLike,
                 hi: ArrayLike, dot_radius: float = 0.08, stroke_width: float = 3.0,
                 diverged_label: bool = True, label_text: str = "diverged", theme: Theme = THEME) -> None:
        super().__init__()
        xy = np.asarray(xy, dtype=float)
        clipped, self.left = clip_to_box(xy, lo, hi)
        self.points_scene = xy_to_scene(axes, clipped)
        # Fractional step at which the run reaches the end of the visible path.
        if self.left and len(clipped) >= 2:
            k = len(clipped) - 2                      # last point inside
            a, b, e = xy[k], xy[k + 1], clipped[-1]
            frac = float(np.linalg.norm(e - a)) / max(float(np.linalg.norm(b - a)), 1e-12)
            self.exit_step = k + frac
        else:
            self.exit_step = float(len(clipped) - 1)
        self.step = step
        self.trail = VMobject(stroke_color=color, stroke_width=stroke_width)
        self.dot = Dot(radius=dot_radius, color=color)
        self.add(self.trail, self.dot)
        self.label: Text | None = None
        if self.left and diverged_label:
            self.label = Text(label_text, font=theme.font, font_size=TYPE.TICK, color=color)
            end = self.points_scene[-1]
            self.label.move_to(end)
            # Nudge the label inside the box, towards the centre of the axes.
            centre = np.asarray(axes.get_center())
            direction = centre - end
            direction /= max(np.linalg.norm(direction), 1e-9)
            self.label.shift(direction * (0.3 + self.label.width / 2))
            self.label.set_opacity(0.0)
            self.add(self.label)
        self.trail.add_updater(lambda m: self._update())
        self._update()

    def position(self, s: float) -> np.ndarray:
        """Scene point at fractional step ``s`` (clamped to the visible path)."""
        s = min(max(s, 0.0), self.exit_step)
        pts = self.points_scene
        if len(pts) == 1:
            return pts[0]
        k = min(int(np.floor(s)), len(pts) - 2)
        if self.left and k == len(pts) - 2:      # last segment runs to the exit point
            seg = self.exit_step - k
            t = (s - k) / seg if seg > 0 else 1.0
        else:
            t = s - k
        return (1 - t) * pts[k] + t * pts[k + 1]

    def _update(self) -> None:
        s = self.step.get_value()
        here = self.position(s)
        k = min(int(np.floor(min(s, self.exit_step))), len(self.points_scene) - 1)
        pts = np.vstack([self.points_scene[: k + 1], here])
        self.trail.set_points_as_corners(pts)
        self.dot.move_to(here)
        gone = self.left and s >= self.exit_step - 1e-9
        self.dot.set_opacity(0.0 if gone else 1.0)
        if self.label is not None:
            self.label.set_opacity(1.0 if gone else 0.0)
