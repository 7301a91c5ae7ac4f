"""Optimizers racing over a 3-D loss surface, then compared flat on its contour map.

The blog (seed 001) wants the loss "projected to 3D space" and the optimizers
it introduces.  A non-convex loss from gdcore is drawn as a surface coloured by
height with its contour lines on the floor; real runs of SGD, SGD with
momentum, RMSprop and Adam from one start move over it together, each a dot
and a fading trail lying on the surface, with a legend of current losses.
The camera turns so the shape reads in depth, then settles top-down on the
contour map with the full paths.

Speed: the surface is one :class:`scenes.kit.SurfaceMesh` -- flat faces
coloured once, painted back to front with one NumPy sort per frame, dots and
trail pieces sorted in with them -- see ``benchmarks/bench_render.py``.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    OUT,
    RIGHT,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    ThreeDAxes,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from gdcore import functions
from gdcore.contour import contour_levels, contour_segments
from gdcore.explore import find_minima, lr_grid_search, with_lr
from gdcore.optim import SGD, Adam, RMSprop
from gdcore.trajectory import Trajectory, descend, nearest_minimum
from scenes.kit import (
    THEME,
    TYPE,
    ColorBar,
    LiveText,
    StoryThreeDScene,
    SurfaceMesh,
    camera_rotation,
    decimals_for,
    fmt,
    label_text,
    level_colors,
    mark_figure,
    nice_range,
    segments_vmobject,
    surface_axis_labels,
    tick_label,
    tick_text,
    xyz_to_scene,
)

ORDER = ("SGD", "Momentum", "RMSprop", "Adam")


class LossSurface(StoryThreeDScene):
    """A loss surface, four optimizers racing over it, then the paths on the flat contour map."""

    params_key = "loss_surface"

    def construct(self) -> None:
        self.loss = functions.get(self.p["function"])
        if self.loss.dim != 2:
            raise ValueError(f"loss_surface.function must be a 2-D loss, got {self.p['function']!r}")
        self.runs = self.run_optimizers()
        self.build_surface()
        self.show_surface()
        self.race()
        self.settle_top_down()

    # ----------------------------------------------------------------- data
    def run_optimizers(self) -> dict[str, Trajectory]:
        """Each optimizer at the rate the rule ``lr_rule`` gives: the same for all, the best of a grid
        (gdcore.explore.lr_grid_search: lowest f after the steps among runs that do not diverge), or
        the hand-set lr_* (then the scene names no winner)."""
        p = self.p
        opts = {
            "SGD": SGD(lr=p["lr_sgd"]),
            "Momentum": SGD(lr=p["lr_momentum"], momentum=p["momentum"]),
            "RMSprop": RMSprop(lr=p["lr_rmsprop"]),
            "Adam": Adam(lr=p["lr_adam"]),
        }
        if p["lr_rule"] == "same":
            opts = {n: with_lr(o, p["lr_same"]) for n, o in opts.items()}
        elif p["lr_rule"] == "grid":
            searches = {n: lr_grid_search(self.loss, p["start"], o, p["steps"], p["lr_grid"]) for n, o in opts.items()}
            opts = {n: with_lr(o, s.best_lr if s.best_lr is not None else s.grid[0]) for (n, o), s in
                    zip(opts.items(), searches.values())}
        self.opts = opts
        return {n: descend(self.loss, p["start"], o, p["steps"]) for n, o in opts.items()}

    def height(self, z: np.ndarray) -> np.ndarray:
        """Display height of loss values: clipped to the plotted range."""
        return np.clip(z, self.z_lo, self.z_hi)

    def on_surface(self, xy: np.ndarray, lift: float = 0.03) -> np.ndarray:
        """Scene points of data points (k, 2) on the surface, lifted a hair above it."""
        z = self.height(self.loss.value(xy)) + lift * (self.z_hi - self.z_lo)
        return xyz_to_scene(self.axes, np.column_stack([xy, z]))

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
            axis_config={"stroke_color": THEME.muted, "stroke_width": 2, "include_ticks": False}, tips=False,
        )
        self.mesh = SurfaceMesh(self.axes, X, Y, self.height(Z), opacity=self.p["surface_opacity"])
        self.view = self.race_view()
        # The colour bar: the mesh's colour range; colours stop at the plotted top (a percentile).
        c_lo, c_hi = self.mesh.color_range
        self.colorbar = ColorBar(c_lo, c_hi, title="f", height=3.0, clipped=bool(np.nanmax(Z) > self.z_hi))
        self.colorbar.to_edge(RIGHT, buff=0.4).set_y((self.titles.bottom() + self.caption.top()) / 2)
        self.frame_axes, self.axis_names, self.ticks = self.floor_axes()
        self.legend = VGroup(*[self.legend_row(n) for n in ORDER]).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        self.legend.to_edge(LEFT, buff=0.3).set_y(self.colorbar.get_y())
        # Contour lines on the floor, from a finer grid.
        Xf, Yf, Zf = functions.grid(self.loss, n=161)
        f_star = min((m.value for m in self.loss.minima), default=None)
        levels = contour_levels(Zf, 14, log=True, z_min=f_star)
        # Each contour in the colour of its height on the surface (and the colour bar).
        palette = level_colors(64)
        colors = [palette[round(63 * min(max((lv - c_lo) / max(c_hi - c_lo, 1e-12), 0.0), 1.0))] for lv in levels]
        self.floor_contours = VGroup()
        for level, color in zip(levels, colors):
            seg = contour_segments(Xf, Yf, Zf, level)
            seg3 = np.concatenate([seg, np.full(seg.shape[:-1] + (1,), floor)], axis=-1)
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
        names[0].move_to(xyz_to_scene(self.axes, np.array([(x_lo + x_hi) / 2, y_near + 2.2 * out_y, f])))
        names[1].move_to(xyz_to_scene(self.axes, np.array([x_near + 2.4 * out_x, (y_lo + y_hi) / 2, f])))
        for at, (a, b) in (("x", (x_lo, x_hi)), ("y", (y_lo, y_hi))):
            start, end, step = nice_range(a, b, 3)
            for v in np.arange(start, end + step / 2, step):
                if not a - 1e-9 <= v <= b + 1e-9:
                    continue
                xyz = [v, y_near + out_y, f] if at == "x" else [x_near + out_x, v, f]
                point = xyz_to_scene(self.axes, np.array(xyz))
                ticks.add(tick_text(tick_label(float(v), decimals_for(step))).move_to(point))
        return lines, names, ticks

    def fit_camera(self, phi: float, thetas) -> tuple[float, np.ndarray]:
        """Zoom and frame centre that keep the surface, its axes and their names between the title and the
        caption, left of the colour bar and off the legend, for every camera azimuth in ``thetas`` (degrees)."""
        pts = np.vstack([self.mesh.quads.reshape(-1, 3), *[ln.get_start_and_end() for ln in self.frame_axes],
                         *[m.get_center()[None] for m in (*self.axis_names, *self.ticks)]])
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
        legend_bottom = self.legend.get_bottom()[1] - 0.2
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
        drift = p["drift"] * (p["race_seconds"] + 0.5)
        # The camera turns by ``turn`` degrees into the race view (the axes stand on the edges nearest it).
        start = self.view - p["turn"]
        thetas = np.concatenate([np.linspace(start, self.view, 8), np.linspace(self.view, self.view + drift, 4)])
        zoom, centre = self.fit_camera(p["phi"], thetas)
        self.set_camera_orientation(phi=p["phi"] * DEGREES, theta=start * DEGREES, zoom=zoom, frame_center=centre)
        self.set_title(f"The surface f(x, y): {self.loss.description.split(':')[0]}")
        camera = self.renderer.camera
        self.mesh.sort(camera.get_rotation_matrix())
        # The floor (contours, axes) first: it is always farther than the surface.
        self.add(self.floor_contours, self.frame_axes, self.mesh)
        self.renderer.camera.add_fixed_orientation_mobjects(*self.axis_names, *self.ticks)
        self.add_fixed_in_frame_mobjects(self.colorbar)
        self.play(FadeIn(self.floor_contours), Create(self.frame_axes), FadeIn(self.mesh), FadeIn(self.axis_names),
                  FadeIn(self.ticks), FadeIn(self.colorbar), run_time=1.5)
        self.caption.say(self, f"The height f(x, y) of {self.loss.description}, coloured by height: "
                               "the optimizers minimize f.")
        # Re-sort every frame from now on (not during the fade: it pairs faces by position).
        self.mesh.add_updater(lambda m: m.sort(camera.get_rotation_matrix()))
        # Turn the camera so the shape reads in depth, to the view from which the race is seen best.
        self.move_camera(theta=self.view * DEGREES, run_time=p["turn_seconds"], rate_func=linear)
        mark_figure(self, "surface")

    def race(self) -> None:
        # Dots and trails count as nearer the camera than the face under them by more than the kit's
        # default, so a dot in a steep basin is painted over its near rim (the view was chosen before).
        self.mesh.MOVER_BIAS = 1.5
        step = ValueTracker(0.0)
        self.step = step
        self.movers = {}
        n_pieces = self.p["trail_pieces"]
        for name in ORDER:
            color = THEME.OPTIMIZER[name]
            dot = Dot(radius=0.11, color=color)
            pieces = [VMobject(stroke_color=color, stroke_width=4, stroke_opacity=(k + 1) / n_pieces)
                      for k in range(n_pieces)]
            self.movers[name] = (dot, pieces)
            self.mesh.add_movers(*pieces, dot)
            dot.add_updater(lambda m, n=name: self.place(n))
            # A disc that faces the camera, never seen edge-on (drawn by the mesh's sort, not added to the scene).
            self.renderer.camera.add_fixed_orientation_mobjects(dot)
        legend = self.legend
        legend.add_updater(lambda g: self.update_legend(g))
        self.add_fixed_in_frame_mobjects(legend)
        start = ", ".join(fmt(v, 3) for v in self.p["start"])
        self.caption.say(self, f"SGD, momentum, RMSprop and Adam start together at ({start}); "
                               f"{self.p['steps']} steps each. " + self.rule_words())
        for name in ORDER:
            self.place(name)
        self.mesh.sort(self.renderer.camera.get_rotation_matrix())
        self.begin_ambient_camera_rotation(rate=self.p["drift"] * DEGREES)
        # Early steps are where the runs differ most: give them more time (step ~ t^2).
        self.play(step.animate.set_value(self.p["steps"]), run_time=self.p["race_seconds"],
                  rate_func=lambda t: t * t)
        self.wait(0.5)
        self.stop_ambient_camera_rotation()
        mark_figure(self, "race-3d")

    def rule_words(self) -> str:
        p = self.p
        if p["lr_rule"] == "same":
            return f"All at the same learning rate, {fmt(p['lr_same'], 3)}."
        if p["lr_rule"] == "grid":
            g = sorted(p["lr_grid"])
            return f"Each at its best rate of {len(g)} from {fmt(g[0], 3)} to {fmt(g[-1], 3)} (lowest f at the end)."
        return "Rates set by hand, not tuned."

    def race_view(self) -> float:
        """The camera azimuth (degrees) the race is watched from: the one that hides the least of it.

        A hill in front of a basin hides the runs that end there for a whole range of angles, so
        the view is searched all around in 5-degree steps, from ``theta + turn`` on.  Each candidate
        is scored over the drift the race will add: the fraction of the paths' points hidden by
        the mesh, plus three times the fraction of the runs' end points hidden at the last angle.
        The lowest score wins; among equals, the one nearest ``theta + turn``.  The result is
        the equivalent angle nearest ``theta``, so the camera turns the short way.
        """
        p = self.p
        phi = p["phi"] * DEGREES
        path = np.concatenate([self.on_surface(t.points[np.linspace(0, len(t.points) - 1, 30).astype(int)])
                               for t in self.runs.values()])
        ends = self.on_surface(np.array([t.points[-1] for t in self.runs.values()]))
        drift = p["drift"] * (p["race_seconds"] + 0.5)
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
        lr = tick_text(f"lr {fmt(self.opts[name].lr, 3)}", color=THEME.text)
        value = self.loss_text(self.runs[name].losses[0])
        head = VGroup(swatch, label).arrange(RIGHT, buff=0.15)
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

    def update_legend(self, group: VGroup) -> None:
        k = int(self.step.get_value())
        camera = self.renderer.camera
        for row, name in zip(group, ORDER):
            run = self.runs[name]
            if run.status == "diverged" and k >= len(run.losses) - 1:
                row[2].set_text("diverged")
            else:
                row[2].set_text(self.loss_line(run.losses[min(k, len(run.losses) - 1)]))
            # New glyphs: keep them fixed in the frame like the rest of the legend.
            camera.fixed_in_frame_mobjects.update(row[2].get_family())

    def xy_at(self, name: str, s: np.ndarray) -> np.ndarray:
        """Points of a run at fractional steps ``s`` (k,), interpolated in the plane."""
        pts = self.runs[name].points
        s = np.clip(s, 0.0, len(pts) - 1)
        k = np.minimum(np.floor(s).astype(int), len(pts) - 2)
        w = (s - k)[:, None]
        return (1 - w) * pts[k] + w * pts[k + 1]

    def place(self, name: str) -> None:
        """Dot at the run's current point; the trail covers the last steps in short fading pieces.

        Positions are interpolated in the plane and lifted onto the surface by evaluating
        the loss (one vectorized call), so dot and trail follow hills instead of cutting
        through them; short pieces let the painter's sort hide exactly the hidden parts.
        """
        dot, pieces = self.movers[name]
        s = self.step.get_value()
        n = len(pieces)
        ts = np.linspace(s - self.p["trail"], s, n + 1)
        visible = ts >= 0
        pts = self.on_surface(self.xy_at(name, np.maximum(ts, 0.0)))
        dot.move_to(pts[-1])
        for j, piece in enumerate(pieces):
            piece.set_points_as_corners([pts[j], pts[j + 1]])
            piece.set_stroke(opacity=(j + 1) / n if visible[j] else 0.0)

    def settle_top_down(self) -> None:
        """Camera to top-down; the surface fades, leaving the floor contours and the full paths."""
        paths, dots = VGroup(), VGroup()
        # SGD last and thinnest, so paths that run together show as nested stripes.
        for k, name in enumerate(reversed(ORDER)):
            xy = self.runs[name].points
            pts = xyz_to_scene(self.axes, np.column_stack([xy, np.full(len(xy), self.floor)]))
            path = VMobject(stroke_color=THEME.OPTIMIZER[name], stroke_width=7 - 1.5 * k)
            path.set_points_as_corners(pts)
            paths.add(path)
            dots.add(Dot(pts[-1], radius=0.1 - 0.015 * k, color=THEME.OPTIMIZER[name]))
        self.renderer.camera.add_fixed_orientation_mobjects(*dots)
        self.caption.say(self, "From above, on the contour map: the whole paths side by side.", 4)
        for d, _pieces in self.movers.values():
            d.clear_updaters()
        self.legend.clear_updaters()
        z_axis, z_name = self.frame_axes[2], self.axis_names[2]
        self.play(FadeOut(self.mesh), FadeOut(z_axis), FadeOut(z_name), FadeIn(paths), FadeIn(dots), run_time=1.5)
        self.mesh.clear_updaters()
        # Top-down: the floor centred in the band, as large as the space between the legend and the colour bar.
        (x_lo, x_hi), (y_lo, y_hi) = self.loss.domain
        floor_w = np.linalg.norm(self.axes.c2p(x_hi, y_lo, self.floor) - self.axes.c2p(x_lo, y_lo, self.floor))
        floor_h = np.linalg.norm(self.axes.c2p(x_lo, y_hi, self.floor) - self.axes.c2p(x_lo, y_lo, self.floor))
        top, bottom = self.titles.bottom() - 0.4, self.caption.top() + 0.4
        left, right = self.legend.get_right()[0] + 0.4, self.colorbar.get_left()[0] - 0.4
        zoom = min((top - bottom) / (floor_h + 1.2), (right - left) / (floor_w + 1.2))
        middle = self.axes.c2p((x_lo + x_hi) / 2, (y_lo + y_hi) / 2, self.floor)
        # The floor moves under the camera (moving the camera's centre sideways would move the title too).
        shift = np.array([(left + right) / 2 / zoom - middle[0], (top + bottom) / 2 / zoom - middle[1], 0.0])
        floor = VGroup(self.floor_contours, self.frame_axes[:2], self.axis_names[:2], self.ticks, paths, dots)
        self.move_camera(phi=0, theta=-90 * DEGREES, zoom=zoom, run_time=2.5,
                         added_anims=[floor.animate.shift(shift)])
        self.caption.say(self, self.verdict(), 4)
        self.wait(3)
        mark_figure(self, "top-down")

    def verdict(self) -> str:
        """Where each run ended, from its status and the minimum nearest its last point; why, when the
        momentum run alone reached a global minimum after climbing (its f rose on the way)."""
        return verdict_words(self.loss, self.runs, self.p["lr_rule"])


def verdict_words(loss, runs: dict[str, Trajectory], rule: str) -> str:
    """The race's lesson in words derived from the runs (see :meth:`LossSurface.verdict`)."""
    span = max(hi - lo for lo, hi in loss.domain)
    if not loss.minima:
        # A user's expression lists none: the minima plain descent finds from a grid of starts.
        loss = dataclasses.replace(loss, minima=find_minima(loss))
    groups: dict[str, list[str]] = {}
    for name in ORDER:
        t = runs[name]
        (x0, x1), (y0, y1) = loss.domain
        outside = not (x0 <= t.final[0] <= x1 and y0 <= t.final[1] <= y1)
        m = None if t.status == "diverged" else nearest_minimum(loss, t.final, 0.02 * span)
        if t.status == "diverged":
            key = "diverged"
        elif outside:
            key = "left the map"
        elif m is None:
            key = f"had not reached a minimum yet (f = {fmt(float(t.losses[-1]), 3)})"
        elif m.is_global:
            key = f"reached the global minimum, f = {fmt(m.value, 3)}"
        else:
            key = f"stopped in a local minimum, f = {fmt(m.value, 3)}"
        groups.setdefault(key, []).append(name)
    parts = [f"{' and '.join(names) if len(names) < 3 else ', '.join(names[:-1]) + ' and ' + names[-1]} {key}"
             for key, names in groups.items()]
    text = "; ".join(parts) + "."
    reached = [n for n, k in ((n, k) for k, ns in groups.items() for n in ns) if k.startswith("reached")]
    climbed = bool(np.any(np.diff(runs["Momentum"].losses) > 0))
    if reached == ["Momentum"] and climbed and rule != "given":
        text += " Momentum's velocity carried it uphill over the ridge."
    return text
