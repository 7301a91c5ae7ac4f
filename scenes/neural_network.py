"""A neural network learns: a forward pulse, the loss, the backward pass, then training on two moons.

The seeds ask for "[NEURAL NETWORK MANIM]" and draw input, hidden and output
layers where every neuron has its weights and a bias.  The diagram is drawn
from a real :class:`gdcore.mlp.MLP`: edges coloured by the sign of each weight
and weighted by its size, neurons filled by their activation for one probe
input; the output neurons are filled in their class colour by probability.  One neuron
is opened up (z = w·x + b, then tanh).  The backward pass leaves a trace (solid where
dL/dw > 0, dashed where < 0).  Then one plain gradient step w <- w - eta * dL/dw
(:func:`gdcore.lessons.gradient_step`): first on one outlined edge with its numbers and
its before and after at one width scale, then on every edge, then the forward pass again.
Training (:func:`gdcore.mlp.train`, Adam, restarting from the initial weights, as the
captions say) runs on the training part of the data (:func:`gdcore.lessons.train_test_split`);
the diagram moves through its real snapshots while the predicted probability (one smooth
image, TensorFlow Playground style, with a colour key) and the decision boundary sharpen,
with train and test loss and accuracy side by side.  The run is paced by how much the map
changes: fast through a flat stretch of the loss, slow at the bend, which gets a caption.

With ``data = "file.csv"`` (columns x1, x2, label) the network learns the file's
points (split into training and test points the same way), with one output per
class.  Inputs far from unit scale are fed to it as a standardized copy
(:class:`gdcore.datasets.Standardizer`, fitted on the training points) while the
data panel keeps their units, numbers and the header's titles; the captions say so.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Circle,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Group,
    Indicate,
    LaggedStart,
    Line,
    RoundedRectangle,
    ShowPassingFlash,
    SurroundingRectangle,
    ValueTracker,
    VGroup,
    config,
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
    Legend,
    LiveText,
    NetworkDiagram,
    PathTracer,
    PlotAxes,
    SmoothHeatMap,
    StoryScene,
    fmt,
    hold_time,
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
#: The probability map's resolution (samples per side; drawn as one bilinearly smoothed image).
GRID = 60
#: How much smaller the diagram is drawn while training (the data panel is the picture then).
DIAGRAM_SHRINK = 0.7
#: The height of the loss chart's plot area while training (scene units).
KEY_GAP = 0.3
"""Scene units kept between the loss chart's end labels and the column's key."""
CHART_H = 1.0


def example_index(net: MLP, X: np.ndarray) -> int:
    """The training point the forward and backward passes follow: the first for which every hidden
    layer of the untrained ``net`` has a neuron that is not exactly 0.

    With ReLU a point can switch a whole layer off (every z < 0); its backward pass would carry no
    gradient past that layer and the update step would move only the output biases.  With tanh this
    is the first point.  If no point qualifies, the first.
    """
    _, _, acts = net.forward(X, return_activations=True)
    alive = np.all([np.any(a != 0, axis=1) for a in acts[1:-1]], axis=0) if len(acts) > 2 else np.ones(len(X), bool)
    hits = np.nonzero(alive)[0]
    return int(hits[0]) if len(hits) else 0


def decimals_3sig(v: float) -> int:
    """Decimals that show ``v`` to three significant digits (at least 1)."""
    if v == 0 or not np.isfinite(v):
        return 1
    return max(1, 2 - int(np.floor(np.log10(abs(v)))))


def softmax(out: np.ndarray) -> np.ndarray:
    P = np.exp(out - out.max(axis=-1, keepdims=True))
    return P / P.sum(axis=-1, keepdims=True)


def plateau(epoch_loss: np.ndarray, frac: float = 0.1, min_epochs: int = 10) -> tuple[int, int] | None:
    """The longest run of epochs ``(a, b)`` over which the training loss stays within ``frac`` of its
    total fall (max - min over training), if it lasts at least ``min_epochs`` and a fifth of training.

    On the default moons with Adam: the loss drops from 0.66 to about 0.3 in a few epochs, sits there
    for about fifty, then falls to 0.06: the flat stretch a viewer should not wait through.
    """
    L = np.asarray(epoch_loss, float)
    if len(L) < 3 or not np.all(np.isfinite(L)):
        return None
    tol = frac * (L.max() - L.min())
    best = (0, 0)
    a = 0
    for b in range(len(L)):
        while L[a:b + 1].max() - L[a:b + 1].min() > tol:
            a += 1
        if b - a > best[1] - best[0]:
            best = (a, b)
    n = best[1] - best[0]
    return best if n >= max(min_epochs, 0.2 * (len(L) - 1)) else None


def pace(change: np.ndarray, seconds: float, floor: float = 0.15, window: int = 5) -> np.ndarray:
    """When (seconds from the start) each snapshot is shown, for ``len(change) + 1`` snapshots.

    ``change[i]`` is how much the picture changes from snapshot i to i + 1 (mean |delta p| over the
    map).  Each interval gets time in proportion to ``floor + `` its change (smoothed over ``window``
    intervals, relative to the mean change): fast where nothing moves, slow where the map changes.
    """
    c = np.asarray(change, float)
    if len(c) == 0:
        return np.zeros(1)
    c = np.convolve(np.pad(c, window // 2, mode="edge"), np.ones(window) / window, mode="valid")[: len(change)]
    w = floor + c / (c.mean() or 1.0)
    return np.concatenate([[0.0], np.cumsum(w / w.sum() * seconds)])


def fit_bend(times: np.ndarray, bend_at: int, before: float, during: float) -> np.ndarray:
    """Stretch a schedule (from :func:`pace`) so that snapshot ``bend_at`` comes no sooner than ``before``
    seconds and the rest lasts at least ``during`` seconds; each part keeps its own pacing."""
    t = np.asarray(times, float).copy()
    old = float(t[bend_at])
    if 0 < old < before:
        t = np.concatenate([t[: bend_at + 1] * before / old, t[bend_at + 1:] + before - old])
    span = float(t[-1] - t[bend_at])
    if 0 < span < during:
        t[bend_at:] = t[bend_at] + (t[bend_at:] - t[bend_at]) * during / span
    return t


def straightness(points: np.ndarray) -> float:
    """How far a set of 2-D points (a boundary) is from a straight line: the smaller singular value of
    the centred points over the larger (0 for a line, 1 for a round blob)."""
    P = np.asarray(points, float).reshape(-1, 2)
    if len(P) < 3:
        return 0.0
    sv = np.linalg.svd(P - P.mean(axis=0), compute_uv=False)
    return float(sv[1] / sv[0]) if sv[0] > 0 else 0.0


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
        self.class_colors = list(THEME.CLASS[:self.n_classes])
        sizes = [X.shape[1], *p["hidden"], self.n_classes]
        self.net = MLP(sizes, activation=p["activation"], seed=p["seed"])
        self.ex = example_index(self.net, self.Xn)
        self.probe = self.Xn[self.ex:self.ex + 1]    # what the network sees of the example
        self.y_ex = self.y[self.ex:self.ex + 1]
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
            tick_text("output fill: p(class), in its colour"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        legend.next_to(np.array([self.right_panel_left(), bottom, 0], float), UP + RIGHT, buff=0.0)
        self.weight_legend = legend
        # The backward pass adds a key for the gradient above the legend.
        solid = Line(ORIGIN, 0.35 * RIGHT, stroke_color=THEME.GRAD, stroke_width=6)
        dashed = DashedVMobject(Line(ORIGIN, 0.35 * RIGHT, stroke_color=THEME.GRAD, stroke_width=6), num_dashes=3)
        self.grad_key = VGroup(
            tick_text("gradient ∂L/∂w, flowing back"),
            tick_text("width: the gradient's size"),
            VGroup(solid, tick_text("∂L/∂w > 0: the weight will fall")).arrange(RIGHT, buff=0.15),
            VGroup(dashed, tick_text("∂L/∂w < 0: the weight will rise")).arrange(RIGHT, buff=0.15),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.1).next_to(legend, UP, buff=0.14, aligned_edge=LEFT)
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
        ring = SurroundingRectangle(neuron, color=THEME.text, buff=0.08, corner_radius=0.1)
        # The input values at the input neurons, in the forward colour.
        self.input_values = VGroup(*[
            tick_text(fmt(x[i], 3), color=THEME.VALUE).next_to(c, LEFT, buff=0.12)
            for i, c in self.diagram.neurons[0].items()])
        n_in = len(x)
        # Written without subscripts (too small at 480p): w and x are the lists of incoming weights and inputs.
        terms = [f"({fmt(W1[i, j], 3)})({fmt(x[i], 3)})" for i in range(n_in)] + [f"({fmt(b1[j], 3)})"]
        act = self.net.activation
        left = self.right_panel_left()
        room = RIGHT_EDGE - left
        lines = [r"z = w \cdot x + b", "= " + " + ".join(terms), rf"= {fmt(z, 3)}",
                 rf"a = \{act}(z) = {fmt(a, 3)}" if act == "tanh" else rf"a = \mathrm{{{act}}}(z) = {fmt(a, 3)}"]
        if math_text(lines[1]).width > room:
            # Too wide for one line at the MATH size: the sum on two balanced lines.
            half = max(1, len(terms) // 2)
            lines[1:2] = ["= " + " + ".join(terms[:half]), "+ " + " + ".join(terms[half:])]
        small = max(math_text(s).width for s in lines) > room
        tex = VGroup(*[math_text(s, small=small) for s in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        top, _ = self.band()
        tex.next_to(np.array([left, top, 0], float), DOWN + RIGHT, buff=0.0).shift(0.1 * DOWN)
        key = tick_text("w: weights in, x: inputs, b: bias")
        key.next_to(tex, DOWN, buff=0.3, aligned_edge=LEFT)
        incoming = [e for (i, jj), e in self.diagram.edges[0].items() if jj == j]
        # Its incoming edges stand out; the rest of the network is dimmed.
        others = [e for layer in self.diagram.edges for e in layer.values() if not any(e is f for f in incoming)]
        self.play(Create(ring), FadeIn(self.input_values), *[e.animate.set_stroke(opacity=0.12) for e in others],
                  *[e.animate.set_stroke(opacity=1.0) for e in incoming])
        name = {"tanh": "tanh", "relu": "ReLU, max(0, z)", "sigmoid": "the sigmoid"}[act]
        self.caption.say(self, f"Every neuron: a weighted sum of its inputs plus a bias, then the activation, "
                               f"here {name}.", 3.5)
        self.play(FadeIn(tex[0]), FadeIn(key))
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
        self.play(FadeOut(ring), FadeOut(tex), FadeOut(key), self.diagram.animate.set_weights(self.initial))

    def forward_pass(self) -> None:
        self.set_title("Forward pass, loss, backward pass")
        out, _, acts = self.net.forward(self.probe, return_activations=True)
        label = int(self.y_ex[0])
        loss = self.net.loss(self.probe, self.y_ex, "cross_entropy")
        which = "the standardized input" if self.standardized else "the input"
        self.caption.say(self, f"A pulse carries {which} ({fmt(self.probe[0, 0], 3)}, {fmt(self.probe[0, 1], 3)}) "
                               "forward, layer by layer.", 3)
        for k in range(len(self.net.sizes)):
            if k > 0:
                flashes = [ShowPassingFlash(e.copy().set_stroke(THEME.VALUE, width=4, opacity=1), time_width=0.6)
                           for e in self.diagram.edges[k - 1].values()]
                self.play(LaggedStart(*flashes, lag_ratio=0.01), run_time=0.8)
            shown = acts[: k + 1] + [np.zeros(n) for n in self.net.sizes[k + 1:]]
            self.diagram.set_activations(shown, limit=ACT_LIMIT,
                                         output_colors=self.class_colors if k == len(acts) - 1 else None)
            self.play(*[Indicate(c, color=THEME.VALUE, scale_factor=1.1) for c in self.diagram.neurons[k].values()],
                      run_time=0.4)
        p = np.exp(out[0] - out[0].max())
        p /= p.sum()
        loss_text = VGroup(
            label_text(f"true class {label}", color=THEME.CLASS[label]),
            label_text(f"p(class {label}) = {fmt(p[label], 3)}"),
            label_text(f"loss = −log p = {fmt(loss, 3)}", color=THEME.LOSS),  # noqa: RUF001 (shown on screen)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        # Level with the output neurons, or higher if the legend (and the gradient key to come) would meet it.
        loss_text.next_to(np.array([self.right_panel_left(), self.diagram.layer_center(len(self.net.sizes) - 1)[1], 0]),
                          RIGHT, buff=0.0)
        loss_text.shift(UP * max(0.0, self.grad_key.get_top()[1] + 0.35 - loss_text.get_bottom()[1]))
        self.play(FadeIn(loss_text))
        self.caption.say(self, "The loss compares the output with the true class of this point.", 3)
        self.wait(1)
        self.loss_text = loss_text

    def backward_pass(self) -> None:
        self.loss_value, self.grads = self.net.loss_and_grads(self.probe, self.y_ex, "cross_entropy")
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
            trace = VGroup(*[self.grad_line(e, G[ij], widths[ij], 0.35 + 0.5 * abs(G[ij]) / scale)
                             for ij, e in self.diagram.edges[k].items()])
            self.play(LaggedStart(*flashes, lag_ratio=0.01), run_time=0.9)
            self.play(FadeIn(trace), run_time=0.4)
            self.grad_trace.add(trace)
        self.wait(1.5)
        mark_figure(self, "backward")
        self.unsay()
        self.play(FadeOut(self.loss_text), FadeOut(self.weight_legend), FadeOut(self.input_values))

    @staticmethod
    def grad_line(edge: Line, g: float, width: float, opacity: float):
        """The gradient's trace on ``edge``: solid where dL/dw > 0 (the step lowers w), dashed where < 0."""
        line = edge.copy().set_stroke(THEME.GRAD, width=width, opacity=opacity)
        if g >= 0:
            return line
        return DashedVMobject(line, num_dashes=max(3, round(line.get_length() / 0.12)))

    def update_step(self) -> None:
        """One plain gradient step on this point, w <- w - eta dL/dw: first on one outlined edge (before and
        after side by side, at one width scale), then on every edge; then the forward pass again."""
        self.set_title("The update: every weight steps against its gradient")
        drawn = [(k, i, j) for k, layer in enumerate(self.diagram.edges) for (i, j) in layer]
        step = gradient_step(self.initial, self.grads, self.p["step_lr"], candidates=drawn)
        dg = self.diagram
        edge = dg.edges[step.layer][(step.i, step.j)]
        # One width scale for before and after, so a change of width is a change of the weight.
        scales = dg.weight_scales(self.initial, step.new_params)
        new_loss = self.net.loss(self.probe, self.y_ex, "cross_entropy", params=step.new_params)
        # As many decimals in w, the gradient and the result: three significant digits of the smallest.
        dec = max(decimals_3sig(v) for v in (step.w, step.grad, step.new_w))
        lines = [r"w \leftarrow w - \eta\,\partial L/\partial w",
                 rf"= {step.w:.{dec}f} - {fmt(step.lr, 3)} \times ({step.grad:.{dec}f})",
                 rf"= {step.new_w:.{dec}f}"]
        left = self.right_panel_left()
        top, _ = self.band()
        small = max(math_text(t).width for t in lines) > RIGHT_EDGE - left
        tex = VGroup(*[math_text(t, small=small) for t in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        tex.next_to(np.array([left, top, 0], float), DOWN + RIGHT, buff=0.0).shift(0.1 * DOWN)
        names_in = ["input"] + [f"hidden-{k} neuron" for k in range(1, len(self.net.sizes) - 1)] + ["output"]
        src, dst = names_in[step.layer], names_in[step.layer + 1]
        names = VGroup(
            # In the outline's colour: the label and the highlight belong together.
            tick_text("w: the outlined edge's weight,", color=THEME.text),
            tick_text(f"  from {src} {step.i + 1} to {dst} {step.j + 1}", color=THEME.text),
            tick_text("∂L/∂w: its gradient", color=THEME.GRAD),
            tick_text("η: the learning rate"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(tex, DOWN, buff=0.3, aligned_edge=LEFT)

        # Before and after, side by side, drawn as the diagram draws them.
        scale = scales[step.layer]

        def sample(w: float) -> Line:
            # The diagram's colour and width; fully opaque, so a thin edge's colour can still be read.
            return Line(ORIGIN, 0.9 * RIGHT).set_stroke(**{**dg.edge_style(w, scale), "opacity": 1.0})

        before = VGroup(tick_text("before"), sample(step.w), tick_text(f"w = {step.w:.{dec}f}"))
        after_row = VGroup(tick_text("after"), sample(step.new_w), tick_text(f"w = {step.new_w:.{dec}f}"))
        for row in (before, after_row):
            row.arrange(RIGHT, buff=0.2)
        after_row[1:].next_to(after_row[0], RIGHT, buff=0.2)
        head_w = max(before[0].width, after_row[0].width)
        for row in (before, after_row):
            row[1].move_to(row[0].get_left() + (head_w + 0.2) * RIGHT, aligned_edge=LEFT)
            row[2].next_to(row[1], RIGHT, buff=0.2)
        pair = VGroup(before, after_row).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        pair.next_to(names, DOWN, buff=0.35, aligned_edge=LEFT)

        # A real ring: an outline around the edge, in the highlight colour; the edge itself stays visible.
        ring = RoundedRectangle(width=edge.get_length() + 0.3, height=0.32, corner_radius=0.16,
                                stroke_color=THEME.text, stroke_width=3, fill_opacity=0.0)
        ring.rotate(edge.get_angle()).move_to(edge.get_center())
        others = [e for layer in dg.edges for e in layer.values() if e is not edge]
        self.caption.say(self, "Learning is this step: each weight moves against its gradient, by η times it.", 4)
        # The gradient traces and their key leave together; the other edges are dimmed.
        self.play(FadeOut(self.grad_trace), FadeOut(self.grad_key),
                  *[e.animate.set_stroke(opacity=0.12) for e in others], edge.animate.set_stroke(opacity=1.0),
                  Create(ring), run_time=1.0)
        self.play(FadeIn(tex[0]), FadeIn(names))
        self.play(FadeIn(tex[1]))
        self.play(FadeIn(tex[2]))
        self.play(FadeIn(before))
        # The outlined edge takes its step first, alone.
        self.play(edge.animate.set_stroke(**{**dg.edge_style(step.new_w, scale), "opacity": 1.0}), FadeIn(after_row),
                  run_time=1.5)
        change = abs(step.new_w - step.w)
        rel = change / abs(step.w) if step.w != 0 else float("inf")
        flips = step.w * step.new_w < 0
        if rel > 0.5:
            size = "more than its own size" if rel > 1 else f"{rel:.0%} of its size"
            past = ", past zero" if flips else ""
            self.caption.say(self, f"η = {fmt(step.lr, 3)} is large, to make the step visible: this weight "
                                   f"moves by {size}{past}.", 4)
        else:
            self.caption.say(self, f"This weight moves by {rel:.0%} of its size"
                                   f"{', past zero' if flips else ''}.", 3)
        self.wait(1)
        mark_figure(self, "update-step")
        # Then every weight at once (same width scale), and the dimmed edges come back.
        new_params = step.new_params
        self.play(*[e.animate.set_stroke(**dg.edge_style(float(new_params[2 * k][i, j]), scales[k]))
                    for k, layer in enumerate(dg.edges) for (i, j), e in layer.items()], run_time=2.0)
        total = sum(g.size for g in self.grads)
        moved = sum(int(np.count_nonzero(g)) for g in self.grads)
        if moved == total:
            self.caption.say(self, "Every weight took its step at once.", 2.5)
        else:
            # e.g. ReLU neurons that output 0 for this point pass no gradient back: their weights stay.
            self.caption.say(self, f"{moved} of {total} weights and biases moved (the others' gradient is 0 for "
                                   f"this point).", 4)
        # The forward pass again, with the new weights: the output neurons show the new probabilities.
        label = int(self.y_ex[0])
        p_old = softmax(self.net.forward(self.probe))[0, label]
        out_new, _, acts_new = self.net.forward(self.probe, params=new_params, return_activations=True)
        p_new = softmax(out_new)[0, label]
        flashes = [ShowPassingFlash(e.copy().set_stroke(THEME.VALUE, width=4, opacity=1), time_width=0.6)
                   for layer in dg.edges for e in layer.values()]
        self.play(LaggedStart(*flashes, lag_ratio=0.002), run_time=1.0)
        dg.set_activations(acts_new, limit=ACT_LIMIT, output_colors=self.class_colors)
        self.play(*[Indicate(c, color=THEME.VALUE, scale_factor=1.15) for c in dg.neurons[-1].values()],
                  run_time=0.6)
        went = "falls" if new_loss < self.loss_value else "rises"
        rose = "rises" if p_new > p_old else "falls"
        result = VGroup(
            label_text(f"p(class {label}): {p_old:.3f} → {p_new:.3f}", color=THEME.CLASS[label]),
            label_text(f"loss: {fmt(self.loss_value, 3)} → {fmt(new_loss, 3)}", color=THEME.LOSS),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(pair, DOWN, buff=0.35, aligned_edge=LEFT)
        self.play(FadeIn(result))
        self.caption.say(self, f"Forward again: p(class {label}) {rose} from {p_old:.2f} to {p_new:.2f}, "
                               f"and the loss on this point {went}.", 4)
        self.wait(2)
        self.unsay()
        self.play(FadeOut(VGroup(tex, names, pair, result, ring)))
        # Training starts again from the initial weights: the diagram says so by showing them.
        dg.set_weights(self.initial)

    def scores(self, params) -> tuple[float, float | None, float, float | None]:
        """Training and test accuracy and loss (None without a test set) of the network with ``params``."""
        net = self.net
        acc = float(np.mean(np.argmax(net.forward(self.Xn, params=params), 1) == self.y))
        loss = net.loss(self.Xn, self.y, "cross_entropy", params=params)
        if len(self.y_test) == 0:
            return acc, None, loss, None
        acc_t = float(np.mean(np.argmax(net.forward(self.Xn_test, params=params), 1) == self.y_test))
        return acc, acc_t, loss, net.loss(self.Xn_test, self.y_test, "cross_entropy", params=params)

    def counter_lines(self, i: int) -> list[str]:
        """Step and epoch of snapshot ``i``."""
        snap = self.history.snapshots[i]
        return [f"step  {snap.step}", f"epoch {snap.epoch:.1f}"]

    def table_cells(self, i: int) -> list[str]:
        """Accuracy and loss of snapshot ``i``: train accuracy, test accuracy, train loss, test loss."""
        acc, acc_t, loss, loss_t = self.score[i]
        return [f"{acc:.0%}", "" if acc_t is None else f"{acc_t:.0%}",
                f"{loss:.3f}", "" if loss_t is None else f"{loss_t:.3f}"]

    def data_axes(self, width: float, height: float) -> tuple[PlotAxes, np.ndarray, np.ndarray]:
        """The data panel's axes (plot area at most ``width`` x ``height``) and its data range lo, hi."""
        X = self.X_all
        if not self.standardized:
            # x1 and x2 at one scale (a circle stays a circle), round ranges with numbers.
            xr = nice_range(float(X[:, 0].min() - 0.1), float(X[:, 0].max() + 0.1), 8)
            s = xr[2]
            yr = (float(np.floor(X[:, 1].min() / s - 0.2) * s), float(np.ceil(X[:, 1].max() / s + 0.2) * s), s)
            aspect = (yr[1] - yr[0]) / (xr[1] - xr[0])
            w = min(width, height / aspect)
            h = w * aspect
            titles = {"x1": "x₁", "x2": "x₂"}
        else:
            # Data in its own units (hours, dollars): each axis its own round range, with the titles
            # the file's header gives.
            pad = 0.06 * (X.max(axis=0) - X.min(axis=0))
            xr = nice_range(float(X[:, 0].min() - pad[0]), float(X[:, 0].max() + pad[0]), 4)
            yr = nice_range(float(X[:, 1].min() - pad[1]), float(X[:, 1].max() + pad[1]), 3)
            w, h = width, height
            titles = data_titles("neural_network", self.p)
        axes = PlotAxes(list(xr), list(yr), x_length=w, y_length=h, x_title=titles["x1"], y_title=titles["x2"])
        return axes, np.array([xr[0], yr[0]]), np.array([xr[1], yr[1]])

    def colour_key(self):
        """The probability map's key: with two classes a bar of p(class 1) from 0 through 0.5 to 1, drawn with
        the map's own colouring; otherwise a line saying how the map is coloured."""
        if self.n_classes != 2:
            return tick_text("background: likeliest class, paler where unsure")
        t = np.linspace(0.0, 1.0, 64)
        P = np.stack([1 - t, t], axis=-1)[None].repeat(4, axis=0)
        bar_w, bar_h = 1.5, 0.16
        bar = SmoothHeatMap(np.array([0.0, 0.0, 0.0]), np.array([bar_w, bar_h, 0.0]),
                            probability_image(P, self.class_colors))
        frame = RoundedRectangle(width=bar_w, height=bar_h, corner_radius=0.0, stroke_color=THEME.muted,
                                 stroke_width=1, fill_opacity=0.0).move_to(bar)
        ticks = VGroup(*[tick_text(v).next_to(bar.get_corner(DOWN + LEFT) + f * bar_w * RIGHT, DOWN, buff=0.08)
                         for v, f in (("0", 0.0), ("0.5", 0.5), ("1", 1.0))])
        title = tick_text("background: p(class 1)").next_to(bar, UP, buff=0.1, aligned_edge=LEFT)
        return Group(title, bar, frame, ticks)

    def training(self) -> None:
        self.set_title("Training: probability map, train and test")
        hist = self.history
        snaps = hist.snapshots
        self.score = [self.scores(s.params) for s in snaps]
        has_test = len(self.y_test) > 0
        top, bottom = self.band()
        last = len(snaps) - 1

        # The column right of the data panel: step and epoch, a train | test table, the key.
        counter = VGroup(*[LiveText(s, color=THEME.muted, font_size=TYPE.TICK)
                           for s in self.counter_lines(last)]).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        heads = [tick_text("train", color=THEME.LOSS)] + ([tick_text("test")] if has_test else [])
        names = [tick_text("accuracy"), tick_text("loss")]
        cells = [LiveText(s or "0", font_size=TYPE.TICK, color=THEME.LOSS if c % 2 == 0 else THEME.text)
                 for c, s in enumerate(self.table_cells(last))]
        cols = 2 if has_test else 1
        value_w = max(m.width for m in [*heads, *cells])
        name_w = max(m.width for m in names)
        row_h = 0.34
        table = VGroup()
        for c, head in enumerate(heads):
            head.move_to(np.array([name_w + 0.25 + c * (value_w + 0.2), 0, 0], float), aligned_edge=LEFT)
            table.add(head)
        for r, name in enumerate(names):
            name.move_to(np.array([0, -(r + 1) * row_h, 0], float), aligned_edge=LEFT)
            table.add(name)
            for c in range(cols):
                cell = cells[2 * r + c]
                cell.move_to(np.array([heads[c].get_left()[0], name.get_y(), 0]), aligned_edge=LEFT)
                table.add(cell)
        table_cells = [cells[k] for k in range(4) if has_test or k % 2 == 0]

        def entry(mark, text: str) -> VGroup:
            return VGroup(mark, tick_text(text)).arrange(RIGHT, buff=0.12)

        key_rows = [entry(Dot(radius=0.05, color=THEME.muted), "train point")]
        if has_test:
            key_rows.append(entry(Circle(radius=0.06, stroke_color=THEME.muted, stroke_width=2),
                                  "test point (held out)"))
        key_rows += [entry(Circle(radius=0.09, stroke_color=THEME.VALUE, stroke_width=3), "the example"),
                     Legend([("boundary p = 0.5" if self.n_classes == 2 else "boundary", THEME.text)])]
        key_rows.append(self.colour_key())
        key = Group(*key_rows).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        column = Group(counter, table, key).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        column.next_to(np.array([RIGHT_EDGE, top, 0], float), DOWN + LEFT, buff=0.0).shift(0.1 * DOWN)

        # The data panel is the picture now: the diagram steps aside, smaller, to the left.
        layer_labels, out_labels = self.layer_labels, self.out_labels
        small = self.diagram.copy().scale(DIAGRAM_SHRINK)
        small.next_to(np.array([-config.frame_x_radius + 0.35, (top + bottom) / 2, 0], float), RIGHT, buff=0.0)
        self.play(self.diagram.animate.scale(DIAGRAM_SHRINK).move_to(small), FadeOut(layer_labels),
                  *[lab.animate.next_to(small.neurons[-1][c], RIGHT, buff=0.2)
                    for c, lab in zip(self.diagram.neurons[-1], out_labels, strict=True)], run_time=1.2)
        left = self.right_panel_left()
        # As large as the room between the diagram and the column allows, above the loss chart.
        numbers_w = 0.55 if self.standardized else 0.45
        room_w = column.get_left()[0] - 0.65 - left - numbers_w
        room_h = top - bottom - 1.0 - CHART_H - 1.0 - 0.45
        axes, lo, hi = self.data_axes(room_w, room_h)
        axes.next_to(np.array([left, top, 0], float), DOWN + RIGHT, buff=0.0).shift(0.1 * DOWN)
        corner_lo, corner_hi = axes.plot_area()
        pts = VGroup(*[Dot(axes.c2p(*xy), radius=0.045, color=THEME.CLASS[int(c)])
                       for xy, c in zip(self.X, self.y, strict=True)])
        test_pts = VGroup(*[Circle(radius=0.055, stroke_color=THEME.CLASS[int(c)], stroke_width=2).move_to(
            axes.c2p(*xy)) for xy, c in zip(self.X_test, self.y_test, strict=True)])
        example = Circle(radius=0.11, stroke_color=THEME.VALUE, stroke_width=3).move_to(axes.c2p(*self.X[self.ex]))

        def probabilities(points: np.ndarray, params) -> np.ndarray:
            out = self.net.forward(self.scaler.transform(points), params=params)    # what the network sees
            P = np.exp(out - out.max(1, keepdims=True))
            return P / P.sum(1, keepdims=True)

        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        GX, GY = np.meshgrid(gx, gy)
        grid = np.column_stack([GX.ravel(), GY.ravel()])
        # The map: probabilities at pixel centres (rows from the top), one smooth image per snapshot.
        cx = np.linspace(lo[0], hi[0], 2 * GRID + 1)[1::2]
        cy = np.linspace(lo[1], hi[1], 2 * GRID + 1)[1::2][::-1]
        cell_xy = np.column_stack([a.ravel() for a in np.meshgrid(cx, cy)])
        maps = [probabilities(cell_xy, s.params).reshape(GRID, GRID, self.n_classes) for s in snaps]
        images = [probability_image(P, self.class_colors) for P in maps]

        def boundary_points(i: int) -> np.ndarray:
            """The p = 0.5 boundary of snapshot ``i`` (two classes), as the points of its segments."""
            P = probabilities(grid, snaps[i].params).reshape(GRID, GRID, self.n_classes)
            return contour_segments(GX, GY, P[:, :, 1], 0.5).reshape(-1, 2)

        def boundary_of(i: int):
            P = probabilities(grid, snaps[i].params).reshape(GRID, GRID, self.n_classes)
            if self.n_classes == 2:
                seg = contour_segments(GX, GY, P[:, :, 1], 0.5)
            else:
                # Where a class stops being the most likely: p_k - (the largest other p) = 0, per class.
                parts = [contour_segments(GX, GY, P[:, :, c] - np.delete(P, c, axis=2).max(2), 0.0)
                         for c in range(self.n_classes)]
                seg = np.concatenate([q for q in parts if len(q)]) if any(len(q) for q in parts) else parts[0]
            return segments_vmobject(xy_to_scene(axes, seg), THEME.text, 3, 1.0)

        k = ValueTracker(0.0)

        def snap_index() -> int:
            return min(int(k.get_value()), last)

        heat = SmoothHeatMap(corner_lo, corner_hi, images[0])
        bound = boundary_of(0)

        # Train and test loss per epoch, below the data panel.
        curves = [("train", THEME.LOSS, hist.epoch_loss)] + ([("test", THEME.text, hist.epoch_test_loss)]
                                                             if has_test else [])
        epochs_done = len(hist.epoch_loss) - 1
        y_range = nice_range(0.0, float(max(max(c[2]) for c in curves)), n=2)
        # The lines are named at their ends; their values are the table's.
        end_names = [name for name, _, _ in curves]
        room = max(tick_text(t).width for t in end_names) + 0.2
        chart_left = left + numbers_w - 0.1
        # The chart and its end labels stay left of the column, whose colour key comes down beside it.
        chart_right = column.get_left()[0] - 0.45
        # Built again, narrower, while the end labels would come within KEY_GAP of the column (its colour key).
        x_length = chart_right - room - chart_left
        for _attempt in range(4):
            loss_axes = PlotAxes(nice_range(0, max(epochs_done, 1), 4), y_range,
                                 x_length=x_length, y_length=CHART_H,
                                 x_title="epoch", y_title="loss (cross-entropy)", y_title_color=THEME.LOSS)
            loss_axes.next_to(np.array([chart_left, bottom, 0], float), UP + RIGHT, buff=0.0)
            epoch_of = np.array([s.epoch for s in snaps], float)
            at_epoch = ValueTracker(0.0)
            at_epoch.add_updater(lambda v, epoch_of=epoch_of: v.set_value(min(float(np.interp(
                k.get_value(), np.arange(len(snaps)), epoch_of)), epochs_done)))
            tracers = [PathTracer(loss_axes, np.column_stack([np.arange(len(c[2])), c[2]]), c[1], at_epoch, (0, 0),
                                  (max(epochs_done, 1), y_range[1]), dot_radius=0.03, stroke_width=2.5,
                                  diverged_label=False) for c in curves]
            ends = EndLabels([(name, color, tr.position(tr.exit_step))
                              for name, (_, color, _), tr in zip(end_names, curves, tracers, strict=True)], buff=0.1)
            excess = ends.get_right()[0] - (column.get_left()[0] - KEY_GAP)
            if excess <= 0:
                break
            x_length -= excess + 0.02
        # Above the x axis, clear of its tick numbers.
        ends.shift(UP * max(0.0, loss_axes.c2p(0, y_range[0])[1] + 0.08 - ends.get_bottom()[1]))

        # Everything below changes only when the snapshot shown changes (a few dozen times), not every frame.
        shown = [-1]

        def show(i: int) -> None:
            s = snaps[i]
            self.diagram.set_weights(s.params)
            if s.activations is not None:
                self.diagram.set_activations(s.activations, limit=ACT_LIMIT, output_colors=self.class_colors)
            heat.set_image(images[i])
            bound.become(boundary_of(i))
            for row, text in zip(counter, self.counter_lines(i), strict=True):
                row.set_text(text)
            for cell, text in zip(table_cells, [t for t in self.table_cells(i) if t], strict=True):
                cell.set_text(text)
            shown[0] = i

        def follow(_) -> None:
            if snap_index() != shown[0]:
                show(snap_index())

        show(0)
        self.play(FadeIn(axes), FadeIn(heat), FadeIn(pts), FadeIn(test_pts), FadeIn(bound), FadeIn(column),
                  FadeIn(loss_axes), FadeIn(example))
        self.add(at_epoch, *tracers)
        # On the diagram (in the scene since the start): manim redraws every frame only the mobjects from
        # the first one with an updater on, so the diagram and all added after it stay live.
        self.diagram.add_updater(follow)
        p = self.p
        pre = []
        if p.get("data"):
            n_all, file_name = len(self.X_all), Path(p["data"]).name
            split = (f"{len(self.y)} to train on, {len(self.y_test)} held out as test points" if has_test
                     else "all of them to train on")
            pre.append(f"The network learns on {n_all} points from {file_name}: {split}.")
        if self.standardized:
            pre.append("The network learns from a standardized copy of x₁ and x₂ (mean 0, spread 1); "
                       "the plot keeps the data's units.")
        pre.append(f"Training repeats such steps on batches of {min(p['batch_size'], len(self.y))} points, "
                   "starting again from the initial weights.")
        pre.append(f"It uses Adam (lr {fmt(p['lr'])}), which scales each weight's step by its own recent "
                   "gradients.")
        # Pace: fast where the map hardly changes, slow where it does; the flat stretch of the loss (if
        # any) gets its own caption as the bend starts.
        change = np.array([np.abs(b - a).mean() for a, b in pairwise(maps)])
        times = pace(change, p["train_seconds"])
        flat = plateau(np.asarray(hist.epoch_loss)) if hist.status != "diverged" else None
        bend_text, bend_at = "", last
        if flat is not None and flat[1] < epochs_done:
            a, b = flat
            bend_at = int(np.searchsorted(epoch_of, b))
            L = np.asarray(hist.epoch_loss)
            shape = ""
            falls = L[-1] < L[a:b + 1].min()
            bends = ""
            if self.n_classes == 2:
                s_flat = straightness(boundary_points(int(np.searchsorted(epoch_of, (a + b) / 2))))
                s_end = straightness(boundary_points(last))
                if s_flat < 0.15:
                    shape = " on an almost straight boundary"
                    if s_end > 2 * s_flat:
                        bends = " as the boundary bends"
            bend_text = (f"For {b - a} epochs the loss sat near {float(np.mean(L[a:b + 1])):.2f}{shape}; now it "
                         f"{'falls' if falls else 'moves'} to {float(L[-1]):.2f}{bends}.")
            # The captions before the bend are read before it starts, the bend's own while it plays.
            times = fit_bend(times, bend_at, sum(hold_time(t) + 1.0 for t in pre), hold_time(bend_text) + 0.5)
        # The clock runs from the first frame of training: captions are read while the network trains.
        clock = ValueTracker(0.0)
        clock.add_updater(lambda m, dt: m.increment_value(dt))
        k.add_updater(lambda m: m.set_value(float(np.interp(clock.get_value(), times, np.arange(len(snaps))))))
        self.add(clock, k)
        for text in pre:
            self.caption.say(self, text, hold_time(text))
        if bend_text:
            # The bend's caption comes as the bend starts (the flat stretch is paced to end after the
            # captions before it).
            self.wait(max(0.0, times[bend_at] - clock.get_value() - self.caption.remaining(self)))
            self.caption.say(self, bend_text, hold_time(bend_text))
        self.wait(max(0.0, times[-1] - clock.get_value()) + 1 / config.frame_rate)
        clock.clear_updaters()
        k.clear_updaters()
        k.set_value(last)
        self.diagram.clear_updaters()
        show(last)
        self.play(FadeIn(ends))
        train_acc, test_acc, _, _ = self.score[-1]
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
        # Hold the last caption its full reading time before the video ends (the kit's Caption
        # allows for the .srt's millisecond rounding).
        self.wait(max(1.0, self.caption.remaining(self)))
        mark_figure(self, "trained")
