"""Stuck in a local minimum, and momentum rolling past it into the global one.

Post 003 shows a ball stuck in a local minimum and momentum pushing past it.
The start points and settings are not placed by hand: :func:`gdcore.trajectory.
find_local_vs_global` searches a grid of starts and learning rates for a case
where plain gradient descent ends in the local minimum and SGD with momentum
from the same start, with the same learning rate, ends in the global one; the
scene draws what it found, first on a 1-D double well, then on a 2-D loss.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    ValueTracker,
    VGroup,
    linear,
)

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.trajectory import LocalVsGlobal, Trajectory, find_local_vs_global
from scenes.kit import (
    THEME,
    ContourMap,
    Legend,
    PathTracer,
    StoryScene,
    fmt,
    mark_figure,
    polyline,
)

STUCK = "#9AA0A6"  # plain-GD runs from other starts: neutral, so the two named runs stand out


class LocalMinima(StoryScene):
    """Several starts of plain GD, some stuck; momentum from the stuck start reaches the global minimum."""

    params_key = "local_minima"

    def construct(self) -> None:
        self.one_dimension()
        self.two_dimensions()

    def case(self, loss) -> LocalVsGlobal:
        return find_local_vs_global(loss, steps=self.p["steps"], n_others=self.p["n_starts"])

    def minimum_marks(self, axes: Axes, loss, to_point) -> VGroup:
        marks = VGroup()
        for m in loss.minima:
            kind = "global" if m.is_global else "local"
            star = MathTex(r"\star" if m.is_global else r"\circ", font_size=34,
                           color=THEME.LOSS if m.is_global else THEME.muted).move_to(to_point(m))
            label = Text(f"{kind} min {fmt(m.value, 3)}", font=THEME.font, font_size=THEME.small_size,
                         color=THEME.LOSS if m.is_global else THEME.muted).next_to(star, DOWN, buff=0.12)
            # Paths cross the labels: a backing card keeps them readable, and they are drawn on top.
            label.add_background_rectangle(color=THEME.background, opacity=0.8, buff=0.06)
            marks.add(VGroup(star, label))
        return marks.set_z_index(3)

    # ------------------------------------------------------------ storyboard
    def one_dimension(self) -> None:
        loss = functions.get(self.p["curve"])
        if loss.dim != 1:
            raise ValueError(f"local_minima.curve must be a 1-D loss, got {self.p['curve']!r}")
        case = self.case(loss)
        self.set_title("Gradient descent stops at the first valley it finds")
        (lo, hi), = loss.domain
        xs = np.linspace(lo, hi, 300)
        ys = loss.value(xs[:, None])
        pad = 0.1 * (ys.max() - ys.min())
        axes = Axes(x_range=[lo, hi, 1], y_range=[float(ys.min() - pad), float(ys.max() + pad), 1], x_length=10.5,
                    y_length=4.8, tips=False, axis_config={"stroke_color": THEME.muted, "include_ticks": False})
        axes.shift(0.3 * DOWN)
        curve = polyline(axes, np.stack([xs, ys], -1), THEME.LOSS, 3)
        marks = self.minimum_marks(axes, loss, lambda m: axes.c2p(m.point[0], m.value))
        self.play(Create(axes), Create(curve), FadeIn(marks))
        box = ((lo, float(ys.min() - pad)), (hi, float(ys.max() + pad)))
        def xy(t: Trajectory) -> np.ndarray:
            return np.stack([t.points[:, 0], t.losses], -1)
        self.several_starts(axes, case, xy, box)
        self.race_pair(axes, case, xy, box, loss)
        mark_figure(self, "double-well")
        self.play(FadeOut(VGroup(axes, curve, marks, *self.pair)))

    def several_starts(self, axes, case: LocalVsGlobal, to_xy, box) -> None:
        """Plain GD from the other starts of the search, in a neutral colour; some get stuck."""
        step = ValueTracker(0.0)
        others = [PathTracer(axes, to_xy(t), STUCK, step, *box, dot_radius=0.07, stroke_width=2)
                  for t, _ in case.others]
        stuck_n = sum(1 for _, m in case.others if m is not None and not m.is_global)
        self.caption.say(self, f"Plain gradient descent (lr = {fmt(case.lr, 3)}) from {len(case.others)} starts: "
                               f"{stuck_n} end in a local minimum.", 3.5)
        self.add(*others)
        self.play(step.animate.set_value(case.steps), run_time=5, rate_func=linear)
        self.wait(1)
        self.play(*[FadeOut(o) for o in others])

    def race_pair(self, axes, case: LocalVsGlobal, to_xy, box, loss) -> None:
        """The found start: plain GD gets stuck, momentum rolls through."""
        step = ValueTracker(0.0)
        stuck = PathTracer(axes, to_xy(case.stuck), THEME.OPTIMIZER["SGD"], step, *box, dot_radius=0.09)
        rolled = PathTracer(axes, to_xy(case.rolled), THEME.OPTIMIZER["Momentum"], step, *box, dot_radius=0.09)
        legend = Legend([(f"SGD  lr={fmt(case.lr, 3)}", THEME.OPTIMIZER["SGD"]),
                         (f"Momentum  lr={fmt(case.lr, 3)} β={fmt(case.momentum)}", THEME.OPTIMIZER["Momentum"])])
        legend.to_corner(UP + RIGHT, buff=0.3).shift(0.8 * DOWN)
        start = ", ".join(fmt(v, 3) for v in case.start)
        self.caption.say(self, f"Found by search: from ({start}) plain GD stops in the local minimum...", 3)
        self.play(FadeIn(legend))
        self.add(stuck, rolled)
        self.play(step.animate.set_value(case.steps), run_time=7, rate_func=linear)
        self.caption.say(self, f"...while momentum (β = {fmt(case.momentum)}) rolls past it, to loss "
                               f"{fmt(case.rolled.losses[-1], 3)} instead of {fmt(case.stuck.losses[-1], 3)}.", 4)
        self.wait(2.5)
        self.pair = [stuck, rolled, legend]

    def two_dimensions(self) -> None:
        loss = functions.get(self.p["surface"])
        if loss.dim != 2:
            raise ValueError(f"local_minima.surface must be a 2-D loss, got {self.p['surface']!r}")
        case = self.case(loss)
        self.set_title(f"The same on {loss.description}")
        (x_lo, x_hi), (y_lo, y_hi) = loss.domain
        h = 5.6
        w = min(h * (x_hi - x_lo) / (y_hi - y_lo), 8.0)
        axes = Axes(x_range=[x_lo, x_hi, 1], y_range=[y_lo, y_hi, 1], x_length=w, y_length=h, tips=False,
                    axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False})
        axes.move_to(0.35 * DOWN + 1.6 * LEFT)   # room on the right for the legend
        X, Y, Z = functions.grid(loss, n=141)
        f_star = min(m.value for m in loss.minima)
        contours = ContourMap(axes, X, Y, Z, contour_levels(Z, 12, log=True, z_min=f_star), stroke_width=1.5)
        marks = self.minimum_marks(axes, loss, lambda m: axes.c2p(*m.point))
        self.play(Create(axes), FadeIn(contours), FadeIn(marks))
        box = ((x_lo, y_lo), (x_hi, y_hi))
        self.several_starts(axes, case, lambda t: t.points, box)
        self.race_pair(axes, case, lambda t: t.points, box, loss)
        mark_figure(self, "two-basins")
