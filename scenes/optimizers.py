"""The optimizer race: SGD, momentum, RMSprop and Adam on Rosenbrock's valley, Beale and a saddle.

The blog (seed 001) introduces SGD with momentum, RMSprop and Adam.  Each is
shown with its update rule, then all four race from one start on contour maps
of the classic hard cases, with their loss curves beside the map.  At one
point of the momentum run the step is taken apart into the gradient and the
velocity, and the stability bound that momentum widens is checked with the
numbers of the case on screen.  Every path is a :func:`gdcore.trajectory.descend`
run with the hyperparameters printed in the legend.
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
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    ValueTracker,
    VGroup,
    Write,
    config,
    linear,
)
from scipy.linalg import eigvalsh

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.optim import SGD, Adam, Optimizer, RMSprop
from gdcore.trajectory import Trajectory, descend, stability_bound
from scenes.kit import (
    THEME,
    ContourMap,
    LiveText,
    PathTracer,
    StoryScene,
    decimals_for,
    fit_in,
    fmt,
    mark_figure,
    nice_range,
    xy_to_scene,
)

ORDER = ("SGD", "Momentum", "RMSprop", "Adam")

RULES = {
    "SGD": (r"\theta \leftarrow \theta - \eta\, g", "plain steps against the gradient g"),
    "Momentum": (r"v \leftarrow \beta v + g,\quad \theta \leftarrow \theta - \eta\, v",
                 "momentum accumulates a velocity v from past gradients"),
    "RMSprop": (r"s \leftarrow \alpha s + (1-\alpha) g^2,\quad \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{s}+\epsilon}",
                "RMSprop divides by a running RMS of the gradient"),
    "Adam": (r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ \ s \leftarrow \beta_2 s + (1-\beta_2) g^2,\ \ "
             r"\theta \leftarrow \theta - \eta\,\frac{m/(1-\beta_1^t)}{\sqrt{s/(1-\beta_2^t)}+\epsilon}",
             "Adam does both, with bias correction for the early steps"),
}


def hp_text(opt: Optimizer) -> str:
    """The hyperparameters actually used, short: ``lr=0.001 β=0.9``."""
    hp = opt.hyperparams
    parts = [f"lr={fmt(hp['lr'], 3)}"]
    if "momentum" in hp:
        parts.append(f"β={fmt(hp['momentum'])}")
    if "alpha" in hp:
        parts.append(f"α={fmt(hp['alpha'])}")
    if "betas" in hp:
        parts.append(f"β=({fmt(hp['betas'][0])}, {fmt(hp['betas'][1])})")
    return " ".join(parts)


class Optimizers(StoryScene):
    """Update rules, then the race on three contour maps, then momentum taken apart."""

    params_key = "optimizers"

    def construct(self) -> None:
        self.check_params()
        self.show_rules()
        for i, case in enumerate(self.p["cases"]):
            self.race(i, case)
            if i == 0:
                self.momentum_anatomy()
            if i < len(self.p["cases"]) - 1:
                self.clear_race()

    def check_params(self) -> None:
        n = len(self.p["cases"])
        for key in ("starts", "steps", "lr_sgd", "lr_momentum", "lr_rmsprop", "lr_adam"):
            if len(self.p[key]) != n:
                raise ValueError(f"optimizers.{key} needs one entry per case ({n} cases), got {len(self.p[key])}")

    def optimizers(self, i: int) -> dict[str, Optimizer]:
        p = self.p
        return {
            "SGD": SGD(lr=p["lr_sgd"][i]),
            "Momentum": SGD(lr=p["lr_momentum"][i], momentum=p["momentum"]),
            "RMSprop": RMSprop(lr=p["lr_rmsprop"][i]),
            "Adam": Adam(lr=p["lr_adam"][i]),
        }

    # ------------------------------------------------------------ storyboard
    def show_rules(self) -> None:
        self.set_title("Four ways to take a step")
        rows = VGroup()
        for name in ORDER:
            tex, _ = RULES[name]
            label = Text(name, font=THEME.font, font_size=THEME.label_size, color=THEME.OPTIMIZER[name],
                         weight="BOLD")
            rule = MathTex(tex, font_size=30, color=THEME.text)
            rows.add(VGroup(label, rule))
        width = max(r[0].width for r in rows)
        for row in rows:
            row[1].next_to(row[0], RIGHT, buff=0.4 + width - row[0].width)
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        fit_in(rows, config.frame_width - 1.0, 5.2).move_to(0.2 * UP)
        for name, row in zip(ORDER, rows):
            self.caption.say(self, RULES[name][1] + ".", 2.6)
            self.play(FadeIn(row[0]), Write(row[1]), run_time=1.2)
            self.wait(1.0)
        mark_figure(self, "update-rules")
        self.wait(1)
        self.play(FadeOut(rows))

    def race(self, i: int, case: str) -> None:
        loss = functions.get(case)
        start = self.p["starts"][i]
        steps = self.p["steps"][i]
        opts = self.optimizers(i)
        runs = {name: descend(loss, start, opt, steps) for name, opt in opts.items()}
        self.case_loss, self.case_runs, self.case_opts, self.case_index = loss, runs, opts, i
        self.set_title(f"The race on {loss.description}")
        (x_lo, x_hi), (y_lo, y_hi) = self.window(loss, runs)
        side = 5.6
        ratio = (y_hi - y_lo) / (x_hi - x_lo)
        axes = Axes(x_range=[x_lo, x_hi, (x_hi - x_lo) / 4], y_range=[y_lo, y_hi, (y_hi - y_lo) / 4],
                    x_length=side / max(ratio, 1), y_length=side * min(ratio, 1) if ratio < 1 else side,
                    tips=False, axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False})
        axes.to_edge(LEFT, buff=0.5).shift(0.3 * DOWN)
        X, Y, Z = functions.grid(loss, n=161, domain=((x_lo, x_hi), (y_lo, y_hi)))
        f_star = min((m.value for m in loss.minima), default=None)
        levels = contour_levels(Z, 14, log=True, z_min=f_star if f_star is not None else float(np.nanmin(Z)))
        contours = ContourMap(axes, X, Y, Z, levels, stroke_width=1.5, opacity=0.75)
        marks = VGroup(*[MathTex(r"\star", color=THEME.LOSS, font_size=36).move_to(axes.c2p(*m.point))
                         for m in loss.global_minima])
        step = ValueTracker(0.0)
        label = "escaped" if not loss.minima else "diverged"
        tracers = {name: PathTracer(axes, runs[name].points, THEME.OPTIMIZER[name], step, (x_lo, y_lo),
                                    (x_hi, y_hi), dot_radius=0.07, stroke_width=2.5, label_text=label)
                   for name in ORDER}
        # Labels of runs that leave the map would pile up at one border: stack them.
        for k, name in enumerate(n for n in ORDER if tracers[n].label is not None):
            tracers[name].label.shift(0.3 * k * DOWN)
        counter = LiveText(f"step 0/{steps}", color=THEME.muted, font_size=THEME.small_size)
        counter.next_to(axes, UP, buff=0.1).align_to(axes, LEFT)
        curves, curve_tracers = self.loss_panel(loss, runs, steps, step, f_star, axes)
        legend = VGroup(*[
            VGroup(Text(name, font=THEME.font, font_size=THEME.small_size, color=THEME.OPTIMIZER[name], weight="BOLD"),
                   Text(hp_text(opts[name]), font=THEME.mono, font_size=16, color=THEME.text)).arrange(RIGHT, buff=0.15)
            for name in ORDER]).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        legend.next_to(curves, DOWN, buff=0.3).align_to(curves, LEFT)
        self.play(Create(axes), FadeIn(contours), FadeIn(marks), FadeIn(curves), FadeIn(legend), FadeIn(counter))
        start_dot = MathTex(r"\bullet", color=THEME.text).move_to(axes.c2p(*start))
        self.add(start_dot, *tracers.values(), *curve_tracers)
        counter.add_updater(lambda m: m.set_text(f"step {int(step.get_value())}/{steps}"))
        self.caption.say(self, f"All four start at ({fmt(start[0])}, {fmt(start[1])}); {steps} steps each.", 3)
        self.play(step.animate.set_value(steps), run_time=self.p["race_seconds"], rate_func=linear)
        counter.clear_updaters()
        self.wait(0.5)
        mark_figure(self, f"race-{case}")
        self.caption.say(self, self.race_words(loss, runs), 4)
        self.wait(2.5)
        self.race_mobjects = VGroup(axes, contours, marks, curves, legend, counter, start_dot, *tracers.values(),
                                    *curve_tracers)
        self.race_axes, self.race_step, self.race_counter = axes, step, counter

    @staticmethod
    def window(loss, runs: dict[str, Trajectory], pad: float = 0.25) -> tuple[tuple[float, float], ...]:
        """The part of the domain the runs use: their bounding box and the minima, padded, inside the domain."""
        pts = [t.points for t in runs.values()] + [m.point[None, :] for m in loss.global_minima]
        allp = np.vstack(pts)
        out = []
        for k, (lo, hi) in enumerate(loss.domain):
            v = np.clip(allp[:, k], lo, hi)
            a, b = float(v.min()), float(v.max())
            span = max(b - a, 0.2 * (hi - lo))
            out.append((max(lo, a - pad * span), min(hi, b + pad * span)))
        return tuple(out)

    def loss_panel(self, loss, runs: dict[str, Trajectory], steps: int, step: ValueTracker, f_star, map_axes):
        """Loss curves beside the map: log10(loss - f*) when the minimum value f* is known, else linear."""
        if f_star is not None:
            ys = {n: np.log10(np.maximum(t.losses - f_star, 1e-12)) for n, t in runs.items()}
            name = "log10(loss − min)"
        else:
            ys = {n: t.losses for n, t in runs.items()}
            name = "loss"
        allv = np.concatenate([v for v in ys.values()])
        lo, hi, y_step = nice_range(float(allv.min()), float(allv.max()))
        axes = Axes(x_range=[0, steps, max(1, steps // 4)], y_range=[lo, hi, y_step],
                    x_length=5.4, y_length=3.0, tips=False,
                    axis_config={"stroke_color": THEME.muted, "font_size": 18},
                    x_axis_config={"include_numbers": True},
                    y_axis_config={"include_numbers": True,
                                   "decimal_number_config": {"num_decimal_places": decimals_for(y_step)}})
        axes.next_to(map_axes, RIGHT, buff=1.0).align_to(map_axes, UP).shift(0.2 * DOWN)
        label = Text(name, font=THEME.font, font_size=THEME.small_size, color=THEME.LOSS).next_to(axes, UP, buff=0.1)
        tracers = [PathTracer(axes, np.stack([np.arange(len(ys[n])), ys[n]], -1), THEME.OPTIMIZER[n], step,
                              (0, lo), (steps, hi), dot_radius=0.04, stroke_width=2.5, diverged_label=False)
                   for n in ORDER]
        return VGroup(axes, label), tracers

    @staticmethod
    def race_words(loss, runs: dict[str, Trajectory]) -> str:
        if not loss.minima:
            moved = {n: float(abs(t.final[1])) for n, t in runs.items()}
            stuck = [n for n in ORDER if moved[n] < 0.1]
            free = [n for n in ORDER if moved[n] >= 0.1]
            return (f"Stalled at the saddle: {', '.join(stuck) or 'none'}; escaped downhill: "
                    f"{', '.join(free) or 'none'}.")
        best = min(ORDER, key=lambda n: runs[n].losses[-1])
        finals = ", ".join(f"{n} {fmt(runs[n].losses[-1], 2)}" for n in ORDER)
        return f"Final loss: {finals}; closest: {best}."

    def momentum_anatomy(self) -> None:
        """At one step of the momentum run: velocity arrow + gradient arrow = the step."""
        run = self.case_runs["Momentum"]
        opt = self.case_opts["Momentum"]
        lr, beta = opt.lr, opt.momentum
        if run.velocities is None or len(run.velocities) < 3:
            return
        axes = self.race_axes
        k = self.anatomy_step(run, lr, beta, axes)
        x_k = run.points[k]
        push = -lr * beta * run.velocities[k - 1]      # carried over from earlier steps
        pull = -lr * run.grads[k]                      # this step's gradient
        total = run.points[k + 1] - x_k                # = push + pull
        base = xy_to_scene(axes, x_k)
        scale_to = 1.6  # the longest of the three arrows, in scene units
        unit = max(np.linalg.norm(xy_to_scene(axes, x_k + v) - base) for v in (push, pull, total))
        factor = scale_to / max(unit, 1e-9)
        # Shrink until every arrow tip stays inside the map.
        lo_c, hi_c = axes.get_corner(DOWN + LEFT), axes.get_corner(UP + RIGHT)
        for _ in range(30):
            tips = [base + (xy_to_scene(axes, x_k + v) - base) * factor for v in (push, push + pull, total)]
            if all(np.all(t[:2] >= lo_c[:2]) and np.all(t[:2] <= hi_c[:2]) for t in tips):
                break
            factor *= 0.8
        def arrow(vec, start, color):
            end = xy_to_scene(axes, x_k + vec) - base
            return Arrow(start, start + end * factor, buff=0, color=color, stroke_width=5, tip_length=0.18,
                         max_tip_length_to_length_ratio=0.25)
        a_push = arrow(push, base, THEME.OPTIMIZER["Momentum"])
        a_pull = arrow(pull, a_push.get_end(), THEME.GRAD)
        a_total = arrow(total, base, THEME.text)
        centroid = (a_push.get_start() + a_push.get_end() + a_total.get_end()) / 3
        labels = VGroup(*[self.arrow_label(a, tex, color, centroid) for a, tex, color in (
            (a_push, r"-\eta\beta v", THEME.OPTIMIZER["Momentum"]), (a_pull, r"-\eta g", THEME.GRAD),
            (a_total, r"\text{step}", THEME.text))])
        self.race_step.set_value(k)
        self.race_counter.set_opacity(0.0)   # the note below the map names the step
        note = Text(f"Momentum at step {k} (arrows ×{fmt(factor, 2)})", font=THEME.font, font_size=18,
                    color=THEME.muted)
        note.next_to(axes, DOWN, buff=0.1).align_to(axes, LEFT)
        self.caption.say(self, "Orange: the velocity carried over, −ηβv.  Red: this step's gradient, −ηg.", 3.5)
        self.play(Create(a_push), FadeIn(labels[0]), FadeIn(note))
        self.play(Create(a_pull), FadeIn(labels[1]))
        self.caption.say(self, "Their sum is the step momentum actually takes.", 2.5)
        self.play(Create(a_total), FadeIn(labels[2]))
        self.wait(1.5)
        mark_figure(self, "momentum-anatomy")
        # The stability bound, with this case's curvature at its minimum.
        loss = self.case_loss
        if loss.global_minima:
            L = float(eigvalsh(loss.hessian(loss.global_minima[0].point)).max())
            sgd_lr = self.case_opts["SGD"].lr
            b_sgd, b_mom = stability_bound(L), stability_bound(L, beta)
            tex = MathTex(
                rf"L = {fmt(L, 4)}:\quad \text{{SGD}}\ \eta L = {fmt(sgd_lr * L, 3)} < 2,\qquad "
                rf"\text{{Momentum}}\ \eta L = {fmt(lr * L, 3)} < 2 + 2\beta = {fmt(2 + 2 * beta, 3)}",
                font_size=30, color=THEME.text)
            fit_in(tex, config.frame_width - 0.8, 1.0).next_to(self.caption.make("x"), UP, buff=0.2)
            self.play(FadeOut(VGroup(a_push, a_pull, a_total, labels, note)), Write(tex))
            self.caption.say(self, f"Near the minimum (L = {fmt(L, 4)}) momentum is stable up to lr = "
                                   f"{fmt(b_mom, 2)}, plain SGD only to {fmt(b_sgd, 2)}.", 4.5)
            self.wait(3.5)
            mark_figure(self, "stability-bound")
            self.play(FadeOut(tex))
        else:
            self.play(FadeOut(VGroup(a_push, a_pull, a_total, labels, note)))
        self.race_step.set_value(self.p["steps"][self.case_index])
        self.race_counter.set_opacity(1.0)

    @staticmethod
    def anatomy_step(run: Trajectory, lr: float, beta: float, axes: Axes) -> int:
        """The step of the momentum run where the velocity and the gradient parts both show best.

        Scores each step by the shorter of its two parts (``-lr*beta*v`` carried over and ``-lr*g``
        new), in scene units, times the squared sine of the angle between them: both arrows long
        enough to see and far from parallel, so the sum is a visible triangle, not three arrows on
        one line.
        """
        o = xy_to_scene(axes, np.zeros(2))
        ks = np.arange(1, len(run.points) - 1)
        push = xy_to_scene(axes, -lr * beta * run.velocities[ks - 1]) - o
        pull = xy_to_scene(axes, -lr * run.grads[ks]) - o
        lp, lg = np.linalg.norm(push, axis=1), np.linalg.norm(pull, axis=1)
        sin = np.abs(push[:, 0] * pull[:, 1] - push[:, 1] * pull[:, 0]) / np.maximum(lp * lg, 1e-300)
        score = np.minimum(lp, lg) * sin**2
        return int(ks[int(np.argmax(score))])

    @staticmethod
    def arrow_label(arrow: Arrow, tex: str, color: str, away_from: np.ndarray) -> MathTex:
        """A MathTex label beside the middle of ``arrow``, on the side away from ``away_from``."""
        d = arrow.get_end() - arrow.get_start()
        normal = np.array([-d[1], d[0], 0.0]) / max(float(np.linalg.norm(d)), 1e-9)
        if np.dot(normal, arrow.get_center() - away_from) < 0:
            normal = -normal
        label = MathTex(tex, font_size=28, color=color)
        return label.move_to(arrow.get_center() + normal * (0.2 + 0.5 * max(label.width, label.height)))

    def clear_race(self) -> None:
        self.play(FadeOut(self.race_mobjects), run_time=0.6)
