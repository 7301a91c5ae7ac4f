"""Optimizers racing over a 3-D loss surface, then compared flat on its contour map.

The blog (seed 001) wants the loss "projected to 3D space" and the optimizers
it introduces.  A non-convex loss from gdcore is drawn as a surface coloured by
height f (labelled axes x, y, f; a colour bar) with its contour lines on the
floor; real runs of SGD, SGD with momentum, RMSprop and Adam from one start move
over it together, each a ball leaving its whole path on the surface, a dot per
step, with a legend of learning rates and current f.  The steps in which the
runs part ways play in slow motion; a run that diverges or leaves the map stops
at the edge with a label.  The lesson -- which runs stopped in which minimum,
and why, when the runs show it (post 003: momentum carries a run over a ridge)
-- is said with the minima labelled on the surface; then the camera settles
top-down on the contour map (levels labelled) with the paths side by side.

Speed: the surface is one :class:`scenes.kit.SurfaceMesh` -- flat faces
coloured once, painted back to front with one NumPy sort per frame (none when
nothing moved), the path pieces sorted in with them by fixed depth anchors; one
updater moves every ball and readout, and the legend's glyphs change only when
their string does -- see ``benchmarks/bench_render.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import numpy as np
from manim import (
    DEGREES,
    DL,
    DOWN,
    DR,
    LEFT,
    OUT,
    RIGHT,
    UL,
    UP,
    UR,
    Arrow,
    Circle,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Mobject,
    Rectangle,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
    there_and_back,
)
from manim.camera.three_d_camera import ThreeDCamera

from gdcore import functions
from gdcore.contour import contour_levels, contour_segments
from gdcore.explore import find_minima, lr_grid_search, with_lr
from gdcore.functions import Minimum
from gdcore.optim import NAMES, make
from gdcore.trajectory import Trajectory, descend, nearest_minimum
from scenes.kit import (
    THEME,
    TYPE,
    ColorBar,
    LiveText,
    RedrawEveryFrame,
    StoryThreeDScene,
    SurfaceMesh,
    camera_rotation,
    clip_to_box,
    decimals_for,
    fmt,
    label_text,
    level_colors,
    mark_figure,
    nice_range,
    paced,
    segments_vmobject,
    surface_axis_labels,
    tick_label,
    tick_text,
    xyz_to_scene,
)

ORDER = NAMES    # the race order, defined once in gdcore.optim
#: The top-down paths' stroke width and whether dashed, one style per run (issue 13: distinguishable
#: where they coincide): SGD wide, Momentum medium, RMSprop dashed, Adam thin.
PATH_STYLE = {"SGD": (5.0, False), "Momentum": (3.0, False), "RMSprop": (3.0, True), "Adam": (1.5, False)}


class LossSurface(StoryThreeDScene):
    """A loss surface, four optimizers racing over it, then the paths on the flat contour map."""

    params_key = "loss_surface"

    @property
    def cam(self) -> ThreeDCamera:
        """The scene's camera (a ThreeDScene renders with a ThreeDCamera)."""
        return cast(ThreeDCamera, self.renderer.camera)

    def construct(self) -> None:
        self.loss = functions.get(self.p["function"])
        if self.loss.dim != 2:
            raise ValueError(f"loss_surface.function must be a 2-D loss, got {self.p['function']!r}")
        self.runs = self.run_optimizers()
        # The minima the runs are judged against (a user's expression lists none: those descent finds).
        self.judged = with_minima(self.loss)
        self.paths = {n: visible_path(self.loss, t) for n, t in self.runs.items()}
        self.slow_end = slow_motion_end(self.judged, self.runs, self.paths, self.p["steps"])
        # Momentum's climbs in the slow motion, shown as they happen (none without a slow part).
        self.climbs = (momentum_climbs(self.runs, self.paths, self.slow_end, self.p["momentum"])
                       if self.slow_end < self.p["steps"] else [])
        # The minima runs ended in, each with the runs that did (for the labels on the surface and the map).
        self.ends: list[tuple[Minimum, list[str]]] = []
        for name, (_kind, m) in run_fates(self.judged, self.runs).items():
            if isinstance(m, Minimum):
                for em, names in self.ends:
                    if em is m:
                        names.append(name)
                        break
                else:
                    self.ends.append((m, [name]))
        self.build_surface()
        self.show_surface()
        self.race()
        self.lesson()
        self.settle_top_down()

    # ----------------------------------------------------------------- data
    def run_optimizers(self) -> dict[str, Trajectory]:
        """Each optimizer at the rate the rule ``lr_rule`` gives: the same for all, the best of a grid
        (gdcore.explore.lr_grid_search: lowest f after the steps among runs that do not diverge), or
        the hand-set lr_* (then the scene names no winner)."""
        p = self.p
        opts = {n: make(n, lr=p[f"lr_{n.lower()}"], **({"momentum": p["momentum"]} if n == "Momentum" else {}))
                for n in ORDER}
        if p["lr_rule"] == "same":
            opts = {n: with_lr(o, p["lr_same"]) for n, o in opts.items()}
        elif p["lr_rule"] == "grid":
            searches = {n: lr_grid_search(self.loss, p["start"], o, p["steps"], p["lr_grid"]) for n, o in opts.items()}
            opts = {n: with_lr(o, s.best_lr if s.best_lr is not None else s.grid[0]) for (n, o), s in
                    zip(opts.items(), searches.values(), strict=True)}
        self.opts = opts
        return {n: descend(self.loss, p["start"], o, p["steps"]) for n, o in opts.items()}

    def height(self, z: np.ndarray) -> np.ndarray:
        """Display height of loss values: clipped to the plotted range."""
        return np.clip(z, self.z_lo, self.z_hi)

    def on_surface(self, xy: np.ndarray, lift: float = 0.03) -> np.ndarray:
        """Scene points of data points (k, 2) on the surface, lifted a hair above it."""
        z = self.height(np.asarray(self.loss.value(xy))) + lift * (self.z_hi - self.z_lo)
        return xyz_to_scene(self.axes, np.column_stack([xy, z]))

    def screen_xy(self, points: np.ndarray, rotation: np.ndarray | None = None) -> np.ndarray:
        """Where scene points (k, 3) land on the screen (frame units), as manim's camera projects them,
        for this camera rotation (default: the camera's now)."""
        cam = self.cam
        rot = cam.get_rotation_matrix() if rotation is None else rotation
        q = (np.atleast_2d(points) - cam.frame_center) @ rot.T
        zs, d = q[:, 2], cam.get_focal_distance()
        if cam.exponential_projection:
            factor = np.where(zs < 0, d / (d - np.minimum(zs, 0.0)), np.exp(np.maximum(zs, 0.0) / d))
        else:
            factor = d / (d - zs)
        return q[:, :2] * (factor * cam.get_zoom())[:, None]

    def place_clear(self, label, at: np.ndarray | None = None, rotation: np.ndarray | None = None,
                    spots: np.ndarray | None = None, avoid: np.ndarray | None = None,
                    within: tuple[np.ndarray, np.ndarray] | None = None, pad: float = 0.05,
                    room: float = 0.1, first: np.ndarray = UP, gaps: tuple[float, ...] = (0.15,)) -> bool:
        """Put a fixed-orientation ``label`` where its box on screen meets no other text (axis names, numbers,
        labels placed before, the legend, the colour bar) and stays between the title and the caption.

        Beside the scene point ``at``: the first of eight places around it (``first`` tried first, then
        the rest clockwise) that is clear and at least
        ``room`` from the screen points ``avoid`` (k, 2) (else the clear one farthest from them; above if
        none is clear), ``gaps`` away from it (each tried in turn, the nearest first).  At one of the scene
        points ``spots``: the clear one farthest from ``avoid``, if it is at least ``room`` from them and
        inside the screen box ``within``; else the label is not placed
        (False).  ``pad``: the clearance kept around the other texts.
        """
        cam = self.cam
        rot = cam.get_rotation_matrix() if rotation is None else rotation
        boxes = []
        for m in (*self.obstacles, *self.placed_labels):
            c = self.screen_xy(m.get_center()[None], rot)[0]
            size = np.array([m.width, m.height]) / 2
            boxes.append((c - size, c + size))
        for m in (self.legend, self.counter, self.colorbar):
            boxes.append((m.get_corner(DL)[:2], m.get_corner(UR)[:2]))
        top, bottom = self.titles.bottom(), self.caption.top()
        half = np.array([label.width / 2, label.height / 2])
        if spots is None:
            anchor = np.asarray(at, dtype=float)
            screen = self.screen_xy(anchor[None], rot)[0]
            ring = [UP, UR, RIGHT, DR, DOWN, DL, LEFT, UL]
            k = next(i for i, d in enumerate(ring) if np.allclose(d, first))
            cands = [screen + d[:2] * (half + g) for g in gaps for d in ring[k:] + ring[:k]]
        else:
            anchor = np.asarray(spots, dtype=float)
            cands = list(self.screen_xy(anchor, rot))
        best, best_room = None, -np.inf
        for j, c in enumerate(cands):
            lo, hi = c - half - pad, c + half + pad
            if not (hi[1] < top and lo[1] > bottom):
                continue
            if within is not None and (np.any(lo < within[0]) or np.any(hi > within[1])):
                continue
            if not all(np.any(hi < b_lo) or np.any(lo > b_hi) for b_lo, b_hi in boxes):
                continue
            # Room: the distance from the label's box to the nearest point to avoid.
            free = np.inf if avoid is None or not len(avoid) else float(
                np.min(np.linalg.norm(np.maximum(np.maximum(c - half - avoid, avoid - c - half), 0.0), axis=1)))
            if spots is None and free >= room:
                best = j
                break
            if free > best_room:
                best, best_room = j, free
        if spots is not None and (best is None or best_room < room):
            return False
        if best is None:
            best = 0
        if spots is not None:
            label.move_to(anchor[best])
        else:
            # A scene point that projects onto the place: move along the camera's screen axes, by the screen
            # shift over the projection's scale at the anchor's depth (zoom times perspective), so the label
            # lands where its box was checked.
            shift = cands[best] - screen
            scale = float(self.screen_xy((anchor + rot.T @ np.array([1.0, 0.0, 0.0]))[None], rot)[0, 0] - screen[0])
            label.move_to(anchor + (rot.T @ np.array([shift[0], shift[1], 0.0])) / scale)
        self.placed_labels.append(label)
        return True

    # ------------------------------------------------------------ storyboard
    def build_surface(self) -> None:
        n = self.p["resolution"]
        (x_lo, x_hi), (y_lo, y_hi) = self.loss.domain
        X, Y, Z = functions.grid(self.loss, n=n + 1)            # one vectorized call
        self.z_lo, self.z_hi = float(np.nanmin(Z)), float(np.nanpercentile(Z, 98))
        z_span = self.z_hi - self.z_lo
        floor = self.z_lo - 0.35 * z_span
        self.floor = floor
        span = max(x_hi - x_lo, y_hi - y_lo)
        # The coordinate system only: the axes drawn are lines along the floor's edges (floor_axes).
        self.axes = ThreeDAxes(
            x_range=[x_lo, x_hi, 1], y_range=[y_lo, y_hi, 1], z_range=[floor, self.z_hi, z_span / 2],
            x_length=6.4 * (x_hi - x_lo) / span, y_length=6.4 * (y_hi - y_lo) / span, z_length=3.0,
            axis_config={"stroke_color": THEME.muted, "stroke_width": 2, "include_ticks": False},
        )
        self.mesh = SurfaceMesh(self.axes, X, Y, self.height(Z), opacity=self.p["surface_opacity"])
        self.view = self.race_view()
        # The colour bar: the mesh's colour range; colours stop at the plotted top (a percentile).
        c_lo, c_hi = self.mesh.color_range
        capped = bool(np.nanmax(Z) > self.z_hi)
        self.colorbar = ColorBar(c_lo, c_hi, title="f", height=3.0, clipped=capped,
                                 cap_label=f"capped at {fmt(c_hi, 2)}" if capped else None)
        self.colorbar.to_edge(RIGHT, buff=0.4).set_y((self.titles.bottom() + self.caption.top()) / 2)
        self.frame_axes, self.axis_names, self.ticks = self.floor_axes()
        # Texts a label placed later must not meet (see place_clear).
        self.placed_labels: list = []
        self.obstacles = [*self.axis_names, *self.ticks, *self.z_ticks]
        self.legend = VGroup(*[self.legend_row(n) for n in ORDER]).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        # The step shown, under the legend.
        self.counter = LiveText(self.step_line(0), color=THEME.text, font_size=TYPE.TICK)
        VGroup(self.legend, self.counter.next_to(self.legend, DOWN, buff=0.35, aligned_edge=LEFT))
        block = VGroup(self.legend, self.counter)
        block.to_edge(LEFT, buff=0.3).set_y(self.colorbar.get_y())
        # Momentum's velocity arrow: its longest step in the slow motion drawn a fifth of the map's larger side.
        mom = self.paths["Momentum"].xy[:self.slow_end + 2]
        longest = float(np.max(np.linalg.norm(np.diff(mom, axis=0), axis=1))) if len(mom) > 1 else 0.0
        self.velocity_gain = 0.2 * span / max(longest, 1e-12)
        # Contour lines on the floor, from a finer grid.
        Xf, Yf, Zf = functions.grid(self.loss, n=161)
        f_star = min((m.value for m in self.loss.minima), default=None)
        levels = contour_levels(Zf, 14, log=True, z_min=f_star)
        # Each contour in the colour of its height on the surface (and the colour bar).
        palette = level_colors(64)
        colors = [palette[round(63 * min(max((lv - c_lo) / max(c_hi - c_lo, 1e-12), 0.0), 1.0))] for lv in levels]
        self.floor_contours = VGroup()
        self.levels, self.contour_segs = levels, []
        for level, color in zip(levels, colors, strict=True):
            seg = contour_segments(Xf, Yf, Zf, level)
            self.contour_segs.append(seg)
            seg3 = np.concatenate([seg, np.full((*seg.shape[:-1], 1), floor)], axis=-1)
            self.floor_contours.add(segments_vmobject(xyz_to_scene(self.axes, seg3), color, 1.5, 0.9))

    def floor_axes(self) -> tuple[VGroup, VGroup, VGroup]:
        """The x and y axes along the floor's edges nearest the race's camera, the loss axis standing at a
        side corner; their names, and a few numbers (ends and 0) just outside the floor, facing the camera."""
        (x_lo, x_hi), (y_lo, y_hi) = self.loss.domain
        theta = self.view * DEGREES
        x_near = x_hi if np.cos(theta) > 0 else x_lo
        y_near = y_lo if np.sin(theta) < 0 else y_hi
        x_far, y_far = x_lo + x_hi - x_near, y_lo + y_hi - y_near
        f = self.floor
        # The loss axis stands at the side corner further right on screen, away from the legend.
        rot = camera_rotation(self.p["phi"] * DEGREES, theta)
        sides = [(x_far, y_near), (x_near, y_far)]
        corner = max(sides, key=lambda c: float((xyz_to_scene(self.axes, np.array([*c, f])) @ rot.T)[0]))

        def line(a, b) -> Line:
            return Line(*xyz_to_scene(self.axes, np.array([a, b], dtype=float)), stroke_color=THEME.muted,
                        stroke_width=2)

        x_axis = line([x_lo, y_near, f], [x_hi, y_near, f])
        y_axis = line([x_near, y_lo, f], [x_near, y_hi, f])
        z_axis = line([*corner, f], [*corner, self.z_hi])
        lines = VGroup(x_axis, y_axis, z_axis)
        names = surface_axis_labels(SimpleNamespace(x_axis=x_axis, y_axis=y_axis, z_axis=z_axis), "x", "y", "f")
        ticks = VGroup()
        out_y = (-1 if y_near == y_lo else 1) * 0.09 * (y_hi - y_lo)
        out_x = (1 if x_near == x_hi else -1) * 0.07 * (x_hi - x_lo)
        # The x and y names beside the middle of their axes, beyond the numbers (the ends meet other axes).
        names[0].move_to(xyz_to_scene(self.axes, np.array([(x_lo + x_hi) / 2, y_near + 2.6 * out_y, f])))
        names[1].move_to(xyz_to_scene(self.axes, np.array([x_near + 2.8 * out_x, (y_lo + y_hi) / 2, f])))
        for at, (a, b) in (("x", (x_lo, x_hi)), ("y", (y_lo, y_hi))):
            start, end, step = nice_range(a, b, 3)
            for v in np.arange(start, end + step / 2, step):
                if not a - 1e-9 <= v <= b + 1e-9:
                    continue
                xyz = [v, y_near + out_y, f] if at == "x" else [x_near + out_x, v, f]
                point = xyz_to_scene(self.axes, np.array(xyz))
                ticks.add(tick_text(tick_label(float(v), decimals_for(step))).move_to(point))
        # The f axis' values beside it, outside the floor's corner (none near its top, where its name stands).
        self.z_ticks = VGroup()
        out = np.array([corner[0] - (x_lo + x_hi) / 2, corner[1] - (y_lo + y_hi) / 2])
        out = 0.08 * max(x_hi - x_lo, y_hi - y_lo) * out / max(float(np.linalg.norm(out)), 1e-12)
        start, end, step = nice_range(self.z_lo, self.z_hi, 3)
        for v in np.arange(start, end + step / 2, step):
            if self.z_lo - 1e-9 <= v <= self.z_hi - 0.15 * (self.z_hi - f):
                point = xyz_to_scene(self.axes, np.array([corner[0] + out[0], corner[1] + out[1], v]))
                self.z_ticks.add(tick_text(tick_label(float(v), decimals_for(step))).move_to(point))
        return lines, names, ticks

    def fit_camera(self, phi: float, thetas) -> tuple[float, np.ndarray]:
        """Zoom and frame centre that keep the surface, its axes and their names between the title and the
        caption, left of the colour bar and off the legend, for every camera azimuth in ``thetas`` (degrees)."""
        pts = np.vstack([self.mesh.quads.reshape(-1, 3), *[ln.get_start_and_end() for ln in self.frame_axes],
                         *[m.get_center()[None] for m in (*self.axis_names, *self.ticks, *self.z_ticks)]])
        views = []
        for th in thetas:
            q = pts @ camera_rotation(phi * DEGREES, th * DEGREES).T
            zs = q[:, 2]
            factor = np.where(zs < 0, 20.0 / (20.0 - zs), np.exp(zs / 20.0))   # manim's projection
            views.append(q[:, :2] * factor[:, None])
        xy = np.vstack(views)
        lo, hi = xy.min(0), xy.max(0)
        top, bottom = self.titles.bottom() - 0.35, self.caption.top() + 0.35     # room for the names
        width = 2 * (self.colorbar.get_left()[0] - 0.3)
        legend_right = self.legend.get_right()[0] + 0.2
        legend_bottom = self.counter.get_bottom()[1] - 0.2
        zoom = min(1.0, (top - bottom) / (hi[1] - lo[1]), width / (hi[0] - lo[0]))
        while True:
            # Shift along the vertical scene axis: the same screen shift whatever the azimuth.
            dy = (top + bottom) / 2 - zoom * (lo[1] + hi[1]) / 2
            screen = zoom * xy + np.array([0.0, dy])
            on_legend = (screen[:, 0] < legend_right) & (screen[:, 1] > legend_bottom)
            if not on_legend.any() or zoom < 0.5:
                break
            zoom *= 0.97
        return zoom, -dy / (zoom * np.sin(phi * DEGREES)) * OUT

    def show_surface(self) -> None:
        p = self.p
        drift = self.drift_degrees()
        # The camera turns by ``turn`` degrees into the race view (the axes stand on the edges nearest it).
        start = self.view - p["turn"]
        thetas = np.concatenate([np.linspace(start, self.view, 8), np.linspace(self.view, self.view + drift, 4)])
        zoom, centre = self.fit_camera(p["phi"], thetas)
        self.set_camera_orientation(phi=p["phi"] * DEGREES, theta=start * DEGREES, zoom=zoom,
                                    frame_center=centre.tolist())
        name = self.loss.description.split(":")[0]
        # A user's expression is described as "f(x, y) = ...": say it once.
        own = name.startswith("f(x, y)")
        named = name if own else f"f(x, y), {name}"
        self.set_title(f"The surface {name}" if own else f"The surface f(x, y): {name}")
        camera = self.cam
        self.mesh.sort(camera.get_rotation_matrix())
        # The floor (contours, axes) first: it is always farther than the surface.
        self.add(self.floor_contours, self.frame_axes, self.mesh)
        self.cam.add_fixed_orientation_mobjects(*self.axis_names, *self.ticks, *self.z_ticks)
        self.add_fixed_in_frame_mobjects(self.colorbar)
        self.play(FadeIn(self.floor_contours), Create(self.frame_axes), FadeIn(self.mesh), FadeIn(self.axis_names),
                  FadeIn(self.ticks), FadeIn(self.z_ticks), FadeIn(self.colorbar), run_time=1.5)
        # The axes' names and numbers in front of the surface: where it overhangs an edge they stay readable.
        self.add_foreground_mobjects(*self.axis_names, *self.ticks, *self.z_ticks)
        self.caption.say(self, f"The height is {named}: "
                               "what the optimizers minimize.")
        # Re-sort every frame while the camera turns (not during the fade: it pairs faces by position).
        self.mesh_updaters: list[Callable[[Mobject], None]] = [self.sort_updater]
        self.set_live(True)
        # Turn the camera so the shape reads in depth, to the view from which the race is seen best.
        self.move_camera(theta=self.view * DEGREES, run_time=p["turn_seconds"], rate_func=linear)
        self.set_live(False)
        mark_figure(self, "surface")

    def race(self) -> None:
        """The runs move together; the steps in which their fates are decided in slow motion, the rest faster.

        Each run leaves its whole path on the surface, a short piece and a small dot per step, and its
        ball ends as the path's end dot.  A run that leaves the map or diverges stops at the edge, where
        a label says so.  During the slow motion the camera holds still, an arrow on the momentum ball
        shows its velocity (the step it is taking), and each stretch where its f rises is lit up as it is
        climbed, with the rise in numbers and a caption."""
        p = self.p
        # Dots and paths count as nearer the camera than the face under them by more than the kit's
        # default, so a dot in a steep basin is painted over its near rim (the view was chosen before).
        self.mesh.MOVER_BIAS = 1.5
        self.step = ValueTracker(0.0)
        self.movers = {}
        piece_steps: list[int] = []
        self.bands: list[VMobject] = []
        camera = self.cam
        end_view = camera_rotation(p["phi"] * DEGREES, (self.view + self.drift_degrees()) * DEGREES)
        for name in ORDER:
            color = THEME.OPTIMIZER[name]
            dot = Dot(radius=0.11, color=color)
            head = VMobject(stroke_color=color, stroke_width=3.5)
            label = None
            exit_words = self.paths[name].exit
            if exit_words is not None:
                label = boxed(label_text(exit_words, color=color, size=TYPE.TICK))
                # Beside the exit as the camera will see it when the race ends (it drifts during the race).
                self.place_clear(label, self.on_surface(self.paths[name].xy[-1:])[0], end_view)
                show_boxed(label, False)
                camera.add_fixed_orientation_mobjects(label)
                self.add(label)
            self.movers[name] = SimpleNamespace(dot=dot, head=head, label=label, gone=False)
            self.mesh.add_movers(head, dot)
            # A disc that faces the camera, never seen edge-on (drawn by the mesh's sort, not added to the scene).
            camera.add_fixed_orientation_mobjects(dot)
            pieces, anchors, steps = self.path_pieces(name)
            if name == "Momentum" and self.climbs:
                # The uphill stretches lit up: a wide band in the colour of f under momentum's path there,
                # painted just before it (same depth anchors), shown as the ball climbs.
                glow = [(piece, a, k) for piece, a, k in zip(pieces, anchors, steps, strict=True)
                        if isinstance(piece, VMobject) and not isinstance(piece, Dot)
                        and any(c.start < k <= c.end for c in self.climbs)]
                # A dark edge under the band, so it reads on the yellow heights too.
                edges = [piece.copy().set_stroke(THEME.background, width=14, opacity=0.9) for piece, _a, _k in glow]
                bands = [piece.copy().set_stroke(THEME.LOSS, width=8, opacity=1.0) for piece, _a, _k in glow]
                self.bands = bands
                for layer in (edges, bands):
                    if layer:
                        self.mesh.add_fixed_movers(layer, np.array([a for _p, a, _k in glow]))
                        piece_steps.extend(k for _p, _a, k in glow)
            self.mesh.add_fixed_movers(pieces, anchors)
            piece_steps.extend(steps)
        self.piece_steps = np.array(piece_steps, dtype=float)
        self.shown_legend = [""] * len(ORDER)
        self.shown_counter = ""
        legend = self.legend
        self.add_fixed_in_frame_mobjects(legend, self.counter)
        # Momentum's velocity: an arrow from its ball along the step it is taking (shown in the slow motion).
        self.velocity = VGroup()
        self.velocity_on = False
        self.add_fixed_in_frame_mobjects(self.velocity)
        self.advance()
        self.mesh.sort(camera.get_rotation_matrix())
        # One updater moves every ball, path and readout, before the mesh sorts them (it was added first).
        self.mesh_updaters = [self.advance_updater, self.sort_updater]
        start = ", ".join(fmt(v, 3) for v in p["start"])
        n, slow = p["steps"], self.slow_end
        # The start marked where the caption names it.
        start_label = boxed(label_text("start", size=TYPE.TICK))
        self.place_clear(start_label, self.on_surface(np.array([p["start"]], dtype=float))[0])
        camera.add_fixed_orientation_mobjects(start_label)
        self.play(FadeIn(start_label), FadeIn(self.counter), run_time=0.4)
        self.start_label = start_label
        slow_words = f" Slow motion: steps 0 to {slow}." if slow < n else f" {n} steps."
        self.caption.say(self, f"Start ({start}). {self.rule_words()}{slow_words}")
        self.set_live(True)
        self.climb_labels = VGroup()
        if slow < n:
            self.velocity_on = bool(self.climbs)
            self.slow_motion(slow)
            mark_figure(self, "race-3d")
            self.velocity_on = False
            self.advance()
            outs = [FadeOut(m) for m in (*self.climb_labels, *self.velocity)]
            self.caption.say(self, f"Steps {slow} to {n}, faster. {adam_note(self.loss, self.runs)}".strip())
            if outs:
                self.play(*outs, run_time=0.3)
            self.begin_ambient_camera_rotation(rate=p["drift"] * DEGREES)
            self.play(self.step.animate.set_value(n), run_time=0.3 * p["race_seconds"],
                      rate_func=paced(n - slow, None))
        else:
            self.begin_ambient_camera_rotation(rate=p["drift"] * DEGREES)
            self.play(self.step.animate.set_value(n), run_time=p["race_seconds"], rate_func=paced(n, None))
            mark_figure(self, "race-3d")
        self.wait(0.5)
        self.stop_ambient_camera_rotation()
        self.set_live(False)

    def slow_motion(self, slow: int) -> None:
        """Steps 0 to ``slow`` from a still camera, each of momentum's climbs slower still: the stretch lit up
        as it is walked, a caption saying what carries it, then the rise in numbers beside the stretch.
        A caption is never cut short: a stretch between climbs lasts at least the caption's reading time."""
        per_step = 0.7 * self.p["race_seconds"] / max(slow, 1)
        at = 0

        def walk(to: int, seconds: float) -> None:
            seconds = max(seconds, self.caption.remaining(self), 1.0 / float(self.camera.frame_rate))
            self.play(self.step.animate.set_value(to), run_time=seconds, rate_func=linear)

        for j, c in enumerate(self.climbs):
            if c.start > at:
                walk(c.start, per_step * (c.start - at))
            rise = f"f {fmt(c.f_from, 3)} → {fmt(c.f_to, 3)}"
            if j == 0:
                self.caption.say(self, f"Momentum's velocity (arrow) carries it uphill: {rise}.")
            else:
                self.caption.say(self, f"Uphill again, {rise}: the velocity carries it on.")
            self.play(self.step.animate.set_value(c.end), run_time=0.8 * (c.end - c.start), rate_func=linear)
            label = boxed(label_text(f"uphill: {rise}", color=THEME.LOSS, size=TYPE.TICK))
            xy = self.paths["Momentum"].xy
            top = self.on_surface(xy[c.start:c.end + 1])
            # Off every path, the part still to come too.
            avoid = self.screen_xy(np.vstack([self.mesh.fixed_anchors,
                                              *[mv.dot.get_center()[None] for mv in self.movers.values()]]))
            self.place_clear(label, top.mean(axis=0), avoid=avoid, room=0.1, first=RIGHT, gaps=(0.15, 0.35, 0.6))
            self.cam.add_fixed_orientation_mobjects(label)
            self.play(FadeIn(label), run_time=0.4)
            self.climb_labels.add(label)
            self.wait(0.6)
            at = c.end
        if slow > at:
            walk(slow, per_step * (slow - at))

    def draw_velocity(self, s: float) -> None:
        """The arrow on the momentum ball: the step it is taking at step ``s`` (its velocity times the learning
        rate), drawn flat at the ball's height, ``self.velocity_gain`` times as long; none when off."""
        self.velocity.submobjects = []
        if not self.velocity_on:
            return
        path = self.paths["Momentum"]
        if s >= path.end_step or len(path.xy) < 2:
            return
        k = min(int(np.floor(s)), len(path.xy) - 2)
        d = path.xy[k + 1] - path.xy[k]
        ball = self.movers["Momentum"].dot.get_center()
        flat = xyz_to_scene(self.axes, np.array([[0.0, 0.0, 0.0], [*(self.velocity_gain * d), 0.0]]))
        a, b = self.screen_xy(np.array([ball, ball + flat[1] - flat[0]]))
        if np.linalg.norm(b - a) < 0.1:
            return
        arrow = Arrow(np.append(a, 0.0), np.append(b, 0.0), buff=0.0, stroke_width=5, tip_length=0.18,
                      max_tip_length_to_length_ratio=0.4, color=THEME.OPTIMIZER["Momentum"])
        self.velocity.add(arrow)
        self.cam.fixed_in_frame_mobjects.update(self.velocity.get_family())

    def drift_degrees(self) -> float:
        """How far the camera drifts during the race: only in its fast part (the slow motion is watched
        from a still camera), and over the last half second."""
        p = self.p
        fast = 0.3 * p["race_seconds"] if self.slow_end < p["steps"] else p["race_seconds"]
        return float(p["drift"] * (fast + 0.5))

    def set_live(self, live: bool) -> None:
        """While the camera turns or the runs move, the mesh re-sorts (and the race advances) every frame
        and everything is redrawn each frame; otherwise the mesh has no updater and manim paints what does
        not move once (a caption fading in then costs a caption, not the whole surface)."""
        self.live = live
        self.mesh.clear_updaters()
        if live:
            for u in self.mesh_updaters:
                self.mesh.add_updater(u)

    def get_moving_mobjects(self, *animations):
        if getattr(self, "live", False):
            return RedrawEveryFrame.get_moving_mobjects(self, *animations)
        return ThreeDScene.get_moving_mobjects(self, *animations)

    def get_moving_and_static_mobjects(self, animations):
        if getattr(self, "live", False):
            return RedrawEveryFrame.get_moving_and_static_mobjects(self, animations)
        return ThreeDScene.get_moving_and_static_mobjects(self, animations)

    def advance_updater(self, _mesh: Mobject) -> None:
        self.advance()

    def sort_updater(self, _mesh: Mobject) -> None:
        self.mesh.sort(self.cam.get_rotation_matrix())

    def path_pieces(self, name: str) -> tuple[list[VMobject], np.ndarray, list[int]]:
        """The run's path on the surface as pieces the mesh sorts: each step a short line lifted onto the
        surface (split where it is longer than a face, so hills hide exactly the hidden part) and a small
        dot where the step lands; steps that land within a dot of the last dot drawn add none.
        Returns the pieces, their depth anchors and the step at which each is walked."""
        color = THEME.OPTIMIZER[name]
        xy = self.paths[name].xy
        cell = self.mesh.face_size / np.sqrt(2)
        pieces: list[VMobject] = []
        anchors, steps = [], []
        last = self.on_surface(xy[:1])[0]
        for k in range(len(xy) - 1):
            a, b = xy[k], xy[k + 1]
            ends = self.on_surface(np.array([a, b]))
            m = max(1, int(np.ceil(np.linalg.norm(ends[1] - ends[0]) / (0.7 * cell))))
            pts = self.on_surface(a + np.linspace(0.0, 1.0, m + 1)[:, None] * (b - a))
            if np.linalg.norm(pts[-1] - last) < 0.04:
                continue
            for j in range(m):
                piece = VMobject(stroke_color=color, stroke_width=3.5)
                piece.set_points_as_corners(pts[j:j + 2])
                pieces.append(piece)
                anchors.append(pts[j:j + 2].mean(axis=0))
                steps.append(k + 1)
            pieces.append(Dot(pts[-1], radius=0.035, color=color))
            anchors.append(pts[-1])
            steps.append(k + 1)
            last = pts[-1]
        return pieces, np.array(anchors).reshape(-1, 3), steps

    def advance(self) -> None:
        """Everything the race shows at the tracker's step: balls, path pieces walked, exit labels, legend."""
        s = self.step.get_value()
        for name in ORDER:
            mv, path = self.movers[name], self.paths[name]
            e = path.end_step
            here = min(s, e)
            k = min(int(np.floor(here)), len(path.xy) - 2) if len(path.xy) > 1 else 0
            a = path.xy[k]
            b = path.xy[min(k + 1, len(path.xy) - 1)]
            w = here - k
            tip = a + w * (b - a)
            m = max(2, int(np.ceil(8 * w)) + 1)
            pts = self.on_surface(a + np.linspace(0.0, 1.0, m)[:, None] * (tip - a))
            mv.head.set_points_as_corners(pts)
            mv.dot.move_to(pts[-1])
            gone = path.exit is not None and s >= e
            if mv.label is not None and gone != mv.gone:
                show_boxed(mv.label, gone)
            mv.gone = gone
        self.mesh.show_fixed(self.piece_steps <= s + 1e-9)
        self.update_legend(s)
        self.draw_velocity(s)

    def update_legend(self, s: float) -> None:
        """The readouts: each run's f at the step shown (its exit once it has left); glyphs change only
        when the string does."""
        k = int(s)
        camera = self.cam
        for j, (row, name) in enumerate(zip(self.legend, ORDER, strict=True)):
            path, run = self.paths[name], self.runs[name]
            if path.exit is not None and s >= path.end_step:
                text = "diverged" if path.exit == "diverged" else "left map"
            else:
                text = self.loss_line(run.losses[min(k, len(run.losses) - 1)])
            if text != self.shown_legend[j]:
                row[2].set_text(text)
                self.shown_legend[j] = text
                # New glyphs: keep them fixed in the frame like the rest of the legend.
                camera.fixed_in_frame_mobjects.update(row[2].get_family())
        counter = self.step_line(min(k, self.p["steps"]))
        if counter != self.shown_counter:
            self.counter.set_text(counter)
            self.shown_counter = counter
            camera.fixed_in_frame_mobjects.update(self.counter.get_family())

    def step_line(self, k: int) -> str:
        """The step counter's text: the step shown of the steps run."""
        n = self.p["steps"]
        return f"step {k:>{len(str(n))}d} / {n}"

    def minima_to_label(self) -> list[tuple[str, list[np.ndarray]]]:
        """The minima named on the map: the global one(s) (one label for all, from the function's minima) and
        each local minimum a run ended in."""
        glob = [m for m in self.judged.minima if m.is_global]
        out = []
        if glob:
            v = fmt(glob[0].value, 3)
            out.append((f"global minimum\nf = {v}" if len(glob) == 1 else f"global minima ({len(glob)})\nf = {v}",
                        [np.asarray(m.point, dtype=float) for m in glob]))
        for m, _names in self.ends:
            if not m.is_global:
                out.append((f"local minimum\nf = {fmt(m.value, 3)}", [np.asarray(m.point, dtype=float)]))
        return out

    def minima_labels(self, scene_point: Callable[[np.ndarray], np.ndarray], avoid: np.ndarray) -> VGroup:
        """The minima of :meth:`minima_to_label` marked: a ring on each, its label placed clear of the texts
        and of the screen points ``avoid`` (paths, dots, the minima), a leader line from the label to each
        ring.  ``scene_point`` maps data points (k, 2) to scene points.  Labels face the camera; the rings
        and lines are drawn in the frame (the camera holds still while they are shown)."""
        groups = self.minima_to_label()
        if not groups:
            return VGroup()
        targets = [scene_point(np.array(pts)) for _t, pts in groups]
        rings_at = [self.screen_xy(t) for t in targets]
        labels, marks = VGroup(), VGroup()
        r = 0.09
        around = 0.4 * np.column_stack([np.cos(np.linspace(0, 2 * np.pi, 16)), np.sin(np.linspace(0, 2 * np.pi, 16))])
        for j, ((text, _pts), where, screen) in enumerate(zip(groups, targets, rings_at, strict=True)):
            label = boxed(label_text(text, size=TYPE.TICK))
            # The other minima's rings count as larger than they are: a label is never read as naming them.
            others = [ring + around for i, rings in enumerate(rings_at) if i != j for ring in rings]
            near = np.vstack([avoid, screen, *others]) if len(avoid) else np.vstack([screen, *others])
            # Well away from the paths and the other minima (room), so it names only the ring its line reaches.
            self.place_clear(label, where.mean(axis=0), avoid=near, room=0.3, first=DOWN,
                             gaps=(0.3, 0.6, 1.0, 1.5, 2.0))
            labels.add(label)
            c = self.screen_xy(label.get_center()[None])[0]
            half = np.array([label.width, label.height]) / 2 + 0.04
            for t in screen:
                marks.add(Circle(radius=r, stroke_color=THEME.text, stroke_width=2.5).move_to(np.append(t, 0.0)))
                d = t - c
                # From the label's box edge to the ring's edge.
                inside = float(np.min(np.abs(half / np.where(np.abs(d) > 1e-9, d, 1e-9))))
                a = c + min(inside, 1.0) * d
                gap = float(np.linalg.norm(t - a))
                if gap > r + 0.08:
                    b = t - (r + 0.02) * (t - a) / gap
                    marks.add(Line(np.append(a, 0.0), np.append(b, 0.0), stroke_color=THEME.text, stroke_width=1.5))
        self.cam.add_fixed_orientation_mobjects(*labels)
        self.add_fixed_in_frame_mobjects(marks)
        return VGroup(marks, labels)

    def lesson(self) -> None:
        """The race's outcome in words, with the minima labelled on the surface; then the end dots pulsed
        one group at a time and momentum's climbs named again, while the words are read."""
        self.spread_end_balls()
        avoid = self.screen_xy(np.vstack([self.mesh.fixed_anchors[self.mesh.fixed_shown],
                                          *[mv.dot.get_center()[None] for mv in self.movers.values()]]))
        self.min_labels = self.minima_labels(self.on_surface, avoid)
        if len(self.min_labels):
            self.play(FadeIn(self.min_labels), run_time=0.6)
        fates, why = verdict_parts(self.loss, self.runs, self.p["lr_rule"])
        self.caption.say(self, fates)
        mark_figure(self, "race-lesson")
        self.point_at_ends(why)

    def point_at_ends(self, why: str) -> None:
        """While the lesson is read: each group of runs that ended together pulsed in turn, then, with the
        why, momentum's uphill stretches flashed (the bands stay lit)."""
        ends: dict[str, list[str]] = {}
        for name, (kind, m) in run_fates(self.judged, self.runs).items():
            ends.setdefault(f"{kind}{id(m)}", []).append(name)
        for names in ends.values():
            dots = [self.movers[n].dot for n in names]
            self.play(*[d.animate(rate_func=there_and_back).scale(1.8) for d in dots], run_time=0.8)
        if why:
            self.caption.say(self, why)
        if self.bands:
            # The uphill stretches flash while the sentence is read (their numbers were shown as they were climbed).
            self.play(*[b.animate(rate_func=there_and_back).set_stroke(width=16) for b in self.bands], run_time=1.2)
        left = self.caption.remaining(self)
        if left > 0:
            self.wait(left)

    def spread_end_balls(self) -> None:
        """Balls that ended on top of each other (on screen) move apart into a row just above where they
        stopped, each tied to its end point by a hairline, so every run's end can be seen."""
        r = 0.11
        rot = self.cam.get_rotation_matrix()
        right, up = rot[0], rot[1]                      # scene directions of the screen's right and up
        ends = {n: self.movers[n].dot.get_center() for n in ORDER}
        screen = {n: np.append(self.screen_xy(p[None])[0], 0.0) for n, p in ends.items()}
        zoom = self.cam.get_zoom()
        moves, self.end_links = [], VGroup()
        for group in near_groups(screen, 2.2 * r):
            if len(group) < 2:
                continue
            for i, name in enumerate(group):
                offset = ((i - (len(group) - 1) / 2) * 2.4 * r * right + 2.5 * r * up) / zoom
                moves.append(self.movers[name].dot.animate.shift(offset))
                self.end_links.add(Line(ends[name], ends[name] + offset, stroke_color=THEME.OPTIMIZER[name],
                                        stroke_width=1.5))
        if moves:
            self.play(*moves, Create(self.end_links), run_time=0.8)

    def rule_words(self) -> str:
        p = self.p
        if p["lr_rule"] == "same":
            return f"All at learning rate {fmt(p['lr_same'], 3)}."
        if p["lr_rule"] == "grid":
            g = sorted(p["lr_grid"])
            return f"Each at its best of {len(g)} rates, {fmt(g[0], 3)} to {fmt(g[-1], 3)} (lowest final f)."
        return "Rates set by hand, not tuned."

    def race_view(self) -> float:
        """The camera azimuth (degrees) the race is watched from: the one that hides the least of it.

        A hill in front of a basin hides the runs that end there for a whole range of angles, so
        the view is searched all around in 5-degree steps, from ``theta + turn`` on.  Each candidate
        is scored over the drift the race will add: the fraction of the paths' points hidden by
        the mesh (every step of the slow-motion part, where the runs part, and 30 of each run), plus
        three times the fraction of the runs' end points hidden at the last angle.
        The lowest score wins; among equals, the one nearest ``theta + turn``.  The result is
        the equivalent angle nearest ``theta``, so the camera turns the short way.
        """
        p = self.p
        phi = p["phi"] * DEGREES
        # Every step of the slow-motion part (where the paths part: it must be seen), and 30 of the rest.
        path = np.concatenate([self.on_surface(np.vstack([v.xy[:self.slow_end + 1],
                                                          v.xy[np.linspace(0, len(v.xy) - 1, 30).astype(int)]]))
                               for v in self.paths.values()])
        ends = self.on_surface(np.array([v.xy[-1] for v in self.paths.values()]))
        drift = self.drift_degrees()
        preferred = p["theta"] + p["turn"]
        offsets = sorted(np.arange(-180.0, 180.0, 5.0), key=abs)       # 0, -5, 5, -10, ...: nearest first
        best, best_score = preferred, np.inf
        for off in offsets:
            view = preferred + off
            during = [self.mesh.occluded(path, camera_rotation(phi, (view + d) * DEGREES)).mean()
                      for d in np.linspace(0.0, drift, 3)]
            at_end = self.mesh.occluded(ends, camera_rotation(phi, (view + drift) * DEGREES)).mean()
            score = float(np.mean(during)) + 3.0 * float(at_end)
            if score < best_score - 1e-9:
                best, best_score = view, score
        return p["theta"] + (best - p["theta"] + 180.0) % 360.0 - 180.0

    def legend_row(self, name: str) -> VGroup:
        """Two lines: the optimizer's name by its dot; its learning rate and its loss now."""
        swatch = Dot(radius=0.08, color=THEME.OPTIMIZER[name])
        label = label_text(name, color=THEME.OPTIMIZER[name], size=TYPE.TICK, weight="BOLD")
        betas = beta_words(self.opts[name].hyperparams)
        lr = tick_text(f"lr {fmt(self.opts[name].hyperparams['lr'], 3)}", color=THEME.text)
        value = self.loss_text(self.runs[name].losses[0])
        head = VGroup(swatch, label, *([tick_text(betas, color=THEME.muted)] if betas else [])).arrange(
            RIGHT, buff=0.15)
        lr.next_to(head, DOWN, buff=0.1).align_to(label, LEFT)
        value.next_to(lr, RIGHT, buff=0.25)
        value.shift((0.95 - lr.width) * RIGHT)   # values in one column
        return VGroup(head, lr, value)

    @staticmethod
    def loss_text(loss: float) -> LiveText:
        return LiveText(LossSurface.loss_line(loss), color=THEME.LOSS, font_size=TYPE.TICK)

    @staticmethod
    def loss_line(loss: float) -> str:
        return f"f {fmt(loss, 3)}"

    def settle_top_down(self) -> None:
        """Camera to top-down; the surface fades, leaving the floor contours and the full paths, side by side
        where they run together, a dot per step, the end dots spread where they meet; contour levels labelled."""
        self.caption.say(self, "From above: the whole paths side by side, a dot per step, on the contours of f.")
        self.mesh.clear_updaters()
        z_axis, z_name = self.frame_axes[2], self.axis_names[2]
        paths, step_dots, dots, links = self.flat_paths()
        self.play(FadeOut(self.mesh), FadeOut(z_axis), FadeOut(z_name), FadeOut(self.min_labels),
                  FadeOut(self.start_label), *([FadeOut(self.end_links)] if len(self.end_links) else []),
                  *[FadeOut(m) for m in self.z_ticks],
                  *[FadeOut(mv.label) for mv in self.movers.values() if mv.label is not None],
                  FadeIn(paths), FadeIn(step_dots), FadeIn(links), FadeIn(dots), run_time=1.5)
        # Top-down: the floor centred in the band between title and caption, legend and colour bar, as large as fits.
        (x_lo, x_hi), (y_lo, y_hi) = self.loss.domain
        top, bottom = self.titles.bottom() - 0.15, self.caption.top() + 0.15
        left, right = self.legend.get_right()[0] + 0.3, self.colorbar.get_left()[0] - 0.3
        middle = self.axes.c2p((x_lo + x_hi) / 2, (y_lo + y_hi) / 2, self.floor)
        # The largest zoom at which the floor's corners, and its axis names and numbers (upright, at their own
        # size whatever the zoom), fit in the band; then the whole block centred in it.
        corners = np.array([self.axes.c2p(x, y, self.floor) for x in (x_lo, x_hi) for y in (y_lo, y_hi)])
        offsets = [c[:2] - middle[:2] for c in corners]
        halves = [np.zeros(2)] * len(corners)
        for m in (*self.axis_names[:2], *self.ticks):
            offsets.append(m.get_center()[:2] - middle[:2])
            halves.append(np.array([m.width, m.height]) / 2)
        d, h = np.array(offsets), np.array(halves)
        band = np.array([right - left, top - bottom])

        def extent(z: float) -> tuple[np.ndarray, np.ndarray]:
            return (z * d - h).min(axis=0), (z * d + h).max(axis=0)

        lo_z, hi_z = 0.05, 4.0
        for _ in range(40):
            z = (lo_z + hi_z) / 2
            e_lo, e_hi = extent(z)
            lo_z, hi_z = (z, hi_z) if np.all(e_hi - e_lo <= band) else (lo_z, z)
        zoom = lo_z
        e_lo, e_hi = extent(zoom)
        # The floor moves under the camera (moving the camera's centre sideways would move the title too).
        target = np.array([(left + right) / 2, (top + bottom) / 2]) - (e_lo + e_hi) / 2
        shift = np.array([target[0] / zoom - middle[0], target[1] / zoom - middle[1], 0.0])
        floor = VGroup(self.floor_contours, self.frame_axes[:2], self.axis_names[:2], self.ticks, paths, step_dots,
                       links, dots)
        self.move_camera(phi=0, theta=-90 * DEGREES, zoom=zoom, run_time=2.5,
                         added_anims=[floor.animate.shift(shift).build()])
        # Labels after the move, where they land: the level of a few contours, and the minima the runs reached.
        self.shift_top = shift
        self.placed_labels, self.obstacles = [], [*self.axis_names[:2], *self.ticks]
        labels = self.top_labels(paths, dots)
        self.play(FadeIn(labels), FadeIn(self.top_marks), run_time=0.6)
        self.wait(2.5)
        mark_figure(self, "top-down")

    def flat_paths(self) -> tuple[VGroup, VGroup, VGroup, VGroup]:
        """The runs' visible paths on the floor, each in its own lane (a small sideways offset, the same along
        the whole path, so paths that coincide show as parallel stripes), a small dot per step and a dot at
        the end; end dots that would stack are set side by side, each linked by a hairline to the point where
        its run ended."""
        paths, step_dots, dots, links = VGroup(), VGroup(), VGroup(), VGroup()
        lane = 0.05
        ends = {}
        # One sideways direction for every run: across the way they set off together (parallel copies read
        # as clean stripes where paths coincide; where they part the offset does not matter).
        normal = lane_normals(xyz_to_scene(self.axes, np.array(
            [[*self.p["start"], self.floor],
             [*np.mean([v.xy[min(len(v.xy) - 1, max(self.slow_end, 1))] for v in self.paths.values()], axis=0),
              self.floor]])))[0]
        for j, name in enumerate(ORDER):
            xy = self.paths[name].xy
            pts = xyz_to_scene(self.axes, np.column_stack([xy, np.full(len(xy), self.floor)]))
            pts = pts + (j - (len(ORDER) - 1) / 2) * lane * normal
            color = THEME.OPTIMIZER[name]
            # Each run its own line, told apart where paths coincide even without colour: width and dash.
            width, dashed = PATH_STYLE[name]
            path = VMobject(stroke_color=color, stroke_width=width)
            path.set_points_as_corners(pts if len(pts) > 1 else np.vstack([pts, pts]))
            if dashed and len(pts) > 1:
                length = float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1)))
                path = DashedVMobject(path, num_dashes=max(2, int(length / 0.12)), dashed_ratio=0.55)
            paths.add(path)
            keep = [0]
            for k in range(1, len(pts)):
                if np.linalg.norm(pts[k] - pts[keep[-1]]) >= 0.05:
                    keep.append(k)
            # All of a run's step dots in one mobject (one disc per step as its own sub-path): cheap to draw.
            disc = Dot(radius=0.028).points
            many = VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0)
            many.set_points(np.vstack([disc + pts[k] for k in keep]))
            step_dots.add(many)
            ends[name] = pts[-1]
        r, gap = 0.08, 0.2
        for group in near_groups(ends, 2.2 * r):
            centre = np.mean([ends[n] for n in group], axis=0)
            for i, name in enumerate(group):
                at = ends[name] if len(group) == 1 else centre + (0.3 * UP + (i - (len(group) - 1) / 2) * gap * RIGHT)
                dots.add(Dot(at, radius=r, color=THEME.OPTIMIZER[name]))
                if len(group) > 1:
                    links.add(Line(ends[name], at, stroke_color=THEME.OPTIMIZER[name], stroke_width=1.5))
        return paths, step_dots, dots, links

    def top_labels(self, paths: VGroup, dots: VGroup) -> VGroup:
        """Labels on the top-down map: the minima the runs ended in, where runs left the map, and the value of
        each contour level where its line is farthest from the paths (none where no place is clear of the
        other texts, with room around each)."""
        avoid = self.screen_xy(np.vstack([*[m.get_anchors() for m in paths.family_members_with_points()],
                                          *[d.get_center()[None] for d in dots]]))
        labels = VGroup()
        (x_lo, x_hi), (y_lo, y_hi) = self.loss.domain
        corners = self.screen_xy(np.array([self.axes.c2p(x_lo, y_lo, self.floor),
                                           self.axes.c2p(x_hi, y_hi, self.floor)]) + self.shift_top)
        within = (corners.min(axis=0), corners.max(axis=0))
        def on_floor(xy: np.ndarray) -> np.ndarray:
            xy = np.atleast_2d(xy)
            return xyz_to_scene(self.axes, np.column_stack([xy, np.full(len(xy), self.floor)])) + self.shift_top

        marked = self.minima_labels(on_floor, avoid)
        self.top_marks = marked[0] if len(marked) else VGroup()
        if len(marked):
            labels.add(*marked[1])
            # The rings and leader lines (drawn in the frame: their points are screen points) kept clear too.
            drawn = [np.asarray(m.get_anchors())[:, :2] for m in self.top_marks.family_members_with_points()]
            avoid = np.vstack([avoid, *drawn])
        # The start, where all paths begin.
        start = boxed(label_text("start", size=TYPE.TICK))
        self.place_clear(start, on_floor(np.array(self.p["start"], dtype=float))[0], avoid=avoid, room=0.1,
                         gaps=(0.15, 0.35))
        labels.add(start)
        for name in ORDER:
            path = self.paths[name]
            if path.exit is not None:
                label = boxed(label_text(path.exit, color=THEME.OPTIMIZER[name], size=TYPE.TICK))
                self.place_clear(label, self.axes.c2p(*path.xy[-1], self.floor) + self.shift_top, avoid=avoid)
                labels.add(label)
        # A level's value is never placed near a marked minimum, so it is not read as that minimum's value.
        rings = [m.get_center()[:2] for m in self.top_marks.family_members_with_points() if isinstance(m, Circle)]
        names = [(self.screen_xy(m.get_center()[None])[0], np.array([m.width, m.height]) / 2)
                 for m in (marked[1] if len(marked) else [])]
        for seg, level in zip(self.contour_segs, self.levels, strict=True):
            if len(seg) == 0:
                continue
            mids = seg.mean(axis=1)
            spots = xyz_to_scene(self.axes, np.column_stack([mids, np.full(len(mids), self.floor)])) + self.shift_top
            label = boxed(tick_text(fmt(float(level), 2)))
            spots = spots[[far_from_minima(c, np.array([label.width, label.height]) / 2, rings, names)
                           for c in self.screen_xy(spots)]] if len(spots) else spots
            if not len(spots):
                continue
            # Well apart from each other (pad), so the map does not fill with numbers.
            if self.place_clear(label, spots=spots, avoid=avoid, within=within, pad=0.15, room=0.08):
                labels.add(label)
        # Upright and at their size whatever the zoom, like the axis numbers.
        self.cam.add_fixed_orientation_mobjects(*labels)
        return labels

    def verdict(self) -> str:
        """Where each run ended, from its status and the minimum nearest its last point; why, when the
        momentum run alone reached a global minimum after climbing (its f rose on the way)."""
        return verdict_words(self.loss, self.runs, self.p["lr_rule"])


def beta_words(hyper: dict) -> str:
    """An optimizer's averaging constants for the legend: momentum's β, Adam's β1 and β2 (none for the rest)."""
    if hyper.get("momentum"):
        return f"β {fmt(hyper['momentum'], 3)}"
    if "betas" in hyper:
        return "β " + ", ".join(fmt(b, 3) for b in hyper["betas"])
    return ""


MINIMUM_CLEARANCE = 0.6
"""Scene units kept between a contour level's value and a marked minimum's ring or label."""


def far_from_minima(centre: np.ndarray, half: np.ndarray, rings: list[np.ndarray],
                    names: list[tuple[np.ndarray, np.ndarray]], ring_radius: float = 0.09,
                    clearance: float = MINIMUM_CLEARANCE) -> bool:
    """Whether a label box (screen ``centre``, half-size ``half``) is at least ``clearance`` from every ring
    (screen centres ``rings``, radius ``ring_radius``) and every minimum label box ((centre, half) in ``names``)."""
    lo, hi = centre - half, centre + half
    def gap(b_lo: np.ndarray, b_hi: np.ndarray) -> float:
        return float(np.linalg.norm(np.maximum(np.maximum(lo - b_hi, b_lo - hi), 0.0)))

    return (all(gap(r, r) >= clearance + ring_radius for r in rings)
            and all(gap(c - h, c + h) >= clearance for c, h in names))


def boxed(label: VMobject) -> VGroup:
    """A label on a box of the background colour, so it reads over a surface or contour lines."""
    back = Rectangle(width=label.width + 0.12, height=label.height + 0.1, stroke_width=0,
                     fill_color=THEME.background, fill_opacity=0.8).move_to(label)
    return VGroup(back, label)


def show_boxed(group: VGroup, on: bool) -> None:
    """Show or hide a :func:`boxed` label."""
    group[0].set_fill(opacity=0.8 if on else 0.0)
    group[1].set_opacity(1.0 if on else 0.0)


@dataclasses.dataclass
class VisiblePath:
    """The part of a run drawn on the map."""

    xy: np.ndarray          #: its points on the map; if it left, the point where it crossed the edge last
    exit: str | None        #: None, "left the map" or "diverged"
    end_step: float         #: the (fractional) step at which the drawn path ends


def visible_path(loss, t: Trajectory) -> VisiblePath:
    """The run's path up to where it first leaves the map (the loss's domain), and how it ends: a run whose
    status is "diverged" is labelled so where its drawn path ends, one that left the domain "left the map"."""
    (x0, x1), (y0, y1) = loss.domain
    xy, left = clip_to_box(t.points, (x0, y0), (x1, y1))
    end = float(len(xy) - 1)
    if left and len(xy) >= 2:
        k = len(xy) - 2                          # last point inside; the run's next point is outside
        a, b = t.points[k], t.points[k + 1]
        end = k + float(np.linalg.norm(xy[-1] - a)) / max(float(np.linalg.norm(b - a)), 1e-12)
    exit = "diverged" if t.status == "diverged" else ("left the map" if left else None)
    return VisiblePath(np.asarray(xy, dtype=float), exit, end)


def with_minima(loss):
    """The loss with minima listed: its own, or for a user's expression those plain descent finds (none
    where it finds none to search with, e.g. on a plane, which has no curvature)."""
    if loss.minima:
        return loss
    try:
        found = find_minima(loss)
    except ValueError:
        found = []
    return dataclasses.replace(loss, minima=found)


def settled_step(loss, t: Trajectory) -> int:
    """The step from which the run stays nearest to the minimum it ends nearest to (its fate is sealed);
    0 when the loss has no minimum to be near."""
    if not loss.minima:
        return 0
    centres = np.array([m.point for m in loss.minima])
    nearest = np.argmin(np.linalg.norm(t.points[:, None] - centres[None], axis=-1), axis=1)
    changed = np.flatnonzero(nearest != nearest[-1])
    return int(changed[-1] + 1) if changed.size else 0


def slow_motion_end(loss, runs: dict[str, Trajectory], paths: dict[str, VisiblePath], steps: int) -> int:
    """The last step of the race's slow-motion part: a few steps after every run has left the map, diverged,
    or settled towards the minimum it ends at (and after the paths part, :func:`separation_step`).  When
    that is most of the race, there is no slow-motion part: ``steps`` is returned."""
    sealed = 0
    for name, t in runs.items():
        v = paths[name]
        sealed = max(sealed, int(np.ceil(v.end_step)) if v.exit is not None else settled_step(loss, t))
    sealed = max(sealed, separation_step(loss, runs) or 0)
    end = min(steps, sealed + 3)
    return steps if end > 0.6 * steps else end


def lane_normals(pts: np.ndarray) -> np.ndarray:
    """Unit normals (in the screen plane) of a polyline (k, 3) at its vertices, from the averaged tangents
    (zero where the path does not move): the direction of a lane's sideways offset."""
    if len(pts) < 2:
        return np.zeros_like(pts)
    d = np.diff(pts, axis=0)
    n = np.linalg.norm(d[:, :2], axis=1, keepdims=True)
    d = np.where(n > 1e-9, d / np.maximum(n, 1e-9), 0.0)
    tangent = np.vstack([d[:1], d[:-1] + d[1:], d[-1:]])
    t_len = np.linalg.norm(tangent[:, :2], axis=1, keepdims=True)
    tangent = np.where(t_len > 1e-9, tangent / np.maximum(t_len, 1e-9), 0.0)
    return np.column_stack([-tangent[:, 1], tangent[:, 0], np.zeros(len(pts))])


def near_groups(points: dict[str, np.ndarray], radius: float) -> list[list[str]]:
    """The names grouped so points closer than ``radius`` (chained) share a group, in the dict's order."""
    groups: list[list[str]] = []
    for name, p in points.items():
        hits = [g for g in groups if any(np.linalg.norm(points[o] - p) < radius for o in g)]
        merged = [name]
        for g in hits:
            groups.remove(g)
            merged = g + merged
        groups.append(merged)
    order = list(points)
    return sorted((sorted(g, key=order.index) for g in groups), key=lambda g: order.index(g[0]))


def separation_step(loss, runs: dict[str, Trajectory], frac: float = 0.05) -> int | None:
    """The first step at which two runs are farther apart than ``frac`` of the domain's larger side
    (None if they never are)."""
    span = max(hi - lo for lo, hi in loss.domain)
    n = max(len(t.points) for t in runs.values())
    for k in range(n):
        pts = np.array([t.points[min(k, len(t.points) - 1)] for t in runs.values()])
        if np.max(np.linalg.norm(pts[:, None] - pts[None], axis=-1)) > frac * span:
            return k
    return None


def run_fates(loss, runs: dict[str, Trajectory]) -> dict[str, tuple[str, object]]:
    """Each run's fate: ("diverged" | "left the map" | "unsettled" | "global" | "local", the minimum or None)."""
    span = max(hi - lo for lo, hi in loss.domain)
    loss = with_minima(loss)
    fates: dict[str, tuple[str, object]] = {}
    for name in ORDER:
        t = runs[name]
        v = visible_path(loss, t)
        if v.exit is not None:
            fates[name] = (v.exit, None)
            continue
        m = nearest_minimum(loss, t.final.tolist(), 0.02 * span)
        fates[name] = ("unsettled", None) if m is None else ("global" if m.is_global else "local", m)
    return fates


def climbed(t: Trajectory, before: int) -> bool:
    """Whether the run's f rose, before step ``before``, by more than 2 % of the f it had to lose."""
    f = np.asarray(t.losses[:before + 1], dtype=float)
    if len(f) < 2:
        return False
    rise = float(np.max(f - np.minimum.accumulate(f)))
    return rise > 0.02 * max(float(t.losses[0] - t.losses.min()), 1e-12)


def adam_note(loss, runs: dict[str, Trajectory]) -> str:
    """Why Adam crawls at a shared learning rate, in numbers, when it does: its step is about lr per coordinate
    whatever the slope, so its first step is shorter than SGD's (empty unless it is under half of SGD's, and
    when SGD diverged or left the map: then SGD's step is no yardstick)."""
    sgd, adam = runs["SGD"].points, runs["Adam"].points
    if len(sgd) < 2 or len(adam) < 2 or visible_path(loss, runs["SGD"]).exit is not None:
        return ""
    a, g = float(np.linalg.norm(adam[1] - adam[0])), float(np.linalg.norm(sgd[1] - sgd[0]))
    if not a < 0.5 * g:
        return ""
    return (f"Adam steps about lr per coordinate whatever the slope: its first step {fmt(a, 2)} long, "
            f"SGD's {fmt(g, 2)}.")


def verdict_words(loss, runs: dict[str, Trajectory], rule: str) -> str:
    """The race's lesson in words derived from the runs (see :meth:`LossSurface.verdict`)."""
    fates, why = verdict_parts(loss, runs, rule)
    return f"{fates} {why}" if why else fates


def verdict_parts(loss, runs: dict[str, Trajectory], rule: str) -> tuple[str, str]:
    """The lesson's two sentences: where each run ended, and why (empty unless momentum alone reached a
    global minimum after climbing, the others stuck in a local one, at rates chosen by a stated rule)."""
    judged = with_minima(loss)
    fates = run_fates(judged, runs)
    groups: dict[str, list[str]] = {}
    for name in ORDER:
        kind, m = fates[name]
        if kind in ("diverged", "left the map"):
            key = kind
        elif kind == "unsettled":
            key = f"had not reached a minimum yet (f = {fmt(float(runs[name].losses[-1]), 3)})"
        elif not settled(judged, runs[name], m):                              # type: ignore[arg-type]
            # Still moving: it is in the minimum's basin, not at the minimum (its own f, not the minimum's).
            key = (f"ended in the {kind} minimum's basin, still moving (f = "
                   f"{fmt(float(runs[name].losses[-1]), 3)})")
        elif kind == "global":
            key = f"reached the global minimum, f = {fmt(m.value, 3)}"          # type: ignore[attr-defined]
        else:
            key = f"stopped in a local minimum, f = {fmt(m.value, 3)}"          # type: ignore[attr-defined]
        groups.setdefault(key, []).append(name)
    parts = [f"{' and '.join(names) if len(names) < 3 else ', '.join(names[:-1]) + ' and ' + names[-1]} {key}"
             for key, names in groups.items()]
    # One sentence per group: the captions break between sentences, never inside one.
    text = ". ".join(parts) + "."
    why = ""
    reached = [n for n in ORDER if fates[n][0] == "global"]
    stuck = [n for n in ORDER if fates[n][0] == "local"]
    mom = runs["Momentum"]
    if (reached == ["Momentum"] and stuck and rule != "given"
            and climbed(mom, settled_step(judged, mom))):
        why = "Momentum's velocity carried it uphill over the ridge."
    return text, why


@dataclasses.dataclass
class Climb:
    """A stretch of a run where f rises step after step: from step ``start`` to step ``end``."""

    start: int
    end: int
    f_from: float
    f_to: float


def uphill_stretches(t: Trajectory, last: int, frac: float = 0.02) -> list[Climb]:
    """The stretches up to step ``last`` where the run's f rises at every step, by more in all than ``frac``
    of the f it had to lose (its start less its lowest f): the climbs worth pointing at."""
    f = np.asarray(t.losses[:last + 1], dtype=float)
    need = frac * max(float(t.losses[0] - np.min(t.losses)), 1e-12)
    out: list[Climb] = []
    k = 0
    while k < len(f) - 1:
        if f[k + 1] > f[k]:
            j = k
            while j < len(f) - 1 and f[j + 1] > f[j]:
                j += 1
            if f[j] - f[k] > need:
                out.append(Climb(k, j, float(f[k]), float(f[j])))
            k = j
        else:
            k += 1
    return out


def momentum_climbs(runs: dict[str, Trajectory], paths: dict[str, VisiblePath], last: int,
                    beta: float) -> list[Climb]:
    """The momentum run's uphill stretches in steps 0..``last`` that are drawn (before it leaves the map or
    diverges); none when it has no velocity (``beta`` 0), so a climb is never credited to one."""
    if beta <= 0:
        return []
    v = paths["Momentum"]
    drawn = int(np.floor(v.end_step + 1e-9))
    return [c for c in uphill_stretches(runs["Momentum"], last) if c.end <= drawn]


def settled(loss, t: Trajectory, m: Minimum) -> bool:
    """Whether the run has stopped at the minimum ``m``: its last point within 0.2 % of the map's larger side
    of it and its last step shorter than that (else it is still moving in the minimum's basin)."""
    span = max(hi - lo for lo, hi in loss.domain)
    near = float(np.linalg.norm(t.final - m.point)) < 0.002 * span
    last_step = float(np.linalg.norm(t.points[-1] - t.points[-2])) if len(t.points) > 1 else 0.0
    return near and last_step < 0.002 * span
