"""Batch, stochastic and mini-batch gradient descent on handwritten digits: losses, fair axes, batch sizes, memory.

The blog (seed 001) shows MNIST loss curves of batch gradient descent (smooth
and slow), SGD (spiky) and mini-batch (between), a batch-size comparison
(32 ... 512), training times and a placeholder "[CUDA OOM ERROR]".  Here every
curve is a real training run of a :class:`gdcore.mlp.MLP` on the 8x8 digits:
first with equal numbers of epochs, then on fair axes (loss against parameter
updates and against measured wall-clock time, batch gradient descent run
longer), the spread of the per-step loss for each batch size
(:func:`gdcore.lessons.step_spread`), the memory one step needs
(:func:`gdcore.lessons.step_memory`) against a device's memory, and the
measured time per epoch (on the machine named on screen).
"""

from __future__ import annotations

import itertools

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Create,
    DashedLine,
    DashedVMobject,
    Dot,
    DoubleArrow,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    LaggedStart,
    Line,
    ManimColor,
    Polygon,
    Rectangle,
    ReplacementTransform,
    SurroundingRectangle,
    ValueTracker,
    VGroup,
    VMobject,
    config,
    linear,
)

from gdcore.batchnoise import about, batch_noise, format_bytes_binary
from gdcore.datasets import digits
from gdcore.lessons import largest_batch, machine_description, step_memory, step_spread
from gdcore.mlp import MLP, History, train
from gdcore.optim import SGD
from scenes.kit import (
    THEME,
    EndLabels,
    HeatGrid,
    NetworkDiagram,
    PathTracer,
    PlotAxes,
    StoryScene,
    batch_size_scale,
    fmt,
    label_text,
    mark_figure,
    nice_range,
    spread_vertically,
    tick_text,
)

VARIANTS = (("batch", "batch"), ("stochastic", "stochastic"), ("minibatch", "mini-batch"))


def ratio_text(r: float) -> str:
    """A ratio of two measured or computed numbers, to two significant figures (8.6x, 15x, 150x).

    The numbers it compares are shown to three significant figures, so the ratio of the shown
    numbers agrees with it to within its last digit.
    """
    if r < 10:
        return f"{r:.1f}x"
    return f"{float(f'{r:.2g}'):.0f}x"


#: Random batches drawn per batch size for the batch-noise measure (the same number for every size).
NOISE_BATCHES = 1000


def log_tick(k: int) -> str:
    """The plain text of the tick 10**k on a log axis, readable at 480p (no superscripts).

    >>> [log_tick(k) for k in (-2, 0, 2, 3, 5, 6)]
    ['0.01', '1', '100', '1k', '100k', '1M']
    """
    if k < 0:
        return f"{10.0 ** k:.{-k}f}"
    if k < 3:
        return f"{10 ** k}"
    if k < 6:
        return f"{10 ** (k - 3)}k"
    return f"{10 ** (k - 6)}M"


def plain_log_numbers(axes: PlotAxes, x: bool = True, y: bool = False) -> PlotAxes:
    """Tick numbers 1, 10, 100, 1k ... in the TICK size on the log axes of ``axes`` (made with numbers=False)."""
    for on, axis, rng in ((x, axes.x_axis, axes.x_range), (y, axes.y_axis, axes.y_range)):
        if not on:
            continue
        nums = VGroup(*[tick_text(log_tick(round(k))).next_to(axis.number_to_point(k), DOWN if axis is axes.x_axis
                                                               else LEFT, buff=0.12)
                        for k in np.arange(rng[0], rng[1] + 0.5, 1)])
        for m in nums:
            m.axis = "x" if axis is axes.x_axis else "y"
        # Numbers that would touch (a wide range of measured seconds): keep every k-th, always the first.
        for k in range(1, len(nums) + 1):
            kept = nums[::k]
            if axis is not axes.x_axis or all(a.get_right()[0] + 0.12 <= b.get_left()[0]
                                              for a, b in itertools.pairwise(kept)):
                break
        axes.tick_numbers.add(*kept)
    axes.x_title.next_to(VGroup(axes.x_axis, *[m for m in axes.tick_numbers if m.axis == "x"]), DOWN, buff=0.12)
    axes.y_title.align_to(VGroup(axes.y_axis, *[m for m in axes.tick_numbers if m.axis == "y"]), LEFT)
    return axes


def lift_labels(labels: VGroup, ends: list[np.ndarray], floor: float) -> VGroup:
    """Keep end labels above ``floor`` (the x axis and its numbers stay clear), each tied to its
    curve's end by a thin leader line where it had to move."""
    low = min(m.get_bottom()[1] for m in labels)
    if low < floor:
        labels.shift((floor - low) * UP)
    leaders = VGroup()
    for m, end in zip(labels, ends, strict=True):
        if abs(m.get_y() - end[1]) > 0.08:
            leaders.add(Line(np.asarray(end, float) + 0.04 * RIGHT, m.get_left() + 0.04 * LEFT,
                             stroke_color=m.get_color(), stroke_width=1.5))
    return leaders


def fmt3(x: float) -> str:
    """Three significant figures, always (0.235, 0.0274, 1.20): spreads rounded alike.

    >>> fmt3(0.23456), fmt3(0.027401), fmt3(1.2)
    ('0.235', '0.0274', '1.20')
    """
    if x == 0 or not np.isfinite(x):
        return f"{x:g}"
    d = max(0, 2 - int(np.floor(np.log10(abs(x)))))
    return f"{x:.{d}f}"


def batch_size_colors(sizes: list[int], n: int, minibatch: int) -> dict[int, str]:
    """One colour per batch size: 1, the mini-batch size and the whole set ``n`` in the three variants' colours;
    the others along the kit's batch-size scale (a mauve lightness ramp that avoids the variants' blue,
    orange and green, also under colour blindness)."""
    fixed = {1: THEME.VARIANT["stochastic"], int(minibatch): THEME.VARIANT["minibatch"], int(n): THEME.VARIANT["batch"]}
    rest = sorted(b for b in set(sizes) if b not in fixed)
    ramp = dict(zip(rest, batch_size_scale(len(rest)), strict=True))
    return {b: fixed.get(b) or ramp[b] for b in sizes}


def scrim(*mobs: VMobject, opacity: float = 0.75) -> Rectangle:
    """A background-coloured veil over ``mobs``: what it covers is dimmed, whatever it is made of."""
    box = VGroup(*mobs)
    return Rectangle(width=box.width + 0.3, height=box.height + 0.3, fill_color=THEME.background,
                     fill_opacity=opacity, stroke_width=0).move_to(box)


def place_clear(label: VMobject, area: tuple[np.ndarray, np.ndarray], line: np.ndarray,
                points: list[np.ndarray], margin: float = 0.15) -> bool:
    """Put ``label`` in the first corner of ``area`` (lower left, upper right, lower right, upper left) where
    no point of the polyline ``line`` (sampled every 0.02 units) nor of ``points`` comes within ``margin`` of
    its box; the lower left if none is clear (False)."""
    lo, hi = area
    corners = [(lo, UP + RIGHT), (hi, DOWN + LEFT), (np.array([hi[0], lo[1], 0.0]), UP + LEFT),
               (np.array([lo[0], hi[1], 0.0]), DOWN + RIGHT)]
    dense = [line[:1]] if len(line) else []
    for a, b in itertools.pairwise(line):
        n = max(2, int(np.ceil(np.linalg.norm(b - a) / 0.02)))
        dense.append(a + np.linspace(0.0, 1.0, n)[:, None] * (b - a))
    taken = np.vstack([*dense, *[np.atleast_2d(p) for p in points]]) if dense or points else np.zeros((0, 3))
    for corner, direction in [*corners, corners[0]]:
        label.next_to(corner, direction, buff=0.12)
        if not label_hits(label, taken, margin):
            return True
    label.next_to(corners[0][0], corners[0][1], buff=0.12)
    return False


def label_hits(label: VMobject, taken: np.ndarray, margin: float) -> bool:
    """Whether any of the ``taken`` scene points lies within ``margin`` of ``label``'s bounding box."""
    if not len(taken):
        return False
    (x0, y0), (x1, y1) = label.get_corner(DOWN + LEFT)[:2], label.get_corner(UP + RIGHT)[:2]
    inside = ((taken[:, 0] > x0 - margin) & (taken[:, 0] < x1 + margin)
              & (taken[:, 1] > y0 - margin) & (taken[:, 1] < y1 + margin))
    return bool(inside.any())


def config_width() -> float:
    return float(config.frame_width)


def polyline_of(axes: PlotAxes, x: np.ndarray, y: np.ndarray, color) -> VMobject:
    """A line through (x, y) in data coordinates (one point: a dot-sized line)."""
    pts = [axes.c2p(a, b) for a, b in zip(x, y, strict=True)]
    if len(pts) == 1:
        pts = [pts[0], pts[0] + 0.01 * RIGHT]
    return VMobject(stroke_color=color, stroke_width=3).set_points_as_corners(pts)


class GDVariants(StoryScene):
    """Three variants' train and test losses, then batch sizes, then measured time per epoch."""

    params_key = "gd_variants"

    def construct(self) -> None:
        self.data = digits()
        self.sizes = [64, *self.p["hidden"], 10]
        self.runs = {mode: self.fit(mode, self.p["batch_size"]) for mode, _ in VARIANTS}
        self.show_digits()
        self.variant_curves()
        self.fair_axes()
        self.batch_sizes()
        self.memory()
        self.epoch_times()

    def fit(self, mode: str, batch_size: int, epochs: int | None = None) -> tuple[History, MLP]:
        p, d = self.p, self.data
        net = MLP(self.sizes, activation=p["activation"], seed=p["seed"])
        hist = train(net, d.X_train, d.y_train, SGD(lr=p["lr"]), epochs=epochs or p["epochs"], mode=mode,
                     batch_size=batch_size, loss="cross_entropy", seed=p["seed"], X_test=d.X_test, y_test=d.y_test)
        return hist, net

    @staticmethod
    def epochs_done(hist: History) -> int:
        """Epochs a run finished (fewer than asked if it diverged)."""
        return len(hist.epoch_loss) - 1

    def diverged_names(self, runs: dict) -> list[str]:
        return [name for name, h in runs.items() if h.status == "diverged"]

    def show_digits(self) -> None:
        """A few of the 8x8 images with their labels, and the network's shape, named."""
        self.set_title("What is learned: 8x8 handwritten digits")
        d = self.data
        top, bottom = self.band()
        n_show = self.p["digits_shown"]
        fg, bg = ManimColor(THEME.text), ManimColor(THEME.background)
        cell = 0.19
        images = VGroup()
        # The first training image of each digit 0, 1, 2, ... (as many as asked, then repeats).
        firsts = [int(np.nonzero(d.y_train == c)[0][0]) for c in range(10)]
        for k in (firsts * 2)[:n_show]:
            img = d.X_train[k].reshape(8, 8)
            rgb = np.array(bg.to_rgb())[None, None] + img[..., None] * (np.array(fg.to_rgb()) - np.array(bg.to_rgb()))
            grid = HeatGrid(np.array([0.0, 0.0]), np.array([8 * cell, 8 * cell]), 8, 8).set_image(
                np.round(rgb * 255).astype(np.uint8))
            frame = Rectangle(width=8 * cell, height=8 * cell, stroke_color=THEME.muted, stroke_width=1).move_to(grid)
            label = tick_text(f"label {int(d.y_train[k])}").next_to(grid, DOWN, buff=0.12)
            images.add(VGroup(grid, frame, label))
        images.arrange_in_grid(rows=2, buff=(0.35, 0.3))
        diagram = NetworkDiagram(self.sizes, height=2.6, width=3.2, max_shown=7, radius=0.1)
        diagram.set_weights(self.runs["minibatch"][1].params)
        names = [f"{self.sizes[0]} pixels", *[f"{h} hidden" for h in self.sizes[1:-1]], f"{self.sizes[-1]} digits"]
        layer_names = VGroup(*[tick_text(t).next_to(VGroup(*diagram.neurons[k].values()), DOWN, buff=0.25)
                               for k, t in enumerate(names)])
        spread_x = diagram.layer_center(1)[0] - diagram.layer_center(0)[0]
        if max(m.width for m in layer_names) > spread_x:
            # Names too wide for their columns: stagger them on two rows.
            for k, m in enumerate(layer_names):
                if k % 2:
                    m.shift(0.35 * DOWN)
        # The edges' colours, named: the trained weights' signs.
        key = VGroup(tick_text("positive weight", color=THEME.POSITIVE),
                     tick_text("negative weight", color=THEME.NEGATIVE)).arrange(RIGHT, buff=0.4)
        key.next_to(layer_names, DOWN, buff=0.25)
        net = VGroup(diagram, layer_names, key)
        row = VGroup(images, net).arrange(RIGHT, buff=1.2).move_to(np.array([0, (top + bottom) / 2, 0], float))
        n_train, n_test = len(d.y_train), len(d.y_test)
        self.caption.say(self, f"{n_train} training and {n_test} test images of 8x8 pixels, each labelled 0 to 9.")
        self.play(LaggedStart(*[FadeIn(m) for m in images], lag_ratio=0.25), run_time=2.5)
        shape = " → ".join(map(str, self.sizes))
        self.caption.say(self, f"The network: {shape} ({self.p['activation']}), "
                               f"{self.runs['minibatch'][1].n_params} weights and biases.")
        self.play(FadeIn(diagram), FadeIn(layer_names), FadeIn(key), run_time=1.5)
        mark_figure(self, "digits")
        self.unsay()
        self.play(FadeOut(row))

    def band(self) -> tuple[float, float]:
        """The y range free for content: under the title, above a two-line caption."""
        return self.titles.bottom(), self.caption.top()

    def loss_axes(self, y_max: float, width: float, height: float, y_title: str = "loss") -> PlotAxes:
        epochs = self.p["epochs"]
        x_range = nice_range(0.0, epochs, 5)
        return PlotAxes((0, x_range[1], x_range[2]), nice_range(0.0, y_max, 3), x_length=width, y_length=height,
                        x_title="epoch", y_title=y_title, y_title_color=THEME.LOSS)

    # ------------------------------------------------------------ storyboard
    def variant_curves(self) -> None:
        self.set_title("Batch, stochastic and mini-batch gradient descent")
        y_max = max(max(h.epoch_loss) for h, _ in self.runs.values())
        top, bottom = self.band()
        panels = VGroup()
        t = ValueTracker(0.0)            # epochs elapsed
        epochs = self.p["epochs"]
        feet = VGroup()
        for mode, name in VARIANTS:
            hist, net = self.runs[mode]
            axes = self.loss_axes(y_max, 3.0, 2.4, y_title="cross-entropy")
            color = THEME.VARIANT[mode]
            steps = hist.steps_per_epoch
            head = VGroup(
                label_text(name, color=color, weight="BOLD"),
                tick_text(f"batch of {hist.batch_size}", color=THEME.text),
                tick_text(f"{steps} step{'s' if steps > 1 else ''} per epoch", color=THEME.text),
            ).arrange(DOWN, buff=0.08).next_to(axes, UP, buff=0.15)
            acc = net.accuracy(self.data.X_test, self.data.y_test)
            foot = (f"diverged at step {hist.diverged_at}" if hist.status == "diverged"
                    else f"test accuracy {acc:.1%}")
            feet.add(tick_text(foot, color=THEME.text).next_to(axes, DOWN, buff=0.15))
            panels.add(VGroup(axes, head))
        panels.arrange(RIGHT, buff=1.2, aligned_edge=UP)
        for panel, foot in zip(panels, feet, strict=True):
            foot.next_to(panel[0], DOWN, buff=0.15)
        swatch = Line(0.45 * LEFT, 0.45 * RIGHT, stroke_color=THEME.muted, stroke_width=2, stroke_opacity=0.5)
        key = VGroup(swatch, tick_text("faint: the loss of each step's own batch")).arrange(RIGHT, buff=0.15)
        block = VGroup(panels, feet, key)
        key.next_to(feet, DOWN, buff=0.2)
        # Centred with the line names that will stand right of the last panel (about 0.8 wide).
        block.move_to(np.array([-0.4, (top + bottom) / 2, 0.0], float))
        key.set_x(0.0)
        # Clear of a two-line caption below and the title above.
        block.shift(UP * max(0.0, bottom + 0.08 - block.get_bottom()[1]))
        tracers, ends = self.runs_on(panels, t, y_max)
        self.play(FadeIn(panels), FadeIn(key))
        self.add(*tracers)
        p = self.p
        self.caption.say(self, f"One network on 8x8 handwritten digits, SGD lr {fmt(p['lr'])}, {epochs} epochs each.")
        self.play(t.animate.set_value(epochs), run_time=p["curve_seconds"], rate_func=linear)
        self.play(FadeIn(ends), FadeIn(feet))
        finals = ", ".join(f"{name} {self.runs[m][0].epoch_test_loss[-1]:.3f}" if self.runs[m][0].status != "diverged"
                           else f"{name} diverged" for m, name in VARIANTS)
        mark_figure(self, "variants")
        faint = list(tracers[1::4])
        trains = list(tracers[2::4])
        for m in tracers:                # drawn: frozen, so they can be dimmed
            m.clear_updaters()
            for part in m.submobjects:
                part.clear_updaters()
        k_sgd = [m for m, _ in VARIANTS].index("stochastic")
        self.caption.say(self, "One image per step is spiky; the full batch is smooth.")
        self.play(faint[k_sgd].trail.animate.set_stroke(opacity=0.8), run_time=0.8)
        self.wait(self.caption.remaining(self))
        self.play(*[f.trail.animate.set_stroke(opacity=0.08) for f in faint],
                  *[tr.trail.animate.set_stroke(opacity=0.3) for tr in trains],
                  *[tr.dot.animate.set_opacity(0.3) for tr in trains], VGroup(*[e[0] for e in ends]).animate
                  .set_opacity(0.3), run_time=0.8)
        self.caption.say(self, f"Test loss after {epochs} epochs: {finals}. But an epoch is not the same work.")
        self.unsay()
        self.play(FadeOut(VGroup(panels, key, feet, ends, *[m for m in tracers if hasattr(m, "trail")])))

    def runs_on(self, panels: VGroup, t: ValueTracker, y_max: float) -> tuple[list, VGroup]:
        """Every step's batch loss (faint), train (solid) and test (white) loss per epoch, on each panel;
        and the names of the two per-epoch lines at their ends."""
        epochs = self.p["epochs"]
        out = []
        ends = VGroup()
        for (mode, _), panel in zip(VARIANTS, panels, strict=True):
            hist, _ = self.runs[mode]
            axes = panel[0]
            y_top = axes.y_axis.x_max
            color = THEME.VARIANT[mode]
            # At most ~600 step losses per panel: every k-th step (spikes stay spikes).
            every = max(1, len(hist.step_loss) // 600)
            losses = np.asarray(hist.step_loss)[every - 1::every]
            steps = np.arange(every, len(hist.step_loss) + 1, every)[: len(losses)] / hist.steps_per_epoch
            step_t = ValueTracker(0.0)
            step_t.add_updater(lambda v, h=hist, k=every: v.set_value(t.get_value() * h.steps_per_epoch / k))
            faint = PathTracer(axes, np.column_stack([steps, np.minimum(losses, y_top)]), color, step_t,
                               (0, 0), (epochs, y_top), dot_radius=0.001, stroke_width=1, diverged_label=False)
            faint.trail.set_stroke(opacity=0.25)
            done = np.arange(len(hist.epoch_loss))
            tr = PathTracer(axes, np.column_stack([done, hist.epoch_loss]), color, t, (0, 0),
                            (epochs, y_top), dot_radius=0.04, stroke_width=3, diverged_label=False)
            te = PathTracer(axes, np.column_stack([done, hist.epoch_test_loss]), THEME.text, t,
                            (0, 0), (epochs, y_top), dot_radius=0.03, stroke_width=2, diverged_label=False)
            out += [step_t, faint, tr, te]
            names = EndLabels([("train", color, tr.position(tr.exit_step)),
                               ("test", THEME.text, te.position(te.exit_step))], buff=0.1)
            # Above the x axis, clear of its tick numbers.
            names.shift(UP * max(0.0, axes.c2p(0, 0)[1] + 0.1 - names.get_bottom()[1]))
            ends.add(names)
        return out, ends

    def fair_axes(self) -> None:
        """Training loss against parameter updates and against measured seconds (log axes), batch run longer."""
        self.set_title("Fair axes: loss per update and per second")
        p = self.p
        runs = {"batch": self.fit("batch", p["batch_size"], epochs=p["batch_epochs"])[0],
                "stochastic": self.runs["stochastic"][0], "minibatch": self.runs["minibatch"][0]}
        self.long_batch = runs["batch"]
        names = dict(VARIANTS)
        # Per finished epoch e >= 1: updates so far, seconds so far, training loss.
        series = {}
        for mode, h in runs.items():
            e = np.arange(1, self.epochs_done(h) + 1)
            series[mode] = (e * h.steps_per_epoch, np.cumsum(h.epoch_seconds)[: len(e)], np.asarray(h.epoch_loss[1:]))
        top, bottom = self.band()
        y_max = max(float(np.max(v[2])) for v in series.values() if len(v[2])) if any(
            len(v[2]) for v in series.values()) else 1.0
        y_range = nice_range(0.0, y_max, 3)
        label_room = 1.9
        width = (config_width() - 2 * 0.5 - 2 * label_room - 0.9) / 2
        charts = []
        for title, log_of in ((("parameter updates (log scale)", 0),
                                             ("seconds, measured (log scale)", 1))):
            xs = np.concatenate([v[log_of] for v in series.values() if len(v[2])])
            lo, hi = np.floor(np.log10(max(xs.min(), 1e-12))), np.ceil(np.log10(xs.max()))
            axes = PlotAxes((lo, max(hi, lo + 1), 1), y_range, x_length=width, y_length=top - bottom - 1.9,
                            x_title=title, y_title="training loss (cross-entropy)", x_log=True,
                            y_title_color=THEME.LOSS, numbers=False)
            # Linear y numbers as usual; the log x axis with plain numbers (1, 10, 100, 1k), no superscripts.
            axes._add_numbers(axes.y_axis, y_range, False, horizontal=False)
            charts.append(plain_log_numbers(axes))
        VGroup(*charts).arrange(RIGHT, buff=label_room + 0.6, aligned_edge=DOWN)
        VGroup(*charts).move_to(np.array([-label_room / 2 + 0.2, (top + bottom) / 2, 0], float))
        u = ValueTracker(0.0)            # progress 0..1 along each chart's log x
        tracers, ends, leaders = [], VGroup(), VGroup()
        arrivals: list[float] = []
        arriving: list[tuple[float, VMobject]] = []
        curves: dict[tuple[int, str], PathTracer] = {}
        for axes, log_of in zip(charts, (0, 1), strict=True):
            x0, x1 = axes.x_range[0], axes.x_range[1]
            entries = []
            for mode in ("batch", "stochastic", "minibatch"):
                xv, yv = series[mode][log_of], series[mode][2]
                if len(yv) == 0:
                    continue
                lx = np.log10(np.maximum(xv, 1e-12))
                step = ValueTracker(0.0)
                step.add_updater(lambda v, lx=lx, x0=x0, x1=x1: v.set_value(
                    float(np.interp(x0 + u.get_value() * (x1 - x0), lx, np.arange(len(lx)), left=-1.0))))
                tr = PathTracer(axes, np.column_stack([xv, yv]), THEME.VARIANT[mode], step, (10 ** x0, 0),
                                (10 ** x1, y_range[1]), dot_radius=0.04, stroke_width=3, diverged_label=False)
                # Not drawn before the run's first point is reached.
                tr.dot.add_updater(lambda d, st=step: d.set_opacity(0.0) if st.get_value() < 0 else None)
                tracers += [step, tr]
                curves[(log_of, mode)] = tr
                final = "diverged" if runs[mode].status == "diverged" else f"{yv[-1]:.3f}"
                entries.append((f"{names[mode]} {final}", THEME.VARIANT[mode], tr.position(tr.exit_step)))
                # The progress u at which this curve's last point is drawn: its label appears then.
                arrivals.append(min(1.0, max(0.0, (float(lx[-1]) - x0) / (x1 - x0))))
            labels = EndLabels(entries, buff=0.12)
            # Above the x axis (its numbers are below it), joined to the curve's end where moved.
            lead = lift_labels(labels, [e[2] for e in entries], axes.c2p(10 ** x0, 0)[1] + 0.1)
            ends.add(labels)
            leaders.add(lead)
            new = arrivals[len(arriving):]
            for a, lab in zip(new, labels, strict=True):
                mine = [ln for ln in lead if np.allclose(ln.get_end(), lab.get_left() + 0.04 * LEFT)]
                arriving.append((a, VGroup(lab, *mine)))
        # The timings are this machine's: say which, under the chart of seconds.
        machine = tick_text(f"seconds measured while rendering, on {machine_description()}", color=THEME.muted)
        machine.next_to(charts[1].x_title, DOWN, buff=0.12)
        machine.shift(RIGHT * min(0.0, config.frame_x_radius - 0.2 - machine.get_right()[0]))
        self.play(FadeIn(VGroup(*charts)), FadeIn(machine))
        self.add(*tracers)
        self.caption.say(self, f"Batch gradient descent makes one update per epoch: here it runs "
                               f"{self.epochs_done(runs['batch'])} epochs.")
        # Each final number appears when its curve arrives; the drawing goes on meanwhile.
        pending: list[VMobject] = []
        for u_at in sorted({a for a, _ in arriving} | {1.0}):
            if u_at - u.get_value() > 0.02:
                self.play(u.animate.set_value(u_at), *[FadeIn(m) for m in pending],
                          run_time=p["curve_seconds"] * (u_at - u.get_value()), rate_func=linear)
                pending = []
            pending += [m for a, m in arriving if a == u_at]
        if pending:
            self.play(*[FadeIn(m) for m in pending])
        mark_figure(self, "wall-clock")
        for m in tracers:                # drawn: frozen, so they can be dimmed
            m.clear_updaters()
            for part in m.submobjects:
                part.clear_updaters()
        # Verdicts from the numbers: the loss each reached at the same number of updates and the same time,
        # each shown on its chart (a line at that place, the values where it crosses the curves), the rest dimmed.
        ok = {m: v for m, v in series.items() if len(v[2]) and runs[m].status != "diverged"}
        if len(ok) >= 2:
            for axis in (0, 1):
                axes, other = charts[axis], charts[1 - axis]
                first = max(v[axis][0] for v in ok.values())
                last = min(v[axis][-1] for v in ok.values())
                if first > last and axis == 1:
                    # Measured times that do not overlap: said all the same, so the video keeps its length.
                    done = min(ok, key=lambda m: ok[m][1][-1])
                    marks = self.at_line(axes, ok[done][1][-1], f"{fmt(ok[done][1][-1], 2)} s",
                                         {done: float(ok[done][2][-1])})
                    text = (f"{names[done]} finished in {fmt(ok[done][1][-1], 2)} s, before the "
                            "others made their first epoch.")
                elif first > last:
                    most = max(ok, key=lambda m: ok[m][0][0])
                    fewest = min(ok, key=lambda m: ok[m][0][-1])
                    marks = VGroup(
                        self.at_line(axes, ok[fewest][0][-1], f"{ok[fewest][0][-1]:,}",
                                     {fewest: float(ok[fewest][2][-1])}, color=THEME.VARIANT[fewest], side=LEFT,
                                     dots_only=(fewest,)),
                        self.at_line(axes, ok[most][0][0], f"{ok[most][0][0]:,}",
                                     {most: float(ok[most][2][0])}, color=THEME.VARIANT[most]))
                    text = (f"One epoch of {names[most]} is already {ok[most][0][0]:,} updates; "
                            f"{names[fewest]} made {ok[fewest][0][-1]:,} in all.")
                else:
                    at = {m: float(np.interp(np.log10(last), np.log10(v[axis]), v[2])) for m, v in ok.items()}
                    best = min(at, key=lambda m: at[m])
                    where = f"{int(last):,} updates" if axis == 0 else f"{fmt(last, 2)} s of measured time"
                    short = f"{int(last):,}" if axis == 0 else f"{fmt(last, 2)} s"
                    marks = self.at_line(axes, last, short, at)
                    text = f"At {where}, {names[best]} has the lowest loss ({at[best]:.3f})."
                veil = scrim(other, ends[1 - axis])
                # The other chart veiled; this chart's end labels step aside for the values on the line.
                self.play(FadeIn(veil), FadeOut(ends[axis]), FadeOut(leaders[axis]), run_time=0.6)
                self.play(FadeIn(marks), run_time=0.6)
                self.caption.say(self, text)
                self.unsay()
                self.play(FadeOut(marks), run_time=0.5)
                self.play(FadeOut(veil), FadeIn(ends[axis]), FadeIn(leaders[axis]), run_time=0.5)
        gone = [names[m] for m, h in runs.items() if h.status == "diverged"]
        if gone:
            self.caption.say(self, f"Diverged (loss no longer finite): {', '.join(gone)}.", 3)
        self.unsay()
        self.play(FadeOut(VGroup(*charts, ends, leaders, machine, *[m for m in tracers if isinstance(m, PathTracer)])))

    def at_line(self, axes: PlotAxes, x: float, name: str, values: dict[str, float], color: str | None = None,
                side: np.ndarray = RIGHT, dots_only: tuple[str, ...] = ()) -> VGroup:
        """A dashed vertical line at ``x`` on ``axes``, named at its top, with a dot and the value where it
        crosses each run's curve (``values``: mode -> loss there)."""
        y0, y1 = axes.y_range[0], axes.y_range[1]
        line = DashedLine(axes.c2p(x, y0), axes.c2p(x, y1), stroke_color=color or THEME.text, stroke_width=2)
        # The name inside the plot, beside the line's top (the y title stands above the plot).
        top = tick_text(name, color=color or THEME.text).next_to(line.get_top(), side, buff=0.1)
        top.shift(DOWN * (top.height / 2 + 0.05))
        dots, nums = VGroup(), []
        for mode, v in values.items():
            pt = axes.c2p(x, min(max(v, y0), y1))
            dots.add(Dot(pt, radius=0.06, color=THEME.VARIANT[mode]))
            if mode in dots_only:
                continue
            num = tick_text(f"{v:.3f}", color=THEME.VARIANT[mode]).next_to(pt, RIGHT, buff=0.12)
            # On a dark patch: the curves run on to the right under it.
            num.add_background_rectangle(color=THEME.background, opacity=0.85, buff=0.04)
            nums.append(num)
        spread_vertically(nums, 0.05)
        floor = axes.c2p(x, y0)[1] + 0.08
        low = min((m.get_bottom()[1] for m in nums), default=floor)
        if low < floor:
            for m in nums:
                m.shift((floor - low) * UP)
        return VGroup(line, top, dots, *nums)

    def size_colors(self, sizes: list[int]) -> dict[int, str]:
        return batch_size_colors(sizes, len(self.data.y_train), int(self.p["batch_size"]))

    def batch_sizes(self) -> None:
        """Per-step training loss for each batch size (median per epoch with its 10-90% spread), then a fair
        measure of batch noise: the sd of the batch loss at fixed weights over equal numbers of random batches."""
        self.set_title("Batch size: the loss of each step, and its noise")
        sizes = sorted(self.p["batch_sizes"])
        n = len(self.data.y_train)
        runs = {b: self.fit("minibatch", b)[0] for b in sizes}
        stats = {b: step_spread(h.step_loss, h.steps_per_epoch) for b, h in runs.items()}
        noise_sizes = sorted(sizes)
        color = self.size_colors([*noise_sizes, n])
        top, bottom = self.band()
        epochs = self.p["epochs"]
        hi_loss = max((float(st[2].max()) for st in stats.values() if len(st[0])), default=1.0)
        width = 4.3
        few, many = min(sizes), max(sizes)
        left_axes = PlotAxes(nice_range(0, epochs, 5), nice_range(0.0, hi_loss, 3), x_length=width,
                             y_length=top - bottom - 2.2,
                             x_title=f"epoch (batch {few}: {runs[few].steps_per_epoch} steps, "
                                     f"{many}: {runs[many].steps_per_epoch})",
                             y_title="loss of one step (median, 10-90%)")
        # The fair measure: at the trained mini-batch network's weights (fixed), NOISE_BATCHES random batches
        # of each size; the sd of their loss, against the sampling expectation.
        net = self.runs["minibatch"][1]
        noise = batch_noise(net, self.data.X_train, self.data.y_train, [*noise_sizes, n], n_batches=NOISE_BATCHES,
                            seed=self.p["seed"])
        sds = {b: noise.measured[b] for b in noise_sizes}
        lo_k = int(np.floor(np.log10(max(min(sds.values()), 1e-9) * 0.8)))
        hi_k = int(np.ceil(np.log10(max(max(sds.values()), 1e-9) * 1.25)))
        k0, k1 = int(np.floor(np.log2(min(sizes)))) - 1, int(np.ceil(np.log2(max(sizes)))) + 1
        right_axes = PlotAxes((k0, k1, 1), (lo_k, max(hi_k, lo_k + 1), 1), x_length=width,
                              y_length=top - bottom - 2.2, x_title="batch size (log scale)",
                              y_title="sd of the batch loss, fixed weights", y_log=True, numbers=False)
        plain_log_numbers(right_axes, x=False, y=True)
        # x in octaves: ticks 16, 32, 64 ... in the colours of the batch sizes they name.
        xnums = VGroup(*[tick_text(f"{2 ** k}", color=color[2 ** k]).next_to(
            right_axes.x_axis.number_to_point(k), DOWN, buff=0.12) for k in range(k0, k1 + 1) if 2 ** k in sizes])
        for m in xnums:
            m.axis = "x"
        right_axes.tick_numbers.add(*xnums)
        right_axes.x_title.next_to(xnums, DOWN, buff=0.12)

        def at(b: float, v: float) -> np.ndarray:
            return right_axes.c2p(np.log2(b), v)

        VGroup(left_axes, right_axes).arrange(RIGHT, buff=1.9, aligned_edge=DOWN)
        VGroup(left_axes, right_axes).move_to(np.array([-0.45, (top + bottom) / 2 + 0.1, 0], float))
        bands, lines = VGroup(), VGroup()
        ends_l = []
        for b in sizes:
            med, lo, hi = stats[b]
            if len(med) == 0:
                continue
            c = color[b]
            e = np.arange(1, len(med) + 1)
            upper = [left_axes.c2p(x, y) for x, y in zip(e, hi, strict=True)]
            lower = [left_axes.c2p(x, y) for x, y in zip(e[::-1], lo[::-1], strict=True)]
            if len(e) > 1:
                bands.add(Polygon(*upper, *lower, stroke_width=0, fill_color=c, fill_opacity=0.18))
            lines.add(polyline_of(left_axes, e, med, c))
            tail = "" if runs[b].status != "diverged" else " diverged"
            ends_l.append((f"{b}{tail}", c, left_axes.c2p(e[-1], med[-1])))
        names_l = EndLabels(ends_l, buff=0.1)
        lead_l = lift_labels(names_l, [e[2] for e in ends_l], left_axes.c2p(0, 0)[1] + 0.1)
        self.play(FadeIn(left_axes), FadeIn(right_axes))
        self.caption.say(self, "Training with each batch size: the median loss of one step per epoch, "
                               "and the middle 80% of its steps.")
        self.play(FadeIn(bands), Create(lines), run_time=2)
        self.play(FadeIn(names_l), FadeIn(lead_l))
        # Expected sd without replacement, sigma * sqrt((N - b) / (b (N - 1))), as a dashed curve.
        bb = np.unique(np.round(np.logspace(np.log10(2 ** k0), np.log10(n), 60)).astype(int))
        floor_sd = 10.0 ** right_axes.y_range[0]
        ex = [(b, noise.expected[b] if b in noise.expected else
               noise.sigma * np.sqrt((n - b) / (b * (n - 1)))) for b in bb]
        ex_pts = [at(b, v) for b, v in ex if v >= floor_sd]
        expected = DashedVMobject(VMobject(stroke_color=THEME.muted, stroke_width=2).set_points_as_corners(ex_pts),
                                  num_dashes=40)
        # Its key in the empty lower-left corner of the plot.
        exp_name = VGroup(DashedLine(ORIGIN, 0.45 * RIGHT, stroke_color=THEME.muted, stroke_width=2, dash_length=0.08),
                          tick_text("expected from sampling", color=THEME.muted)).arrange(RIGHT, buff=0.12)
        dots = VGroup()
        for b in noise_sizes:
            pt = at(b, max(sds[b], floor_sd))
            dots.add(Dot(pt, radius=0.07, color=color[b]))
        # In a corner of the plot clear of the dashed curve and the dots (the bottom left first: the curve
        # falls from the top left to the bottom right).
        taken = [d.get_center() for d in dots]
        if not place_clear(exp_name, right_axes.plot_area(), np.array(ex_pts), taken):
            # Wider than the room beside the curve: on two lines.
            exp_name = VGroup(exp_name[0], tick_text("expected\nfrom sampling", color=THEME.muted)).arrange(
                RIGHT, buff=0.12)
            place_clear(exp_name, right_axes.plot_area(), np.array(ex_pts), taken)
        zero = tick_text(f"all {n}: the same batch, sd 0", color=color[n])
        zero.next_to(right_axes.x_title, DOWN, buff=0.1)
        self.caption.say(self, f"A fair measure: at fixed trained weights, the loss of {NOISE_BATCHES} random "
                               "batches of each size, and how much it varies.")
        self.play(LaggedStart(*[FadeIn(d, scale=0.5) for d in dots], lag_ratio=0.3), run_time=2)
        self.play(Create(expected), FadeIn(exp_name), FadeIn(zero), run_time=1.2)
        small, large = few, many
        ratio = sds[small] / sds[large] if sds[large] > 0 else float("inf")
        want = noise.expected[small] / noise.expected[large] if noise.expected[large] > 0 else float("inf")
        k_s, k_l = noise_sizes.index(small), noise_sizes.index(large)
        others = VGroup(*[dots[i] for i in range(len(noise_sizes)) if i not in (k_s, k_l)])
        pair = VGroup(
            tick_text(f"sd {fmt3(sds[small])}", color=color[small]).next_to(dots[k_s], UP + RIGHT, buff=0.1),
            tick_text(f"sd {fmt3(sds[large])}", color=color[large]).next_to(dots[k_l], UP + RIGHT, buff=0.1))
        veil = scrim(left_axes, names_l)
        self.caption.say(self, f"Batch {small} varies {ratio_text(ratio)} as much as batch {large}; sampling "
                               f"theory expects {ratio_text(want)}.")
        self.play(others.animate.set_opacity(0.25), FadeIn(veil), FadeIn(pair), run_time=0.8)
        self.caption.say(self, "Larger batches, steadier steps." if ratio > 1 else
                         f"Here batch {large} is not steadier than batch {small}.")
        mark_figure(self, "batch-spread")
        self.unsay()
        # The source found 64-256 less stable than 32 and 512: answered from the measured noise.
        middle = [b for b in sizes if small < b < large]
        mids = VGroup(*[dots[noise_sizes.index(b)] for b in middle])
        order = [sds[b] for b in sizes]
        steady = all(a > c for a, c in itertools.pairwise(order))
        if middle:
            self.play(mids.animate.set_opacity(1.0), FadeOut(pair), run_time=0.6)
            worse = [b for b in middle if sds[b] > sds[small]]
            if steady:
                said = (f"The noise falls steadily from {small} to {large}: the source's \"{middle[0]}-{middle[-1]} "
                        f"less stable than {small} and {large}\" does not show here.")
            elif worse:
                said = f"Batch {', '.join(map(str, worse))} is noisier than batch {small} here, as the source found."
            else:
                said = (f"Not in steady order, but no size between {small} and {large} is noisier than "
                        f"batch {small}.")
            self.caption.say(self, said)
        self.unsay()
        self.play(FadeOut(VGroup(left_axes, right_axes, bands, lines, names_l, lead_l, dots, expected,
                                 exp_name, zero, veil, *([] if middle else [pair]))))

    def memory(self) -> None:
        """Bytes one training step needs for each batch size, against a device's memory (log scale)."""
        self.set_title("Memory for one training step")
        p = self.p
        n = len(self.data.y_train)
        batches = sorted({1, *p["batch_sizes"], n})
        mem = {b: step_memory(self.sizes, b, bytes_per_number=4) for b in batches}
        device = p["device_memory_gb"] * 2**30
        top, bottom = self.band()
        # Ticks at 1 KiB, 1 MiB, 1 GiB, ... (powers of 1024), the axis spanning them.
        k_lo = int(np.floor(np.log(min(m.total for m in mem.values())) / np.log(1024)))
        k_hi = int(np.ceil(np.log(max(device, max(m.total for m in mem.values())) * 1.01) / np.log(1024)))
        lo, hi = k_lo * np.log10(1024), k_hi * np.log10(1024)
        axes = PlotAxes((0, len(batches) + 1, 1), (lo, hi, hi - lo), x_length=10.0, y_length=top - bottom - 1.9,
                        x_title="batch size (samples per step)", y_title="bytes per step (float32)", y_log=True,
                        numbers=False)
        axes.move_to(np.array([0.4, (top + bottom) / 2 - 0.1, 0], float))
        y_ticks = VGroup(*[tick_text(format_bytes_binary(1024.0 ** k)).next_to(axes.c2p(0, 1024.0 ** k), LEFT,
                                                                               buff=0.12)
                           for k in range(k_lo, k_hi + 1) if k > 0] +
                         [tick_text("1 B").next_to(axes.c2p(0, 1.0), LEFT, buff=0.12)] * (k_lo <= 0))
        bars, labels, values = VGroup(), VGroup(), VGroup()
        base = axes.c2p(0, 10.0 ** lo)[1]
        x_title = axes.x_title
        # One sample, the mini-batch and all of them in the colours of their variants; the others in the
        # batch-size chart's colours.
        color_of = self.size_colors(batches)
        for k, b in enumerate(batches, start=1):
            yv = axes.c2p(k, mem[b].total)[1]
            bar = Rectangle(width=0.55, height=max(yv - base, 0.02), fill_color=color_of[b], fill_opacity=0.9,
                            stroke_width=0).move_to([axes.c2p(k, 1)[0], (yv + base) / 2, 0])
            bars.add(bar)
            labels.add(tick_text(f"{b}" if b != n else f"{b} (all)").next_to(np.array([bar.get_x(), base, 0.0]), DOWN,
                                                                               buff=0.15))
            values.add(tick_text(format_bytes_binary(mem[b].total)).next_to(bar, UP, buff=0.1))
        x_title.next_to(labels, DOWN, buff=0.12)
        dev_y = axes.c2p(0, device)[1]
        x0, x1 = axes.c2p(0, 1)[0], axes.c2p(len(batches) + 1, 1)[0]
        device_line = DashedLine([x0, dev_y, 0], [x1, dev_y, 0], stroke_color=THEME.text, stroke_width=3)
        device_name = tick_text(f"device memory: a GPU with {format_bytes_binary(device)}", color=THEME.text).next_to(
            device_line, UP, buff=0.1).align_to(device_line, LEFT).shift(0.3 * RIGHT)
        # The count for the whole data set, term by term, beside its bar.
        one = mem[batches[-1]]
        parts = VGroup(*[tick_text(t, color=color_of[n]) for t in (
            f"all {n}: weights {format_bytes_binary(one.parameters)}",
            f"+ gradients {format_bytes_binary(one.gradients)}",
            f"+ activations {format_bytes_binary(one.activations)}")]).arrange(DOWN, aligned_edge=RIGHT, buff=0.06)
        parts.next_to(values[-1], UP, buff=0.1).align_to(bars[-1], RIGHT)
        self.play(FadeIn(axes), FadeIn(y_ticks), FadeIn(labels))
        self.caption.say(self, f"Weights, their gradients and the batch's activations, counted from the "
                               f"{' → '.join(map(str, self.sizes))} network.")
        self.play(*[GrowFromEdge(b, DOWN) for b in bars], run_time=1.5)
        self.play(FadeIn(values), FadeIn(parts))
        fits = one.total <= device
        most = largest_batch(self.sizes, device, bytes_per_number=4)
        # The gap from the whole set's bar up to the device line, the rest dimmed.
        top_bar = bars[-1].get_top()
        gap = DoubleArrow(top_bar + 0.55 * RIGHT, np.array([top_bar[0] + 0.55, dev_y, 0.0]), buff=0.0,
                          stroke_width=3, color=THEME.text, tip_length=0.15)
        room = device / one.total
        gap_name = tick_text(f"{ratio_text(room)} room" if fits else "does not fit", color=THEME.text).next_to(
            gap, RIGHT, buff=0.12)
        rest = VGroup(*bars[:-1], *values[:-1], *labels[:-1])
        self.caption.say(self, f"All {n} images in one batch need {format_bytes_binary(one.total)}: "
                               + ("that fits." if fits else "out of memory."))
        self.play(Create(device_line), FadeIn(device_name), rest.animate.set_opacity(0.3), Create(gap),
                  FadeIn(gap_name))
        self.caption.say(self, f"A batch would stop fitting beyond {about(most)} images." if fits
                         else f"At most {about(most)} images fit in one batch.")
        mark_figure(self, "memory")
        self.unsay()
        self.play(FadeOut(VGroup(axes, y_ticks, labels, values, bars, device_line, device_name, parts, gap,
                                 gap_name)))

    def epoch_times(self) -> None:
        self.set_title("Time per epoch, measured on this machine")
        times = {m: float(np.median(self.runs[m][0].epoch_seconds)) * 1000 for m, _ in VARIANTS}
        top_ms = max(times.values())
        top, bottom = self.band()
        tallest = (top - bottom) - 1.6
        bars = VGroup()
        for mode, name in VARIANTS:
            h = tallest * times[mode] / top_ms
            bar = Rectangle(width=1.8, height=max(h, 0.03), fill_color=THEME.VARIANT[mode], fill_opacity=0.9,
                            stroke_width=0)
            value = label_text(f"{fmt(times[mode], 3)} ms")
            label = label_text(name, color=THEME.VARIANT[mode], weight="BOLD")
            bars.add(VGroup(bar, value, label))
        bars.arrange(RIGHT, buff=1.4, aligned_edge=DOWN)
        for g in bars:
            g[1].next_to(g[0], UP, buff=0.12)
            g[2].next_to(g[0], DOWN, buff=0.2)
        bars.shift((bottom + 0.25 - VGroup(*[g[2] for g in bars]).get_bottom()[1]) * UP - bars.get_x() * RIGHT)
        base = Line(bars.get_corner(DOWN + LEFT) * RIGHT + bars[0][0].get_bottom() * UP + 0.4 * LEFT,
                    bars.get_corner(DOWN + RIGHT) * RIGHT + bars[0][0].get_bottom() * UP + 0.4 * RIGHT,
                    stroke_color=THEME.muted, stroke_width=2)
        machine = tick_text(f"measured while rendering on {machine_description()}", color=THEME.muted)
        machine.next_to(np.array([0, top, 0], float), DOWN, buff=0.1)
        # The caption compares these two variants: they are the bars it highlights.
        compared = ("stochastic", "batch")
        ratio = times[compared[0]] / max(times[compared[1]], 1e-9)
        how = f"{ratio_text(ratio)} slower" if ratio >= 1 else f"{ratio_text(1 / ratio)} faster"
        self.caption.say(self, f"Median of {self.p['epochs']} epochs: one sample at a time is {how} "
                               "per epoch than one big batch.")
        self.play(Create(base), *[GrowFromEdge(g[0], DOWN) for g in bars], FadeIn(machine), run_time=1.2)
        self.play(*[FadeIn(g[1]) for g in bars], *[FadeIn(g[2]) for g in bars])
        mark_figure(self, "epoch-times")
        order = [m for m, _ in VARIANTS]
        rings = VGroup(*[SurroundingRectangle(bars[order.index(m)], color=THEME.text, buff=0.12) for m in compared])
        self.play(Create(rings), *[g.animate.set_opacity(0.35) for m, g in zip(order, bars, strict=True)
                                   if m not in compared])
        # The source's order (on an NVIDIA A10 GPU: batch fastest, then mini-batch, then stochastic) against
        # this machine's, from the medians; and why the longer batch run's clock differs.
        names = dict(VARIANTS)
        fastest = min(times, key=lambda m: times[m])
        k = order.index(fastest)
        ring = SurroundingRectangle(bars[k], color=THEME.text, buff=0.12)
        lit = [bars[k][0].animate.set_fill(opacity=0.9), bars[k][1].animate.set_opacity(1.0),
               bars[k][2].animate.set_opacity(1.0)] if fastest not in compared else []
        # The ring moves when the caption naming the fastest comes up (the comparison is read first).
        if fastest == "batch":
            self.caption.say(self, "Fastest per epoch here: batch, as on the source's A10 GPU.")
        else:
            self.caption.say(self, f"Fastest per epoch here: {names[fastest]}; on the source's A10 GPU the "
                                   "full batch was fastest.")
        self.play(ReplacementTransform(rings, ring), *lit,
                  *[g.animate.set_opacity(0.35) for i, g in enumerate(bars) if i != k and order[i] in compared])
        if getattr(self, "long_batch", None) is not None and len(self.long_batch.epoch_seconds):
            long_ms = float(np.median(self.long_batch.epoch_seconds)) * 1000
            self.caption.say(self, f"The {self.epochs_done(self.long_batch)}-epoch batch run of the fair axes "
                                   f"was timed separately: {fmt(long_ms, 3)} ms per epoch there.")
