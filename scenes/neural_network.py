"""A neural network learns: a forward pulse, the loss, the backward pass, then training on two moons.

The seeds ask for "[NEURAL NETWORK MANIM]" and draw input, hidden and output
layers where every neuron has its weights and a bias.  The diagram is drawn
from a real :class:`gdcore.mlp.MLP`: edges coloured by the sign of each weight
and weighted by its size, neurons filled by their activation for one probe
input.  One neuron is opened up (z = w·x + b, then tanh).  Then training runs
(:func:`gdcore.mlp.train`) and the diagram moves through its real snapshots
while the decision boundary (p = 0.5) on the two-moons data sharpens and the
loss falls.

With ``data = "file.csv"`` (columns x1, x2, label) the network learns the file's
points, with one output per class.  Inputs far from unit scale are fed to it as a
standardized copy (:class:`gdcore.datasets.Standardizer`) while the data panel keeps
their units, numbers and the header's titles; the captions say so.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    ShowPassingFlash,
    SurroundingRectangle,
    ValueTracker,
    VGroup,
    always_redraw,
    config,
    linear,
)

from gdcore.contour import contour_segments
from gdcore.datasets import Standardizer, needs_standardizing
from gdcore.mlp import MLP, History, train
from gdcore.optim import Adam
from scenes.kit import (
    THEME,
    TYPE,
    Legend,
    LiveText,
    NetworkDiagram,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    math_text,
    nice_range,
    segments_vmobject,
    tick_text,
    xy_to_scene,
)
from scenes.params import data_titles, scene_data

#: The right edge of content (scene units), a margin inside the frame.
RIGHT_EDGE = config.frame_x_radius - 0.35


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
        X, y = scene_data("neural_network", p)     # moons, spirals, or the points of p["data"]
        self.X, self.y = X, y                        # X in the data's own units: what the plot shows
        # Inputs far from unit scale (hours, dollars) go into the network as a standardized copy;
        # the decision boundary is computed on it and drawn back in the data's units.
        self.standardized = needs_standardizing(X)
        self.scaler = Standardizer.fit(X) if self.standardized else Standardizer.identity(X.shape[1])
        self.Xn = self.scaler.transform(X)           # what the network sees
        self.n_classes = int(y.max()) + 1
        sizes = [X.shape[1], *p["hidden"], self.n_classes]
        self.net = MLP(sizes, activation=p["activation"], seed=p["seed"])
        self.probe = self.Xn[:1]
        self.initial = [w.copy() for w in self.net.params]
        self.history: History = train(
            self.net, self.Xn, y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch",
            batch_size=p["batch_size"], loss="cross_entropy", seed=p["seed"], snapshot_every=p["snapshot_every"],
            probe=self.probe)
        self.trained = self.net.params
        self.net.params = self.initial       # the story starts untrained

    # ------------------------------------------------------------ layout
    def band(self) -> tuple[float, float]:
        """The y band free for content: under the title, above a two-line caption."""
        return self.titles.bottom() - 0.05, self.caption.top() + 0.1

    def right_panel_left(self) -> float:
        """Where content right of the diagram (and its output labels) may start."""
        return float(self.out_labels.get_right()[0]) + 0.5

    # ------------------------------------------------------------ storyboard
    def show_network(self) -> None:
        self.set_title("A neural network, drawn from its weights")
        top, bottom = self.band()
        self.diagram = NetworkDiagram(self.net.sizes, height=top - bottom - 0.7, width=4.6)
        self.diagram.set_weights(self.initial).to_edge(LEFT, buff=1.05)
        self.diagram.set_y((top - 0.5 + bottom) / 2)
        n_layers = len(self.net.sizes)
        long_names = ["input", *[f"hidden {k}" for k in range(1, n_layers - 1)], "output"]
        spacing = self.diagram.layer_center(1)[0] - self.diagram.layer_center(0)[0]
        if max(tick_text(s).width for s in long_names) + 0.2 > spacing:
            long_names = ["in", *[f"h{k}" for k in range(1, n_layers - 1)], "out"]
        self.layer_labels = VGroup(*[
            tick_text(name).move_to(self.diagram.layer_top(k) + 0.4 * UP) for k, name in enumerate(long_names)])
        # The output neurons are the classes: named in the class colours used on the data later.
        self.out_labels = VGroup(*[
            tick_text(f"class {c}", color=THEME.CLASS[c]).next_to(neuron, RIGHT, buff=0.2)
            for c, neuron in self.diagram.neurons[-1].items()])
        legend = VGroup(
            Legend([("weight > 0", THEME.POSITIVE), ("weight < 0", THEME.NEGATIVE)]),
            tick_text("width: size of the weight"),
            tick_text("fill: |activation|, the layer's largest full"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        legend.next_to([self.right_panel_left(), bottom, 0], UP + RIGHT, buff=0.0)
        self.weight_legend = legend
        # The backward pass adds a key for the gradient above the legend.
        self.grad_key = Legend([("gradient, flowing back", THEME.GRAD)]).next_to(legend, UP, buff=0.14,
                                                                                  aligned_edge=LEFT)
        self.play(Create(self.diagram.edge_group), FadeIn(self.diagram.neuron_group), FadeIn(self.diagram.dots),
                  FadeIn(self.layer_labels), FadeIn(self.out_labels), FadeIn(legend), run_time=1.5)
        # The animations added the diagram's parts; put the diagram itself in the scene instead, so
        # the updater that redraws it from the training snapshots runs (manim only updates mobjects
        # that are in the scene, not the parents of mobjects that are).
        self.remove(self.diagram.edge_group, self.diagram.neuron_group, self.diagram.dots)
        self.add(self.diagram)
        n_params = self.net.n_params
        self.caption.say(self, f"{' → '.join(map(str, self.net.sizes))} neurons, {n_params} weights and biases; "
                               "each edge is one weight.", 3.5)
        self.wait(1)

    def open_one_neuron(self) -> None:
        """z = w·x + b and a = tanh(z) for the first hidden neuron, with the probe's numbers."""
        W1, b1 = self.initial[0], self.initial[1]
        x = self.probe[0]
        j = 0
        z = float(x @ W1[:, j] + b1[j])
        _, _, acts = self.net.forward(self.probe, return_activations=True)
        a = float(acts[1][0, j])
        neuron = self.diagram.neurons[1][j]
        ring = SurroundingRectangle(neuron, color=THEME.LOSS, buff=0.08, corner_radius=0.1)
        # The input values at the input neurons, in the forward colour.
        self.input_values = VGroup(*[
            tick_text(fmt(x[i], 3), color=THEME.VALUE).next_to(c, LEFT, buff=0.12)
            for i, c in self.diagram.neurons[0].items()])
        n_in = len(x)
        symbols = " + ".join(f"w_{i + 1} x_{i + 1}" for i in range(n_in))
        terms = " + ".join(f"({fmt(W1[i, j], 3)})({fmt(x[i], 3)})" for i in range(n_in))
        act = self.net.activation
        left = self.right_panel_left()
        room = RIGHT_EDGE - left
        lines = [rf"z = {symbols} + b", rf"= {terms} + ({fmt(b1[j], 3)})", rf"= {fmt(z, 3)}",
                 rf"a = \{act}(z) = {fmt(a, 3)}" if act == "tanh" else rf"a = \mathrm{{{act}}}(z) = {fmt(a, 3)}"]
        if math_text(lines[1]).width > room:
            # Too wide for one line at the MATH size: the bias on a line of its own.
            lines[1:2] = [rf"= {terms}", rf"+ ({fmt(b1[j], 3)})"]
        small = max(math_text(s).width for s in lines) > room
        tex = VGroup(*[math_text(s, small=small) for s in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        top, _ = self.band()
        tex.next_to([left, top, 0], DOWN + RIGHT, buff=0.0).shift(0.1 * DOWN)
        incoming = [e for (i, jj), e in self.diagram.edges[0].items() if jj == j]
        self.play(Create(ring), FadeIn(self.input_values))
        self.caption.say(self, "Every neuron: a weighted sum of its inputs plus a bias, then the activation.", 3.5)
        self.play(FadeIn(tex[0]))
        # Its inputs: the input neurons and the edges that carry them in.
        self.play(*[ShowPassingFlash(e.copy().set_stroke(THEME.VALUE, width=6, opacity=1), time_width=0.8)
                    for e in incoming],
                  *[Indicate(c, color=THEME.VALUE, scale_factor=1.2) for c in self.diagram.neurons[0].values()],
                  *[Indicate(v, color=THEME.VALUE, scale_factor=1.0) for v in self.input_values],
                  run_time=1.2)
        for line in tex[1:-1]:
            self.play(FadeIn(line))
        self.wait(0.5)
        self.play(FadeIn(tex[-1]))      # then the activation
        self.wait(2)
        mark_figure(self, "one-neuron")
        self.unsay()
        self.play(FadeOut(ring), FadeOut(tex))

    def forward_pass(self) -> None:
        self.set_title("Forward pass, loss, backward pass")
        out, _, acts = self.net.forward(self.probe, return_activations=True)
        label = int(self.y[0])
        loss = self.net.loss(self.probe, self.y[:1], "cross_entropy")
        which = "the standardized input" if self.standardized else "the input"
        self.caption.say(self, f"A pulse carries {which} ({fmt(self.probe[0, 0], 3)}, {fmt(self.probe[0, 1], 3)}) "
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
        loss_text = VGroup(
            label_text(f"true class {label}", color=THEME.CLASS[label]),
            label_text(f"p(class {label}) = {fmt(p[label], 3)}"),
            label_text(f"loss = −log p = {fmt(loss, 3)}", color=THEME.LOSS),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        # Level with the output neurons, or higher if the legend (and the gradient key to come) would meet it.
        loss_text.next_to([self.right_panel_left(), self.diagram.layer_center(len(self.net.sizes) - 1)[1], 0],
                          RIGHT, buff=0.0)
        loss_text.shift(UP * max(0.0, self.grad_key.get_top()[1] + 0.35 - loss_text.get_bottom()[1]))
        self.play(FadeIn(loss_text))
        self.caption.say(self, "The loss compares the output with the true class of this point.", 3)
        self.wait(1)
        self.loss_text = loss_text

    def backward_pass(self) -> None:
        _, grads = self.net.loss_and_grads(self.probe, self.y[:1], "cross_entropy")
        key = self.grad_key
        self.play(FadeIn(key))
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
        self.unsay()
        self.play(FadeOut(self.loss_text), FadeOut(key), FadeOut(self.weight_legend), FadeOut(self.input_values))

    def counter_lines(self, snap) -> list[str]:
        """Step, epoch and training accuracy of a snapshot, shown beside the decision boundary."""
        acc = np.mean(np.argmax(self.net.forward(self.Xn, params=snap.params), 1) == self.y)
        return [f"step {snap.step}", f"epoch {snap.epoch:.1f}", f"accuracy {acc:.0%}"]

    def training(self) -> None:
        self.set_title("Training: weights, decision boundary and loss")
        snaps = self.history.snapshots
        top, bottom = self.band()
        left = self.right_panel_left()
        # The counter goes right of the data panel; the loss chart spans the panel's width below.
        counter = VGroup(*[LiveText(s, color=THEME.muted, font_size=TYPE.TICK)
                           for s in self.counter_lines(snaps[-1])]).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        counter_w = counter.width
        if not self.standardized:
            # Data panel with the decision boundary (p = 0.5), x1 and x2 at one scale.
            lo = np.floor((self.X.min(axis=0) - 0.2) * 2) / 2
            hi = np.ceil((self.X.max(axis=0) + 0.2) * 2) / 2
            data_h = 2.3
            data_w = min(data_h * (hi[0] - lo[0]) / (hi[1] - lo[1]), RIGHT_EDGE - left - counter_w - 0.55)
            data_h = data_w * (hi[1] - lo[1]) / (hi[0] - lo[0])
            axes = PlotAxes([lo[0], hi[0], 0.5], [lo[1], hi[1], 0.5], x_length=data_w, y_length=data_h,
                            x_title="x₁", y_title="x₂", numbers=False)
        else:
            # Data in its own units (hours, dollars): each axis its own round range, with numbers and
            # the titles the file's header gives.
            pad = 0.06 * (self.X.max(axis=0) - self.X.min(axis=0))
            xr = nice_range(float(self.X[:, 0].min() - pad[0]), float(self.X[:, 0].max() + pad[0]), 4)
            yr = nice_range(float(self.X[:, 1].min() - pad[1]), float(self.X[:, 1].max() + pad[1]), 3)
            lo, hi = np.array([xr[0], yr[0]]), np.array([xr[1], yr[1]])
            titles = data_titles("neural_network", self.p)
            axes = PlotAxes(list(xr), list(yr), x_length=RIGHT_EDGE - left - counter_w - 1.1, y_length=1.9,
                            x_title=titles["x1"], y_title=titles["x2"])
        axes.next_to([left, top, 0], DOWN + RIGHT, buff=0.0)
        counter.next_to(axes.plot_area()[1], RIGHT, buff=0.45).align_to(axes.plot_area()[1], UP)
        pts = VGroup(*[Dot(axes.c2p(*xy), radius=0.035, color=THEME.CLASS[int(c)]) for xy, c in zip(self.X, self.y)])
        gx = np.linspace(lo[0], hi[0], 60)
        gy = np.linspace(lo[1], hi[1], 60)
        GX, GY = np.meshgrid(gx, gy)
        grid = self.scaler.transform(np.column_stack([GX.ravel(), GY.ravel()]))   # what the network sees
        k = ValueTracker(0.0)

        def boundary():
            s = snaps[min(int(k.get_value()), len(snaps) - 1)]
            out = self.net.forward(grid, params=s.params)
            P = np.exp(out - out.max(1, keepdims=True))
            P = P / P.sum(1, keepdims=True)
            if self.n_classes == 2:
                seg = contour_segments(GX, GY, P[:, 1].reshape(GX.shape), 0.5)
            else:
                # Where a class stops being the most likely: p_k - (the largest other p) = 0, per class.
                parts = []
                for c in range(self.n_classes):
                    others = np.delete(P, c, axis=1).max(1)
                    parts.append(contour_segments(GX, GY, (P[:, c] - others).reshape(GX.shape), 0.0))
                seg = np.concatenate([q for q in parts if len(q)]) if any(len(q) for q in parts) else parts[0]
            return segments_vmobject(xy_to_scene(axes, seg), THEME.text, 4, 1.0)

        bound = always_redraw(boundary)
        rule = "(p = 0.5)" if self.n_classes == 2 else "(most likely class)"
        boundary_key = VGroup(Legend([("boundary", THEME.text)]), tick_text(rule)).arrange(
            DOWN, aligned_edge=LEFT, buff=0.1)
        boundary_key.next_to(counter, DOWN, buff=0.3, aligned_edge=LEFT)
        # Loss curve (training loss of every step), below the data panel.
        steps = len(self.history.step_loss)
        y_range = nice_range(0.0, float(max(self.history.step_loss)), n=2)
        chart_top = axes.get_bottom()[1] - 0.25
        loss_axes = PlotAxes(nice_range(0, steps, 5), y_range, x_length=RIGHT_EDGE - left - 0.7,
                             y_length=chart_top - bottom - 1.3, x_title="step", y_title="training loss",
                             y_title_color=THEME.LOSS)
        loss_axes.next_to([RIGHT_EDGE, bottom, 0], UP + LEFT, buff=0.0)
        step_of = np.array([s.step for s in snaps], float)
        loss_step = ValueTracker(0.0)
        loss_step.add_updater(lambda v: v.set_value(float(np.interp(k.get_value(), np.arange(len(snaps)), step_of))))
        curve = PathTracer(loss_axes, np.column_stack([np.arange(1, steps + 1), self.history.step_loss]),
                           THEME.LOSS, loss_step, (0, 0), (steps, y_range[1]), dot_radius=0.03, stroke_width=1.5)

        def redraw_net(_):
            s = snaps[min(int(k.get_value()), len(snaps) - 1)]
            self.diagram.set_weights(s.params)
            if s.activations is not None:
                self.diagram.set_activations(s.activations)

        def redraw_counter(m):
            for row, text in zip(m, self.counter_lines(snaps[min(int(k.get_value()), len(snaps) - 1)])):
                row.set_text(text)

        redraw_counter(counter)
        self.play(FadeIn(axes), FadeIn(pts), FadeIn(bound), FadeIn(boundary_key), FadeIn(loss_axes),
                  FadeIn(counter))
        self.add(loss_step, curve)
        self.diagram.add_updater(redraw_net)
        counter.add_updater(redraw_counter)
        p = self.p
        if self.standardized:
            self.caption.say(self, "The network learns from a standardized copy of x₁ and x₂ (mean 0, spread 1); "
                                   "the plot keeps the data's units.", 4)
        self.caption.say(self, f"Adam, lr {fmt(p['lr'])}, batches of {p['batch_size']}, {p['epochs']} epochs: "
                               "real snapshots of the weights.", 4)
        self.play(k.animate.set_value(len(snaps) - 1), run_time=p["train_seconds"], rate_func=linear)
        self.diagram.clear_updaters()
        counter.clear_updaters()
        final_acc = np.mean(np.argmax(self.net.forward(self.Xn, params=snaps[-1].params), 1) == self.y)
        self.caption.say(self, f"The boundary sharpens as the loss falls: training accuracy {final_acc:.0%} "
                               f"on {len(self.y)} points.", 4)
        self.wait(3)
        mark_figure(self, "trained")
