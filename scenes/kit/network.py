"""A neural network diagram driven by real weights and activations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    Circle,
    ImageMobject,
    Line,
    Text,
    VGroup,
)
from manim.constants import RESAMPLING_ALGORITHMS

from scenes.kit.theme import THEME, Theme

__all__ = ["BandedHeatGrid", "HeatGrid", "NetworkDiagram", "SmoothHeatMap", "probability_image"]


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
                self.shown.append([*range(half), None, *range(n - half, n)])
        n_layers = len(self.sizes)
        tallest = max(len(s) for s in self.shown)
        gap_y = min(height / max(tallest, 1), 4.2 * radius)
        xs = np.linspace(-width / 2, width / 2, n_layers)
        self.neurons: list[dict[int, Circle]] = []
        self.dots = VGroup()
        for k, shown in enumerate(self.shown):
            layer: dict[int, Circle] = {}
            ys = (np.arange(len(shown)) - (len(shown) - 1) / 2) * -gap_y
            for y, idx in zip(ys, shown, strict=True):
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

    def edge_style(self, w: float, scale: float, max_width: float = 5.0) -> dict[str, object]:
        """The stroke of an edge of weight ``w`` when the layer's largest |weight| is ``scale``:
        colour by sign, width and opacity by ``|w| / scale`` (keyword arguments for ``set_stroke``)."""
        t = min(abs(w) / (scale or 1.0), 1.0)
        return {"color": self.theme.POSITIVE if w >= 0 else self.theme.NEGATIVE,
                "width": 0.5 + max_width * t, "opacity": 0.15 + 0.85 * t}

    def weight_scales(self, *param_sets: Sequence[np.ndarray]) -> list[float]:
        """Per layer, the largest |weight| over all of ``param_sets``: one width scale for a before and
        an after, so an edge's change of width is the change of its weight."""
        return [max(float(np.abs(ps[2 * k]).max()) for ps in param_sets) or 1.0 for k in range(len(self.edges))]

    def set_weights(self, params: Sequence[np.ndarray], max_width: float = 5.0,
                    scales: Sequence[float] | None = None) -> NetworkDiagram:
        """Colour and weight every drawn edge from ``params = [W1, b1, W2, b2, ...]``.

        Widths are relative to each layer's largest |weight|, or to ``scales[k]`` if given."""
        for k, layer_edges in enumerate(self.edges):
            W = params[2 * k]
            scale = float(scales[k]) if scales is not None else (float(np.abs(W).max()) or 1.0)
            for (i, j), line in layer_edges.items():
                line.set_stroke(**self.edge_style(float(W[i, j]), scale, max_width))
        return self

    def set_activations(self, activations: Sequence[np.ndarray], limit: float | None = None,
                        output_colors: Sequence[str] | None = None) -> NetworkDiagram:
        """Fill neurons by activation (one sample: ``activations[k]`` of shape (1, n_k) or (n_k,)).

        Without ``limit``, the fill opacity is the activation's size relative to the largest in its
        layer.  With ``limit``, a diverging scale with a fixed range: positive activations in the
        theme's POSITIVE colour, negative in NEGATIVE, opacity ``|a| / limit`` (full at and beyond
        ``limit``), the same scale for every layer.

        With ``output_colors`` (one per output neuron, e.g. the class colours), the output layer's
        values are taken as logits: each output neuron is filled in its own colour with opacity
        its softmax probability, so a fill is never read as the other class.
        """
        for k, layer in enumerate(self.neurons):
            a = np.asarray(activations[k], float).reshape(-1)
            if output_colors is not None and k == len(self.neurons) - 1:
                p = np.exp(a - a.max())
                p /= p.sum()
                for idx, c in layer.items():
                    c.set_fill(output_colors[idx], opacity=float(p[idx]))
                continue
            scale = float(np.abs(a).max()) or 1.0
            for idx, c in layer.items():
                v = float(a[idx])
                if limit is None:
                    c.set_fill(self.theme.VALUE, opacity=0.1 + 0.9 * abs(v) / scale)
                else:
                    c.set_fill(self.theme.POSITIVE if v >= 0 else self.theme.NEGATIVE,
                               opacity=min(abs(v) / limit, 1.0))
        return self

    def layer_center(self, k: int) -> np.ndarray:
        return VGroup(*self.neurons[k].values()).get_center()

    def layer_top(self, k: int) -> np.ndarray:
        """Above layer ``k``, level with the top of the whole diagram."""
        return np.array([self.layer_center(k)[0], self.get_top()[1], 0.0])


def probability_image(P: np.ndarray, colors: Sequence[str], background: str | None = None,
                      strength: float = 0.55, theme: Theme = THEME) -> np.ndarray:
    """An RGB image (h, w, 3, uint8) of class probabilities, in the style of TensorFlow Playground.

    ``P`` has shape (h, w, k) (rows from the top), probabilities of ``k`` classes summing to 1; each
    pixel mixes the class colours by probability, then is blended over the background by how sure the
    network is: ``strength * (max p - 1/k) / (1 - 1/k)`` (background where it is undecided).
    Display it with ``ImageMobject(img)`` stretched over the plot area.
    """
    from manim import ManimColor

    P = np.asarray(P, float)
    k = P.shape[-1]
    cols = np.array([ManimColor(c).to_rgb() for c in colors[:k]])
    bg = np.array(ManimColor(background or theme.background).to_rgb())
    mix = P @ cols
    sure = (P.max(axis=-1, keepdims=True) - 1.0 / k) / (1.0 - 1.0 / k)
    rgb = bg + strength * np.clip(sure, 0.0, 1.0) * (mix - bg)
    return np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)


class HeatGrid(VGroup):
    """A grid of filled cells covering the box ``lo``..``hi`` (scene points), recoloured from an RGB image.

    Drawn as vector squares (an ImageMobject does not render with the installed Pillow);
    ``set_image(img)`` takes (rows, cols, 3) uint8 with row 0 at the top, like :func:`probability_image`.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, rows: int, cols: int) -> None:
        super().__init__()
        from manim import Rectangle

        self.rows, self.cols = rows, cols
        w, h = (hi[0] - lo[0]) / cols, (hi[1] - lo[1]) / rows
        for r in range(rows):
            for c in range(cols):
                # A hair larger than the cell, so no seams show between neighbours.
                self.add(Rectangle(width=w * 1.02, height=h * 1.02, stroke_width=0, fill_opacity=1.0).move_to(
                    [lo[0] + (c + 0.5) * w, hi[1] - (r + 0.5) * h, 0.0]))

    def set_image(self, img: np.ndarray) -> HeatGrid:
        flat = np.asarray(img).reshape(-1, img.shape[-1])
        for cell, (r, g, b) in zip(self.submobjects, flat[:, :3], strict=True):
            color = f"#{int(r):02X}{int(g):02X}{int(b):02X}"
            cell.set_fill(color, opacity=1.0).set_stroke(color, width=1, opacity=1.0)
        return self


class BandedHeatGrid(VGroup):
    """A :class:`HeatGrid` drawn with one VMobject per colour instead of one per cell.

    The cells of one colour are the subpaths of a single VMobject, so a 30 x 30 map costs a few
    dozen draw calls a frame instead of 900.  Colours are quantized to multiples of ``step`` (of
    255) per channel, fine enough that neighbouring bands differ by about 3% in brightness.  The
    pool of VMobjects is made up front, as many as the most colours any of ``images`` needs
    (manim draws the mobjects it knew when an animation started, so the pool must not grow).
    ``set_image(img)`` takes (rows, cols, 3) uint8 with row 0 at the top, like :func:`probability_image`.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, rows: int, cols: int, images: Sequence[np.ndarray],
                 step: int = 8) -> None:
        super().__init__()
        from manim import VMobject

        self.rows, self.cols, self.step = rows, cols, int(step)
        w, h = (hi[0] - lo[0]) / cols, (hi[1] - lo[1]) / rows
        # Each cell a hair larger than its place, so no seams show between neighbouring bands.
        hw, hh = w * 0.51, h * 0.51
        cx = lo[0] + (np.arange(cols) + 0.5) * w
        cy = hi[1] - (np.arange(rows) + 0.5) * h
        centers = np.array([[x, y, 0.0] for y in cy for x in cx])
        corners = np.array([[-hw, hh, 0], [hw, hh, 0], [hw, -hh, 0], [-hw, -hh, 0], [-hw, hh, 0]])
        # Four straight cubic Bezier curves per cell: (cells, 16, 3).
        a, b = corners[:-1], corners[1:]
        square = np.stack([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b], axis=1).reshape(16, 3)
        self.cell_points = centers[:, None, :] + square[None, :, :]
        n_slots = max((len(np.unique(self.quantize(img).reshape(-1, 3), axis=0)) for img in images), default=1)
        self.add(*[VMobject(stroke_width=0, fill_opacity=1.0) for _ in range(n_slots)])

    def quantize(self, img: np.ndarray) -> np.ndarray:
        q = self.step
        return np.clip(np.round(np.asarray(img)[..., :3].astype(float) / q) * q, 0, 255).astype(np.uint8)

    def set_image(self, img: np.ndarray) -> BandedHeatGrid:
        flat = self.quantize(img).reshape(-1, 3)
        colors, which = np.unique(flat, axis=0, return_inverse=True)
        which = np.asarray(which).reshape(-1)
        if len(colors) > len(self.submobjects):
            raise ValueError(f"image has {len(colors)} colours, the pool {len(self.submobjects)}")
        for k, slot in enumerate(self.submobjects):
            if k < len(colors):
                r, g, b = (int(v) for v in colors[k])
                slot.set_points(self.cell_points[which == k].reshape(-1, 3))
                slot.set_fill(f"#{r:02X}{g:02X}{b:02X}", opacity=1.0)
            else:
                slot.clear_points()
        return self


def _pillow_compatible_camera() -> None:
    """Let manim 0.22's Cairo camera draw images with Pillow >= 11.

    ``Camera.display_image_mobject`` builds its canvas as ``Image.fromarray(np.zeros((h, w)),
    mode="RGBA")``: a 2-D float array with an RGBA mode, which newer Pillow refuses ("Invalid mode
    for data type").  The camera module's ``Image`` is replaced by a proxy that answers exactly that
    call with ``Image.new("RGBA", (w, h))`` (the transparent canvas it meant) and passes everything
    else to Pillow.  Only the camera module is touched, once.
    """
    import manim.camera.camera as cam
    from PIL import Image

    if getattr(cam.Image, "_gdviz_proxy", False):
        return

    class _ImageProxy:
        _gdviz_proxy = True

        def __getattr__(self, name: str) -> object:
            return getattr(Image, name)

        @staticmethod
        def fromarray(arr: np.ndarray, mode: str | None = None) -> Image.Image:
            arr = np.asarray(arr)
            if mode == "RGBA" and arr.ndim == 2:
                return Image.new("RGBA", (arr.shape[1], arr.shape[0]))
            return Image.fromarray(arr, mode=mode) if mode is not None else Image.fromarray(arr)

    cam.Image = _ImageProxy()


class SmoothHeatMap(ImageMobject):
    """One image stretched over the box ``lo``..``hi`` (scene points), smoothly (bilinearly) interpolated.

    ``img`` is (rows, cols, 3) uint8 with row 0 at the top, like :func:`probability_image`; no cells,
    so no seams or stair-steps.  ``set_image(img)`` swaps the pixels (same shape) in place, cheap
    enough for every frame.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, img: np.ndarray) -> None:
        _pillow_compatible_camera()
        super().__init__(self.rgba(img))
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["bilinear"])
        self.stretch_to_fit_width(float(hi[0] - lo[0])).stretch_to_fit_height(float(hi[1] - lo[1]))
        self.move_to((np.asarray(lo, float) + np.asarray(hi, float)) / 2)

    @staticmethod
    def rgba(img: np.ndarray) -> np.ndarray:
        a = np.asarray(img, np.uint8)
        return np.dstack([a[..., :3], np.full((*a.shape[:2], 1), 255, np.uint8)])

    def set_image(self, img: np.ndarray) -> SmoothHeatMap:
        pixels = self.rgba(img)
        # Keep the current opacity (a fade in progress scales the alpha channel).
        current = np.asarray(vars(self)["pixel_array"])   # set untyped by ImageMobject
        pixels[..., 3] = current[..., 3]
        self.pixel_array = pixels
        return self
