"""Shared visual pieces for every scene: the theme, captions, and reusable mobjects.

Scenes import from here and from :mod:`gdcore`; nothing in here computes
training results -- it only draws what gdcore returns.

The theme is semantic: a colour means one thing in every video.

=================  ==========================================================
``VALUE``          forward values (a node's data, activations)
``GRAD``           gradients and the backward pass
``POSITIVE``       a positive weight
``NEGATIVE``       a negative weight
``LOSS``           the loss (readouts and loss curves)
``PREDICTION``     a model's prediction (the fitted line)
``OPTIMIZER[..]``  one colour per optimizer (SGD, Momentum, RMSprop, Adam, Adagrad)
``REGIME[..]``     one colour per learning-rate regime
=================  ==========================================================

Set the environment variable ``GDVIZ_THEME=light`` for white blog pages.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Sequence
import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Arrow,
    Axes,
    Circle,
    DecimalNumber,
    Dot,
    FadeIn,
    FadeOut,
    Integer,
    Line,
    ManimColor,
    MathTex,
    RoundedRectangle,
    Scene,
    Tex,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
    color_gradient,
    config,
)

from gdcore.autograd import Graph, GraphNode
from gdcore.contour import contour_segments

__all__ = [
    "Storyboard",
    "Theme",
    "THEME",
    "get_theme",
    "fmt",
    "Caption",
    "ComputationGraph",
    "NodeBox",
    "title_text",
    "label_text",
]


@dataclass(frozen=True)
class Theme:
    """The palette and type sizes shared by all scenes."""

    name: str
    background: str
    text: str
    muted: str
    panel: str
    VALUE: str
    GRAD: str
    POSITIVE: str
    NEGATIVE: str
    LOSS: str
    PREDICTION: str
    DATA: str
    OPTIMIZER: dict[str, str] = field(default_factory=dict)
    REGIME: dict[str, str] = field(default_factory=dict)
    # Gradient-descent variants (batch, stochastic, mini-batch).
    VARIANT: dict[str, str] = field(default_factory=lambda: {"batch": "#7FA7FF", "stochastic": "#F4A261",
                                                             "minibatch": "#83C167"})
    # Class colours of classification data (two moons, spirals, digits).
    CLASS: tuple[str, ...] = ("#F28CB1", "#C6E377", "#9D8DF1", "#FFD166", "#06D6A0", "#EF476F", "#A0C4FF",
                              "#FFADAD", "#CAFFBF", "#BDB2FF")
    # Sequential map for heights / contour levels (low -> high); used only for the loss surface.
    HEIGHT_MAP: tuple[str, ...] = ("#5A46B0", "#2C78C0", "#21A38F", "#6CCB5F", "#E3E22A")
    font: str = "DejaVu Sans"
    mono: str = "DejaVu Sans Mono"
    # Type sizes, chosen to stay readable at 854x480.
    title_size: int = 40
    caption_size: int = 28
    label_size: int = 24
    small_size: int = 20

    @staticmethod
    def dark() -> "Theme":
        return Theme(
            name="dark",
            background="#0F1117",
            text="#ECECEC",
            muted="#8A919E",
            panel="#1B1F2A",
            VALUE="#58C4DD",
            GRAD="#FC6255",
            POSITIVE="#5CD0B3",
            NEGATIVE="#F0A050",
            LOSS="#F4D345",
            PREDICTION="#FF6F91",
            DATA="#ECECEC",
            OPTIMIZER={
                "SGD": "#D0D4DC",
                "Momentum": "#FF9F1C",
                "RMSprop": "#2EC4B6",
                "Adam": "#C77DFF",
                "Adagrad": "#9BE564",
            },
            REGIME={
                "slow": "#7FA7FF",
                "good": "#83C167",
                "oscillating": "#FFB000",
                "diverging": "#FF4FA3",
            },
        )

    @staticmethod
    def light() -> "Theme":
        return Theme(
            name="light",
            background="#FFFFFF",
            text="#1A1A1A",
            muted="#6B7280",
            panel="#F1F3F7",
            VALUE="#1F77B4",
            GRAD="#D62728",
            POSITIVE="#138A72",
            NEGATIVE="#C4610A",
            LOSS="#B58900",
            PREDICTION="#C2185B",
            DATA="#1A1A1A",
            OPTIMIZER={
                "SGD": "#4B5563",
                "Momentum": "#E07000",
                "RMSprop": "#0E9384",
                "Adam": "#7B2CBF",
                "Adagrad": "#4D8F1F",
            },
            REGIME={
                "slow": "#3559C7",
                "good": "#2E7D32",
                "oscillating": "#B07800",
                "diverging": "#C2185B",
            },
            HEIGHT_MAP=("#3B2A7A", "#2F6DA3", "#1F9A8A", "#6DBF4B", "#C9B800"),
        )


def get_theme(name: str | None = None) -> Theme:
    """The theme named ``name`` or, by default, by ``$GDVIZ_THEME`` (``dark``)."""
    name = (name or os.environ.get("GDVIZ_THEME") or "dark").strip().lower()
    if name == "dark":
        return Theme.dark()
    if name == "light":
        return Theme.light()
    raise ValueError(f"GDVIZ_THEME must be 'dark' or 'light', got {name!r}")


THEME = get_theme()
config.background_color = THEME.background
# Text and numbers made without an explicit colour (axis numbers, MathTex) follow the theme,
# so the light theme has no white-on-white labels.
for _cls in (Text, MathTex, Tex, DecimalNumber, Integer):
    _cls.set_default(color=THEME.text)


def fmt(x: float, digits: int = 4) -> str:
    """Format a number for the screen: ``digits`` significant figures, no ``-0``.

    >>> fmt(-3.0), fmt(0.70710678), fmt(-0.0), fmt(1234567.0)
    ('-3', '0.7071', '0', '1.235e+06')
    """
    if not math.isfinite(x):
        return "diverged" if x != x else ("+inf" if x > 0 else "-inf")
    s = f"{x:.{digits}g}"
    return "0" if s in ("-0", "0") else s


def nice_range(lo: float, hi: float, n: int = 4) -> tuple[float, float, float]:
    """An axis range that covers ``[lo, hi]`` in about ``n`` round steps (1, 2, 2.5 or 5 x 10^k).

    Returns ``(start, end, step)`` with ``start`` and ``end`` multiples of ``step``, for
    ``Axes(y_range=...)``, so tick labels read 0, 0.5, 1 rather than 0, 0.62, 1.25.

    >>> nice_range(0.0, 2.49)
    (0.0, 3.0, 1.0)
    >>> nice_range(0.0, 0.29)
    (0.0, 0.3, 0.1)
    >>> nice_range(-4.3, 2.2)
    (-6.0, 4.0, 2.0)
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_range: lo and hi must be finite, got {lo!r}, {hi!r}")
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-9))
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    return round(start, 12), round(end, 12), round(step, 12)


def decimals_for(step: float) -> int:
    """Decimal places that show every multiple of ``step`` exactly (0.5 -> 1, 0.25 -> 2, 5 -> 0)."""
    for d in range(0, 7):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 6


def title_text(s: str, theme: Theme = THEME) -> Text:
    """A title line, sized for the top of the frame."""
    return Text(s, font=theme.font, font_size=theme.title_size, color=theme.text)


def label_text(s: str, color: str | None = None, size: int | None = None, theme: Theme = THEME) -> Text:
    """A label in the theme's font (default: text colour, label size)."""
    return Text(s, font=theme.font, font_size=size or theme.label_size, color=color or theme.text)


class _GlyphAtlas:
    """Every printable glyph of one monospace font at one size, rendered once.

    Rendering a :class:`~manim.Text` goes through Pango and an SVG parse (about
    40 ms); a readout rebuilt every frame spent most of a render there.  In a
    monospace font a glyph's place is its cell, so a line can be assembled from
    these outlines shifted by whole advances, with the same shapes and baseline
    Pango would give.  The glyphs are rendered in short chunks (a long line is
    clipped by the SVG canvas), each led by a "0" whose centre fixes the cell
    origin: ``outlines[c]`` are the points of ``c`` drawn in the cell whose "0"
    would be centred on the scene origin.
    """

    CHARS = "".join(map(chr, range(33, 127))) + "−·×≈≤≥→←ηβαλε²√∇"
    CHUNK = 10
    _cache: dict[tuple[str, int], "_GlyphAtlas"] = {}

    def __init__(self, font: str, font_size: int) -> None:
        pair = Text("00", font=font, font_size=font_size)
        self.advance = float(pair[1].get_center()[0] - pair[0].get_center()[0])
        self.outlines: dict[str, np.ndarray] = {}
        for k in range(0, len(self.CHARS), self.CHUNK):
            chars = self.CHARS[k:k + self.CHUNK]
            line = Text("0" + chars, font=font, font_size=font_size)
            if len(line.submobjects) != len(chars) + 1:
                raise ValueError(f"font {font!r} does not give one outline per character in {chars!r}; "
                                 "LiveText needs a monospace font")
            zero = line[0].get_center()
            for i, (c, glyph) in enumerate(zip(chars, line[1:]), start=1):
                self.outlines[c] = glyph.points - zero - RIGHT * self.advance * i

    @classmethod
    def get(cls, font: str, font_size: int) -> "_GlyphAtlas":
        key = (font, font_size)
        if key not in cls._cache:
            cls._cache[key] = cls(font, font_size)
        return cls._cache[key]


class LiveText(VGroup):
    """A line of monospace text that is cheap to change every frame.

    ``set_text`` rewrites the outlines of a fixed pool of glyph slots in place
    (a few ms a line, against about 40 ms for a new :class:`~manim.Text`),
    keeping the line's left end and baseline where they were, so a readout can
    follow a tracker in an updater.  The slots are the same objects from frame to
    frame, which matters: manim fixes the list of mobjects it draws at the start
    of each animation, so glyphs swapped in mid-animation would not be drawn and
    swapped-out ones would stay.  Characters outside the atlas (printable ASCII
    and a few maths symbols) fall back to a full :class:`~manim.Text` render.

    Parameters
    ----------
    text : str
        The first content.
    color : str, optional
        Default: the theme's text colour.
    font_size : int, optional
        Default: the theme's label size.
    capacity : int
        Glyph slots made up front.  A longer text adds slots, which an animation
        already running does not draw until it ends.

    Examples
    --------
    >>> step = LiveText("step 0")                                # doctest: +SKIP
    >>> step.add_updater(lambda m: m.set_text(f"step {int(t.get_value())}"))  # doctest: +SKIP
    """

    def __init__(self, text: str = "", color: str | None = None, font_size: int | None = None,
                 capacity: int = 32, theme: Theme = THEME) -> None:
        super().__init__()
        self.font, self.font_size = theme.mono, font_size or theme.label_size
        self.text_color = color or theme.text
        self.atlas = _GlyphAtlas.get(self.font, self.font_size)
        # Two invisible points carry the line's origin and advance through moves and scaling.
        self.anchor = VMobject().set_points_as_corners([ORIGIN, RIGHT * self.atlas.advance])
        self.anchor.set_stroke(width=0, opacity=0)
        self.glyph_group = VGroup()
        self.add(self.anchor, self.glyph_group)
        self._grow(capacity)
        self.text: str | None = None
        self.set_text(text)

    def _grow(self, n: int) -> None:
        old = self.glyph_group.submobjects
        opacity = old[0].get_fill_opacity() if old else 1.0
        while len(self.glyph_group.submobjects) < n:
            slot = VMobject(fill_color=self.text_color, fill_opacity=opacity, stroke_width=0)
            self.glyph_group.add(slot)

    def set_text(self, text: str) -> "LiveText":
        """Show ``text``; does nothing if it is already shown."""
        if text == self.text:
            return self
        self.text = text
        a, b = self.anchor.get_start(), self.anchor.get_end()
        scale = float(np.linalg.norm(b - a)) / self.atlas.advance
        atlas = self.atlas
        if all(c.isspace() or c in atlas.outlines for c in text):
            outlines = [(atlas.outlines[c] + RIGHT * atlas.advance * j) * scale + a
                        for j, c in enumerate(text) if not c.isspace()]
        else:
            # Led by a "0" in cell -1, whose centre fixes the baseline and the left end.
            full = Text("0" + text, font=self.font, font_size=self.font_size)
            full.scale(scale, about_point=full[0].get_center()).shift(a + LEFT * atlas.advance * scale
                                                                       - full[0].get_center())
            outlines = [g.points for g in full.submobjects[1:]]
        self._grow(len(outlines))
        for k, slot in enumerate(self.glyph_group.submobjects):
            if k < len(outlines):
                slot.set_points(outlines[k])
            else:
                slot.clear_points()
        return self


FIGURES_ENV = "GDVIZ_FIGURES"


def mark_figure(scene: Scene, name: str) -> None:
    """Mark the current moment of ``scene`` as a key frame worth a PNG still.

    The publish command (``python -m scenes publish``) sets ``$GDVIZ_FIGURES`` to a
    file and extracts a still at every marked time; under plain ``manim render``
    this does nothing.  ``name`` becomes part of the still's file name.
    """
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    import json

    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": name, "time": float(scene.renderer.time)}) + "\n")


class Storyboard:
    """Mixin for the 2-D scenes: ``set_title`` swaps the title line at the top of the frame.

    Used as ``class MyScene(Storyboard, Scene)``; not a Scene itself, so manim never
    lists it as a scene to render.
    """

    title: Text | None = None

    def set_title(self, text: str) -> None:
        new = fit_in(title_text(text), config.frame_width - 0.6, 1.0).to_edge(UP, buff=0.25)
        old = [FadeOut(self.title, shift=0.2 * UP)] if self.title is not None else []
        self.play(*old, FadeIn(new, shift=0.2 * UP), run_time=0.6)  # type: ignore[attr-defined]
        self.title = new


class Caption:
    """A one-line caption at the bottom of the frame that is also written as a subcaption.

    ``caption.say(scene, "text", duration)`` replaces the caption on screen (with a
    short fade) and adds the same words to manim's ``.srt`` subtitle file.
    """

    def __init__(self, theme: Theme = THEME, max_width: float | None = None) -> None:
        self.theme = theme
        self.max_width = max_width or config.frame_width - 1.0
        self.current: Text | None = None

    def make(self, text: str) -> Text:
        t = Text(text, font=self.theme.font, font_size=self.theme.caption_size, color=self.theme.text)
        if t.width > self.max_width:
            t.scale_to_fit_width(self.max_width)
        return t.to_edge(DOWN, buff=0.35)

    def say(self, scene: Scene, text: str, duration: float = 2.0) -> None:
        """Show ``text`` now and keep it as a subcaption for ``duration`` seconds."""
        new = self.make(text)
        # In a ThreeDScene the caption stays put in the frame while the camera moves.
        fix_in_frame = getattr(scene, "add_fixed_in_frame_mobjects", None)
        if fix_in_frame is not None:
            fix_in_frame(new)
        anims = [FadeIn(new, shift=0.1 * UP)]
        if self.current is not None:
            anims.append(FadeOut(self.current))
        subs = getattr(getattr(scene.renderer, "file_writer", None), "subcaptions", None)
        scene.add_subcaption(text, duration=duration)
        if subs and len(subs) >= 2 and subs[-2].end > subs[-1].start:
            subs[-2].end = subs[-1].start  # the new caption replaces the old one on screen too
        scene.play(*anims, run_time=0.5)
        self.current = new

    def clear(self, scene: Scene) -> None:
        if self.current is not None:
            scene.play(FadeOut(self.current), run_time=0.4)
            self.current = None


# --------------------------------------------------------------------------
# Computation graph
# --------------------------------------------------------------------------

OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x", "exp": "exp", "log": "log",
              "tanh": "tanh", "relu": "relu", "sigmoid": "σ"}


def op_symbol(op: str) -> str:
    """The short symbol drawn inside an op node (``**2`` is drawn as ``x²``-style ``^2``)."""
    if op.startswith("**"):
        return "^" + op[2:]
    return OP_SYMBOLS.get(op, op)


class NodeBox(VGroup):
    """A Value drawn micrograd-style: a rounded box with its label, data and grad.

    The grad line is a separate submobject (``grad_text``) so scenes can update
    it as the gradient arrives (:meth:`grad_target`).
    """

    WIDTH = 1.95
    HEIGHT = 1.05

    def __init__(self, node: GraphNode, show_grad: bool = True, theme: Theme = THEME) -> None:
        super().__init__()
        self.node = node
        self.theme = theme
        self.box = RoundedRectangle(
            corner_radius=0.12, width=self.WIDTH, height=self.HEIGHT,
            stroke_color=theme.muted, stroke_width=2, fill_color=theme.panel, fill_opacity=1.0,
        )
        self.label = Text(node.label or "·", font=theme.font, font_size=theme.label_size,
                          color=theme.text, weight="BOLD")
        self.data_text = self._line("data", node.data, theme.VALUE)
        self.grad_text = self._line("grad", node.grad, theme.GRAD)
        lines = VGroup(self.label, self.data_text, self.grad_text).arrange(DOWN, buff=0.07)
        lines.move_to(self.box)
        if not show_grad:
            self.grad_text.set_opacity(0.0)
        self.add(self.box, self.label, self.data_text, self.grad_text)

    def _line(self, name: str, value: float, color: str) -> Text:
        t = Text(f"{name} {fmt(value)}", font=self.theme.mono, font_size=self.theme.small_size, color=color)
        return fit_in(t, self.WIDTH - 0.2, 1.0)

    def grad_target(self, grad: float) -> Text:
        """A new grad line, placed and sized like the current one (for ``Transform``)."""
        new = self._line("grad", grad, self.theme.GRAD)
        new.scale(self.box.width / self.WIDTH)  # the box may have been scaled with its graph
        return new.move_to(self.grad_text)


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
    """

    def __init__(
        self,
        graph: Graph,
        show_grad: bool = True,
        col_gap: float = 1.5,
        row_gap: float = 0.35,
        max_width: float | None = None,
        max_height: float = 5.6,
        max_scale: float = 1.5,
        theme: Theme = THEME,
    ) -> None:
        super().__init__()
        self.graph = graph
        self.theme = theme
        self.boxes: dict[int, NodeBox] = {}
        self.ops: dict[int, VGroup] = {}
        self.in_edges: dict[tuple[int, int], Arrow] = {}   # (child, parent) -> child->op arrow
        self.out_edges: dict[int, Arrow] = {}              # parent -> op->box arrow
        max_width = max_width or config.frame_width - 0.8

        columns = self._columns(graph)
        pitch_x = NodeBox.WIDTH + col_gap
        pitch_y = NodeBox.HEIGHT + row_gap
        n_cols = len(columns)
        for k, col in enumerate(columns):
            x = (k - (n_cols - 1) / 2) * pitch_x
            for r, nid in enumerate(col):
                y = ((len(col) - 1) / 2 - r) * pitch_y
                box = NodeBox(graph.node(nid), show_grad=show_grad, theme=theme)
                box.move_to([x, y, 0])
                self.boxes[nid] = box

        op_radius = 0.3
        for nid, box in self.boxes.items():
            node = graph.node(nid)
            if not node.children:
                continue
            circle = Circle(radius=op_radius, stroke_color=theme.muted, stroke_width=2,
                            fill_color=theme.background, fill_opacity=1.0)
            # Nearer the parent than the children: the fan of incoming edges gets the longer run.
            circle.next_to(box, LEFT, buff=col_gap * 0.22)
            sym = Text(op_symbol(node.op), font=theme.font, font_size=theme.small_size, color=theme.text)
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
        # Fill the space given, but never blow a small graph up past max_scale.
        scale = min(max_width / self.width, max_height / self.height, max_scale)
        self.scale(scale)

    def _arrow(self, start: np.ndarray, end: np.ndarray) -> Arrow:
        return Arrow(start, end, buff=0.04, stroke_width=3, color=self.theme.muted,
                     max_tip_length_to_length_ratio=0.12, tip_length=0.16)

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


def fit_in(mob, width: float, height: float):
    """Scale ``mob`` down (never up) so it fits a ``width`` x ``height`` box."""
    if mob.width > width:
        mob.scale_to_fit_width(width)
    if mob.height > height:
        mob.scale_to_fit_height(height)
    return mob


# --------------------------------------------------------------------------
# 2-D maps: contours and paths on Axes
# --------------------------------------------------------------------------


def xy_to_scene(axes: Axes, xy: np.ndarray) -> np.ndarray:
    """Map data coordinates of shape (..., 2) to scene points (..., 3) on linear ``axes``.

    One affine map for the whole array (no per-point Python calls).
    """
    o = np.asarray(axes.c2p(0, 0))
    ex = np.asarray(axes.c2p(1, 0)) - o
    ey = np.asarray(axes.c2p(0, 1)) - o
    xy = np.asarray(xy, dtype=float)
    return o + xy[..., :1] * ex + xy[..., 1:2] * ey


def segments_vmobject(points: np.ndarray, color: str, stroke_width: float = 2.0, opacity: float = 1.0) -> VMobject:
    """Many straight segments, shape (n, 2, 3), as ONE VMobject (one draw call per frame)."""
    vm = VMobject(stroke_color=color, stroke_width=stroke_width, stroke_opacity=opacity)
    if len(points):
        p0, p1 = points[:, 0], points[:, 1]
        d = p1 - p0
        beziers = np.stack([p0, p0 + d / 3, p0 + 2 * d / 3, p1], axis=1).reshape(-1, 3)
        vm.set_points(beziers)
    return vm


def level_colors(n: int, theme: Theme = THEME) -> list[ManimColor]:
    """``n`` colours along the theme's height map, low to high."""
    stops = [ManimColor(c) for c in theme.HEIGHT_MAP]
    return color_gradient(stops, n) if n > 1 else [stops[0]]


class ContourMap(VGroup):
    """Contour lines of a gridded function on ``axes``: one VMobject per level.

    Parameters
    ----------
    axes : Axes
        Linear axes covering the grid's domain.
    X, Y, Z : ndarray
        The grid (``np.meshgrid`` layout), e.g. from a vectorized loss evaluation.
    levels : sequence of float
        Contour levels, low to high (see :func:`gdcore.contour.contour_levels`).
    """

    def __init__(self, axes: Axes, X: np.ndarray, Y: np.ndarray, Z: np.ndarray, levels: Sequence[float],
                 stroke_width: float = 2.0, opacity: float = 0.85, theme: Theme = THEME) -> None:
        super().__init__()
        colors = level_colors(len(levels), theme)
        self.levels = list(levels)
        for level, color in zip(levels, colors):
            seg = contour_segments(X, Y, Z, level)
            self.add(segments_vmobject(xy_to_scene(axes, seg), color, stroke_width, opacity))


def polyline(axes: Axes, xy: np.ndarray, color: str, stroke_width: float = 3.0) -> VMobject:
    """A path through data points ``xy`` (n, 2) on ``axes``."""
    vm = VMobject(stroke_color=color, stroke_width=stroke_width)
    pts = xy_to_scene(axes, xy)
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    vm.set_points_as_corners(pts)
    return vm


def clip_to_box(xy: np.ndarray, lo: Sequence[float], hi: Sequence[float]) -> tuple[np.ndarray, bool]:
    """The part of a path inside the box, ending exactly on the border if it leaves.

    Returns ``(points, left)``: the points up to the first exit, with the exit
    point (where the segment crosses the border) appended, and whether the path
    left the box.  Used to draw a diverging run as a path that leaves the frame.
    """
    xy = np.asarray(xy, dtype=float)
    lo_a, hi_a = np.asarray(lo, float), np.asarray(hi, float)
    inside = np.all((xy >= lo_a) & (xy <= hi_a) & np.isfinite(xy), axis=-1)
    if inside.all():
        return xy, False
    k = int(np.argmin(inside))          # first point outside
    if k == 0:
        return xy[:1], True
    a, b = xy[k - 1], xy[k]
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = np.concatenate([(lo_a - a) / d, (hi_a - a) / d])
    ts = ts[np.isfinite(ts) & (ts > 0) & (ts <= 1)]
    t = float(ts.min()) if ts.size else 1.0
    return np.vstack([xy[:k], a + t * d]), True


class Legend(VGroup):
    """Coloured swatches with names, one row each: ``Legend([("SGD", color), ...])``."""

    def __init__(self, entries: Sequence[tuple[str, str]], size: int | None = None, theme: Theme = THEME) -> None:
        super().__init__()
        for name, color in entries:
            swatch = Line(ORIGIN, 0.35 * RIGHT, stroke_color=color, stroke_width=6)
            label = Text(name, font=theme.font, font_size=size or theme.small_size, color=theme.text)
            self.add(VGroup(swatch, label).arrange(RIGHT, buff=0.15))
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.12)


class PathTracer(VGroup):
    """A run drawn on ``axes`` as it happens: a trail and a dot driven by a step tracker.

    ``step`` (a :class:`ValueTracker`) holds a fractional step index; the dot sits
    at the interpolated point and the trail covers the steps taken so far.  A run
    that leaves the box ``lo``..``hi`` (data coordinates) is drawn up to the
    border, where the dot disappears and a "diverged" label appears: the path
    leaves the frame instead of the axes blowing up.

    Parameters
    ----------
    axes : Axes
    xy : ndarray (n, 2)
        The run's points in data coordinates (for a 1-D loss: ``(x, f(x))``).
    color : str
    step : ValueTracker
    lo, hi : sequence of float
        The visible box in data coordinates.
    """

    def __init__(self, axes: Axes, xy: np.ndarray, color: str, step: ValueTracker, lo: Sequence[float],
                 hi: Sequence[float], dot_radius: float = 0.08, stroke_width: float = 3.0,
                 diverged_label: bool = True, label_text: str = "diverged", theme: Theme = THEME) -> None:
        super().__init__()
        xy = np.asarray(xy, dtype=float)
        clipped, self.left = clip_to_box(xy, lo, hi)
        self.points_scene = xy_to_scene(axes, clipped)
        # Fractional step at which the run reaches the end of the visible path.
        if self.left and len(clipped) >= 2:
            k = len(clipped) - 2                      # last point inside
            a, b, e = xy[k], xy[k + 1], clipped[-1]
            frac = float(np.linalg.norm(e - a) / max(np.linalg.norm(b - a), 1e-12))
            self.exit_step = k + frac
        else:
            self.exit_step = float(len(clipped) - 1)
        self.step = step
        self.trail = VMobject(stroke_color=color, stroke_width=stroke_width)
        self.dot = Dot(radius=dot_radius, color=color)
        self.add(self.trail, self.dot)
        self.label: Text | None = None
        if self.left and diverged_label:
            self.label = Text(label_text, font=theme.font, font_size=theme.small_size, color=color)
            end = self.points_scene[-1]
            self.label.move_to(end)
            # Nudge the label inside the box, towards the centre of the axes.
            centre = np.asarray(axes.get_center())
            direction = centre - end
            direction /= max(np.linalg.norm(direction), 1e-9)
            self.label.shift(direction * (0.3 + self.label.width / 2))
            self.label.set_opacity(0.0)
            self.add(self.label)
        self.trail.add_updater(lambda m: self._update())
        self._update()

    def position(self, s: float) -> np.ndarray:
        """Scene point at fractional step ``s`` (clamped to the visible path)."""
        s = min(max(s, 0.0), self.exit_step)
        pts = self.points_scene
        if len(pts) == 1:
            return pts[0]
        k = min(int(np.floor(s)), len(pts) - 2)
        if self.left and k == len(pts) - 2:      # last segment runs to the exit point
            seg = self.exit_step - k
            t = (s - k) / seg if seg > 0 else 1.0
        else:
            t = s - k
        return (1 - t) * pts[k] + t * pts[k + 1]

    def _update(self) -> None:
        s = self.step.get_value()
        here = self.position(s)
        k = min(int(np.floor(min(s, self.exit_step))), len(self.points_scene) - 1)
        pts = np.vstack([self.points_scene[: k + 1], here])
        self.trail.set_points_as_corners(pts)
        self.dot.move_to(here)
        gone = self.left and s >= self.exit_step - 1e-9
        self.dot.set_opacity(0.0 if gone else 1.0)
        if self.label is not None:
            self.label.set_opacity(1.0 if gone else 0.0)


__all__ += ["PathTracer"]


# --------------------------------------------------------------------------
# 3-D surfaces
# --------------------------------------------------------------------------


def xyz_to_scene(axes, xyz: np.ndarray) -> np.ndarray:
    """Map data coordinates (..., 3) to scene points on linear :class:`ThreeDAxes` in one affine map."""
    o = np.asarray(axes.c2p(0, 0, 0))
    e = [np.asarray(axes.c2p(*v)) - o for v in np.eye(3)]
    xyz = np.asarray(xyz, dtype=float)
    return o + xyz[..., :1] * e[0] + xyz[..., 1:2] * e[1] + xyz[..., 2:3] * e[2]


def camera_rotation(phi: float, theta: float, gamma: float = 0.0) -> np.ndarray:
    """The rotation matrix manim's ThreeDCamera uses for these angles (radians)."""
    from manim.utils.space_ops import rotation_about_z, rotation_matrix

    return rotation_about_z(gamma) @ rotation_matrix(-phi, RIGHT) @ rotation_about_z(-theta - 90 * DEGREES)


class SurfaceMesh(VGroup):
    """A gridded surface as flat-coloured faces, painted back to front by one NumPy sort.

    Manim's :class:`~manim.Surface` gives every face 3-D shading and lets the
    camera sort faces by calling a Python key per face per frame.  Here the
    face colours (by height, from the theme's height map) are computed once,
    faces have no stroke, and :meth:`sort` orders them -- together with any
    registered *movers* (dots, trail pieces) -- with one ``argsort`` of their
    depths.  Movers lying on the surface are drawn just after the faces under
    them, so a hill in front hides them and nothing hides them otherwise.

    Parameters
    ----------
    axes : ThreeDAxes
    X, Y : ndarray (n, m)
        The grid.
    Z : ndarray (n, m)
        Heights in axis units (already scaled for display).
    """

    #: A mover counts as this many face diagonals nearer the camera than it is, so the face it
    #: lies on (whose centre may be a little nearer) is painted before it.
    MOVER_BIAS = 0.6

    def __init__(self, axes, X: np.ndarray, Y: np.ndarray, Z: np.ndarray, opacity: float = 1.0,
                 theme: Theme = THEME) -> None:
        super().__init__()
        P = xyz_to_scene(axes, np.stack([X, Y, Z], -1))          # (n, m, 3)
        corners = np.stack([P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1]], axis=2)   # (n-1, m-1, 4, 3)
        zc = 0.25 * (Z[:-1, :-1] + Z[:-1, 1:] + Z[1:, 1:] + Z[1:, :-1])
        lo, hi = float(np.nanmin(zc)), float(np.nanmax(zc))
        t = (zc - lo) / max(hi - lo, 1e-12)
        n_colors = 64
        palette = level_colors(n_colors, theme)
        idx = np.clip((t * (n_colors - 1)).round().astype(int), 0, n_colors - 1)
        self.faces: list[VMobject] = []
        quads = corners.reshape(-1, 4, 3)
        for quad, k in zip(quads, idx.ravel()):
            face = VMobject(fill_color=palette[k], fill_opacity=opacity, stroke_width=0)
            face.set_points_as_corners(np.vstack([quad, quad[:1]]))
            self.faces.append(face)
        self.quads = quads                                       # (F, 4, 3)
        self.centers = quads.mean(axis=1)                        # (F, 3)
        self.face_size = float(np.linalg.norm(quads[0, 2] - quads[0, 0]))
        self.movers: list[VMobject] = []
        self.add(*self.faces)

    def add_movers(self, *mobs: VMobject) -> None:
        """Register mobjects drawn on the surface; they are sorted with the faces."""
        self.movers.extend(mobs)

    def occluded(self, points: np.ndarray, rotation: np.ndarray) -> np.ndarray:
        """Which ``points`` (k, 3), seen with this camera rotation, have a face of the mesh in front.

        A point is hidden when a face's projection contains the point's projection and the face's
        centre is nearer the camera by more than the bias :meth:`sort` gives movers (so the face a
        point lies on does not count).  Orthographic, vectorized over faces and points; used to
        choose camera angles from which the paths can be seen.
        """
        pts = np.atleast_2d(np.asarray(points, dtype=float)) @ rotation.T          # (k, 3)
        quads = self.quads @ rotation.T                                            # (F, 4, 3)
        a = quads[None, :, :, :2]                                                  # (1, F, 4, 2)
        b = np.roll(a, -1, axis=2)
        q = pts[:, None, None, :2]                                                 # (k, 1, 1, 2)
        cross = (b[..., 0] - a[..., 0]) * (q[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (q[..., 0] - a[..., 0])
        inside = np.all(cross >= 0, axis=2) | np.all(cross <= 0, axis=2)          # (k, F)
        nearer = (self.centers @ rotation.T)[None, :, 2] > pts[:, None, 2] + self.MOVER_BIAS * self.face_size
        return np.any(inside & nearer, axis=1)

    def sort(self, rotation: np.ndarray) -> None:
        """Paint order for a camera with this rotation matrix: far faces first, movers after the face under them."""
        depth = self.centers @ rotation.T[:, 2]
        order = np.argsort(depth, kind="stable")
        mobs = [self.faces[k] for k in order]
        if self.movers:
            face_depth = depth[order]
            mover_depth = (np.array([m.get_center() @ rotation.T[:, 2] for m in self.movers])
                           + self.MOVER_BIAS * self.face_size)
            pos = np.searchsorted(face_depth, mover_depth)
            for shift, (p, m) in enumerate(sorted(zip(pos, range(len(self.movers))))):
                mobs.insert(p + shift, self.movers[m])
        self.submobjects = mobs


__all__ += ["xyz_to_scene", "camera_rotation", "SurfaceMesh"]


# --------------------------------------------------------------------------
# Neural network diagram
# --------------------------------------------------------------------------


class NetworkDiagram(VGroup):
    """Layers of neurons with weighted edges, redrawn from real weights and activations.

    Layers wider than ``max_shown`` neurons show their first and last few with a
    vertical ellipsis between (``shown[k]`` maps drawn circles to neuron indices).
    Edges are coloured by the sign of the weight (theme POSITIVE / NEGATIVE) and
    weighted in width and opacity by its size relative to the layer's largest;
    neurons are filled by their activation.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first.
    height, width : float
        The box the diagram fills.
    """

    def __init__(self, sizes: Sequence[int], height: float = 5.2, width: float = 6.0, max_shown: int = 8,
                 radius: float = 0.2, theme: Theme = THEME) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.theme = theme
        self.shown: list[list[int | None]] = []
        for n in self.sizes:
            if n <= max_shown:
                self.shown.append(list(range(n)))
            else:
                half = (max_shown - 1) // 2
                self.shown.append(list(range(half)) + [None] + list(range(n - half, n)))
        n_layers = len(self.sizes)
        tallest = max(len(s) for s in self.shown)
        gap_y = min(height / max(tallest, 1), 4.2 * radius)
        xs = np.linspace(-width / 2, width / 2, n_layers)
        self.neurons: list[dict[int, Circle]] = []
        self.dots = VGroup()
        for k, shown in enumerate(self.shown):
            layer: dict[int, Circle] = {}
            ys = (np.arange(len(shown)) - (len(shown) - 1) / 2) * -gap_y
            for y, idx in zip(ys, shown):
                if idx is None:
                    dots = Text("⋮", font=theme.font, font_size=36, color=theme.muted).move_to([xs[k], y, 0])
                    self.dots.add(dots)
                    continue
                c = Circle(radius=radius, stroke_color=theme.text, stroke_width=2, fill_color=theme.VALUE,
                           fill_opacity=0.0).move_to([xs[k], y, 0])
                layer[idx] = c
            self.neurons.append(layer)
        self.edges: list[dict[tuple[int, int], Line]] = []
        self.edge_group = VGroup()
        for k in range(n_layers - 1):
            layer_edges = {}
            for i, a in self.neurons[k].items():
                for j, b in self.neurons[k + 1].items():
                    line = Line(a.get_center(), b.get_center(), buff=radius, stroke_width=1.5,
                                stroke_color=theme.muted, stroke_opacity=0.5)
                    layer_edges[(i, j)] = line
                    self.edge_group.add(line)
            self.edges.append(layer_edges)
        self.neuron_group = VGroup(*[c for layer in self.neurons for c in layer.values()])
        self.add(self.edge_group, self.neuron_group, self.dots)

    def set_weights(self, params: Sequence[np.ndarray], max_width: float = 5.0) -> "NetworkDiagram":
        """Colour and weight every drawn edge from ``params = [W1, b1, W2, b2, ...]``."""
        for k, layer_edges in enumerate(self.edges):
            W = params[2 * k]
            scale = float(np.abs(W).max()) or 1.0
            for (i, j), line in layer_edges.items():
                w = float(W[i, j])
                t = abs(w) / scale
                line.set_stroke(color=self.theme.POSITIVE if w >= 0 else self.theme.NEGATIVE,
                                width=0.5 + max_width * t, opacity=0.15 + 0.85 * t)
        return self

    def set_activations(self, activations: Sequence[np.ndarray]) -> "NetworkDiagram":
        """Fill neurons by activation (one sample: ``activations[k]`` of shape (1, n_k) or (n_k,)).

        The fill opacity is the activation's size relative to the largest in its layer.
        """
        for k, layer in enumerate(self.neurons):
            a = np.asarray(activations[k]).reshape(-1)
            scale = float(np.abs(a).max()) or 1.0
            for idx, c in layer.items():
                c.set_fill(self.theme.VALUE, opacity=0.1 + 0.9 * abs(float(a[idx])) / scale)
        return self

    def layer_center(self, k: int) -> np.ndarray:
        return VGroup(*self.neurons[k].values()).get_center()

    def layer_top(self, k: int) -> np.ndarray:
        """Above layer ``k``, level with the top of the whole diagram."""
        return np.array([self.layer_center(k)[0], self.get_top()[1], 0.0])


__all__ += ["NetworkDiagram"]


__all__ += ["nice_range", "decimals_for", "mark_figure", "fit_in", "op_symbol", "xy_to_scene", "segments_vmobject", "level_colors", "ContourMap",
            "polyline", "clip_to_box", "Legend"]
