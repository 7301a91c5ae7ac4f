"""Stuck in a local minimum, and momentum rolling past it into the global one.

Post 003 shows a ball stuck in a local minimum and momentum pushing past it.
The start points and settings are not placed by hand: :func:`gdcore.trajectory.
find_local_vs_global` searches a grid of starts and learning rates for a case
where plain gradient descent ends in the local minimum and SGD with momentum
from the same start, with the same learning rate, ends in the global one; the
scene draws what it found, first on a 1-D double well, then on a 2-D loss, where
the map is coloured by the basins of attraction (plain GD from a grid of starts).
Where momentum crosses into the global basin is read from its run
(:func:`gdcore.explore.basin_labels`) and shown in slow motion with its velocity.
Last, gradient noise (post 003): both runs start AT the shallow local minimum;
full-batch GD stays, seeded noisy runs may climb out, and the captions say what
the runs did (including when the noise does not help).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from itertools import pairwise
from typing import ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Create,
    Cross,
    FadeIn,
    FadeOut,
    Line,
    Rectangle,
    Square,
    ValueTracker,
    VGroup,
    always_redraw,
    config,
)

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.explore import (
    Basins,
    basin_labels,
    basins_of_attraction,
    find_minima,
    first_step_in,
    max_curvature,
    noise_escape,
)
from gdcore.optim import SGD
from gdcore.trajectory import LocalVsGlobal, Trajectory, descend, find_local_vs_global
from scenes.kit import (
    THEME,
    TYPE,
    ContourMap,
    LiveText,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    mark_figure,
    math_text,
    nice_range,
    polyline,
    tick_text,
    xy_to_scene,
)

SIGMA = "σ"  # noqa: RUF001 shown on screen (the noise's standard deviation)
STUCK = THEME.muted  # plain-GD runs from other starts: neutral, so the two named runs stand out
#: Scene points of a run's path: (n, 3).
ToScene = Callable[[Trajectory], np.ndarray]


def slow_start(t: float) -> float:
    """Time -> progress that spends the first half of a run on its first fifth of the steps,
    where the runs move most (they creep near a minimum for the rest)."""
    return t ** 2.3


def tick_range(lo: float, hi: float, most: int = 10) -> tuple[float, float, float]:
    """Round axis bounds around ``[lo, hi]`` that add the least margin (4 to ``most`` steps)."""
    return min((nice_range(lo, hi, n) for n in range(4, most + 1)), key=lambda r: (r[1] - r[0], -r[2]))


def dense(points: np.ndarray, spacing: float = 0.08) -> np.ndarray:
    """The polyline through scene ``points`` (n, 2+) sampled every ``spacing`` units: (m, 2)."""
    p = np.asarray(points, dtype=float)[:, :2]
    if len(p) < 2:
        return p
    out = [p[:1]]
    for a, b in pairwise(p):
        k = max(1, int(np.ceil(np.linalg.norm(b - a) / spacing)))
        out.append(a + (b - a) * (np.arange(1, k + 1) / k)[:, None])
    return np.vstack(out)


def text_boxes(mobs) -> list[tuple[np.ndarray, np.ndarray]]:
    """(centre, half size) of each mobject, for :func:`place_clear`'s ``taken``."""
    return [(m.get_center()[:2], np.array([m.width, m.height]) / 2) for m in mobs]


def place_clear(mob, anchor: np.ndarray, avoid: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                taken: list[tuple[np.ndarray, np.ndarray]], radii=(0.3, 0.5, 0.8, 1.2)) -> None:
    """Move ``mob`` near ``anchor`` (scene point), inside the box ``lo``..``hi``, clear of the points
    ``avoid`` (n, 2) and of the boxes in ``taken`` (centre, half size), and add its box to ``taken``."""
    half = np.array([mob.width / 2 + 0.06, mob.height / 2 + 0.06])
    a = np.asarray(anchor, dtype=float)[:2]
    best, best_score = a + np.array([0.0, -(radii[0] + half[1])]), -np.inf
    for r in radii:
        for ang in np.linspace(-np.pi / 2, 3 * np.pi / 2, 16, endpoint=False):
            c = a + (r + half) * np.array([np.cos(ang), np.sin(ang)])
            if np.any(c - half < lo[:2]) or np.any(c + half > hi[:2]):
                continue
            if any(np.all(np.abs(c - p) < half + q) for p, q in taken):
                continue
            gap = float(np.max(np.abs(avoid - c) - half, axis=1).min()) if len(avoid) else 1.0
            score = min(gap, 0.25) - 0.1 * r
            if score > best_score:
                best, best_score = c, score
    mob.move_to(np.array([best[0], best[1], 0.0]))
    taken.append((best, half))


def idle_step(points: np.ndarray, tol: float) -> int:
    """The first step after which a run stays within ``tol`` of its last point (nothing changes on
    screen from there on)."""
    p = np.asarray(points, dtype=float)
    p = p.reshape(len(p), -1)
    far = np.flatnonzero(np.linalg.norm(p - p[-1], axis=1) > tol)
    return int(far[-1]) + 1 if far.size else 0


def rate_origin(loss, lr: float) -> str:
    """How ``lr`` relates to the loss's sharpest curvature at a minimum, L: "0.3/L" if it is such a
    round fraction of 1/L (the search's rates are), else "" (nothing to say)."""
    try:
        L = max(float(np.linalg.eigvalsh(np.atleast_2d(loss.hessian(np.asarray(m.point, dtype=float)))).max())
                for m in loss.minima)
    except (ValueError, np.linalg.LinAlgError):
        return ""
    c = lr * L
    return f"{c:.1f}/L" if L > 0 and abs(c - round(c, 1)) < 1e-6 and c > 0 else ""


class LocalMinima(StoryScene):
    """Several starts of plain GD, some stuck; momentum from the stuck start reaches the global minimum;
    the basins of attraction; gradient noise carrying a run out of the local minimum."""

    params_key = "local_minima"
    #: Seconds per step in the slow motion over the crossing of the bump.
    SLOW = 2.0
    #: The noisy run's loss is reported as its mean over this many last steps (it never settles).
    TAIL = 20

    def construct(self) -> None:
        self.one_dimension()
        self.two_dimensions()
        # Hold the last frame until the last caption has been read (plus a frame's rounding).
        self.wait(self.caption.remaining(self) + 0.5)

    def case(self, loss) -> LocalVsGlobal | None:
        """The searched start where plain GD gets stuck and momentum gets through; None if the search
        finds none at these settings (the scene then says so)."""
        try:
            return find_local_vs_global(loss, steps=self.p["steps"], n_others=self.p["n_starts"])
        except ValueError:
            return None

    def band(self) -> tuple[float, float]:
        """The y range free for content: under the title, above a two-line caption."""
        return self.titles.bottom(), self.caption.top()

    @staticmethod
    def tol(loss) -> float:
        """How near a minimum a run must end to count as ending there: 2 % of the domain's larger side."""
        return 0.02 * max(hi - lo for lo, hi in loss.domain)

    def minimum_marks(self, axes: PlotAxes, loss, to_point, avoid: np.ndarray) -> VGroup:
        """A star on the global minimum (the only yellow on screen), a filled diamond on a local one,
        each named with its loss beside it, off the paths."""
        marks = VGroup()
        lo, hi = axes.plot_area()
        self.taken: list[tuple[np.ndarray, np.ndarray]] = []
        self.min_marks = marks
        for m in loss.minima:
            if m.is_global:
                glyph = math_text(r"\star", color=THEME.LOSS).scale(1.6)
            else:
                glyph = Square(0.17, stroke_width=1.5, stroke_color=THEME.background, fill_color=THEME.text,
                               fill_opacity=1).rotate(np.pi / 4)
            glyph.move_to(to_point(m))
            self.taken.append((glyph.get_center()[:2], np.array([glyph.width, glyph.height]) / 2))
            marks.add(glyph)
        for m, mark in zip(loss.minima, list(marks), strict=True):
            kind = "global" if m.is_global else "local"
            label = tick_text(f"{kind} min {fmt(m.value, 3)}", color=THEME.LOSS if m.is_global else THEME.text)
            place_clear(label, mark.get_center(), np.vstack([avoid, self.axis_lines(axes)]), lo, hi, self.taken)
            marks.add(label)
        return marks

    def start_mark(self, at: np.ndarray, avoid: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   taken: list, tag: bool = True, color: str | None = None) -> VGroup:
        """The start glyph: a ring (no minimum is drawn as a ring), tagged "start"."""
        ring = Circle(radius=0.15, stroke_color=color or THEME.text, stroke_width=2.5).move_to(at)
        group = VGroup(ring)
        if tag:
            word = tick_text("start", color=THEME.text)
            place_clear(word, ring.get_center(), avoid, lo, hi, taken, radii=(0.15, 0.3, 0.5, 0.8))
            group.add(word)
        return group

    @staticmethod
    def axis_lines(axes: PlotAxes) -> np.ndarray:
        """Points along both axis lines, so labels placed beside the map keep off them."""
        return np.vstack([dense(np.array([ax.get_start(), ax.get_end()])) for ax in (axes.x_axis, axes.y_axis)])

    def counter(self, axes: PlotAxes, steps: int, step: ValueTracker, per_step: int = 1) -> LiveText:
        """A step readout above the right end of the map."""
        counter = LiveText(f"step 0/{steps}", color=THEME.muted, font_size=TYPE.TICK)
        counter.align_to(axes.y_title, DOWN).align_to(axes.x_axis, RIGHT)
        counter.add_updater(lambda m: m.set_text(f"step {int(step.get_value() / per_step)}/{steps}"))
        return counter

    def screen_box(self) -> tuple[np.ndarray, np.ndarray]:
        top, bottom = self.band()
        return (np.array([-config.frame_width / 2 + 0.3, bottom]), np.array([config.frame_width / 2 - 0.3, top]))

    # ------------------------------------------------------------ storyboard
    def one_dimension(self) -> None:
        loss = functions.get(self.p["curve"])
        if loss.dim != 1:
            raise ValueError(f"local_minima.curve must be a 1-D loss, got {self.p['curve']!r}")
        case = self.case(loss)
        self.set_title("Gradient descent stops at the first valley it finds")
        (lo, hi), = loss.domain
        xs = np.linspace(lo, hi, 300)
        ys = np.asarray(loss.value(xs[:, None]))
        pad = 0.1 * (ys.max() - ys.min())
        top, bottom = self.band()
        x_range = tick_range(lo, hi)
        y_range = tick_range(float(ys.min() - pad), float(ys.max() + pad), most=7)
        axes = PlotAxes(x_range, y_range, x_length=11.0, y_length=2.0, x_title="x", y_title="loss")
        axes = PlotAxes(x_range, y_range, x_length=11.0, y_length=(top - bottom) - (axes.height - 2.0),
                        x_title="x", y_title="loss")
        axes.move_to(np.array([0, (top + bottom) / 2, 0]))
        # The curve in the text colour: yellow is kept for the global minimum alone.
        curve = polyline(axes, np.stack([xs, ys], -1), THEME.text, 3)
        box = ((x_range[0], y_range[0]), (x_range[1], y_range[1]))
        # Between two iterates the ball is drawn rolling along the curve, not on a chord through it.
        sub = 6
        def to_xy(t: Trajectory) -> np.ndarray:
            x = t.points[:, 0]
            fine = np.concatenate([x[:-1, None] + np.diff(x)[:, None] * np.arange(sub) / sub, x[-1:, None]],
                                  axis=None) if len(x) > 1 else x
            return np.stack([fine, loss.value(fine[:, None])], -1)
        avoid = xy_to_scene(axes, np.stack([xs, ys], -1))[:, :2]
        marks = self.minimum_marks(axes, loss, lambda m: axes.c2p(m.point[0], m.value), avoid)
        self.play(Create(axes), Create(curve), FadeIn(marks))
        if case is None:
            self.caption.say(self, f"At {self.p['steps']} steps the search finds no start where plain gradient "
                                   f"descent stops in the local minimum and momentum gets past it.")
            mark_figure(self, "double-well")
            self.unsay()
            self.play(FadeOut(VGroup(axes, curve, marks)))
            return
        self.marks_1d = marks
        self.several_starts(axes, loss, case, to_xy, box, avoid, sub)
        self.race_pair(axes, loss, case, to_xy, box, sub, avoid, f"x = {fmt(case.start[0], 3)}")
        mark_figure(self, "double-well")
        self.unsay()
        self.play(FadeOut(VGroup(axes, curve, marks, *self.pair)))

    def several_starts(self, axes: PlotAxes, loss, case: LocalVsGlobal, to_xy, box, avoid: np.ndarray,
                       sub: int = 1) -> None:
        """Plain GD from the other starts of the search, each start ringed; once they stop, each ring is
        coloured and tagged by where its run ended (yellow: the global minimum, white: a local one)."""
        step = ValueTracker(0.0)
        others = [PathTracer(axes, to_xy(t), STUCK, step, box[0], box[1], dot_radius=0.07, stroke_width=2)
                  for t, _ in case.others]
        rings = VGroup(*[Circle(radius=0.13, stroke_color=THEME.text, stroke_width=2).move_to(o.position(0))
                         for o in others])
        ends = [m for _, m in case.others]
        stuck_n = sum(1 for m in ends if m is not None and not m.is_global)
        global_n = sum(1 for m in ends if m is not None and m.is_global)
        counter = self.counter(axes, case.steps, step, sub)
        origin = rate_origin(loss, case.lr)
        rate_words = f"lr = {origin} = {fmt(case.lr, 3)}" if origin else f"lr = {fmt(case.lr, 3)}"
        self.caption.say(self, f"Plain gradient descent ({rate_words}) from {len(others)} starts (rings).")
        if origin:
            self.caption.say(self, "L = the steepest curvature at a minimum; a rate under 2/L does not blow up "
                                   "near it.")
        self.origin_1d = origin
        self.play(Create(rings), FadeIn(counter))
        self.add(*others)
        self.add(self.marks_1d)          # the minima's marks stay on top of the runs that end on them
        # Play until the last run stops moving on screen, then skip the idle steps.
        still = max(idle_step(t.points, 0.002 * (box[1][0] - box[0][0])) for t, _ in case.others)
        still = max(min(still + 1, case.steps), 1)
        self.play(step.animate.set_value(still * sub), run_time=float(np.clip(0.25 * still, 2.5, 6.0)),
                  rate_func=slow_start)
        if still < case.steps:
            self.play(step.animate.set_value(case.steps * sub), run_time=0.5)
        counter.clear_updaters()
        lo, hi = axes.plot_area()
        taken = [*self.taken, *text_boxes([*axes.tick_numbers, axes.x_title, axes.y_title, counter])]
        tags, recolor = VGroup(), []
        for ring, m in zip(rings, ends, strict=True):
            color = THEME.muted if m is None else THEME.LOSS if m.is_global else THEME.text
            word = "→ nowhere" if m is None else "→ global" if m.is_global else "→ local"
            tag = tick_text(word, color=color)
            place_clear(tag, ring.get_center(), np.vstack([avoid, self.axis_lines(axes)]), lo, hi, taken,
                        radii=(0.1, 0.25, 0.45))
            tags.add(tag)
            recolor.append(ring.animate.set_stroke(color=color))
        starts = [float(np.ravel(t.points[0])[0]) for t, _ in case.others]
        self.caption.say(self, f"{stuck_n} of them end in the local minimum, {global_n} in the global one"
                               + valley_words(loss, starts, ends))
        self.play(*recolor, FadeIn(tags))
        self.wait(1.5)
        self.unsay()
        self.play(*[FadeOut(o) for o in others], FadeOut(rings), FadeOut(counter), FadeOut(tags))

    def velocity_arrow(self, tracer: PathTracer, step: ValueTracker, sub: int, gain: float, end: float,
                       flat: bool, lo: np.ndarray, hi: np.ndarray) -> VGroup:
        """Momentum's velocity at the ball: its next step, drawn ``gain`` times long in the text colour,
        labelled v.  On the 1-D curve it is drawn level (x is the only parameter), just above the ball;
        on the map it starts at the ball and is cut at the map's edge."""
        s = min(step.get_value(), tracer.exit_step, end)
        a, b = tracer.position(s), tracer.position(min(s + sub, tracer.exit_step))
        d = gain * (b - a)
        if flat:
            a = a + 0.4 * UP
            d = np.array([d[0], 0.0, 0.0])
        if np.linalg.norm(d) < 0.08:
            return self.hidden_arrow(a)
        # Cut at the plot box.
        t = 1.0
        for k in range(2):
            if d[k] > 1e-9:
                t = min(t, (hi[k] - a[k]) / d[k])
            elif d[k] < -1e-9:
                t = min(t, (lo[k] - a[k]) / d[k])
        d = max(t, 0.0) * d
        if np.linalg.norm(d) < 0.08:
            return self.hidden_arrow(a)
        arrow = Arrow(a, a + d, buff=0, color=THEME.text, stroke_width=5, max_tip_length_to_length_ratio=0.35,
                      tip_length=0.18)
        v = math_text("v", color=THEME.text)
        normal = np.array([-d[1], d[0], 0.0]) / np.linalg.norm(d)
        if normal[1] < 0:
            normal = -normal
        v.move_to(a + 0.5 * d + 0.28 * normal)
        return VGroup(arrow, v)

    @staticmethod
    def hidden_arrow(at: np.ndarray) -> VGroup:
        """An invisible arrow and "v" of full size at ``at``: drawn where the ball is too slow for an
        arrow, so that ``always_redraw``'s ``become`` never shrinks the label to a point."""
        arrow = Arrow(at, at + 0.3 * RIGHT, buff=0, stroke_width=5, tip_length=0.18)
        v = math_text("v").move_to(at + 0.15 * RIGHT + 0.28 * UP)
        return VGroup(arrow, v).set_opacity(0)

    def race_pair(self, axes: PlotAxes, loss, case: LocalVsGlobal, to_xy, box, sub: int, avoid: np.ndarray,
                  start_words: str, keep_off=()) -> None:
        """The found start: plain GD gets stuck, momentum rolls through, in slow motion with its velocity
        drawn where it crosses into the global basin (found from the run); each run named at its end (a name
        that finds no place on the map clear of the paths goes outside it, right of the map, clear of
        ``keep_off``, with a leader line to the run's end)."""
        step = ValueTracker(0.0)
        stuck = PathTracer(axes, to_xy(case.stuck), THEME.OPTIMIZER["SGD"], step, box[0], box[1], dot_radius=0.09)
        rolled = PathTracer(axes, to_xy(case.rolled), THEME.OPTIMIZER["Momentum"], step, box[0], box[1],
                            dot_radius=0.09)
        counter = self.counter(axes, case.steps, step, sub)
        lo, hi = self.screen_box()
        p_lo, p_hi = axes.plot_area()
        taken = self.taken + text_boxes([*axes.tick_numbers, axes.x_title, axes.y_title, counter, *keep_off])
        paths = np.vstack([avoid, dense(stuck.points_scene), dense(rolled.points_scene), self.axis_lines(axes)])
        start = self.start_mark(stuck.position(0), paths, p_lo, p_hi, taken)
        names = VGroup()
        for tracer, words, color in ((stuck, f"plain GD  lr={fmt(case.lr, 3)}", THEME.OPTIMIZER["SGD"]),
                                     (rolled, f"momentum  lr={fmt(case.lr, 3)} β={fmt(case.momentum)}",
                                      THEME.OPTIMIZER["Momentum"])):
            name = tick_text(words, color=color)
            end = tracer.position(tracer.exit_step)
            place_clear(name, end, paths, lo, hi, taken, radii=(0.3, 0.5, 0.8, 1.2, 1.7, 2.3, 3.0))
            names.add(name)
            half = np.array([name.width / 2, name.height / 2])
            c = name.get_center()[:2]
            on_map = bool(np.all(c + half > p_lo[:2]) and np.all(c - half < p_hi[:2]))
            inside = bool(np.all(c - half >= p_lo[:2]) and np.all(c + half <= p_hi[:2]))
            gap = float(np.max(np.abs(paths - c) - half, axis=1).min()) if len(paths) else 1.0
            if on_map and (gap < 0.1 or not inside):    # over a path, or across the map's edge
                # No clear place on the map: right of it, level with the run's end as near as the others allow.
                taken.pop()
                x = min(p_hi[0] + 0.3 + half[0], hi[0] - half[0])      # clear of the map's edge by 0.1 at least
                ys = [end[1] + d for d in (0.0, 0.3, -0.3, 0.6, -0.6, 0.9, -0.9, 1.2, -1.2, 1.6, -1.6, 2.0, -2.0)]
                free = [np.array([x, y]) for y in ys if lo[1] + half[1] <= y <= hi[1] - half[1]
                        and x - half[0] >= p_hi[0] + 0.1
                        and not any(np.all(np.abs(np.array([x, y]) - p) < half + q + 0.05) for p, q in taken)]
                if free:
                    spot = free[0]
                    name.move_to(np.array([spot[0], spot[1], 0.0]))
                    taken.append((spot, half + 0.06))
                    names.add(Line(end, name.get_left() + 0.08 * LEFT, stroke_color=color, stroke_width=1.5))
                else:
                    taken.append((c, half + 0.06))
        # The minima's marks and the runs' end dots over the paths.
        for tracer in (stuck, rolled):
            tracer.dot.set_z_index(3)
        for m in self.min_marks:
            m.set_z_index(4)
        # Where momentum crosses into the global basin: the first step from which plain GD would end at
        # a global minimum.
        globals_ = [k for k, m in enumerate(loss.minima) if m.is_global]
        labels = basin_labels(loss, case.rolled.points, case.lr, loss.minima, self.tol(loss))
        cross = first_step_in(labels, globals_)
        plot_w = float(p_hi[0] - p_lo[0])
        still = max(idle_step(stuck.points_scene, 0.004 * plot_w), idle_step(rolled.points_scene, 0.004 * plot_w))
        still = min(int(np.ceil(still / sub)) + 1, case.steps)
        self.caption.say(self, f"From {start_words} plain GD stops in the local minimum...")
        self.play(FadeIn(start), FadeIn(counter))
        self.add(stuck, rolled)
        if cross is not None and cross >= 1:
            k_a, k_b = max(cross - 2, 0), min(cross + 2, case.steps)
            seg = [float(np.linalg.norm(rolled.position((j + 1) * sub) - rolled.position(j * sub)))
                   for j in range(k_a, k_b)]
            # The arrow is the step drawn `gain` times long: long enough to see where the ball is slowest,
            # never over `cap` units where it is fastest in the slow motion.
            cap = 2.5 if loss.dim == 1 else 1.8
            gains = [g for g in (1, 2, 3, 4, 5, 8, 10, 15, 20) if g == 1 or g * max(seg, default=0.0) <= cap]
            gain = next((g for g in gains if g * min(seg, default=1.0) >= 0.6), gains[-1])
            if k_a > 0:
                self.play(step.animate.set_value(k_a * sub), run_time=float(np.clip(0.3 * k_a, 2.0, 4.0)),
                          rate_func=lambda u: u ** 0.7)
            drawn = "" if gain == 1 else f" ({gain}× long)"  # noqa: RUF001 shown on screen
            into = "over the bump" if loss.dim == 1 else "into the global basin"
            self.caption.say(self, f"Slow motion: arrow v is momentum's velocity{drawn}. It carries the ball "
                                   f"{into} at step {cross}.")
            arrow = always_redraw(lambda: self.velocity_arrow(rolled, step, sub, gain, case.steps * sub - 1e-9,
                                                              loss.dim == 1, p_lo, p_hi))
            at = rolled.position(cross * sub)
            mark = Cross(scale_factor=0.1, stroke_color=THEME.text, stroke_width=3).move_to(at)
            self.add(arrow)
            self.play(step.animate.set_value(cross * sub), run_time=self.SLOW * (cross - k_a), rate_func=lambda u: u)
            self.play(FadeIn(mark, scale=1.5), run_time=0.4)
            self.play(step.animate.set_value(k_b * sub), run_time=self.SLOW * (k_b - cross), rate_func=lambda u: u)
            self.remove(arrow)              # past the slow motion the ball speeds up: the arrow would grow huge
            self.pair_extra = [mark]
            k_now = k_b
        else:
            k_now = 0
            self.pair_extra = []
        self.caption.say(self, f"...while momentum (β = {fmt(case.momentum)}) rolls past it.")
        if still > k_now:
            self.play(step.animate.set_value(still * sub), run_time=float(np.clip(0.1 * (still - k_now), 1.5, 4.0)),
                      rate_func=lambda u: u ** 0.6)
        if case.steps > max(still, k_now):
            self.play(step.animate.set_value(case.steps * sub), run_time=0.5)   # nothing moves: skipped
        counter.clear_updaters()
        self.play(FadeIn(names))
        self.caption.say(self, f"Loss after {case.steps} steps: momentum {fmt(case.rolled.losses[-1], 3)}, "
                               f"plain GD {fmt(case.stuck.losses[-1], 3)}.", 3)
        self.wait(2.0)
        self.pair = [stuck, rolled, names, start, counter, *self.pair_extra]

    def two_dimensions(self) -> None:
        loss = functions.get(self.p["surface"])
        if loss.dim != 2:
            raise ValueError(f"local_minima.surface must be a 2-D loss, got {self.p['surface']!r}")
        if not loss.minima:
            # A user's expression lists no minima: take the ones plain descent finds from a grid of starts.
            loss = dataclasses.replace(loss, minima=find_minima(loss))
        case = self.case(loss)
        self.set_title(f"The same on {loss.description}" if len(loss.description) < 48 else
                       "The same on a 2-D loss")
        (x_lo, x_hi), (y_lo, y_hi) = loss.domain
        x_range, y_range = tick_range(x_lo, x_hi), tick_range(y_lo, y_hi)
        top, bottom = self.band()
        window = ((x_range[0], x_range[1]), (y_range[0], y_range[1]))
        lr = case.lr if case is not None else 0.5 / max_curvature(loss)
        basins = basins_of_attraction(loss, lr, self.p["steps"], n=self.p["basin_grid"], domain=window)
        key = self.basin_key(basins)
        # Equal scales on both axes, as large as the band allows beside the basins' key.
        width = config.frame_width - 0.6 - key.width - 0.4 - 0.8
        def map_axes(unit: float) -> PlotAxes:
            return PlotAxes(x_range, y_range, x_length=unit * (x_range[1] - x_range[0]),
                            y_length=unit * (y_range[1] - y_range[0]), x_title="x", y_title="y")
        # The map as tall as the band allows once its numbers and titles are measured (not guessed).
        trial = map_axes(0.5)
        extra = trial.height - 0.5 * (y_range[1] - y_range[0])
        unit = min(width / (x_range[1] - x_range[0]), (top - bottom - extra - 0.05) / (y_range[1] - y_range[0]))
        axes = map_axes(unit)
        axes.move_to(np.array([0, (top + bottom) / 2, 0]))
        shift = (config.frame_width / 2 - 0.3) - (axes.get_right()[0] + 0.4 + key.width)
        axes.shift(min(shift, 0.0) * RIGHT)
        key.next_to(axes, RIGHT, buff=0.4).align_to(axes.x_axis, DOWN).shift(0.1 * UP)
        X, Y, Z = functions.grid(loss, n=141, domain=window)
        f_star = min(m.value for m in loss.minima)
        contours = ContourMap(axes, X, Y, Z, list(contour_levels(Z, 12, log=True, z_min=f_star)), stroke_width=1.5,
                              opacity=0.6)
        # Contours in one neutral grey: they show the shape; yellow stays the global minimum's.
        contours.set_stroke(color=THEME.muted, opacity=0.55)
        runs = [t for t, _ in case.others] + [case.stuck, case.rolled] if case is not None else []
        avoid = np.vstack([dense(xy_to_scene(axes, t.points)) for t in runs]) if runs else np.zeros((0, 2))
        marks = self.minimum_marks(axes, loss, lambda m: axes.c2p(*m.point), avoid)
        self.play(Create(axes), FadeIn(contours), FadeIn(marks))
        box = ((x_range[0], y_range[0]), (x_range[1], y_range[1]))
        self.keep_off = [key]
        self.show_basins(axes, loss, basins, key)
        if case is None:
            self.caption.say(self, f"At {self.p['steps']} steps the search finds no start where momentum gets "
                                   f"past a local minimum that plain gradient descent stops in.")
        else:
            start = ", ".join(fmt(v, 3) for v in case.start)
            self.race_pair(axes, loss, case, lambda t: t.points, box, 1, np.zeros((0, 2)), f"({start})",
                           keep_off=self.keep_off)
            mark_figure(self, "two-basins")
            self.unsay()
            self.play(FadeOut(VGroup(*self.pair)))
        self.noise_helps(axes, loss, basins, box)

    COLORS: ClassVar[dict[str, str]] = THEME.BASIN

    @staticmethod
    def kinds(basins: Basins) -> tuple[list[int], list[int]]:
        """Indices of the global minima and of the local ones."""
        return ([k for k, m in enumerate(basins.minima) if m.is_global],
                [k for k, m in enumerate(basins.minima) if not m.is_global])

    def basin_key(self, basins: Basins) -> VGroup:
        """The key to the basins' colours, each with the share of the starts that end there."""
        globals_, locals_ = self.kinds(basins)
        share_g = sum(basins.share(k) for k in globals_)
        share_l = sum(basins.share(k) for k in locals_)
        rows = VGroup()
        for kind, share in (("global", share_g), ("local", share_l)):
            sw = Square(0.3, stroke_width=1, stroke_color=THEME.muted, fill_color=self.COLORS[kind],
                        fill_opacity=THEME.BASIN_FILL)
            words = "global minimum" if kind == "global" else f"{'a' if len(locals_) > 1 else 'the'} local minimum"
            rows.add(VGroup(sw, tick_text(f"{words}: {round(100 * share)}%", color=THEME.text)).arrange(
                RIGHT, buff=0.15))
        rest = 1.0 - share_g - share_l
        if rest > 0.005:
            rows.add(VGroup(Square(0.3, stroke_width=1, stroke_color=THEME.muted, fill_opacity=0),
                            tick_text(f"elsewhere: {round(100 * rest)}%", color=THEME.text)).arrange(
                RIGHT, buff=0.15))
        head = VGroup(tick_text(f"plain GD from {basins.label.size}", color=THEME.text),
                      tick_text("starts ends in", color=THEME.text)).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        return VGroup(head, rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15)).arrange(DOWN, aligned_edge=LEFT,
                                                                                      buff=0.2)

    def basin_image(self, axes: PlotAxes, basins: Basins) -> VGroup:
        """The basins over the map: one rectangle per run of equal cells along each row of the grid of
        starts (cell centres on the starts, edge cells cut at the map's border), filled opaque with the
        colour the basin's fill shows at BASIN_FILL over the background, each a hair taller than its row
        so that neighbouring rows meet without seams (no stripes)."""
        globals_, locals_ = self.kinds(basins)
        lo, hi = axes.plot_area()
        n_y, n_x = basins.label.shape
        cw, ch = (hi[0] - lo[0]) / (n_x - 1), (hi[1] - lo[1]) / (n_y - 1)
        seen = {kind: THEME.fill(c, THEME.BASIN_FILL) for kind, c in self.COLORS.items()}
        image = VGroup()
        for i in range(n_y):
            row = basins.label[i]
            y_a, y_b = max(lo[1], lo[1] + (i - 0.5) * ch), min(hi[1], lo[1] + (i + 0.5) * ch)
            j = 0
            while j < n_x:
                k = j
                while k + 1 < n_x and row[k + 1] == row[j]:
                    k += 1
                kind = "global" if row[j] in globals_ else "local" if row[j] in locals_ else None
                if kind is not None:
                    x_a, x_b = max(lo[0], lo[0] + (j - 0.5) * cw), min(hi[0], lo[0] + (k + 0.5) * cw)
                    image.add(Rectangle(width=x_b - x_a + 0.01, height=y_b - y_a + 0.01, stroke_width=0,
                                        fill_color=seen[kind], fill_opacity=1)
                              .move_to(np.array([(x_a + x_b) / 2, (y_a + y_b) / 2, 0])))
                j = k + 1
        return image

    def show_basins(self, axes: PlotAxes, loss, basins: Basins, key: VGroup) -> None:
        """Colour the map by where plain GD from each start ends: global minimum or a local one."""
        image = self.basin_image(axes, basins)
        self.taken.extend(text_boxes([key]))
        origin = rate_origin(loss, basins.lr)
        # L was defined in 1-D (the same words for the loss's steepest curvature at a minimum).
        rate_words = f"lr = {origin} = {fmt(basins.lr, 3)}" if origin else f"lr = {fmt(basins.lr, 3)}"
        self.caption.say(self, f"Colour each start by where plain GD ends ({rate_words}): "
                               f"a local minimum owns a whole region.")
        self.bring_to_back(image)
        self.play(FadeIn(image), FadeIn(key), run_time=1.5)
        self.wait(1)
        mark_figure(self, "basins")

    def noise_helps(self, axes: PlotAxes, loss, basins: Basins, box) -> None:
        """Both runs start AT the shallowest local minimum: full-batch GD (zero gradient) stays; a run on
        noisy gradients (seeded) may climb out.  What happens, and how many seeds end in the global
        basin, is read from the runs."""
        p = self.p
        locals_ = [k for k, m in enumerate(loss.minima) if not m.is_global]
        globals_ = tuple(k for k, m in enumerate(loss.minima) if m.is_global)
        if not locals_:
            return
        home = max(locals_, key=lambda k: loss.minima[k].value)       # the shallowest local minimum
        start = np.asarray(loss.minima[home].point, dtype=float)
        tol = self.tol(loss)
        lr = basins.lr
        plain = descend(loss, start, SGD(lr=lr), p["steps"])
        seeds = list(range(p["seed"], p["seed"] + p["noise_runs"]))
        esc = noise_escape(loss, list(start), lr, p["steps"], p["noise"], seeds, loss.minima, globals_, tol)
        run, seed = esc.runs[esc.shown], esc.seeds[esc.shown]
        labels = basin_labels(loss, run.points, lr, loss.minima, tol)
        out_at = next((k for k, lab in enumerate(labels) if lab != home), None)
        (x0, y0), (x1, y1) = box
        on_map = bool(x0 <= run.final[0] <= x1 and y0 <= run.final[1] <= y1)
        step = ValueTracker(0.0)
        noisy_color = THEME.VARIANT["stochastic"]
        stuck = PathTracer(axes, plain.points, THEME.OPTIMIZER["SGD"], step, box[0], box[1], dot_radius=0.11)
        noisy = PathTracer(axes, run.points, noisy_color, step, box[0], box[1], dot_radius=0.08, stroke_width=2,
                           label_text="diverged" if run.status == "diverged" else "left the map")
        counter = self.counter(axes, run.steps, step)
        lo, hi = self.screen_box()
        p_lo, p_hi = axes.plot_area()
        taken = self.taken + text_boxes([*axes.tick_numbers, axes.x_title, axes.y_title, counter])
        paths = np.vstack([dense(stuck.points_scene), dense(noisy.points_scene), self.axis_lines(axes)])
        start_mark = self.start_mark(stuck.position(0), paths, p_lo, p_hi, taken)
        self.caption.say(self, f"Now start both runs AT the local minimum (loss {fmt(loss.minima[home].value, 3)}).")
        self.play(FadeIn(start_mark), FadeIn(counter))
        sigma = fmt(p["noise"], 3)
        self.caption.say(self, f"One gets noisy gradients, as with small batches: noise {SIGMA} = {sigma} "
                               f"on each component (seed {seed}).")
        self.add(stuck, noisy)
        # Slower over the steps where the noisy run climbs out.
        if out_at is not None and 0 < out_at < run.steps:
            k_a, k_b = max(out_at - 3, 0), min(out_at + 3, run.steps)
            self.play(step.animate.set_value(k_a), run_time=float(np.clip(0.12 * k_a, 1.5, 4.0)),
                      rate_func=lambda u: u)
            self.play(step.animate.set_value(k_b), run_time=0.8 * (k_b - k_a), rate_func=lambda u: u)
            self.play(step.animate.set_value(run.steps), run_time=float(np.clip(0.04 * (run.steps - k_b), 1.5, 5.0)),
                      rate_func=lambda u: u)
        else:
            self.play(step.animate.set_value(run.steps), run_time=6, rate_func=lambda u: u)
        counter.clear_updaters()
        plain_end = nearest_index(loss, plain.final, tol)
        plain_words = ("Full-batch GD stays at the local minimum (its gradient there is zero)" if plain_end == home
                       else "Full-batch GD leaves it too")
        n = min(self.TAIL, run.steps)
        tail = float(np.mean(run.losses[-n:])) if run.status != "diverged" else float("nan")
        where = esc.settled[esc.shown]
        if run.status == "diverged":
            noisy_words = f"the noisy run diverged at step {run.steps}: {SIGMA} = {sigma} is too much noise"
        elif not on_map:
            noisy_words = f"the noisy run left the map: {SIGMA} = {sigma} is too much noise here"
        elif out_at is None:
            noisy_words = (f"the noisy run stays in the local basin too: {SIGMA} = {sigma} is too little noise to "
                           f"climb out in {run.steps} steps")
        elif where in globals_:
            noisy_words = (f"the noisy run climbs out at step {out_at} and ends in the global basin "
                           f"(mean loss of its last {n} steps {fmt(tail, 3)})")
        else:
            noisy_words = f"the noisy run climbs out at step {out_at} but does not end in the global basin"
        names = VGroup()
        for tracer, words, color in ((stuck, f"full-batch GD  lr={fmt(lr, 3)}", THEME.OPTIMIZER["SGD"]),
                                     (noisy, f"noisy GD  lr={fmt(lr, 3)}  {SIGMA}={sigma}", noisy_color)):
            name = tick_text(words, color=color)
            place_clear(name, tracer.position(tracer.exit_step), paths, lo, hi, taken,
                        radii=(0.3, 0.5, 0.8, 1.2, 1.7, 2.3, 3.0))
            names.add(name)
        self.play(FadeIn(names))
        self.caption.say(self, f"{plain_words}; {noisy_words}.")
        escaped = sum(1 for r, w in zip(esc.runs, esc.settled, strict=True)
                      if w in globals_ and r.status != "diverged"
                      and x0 <= r.final[0] <= x1 and y0 <= r.final[1] <= y1)
        verdict = ("Here the noise does not help." if escaped == 0 else
                   "Here noise helps every time." if escaped == len(seeds) else
                   f"{len(seeds) - escaped} do not.")
        self.caption.say(self, f"{escaped} of {len(seeds)} seeds end in the global basin. {verdict}", 3)
        self.wait(1.0)
        mark_figure(self, "noise-escape")


def own_valley(loss, x0: float, minima) -> int | None:
    """The minimum (index into ``minima``) of the 1-D valley ``x0`` lies in: walk downhill from ``x0``
    on a fine grid until the loss stops falling, then take the known minimum nearest to that point
    (None when the walk runs off the domain first)."""
    (lo, hi), = loss.domain
    h = (hi - lo) / 4000
    slope = float(np.ravel(loss.value(np.array([[x0 + h]])))[0] - np.ravel(loss.value(np.array([[x0 - h]])))[0])
    way = -1.0 if slope > 0 else 1.0
    xs = x0 + way * h * np.arange(0, 4001)
    xs = xs[(xs >= lo) & (xs <= hi)]
    fs = np.ravel(loss.value(xs[:, None]))
    rises = np.flatnonzero(np.diff(fs) > 0)
    if not rises.size:
        return None
    bottom = xs[rises[0]]
    d = [abs(float(np.ravel(m.point)[0]) - bottom) for m in minima]
    k = int(np.argmin(d))
    return k if d[k] <= 20 * h else None


def valley_words(loss, starts, ends) -> str:
    """The end of the starts' caption, from the runs: ': each stops in the valley it starts in.' only
    when every run ended at the minimum of its own valley, else how many rolled on into another."""
    minima = list(loss.minima)
    own = [own_valley(loss, x0, minima) for x0 in starts]
    same = sum(1 for k, m in zip(own, ends, strict=True) if k is not None and m is not None and minima[k] == m)
    if same == len(starts):
        return ": each stops in the valley it starts in."
    return f"; {len(starts) - same} of {len(starts)} did not stop in the valley they started in."


def nearest_index(loss, point: np.ndarray, tol: float) -> int | None:
    """The index of the minimum of ``loss`` within ``tol`` of ``point`` (None if none is)."""
    d = [float(np.linalg.norm(np.asarray(point) - m.point)) for m in loss.minima]
    return int(np.argmin(d)) if d and min(d) <= tol else None
