"""A computation graph of :class:`gdcore.Value` nodes, drawn micrograd-style."""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Arrow,
    Circle,
    RoundedRectangle,
    Text,
    VGroup,
    config,
)

from gdcore.autograd import Graph, GraphNode, op_info
from scenes.kit.layout import fit_in
from scenes.kit.text import LiveText, fmt
from scenes.kit.theme import MIN_GLYPH_PX, TEXT_CAP_PX_PER_POINT, THEME, TYPE, Theme

__all__ = ["ComputationGraph", "NodeBox", "op_symbol"]


def op_symbol(op: str) -> str:
    """The short symbol drawn inside an op node, as the engine declares it
    (:func:`gdcore.autograd.op_info`; ``**2`` is drawn ``^2``); an unknown op is drawn as its name."""
    try:
        return op_info(op).symbol
    except (KeyError, ValueError):
        return op


class NodeBox(VGroup):
    """A Value drawn micrograd-style: a rounded box with its label, data and grad.

    The grad line is a separate submobject (``grad_text``) so scenes can update
    it as the gradient arrives (:meth:`set_grad`).  ``compact`` boxes drop the
    words "data" and "grad" (the colours say which is which; see
    :meth:`ComputationGraph.key`), so a wide graph fits the frame without its
    numbers shrinking under 12 px.
    """

    WIDTH = 2.4
    COMPACT_WIDTH = 1.55
    HEIGHT = 1.15
    COMPACT_HEIGHT = 1.0

    def __init__(self, node: GraphNode, show_grad: bool = True, compact: bool = False, theme: Theme = THEME) -> None:
        super().__init__()
        self.node = node
        self.theme = theme
        self.compact = compact
        self.width0 = self.COMPACT_WIDTH if compact else self.WIDTH
        self.box = RoundedRectangle(
            corner_radius=0.12, width=self.width0, height=self.COMPACT_HEIGHT if compact else self.HEIGHT,
            stroke_color=theme.muted, stroke_width=2, fill_color=theme.panel, fill_opacity=1.0,
        )
        self.label = Text(node.label or "·", font=theme.font, font_size=TYPE.LABEL,
                          color=theme.text, weight="BOLD")
        self.data_text = self._line("data", node.data, theme.VALUE)
        self.grad_text = self._line("grad", node.grad, theme.GRAD)
        lines = VGroup(self.label, self.data_text, self.grad_text).arrange(DOWN, buff=0.08)
        lines.move_to(self.box)
        if not show_grad:
            self.grad_text.set_opacity(0.0)
        self.add(self.box, self.label, self.data_text, self.grad_text)

    def _words(self, name: str, value: float) -> str:
        return fmt(value) if self.compact else f"{name} {fmt(value)}"

    def _line(self, name: str, value: float, color: str) -> LiveText:
        t = LiveText(self._words(name, value), color=color, font_size=TYPE.TICK, capacity=14, theme=self.theme)
        return fit_in(t, self.width0 - 0.16, 1.0)

    def set_grad(self, grad: float) -> NodeBox:
        """Show a new gradient in place (the glyphs are swapped, not morphed), centred in the box."""
        self.grad_text.set_text(self._words("grad", grad))
        self.grad_text.set_x(self.box.get_x())
        return self

    def set_data(self, data: float) -> NodeBox:
        """Show a new value in place, centred in the box."""
        self.data_text.set_text(self._words("data", data))
        self.data_text.set_x(self.box.get_x())
        return self


class ComputationGraph(VGroup):
    """A :class:`gdcore.Graph` drawn left to right, laid out from its depth layers.

    Boxes (:class:`NodeBox`) sit in columns by depth; every non-leaf node has a
    small op circle on its left, and edges run child box -> op circle -> box.
    The vertical order inside a column follows the parents' order, which keeps
    edges from crossing for trees.  The whole graph is scaled to fit
    ``max_width`` x ``max_height``.

    Parameters
    ----------
    graph : gdcore.Graph
        From ``value.graph()``.
    show_grad : bool
        Draw the grad line from the start (else it is hidden until revealed).
    col_gap, row_gap : float
        Space between columns and between boxes of one column (scene units).
    tip_ratio : float
        Largest arrowhead length as a fraction of its edge (raise it for short edges, whose
        heads would otherwise shrink out of sight).
    """

    def __init__(
        self,
        graph: Graph,
        show_grad: bool = True,
        col_gap: float = 1.5,
        row_gap: float = 0.25,
        max_width: float | None = None,
        max_height: float = 5.6,
        max_scale: float = 1.5,
        theme: Theme = THEME,
        tip_ratio: float = 0.12,
    ) -> None:
        super().__init__()
        self.graph = graph
        self.tip_ratio = tip_ratio
        self.theme = theme
        self.boxes: dict[int, NodeBox] = {}
        self.ops: dict[int, VGroup] = {}
        self.in_edges: dict[tuple[int, int], Arrow] = {}   # (child, parent) -> child->op arrow
        self.out_edges: dict[int, Arrow] = {}              # parent -> op->box arrow
        max_width = max_width or config.frame_width - 0.8

        columns = self._columns(graph)
        n_cols = len(columns)
        tallest = max(len(c) for c in columns)
        # Full boxes ("data 0.8814") where they fit at full size, else compact ones (numbers only).
        full_w = n_cols * NodeBox.WIDTH + (n_cols - 1) * col_gap
        compact = full_w > max_width or tallest * (NodeBox.HEIGHT + row_gap) - row_gap > max_height
        if compact:
            col_gap = min(col_gap, max((max_width - n_cols * NodeBox.COMPACT_WIDTH) / max(n_cols - 1, 1), 0.7))
        self.compact = compact
        box_w = NodeBox.COMPACT_WIDTH if compact else NodeBox.WIDTH
        pitch_x = box_w + col_gap
        pitch_y = (NodeBox.COMPACT_HEIGHT if compact else NodeBox.HEIGHT) + row_gap
        for k, col in enumerate(columns):
            x = (k - (n_cols - 1) / 2) * pitch_x
            for r, nid in enumerate(col):
                y = ((len(col) - 1) / 2 - r) * pitch_y
                box = NodeBox(graph.node(nid), show_grad=show_grad, compact=compact, theme=theme)
                box.move_to([x, y, 0])
                self.boxes[nid] = box

        op_radius = 0.4
        for nid, box in self.boxes.items():
            node = graph.node(nid)
            if not node.children:
                continue
            circle = Circle(radius=op_radius, stroke_color=theme.muted, stroke_width=2,
                            fill_color=theme.background, fill_opacity=1.0)
            # Nearer the parent than the children: the fan of incoming edges gets the longer run.
            circle.next_to(box, LEFT, buff=col_gap * 0.22)
            sym = Text(op_symbol(node.op), font=theme.font, font_size=TYPE.LABEL, color=theme.text)
            if sym.width > 1.7 * op_radius:
                sym.scale_to_fit_width(1.7 * op_radius)
            sym.move_to(circle)
            op = VGroup(circle, sym)
            self.ops[nid] = op
            self.out_edges[nid] = self._arrow(circle.get_right(), box.get_left())
            seen: set[int] = set()
            for cid in node.children:
                if cid in seen:   # a*a: one drawn edge, used twice
                    continue
                seen.add(cid)
                child = self.boxes[cid]
                self.in_edges[(cid, nid)] = self._arrow(child.get_right(), circle.get_left())

        self.edges = VGroup(*self.in_edges.values(), *self.out_edges.values())
        self.add(self.edges, *self.ops.values(), *self.boxes.values())
        # Fill the space given, but never blow a small graph up past max_scale, nor shrink its
        # numbers under 12 px at 480p (they are drawn at the TICK size, 13.4 px, at scale 1).
        min_scale = MIN_GLYPH_PX / (TYPE.TICK * TEXT_CAP_PX_PER_POINT)
        scale = max(min(max_width / self.width, max_height / self.height, max_scale), min_scale)
        self.scale(scale)

    def key(self) -> VGroup:
        """What the numbers in a compact box are: "data" and "grad" in their colours, side by side."""
        return VGroup(Text("data", font=self.theme.font, font_size=TYPE.TICK, color=self.theme.VALUE),
                      Text("grad", font=self.theme.font, font_size=TYPE.TICK, color=self.theme.GRAD)
                      ).arrange(RIGHT, buff=0.3)

    def _arrow(self, start: np.ndarray, end: np.ndarray) -> Arrow:
        return Arrow(start, end, buff=0.04, stroke_width=3, color=self.theme.muted,
                     max_tip_length_to_length_ratio=self.tip_ratio, tip_length=0.16)

    @staticmethod
    def _columns(graph: Graph) -> list[list[int]]:
        """Ids per column, each column ordered by its parents' rows (right to left)."""
        parents: dict[int, list[int]] = {n.id: [] for n in graph.nodes}
        for cid, pid in graph.edges:
            if pid not in parents[cid]:
                parents[cid].append(pid)
        row: dict[int, float] = {}
        columns: list[list[int]] = []
        for layer in reversed(graph.layers):
            def key(nid: int) -> tuple[float, int]:
                ps = parents[nid]
                if not ps:
                    return (0.0, nid)
                # Mean row of parents; ties broken by the child's position among its parent's children.
                mean = sum(row[p] for p in ps) / len(ps)
                first = graph.node(ps[0]).children
                return (mean, first.index(nid) if nid in first else nid)
            col = sorted(layer, key=key)
            # Rows are normalised to (0, 1) so columns of different sizes compare by position.
            for r, nid in enumerate(col):
                row[nid] = (r + 0.5) / len(col)
            columns.append(col)
        columns.reverse()
        return columns

    def box(self, node: GraphNode | int | str) -> NodeBox:
        """The box of a node, by GraphNode, id or label."""
        if isinstance(node, str):
            node = self.graph.by_label(node)
        nid = node if isinstance(node, int) else node.id
        return self.boxes[nid]

    def edge_path(self, child_id: int, parent_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and end points of a backward arrow: from the parent's op node to the child box."""
        circle = self.ops[parent_id][0]
        return circle.get_left(), self.boxes[child_id].get_right()
