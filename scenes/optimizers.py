"""The optimizer race: SGD, momentum, RMSprop and Adam on Rosenbrock's valley, Beale and a saddle.

The blog (seed 001) introduces SGD with momentum, RMSprop and Adam.  Each is
shown with its update rule, then all four race from one start on contour maps
of the classic hard cases, with their loss curves beside the map.  At one
point of the momentum run the step is taken apart into the gradient and the
velocity, and the stability bound that momentum widens is checked with the
numbers of the case on screen.  Every path is a :func:`gdcore.trajectory.descend`
run with the hyperparameters printed under the loss chart.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Arrow,
    Axes,
    Circle,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    Line,
    MathTex,
    Rectangle,
    SurroundingRectangle,
    Transform,
    ValueTracker,
    VGroup,
    Write,
    config,
    linear,
)
from scipy.linalg import eigvalsh

from gdcore import functions
from gdcore.contour import contour_levels
from gdcore.explore import LrSearch, lr_grid_search, max_curvature, polish_critical, with_lr
from gdcore.optim import NAMES, Optimizer, make
from gdcore.trajectory import Trajectory, descend, stability_bound
from scenes.kit import (
    THEME,
    TYPE,
    ContourMap,
    EndLabels,
    LiveText,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    math_text,
    nice_range,
    tick_text,
    xy_to_scene,
)

ORDER = NAMES    # the race order, SGD first


def rel(a: float, b: float) -> str:
    """The TeX relation that holds between ``a`` and ``b``."""
    return "<" if a < b else (r"\geq" if a > b else "=")


# Each optimizer's update rule, one equation a line (each line split into parts), the part that
# makes it different (line, part), and the caption that says what that part does.
RULE_TEX = {
    "SGD": [[r"\theta \leftarrow \theta - ", r"\eta\, g"]],
    "Momentum": [[r"v \leftarrow ", r"\beta v", r" + g"], [r"\theta \leftarrow \theta - \eta\, v"]],
    "RMSprop": [[r"s \leftarrow \alpha s + (1-\alpha)\, g^2"],
                [r"\theta \leftarrow \theta - \eta\, ", r"\frac{g}{\sqrt{s}+\epsilon}"]],
    "Adam": [[r"m \leftarrow \beta_1 m + (1-\beta_1)\, g"], [r"s \leftarrow \beta_2 s + (1-\beta_2)\, g^2"],
             [r"\theta \leftarrow \theta - \eta\,", r"\frac{m/(1-\beta_1^t)}{\sqrt{s/(1-\beta_2^t)}+\epsilon}"]],
}
# The terms taken apart on the map: (line, part, role); a role's colour is what it draws (grad: the
# gradient arrow, velocity: momentum's velocity arrow, scale: the per-coordinate RMS scale).
RULE_FOCUS = {"SGD": [(0, 1, "grad")], "Momentum": [(0, 1, "velocity"), (0, 2, "grad")],
              "RMSprop": [(1, 1, "scale")], "Adam": [(2, 1, "scale")]}
RULE_WORDS = {
    "SGD": "SGD steps against the gradient g, scaled by the learning rate η.",
    "Momentum": "Momentum keeps a velocity v: the term βv carries the past steps into this one.",
    "RMSprop": "RMSprop divides each coordinate's gradient by its running size √s.",
    "Adam": "Adam divides momentum's average m by RMSprop's √s, corrected for the first steps.",
}

# What the highlighted term draws on the map, said while it is drawn.
TERM_WORDS = {
    "SGD": "Each step is the gradient arrow −ηg, from wherever the ball is.",  # noqa: RUF001 shown on screen
    "Momentum": "The velocity arrow −ηβv carries the last steps on; the gradient arrow −ηg adds at its tip.",  # noqa: RUF001 shown on screen
    "RMSprop": "The step is the gradient arrow with each coordinate divided by √s (under the rule).",
    "Adam": "Adam steps along the average m, each coordinate divided by √ŝ, like RMSprop.",
}


@dataclass(frozen=True)
class RuleStep:
    """One step of an optimizer, with the state its rule read: ``x`` to ``x_new`` along gradient ``g``;
    ``buf`` momentum's velocity after the step, ``scale`` the per-coordinate RMS scale it divided by."""

    x: np.ndarray
    g: np.ndarray
    x_new: np.ndarray
    buf: np.ndarray | None
    scale: np.ndarray | None


def rule_walk(loss, start, opt: Optimizer, steps: int) -> list[RuleStep]:
    """``steps`` steps of (a clone of) ``opt`` from ``start``, reading the optimizer's own state after each:
    the same points as :func:`gdcore.trajectory.descend` (tests/test_issue13_claims.py checks it)."""
    o = opt.clone()
    x = np.asarray(start, dtype=float)
    out = []
    for _ in range(steps):
        g = loss.grad(x)
        x_new = o.step(x, g)
        st = o.state[0]
        scale = None
        if "square_avg" in st:                                   # RMSprop: sqrt(s)
            scale = np.sqrt(st["square_avg"])
        elif "exp_avg_sq" in st:                                 # Adam: sqrt(s / (1 - beta2^t))
            scale = np.sqrt(st["exp_avg_sq"] / (1 - o.hyperparams["betas"][1] ** o.t))
        buf = st.get("buf")
        out.append(RuleStep(x, g, x_new, None if buf is None else np.array(buf), scale))
        x = x_new
    return out


Box = tuple[tuple[float, float], tuple[float, float]]


def exit_step(run: Trajectory, box: Box) -> int | None:
    """The first step whose point lies outside ``box`` ((x_lo, x_hi), (y_lo, y_hi)): where the run
    leaves the map; None if it stays on it."""
    (x0, x1), (y0, y1) = box
    p = run.points
    out = (p[:, 0] < x0) | (p[:, 0] > x1) | (p[:, 1] < y0) | (p[:, 1] > y1)
    return int(np.argmax(out)) if out.any() else None


def map_search(loss, start, opt: Optimizer, steps: int, grid, box: Box) -> LrSearch:
    """Each rate of ``grid``, judged on the map only: its score is the lowest loss the run reaches
    before it leaves ``box`` (its first ``steps`` steps if it stays; a run that diverges scores NaN
    and is out); the best rate has the lowest score (the smallest rate on a tie).  For a function
    without a minimum, where the lowest loss anywhere rewards whoever runs away fastest.
    ``statuses`` says ``"left"`` for a run that left the map."""
    g = np.sort(np.asarray(grid, dtype=float))
    finals, statuses = [], []
    for lr in g:
        t = descend(loss, start, with_lr(opt, float(lr)), steps)
        k = exit_step(t, box)
        statuses.append("diverged" if t.status == "diverged" else ("left" if k is not None else t.status))
        finals.append(np.nan if t.status == "diverged" else float(t.losses[:k].min()))
    f = np.array(finals)
    best = None if np.isnan(f).all() else int(np.nanargmin(f))
    return LrSearch(g, f, statuses, best)


def find_saddle(loss, runs: dict[str, Trajectory], box: Box):
    """The saddle the runs pass (a critical point whose Hessian has eigenvalues of both signs), found
    by Newton's method from each run's flattest point on the map; None if there is none."""
    span = max(hi - lo for lo, hi in box)
    for n in ORDER:
        t = runs[n]
        k_out = exit_step(t, box)
        gs = t.grads[:k_out]
        if len(gs) == 0:
            continue
        k = int(np.argmin(np.linalg.norm(gs, axis=1)))
        c = polish_critical(loss, t.points[k].tolist(), max_dist=0.1 * span)
        if c is not None and c.kind == "saddle":
            return c
    return None


def off_saddle_step(run: Trajectory, level: float, box: Box) -> int | None:
    """The first step at which ``run`` is below ``level`` while still on the map (None: never)."""
    k_out = exit_step(run, box)
    below = np.nonzero(run.losses[:k_out] < level)[0]
    return int(below[0]) if len(below) else None


def race_sentences(loss, runs: dict[str, Trajectory], steps: int, rule: str, box: Box | None = None) -> list[str]:
    """The race's verdict in sentences derived from the runs (see :meth:`Optimizers.race_words`).

    ``box`` is the map ((x_lo, x_hi), (y_lo, y_hi); the loss's domain by default): a run that left
    it or diverged never gets a verdict.  On a function with a minimum the verdict is the lowest
    loss after ``steps`` steps; without one (the loss falls without limit) it is who got off the
    saddle the runs pass, and how soon."""
    box = box if box is not None else (tuple(loss.domain[0]), tuple(loss.domain[1]))
    out = []
    diverged = [n for n in ORDER if runs[n].status == "diverged"]
    exits = {n: exit_step(runs[n], box) for n in ORDER if n not in diverged}
    left = {n: k for n, k in exits.items() if k is not None}
    on_map = [n for n in ORDER if n not in diverged and n not in left]
    span = max(hi - lo for lo, hi in box)
    saddles = {}
    for n in on_map:
        t = runs[n]
        # Stalled: the last step is tiny next to the first gradient, and Newton from the end reaches a saddle.
        g0 = float(np.linalg.norm(t.grads[0]))
        if float(np.linalg.norm(t.grads[-1])) > 0.05 * max(g0, 1e-12):
            continue
        c = polish_critical(loss, t.final.tolist(), max_dist=0.05 * span)
        if c is not None and c.kind == "saddle":
            saddles[n] = c
    if saddles:
        c = next(iter(saddles.values()))
        ev = ", ".join(fmt(e, 2) for e in c.eigenvalues)
        out.append(f"Stalled at the saddle ({fmt(c.point[0], 2)}, {fmt(c.point[1], 2)}), curvatures {ev}: "
                   f"{', '.join(saddles)}.")
    if diverged:
        out.append(f"Diverged: {', '.join(diverged)}.")
    if left:
        out.append("Left the map: " + ", ".join(f"{n} at step {k}" for n, k in left.items()) + ".")
    if not loss.minima:
        return out + escape_sentences(loss, runs, steps, rule, box)
    if rule != "given" and on_map:
        best = min(on_map, key=lambda n: runs[n].losses[-1])
        out.append(f"Lowest loss after {steps} steps, on the map: {best}, {fmt(runs[best].losses[-1], 3)}.")
    elif rule == "given":
        out.append(f"Losses after {steps} steps are at the curves' ends.")
    return out


# Why an optimizer gets off a saddle sooner than plain SGD (said only when it did).
ESCAPE_WHY = {"Momentum": "momentum keeps the speed it built up",
              "RMSprop": "RMSprop divides each coordinate by its size, so a small slope still gives a full step",
              "Adam": "Adam divides each coordinate by its size, so a small slope still gives a full step"}


def escape_sentences(loss, runs: dict[str, Trajectory], steps: int, rule: str, box: Box) -> list[str]:
    """For a function without a minimum: the saddle the runs pass, and by which step each run got off
    it, measured on the map: its loss below the saddle's by ``|lambda_min| R^2 / 2`` (what falling a
    quarter of the map, R, straight down the saddle's steepest way gives); then the lesson."""
    span = max(hi - lo for lo, hi in box)
    c = find_saddle(loss, runs, box)
    if c is None:
        return ["No minimum on this map and no saddle on the paths: no lowest loss to win."]
    drop = 0.5 * abs(float(min(c.eigenvalues))) * (0.25 * span) ** 2
    level = c.value - drop
    alive = [n for n in ORDER if runs[n].status != "diverged"]
    when = {n: off_saddle_step(runs[n], level, box) for n in alive}
    off = sorted((n for n in alive if when[n] is not None), key=lambda n: (when[n], ORDER.index(n)))
    out = [f"No minimum here, only the saddle at ({fmt(c.point[0], 2)}, {fmt(c.point[1], 2)}): "
           f"who gets off it, down to f < {fmt(level, 2)} on the map?"]
    if off:
        out.append("There by step: " + ", ".join(f"{n} {when[n]}" for n in off) + ".")
    never = [n for n in alive if when[n] is None]
    if never:
        out.append(f"Not off it on the map: {', '.join(never)}.")
    if rule == "given" or not off:
        return out
    first = off[0]
    k_first, k_sgd = when[first], when.get("SGD")
    assert k_first is not None
    if first != "SGD" and "SGD" in alive and (k_sgd is None or k_sgd > k_first):
        # Each its own sentence (each said alone, none longer than a caption screen).
        out += [f"Off first: {first}.", "Near a saddle the slope is small, and so are plain SGD's steps.",
                f"{ESCAPE_WHY[first]}."]
    else:
        out.append(f"Off first: {first}.")
    return out


def arrow_tips(walk: list[RuleStep], lr: float, beta: float, detailed: int) -> np.ndarray:
    """Every point the rules beat draws for ``walk``: the path and the tips of the arrows of its first
    ``detailed`` steps (momentum's velocity arrow -lr*beta*v, the gradient arrow -lr*g)."""
    pts = [w.x for w in walk] + [walk[-1].x_new]
    for k, w in enumerate(walk[:detailed]):
        buf = walk[k - 1].buf if k > 0 else None
        v_prev = buf if buf is not None else np.zeros_like(w.x)
        pts += [w.x - lr * beta * v_prev, w.x - lr * beta * v_prev - lr * w.g, w.x - lr * w.g]
    return np.array(pts)


def rules_sentences(loss, walks: dict[str, list[RuleStep]], lr: float, steps: int) -> list[str]:
    """What the four did in the rules beat, from their walks: the lowest loss after ``steps`` steps, how
    often momentum crossed the valley floor (sign changes along the steepest direction at the minimum)
    next to SGD, and how much larger than lr*g RMSprop's first step was."""
    end = {n: float(loss.value(w[-1].x_new)) for n, w in walks.items()}
    best = min(ORDER, key=lambda n: end[n])
    out = [f"All at lr = {fmt(lr, 3)}, after {steps} steps the lowest loss is {best}'s, {fmt(end[best], 2)}."]
    m = loss.minima[0].point if loss.minima else np.zeros(2)
    ev, vec = np.linalg.eigh(loss.hessian(m))
    steep = vec[:, int(np.argmax(ev))]
    def swing(n: str) -> float:
        """How far past the valley floor (along the steepest direction, on the side away from the start)."""
        d = np.array([(w.x - m) @ steep for w in walks[n]] + [(walks[n][-1].x_new - m) @ steep])
        return float(max(0.0, (-np.sign(d[0]) * d).max()))
    s_mom, s_sgd = swing("Momentum"), swing("SGD")
    if s_mom > s_sgd and end["Momentum"] > end["SGD"]:
        out.append(f"At this rate momentum overshoots: it swung {fmt(s_mom, 2)} past the valley floor "
                   f"(SGD {fmt(s_sgd, 2)}) and ends at loss {fmt(end['Momentum'], 2)}.")
    first = walks["RMSprop"][0]
    per = np.abs(first.x_new - first.x) / lr
    if np.ptp(per) < 0.01 * per.max() and per.max() > 1.5:
        out.append(f"RMSprop's first step is {fmt(per.max(), 2)}·lr in every coordinate, however steep: "
                   f"its √s starts small.")
    return out


def stability_tie(loss, search: LrSearch | None, start, beta: float, bound_at_min: float) -> str:
    """What ties the stability bound at the minimum to the race's grid search for momentum: the smallest
    rate of the grid that diverged although it is under the bound at the minimum, and the bound at the
    start (largest curvature of the Hessian there), which it exceeds.  Empty when there is no such rate."""
    if search is None:
        return ""
    bad = [float(lr) for lr, st in zip(search.grid, search.statuses, strict=True)
           if st == "diverged" and lr < bound_at_min]
    if not bad:
        return ""
    L0 = float(eigvalsh(loss.hessian(np.asarray(start, float))).max())
    b0 = stability_bound(L0, beta)
    if not min(bad) > b0:
        return ""
    return (f"Yet in the grid search momentum diverged at lr = {fmt(min(bad), 2)}. At the start the largest "
            f"curvature is {fmt(L0, 4)}: stable only to lr = {fmt(b0, 2)}.")


def hp_text(opt: Optimizer) -> str:
    """The hyperparameters actually used, short: ``lr=0.001 β=0.9``."""
    hp = opt.hyperparams
    parts = [f"lr={fmt(hp['lr'], 3)}"]
    if "momentum" in hp:
        parts.append(f"β={fmt(hp['momentum'])}")
    if "alpha" in hp:
        parts.append(f"α={fmt(hp['alpha'])}")  # noqa: RUF001 shown on screen
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
        # Hold the last frame until the last caption has been read (plus a frame's rounding).
        self.wait(self.caption.remaining(self) + 0.5)

    def check_params(self) -> None:
        n = len(self.p["cases"])
        for key in ("starts", "steps", "lr_sgd", "lr_momentum", "lr_rmsprop", "lr_adam"):
            if len(self.p[key]) != n:
                raise ValueError(f"optimizers.{key} needs one entry per case ({n} cases), got {len(self.p[key])}")

    def optimizers(self, i: int, loss) -> dict[str, Optimizer]:
        """Each optimizer at the rate the rule (``lr_rule``) gives for case ``i``; the grid searches
        are kept in ``self.searches`` for the settings panel."""
        p = self.p
        extra = {"Momentum": {"momentum": p["momentum"]}}
        given = {n: make(n, lr=p[f"lr_{n.lower()}"][i], **extra.get(n, {})) for n in ORDER}
        self.searches: dict[str, LrSearch] = {}
        if p["lr_rule"] == "same":
            return {n: with_lr(o, p["lr_same"]) for n, o in given.items()}
        if p["lr_rule"] == "given":
            return given
        out = {}
        box = (tuple(loss.domain[0]), tuple(loss.domain[1]))
        for n, o in given.items():
            # Without a minimum the lowest loss anywhere rewards running away: judge on the map only.
            search = (lr_grid_search(loss, p["starts"][i], o, p["steps"][i], p["lr_grid"]) if loss.minima
                      else map_search(loss, p["starts"][i], o, p["steps"][i], p["lr_grid"], box))
            self.searches[n] = search
            # Every rate diverged: race at the smallest, which the settings say diverged too.
            out[n] = with_lr(o, search.best_lr if search.best_lr is not None else search.grid[0])
        return out

    def rule_words(self, steps: int, loss) -> str:
        """The rule that chose the rates, as the race's first caption says it."""
        p = self.p
        if p["lr_rule"] == "same":
            return f"All four at the same rate, lr = {fmt(p['lr_same'], 3)}, {steps} steps each."
        if p["lr_rule"] == "given":
            return f"Rates set by hand in the parameters, not tuned: no verdict. {steps} steps each."
        g = np.sort(np.asarray(p["lr_grid"], float))
        what = f"the lowest loss after {steps} steps" if loss.minima else \
            f"the lowest loss it reaches on the map in {steps} steps"
        return f"Each at its best of {len(g)} log-spaced rates ({fmt(g[0], 3)}–{fmt(g[-1], 3)}): {what}."  # noqa: RUF001 shown on screen

    # ------------------------------------------------------------ layout
    def band(self) -> tuple[float, float]:
        """The y range free for content: under the title, above a two-line caption."""
        return self.titles.bottom(), self.caption.top()

    # ------------------------------------------------------------ storyboard
    def show_rules(self) -> None:
        """Each update rule alone and large beside a map of a narrow bowl: the term being discussed is
        highlighted in the colour of what it draws on the map (the gradient arrow, momentum's velocity
        arrow, the per-coordinate RMS scale) while the first steps are taken; then the four side by side."""
        self.set_title("Four ways to take a step")
        top, bottom = self.band()
        bowl = functions.get("quadratic", a=1.0, b=10.0)
        # One rate for all four: 1.5 / L, where plain SGD overshoots across the steep direction (stable < 2/L).
        lr = float(f"{1.5 / max_curvature(bowl):.3g}")
        start = np.array([-2.5, 1.2])
        steps, detailed = 25, {n: 3 if n == "Momentum" else 2 for n in ORDER}
        opts = {n: make(n, lr=lr, **({"momentum": self.p["momentum"]} if n == "Momentum" else {})) for n in ORDER}
        walks = {n: rule_walk(bowl, start, opts[n], steps) for n in ORDER}
        # The map holds every point and every arrow tip drawn on it (momentum's velocity arrow reaches past its path).
        reach = np.vstack([arrow_tips(walks[n], lr, float(opts[n].hyperparams.get("momentum", 0.0)), detailed[n])
                           for n in ORDER])
        x_half = max(3.0, float(np.ceil(np.abs(reach[:, 0]).max() + 0.2)))
        y_reach = float(np.abs(reach[:, 1]).max()) + 0.1
        y_rng = (-1.5, 1.5, 0.5) if y_reach <= 1.5 else (-np.ceil(y_reach), np.ceil(y_reach), 1.0)
        x_rng = (-x_half, x_half, 1.0)
        unit = min(6.8 / (x_rng[1] - x_rng[0]), (top - bottom - 1.1) / (y_rng[1] - y_rng[0]))
        axes = PlotAxes(x_rng, y_rng, x_length=unit * (x_rng[1] - x_rng[0]), y_length=unit * (y_rng[1] - y_rng[0]),
                        x_title="x", y_title="y")
        axes.move_to(np.array([0, (top + bottom) / 2, 0])).to_edge(LEFT, buff=0.35)
        window = ((x_rng[0], x_rng[1]), (y_rng[0], y_rng[1]))
        X, Y, Z = functions.grid(bowl, n=121, domain=window)
        contours = ContourMap(axes, X, Y, Z, list(contour_levels(Z, 10, log=True, z_min=0.0)), stroke_width=1.5,
                              opacity=0.5)
        star = VGroup(*[math_text(r"\star", color=THEME.text).move_to(axes.c2p(*m.point)) for m in bowl.minima])
        ring = Circle(radius=0.14, stroke_color=THEME.text, stroke_width=2).move_to(axes.c2p(*start))
        self.caption.say(self, f"On a narrow bowl (curvatures 1 and 10), each from the same start, all at "
                               f"lr = {fmt(lr, 3)}, {steps} steps.")
        self.play(Create(axes), FadeIn(contours), FadeIn(star), Create(ring))
        right = (axes.get_right()[0] + 0.5, config.frame_width / 2 - 0.3)
        box = ((x_rng[0], y_rng[0]), (x_rng[1], y_rng[1]))
        blocks, kept = {}, []
        for name in ORDER:
            blocks[name] = self.rule_block(name)
            kept.append(self.rule_demo(name, blocks[name].copy(), axes, bowl, start, opts[name], box, right,
                                       (top, bottom), detailed=detailed[name], steps=steps))
        # All four paths together, each at full strength, with what they did in one derived sentence.
        key = VGroup(*[VGroup(Line(0.3 * LEFT, 0.3 * RIGHT, stroke_color=THEME.OPTIMIZER[n], stroke_width=4),
                              label_text(f"{n}  loss {fmt(float(bowl.value(walks[n][-1].x_new)), 2)}",
                                         color=THEME.OPTIMIZER[n], size=TYPE.TICK)).arrange(RIGHT, buff=0.2)
                       for n in ORDER]).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        key.next_to(np.array([right[0], top - 0.2, 0]), DOWN + RIGHT, buff=0)
        self.play(*[tr.trail.animate.set_stroke(opacity=1.0) for tr in kept],
                  *[tr.dot.animate.set_opacity(1.0) for tr in kept], FadeIn(key), run_time=0.8)
        self.caption.say(self, " ".join(rules_sentences(bowl, walks, lr, steps)))
        self.wait(self.caption.remaining(self))
        self.unsay()
        self.play(FadeOut(VGroup(axes, contours, star, ring, key, *kept)), run_time=0.6)
        for name in ORDER:
            for line, part, role in RULE_FOCUS[name]:
                blocks[name][1][line][part].set_color(self.role_color(name, role))
        left = VGroup(blocks["SGD"], blocks["Momentum"]).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
        right_col = VGroup(blocks["RMSprop"], blocks["Adam"]).arrange(DOWN, aligned_edge=LEFT, buff=0.8)
        table = VGroup(left, right_col).arrange(RIGHT, buff=1.6, aligned_edge=UP)
        if table.height > top - bottom or table.width > config.frame_width - 0.6:
            raise ValueError("optimizers: the update rules do not fit the frame at the MATH size")
        table.move_to(np.array([0, (top + bottom) / 2, 0]))
        self.caption.say(self, "Side by side: what each adds to the plain step.")
        self.play(FadeIn(table))
        mark_figure(self, "update-rules")
        self.wait(self.caption.remaining(self))
        self.unsay()
        self.play(FadeOut(table))

    @staticmethod
    def rule_block(name: str) -> VGroup:
        """The optimizer's name over its update rule (one equation a line), at the MATH size."""
        label = label_text(name, color=THEME.OPTIMIZER[name], weight="BOLD")
        eqs = VGroup(*[math_text(*line) for line in RULE_TEX[name]]).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        eqs.next_to(label, DOWN, buff=0.25, aligned_edge=LEFT).shift(0.4 * RIGHT)
        return VGroup(label, eqs)

    @staticmethod
    def role_color(name: str, role: str) -> str:
        """The colour of a term of the rule, the same as what it draws on the map."""
        return {"grad": THEME.GRAD, "velocity": THEME.OPTIMIZER["Momentum"]}.get(role, THEME.OPTIMIZER[name])

    @staticmethod
    def map_arrow(axes: PlotAxes, x: np.ndarray, vec: np.ndarray, frm: np.ndarray, color: str,
                  width: float = 5.0) -> Arrow | None:
        """The arrow of data vector ``vec`` at point ``x`` on ``axes``, drawn from scene point ``frm`` at the
        map's scale (None when shorter than 0.05 units: nothing to see)."""
        to = axes.c2p(*(x + vec)) - axes.c2p(*x) + frm
        if np.linalg.norm(to - frm) < 0.05:
            return None
        return Arrow(frm, to, buff=0, color=color, stroke_width=width, tip_length=0.16,
                     max_tip_length_to_length_ratio=0.3)

    def rule_demo(self, name: str, block: VGroup, axes: PlotAxes, loss, start: np.ndarray, opt: Optimizer, box,
                  right: tuple[float, float], band: tuple[float, float], detailed: int = 3,
                  steps: int = 25) -> PathTracer:
        """``name``'s rule large on the right; on the map its first ``detailed`` steps are taken apart, each
        term highlighted while its arrow (or the RMS scale) is drawn, then the rest of ``steps`` run.
        Returns the run's path, kept on the map, dimmed, for the four together at the end."""
        top, _ = band
        walk = rule_walk(loss, start, opt, steps)
        lr, beta = float(opt.hyperparams["lr"]), float(opt.hyperparams.get("momentum", 0.0))
        color = THEME.OPTIMIZER[name]
        lr_note = tick_text(hp_text(opt), color=color)
        # The block, its highlight boxes (0.07 + stroke round a term) and the rate beside the name stay
        # inside the frame's 0.3 margin (18 px at 480p).
        room = right[1] - right[0] - 0.15
        block.scale(min(1.4, room / block.width, (room - 0.4 - lr_note.width) / block[0].width))
        block.next_to(np.array([right[0], top - 0.2, 0]), DOWN + RIGHT, buff=0)
        lr_note.next_to(block[0], RIGHT, buff=0.4)
        self.caption.say(self, RULE_WORDS[name])
        self.play(FadeIn(block[0]), FadeIn(lr_note), Write(block[1]), run_time=1.0 + 0.5 * len(block[1]))
        terms = {role: block[1][line][part] for line, part, role in RULE_FOCUS[name]}
        boxes = {role: SurroundingRectangle(t, color=self.role_color(name, role), buff=0.07, stroke_width=3)
                 for role, t in terms.items()}
        self.play(*[t.animate.set_color(self.role_color(name, r)) for r, t in terms.items()],
                  *[Create(b) for b in boxes.values()])
        step = ValueTracker(0.0)
        points = np.array([w.x for w in walk] + [walk[-1].x_new])
        tracer = PathTracer(axes, points, color, step, box[0], box[1], dot_radius=0.08, stroke_width=2.5)
        self.add(tracer)
        self.caption.say(self, TERM_WORDS[name])
        scale_at = block.get_corner(DOWN + LEFT) + 0.45 * DOWN
        readout = None
        for k, w in enumerate(walk[:detailed]):
            here = axes.c2p(*w.x)
            arrows = []

            def arrow(vec, frm, col, width=5.0, x=w.x, here=here):
                return self.map_arrow(axes, x, vec, frm, col, width)
            if name == "Momentum":
                buf = walk[k - 1].buf if k > 0 else None
                v_prev = buf if buf is not None else np.zeros(2)
                a_v = arrow(-lr * beta * v_prev, here, THEME.OPTIMIZER["Momentum"])
                tip = a_v.get_end() if a_v is not None else here
                a_g = arrow(-lr * w.g, tip, THEME.GRAD)
                a_s = arrow(w.x_new - w.x, here, THEME.text, 3.0)
                seq = [(a_v, "velocity"), (a_g, "grad"), (a_s, None)]
            elif name == "SGD":
                seq = [(arrow(w.x_new - w.x, here, THEME.GRAD), "grad")]
            else:
                seq = [(arrow(-lr * w.g, here, THEME.GRAD, 3.0), None),
                       (arrow(w.x_new - w.x, here, color), "scale")]
                sc = w.scale if w.scale is not None else np.zeros(2)
                sym = r"\sqrt{\hat s}" if name == "Adam" else r"\sqrt{s}"
                new = math_text(rf"{sym} = ({fmt(sc[0], 3)},\ {fmt(sc[1], 3)})", color=color)
                new.next_to(scale_at, RIGHT, buff=0).align_to(block, LEFT)
                if readout is None:
                    self.play(FadeIn(new), run_time=0.5)
                    readout = new
                else:
                    self.play(Transform(readout, new), run_time=0.5)
            for a, role in seq:
                if a is None:
                    continue
                anims: list[Animation] = [GrowArrow(a)]
                if role is not None:
                    anims.append(Indicate(boxes[role], color=self.role_color(name, role), scale_factor=1.15))
                self.play(*anims, run_time=0.8)
                arrows.append(a)
            if k == 1 and name in ("Momentum", "Adam"):
                mark_figure(self, f"rule-{name.lower()}")
            self.play(step.animate.set_value(k + 1), run_time=0.7)
            self.play(*[FadeOut(a) for a in arrows], run_time=0.3)
        self.play(step.animate.set_value(len(walk)), run_time=2.5, rate_func=linear)
        self.unsay()
        rest = [block, lr_note, *boxes.values()] + ([readout] if readout is not None else [])
        tracer.trail.clear_updaters()
        self.play(FadeOut(VGroup(*rest)), tracer.trail.animate.set_stroke(opacity=0.35),
                  tracer.dot.animate.set_opacity(0.35), run_time=0.6)
        return tracer

    @staticmethod
    def tick_range(lo: float, hi: float) -> tuple[float, float, float]:
        """Round axis bounds around ``[lo, hi]`` that add the least margin (4 to 6 steps)."""
        return min((nice_range(lo, hi, n) for n in (4, 5, 6)), key=lambda r: r[1] - r[0])

    def race(self, i: int, case: str) -> None:
        loss = functions.get(case)
        start = self.p["starts"][i]
        steps = self.p["steps"][i]
        opts = self.optimizers(i, loss)
        runs = {name: descend(loss, start, opt, steps) for name, opt in opts.items()}
        self.case_loss, self.case_runs, self.case_opts, self.case_index = loss, runs, opts, i
        self.set_title(f"The race on {loss.description}")
        top, bottom = self.band()
        (x_lo, x_hi, x_st), (y_lo, y_hi, y_st) = (self.tick_range(*r) for r in self.window(loss, runs))
        # Equal scales on both axes (contours keep their shape), as large as the left part allows.
        unit = min(5.4 / (x_hi - x_lo), (top - bottom - 1.0) / (y_hi - y_lo))
        axes = PlotAxes((x_lo, x_hi, x_st), (y_lo, y_hi, y_st), x_length=unit * (x_hi - x_lo),
                        y_length=unit * (y_hi - y_lo), x_title="x", y_title="y")
        axes.move_to(np.array([0, (top + bottom) / 2, 0])).to_edge(LEFT, buff=0.35)
        X, Y, Z = functions.grid(loss, n=161, domain=((x_lo, x_hi), (y_lo, y_hi)))
        f_star = min((m.value for m in loss.minima), default=None)
        levels = contour_levels(Z, 14, log=True, z_min=f_star if f_star is not None else float(np.nanmin(Z)))
        contours = ContourMap(axes, X, Y, Z, list(levels), stroke_width=1.5, opacity=0.5)
        marks = VGroup(*[math_text(r"\star", color=THEME.text).move_to(axes.c2p(*m.point))
                         for m in loss.global_minima])
        step = ValueTracker(0.0)
        # A run that leaves the map is labelled where it leaves, from its status.
        tracers = {name: PathTracer(axes, runs[name].points, THEME.OPTIMIZER[name], step, (x_lo, y_lo),
                                    (x_hi, y_hi), dot_radius=0.07, stroke_width=3.5 if name == "SGD" else 2.5,
                                    label_text="diverged" if runs[name].status == "diverged" else "left the map")
                   for name in ORDER}
        # A run that diverged inside the map (its next point not finite) is labelled at its last point.
        for name, tr in tracers.items():
            if runs[name].status == "diverged" and tr.label is None:
                tr.label = tick_text("diverged", color=THEME.OPTIMIZER[name]).move_to(tr.points_scene[-1])
                tr.label.set_opacity(0.0)
                tr.add(tr.label)
                tr.label.add_updater(lambda m, tr=tr: m.set_opacity(
                    1.0 if tr.step.get_value() >= tr.exit_step - 1e-9 else 0.0))
        # Each label on a small dark backing (the tracer shows and hides label and backing together).
        for tr in tracers.values():
            if tr.label is not None:
                text = tr.label
                tr.remove(text)
                back = Rectangle(width=text.width + 0.12, height=text.height + 0.1, fill_color=THEME.background,
                                 fill_opacity=1.0, stroke_width=0).move_to(text)
                tr.label = VGroup(back, text)
                tr.label.set_opacity(0.0)
                tr.add(tr.label)
        counter = LiveText(f"step 0/{steps}", color=THEME.muted, font_size=TYPE.TICK)
        counter.align_to(axes.y_title, DOWN).align_to(axes.x_axis, RIGHT)
        self.place_exit_labels(axes, tracers, [counter, axes.y_title, axes.x_title, *axes.tick_numbers], top)
        self.stack_paths(tracers)
        panel, curve_tracers, ends = self.loss_panel(loss, runs, steps, step, f_star, axes, opts,
                                                     ((x_lo, x_hi), (y_lo, y_hi)))
        self.play(Create(axes), FadeIn(contours), FadeIn(marks), FadeIn(panel), FadeIn(counter))
        start_dot = Dot(axes.c2p(*start), radius=0.06, color=THEME.text)
        start_dot.set_z_index(self.Z_DOTS)
        self.add(start_dot, *[tracers[n] for n in reversed(ORDER)], *curve_tracers)
        counter.add_updater(lambda m: m.set_text(f"step {int(step.get_value())}/{steps}"))
        self.caption.say(self, f"All four start at ({fmt(start[0])}, {fmt(start[1])}). " + self.rule_words(steps, loss))
        self.play(step.animate.set_value(steps), run_time=self.p["race_seconds"], rate_func=linear)
        counter.clear_updaters()
        self.play(FadeIn(ends))
        mark_figure(self, f"race-{case}")
        # Each sentence of the verdict said alone: a long caption split into screens would leave a fragment.
        for sentence in race_sentences(loss, runs, steps, self.p["lr_rule"], ((x_lo, x_hi), (y_lo, y_hi))):
            self.caption.say(self, sentence)
        self.wait(2.5)
        self.race_panel = VGroup(panel, ends, *curve_tracers)
        self.race_mobjects = VGroup(axes, contours, marks, counter, start_dot, *tracers.values(), self.race_panel)
        self.race_contours, self.race_marks, self.race_start = contours, marks, start_dot
        self.race_axes, self.race_step, self.race_counter, self.race_steps = axes, step, counter, steps

    # Draw order on the race map (z-index): the trails by ORDER with SGD's on top (it is the slowest and runs
    # under the others near the start), then every dot, then the labels of runs that left or diverged.
    Z_DOTS, Z_LABELS = 6, 7

    def stack_paths(self, tracers: dict[str, PathTracer]) -> None:
        for rank, n in enumerate(reversed(ORDER)):
            tracers[n].trail.set_z_index(2 + rank)
            tracers[n].dot.set_z_index(self.Z_DOTS)
            label = tracers[n].label
            if label is not None:
                label.set_z_index(self.Z_LABELS)

    @staticmethod
    def place_exit_labels(axes: PlotAxes, tracers: dict[str, PathTracer], avoid=(),
                          ceiling: float | None = None) -> None:
        """Put each "left the map"/"diverged" label where its run leaves the map (or, diverging inside it,
        at its last point).  A run that left: just outside the edge it crosses, at its exit coordinate (off
        the paths, which stop at the edge), moved along or out only as far as it takes to be clear of the
        other labels and of ``avoid`` (the axes' numbers and titles), and under ``ceiling``.  Diverged
        inside the map: around its last point, clear of every path."""
        lo, hi = axes.plot_area()
        lo, hi = np.asarray(lo[:2], float), np.asarray(hi[:2], float)
        frame = np.array([config.frame_width / 2 - 0.3, config.frame_height / 2 - 0.3])
        top_y = min(frame[1], ceiling if ceiling is not None else frame[1])
        blocks = [(np.asarray(m.get_center()[:2], float), np.array([m.width / 2, m.height / 2])) for m in avoid]
        samples = []
        for t in tracers.values():
            p = t.points_scene[:, :2]
            for a, b in itertools.pairwise(p):
                n = max(2, int(np.linalg.norm(b - a) / 0.04) + 1)
                samples.append(a + np.linspace(0, 1, n)[:, None] * (b - a))
            samples.append(p)
        paths = np.vstack(samples)
        placed: list[tuple[np.ndarray, np.ndarray]] = []
        for tracer in tracers.values():
            label = tracer.label
            if label is None:
                continue
            end = tracer.points_scene[-1][:2]
            half = np.array([label.width / 2, label.height / 2])
            gaps = np.array([end[0] - lo[0], hi[0] - end[0], end[1] - lo[1], hi[1] - end[1]])
            side = int(np.argmin(gaps))
            if gaps[side] > 0.05:                      # diverged inside the map: around its last point
                offsets = [(r * np.cos(a), r * np.sin(a)) for r in (0.3, 0.5, 0.8, 1.2)
                           for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)]
                cands = [end + np.array(o) * (1 + half / max(half.max(), 1e-9)) for o in offsets]
            else:
                outward = -np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]][side])
                along = np.array([abs(outward[1]), abs(outward[0])])
                depth0 = float(np.abs(outward) @ half) + 0.08
                cands = [end + outward * (depth0 + d) + along * t for d in (0.0, 0.3, 0.6, 0.9)
                         for t in (0.0, 0.3, -0.3, 0.6, -0.6, 0.9, -0.9, 1.3, -1.3)]
                cands = [np.minimum(np.maximum(c, -frame + half), np.array([frame[0], top_y]) - half) for c in cands]
                cands = [c for c in cands if not any(np.all(np.abs(c - p) < half + q + 0.05) for p, q in blocks)]
                # Outside the map no path is drawn: the nearest free place to the exit point wins.
                free = [c for c in cands if not any(np.all(np.abs(c - p) < half + q + 0.05) for p, q in placed)]
                if free:
                    best = min(free, key=lambda c: float(np.linalg.norm(c - end)))
                    label.move_to(np.array([best[0], best[1], 0]))
                    placed.append((best, half))
                    # Moved off its exit point by the others: a leader line from the exit to the label.
                    near = np.clip(end, best - half, best + half)
                    if float(np.linalg.norm(near - end)) > 0.15:
                        label.add(Line(np.array([*end, 0.0]), np.array([*near, 0.0]), stroke_width=1.5,
                                       stroke_color=tracer.trail.get_stroke_color()))
                    continue
            best, best_score = None, -np.inf
            for c in cands:
                c = np.minimum(np.maximum(c, lo + half + 0.02), hi - half - 0.02)
                if any(np.all(np.abs(c - p) < half + q + 0.05) for p, q in placed):
                    continue
                gap = np.max(np.abs(paths - c) - half, axis=1)   # > 0: the sample is outside the label's box
                score = min(float(gap.min()), 0.08) - 0.05 * float(np.linalg.norm(c - end))
                if score > best_score:
                    best, best_score = c, score
            if best is None:
                best = np.minimum(np.maximum(end, lo + half), hi - half)
            label.move_to(np.array([best[0], best[1], 0]))
            placed.append((best, half))

    @staticmethod
    def window(loss, runs: dict[str, Trajectory], pad: float = 0.25) -> tuple[tuple[float, float], ...]:
        """The part of the domain the runs use: their bounding box and the minima, padded, inside the domain.

        A side where a run lands exactly on the domain's edge and none goes beyond (Rosenbrock's first
        RMSprop and Adam steps, ±1 in each coordinate, land on y = 3) is padded past the domain by a
        tenth of it: else the path would turn on the map's edge and look cut there, though it never left."""
        pts = [t.points for t in runs.values()] + [m.point[None, :] for m in loss.global_minima]
        allp = np.vstack(pts)
        allp = allp[np.isfinite(allp).all(axis=1)]
        out = []
        for k, (lo, hi) in enumerate(loss.domain):
            raw = allp[:, k]
            v = np.clip(raw, lo, hi)
            a, b = float(v.min()), float(v.max())
            span = max(b - a, 0.2 * (hi - lo))
            eps, margin = 1e-9 * (hi - lo), 0.1 * (hi - lo)
            w_lo = lo - margin if abs(float(raw.min()) - lo) <= eps else lo
            w_hi = hi + margin if abs(float(raw.max()) - hi) <= eps else hi
            out.append((max(w_lo, a - pad * span), min(w_hi, b + pad * span)))
        return tuple(out)

    def loss_panel(self, loss, runs: dict[str, Trajectory], steps: int, step: ValueTracker, f_star, map_axes,
                   opts: dict[str, Optimizer], box: Box):
        """Loss curves beside the map, on a log axis of loss - min when the minimum value is known, else
        linear; under them each optimizer's settings (the key to the map's colours).

        Returns the chart with the settings, the curve tracers, and the curves' end labels (name and
        final loss), to show once the race is over.
        """
        top, bottom = self.band()
        settings = VGroup(*[
            VGroup(label_text(name, color=THEME.OPTIMIZER[name], size=TYPE.TICK, weight="BOLD"),
                   tick_text(hp_text(opts[name]), color=THEME.text))
            for name in ORDER])
        notes = {n: self.search_note(n).strip() for n in ORDER}
        name_w = max(row[0].width for row in settings)
        for row in settings:
            row[1].next_to(row[0], RIGHT, buff=0.25 + name_w - row[0].width)
        # A run that leaves the map: its curve stops at its last point on the map, as its path does.
        exits = {n: exit_step(runs[n], box) for n in ORDER}
        on_map = {n: runs[n].losses[:exits[n]] for n in ORDER}
        if f_star is not None:
            # Floored at 1e-16 (double precision's rounding of a loss near 1): below it nothing is a difference.
            ys = {n: np.maximum(on_map[n] - f_star, 1e-16) for n in ORDER}
            logs = np.log10(np.concatenate(list(ys.values())))
            k_lo, k_hi = float(np.floor(logs.min())), float(np.ceil(logs.max()))
            if logs.min() - k_lo < 0.3:          # a curve ending on the floor line: a decade of room under it
                k_lo -= 1
            if k_hi <= k_lo:
                k_hi = k_lo + 1
            y_range, y_log, title = (k_lo, k_hi, max(1.0, float(np.ceil((k_hi - k_lo) / 5)))), True, \
                "loss − min (log scale)"  # noqa: RUF001 shown on screen
            lo_v, hi_v = 10.0 ** k_lo, 10.0 ** k_hi
        else:
            ys = {n: on_map[n] for n in ORDER}
            allv = np.concatenate(list(ys.values()))
            y_range, y_log, title = nice_range(float(allv.min()), float(allv.max())), False, "loss"
            lo_v, hi_v = y_range[0], y_range[1]
        end_words = {n: f"{n} diverged" if runs[n].status == "diverged" else
                     f"{n} left the map" if exits[n] is not None else f"{n} {fmt(runs[n].losses[-1], 2)}"
                     for n in ORDER}
        end_w = max(tick_text(end_words[n]).width for n in ORDER)
        left = map_axes.get_right()[0] + 0.8
        right = config.frame_width / 2 - 0.3 - end_w - 0.27
        def chart(y_len: float) -> PlotAxes:
            return PlotAxes(nice_range(0, steps, 4), y_range, x_length=right - left - 0.6, y_length=y_len,
                            x_title="step", y_title=title, y_log=y_log, y_title_color=THEME.LOSS)
        # The chart takes the height the settings leave (its titles and numbers measured, not guessed).
        trial = chart(2.0)
        trial.next_to(np.array([left, top, 0]), DOWN + RIGHT, buff=0)
        trial.shift((right - trial.x_axis.get_right()[0]) * RIGHT)
        # The grid search's count goes beside the settings where every row still fits the frame, else under them.
        room = config.frame_width / 2 - 0.35 - trial.get_left()[0]
        inline = all(row.width + 0.25 + tick_text(notes[n]).width <= room
                     for n, row in zip(ORDER, settings, strict=True) if notes[n])
        for n, row in zip(ORDER, settings, strict=True):
            if notes[n]:
                note = tick_text(notes[n], color=THEME.muted)
                if inline:
                    note.next_to(row[1], RIGHT, buff=0.25)
                else:
                    note.next_to(row, DOWN, buff=0.06, aligned_edge=LEFT)
                row.add(note)
        settings.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        axes = chart((top - bottom) - settings.height - 0.35 - (trial.height - 2.0))
        axes.next_to(np.array([left, top, 0]), DOWN + RIGHT, buff=0)
        axes.shift((right - axes.x_axis.get_right()[0]) * RIGHT)
        settings.next_to(axes, DOWN, buff=0.35).align_to(axes, LEFT)
        tracers = [PathTracer(axes, np.stack([np.arange(len(ys[n])), ys[n]], -1), THEME.OPTIMIZER[n], step,
                              (0, lo_v), (steps, hi_v), dot_radius=0.04, stroke_width=2.5, diverged_label=False)
                   for n in ORDER]
        # Every end label in the column right of the chart, at the height its curve ends (a curve that stops
        # early, its run having left the map, would put its label on the step numbers).
        x_end = axes.x_axis.get_right()[0] + 0.12       # clear of the last step number under the axis
        ends = EndLabels([(end_words[n], THEME.OPTIMIZER[n], np.array([x_end, tr.position(tr.exit_step)[1], 0.0]))
                          for n, tr in zip(ORDER, tracers, strict=True)])
        return VGroup(axes, settings), tracers, ends

    def search_note(self, name: str) -> str:
        """What the grid search found for ``name``: how many of its rates diverged."""
        s = self.searches.get(name)
        if s is None:
            return ""
        n, n_left = len(s.grid), sum(st == "left" for st in s.statuses)
        if s.best_index is None:
            return f"  (all {n} diverged or left the map)" if n_left else f"  (all {n} diverged)"
        return f"  ({s.n_diverged}/{n} diverged" + (f", {n_left}/{n} left the map)" if n_left else ")")

    @staticmethod
    def race_words(loss, runs: dict[str, Trajectory], steps: int, rule: str, box: Box | None = None) -> str:
        """What the race showed, from the runs: which diverged, which stalled at a saddle (a critical
        point whose Hessian has eigenvalues of both signs), and -- unless the rates were set by hand --
        which has the lowest loss after ``steps`` steps."""
        return " ".join(race_sentences(loss, runs, steps, rule, box))

    def get_moving_mobjects(self, *animations):
        # While the map is zoomed, everything is redrawn every frame so the mask around the map stays
        # above the moving map (manim otherwise paints moving mobjects over a still background).
        if getattr(self, "redraw_all", False):
            return list(self.mobjects)
        return super().get_moving_mobjects(*animations)

    def momentum_anatomy(self) -> None:
        """Zoom the map onto one step of the momentum run and take it apart: the velocity carried over
        plus this step's gradient is the step, drawn at the zoomed map's own scale (the step arrow ends
        on the path's next dot).  The zoom scales the map's contents about a point and masks what falls
        outside the map; the title, caption and key stay where they are."""
        run = self.case_runs["Momentum"]
        hp = self.case_opts["Momentum"].hyperparams
        lr, beta = float(hp["lr"]), float(hp["momentum"])
        if run.velocities is None or len(run.velocities) < 3:
            return
        axes = self.race_axes
        k = self.anatomy_step(run, lr, beta, axes)
        x_k = run.points[k]
        push = -lr * beta * run.velocities[k - 1]      # carried over from earlier steps
        pull = -lr * run.grads[k]                      # this step's gradient
        total = run.points[k + 1] - x_k                # = push + pull
        base = xy_to_scene(axes, x_k)
        vec = {n: xy_to_scene(axes, x_k + v) - base for n, v in (("push", push), ("pull", pull), ("total", total))}
        lo, hi = axes.plot_area()
        view = hi - lo
        centre_v = (lo + hi) / 2
        # Zoom so the longest arrow is about half the map; the triangle's middle goes to the map's middle.
        longest = max(float(np.linalg.norm(v)) for v in vec.values())
        zoom = 0.5 * float(min(view[0], view[1])) / max(longest, 1e-9)
        zoom = float(f"{zoom:.2g}")
        corners = np.array([base, base + vec["push"], base + vec["total"]])
        mid = (corners.min(axis=0) + corners.max(axis=0)) / 2
        about = (centre_v - zoom * mid) / (1 - zoom) if zoom != 1 else mid
        def zoomed(p: np.ndarray) -> np.ndarray:
            return about + zoom * (np.asarray(p) - about)

        # What zooms: contours and trails scale; dots, stars and labels move (they keep their size).
        tracers = [m for m in self.race_mobjects if isinstance(m, PathTracer)]
        for tr in tracers:
            tr.trail.clear_updaters()
        scaled = VGroup(self.race_contours, *[tr.trail for tr in tracers])
        # Texts (the minimum's star, "left the map") that the zoom would carry off the map fade out instead.
        texts = [*self.race_marks, *[tr.label for tr in tracers if tr.label is not None]]
        def inside(m) -> bool:
            p = zoomed(m.get_center())
            half = np.array([m.width / 2, m.height / 2])
            return bool(np.all(p[:2] - half >= lo[:2]) and np.all(p[:2] + half <= hi[:2]))
        leaving = VGroup(*[m for m in texts if not inside(m)])
        movers = [m for m in [*texts, self.race_start, *[tr.dot for tr in tracers]] if m not in leaving]
        # (Children of the axes only: animating a part of an axis line would take the line itself off the
        # scene, manim re-adding the part on its own; the tick marks are hidden by their opacity instead.)
        numbers = VGroup(axes.tick_numbers, axes.x_title, axes.y_title)
        ticks = VGroup(axes.x_axis.ticks, axes.y_axis.ticks)
        frame_w, frame_h = config.frame_width, config.frame_height
        def cover(x0: float, x1: float, y0: float, y1: float) -> Rectangle:
            return Rectangle(width=x1 - x0, height=y1 - y0, fill_color=THEME.background, fill_opacity=1.0,
                             stroke_width=0).move_to(np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0]))
        mask = VGroup(cover(-frame_w / 2, lo[0], -frame_h / 2, frame_h / 2),
                      cover(hi[0], frame_w / 2, -frame_h / 2, frame_h / 2),
                      cover(lo[0], hi[0], hi[1], frame_h / 2), cover(lo[0], hi[0], -frame_h / 2, lo[1]))
        self.unsay()
        # The trails dim so the arrows drawn over them stand out.
        self.play(FadeOut(self.race_panel), FadeOut(numbers), FadeOut(self.race_counter), FadeOut(leaving),
                  *[tr.trail.animate.set_stroke(opacity=0.45) for tr in tracers], run_time=0.5)
        ticks.set_stroke(opacity=0.0)
        self.race_mobjects.remove(self.race_panel)
        # Draw order by z-index (manim re-adds animated mobjects on top): the map's contents under the mask,
        # the mask under the axis lines, titles, captions and the key (all at 0).
        self.redraw_all = True
        for m in (scaled, *movers):
            m.set_z_index(-3)
        mask.set_z_index(-2)
        VGroup(axes.x_axis, axes.y_axis).set_z_index(-1)
        self.add(mask)
        top, bottom = self.band()
        note = tick_text(f"map zoomed ×{fmt(zoom, 2)} around step {k}", color=THEME.muted)  # noqa: RUF001 shown on screen
        note.next_to(axes.x_axis, DOWN, buff=0.15).align_to(axes.x_axis, LEFT)
        self.caption.say(self, f"Zoom in on step {k} of the momentum run.")
        self.play(scaled.animate.scale(zoom, about_point=about),
                  *[m.animate.move_to(zoomed(m.get_center())) for m in movers], FadeIn(note),
                  run_time=2.5)
        b_z = zoomed(base)
        def arrow(start, v, color):
            return Arrow(start, start + zoom * v, buff=0, color=color, stroke_width=5, tip_length=0.2,
                         max_tip_length_to_length_ratio=0.25)
        a_push = arrow(b_z, vec["push"], THEME.OPTIMIZER["Momentum"])
        a_pull = arrow(a_push.get_end(), vec["pull"], THEME.GRAD)
        a_total = arrow(b_z, vec["total"], THEME.text)
        centroid = (a_push.get_start() + a_push.get_end() + a_total.get_end()) / 3
        parts = ((a_push, r"-\eta\beta v", THEME.OPTIMIZER["Momentum"], "velocity carried over"),
                 (a_pull, r"-\eta g", THEME.GRAD, "this step's gradient"),
                 (a_total, r"\text{step}", THEME.text, "their sum"))
        labels = VGroup(*[self.arrow_label(a, tex, color, centroid) for a, tex, color, _ in parts])
        head = label_text(f"Momentum at step {k}", color=THEME.OPTIMIZER["Momentum"], weight="BOLD")
        rows = VGroup()
        for _, tex, color, words in parts:
            swatch = Line(0.45 * LEFT, 0.45 * RIGHT, stroke_color=color, stroke_width=5)
            rows.add(VGroup(swatch, math_text(tex, color=color), label_text(words)))
        col = max(r[1].width for r in rows)
        for r in rows:
            r[1].next_to(r[0], RIGHT, buff=0.25)
            r[2].next_to(r[0], RIGHT, buff=0.5 + col)
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        key = VGroup(head, rows).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        key.move_to(np.array([0, (top + bottom) / 2, 0])).next_to(axes, RIGHT, buff=0.9, coor_mask=np.array([1, 0, 0]))
        self.caption.say(self, "The velocity carried over, −ηβv, and this step's gradient, −ηg.", 3.5)  # noqa: RUF001 shown on screen
        ring = Circle(radius=0.13, stroke_color=THEME.text, stroke_width=2).move_to(b_z)
        self.play(FadeIn(head), Create(ring), run_time=0.6)
        self.play(FadeIn(rows[0]), GrowArrow(a_push), FadeIn(labels[0]), run_time=1.2)
        self.play(FadeIn(rows[1]), GrowArrow(a_pull), FadeIn(labels[1]), run_time=1.2)
        self.caption.say(self, f"Their sum is the step momentum takes: it lands on the path at step {k + 1}.", 3.0)
        self.play(FadeIn(rows[2]), GrowArrow(a_total), FadeIn(labels[2]), run_time=1.2)
        self.wait(1.5)
        mark_figure(self, "momentum-anatomy")
        self.unsay()
        self.play(FadeOut(VGroup(a_push, a_pull, a_total, labels, key, ring)), run_time=0.5)
        # Back out to the whole map, the same way in reverse (no jump, no rewind of the trails).
        self.play(scaled.animate.scale(1 / zoom, about_point=about),
                  *[m.animate.move_to(about + (m.get_center() - about) / zoom) for m in movers], FadeOut(note),
                  run_time=1.5)
        self.remove(mask)
        for m in (scaled, *movers, axes.x_axis, axes.y_axis):
            m.set_z_index(0)
        self.stack_paths({n: tr for n, tr in zip(ORDER, tracers, strict=True)})
        self.race_start.set_z_index(self.Z_DOTS)
        self.redraw_all = False
        self.play(FadeIn(numbers), FadeIn(self.race_counter), FadeIn(leaving),
                  *[tr.trail.animate.set_stroke(opacity=1.0) for tr in tracers], run_time=0.4)
        ticks.set_stroke(opacity=1.0)
        # The stability bound, with this case's curvature at its minimum.
        loss = self.case_loss
        self.unsay()
        if loss.global_minima:
            L = float(eigvalsh(loss.hessian(loss.global_minima[0].point)).max())
            sgd_lr = float(self.case_opts["SGD"].hyperparams["lr"])
            b_sgd, b_mom = stability_bound(L), stability_bound(L, beta)
            bound = VGroup(
                label_text("Stability near the minimum", weight="BOLD"),
                math_text(rf"L = {fmt(L, 4)}"),
                tick_text("L: the largest curvature at the minimum"),
                math_text(rf"\text{{SGD:}}\ \ \eta L = {fmt(sgd_lr * L, 3)} {rel(sgd_lr * L, 2.0)} 2",
                          color=THEME.OPTIMIZER["SGD"]),
                math_text(rf"\text{{Momentum:}}\ \ \eta L = {fmt(lr * L, 3)} {rel(lr * L, 2 + 2 * beta)} 2 + 2\beta "
                          rf"= {fmt(2 + 2 * beta, 3)}", color=THEME.OPTIMIZER["Momentum"]),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            bound[2].next_to(bound[1], DOWN, buff=0.12, aligned_edge=LEFT)
            bound.move_to(np.array([0, (top + bottom) / 2, 0]))
            bound.next_to(axes, RIGHT, buff=0.9, coor_mask=np.array([1, 0, 0]))
            self.play(Write(bound))
            self.caption.say(self, f"Near the minimum (L = {fmt(L, 4)}) momentum is stable up to lr = {fmt(b_mom, 2)}.")
            self.caption.say(self, f"Plain SGD is stable only up to lr = {fmt(b_sgd, 2)}.", 3.0)
            self.wait(self.caption.remaining(self))
            mark_figure(self, "stability-bound")
            tie = stability_tie(loss, self.searches.get("Momentum"), self.p["starts"][self.case_index], beta, b_mom)
            # Each sentence said alone (a caption split into screens mid-sentence leaves a fragment).
            for sentence in re.split(r"(?<=[.!?])\s+", tie) if tie else []:
                self.caption.say(self, sentence)
            self.wait(self.caption.remaining(self))
            self.unsay()
            self.play(FadeOut(bound))

    @staticmethod
    def anatomy_step(run: Trajectory, lr: float, beta: float, axes: Axes) -> int:
        """The step of the momentum run where the velocity and the gradient parts both show best.

        Scores each step by the shorter of its two parts (``-lr*beta*v`` carried over and ``-lr*g``
        new), in scene units, times the squared sine of the angle between them: both arrows long
        enough to see and far from parallel, so the sum is a visible triangle, not three arrows on
        one line.
        """
        o = xy_to_scene(axes, np.zeros(2))
        assert run.velocities is not None
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
        label = math_text(tex, color=color, small=True)
        return label.move_to(arrow.get_center() + normal * (0.2 + 0.5 * max(label.width, label.height)))

    def clear_race(self) -> None:
        self.unsay()
        self.play(FadeOut(self.race_mobjects), run_time=0.6)
