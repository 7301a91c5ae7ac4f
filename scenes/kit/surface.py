"""3-D loss surfaces: a depth-sorted mesh and the camera maths it needs."""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DEGREES,
    OUT,
    RIGHT,
    UP,
    Line,
    Rectangle,
    Text,
    VGroup,
    VMobject,
)

from scenes.kit.plots import level_colors
from scenes.kit.theme import THEME, TYPE, Theme

__all__ = ["ColorBar", "SurfaceMesh", "camera_rotation", "log_ticks", "surface_axis_labels", "xyz_to_scene"]


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
    color_range : (lo, hi), optional
        Heights at the bottom and top colour of the height map (default: the mesh's own lowest and
        highest), so several meshes can share one colour scale; heights outside it take the end colours.
    """

    #: A mover counts as this many face diagonals nearer the camera than it is, so the face it
    #: lies on (whose centre may be a little nearer) is painted before it.
    submobjects: list  # manim is untyped for mypy here; sort() assigns the paint order to it
    MOVER_BIAS = 0.6

    def __init__(self, axes, X: np.ndarray, Y: np.ndarray, Z: np.ndarray, opacity: float = 1.0,
                 theme: Theme = THEME, color_range: tuple[float, float] | None = None) -> None:
        super().__init__()
        P = xyz_to_scene(axes, np.stack([X, Y, Z], -1))          # (n, m, 3)
        corners = np.stack([P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1]], axis=2)   # (n-1, m-1, 4, 3)
        zc = 0.25 * (Z[:-1, :-1] + Z[:-1, 1:] + Z[1:, 1:] + Z[1:, :-1])
        # Where the loss is undefined (NaN) or infinite the mesh has a hole: no face is drawn there.
        finite = np.isfinite(zc) & np.all(np.isfinite(corners), axis=(2, 3))
        if not finite.any():
            raise ValueError("SurfaceMesh: the loss is not finite anywhere on the grid")
        self.hole = bool(not finite.all())
        lo, hi = (float(zc[finite].min()), float(zc[finite].max())) if color_range is None else color_range
        #: Heights at the bottom and top colour of the height map (for a :class:`ColorBar`).
        self.color_range = (lo, hi)
        t = np.clip(np.where(finite, (zc - lo) / max(hi - lo, 1e-12), 0.0), 0.0, 1.0)
        n_colors = 64
        palette = level_colors(n_colors, theme)
        idx = np.clip((t * (n_colors - 1)).round().astype(int), 0, n_colors - 1)
        self.faces: list[VMobject] = []
        quads = corners[finite]
        for quad, k in zip(quads, idx[finite], strict=True):
            face = VMobject(fill_color=palette[k], fill_opacity=opacity, stroke_width=0)
            face.set_points_as_corners(np.vstack([quad, quad[:1]]))
            self.faces.append(face)
        self.quads = quads                                       # (F, 4, 3)
        self.centers = quads.mean(axis=1)                        # (F, 3)
        self.face_size = float(np.linalg.norm(quads[0, 2] - quads[0, 0]))
        self.movers: list[VMobject] = []
        # Movers that never move (pieces of a path already walked): depth anchors given once, drawn when shown.
        self.fixed_movers: list[VMobject] = []
        self.fixed_anchors = np.zeros((0, 3))
        self.fixed_shown = np.zeros(0, dtype=bool)
        self._sort_key: bytes | None = None
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

    def add_fixed_movers(self, mobs, anchors: np.ndarray) -> np.ndarray:
        """Register mobjects that stay where they are (the pieces of a path), with the points (k, 3) their
        depth is measured at; none is drawn until :meth:`show_fixed` shows it.  Their depths come from
        ``anchors`` in one product, so hundreds of them cost the sort almost nothing.  Returns their indices."""
        mobs = list(mobs)
        anchors = np.asarray(anchors, dtype=float).reshape(len(mobs), 3)
        first = len(self.fixed_movers)
        self.fixed_movers.extend(mobs)
        self.fixed_anchors = np.vstack([self.fixed_anchors, anchors])
        self.fixed_shown = np.concatenate([self.fixed_shown, np.zeros(len(mobs), dtype=bool)])
        return np.arange(first, first + len(mobs))

    def show_fixed(self, shown: np.ndarray) -> None:
        """Which fixed movers are drawn (a boolean mask over all of them, in the order they were added)."""
        self.fixed_shown = np.asarray(shown, dtype=bool).copy()

    # Not Mobject.sort's signature (a point key): the scenes call mesh.sort(rotation); renaming would break them.
    def sort(self, rotation: np.ndarray) -> None:
        """Paint order for a camera with this rotation matrix: far faces first, movers after the face under them.

        Nothing is redone when the camera, the movers' depths and the fixed movers shown are as at the last call.
        """
        axis = rotation.T[:, 2]
        mover_depth = np.array([m.get_center() @ axis for m in self.movers]) + self.MOVER_BIAS * self.face_size
        shown = np.flatnonzero(self.fixed_shown)
        key = rotation.tobytes() + mover_depth.tobytes() + shown.tobytes()
        if key == self._sort_key and len(self.submobjects) == len(self.faces) + len(self.movers) + len(shown):
            return
        self._sort_key = key
        depth = self.centers @ axis
        order = np.argsort(depth, kind="stable")
        objs = [*self.faces, *self.movers, *[self.fixed_movers[k] for k in shown]]
        if len(objs) == len(self.faces):
            self.submobjects = [self.faces[k] for k in order]
            return
        fixed_depth = self.fixed_anchors[shown] @ axis + self.MOVER_BIAS * self.face_size
        all_movers = np.concatenate([mover_depth, fixed_depth])
        # A mover goes just before the first face deeper than it (after the faces under it): merge on that slot.
        pos = np.searchsorted(depth[order], all_movers)
        keys = np.concatenate([2 * np.arange(len(order)) + 1, 2 * pos])
        ids = np.concatenate([order, len(self.faces) + np.arange(len(all_movers))])
        self.submobjects = [objs[k] for k in ids[np.argsort(keys, kind="stable")]]


class ColorBar(VGroup):
    """A vertical colour bar mapping the surface's colours to loss values, with ticks and a title.

    The bar is drawn in the frame (fix it in a ThreeDScene with ``add_fixed_in_frame_mobjects``).
    ``lo`` and ``hi`` are the values at the bottom and top colour of the theme's height map;
    with ``log=True`` they are mapped on a log scale (the ticks then read 10^k) and ``clipped``
    adds "≥ hi" at the top when the surface's colours were capped there (``cap_label``: other words for it,
    e.g. "capped at 6.1").

    Parameters
    ----------
    lo, hi : float
        Loss values at the ends of the colour map.
    title : str
        What the colour means ("loss").
    height : float
        Bar height in scene units.
    """

    def __init__(self, lo: float, hi: float, title: str = "loss", height: float = 3.2, width: float = 0.22,
                 log: bool = False, clipped: bool = False, theme: Theme = THEME,
                 cap_label: str | None = None) -> None:
        super().__init__()
        from scenes.kit.plots import decimals_for, level_colors, nice_range, tick_label

        n = 48
        colors = level_colors(n, theme)
        cells = VGroup()
        for k, c in enumerate(colors):
            cell = Rectangle(width=width, height=height / n, stroke_width=0, fill_color=c, fill_opacity=1.0)
            cell.move_to(np.array([0.0, -height / 2 + (k + 0.5) * height / n, 0.0]))
            cells.add(cell)
        frame = Rectangle(width=width, height=height, stroke_color=theme.muted, stroke_width=1)
        self.bar = VGroup(cells, frame)
        self.add(self.bar)
        self.ticks = VGroup()
        if log:
            a, b = math.log10(max(lo, 1e-300)), math.log10(max(hi, 1e-300))
            values: list[tuple[float, str]] = log_ticks(a, b)
            span = (a, b)
        else:
            start, end, step = nice_range(lo, hi, 4)
            d = decimals_for(step)
            values = [(float(v), tick_label(v, d)) for v in np.arange(start, end + step / 2, step)
                      if lo - 1e-9 <= v <= hi + 1e-9]
            span = (lo, hi)
        for v, text in values:
            y = -height / 2 + height * (v - span[0]) / max(span[1] - span[0], 1e-12)
            if clipped and y > height / 2 - 0.3:
                continue            # the "≥ max" label stands there
            tick = Line(np.array([width / 2, y, 0.0]), np.array([width / 2 + 0.08, y, 0.0]), stroke_color=theme.muted,
                        stroke_width=1.5)
            label = Text(text, font=theme.font, font_size=TYPE.TICK, color=theme.muted).next_to(tick, RIGHT, buff=0.08)
            self.ticks.add(VGroup(tick, label))
        if clipped:
            words = cap_label or f"≥ {tick_label(hi, 2) if not log else _plain(hi)}"
            cap = Text(words, font=theme.font,
                       font_size=TYPE.TICK, color=theme.muted).next_to(frame, UP, buff=0.08)
            self.ticks.add(cap)
        self.title = Text(title, font=theme.font, font_size=TYPE.TICK, color=theme.text)
        self.title.next_to(VGroup(self.bar, self.ticks), UP, buff=0.15)
        self.add(self.ticks, self.title)


def _plain(v: float) -> str:
    """A positive value in plain digits, two significant figures (``0.2``, ``1.3``, ``20``)."""
    return f"{v:.2g}" if 1e-3 <= v < 1e4 else f"{v:.1e}"


def log_ticks(a: float, b: float) -> list[tuple[float, str]]:
    """Ticks of a log colour bar spanning ``10**a .. 10**b``: ``(log10 value, text)``.

    Powers of ten (``10⁻¹``, ``1``, ``10``) when at least three fall in the span; else 1, 2 and 5
    times the powers of ten, or else every digit times them, in plain digits, so a bar spanning
    less than a decade still has numbers on it (its two ends, if nothing else).

    >>> [t for _, t in log_ticks(-1.2, 1.1)]
    ['10⁻¹', '1', '10']
    >>> [t for _, t in log_ticks(-1.2, 0.4)]
    ['0.1', '0.2', '0.5', '1', '2']
    >>> [t for _, t in log_ticks(math.log10(0.26), math.log10(0.69))]
    ['0.3', '0.4', '0.5', '0.6']
    """
    from scenes.kit.plots import tick_label

    decades = list(range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1))
    if len(decades) >= 3:
        return [(float(k), tick_label(k, log=True)) for k in decades]
    out: list[tuple[float, str]] = []
    for mantissas in ((1, 2, 5), tuple(range(1, 10))):
        out = []
        for k in range(math.floor(a) - 1, math.ceil(b) + 1):
            for m in mantissas:
                v = math.log10(m) + k
                if a - 1e-9 <= v <= b + 1e-9:
                    out.append((v, _plain(m * 10.0**k)))
        if len(out) >= 3:
            return out
    return out if len(out) >= 2 else [(a, _plain(10.0**a)), (b, _plain(10.0**b))]


def surface_axis_labels(axes, x_name: str, y_name: str, z_name: str = "loss", theme: Theme = THEME) -> VGroup:
    """Names at the ends of a ThreeDAxes' three axes (add them with ``add_fixed_orientation_mobjects``).

    Each label sits just past its axis' far end, so it reads as the name of that direction.
    """
    labels = VGroup()
    for axis, name, direction in ((axes.x_axis, x_name, RIGHT), (axes.y_axis, y_name, UP), (axes.z_axis, z_name, OUT)):
        t = Text(name, font=theme.font, font_size=TYPE.LABEL, color=theme.text)
        t.move_to(axis.get_end() + 0.35 * direction)
        labels.add(t)
    return labels
