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

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Line,
    ManimColor,
    Polygon,
    Rectangle,
    ValueTracker,
    VGroup,
    VMobject,
    config,
    linear,
)

from gdcore.cost import format_bytes
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
    fmt,
    label_text,
    level_colors,
    mark_figure,
    nice_range,
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
        net = VGroup(diagram, layer_names)
        row = VGroup(images, net).arrange(RIGHT, buff=1.2).move_to(np.array([0, (top + bottom) / 2, 0], float))
        self.play(FadeIn(images), run_time=1.2)
        n_train, n_test = len(d.y_train), len(d.y_test)
        self.caption.say(self, f"{n_train} training and {n_test} test images of 8x8 pixels, each labelled 0 to 9.",
                         3.5)
        self.play(FadeIn(diagram), FadeIn(layer_names))
        shape = " → ".join(map(str, self.sizes))
        self.caption.say(self, f"The network: {shape} ({self.p['activation']}), "
                               f"{self.runs['minibatch'][1].n_params} weights and biases.", 3.5)
        self.wait(1)
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
        self.caption.say(self, f"One network on 8x8 handwritten digits, SGD lr {fmt(p['lr'])}, {epochs} epochs each.",
                         4)
        self.play(t.animate.set_value(epochs), run_time=p["curve_seconds"], rate_func=linear)
        self.play(FadeIn(ends), FadeIn(feet))
        finals = ", ".join(f"{name} {self.runs[m][0].epoch_test_loss[-1]:.3f}" if self.runs[m][0].status != "diverged"
                           else f"{name} diverged" for m, name in VARIANTS)
        self.caption.say(self, "One image per step is spiky; the full batch is smooth.", 3)
        self.wait(1.5)
        self.caption.say(self, f"Test loss after {epochs} epochs: {finals}. But an epoch is not the same work.", 4)
        self.wait(3)
        mark_figure(self, "variants")
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
                            y_title_color=THEME.LOSS)
            charts.append(axes)
        VGroup(*charts).arrange(RIGHT, buff=label_room + 0.6, aligned_edge=DOWN)
        VGroup(*charts).move_to(np.array([-label_room / 2 + 0.2, (top + bottom) / 2, 0], float))
        u = ValueTracker(0.0)            # progress 0..1 along each chart's log x
        tracers, ends = [], VGroup()
        arrivals: list[float] = []
        arriving: list[tuple[float, VMobject]] = []
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
                final = "diverged" if runs[mode].status == "diverged" else f"{yv[-1]:.3f}"
                entries.append((f"{names[mode]} {final}", THEME.VARIANT[mode], tr.position(tr.exit_step)))
                # The progress u at which this curve's last point is drawn: its label appears then.
                arrivals.append(min(1.0, max(0.0, (float(lx[-1]) - x0) / (x1 - x0))))
            labels = EndLabels(entries, buff=0.12)
            ends.add(labels)
            arriving += list(zip(arrivals[len(arriving):], labels, strict=True))
        # The timings are this machine's: say which, under the chart of seconds.
        machine = tick_text(f"seconds measured while rendering, on {machine_description()}", color=THEME.muted)
        machine.next_to(charts[1].x_title, DOWN, buff=0.12)
        machine.shift(RIGHT * min(0.0, config.frame_x_radius - 0.2 - machine.get_right()[0]))
        self.play(FadeIn(VGroup(*charts)), FadeIn(machine))
        self.add(*tracers)
        self.caption.say(self, f"Batch gradient descent makes one update per epoch: here it runs "
                               f"{self.epochs_done(runs['batch'])} epochs.", 4)
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
        # Verdicts from the numbers: the loss each reached at the same number of updates and the same time.
        ok = {m: v for m, v in series.items() if len(v[2]) and runs[m].status != "diverged"}
        if len(ok) >= 2:
            # Compare where every run has a point: the latest update count / time all of them reached
            # (interpolated on the log axis), if their ranges overlap at all.
            for axis in (0, 1):
                first = max(v[axis][0] for v in ok.values())
                last = min(v[axis][-1] for v in ok.values())
                if first > last and axis == 1:
                    # Measured times that do not overlap: said all the same, so the video keeps its length.
                    done = min(ok, key=lambda m: ok[m][1][-1])
                    self.caption.say(self, f"{names[done]} finished in {fmt(ok[done][1][-1], 2)} s, before the "
                                           "others made their first epoch.", 6)
                    continue
                if first > last:
                    most = max(ok, key=lambda m: ok[m][0][0])
                    fewest = min(ok, key=lambda m: ok[m][0][-1])
                    self.caption.say(self, f"One epoch of {names[most]} is already {ok[most][0][0]:,} updates; "
                                           f"{names[fewest]} made {ok[fewest][0][-1]:,} in all.", 6)
                    continue
                at = {m: float(np.interp(np.log10(last), np.log10(v[axis]), v[2])) for m, v in ok.items()}
                best = min(at, key=lambda m: at[m])
                where = f"{int(last):,} updates" if axis == 0 else f"{fmt(last, 2)} s of measured time"
                # A fixed time on screen (longer than any such line takes to read): the video's length
                # does not depend on the measured times.
                self.caption.say(self, f"At {where}, {names[best]} has the lowest loss ({at[best]:.3f}).", 6)
        gone = [names[m] for m, h in runs.items() if h.status == "diverged"]
        if gone:
            self.caption.say(self, f"Diverged (loss no longer finite): {', '.join(gone)}.", 3)
        self.wait(2)
        self.unsay()
        self.play(FadeOut(VGroup(*charts, ends, machine, *[m for m in tracers if isinstance(m, PathTracer)])))

    def batch_sizes(self) -> None:
        """Per-step training loss for each batch size: median per epoch with its 10-90% spread, and the spread."""
        self.set_title("Batch size: the loss of each step, and its spread")
        sizes = self.p["batch_sizes"]
        runs = {b: self.fit("minibatch", b)[0] for b in sizes}
        stats = {b: step_spread(h.step_loss, h.steps_per_epoch) for b, h in runs.items()}
        colors = level_colors(len(sizes))
        top, bottom = self.band()
        epochs = self.p["epochs"]
        hi_loss = max((float(st[2].max()) for st in stats.values() if len(st[0])), default=1.0)
        hi_spread = max((float((st[2] - st[1]).max()) for st in stats.values() if len(st[0])), default=1.0)
        width = 4.3
        left_axes = PlotAxes(nice_range(0, epochs, 5), nice_range(0.0, hi_loss, 3), x_length=width,
                             y_length=top - bottom - 1.9, x_title="epoch",
                             y_title="loss of one step (median, 10-90%)", y_title_color=THEME.LOSS)
        right_axes = PlotAxes(nice_range(0, epochs, 5), nice_range(0.0, hi_spread, 3), x_length=width,
                              y_length=top - bottom - 1.9, x_title="epoch", y_title="spread (90th − 10th pct)")  # noqa: RUF001 (shown on screen)
        VGroup(left_axes, right_axes).arrange(RIGHT, buff=1.6, aligned_edge=DOWN)
        VGroup(left_axes, right_axes).move_to(np.array([-0.5, (top + bottom) / 2, 0], float))
        bands, lines, spreads = VGroup(), VGroup(), VGroup()
        ends_l, ends_r = [], []
        for b, c in zip(sizes, colors, strict=True):
            med, lo, hi = stats[b]
            if len(med) == 0:
                continue
            e = np.arange(1, len(med) + 1)
            upper = [left_axes.c2p(x, y) for x, y in zip(e, hi, strict=True)]
            lower = [left_axes.c2p(x, y) for x, y in zip(e[::-1], lo[::-1], strict=True)]
            if len(e) > 1:
                bands.add(Polygon(*upper, *lower, stroke_width=0, fill_color=c, fill_opacity=0.18))
            line = polyline_of(left_axes, e, med, c)
            sp = polyline_of(right_axes, e, hi - lo, c)
            lines.add(line)
            spreads.add(sp)
            tail = "" if runs[b].status != "diverged" else " diverged"
            ends_l.append((f"{b}{tail}", c, left_axes.c2p(e[-1], med[-1])))
            ends_r.append((f"batch {b}", c, right_axes.c2p(e[-1], (hi - lo)[-1])))
        names_l, names_r = EndLabels(ends_l, buff=0.1), EndLabels(ends_r, buff=0.1)
        self.play(FadeIn(left_axes), FadeIn(right_axes))
        self.play(FadeIn(bands), Create(lines), run_time=2)
        self.play(FadeIn(names_l))
        self.caption.say(self, "Each band: the middle 80% of the loss of one step's batch, epoch by epoch.", 3.5)
        self.play(Create(spreads), run_time=1.5)
        self.play(FadeIn(names_r))
        ok = {b: float(np.mean(stats[b][2] - stats[b][1])) for b in sizes if len(stats[b][0])}
        if len(ok) >= 2:
            small, large = min(ok), max(ok)
            ratio = ok[small] / ok[large] if ok[large] > 0 else float("inf")
            both = f"Mean spread: batch {small} {fmt(ok[small], 3)}, batch {large} {fmt(ok[large], 3)}"
            self.caption.say(self, f"{both} ({ratio_text(ratio)}): larger batches, steadier steps." if ratio > 1
                             else f"{both}.", 5)
        self.wait(2)
        mark_figure(self, "batch-spread")
        self.unsay()
        self.play(FadeOut(VGroup(left_axes, right_axes, bands, lines, spreads, names_l, names_r)))

    def memory(self) -> None:
        """Bytes one training step needs for each batch size, against a device's memory (log scale)."""
        self.set_title("Memory for one training step")
        p = self.p
        n = len(self.data.y_train)
        batches = sorted({1, *p["batch_sizes"], n})
        mem = {b: step_memory(self.sizes, b, bytes_per_number=4) for b in batches}
        device = p["device_memory_gb"] * 2**30
        top, bottom = self.band()
        # Ticks at 1 kB, 1 MB, 1 GB, ... (powers of 1024), the axis spanning them.
        k_lo = int(np.floor(np.log(min(m.total for m in mem.values())) / np.log(1024)))
        k_hi = int(np.ceil(np.log(max(device, max(m.total for m in mem.values())) * 1.01) / np.log(1024)))
        lo, hi = k_lo * np.log10(1024), k_hi * np.log10(1024)
        axes = PlotAxes((0, len(batches) + 1, 1), (lo, hi, hi - lo), x_length=10.0, y_length=top - bottom - 1.9,
                        x_title="batch size (samples per step)", y_title="bytes per step (float32)", y_log=True,
                        numbers=False)
        axes.move_to(np.array([0.4, (top + bottom) / 2 - 0.1, 0], float))
        y_ticks = VGroup(*[tick_text(format_bytes(1024.0 ** k)).next_to(axes.c2p(0, 1024.0 ** k), LEFT, buff=0.12)
                           for k in range(k_lo, k_hi + 1) if k > 0] +
                         [tick_text("1 B").next_to(axes.c2p(0, 1.0), LEFT, buff=0.12)] * (k_lo <= 0))
        bars, labels, values = VGroup(), VGroup(), VGroup()
        base = axes.c2p(0, 10.0 ** lo)[1]
        x_title = axes.x_title
        # The batch sizes in the colours of the batch-size chart; one sample and all of them in the
        # colours of stochastic and batch gradient descent.
        level = dict(zip(p["batch_sizes"], level_colors(len(p["batch_sizes"])), strict=True))
        color_of = {**level, 1: THEME.VARIANT["stochastic"], n: THEME.VARIANT["batch"]}
        for k, b in enumerate(batches, start=1):
            yv = axes.c2p(k, mem[b].total)[1]
            bar = Rectangle(width=0.55, height=max(yv - base, 0.02), fill_color=color_of[b], fill_opacity=0.9,
                            stroke_width=0).move_to([axes.c2p(k, 1)[0], (yv + base) / 2, 0])
            bars.add(bar)
            labels.add(tick_text(f"{b}" if b != n else f"{b} (all)").next_to(np.array([bar.get_x(), base, 0.0]), DOWN,
                                                                               buff=0.15))
            values.add(tick_text(format_bytes(mem[b].total)).next_to(bar, UP, buff=0.1))
        x_title.next_to(labels, DOWN, buff=0.12)
        dev_y = axes.c2p(0, device)[1]
        x0, x1 = axes.c2p(0, 1)[0], axes.c2p(len(batches) + 1, 1)[0]
        device_line = DashedLine([x0, dev_y, 0], [x1, dev_y, 0], stroke_color=THEME.LOSS, stroke_width=3)
        device_name = tick_text(f"device memory {format_bytes(device)}", color=THEME.LOSS).next_to(
            device_line, DOWN, buff=0.1).align_to(device_line, RIGHT)
        # The count for the whole data set, term by term.
        one = mem[batches[-1]]
        parts = tick_text(f"all {n}: weights {format_bytes(one.parameters)} + gradients "
                          f"{format_bytes(one.gradients)} + activations {format_bytes(one.activations)}")
        parts.next_to(device_line, UP, buff=0.12).align_to(device_line, RIGHT)
        self.play(FadeIn(axes), FadeIn(y_ticks), FadeIn(labels), Create(device_line), FadeIn(device_name))
        self.play(*[GrowFromEdge(b, DOWN) for b in bars], run_time=1.5)
        self.play(FadeIn(values), FadeIn(parts))
        self.caption.say(self, f"Weights, their gradients and the batch's activations, counted from the "
                               f"{' → '.join(map(str, self.sizes))} network.", 4)
        fits = one.total <= device
        most = largest_batch(self.sizes, device, bytes_per_number=4)
        if fits:
            self.caption.say(self, f"All {n} images in one batch need {format_bytes(one.total)}: that fits. "
                                   f"A batch would stop fitting beyond {most:,} images.", 5)
        else:
            self.caption.say(self, f"All {n} images in one batch need {format_bytes(one.total)}: out of memory. "
                                   f"At most {most:,} images fit in one batch.", 5)
        self.wait(2)
        mark_figure(self, "memory")
        self.unsay()
        self.play(FadeOut(VGroup(axes, y_ticks, labels, values, bars, device_line, device_name, parts)))

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
        self.play(Create(base), *[GrowFromEdge(g[0], DOWN) for g in bars], run_time=1.2)
        machine = tick_text(f"measured while rendering on {machine_description()}", color=THEME.muted)
        machine.next_to(np.array([0, top, 0], float), DOWN, buff=0.1)
        self.play(*[FadeIn(g[1]) for g in bars], *[FadeIn(g[2]) for g in bars], FadeIn(machine))
        ratio = times["stochastic"] / max(times["batch"], 1e-9)
        how = f"{ratio_text(ratio)} slower" if ratio >= 1 else f"{ratio_text(1 / ratio)} faster"
        self.caption.say(self, f"Median of {self.p['epochs']} epochs: one sample at a time is {how} "
                               "per epoch than one big batch.", 6.5)
        self.wait(3.5)
        mark_figure(self, "epoch-times")
