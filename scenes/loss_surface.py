"""Optimizers racing over a 3-D loss surface, then compared flat on its contour map.

The blog (seed 001) wants the loss "projected to 3D space" and the optimizers
it introduces.  A non-convex loss from gdcore is drawn as a surface coloured by
height with its contour lines on the floor; real runs of SGD, SGD with
momentum, RMSprop and Adam from one start move over it together, each a dot
and a fading trail lying on the surface, with a legend of current losses.
The camera turns so the shape reads in depth, then settles top-down on the
contour map with the full paths.

Speed: the surface is one :class:`scenes.common.SurfaceMesh` -- flat faces
coloured once, painted back to front with one NumPy sort per frame, dots and
trail pieces sorted in with them -- see ``benchmarks/bench_render.py``.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Dot,
    FadeIn,
    FadeOut,
    Text,
    ThreeDAxes,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from gdcore import functions
from gdcore.contour import contour_levels, contour_segments
from gdcore.optim import SGD, Adam, RMSprop
from gdcore.trajectory import Trajectory, descend
from scenes.kit import (
    THEME,
    LiveText,
    StoryThreeDScene,
    SurfaceMesh,
    camera_rotation,
    fmt,
    level_colors,
    mark_figure,
    segments_vmobject,
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
        p = self.p
        opts = {
            "SGD": SGD(lr=p["lr_sgd"]),
            "Momentum": SGD(lr=p["lr_momentum"], momentum=p["momentum"]),
            "RMSprop": RMSprop(lr=p["lr_rmsprop"]),
            "Adam": Adam(lr=p["lr_adam"]),
        }
        self.opts = opts
        return {n: descend(self.loss, p["start"], o, p["steps"]) for n, o in opts.items()}

    def height(self, z: np.ndarray) -> np.ndarray:
        """Display height of loss values: clipped to the plotted range."""
        return np.clip(z, self.z_lo, self.z_hi)

    def on_surface(self, xy: np.ndarray, lift: float = 0.02) -> np.ndarray:
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
        self.axes = ThreeDAxes(
            x_range=[x_lo, x_hi, 1], y_range=[y_lo, y_hi, 1], z_range=[floor, self.z_hi, z_span / 2],
            x_length=7.0 * (x_hi - x_lo) / span, y_length=7.0 * (y_hi - y_lo) / span, z_length=3.0,
            axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False}, tips=False,
        ).shift(0.4 * DOWN)
        self.mesh = SurfaceMesh(self.axes, X, Y, self.height(Z), opacity=self.p["surface_opacity"])
        # Contour lines on the floor, from a finer grid.
        Xf, Yf, Zf = functions.grid(self.loss, n=161)
        f_star = min((m.value for m in self.loss.minima), default=None)
        levels = contour_levels(Zf, 14, log=True, z_min=f_star)
        colors = level_colors(len(levels))
        self.floor_contours = VGroup()
        for level, color in zip(levels, colors):
            seg = contour_segments(Xf, Yf, Zf, level)
            seg3 = np.concatenate([seg, np.full(seg.shape[:-1] + (1,), floor)], axis=-1)
            self.floor_contours.add(segments_vmobject(xyz_to_scene(self.axes, seg3), color, 1.5, 0.9))

    def show_surface(self) -> None:
        self.set_camera_orientation(phi=self.p["phi"] * DEGREES, theta=self.p["theta"] * DEGREES, zoom=0.95)
        self.set_title(f"The loss surface: {self.loss.description}")
        camera = self.renderer.camera
        self.mesh.sort(camera.get_rotation_matrix())
        self.add(self.floor_contours, self.mesh)   # the floor first: it is always farther than the surface
        self.play(FadeIn(self.floor_contours), FadeIn(self.mesh), run_time=1.5)
        self.caption.say(self, f"The surface of {self.loss.description}, coloured by height, with its contour "
                               "lines on the floor.", 5)
        # Re-sort every frame from now on (not during the fade: it pairs faces by position).
        self.mesh.add_updater(lambda m: m.sort(camera.get_rotation_matrix()))
        # Turn the camera so the shape reads in depth, to the view from which the race is seen best.
        self.move_camera(theta=self.race_view() * DEGREES, run_time=self.p["turn_seconds"], rate_func=linear)
        mark_figure(self, "surface")

    def race(self) -> None:
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
        legend = VGroup(*[self.legend_row(n) for n in ORDER]).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        legend.to_corner(UP + RIGHT, buff=0.3).shift(0.6 * DOWN + 0.6 * LEFT)  # room for longer numbers
        legend.add_updater(lambda g: self.update_legend(g))
        self.legend = legend
        self.add_fixed_in_frame_mobjects(legend)
        start = ", ".join(fmt(v, 3) for v in self.p["start"])
        self.caption.say(self, f"SGD, momentum, RMSprop and Adam start together at ({start}); "
                               f"{self.p['steps']} steps each.", 4)
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
        swatch = Dot(radius=0.08, color=THEME.OPTIMIZER[name])
        label = Text(name, font=THEME.font, font_size=THEME.small_size, color=THEME.text)
        value = self.loss_text(self.runs[name].losses[0])
        row = VGroup(swatch, label, value).arrange(RIGHT, buff=0.15)
        value.shift((1.9 - label.width) * RIGHT)   # values in one column
        return row

    @staticmethod
    def loss_text(loss: float) -> LiveText:
        return LiveText(LossSurface.loss_line(loss), color=THEME.LOSS, font_size=THEME.small_size)

    @staticmethod
    def loss_line(loss: float) -> str:
        return f"loss {fmt(loss, 3)}"

    def update_legend(self, group: VGroup) -> None:
        k = int(self.step.get_value())
        camera = self.renderer.camera
        for row, name in zip(group, ORDER):
            run = self.runs[name]
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
        paths = VGroup()
        for name in ORDER:
            xy = self.runs[name].points
            pts = xyz_to_scene(self.axes, np.column_stack([xy, np.full(len(xy), self.floor)]))
            path = VMobject(stroke_color=THEME.OPTIMIZER[name], stroke_width=3)
            path.set_points_as_corners(pts)
            paths.add(path)
        self.caption.say(self, "From above, on the contour map: the whole paths side by side.", 4)
        for d, _pieces in self.movers.values():
            d.clear_updaters()
        self.legend.clear_updaters()
        self.play(FadeOut(self.mesh), FadeIn(paths), run_time=1.5)
        self.mesh.clear_updaters()
        self.move_camera(phi=0, theta=-90 * DEGREES, run_time=2.5)
        ends = []
        for name in ORDER:
            t = self.runs[name]
            ends.append(f"{name} {fmt(t.losses[-1], 3)}")
        self.caption.say(self, "Final loss: " + ", ".join(ends) + ".", 4)
        self.wait(3)
        mark_figure(self, "top-down")

