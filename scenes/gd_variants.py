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
    Axes,
    Create,
    FadeIn,
    FadeOut,
    Rectangle,
    Text,
    ValueTracker,
    VGroup,
    config,
    linear,
)

from gdcore.datasets import digits
from gdcore.mlp import MLP, History, train
from gdcore.optim import SGD
from scenes.kit import (
    THEME,
    Legend,
    PathTracer,
    StoryScene,
    decimals_for,
    fmt,
    level_colors,
    mark_figure,
    nice_range,
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

    def loss_axes(self, y_max: float, width: float, height: float, label: bool = True) -> VGroup:
        epochs = self.p["epochs"]
        _, y_top, y_step = nice_range(0.0, y_max)
        axes = Axes(x_range=[0, epochs, max(1, epochs // 5)], y_range=[0, y_top, y_step], x_length=width,
                    y_length=height, tips=False, axis_config={"stroke_color": THEME.muted, "font_size": 16},
                    x_axis_config={"include_numbers": True},
                    y_axis_config={"include_numbers": True,
                                   "decimal_number_config": {"num_decimal_places": decimals_for(y_step)}})
        return axes

    # ------------------------------------------------------------ storyboard
    def variant_curves(self) -> None:
        self.set_title("Batch, stochastic and mini-batch gradient descent")
        y_max = nice_range(0.0, max(max(h.epoch_loss) for h, _ in self.runs.values()))[1]
        panels = VGroup()
        t = ValueTracker(0.0)            # epochs elapsed
        epochs = self.p["epochs"]
        for mode, name in VARIANTS:
            hist, net = self.runs[mode]
            axes = self.loss_axes(y_max, 3.3, 3.0)
            color = THEME.VARIANT[mode]
            acc = net.accuracy(self.data.X_test, self.data.y_test)
            head = VGroup(
                Text(name, font=THEME.font, font_size=THEME.label_size, color=color, weight="BOLD"),
                Text(f"batch {hist.batch_size}, {hist.steps_per_epoch} step{'s' if hist.steps_per_epoch > 1 else ''}"
                     "/epoch", font=THEME.font, font_size=16, color=THEME.muted),
            ).arrange(DOWN, buff=0.05).next_to(axes, UP, buff=0.12)
            foot = Text(f"test accuracy {acc:.1%}", font=THEME.font, font_size=18, color=THEME.text).next_to(
                axes, DOWN, buff=0.35)
            panels.add(VGroup(axes, head, foot))
        panels.arrange(RIGHT, buff=0.6, aligned_edge=UP).shift(0.1 * DOWN)
        tracers = self.runs_on(panels, t, y_max)
        key = Text("coloured: train loss per epoch     white: test loss     faint: each step's batch loss",
                   font=THEME.font, font_size=16, color=THEME.muted).next_to(panels, DOWN, buff=0.12)
        self.play(FadeIn(panels), FadeIn(key))
        self.add(*tracers)
        p = self.p
        self.caption.say(self, f"Same network, SGD lr {fmt(p['lr'])}, {epochs} epochs each; faint: every step's "
                               "batch loss.", 4)
        self.play(t.animate.set_value(epochs), run_time=p["curve_seconds"], rate_func=linear)
        finals = ", ".join(f"{name} {fmt(self.runs[m][0].epoch_test_loss[-1], 2)}" for m, name in VARIANTS)
        self.caption.say(self, "Batch: smooth, slow. Stochastic: spiky. Mini-batch: between.", 2.5)
        self.wait(1.5)
        self.caption.say(self, f"Test loss after {epochs} epochs: {finals}.", 3)
        self.wait(3)
        mark_figure(self, "variants")
        self.play(FadeOut(VGroup(panels, key, *[m for m in tracers if hasattr(m, "trail")])))

    def runs_on(self, panels: VGroup, t: ValueTracker, y_max: float) -> list:
        """Every step's batch loss (faint), train (solid) and test (white) loss per epoch, on each panel."""
        epochs = self.p["epochs"]
        out = []
        for (mode, _), panel in zip(VARIANTS, panels):
            hist, _ = self.runs[mode]
            axes = panel[0]
            color = THEME.VARIANT[mode]
            # At most ~600 step losses per panel: every k-th step (spikes stay spikes).
            every = max(1, len(hist.step_loss) // 600)
            losses = np.asarray(hist.step_loss)[every - 1::every]
            steps = np.arange(every, len(hist.step_loss) + 1, every)[: len(losses)] / hist.steps_per_epoch
            step_t = ValueTracker(0.0)
            step_t.add_updater(lambda v, h=hist, k=every: v.set_value(t.get_value() * h.steps_per_epoch / k))
            faint = PathTracer(axes, np.column_stack([steps, np.minimum(losses, y_max)]), color, step_t,
                               (0, 0), (epochs, y_max), dot_radius=0.001, stroke_width=1, diverged_label=False)
            faint.trail.set_stroke(opacity=0.25)
            tr = PathTracer(axes, np.column_stack([np.arange(epochs + 1), hist.epoch_loss]), color, t, (0, 0),
                            (epochs, y_max), dot_radius=0.04, stroke_width=3, diverged_label=False)
            te = PathTracer(axes, np.column_stack([np.arange(epochs + 1), hist.epoch_test_loss]), THEME.text, t,
                            (0, 0), (epochs, y_max), dot_radius=0.03, stroke_width=2, diverged_label=False)
            out += [step_t, faint, tr, te]
        return out

    def batch_sizes(self) -> None:
        self.set_title("Batch size: test loss per epoch")
        sizes = self.p["batch_sizes"]
        runs = {b: self.fit("minibatch", b)[0] for b in sizes}
        y_max = nice_range(0.0, max(max(h.epoch_test_loss) for h in runs.values()))[1]
        axes = self.loss_axes(y_max, 8.0, 4.6)
        axes.to_edge(LEFT, buff=1.0).shift(0.2 * DOWN)
        colors = level_colors(len(sizes))
        epochs = self.p["epochs"]
        t = ValueTracker(0.0)
        tracers = [PathTracer(axes, np.column_stack([np.arange(epochs + 1), runs[b].epoch_test_loss]), c, t, (0, 0),
                              (epochs, y_max), dot_radius=0.04, stroke_width=3, diverged_label=False)
                   for b, c in zip(sizes, colors)]
        legend = Legend([(f"batch {b}: {fmt(runs[b].epoch_test_loss[-1], 3)}", c) for b, c in zip(sizes, colors)])
        legend.next_to(axes, RIGHT, buff=0.6)
        x_label = Text("epoch", font=THEME.font, font_size=18, color=THEME.muted).next_to(axes.x_axis, RIGHT, buff=0.2)
        self.play(Create(axes), FadeIn(legend), FadeIn(x_label))
        self.add(*tracers)
        self.caption.say(self, "Smaller batches take more steps per epoch: here they reach a lower test loss sooner.",
                         4)
        self.play(t.animate.set_value(epochs), run_time=self.p["curve_seconds"], rate_func=linear)
        self.wait(2.5)
        mark_figure(self, "batch-sizes")
        self.play(FadeOut(VGroup(axes, legend, x_label, *tracers)))

    def epoch_times(self) -> None:
        self.set_title("Time per epoch, measured on this machine")
        times = {m: float(np.median(self.runs[m][0].epoch_seconds)) * 1000 for m, _ in VARIANTS}
        top = max(times.values())
        bars = VGroup()
        for mode, name in VARIANTS:
            h = 4.2 * times[mode] / top
            bar = Rectangle(width=1.6, height=max(h, 0.02), fill_color=THEME.VARIANT[mode], fill_opacity=0.85,
                            stroke_width=0)
            value = Text(f"{times[mode]:.1f} ms", font=THEME.font, font_size=THEME.label_size, color=THEME.text)
            label = Text(name, font=THEME.font, font_size=THEME.label_size, color=THEME.VARIANT[mode])
            bars.add(VGroup(bar, value, label))
        bars.arrange(RIGHT, buff=1.2, aligned_edge=DOWN).shift(0.4 * DOWN)
        for g in bars:
            g[1].next_to(g[0], UP, buff=0.1)
            g[2].next_to(g[0], DOWN, buff=0.15)
        bars.shift(-bars.get_bottom()[1] * UP + (config.frame_y_radius - 1.2) * DOWN)
        self.play(*[FadeIn(g[0], shift=0.3 * UP) for g in bars], run_time=1.0)
        self.play(*[FadeIn(g[1]) for g in bars], *[FadeIn(g[2]) for g in bars])
        ratio = times["stochastic"] / max(times["batch"], 1e-9)
        self.caption.say(self, f"Median of {self.p['epochs']} epochs: one sample at a time is {ratio:.0f}x slower "
                               "per epoch than one big batch.", 4)
        self.wait(3.5)
        mark_figure(self, "epoch-times")

