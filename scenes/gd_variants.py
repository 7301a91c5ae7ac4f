"""Batch, stochastic and mini-batch gradient descent on handwritten digits: losses, batch sizes, time per epoch.

The blog (seed 001) shows MNIST loss curves of batch gradient descent (smooth
and slow), SGD (spiky) and mini-batch (between), a batch-size comparison
(32 ... 512) and training times.  Here every curve is a real training run of a
:class:`gdcore.mlp.MLP` on the 8x8 digits with equal numbers of epochs, and the
bars are the wall time per epoch measured on this machine while rendering.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Line,
    ManimColor,
    Rectangle,
    ValueTracker,
    VGroup,
    interpolate_color,
    linear,
)

from gdcore.datasets import digits
from gdcore.mlp import MLP, History, train
from gdcore.optim import SGD
from scenes.kit import (
    THEME,
    EndLabels,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    nice_range,
    tick_text,
)

VARIANTS = (("batch", "batch"), ("stochastic", "stochastic"), ("minibatch", "mini-batch"))


class GDVariants(StoryScene):
    """Three variants' train and test losses, then batch sizes, then measured time per epoch."""

    params_key = "gd_variants"

    def construct(self) -> None:
        self.data = digits()
        self.runs = {mode: self.fit(mode, self.p["batch_size"]) for mode, _ in VARIANTS}
        self.variant_curves()
        self.batch_sizes()
        self.epoch_times()

    def fit(self, mode: str, batch_size: int) -> tuple[History, MLP]:
        p, d = self.p, self.data
        net = MLP([64, *p["hidden"], 10], activation=p["activation"], seed=p["seed"])
        hist = train(net, d.X_train, d.y_train, SGD(lr=p["lr"]), epochs=p["epochs"], mode=mode, batch_size=batch_size,
                     loss="cross_entropy", seed=p["seed"], X_test=d.X_test, y_test=d.y_test)
        return hist, net

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
            axes = self.loss_axes(y_max, 3.0, 2.6, y_title="cross-entropy")
            color = THEME.VARIANT[mode]
            steps = hist.steps_per_epoch
            head = VGroup(
                label_text(name, color=color, weight="BOLD"),
                tick_text(f"batch of {hist.batch_size}", color=THEME.text),
                tick_text(f"{steps} step{'s' if steps > 1 else ''} per epoch", color=THEME.text),
            ).arrange(DOWN, buff=0.08).next_to(axes, UP, buff=0.15)
            acc = net.accuracy(self.data.X_test, self.data.y_test)
            feet.add(tick_text(f"test accuracy {acc:.1%}", color=THEME.text).next_to(axes, DOWN, buff=0.15))
            panels.add(VGroup(axes, head))
        panels.arrange(RIGHT, buff=1.2, aligned_edge=UP)
        for panel, foot in zip(panels, feet):
            foot.next_to(panel[0], DOWN, buff=0.15)
        swatch = Line(0.45 * LEFT, 0.45 * RIGHT, stroke_color=THEME.muted, stroke_width=2, stroke_opacity=0.5)
        key = VGroup(swatch, tick_text("faint: the loss of each step's own batch")).arrange(RIGHT, buff=0.15)
        block = VGroup(panels, feet, key)
        key.next_to(feet, DOWN, buff=0.2)
        # Centred with the line names that will stand right of the last panel (about 0.8 wide).
        block.move_to([-0.4, (top + bottom) / 2, 0.0])
        key.set_x(0.0)
        tracers, ends = self.runs_on(panels, t, y_max)
        self.play(FadeIn(panels), FadeIn(key))
        self.add(*tracers)
        p = self.p
        self.caption.say(self, f"One network on 8x8 handwritten digits, SGD lr {fmt(p['lr'])}, {epochs} epochs each.",
                         4)
        self.play(t.animate.set_value(epochs), run_time=p["curve_seconds"], rate_func=linear)
        self.play(FadeIn(ends), FadeIn(feet))
        finals = ", ".join(f"{name} {self.runs[m][0].epoch_test_loss[-1]:.2f}" for m, name in VARIANTS)
        self.caption.say(self, "Batch: smooth, slow. Stochastic: spiky. Mini-batch: between.", 2.5)
        self.wait(1.5)
        self.caption.say(self, f"Test loss after {epochs} epochs: {finals}.", 3)
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
        for (mode, _), panel in zip(VARIANTS, panels):
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
            tr = PathTracer(axes, np.column_stack([np.arange(epochs + 1), hist.epoch_loss]), color, t, (0, 0),
                            (epochs, y_top), dot_radius=0.04, stroke_width=3, diverged_label=False)
            te = PathTracer(axes, np.column_stack([np.arange(epochs + 1), hist.epoch_test_loss]), THEME.text, t,
                            (0, 0), (epochs, y_top), dot_radius=0.03, stroke_width=2, diverged_label=False)
            out += [step_t, faint, tr, te]
            ends.add(EndLabels([("train", color, tr.position(tr.exit_step)),
                                ("test", THEME.text, te.position(te.exit_step))], buff=0.1))
        return out, ends

    @staticmethod
    def size_colors(n: int) -> list[ManimColor]:
        """Small batches in the stochastic colour, large ones in the batch colour, the rest between."""
        a, b = ManimColor(THEME.VARIANT["stochastic"]), ManimColor(THEME.VARIANT["batch"])
        return [interpolate_color(a, b, k / max(n - 1, 1)) for k in range(n)]

    def batch_sizes(self) -> None:
        self.set_title("Batch size: test loss per epoch")
        sizes = self.p["batch_sizes"]
        runs = {b: self.fit("minibatch", b)[0] for b in sizes}
        y_max = max(max(h.epoch_test_loss) for h in runs.values())
        top, bottom = self.band()
        axes = self.loss_axes(y_max, 10.4, 4.3, y_title="test loss (cross-entropy)")
        axes.move_to([0.0, (top + bottom) / 2, 0.0]).to_edge(LEFT, buff=0.5)
        colors = self.size_colors(len(sizes))
        epochs = self.p["epochs"]
        t = ValueTracker(0.0)
        y_top = axes.y_axis.x_max
        tracers = [PathTracer(axes, np.column_stack([np.arange(epochs + 1), runs[b].epoch_test_loss]), c, t, (0, 0),
                              (epochs, y_top), dot_radius=0.05, stroke_width=3.5, diverged_label=False)
                   for b, c in zip(sizes, colors)]
        labels = EndLabels([(f"batch {b}: {runs[b].epoch_test_loss[-1]:.2f}", c, tr.position(tr.exit_step))
                            for b, c, tr in zip(sizes, colors, tracers)], size=None)
        self.play(Create(axes))
        self.add(*tracers)
        self.caption.say(self, "Smaller batches take more steps per epoch: here they reach a lower test loss sooner.",
                         4)
        self.play(t.animate.set_value(epochs), run_time=self.p["curve_seconds"], rate_func=linear)
        self.play(FadeIn(labels))
        self.wait(2.5)
        mark_figure(self, "batch-sizes")
        self.unsay()
        self.play(FadeOut(VGroup(axes, labels, *tracers)))

    def epoch_times(self) -> None:
        self.set_title("Time per epoch, measured on this machine")
        times = {m: float(np.median(self.runs[m][0].epoch_seconds)) * 1000 for m, _ in VARIANTS}
        top_ms = max(times.values())
        top, bottom = self.band()
        tallest = (top - bottom) - 1.2
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
        self.play(*[FadeIn(g[1]) for g in bars], *[FadeIn(g[2]) for g in bars])
        ratio = times["stochastic"] / max(times["batch"], 1e-9)
        self.caption.say(self, f"Median of {self.p['epochs']} epochs: one sample at a time is {ratio:.0f}x slower "
                               "per epoch than one big batch.", 6.5)
        self.wait(3.5)
        mark_figure(self, "epoch-times")
