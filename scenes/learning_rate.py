"""Learning rates that crawl, move just right, oscillate or diverge -- on a parabola, a bowl, and in the loss.

The blog (seed 001) asks for "[Oscillating, Diverging, and Slow Learning
Rate]".  The four rates are not typed in: :func:`gdcore.trajectory.lr_regimes`
takes the largest curvature L of the loss (the top Hessian eigenvalue) and
picks multiples of 1/L -- plain gradient descent on a quadratic moves
monotonically below 1/L, zig-zags but converges between 1/L and 2/L, and
diverges above 2/L.  Every path is a real :func:`gdcore.trajectory.descend` run.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UP,
    Arrow,
    Axes,
    Create,
    FadeIn,
    FadeOut,
    Text,
    ValueTracker,
    VGroup,
    always_redraw,
    linear,
)

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.optim import SGD
from gdcore.trajectory import Trajectory, descend, lr_regimes
from scenes.kit import (
    THEME,
    TYPE,
    ContourMap,
    EndLabels,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    nice_range,
    polyline,
)

REGIMES = ("slow", "good", "oscillating", "diverging")


class LearningRate(StoryScene):
    """Four learning rates side by side: on a parabola, on an ill-conditioned bowl, then their losses."""

    params_key = "learning_rate"

    def construct(self) -> None:
        self.curve_panels()
        self.bowl_panels()
        self.loss_curves()

    # ------------------------------------------------------------ storyboard
    def regimes(self, loss, x0):
        factors = dict(zip(REGIMES, self.p["factors"]))
        return lr_regimes(loss, x0, factors)

    def threshold_line(self, r) -> Text:
        line = label_text(
            f"L = {fmt(r.L)} (largest curvature)   1/L = {fmt(r.monotone_limit)}   2/L = {fmt(r.stable_limit)}",
            color=THEME.muted,
        )
        return line.next_to(self.title, DOWN, buff=0.15)

    def panel_header(self, name: str, lr: float, r) -> VGroup:
        color = THEME.REGIME[name]
        top = label_text(name, color=color, weight="BOLD")
        sub = label_text(f"lr = {fmt(lr, 3)} = {fmt(lr * r.L, 3)}/L", size=TYPE.TICK)
        return VGroup(top, sub).arrange(DOWN, buff=0.06)

    def curve_panels(self) -> None:
        loss = functions.get(self.p["curve"])
        if loss.dim != 1:
            raise ValueError(f"learning_rate.curve must be a 1-D loss, got {self.p['curve']!r} ({loss.dim}-D)")
        x0 = [self.p["x0"]]
        r = self.regimes(loss, x0)
        self.set_title("Four learning rates on the same curve")
        thresholds = self.threshold_line(r)
        self.play(FadeIn(thresholds))
        steps = self.p["steps_1d"]
        (lo, hi), = loss.domain
        xs = np.linspace(lo, hi, 200)
        ys = loss.value(xs[:, None])
        y_lo, y_hi = float(ys.min()), float(ys.max())
        pad = 0.08 * (y_hi - y_lo)
        step = ValueTracker(0.0)
        panels = VGroup()
        for name in REGIMES:
            axes = PlotAxes(nice_range(lo, hi, 2), nice_range(y_lo - pad, y_hi + pad, 2), x_length=2.55, y_length=3.4,
                            x_title="x", y_title="loss f(x)")
            curve = polyline(axes, np.stack([xs, ys], -1), THEME.LOSS, 2.5)
            header = self.panel_header(name, r[name], r).next_to(axes, UP, buff=0.15)
            panels.add(VGroup(header, axes, curve))
        panels.arrange(RIGHT, buff=0.3, aligned_edge=DOWN)
        self.center_below(panels, thresholds)
        self.play(FadeIn(panels), run_time=1.0)
        self.curve_tracers = self.add_runs(panels, loss, x0, r, steps, step, (lo, y_lo - pad), (hi, y_hi + pad))
        self.caption.say(self, "Each ball takes gradient steps x ← x − lr·f′(x); the arrow is the next step.", 3)
        self.play(step.animate.set_value(steps), run_time=steps * 0.8, rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "curve-regimes")
        self.caption.say(self, "Too small crawls, 1/L lands at once, between 1/L and 2/L zig-zags, above 2/L flies off.", 4)
        self.wait(2)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(VGroup(panels, *self.curve_tracers, thresholds)))

    def center_below(self, panels: VGroup, header: VGroup) -> None:
        """Centre ``panels`` in the band between ``header`` and the caption line at the bottom."""
        top = header.get_bottom()[1] - 0.3
        bottom = self.caption.top() + 0.2
        panels.move_to([0.0, (top + bottom) / 2, 0.0])

    def add_runs(self, panels, loss, x0, r, steps, step, lo, hi):
        """One real run per regime, traced on its panel's axes with its step arrow."""
        group = []
        for name, panel in zip(REGIMES, panels):
            axes = panel[1]
            run = descend(loss, x0, SGD(lr=r[name]), steps)
            xy = np.stack([run.points[:, 0], run.losses], -1)
            tracer = PathTracer(axes, xy, THEME.REGIME[name], step, lo, hi)
            tracer.trail.set_stroke(opacity=0.5, width=2)
            arrow = self.step_arrow(axes, run, r[name], loss, step, tracer)
            self.add(tracer, arrow)
            group += [tracer, arrow]
        return group

    def step_arrow(self, axes: Axes, run: Trajectory, lr: float, loss, step: ValueTracker, tracer: PathTracer):
        """The next step −lr·f′(x), drawn from the ball along x, at the last step point reached."""
        def make():
            s = step.get_value()
            k = int(np.floor(s + 1e-9))
            if k >= run.steps or (tracer.left and s >= tracer.exit_step - 1e-9):
                return VGroup()
            x = run.points[k, 0]
            dx = -lr * float(loss.grad([x])[0])
            y = run.losses[k]
            start, end = axes.c2p(x, y), axes.c2p(x + dx, y)
            if abs(end[0] - start[0]) < 0.05:
                return VGroup()
            return Arrow(start, end, buff=0, color=THEME.GRAD, stroke_width=3, tip_length=0.14,
                         max_tip_length_to_length_ratio=0.35)
        return always_redraw(make)

    def bowl_panels(self) -> None:
        loss = functions.get(self.p["bowl"]) if self.p["bowl"] != "quadratic" else functions.get(
            "quadratic", a=self.p["bowl_curvatures"][0], b=self.p["bowl_curvatures"][1])
        if loss.dim != 2:
            raise ValueError(f"learning_rate.bowl must be a 2-D loss, got {self.p['bowl']!r}")
        x0 = self.p["bowl_start"]
        r = self.regimes(loss, x0)
        self.set_title(f"The same four on {loss.description}")
        thresholds = self.threshold_line(r)
        self.play(FadeIn(thresholds))
        steps = self.p["steps_2d"]
        (x_lo, x_hi), (y_lo, y_hi) = loss.domain
        grid_x = np.linspace(x_lo, x_hi, 121)
        grid_y = np.linspace(y_lo, y_hi, 121)
        X, Y = np.meshgrid(grid_x, grid_y)
        Z = loss.value(np.stack([X, Y], -1))
        levels = contour_levels(Z, 10)
        step = ValueTracker(0.0)
        panels = VGroup()
        for name in REGIMES:
            axes = PlotAxes([x_lo, x_hi, (x_hi - x_lo) / 2], [y_lo, y_hi, (y_hi - y_lo) / 2], x_length=2.55,
                            y_length=2.55 * (y_hi - y_lo) / (x_hi - x_lo), x_title="x", y_title="y")
            header = self.panel_header(name, r[name], r).next_to(axes, UP, buff=0.12)
            panels.add(VGroup(header, axes))
        panels.arrange(RIGHT, buff=0.3, aligned_edge=DOWN)
        self.center_below(panels, thresholds)
        self.bowl_runs = {}
        tracers = []
        for name, panel in zip(REGIMES, panels):
            axes = panel[1]
            panel.add(ContourMap(axes, X, Y, Z, levels, stroke_width=1.5, opacity=0.8))
            run = descend(loss, x0, SGD(lr=r[name]), steps)
            self.bowl_runs[name] = run
            tracers.append(PathTracer(axes, run.points, THEME.REGIME[name], step, (x_lo, y_lo), (x_hi, y_hi),
                                      dot_radius=0.06, stroke_width=2.5))
        self.play(FadeIn(panels), run_time=1.0)
        self.add(*tracers)
        self.caption.say(self, "On a long narrow bowl the steep direction sets L: too big a step zig-zags across it.", 4)
        self.play(step.animate.set_value(steps), run_time=min(12.0, steps * 0.25), rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "bowl-regimes")
        self.bowl_loss = loss
        self.caption.say(self, self.outcome_words(self.bowl_runs, steps), 4)
        self.wait(1.5)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(VGroup(panels, *tracers, thresholds)))

    def outcome_words(self, runs: dict[str, Trajectory], steps: int) -> str:
        lo = np.array([d[0] for d in self.bowl_loss.domain])
        hi = np.array([d[1] for d in self.bowl_loss.domain])
        parts = []
        for n in REGIMES:
            t = runs[n]
            outside = np.nonzero(np.any((t.points < lo) | (t.points > hi), axis=1))[0]
            parts.append(f"{n} left the map at step {outside[0]}" if len(outside)
                         else f"{n} {fmt(t.losses[-1], 2)}")
        return f"Loss after {steps} steps: " + ", ".join(parts) + "."

    def loss_curves(self) -> None:
        self.set_title("Their losses, on a log scale")
        runs = self.bowl_runs
        steps = self.p["steps_2d"]
        floor = 1e-12
        logs = {n: np.log10(np.maximum(t.losses, floor)) for n, t in runs.items()}
        finite = np.concatenate([v for n, v in logs.items() if runs[n].status != "diverged"] + [logs["diverging"][:1]])
        y_lo = float(np.floor(finite.min()))
        y_hi = float(np.ceil(max(finite.max(), logs["slow"][0]) + 1))
        # A log axis from 10^y_lo to 10^y_hi; it meets the step axis at the bottom.
        k_step = max(1, int(np.ceil((y_hi - y_lo) / 6)))
        axes = PlotAxes(nice_range(0, steps, 5), [y_lo, y_hi, k_step], x_length=9.0, y_length=4.4,
                        x_title="step", y_title="loss (log scale)", y_log=True, y_title_color=THEME.LOSS)
        axes.move_to([-0.9, (self.titles.bottom() + self.caption.top()) / 2, 0])
        step = ValueTracker(0.0)
        tracers = []
        for name in REGIMES:
            xy = np.stack([np.arange(len(runs[name].losses)), np.maximum(runs[name].losses, 10.0 ** y_lo)], -1)
            tracers.append(PathTracer(axes, xy, THEME.REGIME[name], step, (0, 10.0 ** y_lo), (steps, 10.0 ** y_hi),
                                      dot_radius=0.05, stroke_width=3, diverged_label=False))
        ends = [(f"{n} (left the chart)" if tracers[k].left else n, THEME.REGIME[n],
                 tracers[k].position(tracers[k].exit_step)) for k, n in enumerate(REGIMES)]
        labels = EndLabels(ends)
        self.play(Create(axes))
        self.add(*tracers)
        self.add(*tracers)
        self.caption.say(self, "Loss per step: slow crawls, good and oscillating fall fast, diverging shoots up.", 4)
        self.play(step.animate.set_value(steps), run_time=6, rate_func=linear)
        self.play(FadeIn(labels))
        mark_figure(self, "loss-curves")
        finals = "   ".join(f"{n}: {fmt(runs[n].losses[-1], 2)}" for n in REGIMES if runs[n].status != "diverged")
        self.caption.say(self, f"Final losses  {finals}", 3)
        self.wait(2.5)
