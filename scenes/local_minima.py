"""Stuck in a local minimum, and momentum rolling past it into the global one.

Post 003 shows a ball stuck in a local minimum and momentum pushing past it.
The start points and settings are not placed by hand: :func:`gdcore.trajectory.
find_local_vs_global` searches a grid of starts and learning rates for a case
where plain gradient descent ends in the local minimum and SGD with momentum
from the same start, with the same learning rate, ends in the global one; the
scene draws what it found, first on a 1-D double well, then on a 2-D loss.
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
    FadeIn,
    FadeOut,
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
    basins_of_attraction,
    bump_step,
    find_minima,
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
    paced,
    polyline,
    tick_text,
    xy_to_scene,
)

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


class LocalMinima(StoryScene):
    """Several starts of plain GD, some stuck; momentum from the stuck start reaches the global minimum."""

    params_key = "local_minima"

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

    def minimum_marks(self, axes: PlotAxes, loss, to_point, avoid: np.ndarray) -> VGroup:
        """A star on the global minimum, a ring on the local one, each named with its loss beside it,
        off the paths."""
        marks = VGroup()
        lo, hi = axes.plot_area()
        self.taken: list[tuple[np.ndarray, np.ndarray]] = []
        for m in loss.minima:
            color = THEME.LOSS if m.is_global else THEME.text
            star = math_text(r"\star" if m.is_global else r"\circ", color=color).scale(1.6).move_to(to_point(m))
            self.taken.append((star.get_center()[:2], np.array([star.width, star.height]) / 2))
            marks.add(star)
        for m, mark in zip(loss.minima, list(marks), strict=True):
            kind = "global" if m.is_global else "local"
            label = tick_text(f"{kind} min {fmt(m.value, 3)}", color=THEME.LOSS if m.is_global else THEME.text)
            place_clear(label, mark.get_center(), np.vstack([avoid, self.axis_lines(axes)]), lo, hi, self.taken)
            marks.add(label)
        return marks

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
        curve = polyline(axes, np.stack([xs, ys], -1), THEME.LOSS, 3)
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
        self.several_starts(axes, case, to_xy, box, sub)
        self.race_pair(axes, case, to_xy, box, sub, avoid, f"x = {fmt(case.start[0], 3)}")
        mark_figure(self, "double-well")
        self.unsay()
        self.play(FadeOut(VGroup(axes, curve, marks, *self.pair)))

    def several_starts(self, axes: PlotAxes, case: LocalVsGlobal, to_xy, box, sub: int = 1) -> None:
        """Plain GD from the other starts of the search, in a neutral colour, each start ringed; some get stuck."""
        step = ValueTracker(0.0)
        others = [PathTracer(axes, to_xy(t), STUCK, step, box[0], box[1], dot_radius=0.07, stroke_width=2)
                  for t, _ in case.others]
        rings = VGroup(*[Circle(radius=0.13, stroke_color=STUCK, stroke_width=2).move_to(o.position(0))
                         for o in others])
        stuck_n = sum(1 for _, m in case.others if m is not None and not m.is_global)
        counter = self.counter(axes, case.steps, step, sub)
        self.caption.say(self, f"Plain gradient descent (lr = {fmt(case.lr, 3)}) from {len(case.others)} starts: "
                               f"{stuck_n} end in a local minimum.", 3.5)
        self.play(Create(rings), FadeIn(counter))
        self.add(*others)
        self.play(step.animate.set_value(case.steps * sub), run_time=6, rate_func=slow_start)
        self.wait(1)
        counter.clear_updaters()
        self.unsay()
        self.play(*[FadeOut(o) for o in others], FadeOut(rings), FadeOut(counter))

    def race_pair(self, axes: PlotAxes, case: LocalVsGlobal, to_xy, box, sub: int, avoid: np.ndarray,
                  start_words: str) -> None:
        """The found start: plain GD gets stuck, momentum rolls through; each run named at its end."""
        step = ValueTracker(0.0)
        stuck = PathTracer(axes, to_xy(case.stuck), THEME.OPTIMIZER["SGD"], step, box[0], box[1], dot_radius=0.09)
        rolled = PathTracer(axes, to_xy(case.rolled), THEME.OPTIMIZER["Momentum"], step, box[0], box[1],
                            dot_radius=0.09)
        ring = Circle(radius=0.15, stroke_color=THEME.text, stroke_width=2).move_to(stuck.position(0))
        counter = self.counter(axes, case.steps, step, sub)
        # Names may go beside the map too (its numbers, titles and the counter are kept clear).
        top, bottom = self.band()
        lo = np.array([-config.frame_width / 2 + 0.3, bottom])
        hi = np.array([config.frame_width / 2 - 0.3, top])
        taken = self.taken + text_boxes([*axes.tick_numbers, axes.x_title, axes.y_title, counter])
        paths = np.vstack([avoid, dense(stuck.points_scene), dense(rolled.points_scene), self.axis_lines(axes)])
        names = VGroup()
        for tracer, words, color in ((stuck, f"plain GD  lr={fmt(case.lr, 3)}", THEME.OPTIMIZER["SGD"]),
                                     (rolled, f"momentum  lr={fmt(case.lr, 3)} β={fmt(case.momentum)}",
                                      THEME.OPTIMIZER["Momentum"])):
            name = tick_text(words, color=color)
            place_clear(name, tracer.position(tracer.exit_step), paths, lo, hi, taken,
                        radii=(0.3, 0.5, 0.8, 1.2, 1.7, 2.3, 3.0))
            names.add(name)
        # The ball's velocity: the step momentum is taking, from the ball, drawn `gain` times its length so
        # that it still shows where the ball is slowest (at the top of the bump); the caption gives the gain.
        bump = bump_step(case.rolled.losses.tolist())
        # The crossing, shown slowly with the arrow: from a few steps before the top of the bump to a few after.
        lo_k, hi_k = (max(bump - 3, 0), min(bump + 3, case.steps)) if bump is not None else (0, 0)
        seg = [float(np.linalg.norm(rolled.position((j + 1) * sub) - rolled.position(j * sub)))
               for j in range(lo_k, hi_k)]
        # The arrow is the step drawn `gain` times long: long enough to see at the top (where the ball is
        # slowest), never over `cap` units in the crossing (the 1-D plot is wide, the 2-D map's bump lies
        # near its top edge); the caption gives the gain.
        cap = 2.5 if sub > 1 else 1.5
        gains = [g for g in (1, 2, 3, 4, 5, 8, 10, 15, 20) if g == 1 or g * max(seg, default=0.0) <= cap]
        gain = next((g for g in gains if g * min(seg, default=0.0) >= 0.5), gains[-1])
        def velocity() -> VGroup:
            s = min(step.get_value(), rolled.exit_step)
            a, b = rolled.position(s), rolled.position(min(s + sub, rolled.exit_step))
            if gain * np.linalg.norm(b - a) < 0.08 or s >= case.steps * sub - 1e-9:
                return VGroup()
            return VGroup(Arrow(a, a + gain * (b - a), buff=0, color=THEME.OPTIMIZER["Momentum"], stroke_width=4,
                                max_tip_length_to_length_ratio=0.35, tip_length=0.15))
        arrow = always_redraw(velocity)
        self.caption.say(self, f"From {start_words} plain GD stops in the local minimum...", 3)
        self.play(Create(ring), FadeIn(counter))
        self.add(stuck, rolled)
        rate, total = paced(case.steps, bump), 9.0 if bump is not None else 7.0
        ts = np.linspace(0, 1, 1001)
        rs = np.array([rate(t) for t in ts])
        def run_to(t0: float, t1: float, seconds: float) -> None:
            """Play the runs from time fraction t0 to t1 of the paced schedule."""
            r0, r1 = rate(t0), rate(t1)
            if r1 <= r0:
                return
            self.play(step.animate.set_value(r1 * case.steps * sub), run_time=max(seconds, 0.5),
                      rate_func=lambda u: (rate(t0 + u * (t1 - t0)) - r0) / (r1 - r0))
        if bump is not None and bump > 3:
            t_a = float(ts[min(int(np.searchsorted(rs, lo_k / case.steps)), 1000)])
            t_b = float(ts[min(int(np.searchsorted(rs, hi_k / case.steps)), 1000)])
            run_to(0.0, t_a, max(total * t_a, 3.0))
            drawn = "" if gain == 1 else f", drawn {gain}× long"  # noqa: RUF001 shown on screen
            self.caption.say(self, f"The arrow is momentum's step{drawn}: its speed carries it up the bump "
                                   f"(over the top at step {bump}).")
            self.add(arrow)
            run_to(t_a, t_b, max(total * (t_b - t_a), 4.0))
            self.remove(arrow)
            self.unsay()                 # the arrow is gone: its caption too, once read
            run_to(t_b, 1.0, total * (1 - t_b))
        else:
            self.play(step.animate.set_value(case.steps * sub), run_time=total, rate_func=rate)
        counter.clear_updaters()
        self.play(FadeIn(names))
        self.caption.say(self, f"...while momentum (β = {fmt(case.momentum)}) rolls past it, to loss "
                               f"{fmt(case.rolled.losses[-1], 3)} instead of {fmt(case.stuck.losses[-1], 3)}.", 4)
        self.wait(2.5)
        self.pair = [stuck, rolled, names, ring, counter]

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
        runs = [t for t, _ in case.others] + [case.stuck, case.rolled] if case is not None else []
        avoid = np.vstack([dense(xy_to_scene(axes, t.points)) for t in runs]) if runs else np.zeros((0, 2))
        marks = self.minimum_marks(axes, loss, lambda m: axes.c2p(*m.point), avoid)
        self.play(Create(axes), FadeIn(contours), FadeIn(marks))
        box = ((x_range[0], y_range[0]), (x_range[1], y_range[1]))
        self.show_basins(axes, basins, key)
        if case is None:
            self.caption.say(self, f"At {self.p['steps']} steps the search finds no start where momentum gets "
                                   f"past a local minimum that plain gradient descent stops in.")
        else:
            start = ", ".join(fmt(v, 3) for v in case.start)
            self.race_pair(axes, case, lambda t: t.points, box, 1, np.zeros((0, 2)), f"({start})")
            mark_figure(self, "two-basins")
            self.unsay()
            self.play(FadeOut(VGroup(*self.pair)))
        self.noise_helps(axes, loss, basins, case, box)

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
            sw = Square(0.3, stroke_width=0, fill_color=self.COLORS[kind], fill_opacity=THEME.BASIN_FILL)
            words = "global minimum" if kind == "global" else f"{'a' if len(locals_) > 1 else 'the'} local minimum"
            rows.add(VGroup(sw, tick_text(f"{words}: {round(100 * share)}%")).arrange(RIGHT, buff=0.15))
        rest = 1.0 - share_g - share_l
        if rest > 0.005:
            rows.add(VGroup(Square(0.3, stroke_width=1, stroke_color=THEME.muted, fill_opacity=0),
                            tick_text(f"elsewhere: {round(100 * rest)}%")).arrange(RIGHT, buff=0.15))
        head = VGroup(tick_text(f"plain GD from {basins.label.size}"), tick_text("starts ends in")).arrange(
            DOWN, aligned_edge=LEFT, buff=0.1)
        return VGroup(head, rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15)).arrange(DOWN, aligned_edge=LEFT,
                                                                                      buff=0.2)

    def show_basins(self, axes: PlotAxes, basins: Basins, key: VGroup) -> None:
        """Colour the map by where plain GD from each start ends: global minimum or a local one."""
        globals_, locals_ = self.kinds(basins)
        # One rectangle per run of equal cells along each row of the grid of starts (cell centres on
        # the starts, edge cells cut at the map's border).
        lo, hi = axes.plot_area()
        n_y, n_x = basins.label.shape
        cw, ch = (hi[0] - lo[0]) / (n_x - 1), (hi[1] - lo[1]) / (n_y - 1)
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
                    image.add(Rectangle(width=x_b - x_a, height=y_b - y_a, stroke_width=0,
                                        fill_color=self.COLORS[kind], fill_opacity=THEME.BASIN_FILL)
                              .move_to(np.array([(x_a + x_b) / 2, (y_a + y_b) / 2, 0])))
                j = k + 1
        self.taken.extend(text_boxes([key]))
        self.caption.say(self, f"Colour each start by where plain GD (lr = {fmt(basins.lr, 3)}) ends: "
                               f"a local minimum owns a whole region.")
        self.bring_to_back(image)
        self.play(FadeIn(image), FadeIn(key), run_time=1.5)
        self.wait(2)
        mark_figure(self, "basins")

    def noise_helps(self, axes: PlotAxes, loss, basins: Basins, case: LocalVsGlobal | None, box) -> None:
        """From the start where plain GD gets stuck, noisy gradients (seeded) carry a run out of the
        local basin; how many of the seeds do is counted."""
        p = self.p
        locals_ = [k for k, m in enumerate(loss.minima) if not m.is_global]
        globals_ = tuple(k for k, m in enumerate(loss.minima) if m.is_global)
        if case is not None:
            plain = case.stuck
            start = case.start
        else:
            start = loss.minima[locals_[0]].point
            plain = descend(loss, start, SGD(lr=basins.lr), p["steps"])
        span = max(hi - lo for lo, hi in loss.domain)
        seeds = list(range(p["seed"], p["seed"] + p["noise_runs"]))
        esc = noise_escape(loss, list(start), basins.lr, p["steps"], p["noise"], seeds, loss.minima, globals_,
                           0.02 * span)
        run = esc.runs[esc.shown]
        seed = esc.seeds[esc.shown]
        step = ValueTracker(0.0)
        noisy_color = THEME.VARIANT["stochastic"]
        stuck = PathTracer(axes, plain.points, THEME.OPTIMIZER["SGD"], step, box[0], box[1], dot_radius=0.09)
        noisy = PathTracer(axes, run.points, noisy_color, step, box[0], box[1], dot_radius=0.09, stroke_width=2,
                           label_text="diverged" if run.status == "diverged" else "left the map")
        ring = Circle(radius=0.15, stroke_color=THEME.text, stroke_width=2).move_to(noisy.position(0))
        counter = self.counter(axes, p["steps"], step)
        self.caption.say(self, f"Now make each gradient noisy, as with small batches: noise of standard deviation "
                               f"{fmt(p['noise'], 3)} (seed {seed}).")
        self.play(Create(ring), FadeIn(counter))
        self.add(stuck, noisy)
        self.play(step.animate.set_value(max(plain.steps, run.steps)), run_time=8, rate_func=slow_start)
        counter.clear_updaters()
        where = esc.settled[esc.shown]
        plain_end = nearest_index(loss, plain.final, 0.02 * span)
        plain_words = ("Full-batch GD stays in the local minimum" if plain_end in locals_ else
                       "Full-batch GD ends in the global minimum" if plain_end in globals_ else
                       "Full-batch GD ends at no minimum")
        if run.status == "diverged":
            noisy_words = "the noisy run diverged"
        elif where in globals_:
            noisy_words = (f"the noisy run leaves it for the global minimum (loss "
                           f"{fmt(loss.minima[where].value, 3)})")
        elif where in locals_:
            noisy_words = "the noisy run stays in a local minimum too"
        else:
            noisy_words = "the noisy run settles at no minimum"
        names = VGroup()
        top, bottom = self.band()
        lo = np.array([-config.frame_width / 2 + 0.3, bottom])
        hi = np.array([config.frame_width / 2 - 0.3, top])
        taken = self.taken + text_boxes([*axes.tick_numbers, axes.x_title, axes.y_title, counter])
        paths = np.vstack([dense(stuck.points_scene), dense(noisy.points_scene), self.axis_lines(axes)])
        for tracer, words, color in ((stuck, f"full-batch GD  lr={fmt(basins.lr, 3)}", THEME.OPTIMIZER["SGD"]),
                                     (noisy, f"noisy GD  noise {fmt(p['noise'], 3)}", noisy_color)):
            name = tick_text(words, color=color)
            place_clear(name, tracer.position(tracer.exit_step), paths, lo, hi, taken,
                        radii=(0.3, 0.5, 0.8, 1.2, 1.7, 2.3, 3.0))
            names.add(name)
        self.play(FadeIn(names))
        self.caption.say(self, f"{plain_words}; {noisy_words}. {esc.n_escaped} of {len(seeds)} seeds reach the "
                               f"global minimum.")
        self.wait(2.5)
        mark_figure(self, "noise-escape")


def nearest_index(loss, point: np.ndarray, tol: float) -> int | None:
    """The index of the minimum of ``loss`` within ``tol`` of ``point`` (None if none is)."""
    d = [float(np.linalg.norm(np.asarray(point) - m.point)) for m in loss.minima]
    return int(np.argmin(d)) if d and min(d) <= tol else None
