"""A neural network learns: a forward pulse, the loss, the backward pass, then training on two moons.

The seeds ask for "[NEURAL NETWORK MANIM]" and draw input, hidden and output
layers where every neuron has its weights and a bias.  The diagram is drawn
from a real :class:`gdcore.mlp.MLP`: edges coloured by the sign of each weight
and weighted by its size, neurons filled by their activation for one probe
input.  One neuron is opened up (z = w·x + b, then tanh).  Then training runs
(:func:`gdcore.mlp.train`) and the diagram moves through its real snapshots
while the decision boundary on the two-moons data sharpens and the loss falls.
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
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    ShowPassingFlash,
    SurroundingRectangle,
    Text,
    ValueTracker,
    VGroup,
    always_redraw,
    config,
    linear,
)

from gdcore.contour import contour_segments
from gdcore.datasets import spirals, two_moons
from gdcore.mlp import MLP, History, train
from gdcore.optim import Adam
from scenes.kit import (
    THEME,
    LiveText,
    NetworkDiagram,
    PathTracer,
    StoryScene,
    decimals_for,
    fit_in,
    fmt,
    mark_figure,
    nice_range,
    segments_vmobject,
    xy_to_scene,
)


class NeuralNetwork(StoryScene):
    """The network diagram: one neuron opened up, forward and backward passes, then training."""

    params_key = "neural_network"

    def construct(self) -> None:
        self.prepare()
        self.show_network()
        self.open_one_neuron()
        self.forward_pass()
        self.backward_pass()
        self.training()

    # ----------------------------------------------------------------- data
    def prepare(self) -> None:
        p = self.p
        if p["dataset"] == "moons":
            X, y = two_moons(p["n_points"], noise=p["noise"], seed=p["seed"])
        else:
            X, y = spirals(p["n_points"], classes=2, noise=p["noise"], seed=p["seed"])
        self.X, self.y = X, y
        sizes = [2, *p["hidden"], 2]
        self.net = MLP(sizes, activation=p["activation"], seed=p["seed"])
        self.probe = X[:1]
        self.initial = [w.copy() for w in self.net.params]
        self.history: History = train(
            self.net, X, y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=p["batch_size"],
            loss="cross_entropy", seed=p["seed"], snapshot_every=p["snapshot_every"], probe=self.probe)
        self.trained = self.net.params
        self.net.params = self.initial       # the story starts untrained

    # ------------------------------------------------------------ storyboard
    def show_network(self) -> None:
        self.set_title("A neural network, drawn from its weights")
        self.diagram = NetworkDiagram(self.net.sizes, height=5.0, width=6.2)
        self.diagram.set_weights(self.initial).to_edge(LEFT, buff=0.8).shift(0.3 * DOWN)
        names = ["input", *[f"hidden {k}" for k in range(1, len(self.net.sizes) - 1)], "output"]
        self.layer_labels = VGroup(*[
            Text(name, font=THEME.font, font_size=THEME.small_size, color=THEME.muted)
            .move_to(self.diagram.layer_top(k) + 0.35 * UP) for k, name in enumerate(names)])
        legend = VGroup(
            Text("weight > 0", font=THEME.font, font_size=18, color=THEME.POSITIVE),
            Text("weight < 0", font=THEME.font, font_size=18, color=THEME.NEGATIVE),
            Text("fill = activation", font=THEME.font, font_size=18, color=THEME.VALUE),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08).next_to(self.diagram, RIGHT, buff=0.5).align_to(
            self.diagram, DOWN)
        self.weight_legend = legend
        self.play(Create(self.diagram.edge_group), FadeIn(self.diagram.neuron_group), FadeIn(self.diagram.dots),
                  FadeIn(self.layer_labels), FadeIn(legend), run_time=1.5)
        # The animations added the diagram's parts; put the diagram itself in the scene instead, so
        # the updater that redraws it from the training snapshots runs (manim only updates mobjects
        # that are in the scene, not the parents of mobjects that are).
        self.remove(self.diagram.edge_group, self.diagram.neuron_group, self.diagram.dots)
        self.add(self.diagram)
        n_params = self.net.n_params
        self.caption.say(self, f"{' → '.join(map(str, self.net.sizes))} neurons, {n_params} weights and biases; "
                               f"colour = sign, width = size.", 3.5)
        self.wait(1)

    def open_one_neuron(self) -> None:
        """z = w·x + b and a = tanh(z) for the first hidden neuron, with the probe's numbers."""
        W1, b1 = self.initial[0], self.initial[1]
        x = self.probe[0]
        j = 0
        z = float(x @ W1[:, j] + b1[j])
        _, zs, acts = self.net.forward(self.probe, return_activations=True)
        a = float(acts[1][0, j])
        neuron = self.diagram.neurons[1][j]
        ring = SurroundingRectangle(neuron, color=THEME.LOSS, buff=0.08, corner_radius=0.1)
        terms = " + ".join(f"({fmt(W1[i, j], 3)})({fmt(x[i], 3)})" for i in range(len(x)))
        act = self.net.activation
        tex = VGroup(
            MathTex(r"z = w \cdot x + b", font_size=30),
            MathTex(rf"= {terms} + ({fmt(b1[j], 3)})", font_size=30),
            MathTex(rf"= {fmt(z, 3)}", font_size=30),
            MathTex(rf"a = \{act}(z) = {fmt(a, 3)}" if act == "tanh" else rf"a = \mathrm{{{act}}}(z) = {fmt(a, 3)}",
                    font_size=30),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        tex.set_color(THEME.text)
        room = config.frame_x_radius - self.diagram.get_right()[0] - 0.9
        fit_in(tex, room, 3.0)
        tex.next_to(self.diagram, RIGHT, buff=0.5).align_to(self.diagram, UP).shift(0.2 * DOWN)
        self.play(Create(ring))
        self.caption.say(self, "Every neuron: a weighted sum of its inputs plus a bias, then the activation.", 3.5)
        self.play(FadeIn(tex[0]))
        self.play(FadeIn(tex[1]))
        self.play(FadeIn(tex[2]))
        self.wait(0.5)
        self.play(FadeIn(tex[3]))      # then the activation
        self.wait(2)
        mark_figure(self, "one-neuron")
        self.play(FadeOut(ring), FadeOut(tex))

    def forward_pass(self) -> None:
        self.set_title("Forward pass, loss, backward pass")
        out, zs, acts = self.net.forward(self.probe, return_activations=True)
        label = int(self.y[0])
        loss = self.net.loss(self.probe, self.y[:1], "cross_entropy")
        self.caption.say(self, f"A pulse carries the input ({fmt(self.probe[0, 0], 3)}, {fmt(self.probe[0, 1], 3)}) "
                               "forward, layer by layer.", 3)
        for k in range(len(self.net.sizes)):
            if k > 0:
                flashes = [ShowPassingFlash(e.copy().set_stroke(THEME.VALUE, width=4, opacity=1), time_width=0.6)
                           for e in self.diagram.edges[k - 1].values()]
                self.play(LaggedStart(*flashes, lag_ratio=0.01), run_time=0.8)
            self.diagram.set_activations(acts[: k + 1] + [np.zeros(n) for n in self.net.sizes[k + 1:]])
            self.play(*[Indicate(c, color=THEME.VALUE, scale_factor=1.1) for c in self.diagram.neurons[k].values()],
                      run_time=0.4)
        p = np.exp(out[0] - out[0].max())
        p /= p.sum()
        loss_text = Text(f"p(class {label}) = {fmt(p[label], 3)}\nloss = −log p = {fmt(loss, 3)}",
                         font=THEME.font, font_size=THEME.label_size, color=THEME.LOSS)
        loss_text.next_to(self.diagram, RIGHT, buff=0.5).shift(0.3 * UP)
        self.play(FadeIn(loss_text))
        self.caption.say(self, "The loss compares the output with the true class of this point.", 3)
        self.wait(1)
        self.loss_text = loss_text

    def backward_pass(self) -> None:
        _, grads = self.net.loss_and_grads(self.probe, self.y[:1], "cross_entropy")
        self.caption.say(self, "The backward pass returns edge by edge: each weight gets its gradient.", 3)
        for k in reversed(range(len(self.net.sizes) - 1)):
            G = grads[2 * k]
            scale = float(np.abs(G).max()) or 1.0
            flashes = [ShowPassingFlash(
                e.copy().reverse_points().set_stroke(THEME.GRAD, width=1 + 5 * abs(G[i, j]) / scale, opacity=1),
                time_width=0.6) for (i, j), e in self.diagram.edges[k].items()]
            self.play(LaggedStart(*flashes, lag_ratio=0.01), run_time=0.9)
        mark_figure(self, "backward")
        self.wait(0.5)
        self.play(FadeOut(self.loss_text))

    def counter_line(self, snap) -> str:
        """Step, epoch and training accuracy of a snapshot, as shown above the decision boundary."""
        acc = np.mean(np.argmax(self.net.forward(self.X, params=snap.params), 1) == self.y)
        return f"step {snap.step}  epoch {snap.epoch:.1f}  accuracy {acc:.0%}"

    def training(self) -> None:
        self.set_title("Training: weights, decision boundary and loss")
        snaps = self.history.snapshots
        # Data panel with the decision boundary (p = 0.5) and two softer levels.
        pad = 0.4
        lo = self.X.min(axis=0) - pad
        hi = self.X.max(axis=0) + pad
        axes = Axes(x_range=[lo[0], hi[0], 1], y_range=[lo[1], hi[1], 1], x_length=4.6,
                    y_length=4.6 * (hi[1] - lo[1]) / (hi[0] - lo[0]), tips=False,
                    axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False})
        fit_in(axes, 4.6, 3.2)
        axes.to_corner(UP + RIGHT, buff=0.6).shift(0.9 * DOWN)
        pts = VGroup(*[Dot(axes.c2p(*xy), radius=0.035, color=THEME.CLASS[int(c)]) for xy, c in zip(self.X, self.y)])
        gx = np.linspace(lo[0], hi[0], 60)
        gy = np.linspace(lo[1], hi[1], 60)
        GX, GY = np.meshgrid(gx, gy)
        grid = np.column_stack([GX.ravel(), GY.ravel()])
        k = ValueTracker(0.0)

        def boundary():
            s = snaps[min(int(k.get_value()), len(snaps) - 1)]
            out = self.net.forward(grid, params=s.params)
            P = np.exp(out - out.max(1, keepdims=True))
            P = (P[:, 1] / P.sum(1)).reshape(GX.shape)
            g = VGroup()
            for level, width, op in ((0.5, 4, 1.0), (0.1, 1.5, 0.5), (0.9, 1.5, 0.5)):
                seg = contour_segments(GX, GY, P, level)
                g.add(segments_vmobject(xy_to_scene(axes, seg), THEME.text, width, op))
            return g

        bound = always_redraw(boundary)
        # Loss curve (training loss of every step), below the data panel.
        steps = len(self.history.step_loss)
        _, ymax, ystep = nice_range(0.0, float(max(self.history.step_loss)), n=2)
        loss_axes = Axes(x_range=[0, steps, max(1, steps // 4)], y_range=[0, ymax, ystep], x_length=4.6,
                         y_length=1.7, tips=False, axis_config={"stroke_color": THEME.muted, "font_size": 16},
                         x_axis_config={"include_numbers": True},
                         y_axis_config={"include_numbers": True,
                                        "decimal_number_config": {"num_decimal_places": decimals_for(ystep)}})
        loss_axes.next_to(axes, DOWN, buff=0.55)
        loss_label = Text("training loss per step", font=THEME.font, font_size=16, color=THEME.LOSS).next_to(
            loss_axes, UP, buff=0.05)
        step_of = np.array([s.step for s in snaps], float)
        loss_step = ValueTracker(0.0)
        loss_step.add_updater(lambda v: v.set_value(float(np.interp(k.get_value(), np.arange(len(snaps)), step_of))))
        curve = PathTracer(loss_axes, np.column_stack([np.arange(1, steps + 1), self.history.step_loss]),
                           THEME.LOSS, loss_step, (0, 0), (steps, ymax), dot_radius=0.03, stroke_width=1.5)
        counter = LiveText(self.counter_line(snaps[0]), color=THEME.muted, font_size=16)
        counter.next_to(axes, UP, buff=0.08).align_to(axes, LEFT)

        def redraw_net(_):
            s = snaps[min(int(k.get_value()), len(snaps) - 1)]
            self.diagram.set_weights(s.params)
            if s.activations is not None:
                self.diagram.set_activations(s.activations)

        def redraw_counter(m):
            m.set_text(self.counter_line(snaps[min(int(k.get_value()), len(snaps) - 1)]))

        self.play(FadeOut(self.weight_legend), FadeIn(axes), FadeIn(pts), FadeIn(bound), FadeIn(loss_axes),
                  FadeIn(loss_label))
        self.add(loss_step, curve, counter)
        self.diagram.add_updater(redraw_net)
        counter.add_updater(redraw_counter)
        p = self.p
        self.caption.say(self, f"Adam, lr {fmt(p['lr'])}, batches of {p['batch_size']}, {p['epochs']} epochs: "
                               "real snapshots of the weights.", 4)
        self.play(k.animate.set_value(len(snaps) - 1), run_time=p["train_seconds"], rate_func=linear)
        self.diagram.clear_updaters()
        counter.clear_updaters()
        final_acc = np.mean(np.argmax(self.net.forward(self.X, params=snaps[-1].params), 1) == self.y)
        self.caption.say(self, f"The boundary sharpens as the loss falls: accuracy {final_acc:.0%} on the "
                               f"{len(self.y)} points.", 3.5)
        self.wait(3)
        mark_figure(self, "trained")
