"""Backpropagation: a derivative as a sensitivity, the chain rule as rates, the backward pass, one neuron.

The story of the SGD talk (seed 000): a Value holds data and grad; adding and
multiplying Values makes parent nodes.  A gradient is a sensitivity -- nudge an
input by h and the output moves by about grad x h (:func:`gdcore.sensitivity.nudge`)
-- and the chain rule multiplies rates like a car twice as fast as a bicycle that
is four times as fast as a walker (:func:`gdcore.sensitivity.chained_rates`).  In
the tree ``d = a*b + c`` the gradient flows back through ``+`` unchanged and
through ``*`` times the other child's data; then through a tanh neuron and,
after post 003, a ReLU neuron.  Every number on screen comes from
:class:`gdcore.Value` -- the forward values from the ops, the backward pass
from the trace recorded by ``backward()``.

Render with ``manim render scenes/backprop.py``; change the inputs with a
``[backprop]`` table in a ``$GDVIZ_PARAMS`` file.
"""

from __future__ import annotations

from collections.abc import Mapping

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    Line,
    MoveAlongPath,
    SurroundingRectangle,
    VGroup,
    config,
    linear,
)

from gdcore import TraceStep, Value
from gdcore.autograd import op_info
from gdcore.sensitivity import chained_rates, nudge
from scenes.kit import (
    THEME,
    TYPE,
    ComputationGraph,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    math_text,
)


def _tex_num(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


def tree(v: Mapping[str, float]) -> Value:
    """The talk's tree ``e = a*b``, ``d = e + c`` from input values (labels a, b, c, e, d)."""
    a, b, c = (Value(v[k], label=k) for k in "abc")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    return d


def neuron(v: Mapping[str, float], activation: str) -> Value:
    """Karpathy's neuron ``o = act(x1*w1 + x2*w2 + bias)`` from input values."""
    x1, x2 = Value(v["x1"], label="x1"), Value(v["x2"], label="x2")
    w1, w2 = Value(v["w1"], label="w1"), Value(v["w2"], label="w2")
    bias = Value(v["bias"], label="bias")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "sum"
    n = s + bias
    n.label = "n"
    o = n.tanh() if activation == "tanh" else n.relu()
    o.label = "o"
    return o


def by_label(out: Value) -> dict[str, Value]:
    return {v.label: v for v in out.topological_order()}


class Backprop(StoryScene):
    """Values, add and mul nodes, nudges and rates, the backward pass from the trace, two neurons."""

    params_key = "backprop"

    def construct(self) -> None:
        self.show_a_value()
        self.add_and_multiply()
        self.sensitivity()
        self.build_tree()
        self.nudge_the_tree()
        self.chain_rates()
        self.backward_through_tree()
        self.single_neuron("tanh")
        self.single_neuron("relu")

    # ------------------------------------------------------------ storyboard
    def show_a_value(self) -> None:
        self.set_title("A node (a Value) holds data and a gradient")
        a = Value(self.p["a"], label="a")
        graph = ComputationGraph(a.graph())
        self.play(FadeIn(graph, scale=0.9))
        self.caption.say(self, "Each node stores its data, its gradient and a label.", 2.5)
        self.wait(1.0)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(graph))

    def add_and_multiply(self) -> None:
        self.set_title("Operations make parent nodes")
        a, b = Value(self.p["a"], label="a"), Value(self.p["b"], label="b")
        for make, words in ((lambda: a + b, "Adding"), (lambda: a * b, "Multiplying")):
            out = make()
            out.label = "out"
            graph = ComputationGraph(out.graph(), max_height=4.6, tip_ratio=0.4).shift(0.2 * UP)
            leaves = VGroup(graph.box("a"), graph.box("b"))
            self.play(FadeIn(leaves))
            self.caption.say(
                self, f"{words} {fmt(a.data)} and {fmt(b.data)} inserts a parent node with data {fmt(out.data)}.", 3
            )
            self.reveal_forward(graph, skip_leaves=True)
            self.wait(1.0)
            self.unsay()   # the caption goes with what it describes
            self.play(FadeOut(graph))

    def sensitivity(self) -> None:
        """The talk's y = 2x: add 1 to x and y goes up by 2 -- the derivative is that rate."""
        self.set_title("A derivative is a sensitivity")
        x0 = self.p["talk_x"]
        k = self.p["talk_slope"]
        talk = nudge(lambda v: Value(k, label="k") * Value(v["x"], label="x"), {"x": x0}, "x", 1.0)
        top = self.titles.bottom() - 0.6
        rule = math_text(rf"y = {fmt(k)}x")
        rows = VGroup(
            math_text(rf"x = {fmt(talk.value)}", r"\;\Rightarrow\;", rf"y = {fmt(talk.before)}"),
            math_text(rf"x = {fmt(talk.value + talk.h)}", r"\;\Rightarrow\;", rf"y = {fmt(talk.after)}"),
        ).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        delta = math_text(r"\Delta y = ", fmt(talk.delta), r"\quad\Rightarrow\quad \frac{dy}{dx} = ",
                          fmt(talk.grad), color=THEME.GRAD)
        group = VGroup(rule, rows, delta).arrange(DOWN, buff=0.5)
        group.move_to([0, (top + self.caption.top()) / 2, 0])
        self.play(FadeIn(rule))
        self.caption.say(self, f"The talk's example: y = {fmt(k)}x. Add 1 to x and watch y.")
        self.play(FadeIn(rows[0]))
        self.play(FadeIn(rows[1], shift=0.2 * DOWN))
        self.caption.say(self, f"y went up by {fmt(talk.delta)}: that rate is the derivative dy/dx = "
                               f"{fmt(talk.grad)}.")
        self.play(FadeIn(delta))
        self.wait(1.5)
        self.unsay()
        self.play(FadeOut(group))

    def build_tree(self) -> None:
        self.set_title("A tree: e = a·b, d = e + c")
        self.tree_inputs = {k: self.p[k] for k in "abc"}
        d = tree(self.tree_inputs)
        self.tree_nodes = by_label(d)
        self.tree_out = d
        e = self.tree_nodes["e"]
        self.tree = ComputationGraph(d.graph(), max_height=3.6, tip_ratio=0.4)
        self.tree.next_to([0, self.titles.bottom(), 0], DOWN, buff=0.3)
        self.caption.say(self, f"Forward pass: the values flow right, e = a·b = {fmt(e.data)}, "
                               f"then d = e + c = {fmt(d.data)}.")
        self.reveal_forward(self.tree)
        self.wait(1)
        mark_figure(self, "tree-forward")

    def nudge_the_tree(self) -> None:
        """Nudge a by h in the graph: d moves by about a.grad * h."""
        self.set_title("Nudge an input, watch the output")
        h = self.p["nudge_h"]
        n = nudge(tree, self.tree_inputs, "a", h)
        moved = by_label(tree({**self.tree_inputs, "a": n.value + h}))
        box_a = self.tree.box("a")
        self.caption.say(self, f"Nudge a by a tiny h = {fmt(h)} and run the forward pass again.")
        self.play(Indicate(box_a, color=THEME.VALUE, scale_factor=1.1))
        for name in ("a", "e", "d"):
            self.tree.box(name).set_data(moved[name].data)
            self.play(Indicate(self.tree.box(name).data_text, color=THEME.VALUE, scale_factor=1.3), run_time=0.6)
        readout = VGroup(
            math_text(r"\Delta d = ", f"{fmt(n.after)} - {_tex_num(n.before)}", "=", fmt(n.delta)),
            math_text(r"\frac{\Delta d}{h} = ", fmt(n.delta / h, 4), r"\approx \frac{\partial d}{\partial a}",
                      color=THEME.GRAD),
        ).arrange(DOWN, buff=0.3)
        readout.next_to(self.tree, DOWN, buff=0.35)
        self.play(FadeIn(readout[0]))
        self.caption.say(self, f"d moved by {fmt(n.delta)}, about {fmt(n.delta / h, 3)} × h: d's sensitivity to a.")  # noqa: RUF001 (shown on screen)
        self.play(FadeIn(readout[1]))
        self.wait(1.0)
        mark_figure(self, "nudge")
        self.caption.say(self, "That rate is the gradient. Backprop finds it for every input at once, no nudging.")
        self.wait(1.0)
        self.unsay()
        for name in ("a", "e", "d"):
            self.tree.box(name).set_data(self.tree_nodes[name].data)
        self.play(FadeOut(readout), FadeOut(self.tree))

    def chain_rates(self) -> None:
        """The talk's car, bicycle and walker: rates along a chain multiply."""
        self.set_title("The chain rule: rates multiply")
        bike_rate, car_rate = self.p["chain_rates"]
        r = chained_rates([bike_rate, car_rate])
        names = ("walker", "bicycle", "car")
        top = self.titles.bottom() - 0.5
        left_x, track = -5.2, 8.6
        unit = track / max(r.speeds)
        rows = VGroup()
        dots, paths = [], []
        for k, (name, speed) in enumerate(zip(names, r.speeds, strict=True)):
            y = top - 0.3 - k * 0.95
            color = (THEME.VALUE, THEME.POSITIVE, THEME.GRAD)[k]
            words = label_text(name, color=color).move_to([left_x - 0.3, y, 0], aligned_edge=RIGHT)
            line = Line([left_x, y, 0], [left_x + track, y, 0], color=THEME.muted, stroke_width=2)
            dot = Dot([left_x, y, 0], radius=0.1, color=color)
            path = Line([left_x, y, 0], [left_x + speed * unit, y, 0])
            rows.add(VGroup(words, line, dot))
            dots.append(dot)
            paths.append(path)
        self.play(FadeIn(rows))
        self.caption.say(self, f"A car goes {fmt(car_rate)} × as fast as a bicycle, the bicycle "  # noqa: RUF001 (shown on screen)
                               f"{fmt(bike_rate)} × as fast as a walker.")  # noqa: RUF001 (shown on screen)
        self.play(*[MoveAlongPath(d, p) for d, p in zip(dots, paths, strict=True)], run_time=3, rate_func=linear)
        speeds = VGroup(*[label_text(f"{fmt(s)}", size=TYPE.TICK, color=THEME.text).next_to(d, UP, buff=0.1)
                          for d, s in zip(dots, r.speeds, strict=True)])
        self.play(FadeIn(speeds))
        chain = math_text(r"\frac{d\,\mathrm{car}}{d\,\mathrm{walker}} = ",
                          r"\frac{d\,\mathrm{car}}{d\,\mathrm{bicycle}} \cdot "
                          r"\frac{d\,\mathrm{bicycle}}{d\,\mathrm{walker}}",
                          rf"= {fmt(car_rate)} \cdot {fmt(bike_rate)} = ", fmt(r.rate))
        chain[-1].set_color(THEME.GRAD)
        d_out = tree(self.tree_inputs)
        trace = d_out.backward()
        grads = by_label(d_out)
        de_da = next(s.local for s in trace if s.node.label == "e" and s.child.label == "a")
        dd_de = grads["e"].grad
        same = math_text(r"\frac{\partial d}{\partial a} = ", r"\frac{\partial d}{\partial e} \cdot "
                         r"\frac{\partial e}{\partial a}", rf"= {_tex_num(dd_de)} \cdot {_tex_num(de_da)} = ",
                         fmt(grads["a"].grad))
        same[-1].set_color(THEME.GRAD)
        VGroup(chain, same).arrange(DOWN, buff=0.45).next_to(rows, DOWN, buff=0.5)
        self.caption.say(self, f"So the car is {fmt(car_rate)} × {fmt(bike_rate)} = {fmt(r.rate)} × as fast "  # noqa: RUF001 (shown on screen)
                               "as the walker: rates along a chain multiply.")
        self.play(FadeIn(chain))
        self.wait(1.0)
        self.caption.say(self, f"The same in the tree: d changes {fmt(dd_de)} × as fast as e, "  # noqa: RUF001 (shown on screen)
                               f"e {fmt(de_da)} × as fast as a.")  # noqa: RUF001 (shown on screen)
        self.play(FadeIn(same))
        self.wait(1.0)
        mark_figure(self, "chain-rates")
        self.wait(1.0)
        self.unsay()
        self.play(FadeOut(VGroup(rows, speeds, chain, same)))

    def backward_through_tree(self) -> None:
        self.set_title("Backward pass: the chain rule, node by node")
        for box in self.tree.boxes.values():
            box.set_grad(0.0)
        self.play(FadeIn(self.tree))
        self.caption.say(self, "Start at the output: d.grad = 1 (d changes one-for-one with itself).")
        trace = self.tree_out.backward()
        arrows = self.play_backward(self.tree, self.tree_out, trace)
        self.caption.say(self, "All the gradients at once, each beside the arrow that brought it.")
        self.wait(2)
        mark_figure(self, "all-gradients")
        mark_figure(self, "tree-backward")
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(VGroup(self.tree, arrows)))

    def single_neuron(self, activation: str) -> None:
        relu = activation == "relu"
        act = "ReLU" if relu else "tanh"
        self.set_title(f"One neuron: o = {act}(x1·w1 + x2·w2 + bias)")
        o = neuron(self.p, activation)
        nodes = by_label(o)
        n = nodes["n"]
        graph = ComputationGraph(o.graph(), max_height=4.2, col_gap=1.6, tip_ratio=0.45)
        graph.next_to([0, self.titles.bottom(), 0], DOWN, buff=0.1)
        key = None
        if graph.compact:
            key = graph.key().next_to([config.frame_width / 2 - 0.4, self.titles.bottom(), 0], DOWN,
                                      buff=0.1, aligned_edge=RIGHT)
            self.add(key)
        if relu:
            self.caption.say(self, f"Post 003's neuron: w·x + bias, then ReLU: o = max(0, n) = {fmt(o.data)}.")
        else:
            self.caption.say(self, f"Forward: n = x1·w1 + x2·w2 + bias = {fmt(n.data)}, o = tanh(n) = "
                                   f"{fmt(o.data)}.")
        self.reveal_forward(graph, fast=True)
        self.wait(0.5)
        trace = o.backward()
        arrows = self.play_backward(graph, o, trace, brisk=True, only=("relu",) if relu else None)
        x1, x2, w1, w2 = (nodes[k] for k in ("x1", "x2", "w1", "w2"))
        local = next(s.local for s in trace if s.node is o)
        if relu:
            why = "n > 0, so ReLU passes the gradient (local derivative 1)" if local == 1.0 else \
                "n ≤ 0, so ReLU blocks the gradient (local derivative 0)"
            self.caption.say(self, f"{why}: w1.grad = {fmt(w1.grad)}, w2.grad = {fmt(w2.grad)}.")
            self.wait(1.5)
            mark_figure(self, "relu-neuron")
        else:
            self.caption.say(self, f"tanh scaled the gradient by 1 − o² = {fmt(local)}: w1.grad = "  # noqa: RUF001 (shown on screen)
                                   f"{fmt(w1.grad)}, w2.grad = {fmt(w2.grad)}.")
            x1w1 = nodes["x1w1"]
            self.caption.say(self, f"The inputs get grads too: x1.grad = w1 × x1w1.grad = {fmt(w1.data)} × "  # noqa: RUF001 (shown on screen)
                                   f"{fmt(x1w1.grad)} = {fmt(x1.grad)}; likewise x2.grad = {fmt(x2.grad)}.")
            self.wait(1.5)
            mark_figure(self, "neuron-backward")
        self.unsay()
        self.play(FadeOut(VGroup(graph, arrows, *([key] if key is not None else []))))

    # --------------------------------------------------------------- helpers
    def reveal_forward(self, graph: ComputationGraph, skip_leaves: bool = False, fast: bool = False) -> None:
        """The forward pass column by column: values travel along the edges into each node."""
        pace = 0.6 if fast else 1.0
        for layer in graph.graph.layers:
            ops = [nid for nid in layer if graph.graph.node(nid).children]
            if ops:
                ins = [graph.in_edges[(c, nid)] for nid in ops for c in dict.fromkeys(graph.graph.node(nid).children)]
                self.play(*[Create(e) for e in ins], *[FadeIn(graph.ops[nid]) for nid in ops], run_time=0.4 * pace)
                self.travel(ins, 0.6 * pace)
                outs = [graph.out_edges[nid] for nid in ops]
                self.play(*[Create(e) for e in outs], run_time=0.3 * pace)
                self.travel(outs, 0.4 * pace)
            boxes = [graph.boxes[nid] for nid in layer if not (skip_leaves and not graph.graph.node(nid).children)]
            if boxes:
                self.play(*[FadeIn(b, shift=0.15 * RIGHT) for b in boxes], run_time=0.5 * pace)

    def travel(self, edges, run_time: float) -> None:
        """A value dot runs along each edge."""
        dots = [Dot(e.get_start(), radius=0.08, color=THEME.VALUE) for e in edges]
        self.play(*[MoveAlongPath(d, Line(e.get_start(), e.get_end())) for d, e in zip(dots, edges, strict=True)],
                  run_time=run_time, rate_func=linear)
        self.remove(*dots)

    def play_backward(self, graph: ComputationGraph, out: Value, trace: list[TraceStep], brisk: bool = False,
                      only: tuple[str, ...] | None = None) -> VGroup:
        """Animate the recorded trace: per step a caption, the chain-rule line and a red arrow that stays.

        ``brisk`` runs the steps through ``+`` nodes quicker (their rule is the same each time); with
        ``only``, just the steps through those ops are explained, the others run through quickly.
        Returns the arrows, all still on screen.
        """
        ids = {n.label: n.id for n in graph.graph.nodes}
        out_box = graph.box(out.label)
        out_box.set_grad(out.grad)
        self.play(Indicate(out_box.grad_text, color=THEME.GRAD, scale_factor=1.4))
        running: dict[int, float] = {}
        arrows = VGroup()
        for step in trace:
            pid, cid = ids[step.node.label], ids[step.child.label]
            start, end = graph.edge_path(cid, pid)
            arrow = Arrow(start + 0.12 * DOWN, end + 0.12 * DOWN, buff=0.05, color=THEME.GRAD,
                          stroke_width=5, tip_length=0.2, max_tip_length_to_length_ratio=0.3)
            running[cid] = running.get(cid, 0.0) + step.contribution
            box = graph.boxes[cid]
            told = only is None or step.op in only
            quick = (brisk and step.op == "+") or not told
            if told:
                rule = self.chain_rule_tex(out, step)
                self.caption.say(self, self.step_words(step))
                self.play(GrowArrow(arrow), FadeIn(rule), run_time=0.6 if quick else 0.9)
            else:
                self.play(GrowArrow(arrow), run_time=0.5)
            box.set_grad(running[cid])                       # the gradient arrives: shown in place, then flashed
            self.play(Indicate(box.grad_text, color=THEME.GRAD, scale_factor=1.3), run_time=0.5)
            if told:
                self.wait(0.6 if quick else 1.6)
                self.play(FadeOut(rule), run_time=0.3)
                if only is not None:
                    self.unsay()
            arrows.add(arrow)
        return arrows

    def chain_rule_tex(self, out: Value, step: TraceStep) -> VGroup:
        """One trace step as arithmetic: the upstream gradient times the explicit local derivative."""
        o, n, c = out.label, step.node.label, step.child.label
        kids = [k.label for k in step.node.children]

        def d(num: str, den: str) -> str:
            return rf"\frac{{\partial {num}}}{{\partial {den}}}"
        # The formula and the local derivative as the engine declares them (gdcore.autograd.OPS).
        op = op_info(step.op)
        expr = op.formula(kids)
        local = op.local(step.node.children.index(step.child), kids, n)
        # A constant local derivative (1 for +) is not written out twice; relu's is its number.
        local_sym = None if step.op in ("+", "-", "relu") else local
        parts = [d(o, c), "="]
        if n != o:
            parts += [d(o, n), r"\cdot"]
        parts += [rf"\frac{{\partial ({expr})}}{{\partial {c}}}", "="]
        if local_sym is not None:
            parts += ([_tex_num(step.upstream), r"\cdot"] if n != o else []) + [local_sym, "="]
        if n != o:
            parts += [_tex_num(step.upstream), r"\cdot"]
        parts += [_tex_num(step.local), "=", fmt(step.contribution)]
        tex = math_text(*parts)
        tex[0].set_color(THEME.GRAD)
        tex[-1].set_color(THEME.GRAD)
        box = SurroundingRectangle(tex, color=THEME.muted, buff=0.15, corner_radius=0.1,
                                   fill_color=THEME.background, fill_opacity=0.92, stroke_width=1.5)
        group = VGroup(box, tex)
        return group.next_to([0, self.caption.top(), 0], UP, buff=0.2)

    @staticmethod
    def step_words(step: TraceStep) -> str:
        """What one backward step does, in words, with the trace's numbers."""
        n, c = step.node.label, step.child.label
        if step.op == "+":
            return f"+ passes {n}.grad on unchanged: {c}.grad += {fmt(step.contribution)}."
        if step.op == "*":
            other = next((k for k in step.node.children if k is not step.child), step.child)
            return (f"× multiplies by the other input: {c}.grad += {other.label} × {n}.grad = "  # noqa: RUF001 (shown on screen)
                    f"{fmt(step.local)} × {fmt(step.upstream)} = {fmt(step.contribution)}.")  # noqa: RUF001 (shown on screen)
        if step.op == "tanh":
            return (f"tanh's slope is 1 − o² = {fmt(step.local)}: {c}.grad += {fmt(step.upstream)} × "  # noqa: RUF001 (shown on screen)
                    f"{fmt(step.local)} = {fmt(step.contribution)}.")
        if step.op == "relu":
            return (f"ReLU's slope is {fmt(step.local)} ({c} {'>' if step.local else '≤'} 0): {c}.grad += "
                    f"{fmt(step.upstream)} × {fmt(step.local)} = {fmt(step.contribution)}.")  # noqa: RUF001 (shown on screen)
        return (f"{c}.grad += {n}.grad × local derivative = "  # noqa: RUF001 (shown on screen)
                f"{fmt(step.upstream)} × {fmt(step.local)} = {fmt(step.contribution)}.")  # noqa: RUF001 (shown on screen)
