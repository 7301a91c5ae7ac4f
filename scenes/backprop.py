"""Backpropagation through add and mul nodes, then through a single tanh neuron.

The story of the SGD talk (seed 000): a Value holds data and grad; adding and
multiplying Values makes parent nodes; in the tree ``d = a*b + c`` the gradient
flows back unchanged through ``+`` and as "the other child's data times the
upstream gradient" through ``*``.  Every number on screen comes from
:class:`gdcore.Value` -- the forward values from the ops, the backward pass
from the trace recorded by ``backward()``.

Render with ``manim render scenes/backprop.py``; change the inputs with a
``[backprop]`` table in a ``$GDVIZ_PARAMS`` file.
"""

from __future__ import annotations

from manim import (
    DOWN,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    SurroundingRectangle,
    VGroup,
    config,
)

from gdcore import TraceStep, Value
from scenes.kit import THEME, ComputationGraph, StoryScene, fmt, mark_figure, math_text


def _tex_num(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


class Backprop(StoryScene):
    """Values, add and mul nodes, the backward pass from the trace, and a tanh neuron."""

    params_key = "backprop"

    def construct(self) -> None:
        self.show_a_value()
        self.add_and_multiply()
        self.build_tree()
        self.backward_through_tree()
        self.single_neuron()

    # ------------------------------------------------------------ storyboard
    def show_a_value(self) -> None:
        self.set_title("A Value holds data and a gradient")
        a = Value(self.p["a"], label="a")
        graph = ComputationGraph(a.graph())
        self.play(FadeIn(graph, scale=0.9))
        self.caption.say(self, "Each node stores its data, its gradient and a label.", 2.5)
        self.wait(1.5)
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(graph))

    def add_and_multiply(self) -> None:
        self.set_title("Operations make parent nodes")
        a, b = Value(self.p["a"], label="a"), Value(self.p["b"], label="b")
        for make, words in ((lambda: a + b, "Adding"), (lambda: a * b, "Multiplying")):
            out = make()
            out.label = "out"
            graph = ComputationGraph(out.graph(), max_height=4.6).shift(0.2 * UP)
            leaves = VGroup(graph.box("a"), graph.box("b"))
            self.play(FadeIn(leaves))
            self.caption.say(
                self, f"{words} {fmt(a.data)} and {fmt(b.data)} inserts a parent node with data {fmt(out.data)}.", 3
            )
            self.play(Create(graph.edges), FadeIn(*graph.ops.values()), run_time=1)
            self.play(FadeIn(graph.box(out.label), shift=0.3 * RIGHT))
            self.play(Indicate(graph.box(out.label).data_text, color=THEME.VALUE))
            self.wait(1.2)
            self.unsay()   # the caption goes with what it describes
            self.play(FadeOut(graph))

    def build_tree(self) -> None:
        self.set_title(r"A tree: e = a·b, d = e + c")
        a, b, c = (Value(self.p[k], label=k) for k in "abc")
        e = a * b
        e.label = "e"
        d = e + c
        d.label = "d"
        self.tree_nodes = {"a": a, "b": b, "c": c, "e": e, "d": d}
        self.tree_out = d
        self.tree = ComputationGraph(d.graph(), max_height=4.0)
        self.tree.next_to([0, self.titles.bottom(), 0], DOWN, buff=0.3)
        self.reveal_forward(self.tree)
        self.caption.say(self, f"Forward pass: e = a·b = {fmt(e.data)}, then d = e + c = {fmt(d.data)}.", 3)
        self.wait(1)
        mark_figure(self, "tree-forward")

    def backward_through_tree(self) -> None:
        self.set_title("Backward pass: the chain rule, node by node")
        self.caption.say(self, "Start at the output: d.grad = 1 (d changes one-for-one with itself).", 3)
        trace = self.tree_out.backward()
        self.play_backward(self.tree, self.tree_out, trace, explain=True)
        a, b = self.tree_nodes["a"], self.tree_nodes["b"]
        self.caption.say(
            self, f"× gives each child the other's data: a.grad = {fmt(a.grad)}, b.grad = {fmt(b.grad)}.", 3.5
        )
        self.wait(2)
        mark_figure(self, "tree-backward")
        self.unsay()   # the caption goes with what it describes
        self.play(FadeOut(self.tree))

    def single_neuron(self) -> None:
        self.set_title("One neuron: o = tanh(x1·w1 + x2·w2 + b)")
        p = self.p
        x1, x2 = Value(p["x1"], label="x1"), Value(p["x2"], label="x2")
        w1, w2 = Value(p["w1"], label="w1"), Value(p["w2"], label="w2")
        bias = Value(p["bias"], label="b")
        x1w1 = x1 * w1
        x1w1.label = "x1w1"
        x2w2 = x2 * w2
        x2w2.label = "x2w2"
        s = x1w1 + x2w2
        s.label = "sum"
        n = s + bias
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        graph = ComputationGraph(o.graph(), max_height=4.4, col_gap=1.2)
        graph.next_to([0, self.titles.bottom(), 0], DOWN, buff=0.1)
        if graph.compact:
            key = graph.key().next_to([config.frame_width / 2 - 0.4, self.titles.bottom(), 0], DOWN,
                                      buff=0.1, aligned_edge=RIGHT)
            self.add(key)
        self.reveal_forward(graph)
        self.caption.say(self, f"Forward: n = {fmt(n.data)}, o = tanh(n) = {fmt(o.data)}.", 3)
        self.wait(0.5)
        trace = o.backward()
        self.caption.say(self, "Backward: each node passes its gradient to its children.")
        self.play_backward(graph, o, trace, explain=False, tanh_detail=True)
        self.caption.say(
            self, f"tanh scaled the gradient by {fmt(1 - o.data ** 2)}: w1.grad = {fmt(w1.grad)}, w2.grad = {fmt(w2.grad)}.", 3.5
        )
        self.wait(2.5)
        mark_figure(self, "neuron-backward")

    # --------------------------------------------------------------- helpers
    def reveal_forward(self, graph: ComputationGraph) -> None:
        """Show the graph column by column, left to right, as the forward pass computes it."""
        for k, layer in enumerate(graph.graph.layers):
            anims = []
            for nid in layer:
                node = graph.graph.node(nid)
                if node.children:
                    anims += [Create(graph.in_edges[(c, nid)]) for c in dict.fromkeys(node.children)]
                    anims += [FadeIn(graph.ops[nid]), Create(graph.out_edges[nid])]
                anims.append(FadeIn(graph.boxes[nid], shift=0.2 * RIGHT))
            self.play(*anims, run_time=0.6 if k else 0.8)

    def play_backward(
        self,
        graph: ComputationGraph,
        out: Value,
        trace: list[TraceStep],
        explain: bool,
        tanh_detail: bool = False,
    ) -> None:
        """Animate the recorded trace: a red arrow per step, the grad line updating on arrival."""
        ids = {n.label: n.id for n in graph.graph.nodes}
        out_box = graph.box(out.label)
        out_box.set_grad(out.grad)
        self.play(Indicate(out_box.grad_text, color=THEME.GRAD, scale_factor=1.4))
        running: dict[int, float] = {}
        for step in trace:
            pid, cid = ids[step.node.label], ids[step.child.label]
            start, end = graph.edge_path(cid, pid)
            arrow = Arrow(start + 0.12 * DOWN, end + 0.12 * DOWN, buff=0.05, color=THEME.GRAD,
                          stroke_width=5, tip_length=0.2, max_tip_length_to_length_ratio=0.3)
            running[cid] = running.get(cid, 0.0) + step.contribution
            box = graph.boxes[cid]
            anims = [GrowArrow(arrow)]
            rule = None
            if explain or (tanh_detail and step.op == "tanh"):
                rule = self.chain_rule_tex(out, step)
                anims.append(FadeIn(rule))
            if explain:
                self.caption.say(self, self.step_words(step), 3.0)
            self.play(*anims, run_time=0.9)
            box.set_grad(running[cid])                       # the gradient arrives: shown in place, then flashed
            self.play(Indicate(box.grad_text, color=THEME.GRAD, scale_factor=1.3), run_time=0.5)
            if rule is not None:
                self.wait(2.2)
                self.play(FadeOut(rule), run_time=0.4)
            self.play(FadeOut(arrow), run_time=0.3)

    def chain_rule_tex(self, out: Value, step: TraceStep) -> VGroup:
        """The chain-rule product of one trace step in MathTex, with its numbers."""
        o, n, c = out.label, step.node.label, step.child.label
        def d(num: str, den: str) -> str:
            return rf"\frac{{\partial {num}}}{{\partial {den}}}"
        local_sym = {"tanh": rf"1-{n}^2"}.get(step.op)
        if step.op == "*":
            other = [k for k in step.node.children if k is not step.child]
            local_sym = (other[0].label if other else c) + r".\mathrm{data}"
        parts = [d(o, c), "=", d(o, n), r"\cdot", d(n, c), "="]
        if local_sym is not None:
            parts += [_tex_num(step.upstream), r"\cdot", r"\left(" + local_sym + r"\right)", "="]
        parts += [_tex_num(step.upstream), r"\cdot", _tex_num(step.local), "=", fmt(step.contribution)]
        tex = math_text(*parts)
        tex[0].set_color(THEME.GRAD)
        tex[-1].set_color(THEME.GRAD)
        box = SurroundingRectangle(tex, color=THEME.muted, buff=0.15, corner_radius=0.1,
                                   fill_color=THEME.background, fill_opacity=0.92, stroke_width=1.5)
        group = VGroup(box, tex)
        if group.width > config.frame_width - 0.6:
            group.scale_to_fit_width(config.frame_width - 0.6)
        return group.next_to([0, self.caption.top(), 0], UP, buff=0.2)

    @staticmethod
    def step_words(step: TraceStep) -> str:
        """What one backward step does, in words, with the trace's numbers."""
        n, c = step.node.label, step.child.label
        if step.op == "+":
            return f"+ passes {n}.grad through unchanged: {c}.grad += {fmt(step.contribution)}"
        if step.op == "*":
            other = next((k for k in step.node.children if k is not step.child), step.child)
            return (f"× : {c}.grad += {other.label}.data × {n}.grad = "
                    f"{fmt(step.local)} × {fmt(step.upstream)} = {fmt(step.contribution)}")
        return (f"{c}.grad += {n}.grad × local derivative = "
                f"{fmt(step.upstream)} × {fmt(step.local)} = {fmt(step.contribution)}")
