"""A neural network learns: a forward pulse, the loss, the backward pass, then training on two moons.

The seeds ask for "[NEURAL NETWORK MANIM]" and draw input, hidden and output
layers where every neuron has its weights and a bias.  The diagram is drawn
from a real :class:`gdcore.mlp.MLP`: edges coloured by the sign of each weight
and weighted by its size, neurons filled by their activation for one probe
input.  One neuron is opened up (z = w·x + b, then tanh).  After the backward pass one
plain gradient step w <- w - eta * dL/dw is applied on the diagram
(:func:`gdcore.lessons.gradient_step`), with one edge's numbers.  Then training
runs (:func:`gdcore.mlp.train`) on the training part of the data
(:func:`gdcore.lessons.train_test_split`) and the diagram moves through its real
snapshots while the predicted probability (a background map, TensorFlow
Playground style) and the decision boundary sharpen, with train and test loss
and accuracy side by side.

With ``data = "file.csv"`` (columns x1, x2, label) the network learns the file's
points (split into training and test points the same way), with one output per
class.  Inputs far from unit scale are fed to it as a standardized copy
(:class:`gdcore.datasets.Standardizer`, fitted on the training points) while the
data panel keeps their units, numbers and the header's titles; the captions say so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
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
from gdcore.lessons import gradient_step, train_test_split
from gdcore.mlp import MLP, History, train
from gdcore.optim import Adam
from scenes.kit import (
    THEME,
    TYPE,
    EndLabels,
    HeatGrid,
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
    probability_image,
    segments_vmobject,
    tick_text,
    xy_to_scene,
)
from scenes.params import data_titles, scene_data

#: The right edge of content (scene units), a margin inside the frame.
RIGHT_EDGE = config.frame_x_radius - 0.35
#: Neurons are filled on one fixed diverging scale: full colour at |activation| >= this.
ACT_LIMIT = 1.0
#: The probability map's resolution (cells per side).
GRID = 60
#: Cells per side of the drawn probability map (vector squares, so fewer than the grid).
CELLS = 30


class NeuralNetwork(StoryScene):
    """The network diagram: one neuron opened up, forward and backward passes, then training."""

    params_key = "neural_network"

    def construct(self) -> None:
        self.prepare()
        self.show_network()
        self.open_one_neuron()
        self.forward_pass()
        self.backward_pass()
        self.update_step()
        self.training()

    # ----------------------------------------------------------------- data
    def prepare(self) -> None:
        p = self.p
        X, y = scene_data("neural_network", p)     # moons, spirals, or the points of p["data"]
        self.X_all = X                               # in the data's own units: what the plot shows
        # Part of the data is held out: the test points are never trained on.
        self.X, self.y, self.X_test, self.y_test = train_test_split(X, y, p["test_fraction"], seed=p["seed"])
        # Inputs far from unit scale (hours, dollars) go into the network as a standardized copy
        # (fitted on the training points); probabilities and the boundary are computed on it and
        # drawn back in the data's units.
        self.standardized = needs_standardizing(X)
        self.scaler = Standardizer.fit(self.X) if self.standardized else Standardizer.identity(X.shape[1])
        self.Xn, self.Xn_test = self.scaler.transform(self.X), self.scaler.transform(self.X_test)
        self.n_classes = int(y.max()) + 1
        sizes = [X.shape[1], *p["hidden"], self.n_classes]
        self.net = MLP(sizes, activation=p["activation"], seed=p["seed"])
        self.probe = self.Xn[:1]                     # what the network sees of the example
        self.initial = [w.copy() for w in self.net.params]
        has_test = len(self.y_test) > 0
        self.history: History = train(
            self.net, self.Xn, self.y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch",
            batch_size=min(p["batch_size"], len(self.y)), loss="cross_entropy", seed=p["seed"],
            X_test=self.Xn_test if has_test else None, y_test=self.y_test if has_test else None,
            snapshot_every=p["snapshot_every"], probe=self.probe)
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
        # Room at the left for the input values written beside the input neurons later.
        room = max(tick_text(fmt(v, 3)).width for v in self.probe[0]) + 0.12 + 0.3
        self.diagram.set_weights(self.initial).to_edge(LEFT, buff=max(1.05, room))
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
            Legend([("weight or activation > 0", THEME.POSITIVE), ("weight or activation < 0", THEME.NEGATIVE)]),
            tick_text("edge width: size of the weight"),
            tick_text(f"fill: |activation|, full at {fmt(ACT_LIMIT)}"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        legend.next_to([self.right_panel_left(), bottom, 0], UP + RIGHT, buff=0.0)
        self.weight_legend = legend
        # The backward pass adds a key for the gradient above the legend.
        self.grad_key = VGroup(Legend([("gradient ∂L/∂w, flowing back", THEME.GRAD)]),
                               tick_text("its width: the gradient's size")).arrange(
            DOWN, aligned_edge=LEFT, buff=0.1).next_to(legend, UP, buff=0.14, aligned_edge=LEFT)
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
            self.diagram.set_activations(acts[: k + 1] + [np.zeros(n) for n in self.net.sizes[k + 1:]],
                                         limit=ACT_LIMIT)
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
        self.loss_value, self.grads = self.net.loss_and_grads(self.probe, self.y[:1], "cross_entropy")
        key = self.grad_key
        self.play(FadeIn(key))
        self.caption.say(self, "The backward pass returns edge by edge: each weight gets its gradient.", 3)
        # Each layer's gradients stay drawn (a trace) until the update uses them.
        self.grad_trace = VGroup()
        for k in reversed(range(len(self.net.sizes) - 1)):
            G = self.grads[2 * k]
            scale = float(np.abs(G).max()) or 1.0
            widths = {ij: 1 + 5 * abs(G[ij]) / scale for ij in self.diagram.edges[k]}
            flashes = [ShowPassingFlash(e.copy().reverse_points().set_stroke(THEME.GRAD, width=widths[ij], opacity=1),
                                        time_width=0.6) for ij, e in self.diagram.edges[k].items()]
            trace = VGroup(*[e.copy().set_stroke(THEME.GRAD, width=widths[ij], opacity=0.35 + 0.5 * abs(G[ij]) / scale)
                             for ij, e in self.diagram.edges[k].items()])
            self.play(LaggedStart(*flashes, lag_ratio=0.01), run_time=0.9)
            self.play(FadeIn(trace), run_time=0.4)
            self.grad_trace.add(trace)
        self.wait(1.5)
        mark_figure(self, "backward")
        self.unsay()
        self.play(FadeOut(self.loss_text), FadeOut(self.weight_legend), FadeOut(self.input_values))

    def update_step(self) -> None:
        """One plain gradient step on this point, w <- w - eta dL/dw, applied to every edge; one edge's numbers."""
        self.set_title("The update: every weight steps against its gradient")
        drawn = [(k, i, j) for k, layer in enumerate(self.diagram.edges) for (i, j) in layer]
        step = gradient_step(self.initial, self.grads, self.p["step_lr"], candidates=drawn)
        edge = self.diagram.edges[step.layer][(step.i, step.j)]
        new_loss = self.net.loss(self.probe, self.y[:1], "cross_entropy", params=step.new_params)
        sub = f"{step.i + 1}{step.j + 1}"
        lines = [rf"w_{{{sub}}} \leftarrow w_{{{sub}}} - \eta\,\partial L/\partial w_{{{sub}}}",
                 rf"= {fmt(step.w, 3)} - {fmt(step.lr, 3)} \times ({fmt(step.grad, 3)})",
                 rf"= {fmt(step.new_w, 3)}"]
        left = self.right_panel_left()
        top, _ = self.band()
        small = max(math_text(t).width for t in lines) > RIGHT_EDGE - left
        tex = VGroup(*[math_text(t, small=small) for t in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        tex.next_to([left, top, 0], DOWN + RIGHT, buff=0.0).shift(0.1 * DOWN)
        names = VGroup(
            tick_text(f"w = {fmt(step.w, 3)}: the ringed edge's weight", color=THEME.VALUE),
            tick_text(f"∂L/∂w = {fmt(step.grad, 3)}: its gradient", color=THEME.GRAD),
            tick_text(f"η = {fmt(step.lr, 3)}: the learning rate"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(tex, DOWN, buff=0.3, aligned_edge=LEFT)
        # A halo behind the edge, so the edge's own change of colour and width stays visible on top.
        ring = edge.copy().set_stroke(THEME.LOSS, width=14, opacity=0.45)
        self.caption.say(self, "Learning is this step: each weight moves a little against its gradient.", 3.5)
        self.play(FadeIn(ring), self.grad_trace.animate.set_stroke(opacity=0.15))
        self.bring_to_back(self.grad_trace)      # the edges above the faded trace
        self.bring_to_back(ring)
        self.play(FadeIn(tex[0]))
        self.play(FadeIn(names))
        self.play(FadeIn(tex[1]))
        self.play(FadeIn(tex[2]))
        self.wait(1)
        self.unsay()
        # Apply it to every weight at once: the edges change width and colour.
        self.play(self.diagram.animate.set_weights(step.new_params), FadeOut(self.grad_trace),
                  FadeOut(self.grad_key), run_time=2.5)
        went = "falls" if new_loss < self.loss_value else "rises"
        after = label_text(f"loss on this point: {fmt(self.loss_value, 3)} → {fmt(new_loss, 3)}", color=THEME.LOSS)
        after.next_to(names, DOWN, buff=0.4, aligned_edge=LEFT)
        self.play(FadeIn(after))
        self.caption.say(self, f"Every weight took its step at once, and the loss on this point {went}.", 3.5)
        self.wait(2)
        mark_figure(self, "update-step")
        self.unsay()
        self.play(FadeOut(VGroup(tex, names, after, ring)))

    def accuracies(self, params) -> tuple[float, float | None]:
        """Training and test accuracy (None without a test set) of the network with ``params``."""
        train = float(np.mean(np.argmax(self.net.forward(self.Xn, params=params), 1) == self.y))
        if len(self.y_test) == 0:
            return train, None
        return train, float(np.mean(np.argmax(self.net.forward(self.Xn_test, params=params), 1) == self.y_test))

    def counter_lines(self, i: int) -> list[str]:
        """Step, epoch and accuracies of snapshot ``i``, shown beside the data."""
        snap = self.history.snapshots[i]
        train, test = self.accs[i]
        rows = [f"step {snap.step}", f"epoch {snap.epoch:.1f}", f"train acc {train:.0%}"]
        return rows + ([f"test acc {test:.0%}"] if test is not None else [])

    def training(self) -> None:
        self.set_title("Training: probability map, train and test")
        hist = self.history
        snaps = hist.snapshots
        self.accs = [self.accuracies(s.params) for s in snaps]
        has_test = len(self.y_test) > 0
        top, bottom = self.band()
        left = self.right_panel_left()
        # The counter goes right of the data panel, the key for the marks under it, the loss chart below.
        counter = VGroup(*[LiveText(s, color=THEME.muted, font_size=TYPE.TICK)
                           for s in self.counter_lines(len(snaps) - 1)]).arrange(DOWN, aligned_edge=LEFT, buff=0.14)

        def entry(mark, text: str) -> VGroup:
            return VGroup(mark, tick_text(text)).arrange(RIGHT, buff=0.12)

        key_rows = [entry(Dot(radius=0.05, color=THEME.muted), "train point")]
        if has_test:
            key_rows.append(entry(Circle(radius=0.06, stroke_color=THEME.muted, stroke_width=2), "test point"))
        key = VGroup(*key_rows)
        # Beside the data, under the counter: the ringed example and the boundary.
        example_key = VGroup(entry(Circle(radius=0.09, stroke_color=THEME.VALUE, stroke_width=3), "the example"),
                             Legend([("boundary p = 0.5" if self.n_classes == 2 else "boundary (most likely class)",
                                      THEME.text)])).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        data_w = RIGHT_EDGE - left - max(counter.width, example_key.width) - 0.55
        if not self.standardized:
            # Data panel: x1 and x2 at one scale, the predicted probability as the background.
            lo = np.floor((self.X_all.min(axis=0) - 0.2) * 2) / 2
            hi = np.ceil((self.X_all.max(axis=0) + 0.2) * 2) / 2
            data_h = min(data_w * (hi[1] - lo[1]) / (hi[0] - lo[0]), 1.9)
            data_w = data_h * (hi[0] - lo[0]) / (hi[1] - lo[1])
            axes = PlotAxes([lo[0], hi[0], 0.5], [lo[1], hi[1], 0.5], x_length=data_w, y_length=data_h,
                            x_title="x₁", y_title="x₂", numbers=False)
        else:
            # Data in its own units (hours, dollars): each axis its own round range, with numbers and
            # the titles the file's header gives.
            pad = 0.06 * (self.X_all.max(axis=0) - self.X_all.min(axis=0))
            xr = nice_range(float(self.X_all[:, 0].min() - pad[0]), float(self.X_all[:, 0].max() + pad[0]), 4)
            yr = nice_range(float(self.X_all[:, 1].min() - pad[1]), float(self.X_all[:, 1].max() + pad[1]), 3)
            lo, hi = np.array([xr[0], yr[0]]), np.array([xr[1], yr[1]])
            titles = data_titles("neural_network", self.p)
            axes = PlotAxes(list(xr), list(yr), x_length=data_w - 0.55, y_length=1.9,
                            x_title=titles["x1"], y_title=titles["x2"])
        axes.next_to([left, top, 0], DOWN + RIGHT, buff=0.0)
        corner_lo, corner_hi = axes.plot_area()
        counter.next_to(corner_hi, RIGHT, buff=0.45).align_to(corner_hi, UP)
        example_key.next_to(counter, DOWN, buff=0.25, aligned_edge=LEFT)
        # The key in one row under the data panel if it fits, else two.
        key.arrange(RIGHT, buff=0.35)
        if key.width > RIGHT_EDGE - left:
            half = (len(key_rows) + 1) // 2
            key = VGroup(VGroup(*key_rows[:half]).arrange(RIGHT, buff=0.35),
                         VGroup(*key_rows[half:]).arrange(RIGHT, buff=0.35)).arrange(DOWN, aligned_edge=LEFT,
                                                                                   buff=0.12)
        key.next_to([left, min(axes.get_bottom()[1], example_key.get_bottom()[1]), 0], DOWN + RIGHT,
                    buff=0.0).shift(0.15 * DOWN)
        pts = VGroup(*[Dot(axes.c2p(*xy), radius=0.035, color=THEME.CLASS[int(c)]) for xy, c in zip(self.X, self.y)])
        test_pts = VGroup(*[Circle(radius=0.045, stroke_color=THEME.CLASS[int(c)], stroke_width=2).move_to(
            axes.c2p(*xy)) for xy, c in zip(self.X_test, self.y_test)])
        example = Circle(radius=0.09, stroke_color=THEME.VALUE, stroke_width=3).move_to(axes.c2p(*self.X[0]))
        gx = np.linspace(lo[0], hi[0], GRID)
        gy = np.linspace(lo[1], hi[1], GRID)
        GX, GY = np.meshgrid(gx, gy)
        grid = self.scaler.transform(np.column_stack([GX.ravel(), GY.ravel()]))   # what the network sees
        probs = []
        for s in snaps:
            out = self.net.forward(grid, params=s.params)
            P = np.exp(out - out.max(1, keepdims=True))
            probs.append((P / P.sum(1, keepdims=True)).reshape(GRID, GRID, self.n_classes))
        # The map: probabilities on a coarser grid of cells (rows from the top).
        cx = np.linspace(lo[0], hi[0], 2 * CELLS + 1)[1::2]
        cy = np.linspace(lo[1], hi[1], 2 * CELLS + 1)[1::2][::-1]
        cells = self.scaler.transform(np.column_stack([a.ravel() for a in np.meshgrid(cx, cy)]))
        images = []
        for s in snaps:
            out = self.net.forward(cells, params=s.params)
            P = np.exp(out - out.max(1, keepdims=True))
            images.append(probability_image((P / P.sum(1, keepdims=True)).reshape(CELLS, CELLS, self.n_classes),
                                            THEME.CLASS[:self.n_classes]))
        k = ValueTracker(0.0)

        def snap_index() -> int:
            return min(int(k.get_value()), len(snaps) - 1)

        heat = HeatGrid(corner_lo, corner_hi, CELLS, CELLS).set_image(images[0])
        shown = [0]

        def recolour(m):
            if shown[0] != snap_index():
                shown[0] = snap_index()
                m.set_image(images[shown[0]])

        def boundary():
            P = probs[snap_index()]
            if self.n_classes == 2:
                seg = contour_segments(GX, GY, P[:, :, 1], 0.5)
            else:
                # Where a class stops being the most likely: p_k - (the largest other p) = 0, per class.
                parts = [contour_segments(GX, GY, P[:, :, c] - np.delete(P, c, axis=2).max(2), 0.0)
                         for c in range(self.n_classes)]
                seg = np.concatenate([q for q in parts if len(q)]) if any(len(q) for q in parts) else parts[0]
            return segments_vmobject(xy_to_scene(axes, seg), THEME.text, 3, 1.0)

        bound = always_redraw(boundary)
        # Train and test loss per epoch, below the data panel.
        curves = [("train", THEME.LOSS, hist.epoch_loss)] + ([("test", THEME.text, hist.epoch_test_loss)]
                                                             if has_test else [])
        epochs_done = len(hist.epoch_loss) - 1
        y_range = nice_range(0.0, float(max(max(c[2]) for c in curves)), n=2)
        chart_top = key.get_bottom()[1] - 0.2
        end_names = [f"{name} {fmt(vals[-1], 2)}" for name, _, vals in curves]
        room = max(tick_text(t).width for t in end_names) + 0.35
        loss_axes = PlotAxes(nice_range(0, max(epochs_done, 1), 4), y_range, x_length=RIGHT_EDGE - left - room - 0.1,
                             y_length=chart_top - bottom - 1.1, x_title="epoch", y_title="loss (cross-entropy)",
                             y_title_color=THEME.LOSS)
        loss_axes.next_to([left + 0.1, bottom, 0], UP + RIGHT, buff=0.0)
        epoch_of = np.array([s.epoch for s in snaps], float)
        at_epoch = ValueTracker(0.0)
        at_epoch.add_updater(lambda v: v.set_value(min(float(np.interp(k.get_value(), np.arange(len(snaps)),
                                                                         epoch_of)), epochs_done)))
        tracers = [PathTracer(loss_axes, np.column_stack([np.arange(len(c[2])), c[2]]), c[1], at_epoch, (0, 0),
                              (max(epochs_done, 1), y_range[1]), dot_radius=0.03, stroke_width=2.5,
                              diverged_label=False) for c in curves]
        ends = EndLabels([(name, color, tr.position(tr.exit_step))
                          for name, (_, color, _), tr in zip(end_names, curves, tracers)], buff=0.1)
        # Above the x axis, clear of its tick numbers.
        ends.shift(UP * max(0.0, loss_axes.c2p(0, y_range[0])[1] + 0.08 - ends.get_bottom()[1]))

        def redraw_net(_):
            s = snaps[snap_index()]
            self.diagram.set_weights(s.params)
            if s.activations is not None:
                self.diagram.set_activations(s.activations, limit=ACT_LIMIT)

        def redraw_counter(m):
            for row, text in zip(m, self.counter_lines(snap_index())):
                row.set_text(text)

        redraw_counter(counter)
        self.play(FadeIn(axes), FadeIn(heat), FadeIn(pts), FadeIn(test_pts), FadeIn(bound), FadeIn(key), FadeIn(example_key),
                  FadeIn(loss_axes), FadeIn(counter), FadeIn(example))
        self.add(at_epoch, *tracers)
        heat.add_updater(recolour)
        self.diagram.add_updater(redraw_net)
        counter.add_updater(redraw_counter)
        p = self.p
        if p.get("data"):
            n_all, name = len(self.X_all), Path(p["data"]).name
            split = (f"{len(self.y)} to train on, {len(self.y_test)} held out as test points" if has_test
                     else "all of them to train on")
            self.caption.say(self, f"The network learns on {n_all} points from {name}: {split}.", 4)
        if self.standardized:
            self.caption.say(self, "The network learns from a standardized copy of x₁ and x₂ (mean 0, spread 1); "
                                   "the plot keeps the data's units.", 4)
        self.caption.say(self, f"Training repeats such steps: Adam, lr {fmt(p['lr'])}, batches of "
                               f"{min(p['batch_size'], len(self.y))} training points.", 4)
        self.caption.say(self, "The background is the predicted probability of each class; the test points are "
                               "never trained on.", 4.5)
        self.play(k.animate.set_value(len(snaps) - 1), run_time=p["train_seconds"], rate_func=linear)
        self.diagram.clear_updaters()
        counter.clear_updaters()
        heat.clear_updaters()
        self.play(FadeIn(ends))
        train_acc, test_acc = self.accs[-1]
        if hist.status == "diverged":
            self.caption.say(self, f"Training diverged at step {hist.diverged_at}: the loss stopped being finite, "
                                   "so the last finite weights are shown.", 4)
        elif test_acc is not None:
            gap = "close to" if abs(train_acc - test_acc) <= 0.05 else ("below" if test_acc < train_acc else "above")
            self.caption.say(self, f"Accuracy {train_acc:.0%} on training points, {test_acc:.0%} on unseen test "
                                   f"points: {gap} its training score.", 4)
        else:
            self.caption.say(self, f"The boundary sharpens as the loss falls: training accuracy {train_acc:.0%} "
                                   f"on {len(self.y)} points.", 4)
        self.wait(2)
        mark_figure(self, "probability-map")
        # Hold the last caption its full reading time before the video ends.
        # (one frame more: the subtitle's times are rounded to milliseconds in the .srt)
        self.wait(max(1.0, self.caption.remaining(self) + 1 / config.frame_rate))
        mark_figure(self, "trained")
