"""Learning rates that crawl, move just right, oscillate or diverge -- on a parabola, a bowl, and in the loss.

The blog (seed 001) asks for "[Oscillating, Diverging, and Slow Learning
Rate]".  The four rates are not typed in: :func:`gdcore.trajectory.lr_regimes`
takes the largest curvature L of the loss (the top Hessian eigenvalue) and
picks multiples of 1/L.  What each rate is *called* comes from what its run did
(:func:`gdcore.rates.outcome_names`): on the parabola 1/L is "good", on the
ill-conditioned bowl the same 1/L is "slow", and the lesson beat shows why --
the shallow direction sets the pace, and the best fixed rate is 2/(L + mu)
(:class:`gdcore.rates.Curvatures`).  Every path is a real
:func:`gdcore.trajectory.descend` run.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    ValueTracker,
    VGroup,
    always_redraw,
    linear,
    smooth,
)

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.optim import SGD
from gdcore.rates import Curvatures, curvatures, outcome_names, sgd_steps
from gdcore.trajectory import REGIMES, Trajectory, descend, lr_regimes
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
    math_text,
    nice_range,
    polyline,
)

# REGIMES (gdcore.trajectory): the four rate slots (their colours); what each is called on screen
# comes from its run.
#: How far the diverging panel may zoom out, as a multiple of the loss's plotting box.
ZOOM_MAX = 4.0


def over_L(factor: float) -> str:
    """A rate as a multiple of 1/L: ``1/L``, ``0.08/L``."""
    return "1/L" if abs(factor - 1.0) < 1e-12 else f"{fmt(factor, 3)}/L"


class LearningRate(StoryScene):
    """One step explained, four rates on a parabola, the same four on a bowl, why, and their losses."""

    params_key = "learning_rate"

    def construct(self) -> None:
        self.slope_steps()
        self.curve_panels()
        self.bowl_panels()
        self.bowl_lesson()
        self.loss_curves()

    # ------------------------------------------------------------ helpers
    def regimes(self, loss, x0):
        self.factors = dict(zip(REGIMES, self.p["factors"], strict=True))
        return lr_regimes(loss, x0, self.factors)

    def band(self) -> tuple[float, float]:
        """Top and bottom y of the free band between the title and the caption line."""
        return self.titles.bottom() - 0.15, self.caption.top() + 0.15

    def center_below(self, panels: VGroup, header) -> None:
        """Centre ``panels`` in the band between ``header`` and the caption line at the bottom."""
        top = header.get_bottom()[1] - 0.3
        bottom = self.caption.top() + 0.2
        panels.move_to([0.0, (top + bottom) / 2, 0.0])

    def panel_header(self, slot: str, name: str, r) -> VGroup:
        color = THEME.REGIME[slot]
        top = label_text(f"lr = {over_L(self.factors[slot])}", color=color, weight="BOLD")
        sub = label_text(name, size=TYPE.TICK, color=color)
        return VGroup(top, sub).arrange(DOWN, buff=0.06)

    def runs_for(self, loss, x0, r, steps) -> dict[str, Trajectory]:
        return {n: descend(loss, x0, SGD(lr=r[n]), steps) for n in REGIMES}

    # ------------------------------------------------------------ beat 1: one step, slowly
    def slope_steps(self) -> None:
        loss = functions.get(self.p["curve"])
        if loss.dim != 1:
            raise ValueError(f"learning_rate.curve must be a 1-D loss, got {self.p['curve']!r} ({loss.dim}-D)")
        x0 = [self.p["x0"]]
        c = curvatures(loss, x0)
        lr = self.p["demo_factor"] / c.L
        n = self.p["demo_steps"]
        run = descend(loss, x0, SGD(lr=lr), n)
        steps = sgd_steps(run, loss, lr, n)
        self.set_title("One gradient step, slowly")
        (lo, hi), = loss.domain
        lo, hi = min(lo, float(run.points.min())), max(hi, float(run.points.max()))   # every step on the chart
        xs = np.linspace(lo, hi, 200)
        ys = loss.value(xs[:, None])
        y_lo, y_hi = float(ys.min()), float(ys.max())
        pad = 0.08 * (y_hi - y_lo)
        top, bottom = self.band()
        axes = PlotAxes(nice_range(lo, hi, 4), nice_range(y_lo - pad, y_hi + pad, 4), x_length=6.4,
                        y_length=top - bottom - 1.1, x_title="x", y_title="loss f(x)")
        axes.move_to([-3.2, (top + bottom) / 2 - 0.1, 0])
        curve = polyline(axes, np.stack([xs, ys], -1), THEME.LOSS, 3)
        self.play(Create(axes), Create(curve), run_time=1.2)
        x = ValueTracker(x0[0])
        ball = always_redraw(lambda: Dot(axes.c2p(x.get_value(), float(loss.value([x.get_value()]))),
                                         radius=0.09, color=THEME.REGIME["slow"]))
        self.add(ball)

        right_x = 1.0
        rule = math_text(r"x \leftarrow x - \eta \, f'(x)")
        rule.move_to([right_x, top - 0.45, 0], aligned_edge=LEFT)
        curv = label_text(f"L = f″(x) = {fmt(c.L)}, the curvature", size=TYPE.TICK, color=THEME.muted)
        eta = label_text(f"η = {fmt(lr)}  ({over_L(self.p['demo_factor'])})", size=TYPE.TICK,
                         color=THEME.muted)
        VGroup(curv, eta).arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(rule, DOWN, buff=0.3,
                                                                              aligned_edge=LEFT)
        self.caption.say(self, "Gradient descent moves x against the slope, by the learning rate η times it.")
        self.play(FadeIn(rule))
        self.caption.say(self, f"L = f″ = {fmt(c.L)} is how fast the slope changes: rates are measured in 1/L.")
        self.play(FadeIn(curv), FadeIn(eta))
        y_span = (y_hi - y_lo) * 0.6
        for k, s in enumerate(steps):
            first = k == 0
            d = min(0.4 * (hi - lo), y_span / max(abs(s.slope), 1e-9))
            fx = float(loss.value([s.x]))
            tangent = Line(axes.c2p(s.x - d, fx - s.slope * d), axes.c2p(s.x + d, fx + s.slope * d),
                           color=THEME.GRAD, stroke_width=4)
            slope_line = math_text(rf"f'({fmt(s.x)}) = {fmt(s.slope)}", color=THEME.GRAD)
            sub = math_text(rf"x \leftarrow {fmt(s.x)} - {fmt(lr)} \times {fmt(s.slope)}")
            res = math_text(rf"= {fmt(s.x_new)}", color=THEME.REGIME["slow"])
            work = VGroup(slope_line, sub, res).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
            work.next_to(eta, DOWN, buff=0.45, aligned_edge=LEFT)
            if first:
                self.caption.say(self, f"At x = {fmt(s.x)} the slope is f′(x) = {fmt(s.slope)}: the tangent line.")  # noqa: RUF001 (shown on screen)
            self.play(Create(tangent), FadeIn(slope_line), run_time=1.0 if first else 0.6)
            if first:
                self.caption.say(self, f"The step: x ← {fmt(s.x)} − {fmt(lr)} × {fmt(s.slope)} = {fmt(s.x_new)}.")  # noqa: RUF001 (shown on screen)
            self.play(FadeIn(sub), run_time=0.8 if first else 0.4)
            y_ball = fx
            arrow = Arrow(axes.c2p(s.x, y_ball), axes.c2p(s.x_new, y_ball), buff=0, color=THEME.GRAD,
                          stroke_width=3, tip_length=0.16, max_tip_length_to_length_ratio=0.4)
            self.play(FadeIn(res), Create(arrow), run_time=0.8 if first else 0.4)
            self.play(x.animate.set_value(s.x_new), run_time=1.2 if first else 0.7, rate_func=smooth)
            if first:
                self.wait(1.0)
                mark_figure(self, "slope-steps")
                self.wait(1.0)
            elif k == 1:
                prev, now = abs(steps[0].x_new - steps[0].x), abs(s.x_new - s.x)
                how = "shrinks" if now < prev else "grows" if now > prev else "stays the same"
                self.caption.say(self, f"Each step the slope is measured again, and the step {how} with it.")
            self.play(FadeOut(VGroup(tangent, arrow, work)), run_time=0.4)
        self.wait(0.5)
        self.unsay()
        self.remove(ball)
        self.play(FadeOut(VGroup(axes, curve, rule, curv, eta)))

    # ------------------------------------------------------------ beat 2: four rates on the curve
    def zoomed_range(self, run: Trajectory, lo: float, hi: float) -> tuple[float, float]:
        """An x range that holds the run's steps while they are within ZOOM_MAX times the box."""
        c, half = (lo + hi) / 2, (hi - lo) / 2
        xs = run.points[:, 0]
        inside = xs[np.abs(xs - c) <= ZOOM_MAX * half]
        ext = max(half, float(np.max(np.abs(inside - c)))) * 1.05
        return c - ext, c + ext

    def curve_panels(self) -> None:
        loss = functions.get(self.p["curve"])
        x0 = [self.p["x0"]]
        r = self.regimes(loss, x0)
        c = curvatures(loss, x0)
        steps = self.p["steps_1d"]
        runs = self.runs_for(loss, x0, r, steps)
        names = outcome_names(runs, loss.minima[0].point if loss.minima else x0, c.eigenvectors)
        self.curve_names = names
        self.set_title("Four learning rates on the same curve")
        thresholds = label_text(f"L = {fmt(r.L)} (the curvature)   1/L = {fmt(r.monotone_limit)}   "
                                f"2/L = {fmt(r.stable_limit)}", size=TYPE.TICK, color=THEME.muted)
        thresholds.next_to(self.title, DOWN, buff=0.15)
        self.play(FadeIn(thresholds))
        (lo, hi), = loss.domain
        lo, hi = min(lo, x0[0]), max(hi, x0[0])
        step = ValueTracker(0.0)
        panels = VGroup()
        boxes = []
        zoomed = []
        for name in REGIMES:
            a, b = self.zoomed_range(runs[name], lo, hi)
            zoomed.append(b - a > (hi - lo) * 1.2)
            xs = np.linspace(a, b, 200)
            ys = loss.value(xs[:, None])
            y_lo, y_hi = float(ys.min()), float(ys.max())
            pad = 0.08 * (y_hi - y_lo)
            axes = PlotAxes(nice_range(a, b, 2), nice_range(y_lo - pad, y_hi + pad, 3), x_length=2.3, y_length=3.3,
                            x_title="x (zoomed out)" if zoomed[-1] else "x", y_title="loss f(x)")
            curve = polyline(axes, np.stack([xs, ys], -1), THEME.LOSS, 2.5)
            header = self.panel_header(name, names[name], r).next_to(axes, UP, buff=0.15)
            panels.add(VGroup(header, axes, curve))
            boxes.append(((a, y_lo - pad), (b, y_hi + pad)))
        panels.arrange(RIGHT, buff=0.3, aligned_edge=DOWN)
        self.center_below(panels, thresholds)
        self.play(FadeIn(panels), run_time=1.0)
        tracers = self.add_runs(panels, loss, runs, r, step, boxes)
        self.caption.say(self, f"The same start, {steps} steps each; the arrow is the next step.")
        self.play(step.animate.set_value(steps), run_time=steps * 0.9, rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "curve-regimes")
        said = ", ".join(f"{over_L(self.factors[n])} is {names[n]}" for n in REGIMES)
        self.caption.say(self, f"Named by what they did: {said}.")
        for name, z in zip(REGIMES, zoomed, strict=True):
            if not z:
                continue
            off = np.abs(runs[name].points[:, 0] - (loss.minima[0].point[0] if loss.minima else x0[0]))
            if names[name] == "diverging" and np.all(np.diff(off) > 0):
                self.caption.say(self, f"The zoomed-out panel shows why {over_L(self.factors[name])} diverges: "
                                       "each step lands further out than the last.")
            break
        self.wait(1.5)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(VGroup(panels, *tracers, thresholds)))

    def add_runs(self, panels, loss, runs, r, step, boxes):
        """One real run per rate, traced on its panel's axes with its step arrow."""
        group = []
        for name, panel, (lo, hi) in zip(REGIMES, panels, boxes, strict=True):
            axes = panel[1]
            run = runs[name]
            xy = np.stack([run.points[:, 0], run.losses], -1)
            tracer = PathTracer(axes, xy, THEME.REGIME[name], step, lo, hi)
            tracer.trail.set_stroke(opacity=0.5, width=2)
            arrow = self.step_arrow(axes, run, r[name], loss, step, tracer)
            self.add(tracer, arrow)
            group += [tracer, arrow]
        return group

    def step_arrow(self, axes: Axes, run: Trajectory, lr: float, loss, step: ValueTracker, tracer: PathTracer):
        """The next step -lr * f'(x), drawn from the ball along x, at the last step point reached."""
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

    # ------------------------------------------------------------ beat 3: the same rates on a bowl
    def bowl_loss(self):
        loss = functions.get(self.p["bowl"]) if self.p["bowl"] != "quadratic" else functions.get(
            "quadratic", a=self.p["bowl_curvatures"][0], b=self.p["bowl_curvatures"][1])
        if loss.dim != 2:
            raise ValueError(f"learning_rate.bowl must be a 2-D loss, got {self.p['bowl']!r}")
        return loss

    def bowl_panels(self) -> None:
        loss = self.bowl_loss()
        x0 = self.p["bowl_start"]
        r = self.regimes(loss, x0)
        c = curvatures(loss, x0)
        self.bowl_c, self.bowl_r = c, r
        steps = self.p["steps_2d"]
        runs = self.runs_for(loss, x0, r, steps)
        centre = loss.minima[0].point if loss.minima else np.asarray(x0, float)
        names = outcome_names(runs, centre, c.eigenvectors)
        self.bowl_runs, self.bowl_names, self.bowl_centre = runs, names, centre
        self.set_title(f"The same four on {loss.description}")
        thresholds = label_text(f"steepest curvature L = {fmt(c.L)}, shallowest μ = {fmt(c.mu)}", size=TYPE.TICK,
                                color=THEME.muted)
        thresholds.next_to(self.title, DOWN, buff=0.15)
        self.play(FadeIn(thresholds))
        (x_lo, x_hi), (y_lo, y_hi) = loss.domain
        step = ValueTracker(0.0)
        panels = VGroup()
        boxes, zoomed = [], []
        for name in REGIMES:
            z = self.bowl_zoom(runs[name], loss.domain)
            zoomed.append(z > 1.2)
            cx, cy, hx, hy = (x_lo + x_hi) / 2, (y_lo + y_hi) / 2, z * (x_hi - x_lo) / 2, z * (y_hi - y_lo) / 2
            box = ((cx - hx, cy - hy), (cx + hx, cy + hy))
            boxes.append(box)
            axes = PlotAxes([box[0][0], box[1][0], hx], [box[0][1], box[1][1], hy], x_length=2.4,
                            y_length=2.4 * (y_hi - y_lo) / (x_hi - x_lo),
                            x_title="x (zoomed out)" if zoomed[-1] else "x", y_title="y")
            header = self.panel_header(name, names[name], r).next_to(axes, UP, buff=0.12)
            panels.add(VGroup(header, axes))
        panels.arrange(RIGHT, buff=0.3, aligned_edge=DOWN)
        self.center_below(panels, thresholds)
        tracers = []
        for name, panel, (lo, hi) in zip(REGIMES, panels, boxes, strict=True):
            axes = panel[1]
            X, Y = np.meshgrid(np.linspace(lo[0], hi[0], 121), np.linspace(lo[1], hi[1], 121))
            Z = loss.value(np.stack([X, Y], -1))
            panel.add(ContourMap(axes, X, Y, Z, contour_levels(Z, 10), stroke_width=1.5, opacity=0.8))
            tracers.append(PathTracer(axes, runs[name].points, THEME.REGIME[name], step, lo, hi,
                                      dot_radius=0.06, stroke_width=2.5))
        self.play(FadeIn(panels), run_time=1.0)
        self.add(*tracers)
        self.caption.say(self, f"L = {fmt(c.L)} now comes from the steep direction; the shallow one has "
                               f"μ = {fmt(c.mu)}.")
        self.play(step.animate.set_value(steps), run_time=min(12.0, steps * 0.25), rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "bowl-regimes")
        changed = [n for n in REGIMES if names[n] != self.curve_names[n]]
        if changed:
            said = "; ".join(f"{over_L(self.factors[n])} was {self.curve_names[n]} on the curve, here it is "
                             f"{names[n]}" for n in changed)
            self.caption.say(self, said + ".")
        else:
            self.caption.say(self, "Each rate does here what it did on the curve.")
        if any(zoomed):
            self.caption.say(self, "The zoomed-out panel shows its run growing, step by step, before it leaves.")
        self.wait(1.5)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(VGroup(panels, *tracers, thresholds)))

    @staticmethod
    def bowl_zoom(run: Trajectory, domain) -> float:
        """How far to zoom out (at least 1) so the run's steps within ZOOM_MAX times the box stay on the panel."""
        c = np.array([(lo + hi) / 2 for lo, hi in domain])
        half = np.array([(hi - lo) / 2 for lo, hi in domain])
        rel = np.max(np.abs(run.points - c) / half, axis=1)
        inside = rel[rel <= ZOOM_MAX]
        return float(np.ceil(max(1.0, inside.max() * 1.05))) if len(inside) else 1.0

    # ------------------------------------------------------------ beat 4: why -- the pace of each direction
    def bowl_lesson(self) -> None:
        c: Curvatures = self.bowl_c
        r = self.bowl_r
        self.set_title("Why: the slowest direction sets the pace")
        best = c.best_rate
        f_max = max(max(self.factors.values()), best * c.L) * 1.1
        etas = np.linspace(0.0, f_max / c.L, 400)
        shallow = np.abs(1.0 - etas * c.mu)
        steep = np.abs(1.0 - etas * c.L)
        pace = np.maximum(shallow, steep)
        y_top = 1.6
        top, bottom = self.band()
        axes = PlotAxes(nice_range(0.0, etas[-1], 4), [0.0, y_top, 0.4], x_length=7.4, y_length=top - bottom - 1.3,
                        x_title="learning rate η", y_title="shrink per step |1 − η·curvature|")  # noqa: RUF001 (shown on screen)
        axes.move_to([-2.2, (top + bottom) / 2 - 0.1, 0])
        keep = pace <= y_top
        one = DashedLine(axes.c2p(0, 1), axes.c2p(etas[-1], 1), color=THEME.muted, stroke_width=2)
        shallow_line = polyline(axes, np.stack([etas, shallow], -1)[shallow <= y_top], THEME.REGIME["slow"], 3)
        steep_mask = steep <= y_top
        steep_line = polyline(axes, np.stack([etas, steep], -1)[steep_mask], THEME.REGIME["diverging"], 3)
        pace_line = polyline(axes, np.stack([etas, pace], -1)[keep], THEME.text, 6).set_stroke(opacity=0.35)
        i_s = int(np.nonzero(shallow <= y_top)[0][-1])
        i_t = int(np.nonzero(steep_mask)[0][-1])
        labels = EndLabels([(f"shallow, μ = {fmt(c.mu)}", THEME.REGIME["slow"], axes.c2p(etas[i_s], shallow[i_s])),
                            (f"steep, L = {fmt(c.L)}", THEME.REGIME["diverging"], axes.c2p(etas[i_t], steep[i_t]))])
        grow = label_text("above 1: it grows", size=TYPE.TICK, color=THEME.muted)
        grow.next_to(axes.c2p(0, 1), UP + RIGHT, buff=0.08)
        self.play(Create(axes), run_time=1.0)
        self.caption.say(self, "One step multiplies the distance along each direction by 1 − η × its curvature.")  # noqa: RUF001 (shown on screen)
        self.play(Create(shallow_line), Create(steep_line), FadeIn(labels), run_time=1.5)
        self.play(Create(one), FadeIn(grow))
        self.caption.say(self, "The slower of the two sets the pace; the best fixed rate is where they cross.")
        self.play(Create(pace_line), run_time=1.0)
        p_best = c.pace(best)
        dot = Dot(axes.c2p(best, p_best), radius=0.1, color=THEME.text)
        best_tex = math_text(r"\eta^* = \frac{2}{L+\mu}", rf"= {fmt(best, 3)}")
        best_sub = label_text(f"both shrink by {fmt(p_best, 3)} a step", size=TYPE.TICK)
        side = VGroup(best_tex, best_sub).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        side.next_to(axes, RIGHT, buff=0.5).align_to(axes, UP).shift(DOWN * 0.4)
        self.play(FadeIn(dot, scale=0.5), FadeIn(side))
        steep_factor = float(c.factors(best)[-1])
        flips = " It flips the steep direction every step: a zig-zag." if steep_factor < 0 else ""
        self.caption.say(self, f"2/(L + μ) = {fmt(best, 3)}: both directions shrink by {fmt(p_best, 3)} a step."
                               + flips)
        rate_dots = VGroup()
        rate_rows = VGroup()
        for n in REGIMES:
            eta = r[n]
            pv = c.pace(eta)
            if pv <= y_top:
                rate_dots.add(Dot(axes.c2p(eta, pv), radius=0.07, color=THEME.REGIME[n]))
            word = "grows" if pv > 1 else f"{fmt(pv, 3)}"
            rate_rows.add(label_text(f"{over_L(self.factors[n])}: {word} ({self.bowl_names[n]})", size=TYPE.TICK,
                                     color=THEME.REGIME[n]))
        rate_rows.arrange(DOWN, aligned_edge=LEFT, buff=0.1).next_to(side, DOWN, buff=0.4, aligned_edge=LEFT)
        self.play(FadeIn(rate_dots), FadeIn(rate_rows))
        n_good = [n for n in REGIMES if abs(r[n] - 1.0 / c.L) < 1e-12]
        if n_good:
            pv = c.pace(r[n_good[0]])
            self.caption.say(self, f"At 1/L the steep direction lands at once, but the shallow one keeps "
                                   f"{fmt(pv, 3)} of its distance each step.")
        self.wait(1.0)
        mark_figure(self, "bowl-lesson")
        self.wait(1.5)
        self.unsay()
        self.play(FadeOut(VGroup(axes, one, grow, shallow_line, steep_line, pace_line, labels, dot, side, rate_dots,
                                 rate_rows)))

    @staticmethod
    def lift_above(labels: VGroup, floor: float, gap: float = 0.06) -> None:
        """Push end labels up, lowest first, so none sits below ``floor`` (the step axis and its numbers)."""
        below = floor
        for m in sorted(labels, key=lambda m: m.get_y()):
            if m.get_bottom()[1] < below:
                m.shift((below - m.get_bottom()[1]) * UP)
            below = m.get_top()[1] + gap

    # ------------------------------------------------------------ beat 5: the losses
    def loss_curves(self) -> None:
        self.set_title("Their losses, on a log scale")
        runs = dict(self.bowl_runs)
        loss = self.bowl_loss()
        steps = self.p["steps_2d"]
        c = self.bowl_c
        best_run = descend(loss, self.p["bowl_start"], SGD(lr=c.best_rate), steps)
        floor = 1e-12
        colors = {n: THEME.REGIME[n] for n in REGIMES}
        colors["best"] = THEME.text
        runs["best"] = best_run
        logs = {n: np.log10(np.maximum(t.losses, floor)) for n, t in runs.items()}
        finite = np.concatenate([v for n, v in logs.items() if runs[n].status != "diverged"]
                                + [logs["diverging"][:1]])
        y_lo = float(np.floor(finite.min() - 0.3))   # line ends (and their names) clear of the step axis
        y_hi = float(np.ceil(max(finite.max(), logs["slow"][0]) + 1))
        k_step = max(1, int(np.ceil((y_hi - y_lo) / 6)))
        axes = PlotAxes(nice_range(0, steps, 5), [y_lo, y_hi, k_step], x_length=8.6, y_length=4.4,
                        x_title="step", y_title="loss (log scale)", y_log=True, y_title_color=THEME.LOSS)
        axes.move_to([-1.3, (self.titles.bottom() + self.caption.top()) / 2, 0])
        step = ValueTracker(0.0)
        tracers = {}
        for name, run in runs.items():
            xy = np.stack([np.arange(len(run.losses)), np.maximum(run.losses, 10.0 ** y_lo)], -1)
            tracers[name] = PathTracer(axes, xy, colors[name], step, (0, 10.0 ** y_lo), (steps, 10.0 ** y_hi),
                                       dot_radius=0.05, stroke_width=4 if name == "best" else 3,
                                       diverged_label=False)
        rate_name = {n: over_L(self.factors[n]) for n in REGIMES}
        rate_name["best"] = "2/(L+μ)"
        ends = [(f"{rate_name[n]} (left the chart)" if t.left else rate_name[n], colors[n],
                 t.position(t.exit_step)) for n, t in tracers.items()]
        labels = EndLabels(ends)
        self.lift_above(labels, axes.x_axis.get_y() + 0.08)
        self.play(Create(axes))
        self.add(*tracers.values())
        self.caption.say(self, f"The loss of each run over {steps} steps, and of the best fixed rate 2/(L+μ).")
        self.play(step.animate.set_value(steps), run_time=6, rate_func=linear)
        self.play(FadeIn(labels))
        mark_figure(self, "loss-curves")
        alive = sorted((float(t.losses[-1]), n) for n, t in runs.items()
                       if t.status != "diverged" and t.losses[-1] < t.losses[0])
        said = ", ".join(f"{rate_name[n]} {fmt(v, 2)}" for v, n in alive)
        self.caption.say(self, f"Loss after {steps} steps, lowest first: {said}.")
        beaten = [n for v, n in alive if v < float(best_run.losses[-1]) and n != "best"]
        if beaten:
            n = beaten[0]
            self.caption.say(self, f"{rate_name[n]} ends lower from this start; 2/(L+μ) wins the worst case "
                                   f"(pace {fmt(c.pace(c.best_rate), 3)} vs {fmt(c.pace(self.bowl_r[n]), 3)}).")
        self.wait(2.5)
