"""The loss landscape of a real network, and the path its optimizer took (Li et al. 2018).

The blog (seed 001) asks for "[PLOT LOSS PROJECTED TO 3D SPACE]".  An MLP is
trained on the 8x8 digits by :func:`gdcore.mlp.train`; its loss is evaluated
by batched forward passes on planes through the final weights
(:mod:`gdcore.landscape`): first along two filter-normalized random directions
(the basin's shape), then on the plane of the first two PCA directions of the
training trajectory, where the path can be drawn.  A projected checkpoint does
not have the plane's loss, so every checkpoint is drawn at its own true loss,
with a thin line down to the plane.  Both surfaces are drawn whole, their height
and colour the loss on a log scale (no clipping).  The same plane is then drawn flat
as contours at log-spaced levels (Li et al.'s figure), the path as checkpoint dots
from start to end.  Last, flat versus sharp (Keskar et al. 2017): networks trained
with a small and a large batch to the same training loss
(:func:`gdcore.landscape.train_until`), their loss along each one's sharpest
direction side by side, with the sharpness (the Hessian's largest eigenvalue) from
:func:`gdcore.landscape.sharpness_slice`.

With ``data = "file.csv"`` (columns x1, x2, label) the network trains on the file's
points instead of ``dataset`` (a standardized copy when they are far from unit
scale, which the caption says); every beat, flat versus sharp included, uses them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import cast

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    OUT,
    RIGHT,
    UP,
    Circle,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Mobject,
    ThreeDAxes,
    ThreeDScene,
    UpdateFromAlphaFunc,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)
from manim.camera.three_d_camera import ThreeDCamera
from manim.utils.family import extract_mobject_family_members
from manim.utils.iterables import list_update

from gdcore.datasets import Standardizer, needs_standardizing
from gdcore.landscape import (
    filter_normalized_direction,
    loss_surface,
    path_on_plane,
    pca_directions,
    sharpness_slice,
    train_until,
)
from gdcore.mlp import MLP, train
from gdcore.optim import Adam
from scenes.kit import (
    THEME,
    ColorBar,
    ContourMap,
    PlotAxes,
    StoryThreeDScene,
    SurfaceMesh,
    camera_rotation,
    fmt,
    label_text,
    mark_figure,
    nice_range,
    polyline,
    surface_axis_labels,
    tick_text,
    xyz_to_scene,
)
from scenes.params import scene_data


class LossLandscape(StoryThreeDScene):
    """A trained network's loss on a random plane, then on the PCA plane with its real path."""

    params_key = "loss_landscape"
    #: True while a mesh re-sorts its faces every frame (the camera turns): then every top-level
    #: mobject is redrawn each frame; otherwise manim keeps the still parts in its static background.
    sorting = False

    def construct(self) -> None:
        self.train_network()
        self.random_plane()
        self.pca_plane()
        self.pca_contours()
        self.flat_vs_sharp()

    # ----------------------------------------------------------------- data
    def train_network(self) -> None:
        p = self.p
        X, y = scene_data("loss_landscape", p)    # digits, moons, or the points of p["data"]
        n_in, n_out = X.shape[1], int(y.max()) + 1
        # 2-D points far from unit scale (hours, dollars) are trained on as a standardized copy.
        self.standardized = n_in == 2 and needs_standardizing(X)
        if self.standardized:
            X = Standardizer.fit(X).transform(X)
        self.X, self.y = X, y
        self.net = MLP([n_in, *p["hidden"], n_out], activation=p["activation"], seed=p["seed"])
        hist = train(self.net, X, y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch",
                     batch_size=p["batch_size"], loss="cross_entropy", seed=p["seed"],
                     snapshot_every=p["snapshot_every"])
        if p.get("data"):
            self.data_name = f"the {len(y)} points of {Path(p['data']).name}"
        else:
            self.data_name = "8x8 handwritten digits" if p["dataset"] == "digits" else "two moons"
        self.status = hist.status
        self.thetas = np.array([self.net.flatten(s.params) for s in hist.snapshots])
        self.center = self.net.flatten()
        self.final_loss = self.net.loss(X, y, "cross_entropy")

    # ------------------------------------------------------------ helpers
    @property
    def cam(self) -> ThreeDCamera:
        """The renderer's camera (a ThreeDCamera in a ThreeDScene under the Cairo renderer)."""
        return cast(ThreeDCamera, self.renderer.camera)

    def get_moving_mobjects(self, *animations):
        if self.sorting:
            return list(self.mobjects)
        return ThreeDScene.get_moving_mobjects(self, *animations)

    #: Degrees a second the camera turns while the path is drawn.
    TURN_RATE = 4.0

    @staticmethod
    def log_loss(Z: np.ndarray) -> np.ndarray:
        """Heights: log10 of the loss; NaN (a hole in the mesh) where the loss is not finite."""
        Z = np.asarray(Z, dtype=float)
        with np.errstate(all="ignore"):
            H = np.log10(np.clip(Z, 1e-12, None))
        return np.where(np.isfinite(Z), H, np.nan)

    def surface(self, alphas, betas, H, h_lo: float, h_hi: float) -> tuple[ThreeDAxes, SurfaceMesh]:
        """Axes and mesh for log heights ``H`` (NaN: a hole) between ``h_lo`` and ``h_hi``; nothing is clipped."""
        axes = ThreeDAxes(x_range=[alphas[0], alphas[-1], 1], y_range=[betas[0], betas[-1], 1],
                          z_range=[h_lo, h_hi, (h_hi - h_lo) / 2], x_length=6.0, y_length=6.0, z_length=2.6,
                          axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False})
        A, B = np.meshgrid(alphas, betas)      # (the axes only map coordinates; they are never drawn)
        mesh = SurfaceMesh(axes, A, B, H, opacity=0.9)
        # A log surface's faces differ in size (steep ones are tall): the bias that lets a mover on a face
        # be drawn after it must be the largest face's, not the first one's.
        diag = np.linalg.norm(mesh.quads[:, 2] - mesh.quads[:, 0], axis=1)
        diag2 = np.linalg.norm(mesh.quads[:, 3] - mesh.quads[:, 1], axis=1)
        mesh.face_size = float(max(diag.max(), diag2.max()))
        return axes, mesh

    def frame(self, axes: ThreeDAxes, mesh: SurfaceMesh, a_range, b_range, z_range, names: tuple[str, str],
              theta: float) -> tuple[VGroup, VGroup, ColorBar]:
        """Axis lines along the floor's edges nearest a camera at azimuth ``theta`` (degrees), the loss
        axis at the corner where they meet the far edge on the left, their names, and the colour bar
        (log scale: the heights are log10 of the loss)."""
        (a_lo, a_hi), (b_lo, b_hi), (z_lo, z_hi) = a_range, b_range, z_range
        t = theta * DEGREES
        a_near = a_hi if np.cos(t) > 0 else a_lo
        b_near = b_lo if np.sin(t) < 0 else b_hi
        a_far = a_lo + a_hi - a_near

        def line(p, q) -> Line:
            return Line(*xyz_to_scene(axes, np.array([p, q], dtype=float)), stroke_color=THEME.muted,
                        stroke_width=2)

        x_axis = line([a_lo, b_near, z_lo], [a_hi, b_near, z_lo])
        y_axis = line([a_near, b_lo, z_lo], [a_near, b_hi, z_lo])
        z_axis = line([a_far, b_near, z_lo], [a_far, b_near, z_hi])
        lines = VGroup(x_axis, y_axis, z_axis)
        labels = surface_axis_labels(SimpleNamespace(x_axis=x_axis, y_axis=y_axis, z_axis=z_axis), *names,
                                     "loss (log)")
        # The plane's names beside the middle of their edges, outside the floor (the ends meet other axes).
        out_b = (-1 if b_near == b_lo else 1) * 0.14 * (b_hi - b_lo)
        out_a = (1 if a_near == a_hi else -1) * 0.14 * (a_hi - a_lo)
        labels[0].move_to(xyz_to_scene(axes, np.array([(a_lo + a_hi) / 2, b_near + out_b, z_lo])))
        labels[1].move_to(xyz_to_scene(axes, np.array([a_near + out_a, (b_lo + b_hi) / 2, z_lo])))
        c_lo, c_hi = mesh.color_range
        bar = ColorBar(10.0**c_lo, 10.0**c_hi, title="loss (log scale)", height=3.0, log=True)
        bar.to_edge(RIGHT, buff=0.4).set_y((self.titles.bottom() + self.caption.top()) / 2)
        return lines, labels, bar

    def fit_camera(self, mesh: SurfaceMesh, lines: VGroup, labels: VGroup, bar: ColorBar, thetas) -> None:
        """Camera at ``thetas[0]`` with the zoom and height that keep the surface, its axes and their names
        between the title and the caption, left of the colour bar, for every azimuth in ``thetas`` (degrees)."""
        phi = self.p["phi"] * DEGREES
        pts = np.vstack([mesh.quads.reshape(-1, 3), *[ln.get_start_and_end() for ln in lines],
                         *[m.get_center()[None] for m in labels]])
        views = []
        for th in thetas:
            q = pts @ camera_rotation(phi, th * DEGREES).T
            factor = np.where(q[:, 2] < 0, 20.0 / (20.0 - q[:, 2]), np.exp(q[:, 2] / 20.0))   # manim's projection
            views.append(q[:, :2] * factor[:, None])
        xy = np.vstack(views)
        lo, hi = xy.min(0), xy.max(0)
        top, bottom = self.titles.bottom() - 0.45, self.caption.top() + 0.3
        width = 2 * (bar.get_left()[0] - 0.9)        # the names reach past the lines' ends
        zoom = min(1.0, (top - bottom) / (hi[1] - lo[1]), width / (hi[0] - lo[0]))
        # A shift along the vertical scene axis is the same screen shift whatever the azimuth.
        dy = (top + bottom) / 2 - zoom * (lo[1] + hi[1]) / 2
        self.set_camera_orientation(phi=phi, theta=thetas[0] * DEGREES, zoom=zoom,
                                    frame_center=list(-dy / (zoom * np.sin(phi)) * OUT))

    def fade_mesh(self, mesh: SurfaceMesh, fade_in: bool, *others, run_time: float = 1.0) -> None:
        """Fade the mesh's faces (in to opacity 0.9, or out) and the movers on it, by setting their
        opacities in place (FadeIn/FadeOut would deep-copy hundreds of faces), together with the
        animations ``others``.  Movers fade with the mesh because they are its submobjects: fading them
        on their own would make manim split the mesh into loose faces."""
        movers: list[Mobject] = [m for mover in mesh.movers for m in mover.family_members_with_points()]
        # Opacities at full visibility: 0.9 for the faces, the movers' own.
        full = [(0.9, 0.0) for _ in mesh.faces] + [(m.get_fill_opacity(), m.get_stroke_opacity()) for m in movers]
        leaves: list[Mobject] = [*mesh.faces, *movers]

        def set_alpha(_m, a: float) -> None:
            k = a if fade_in else 1.0 - a
            for m, (fo, so) in zip(leaves, full, strict=True):
                m.set_fill(opacity=fo * k)
                if so > 0:
                    m.set_stroke(opacity=so * k)

        set_alpha(None, 0.0)
        # The faces change every frame: redraw every top-level mobject, as while sorting.
        sorting, self.sorting = self.sorting, True
        self.play(UpdateFromAlphaFunc(VMobject(), set_alpha), *others, run_time=run_time)
        self.sorting = sorting

    def show_mesh(self, mesh: SurfaceMesh, lines: VGroup, labels: VGroup, bar: ColorBar) -> None:
        camera = self.cam
        mesh.sort(camera.get_rotation_matrix())
        self.add(lines, mesh)                 # the floor's edges first: the surface is always nearer
        camera.add_fixed_orientation_mobjects(*labels)
        self.add_fixed_in_frame_mobjects(bar)
        self.fade_mesh(mesh, True, Create(lines), FadeIn(labels), FadeIn(bar), run_time=1.2)

    def start_sorting(self, mesh: SurfaceMesh, before=None) -> None:
        """Re-sort the mesh every frame (the camera is about to turn, or movers move), after calling
        ``before()`` (which moves the movers).

        Manim flattens the draw list once at the start of each ``play`` (``self.moving_mobjects``), so
        a new order of the mesh's faces would not be drawn; while sorting, every mobject is moving and
        the list is rebuilt here, from the top-level mobjects, after each sort.
        """
        camera = self.cam

        def resort(_m: Mobject) -> None:
            if before is not None:
                before()
            mesh.sort(camera.get_rotation_matrix())
            if getattr(self, "moving_mobjects", None):
                self.moving_mobjects = extract_mobject_family_members(
                    list_update(self.mobjects, self.foreground_mobjects), use_z_index=camera.use_z_index)

        mesh.add_updater(resort)
        self.sorting = True

    def stop_sorting(self, mesh: SurfaceMesh) -> None:
        mesh.clear_updaters()
        mesh.sort(self.cam.get_rotation_matrix())
        self.sorting = False

    def visible_sweep(self, mesh: SurfaceMesh, points: np.ndarray, sweep: float) -> np.ndarray:
        """Six azimuths (degrees) of a ``sweep``-degree turn, starting as near ``theta`` as possible,
        from all of which no face of the mesh hides any of ``points`` (scene coordinates)."""
        phi, theta = self.p["phi"] * DEGREES, self.p["theta"]
        for k in sorted(range(-18, 18), key=abs):
            thetas = np.linspace(theta + 10 * k, theta + 10 * k + sweep, 6)
            if not any(mesh.occluded(points, camera_rotation(phi, t * DEGREES)).any() for t in thetas):
                return thetas
        return np.linspace(theta, theta + sweep, 6)     # hidden from everywhere: the parameter's view

    def centre_dot(self, axes: ThreeDAxes, height: float) -> VGroup:
        """The trained weights: a light dot ringed in the background colour, at the centre of the plane."""
        at = xyz_to_scene(axes, np.array([0.0, 0.0, height]))
        return VGroup(Dot(at, radius=0.13, color=THEME.background), Dot(at, radius=0.09, color=THEME.text))

    # ------------------------------------------------------------ storyboard
    def random_plane(self) -> None:
        p = self.p
        self.set_title("The loss around a trained network")
        d1 = filter_normalized_direction(self.net, seed=p["seed"] + 1)
        d2 = filter_normalized_direction(self.net, seed=p["seed"] + 2)
        r = p["random_range"]
        grid = np.linspace(-r, r, p["resolution"] + 1)
        g = loss_surface(self.net, self.X, self.y, self.center, d1, d2, grid, grid, "cross_entropy")
        H = self.log_loss(g.Z)
        h_lo, h_hi = float(np.nanmin(H)), float(np.nanmax(H))
        axes, mesh = self.surface(grid, grid, H, h_lo, h_hi)
        # The trained network: the centre of the plane, at its loss.  The camera turns 30 degrees from
        # ``theta``, clockwise: with the defaults, turning the other way the basin's near rim hides the centre.
        centre = self.centre_dot(axes, float(self.log_loss(np.array(self.final_loss))))
        sweep = np.linspace(p["theta"], p["theta"] - 30, 6)
        lines, labels, bar = self.frame(axes, mesh, (-r, r), (-r, r), (h_lo, h_hi),
                                        ("random direction 1", "random direction 2"), float(sweep.mean()))
        self.cam.add_fixed_orientation_mobjects(*centre)
        mesh.add_movers(centre)
        # The surface first, so the captions below never stand on an empty frame.
        self.fit_camera(mesh, lines, labels, bar, sweep)
        self.show_mesh(mesh, lines, labels, bar)
        shape = " → ".join(map(str, self.net.sizes))
        diverged = " (it diverged; the last finite weights are used)" if self.status == "diverged" else ""
        self.caption.say(self, f"A {shape} network ({p['activation']}) trained on {self.data_name} with Adam, "
                               f"lr {fmt(p['lr'])}, {p['epochs']} epochs{diverged}.", 4)
        if self.standardized:
            self.caption.say(self, f"The network trained on a standardized copy of the {len(self.y)} points "
                                   f"(each input scaled to mean 0, spread 1).", 3.5)
        self.caption.say(self, f"Its cross-entropy on a plane through the trained weights (the white dot, loss "
                               f"{fmt(self.final_loss, 3)}), along two random directions.", 5)
        holes = " Gaps: the loss overflowed there." if mesh.hole else ""
        self.caption.say(self, f"Height and colour: the loss on a log scale, {fmt(10**h_lo, 2)} to "
                               f"{fmt(10**h_hi, 2)}, nothing cut off.{holes}", 4)
        self.start_sorting(mesh)
        self.move_camera(theta=sweep[-1] * DEGREES, run_time=4, rate_func=linear)
        self.stop_sorting(mesh)
        mark_figure(self, "random-plane")
        self.unsay()
        self.fade_mesh(mesh, False, FadeOut(lines), FadeOut(labels), FadeOut(bar))
        self.remove(mesh)
        self.cam.remove_fixed_orientation_mobjects(*labels, *centre)
        self.remove(bar)

    def pca_plane(self) -> None:
        p = self.p
        self.set_title("The path the optimizer took")
        plane = pca_directions(self.thetas, center=self.center)
        path = path_on_plane(self.net, self.X, self.y, self.thetas, self.center, plane.d1, plane.d2, "cross_entropy")
        a_lo, b_lo = path.coords.min(axis=0)
        a_hi, b_hi = path.coords.max(axis=0)
        pad = p["pca_padding"]
        span_a, span_b = a_hi - a_lo, b_hi - b_lo
        alphas = np.linspace(a_lo - pad * span_a, a_hi + pad * span_a, p["resolution"] + 1)
        betas = np.linspace(b_lo - pad * span_b, b_hi + pad * span_b, p["resolution"] + 1)
        g = loss_surface(self.net, self.X, self.y, self.center, plane.d1, plane.d2, alphas, betas, "cross_entropy")
        H = self.log_loss(g.Z)
        h_true, h_plane = self.log_loss(path.true_loss), self.log_loss(path.plane_loss)
        h_lo = float(np.nanmin([np.nanmin(H), np.nanmin(h_true), np.nanmin(h_plane)]))
        h_hi = float(np.nanmax([np.nanmax(H), np.nanmax(h_true), np.nanmax(h_plane)]))
        axes, mesh = self.surface(alphas, betas, H, h_lo, h_hi)
        ev = plane.explained
        drift = self.TURN_RATE * p["path_seconds"]
        # Checkpoints at their TRUE loss, a thin drop line to the plane's loss beneath each (NaN: not drawn).
        h_true_d = np.where(np.isfinite(h_true), h_true, h_hi)
        h_plane_d = np.where(np.isfinite(h_plane), h_plane, h_hi)
        true_pts = xyz_to_scene(axes, np.column_stack([path.coords, h_true_d]))
        plane_pts = xyz_to_scene(axes, np.column_stack([path.coords, h_plane_d]))
        centre = self.centre_dot(axes, float(self.log_loss(np.array(self.final_loss))))
        sweep = self.visible_sweep(mesh, true_pts, drift)        # the path seen all along the turn
        lines, labels, bar = self.frame(axes, mesh, (alphas[0], alphas[-1]), (betas[0], betas[-1]), (h_lo, h_hi),
                                        (f"PC1, {ev[0]:.0%}", f"PC2, {ev[1]:.0%}"), float(sweep.mean()))
        self.cam.add_fixed_orientation_mobjects(*centre)
        mesh.add_movers(centre)
        self.fit_camera(mesh, lines, labels, bar, sweep)
        self.show_mesh(mesh, lines, labels, bar)
        self.caption.say(self, f"PC1 and PC2: the two main directions of the path ({ev[0]:.0%} and {ev[1]:.0%} of "
                               "its spread). White dot: the trained weights.", 5)
        k = ValueTracker(0.0)
        color = THEME.OPTIMIZER["Adam"]           # the network was trained with Adam
        # One piece per step between checkpoints, so the painter's sort can hide exactly the hidden parts.
        pieces = [VMobject(stroke_color=color, stroke_width=4) for _ in range(len(true_pts) - 1)]
        head = Dot(radius=0.09, color=color)
        drops = [Line(a, b, stroke_color=THEME.text, stroke_width=2) for a, b in zip(true_pts, plane_pts, strict=True)]
        shown = [-1]                              # the last checkpoint whose piece and drop are drawn

        def follow(_) -> None:
            s = k.get_value()
            i = min(int(s), len(true_pts) - 1)
            w = s - i
            here = true_pts[i] if i + 1 >= len(true_pts) else (1 - w) * true_pts[i] + w * true_pts[i + 1]
            head.move_to(here)
            if i < len(pieces):
                pieces[i].set_points_as_corners([true_pts[i], here])
                pieces[i].set_stroke(opacity=1.0)
            # Only what changed since the last frame: finished pieces and their drops.
            for j in range(shown[0] + 1, i + 1):
                if j > 0:
                    pieces[j - 1].set_points_as_corners([true_pts[j - 1], true_pts[j]]).set_stroke(opacity=1.0)
                drops[j].set_stroke(opacity=0.8)
            shown[0] = max(shown[0], i)

        for piece in pieces:
            piece.set_points_as_corners([true_pts[0], true_pts[0]]).set_stroke(opacity=0.0)
        for d in drops:
            d.set_stroke(opacity=0.0)
        mesh.add_movers(*drops, *pieces, head)
        follow(None)
        # How far a checkpoint is from the plane's loss under it, as a fraction of the surface's height.
        gap = float(np.nanmax(np.abs(h_true_d - h_plane_d))) / max(h_hi - h_lo, 1e-12)
        if gap < 0.08:
            self.caption.say(self, f"Each checkpoint at its own loss: the path hugs this plane, which holds "
                                   f"{ev[0] + ev[1]:.0%} of its spread.", 4)
        else:
            self.caption.say(self, "Each checkpoint at its own loss; thin lines drop to the plane's loss "
                                   "beneath it.", 4)
        self.start_sorting(mesh, before=lambda: follow(None))
        self.begin_ambient_camera_rotation(rate=self.TURN_RATE * DEGREES)     # ``drift`` degrees in all
        self.play(k.animate.set_value(len(true_pts) - 1), run_time=p["path_seconds"], rate_func=linear)
        self.stop_ambient_camera_rotation()
        self.stop_sorting(mesh)
        self.wait(3)
        mark_figure(self, "pca-path")
        self.pca = (alphas, betas, g, plane, path)
        self.unsay()
        self.fade_mesh(mesh, False, *[FadeOut(m) for m in (lines, labels, bar)])
        self.remove(mesh)
        self.cam.remove_fixed_orientation_mobjects(*labels, *centre)
        self.remove(bar)

    def pca_contours(self) -> None:
        """The PCA plane from above: log-spaced contour levels, PC axes with explained variance, checkpoints."""
        self.set_title("From above: contours of the PCA plane")
        alphas, betas, g, plane, path = self.pca
        self.set_camera_orientation(phi=0.0, theta=-90 * DEGREES, gamma=0.0, zoom=1.0, frame_center=[0.0, 0.0, 0.0])
        top, bottom = self.titles.bottom(), self.caption.top()
        xr, yr = nice_range(alphas[0], alphas[-1], 4), nice_range(betas[0], betas[-1], 4)
        h = top - bottom - 1.3
        w = min(h * (xr[1] - xr[0]) / (yr[1] - yr[0]), 8.0)
        h = w * (yr[1] - yr[0]) / (xr[1] - xr[0])
        ev = plane.explained
        axes = PlotAxes(xr, yr, x_length=w, y_length=h, x_title=f"PC1, {ev[0]:.0%} of the path's variance",
                        y_title=f"PC2, {ev[1]:.0%}")
        axes.move_to(np.array([-0.8, (top + bottom) / 2 + 0.1, 0]))
        A, B = np.meshgrid(alphas, betas)
        finite = g.Z[np.isfinite(g.Z)]
        # Log-spaced levels over the whole plane (Li et al.): none is left out, so nothing is clipped.
        z_lo, z_hi = float(max(finite.min(), 1e-12)), float(finite.max())
        levels = np.geomspace(z_lo * (z_hi / z_lo) ** 0.02, z_hi * (z_lo / z_hi) ** 0.02, 12)
        contours = ContourMap(axes, A, B, g.Z, levels.tolist(), stroke_width=2.5)
        bar = ColorBar(float(levels[0]), float(levels[-1]), title="loss (log scale)", height=h * 0.8, log=True)
        bar.next_to(axes, RIGHT, buff=0.6)
        color = THEME.OPTIMIZER["Adam"]
        pts = path.coords
        line = polyline(axes, pts, color, stroke_width=2)
        dots = VGroup(*[Dot(axes.c2p(*xy), radius=0.045, color=color) for xy in pts])
        start_ring = Circle(radius=0.13, stroke_color=THEME.text, stroke_width=3).move_to(axes.c2p(*pts[0]))
        end_ring = Circle(radius=0.13, stroke_color=THEME.POSITIVE, stroke_width=3).move_to(axes.c2p(*pts[-1]))

        def away(i: int, j: int):
            d = np.asarray(axes.c2p(*pts[i])) - np.asarray(axes.c2p(*pts[j]))
            n = np.linalg.norm(d[:2])
            return d / n if n > 1e-9 else UP

        start_name = tick_text("start").next_to(start_ring, away(0, 1), buff=0.1)
        end_name = tick_text("trained", color=THEME.POSITIVE).next_to(end_ring, away(-1, -2), buff=0.1)
        self.play(FadeIn(axes), FadeIn(contours), FadeIn(bar))
        self.caption.say(self, f"The same plane from above: contour lines at log-spaced losses, PC1 and PC2 "
                               f"({ev[0]:.0%} and {ev[1]:.0%} of the path's spread).", 4.5)
        self.play(Create(line), FadeIn(dots, lag_ratio=0.1), run_time=2)
        self.play(FadeIn(start_ring), FadeIn(end_ring), FadeIn(start_name), FadeIn(end_name))
        t0, t1 = float(path.true_loss[0]), float(path.true_loss[-1])
        went = "down to" if t1 < t0 else "up to"
        self.caption.say(self, f"Dots: the {len(pts)} checkpoints, from loss {fmt(t0, 3)} at the start {went} "
                               f"{fmt(t1, 3)} at the trained weights.", 4.5)
        self.wait(2)
        mark_figure(self, "pca-contours")
        self.unsay()
        self.play(FadeOut(VGroup(axes, contours, bar, line, dots, start_ring, end_ring, start_name, end_name)))

    @staticmethod
    def epochs_of(hist) -> int:
        """Epochs a run finished (fewer than asked if it diverged)."""
        return len(hist.epoch_loss) - 1

    def flat_vs_sharp(self) -> None:
        """Small- and large-batch minima at the same training loss: the loss along each one's sharpest
        direction, and their sharpness."""
        p = self.p
        n = len(self.y)
        b0, b1 = min(p["flat_batch"], n), min(p["sharp_batch"], n)
        self.set_title(f"Flat or sharp: batch {b0} versus batch {b1}")
        # The first network trains for ``epochs``; the second until its training loss is as low (at most
        # MAX_EPOCHS epochs), so the two minima are compared at the same loss.
        net0 = MLP(self.net.sizes, activation=p["activation"], seed=p["seed"])
        h0 = train(net0, self.X, self.y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=b0,
                   loss="cross_entropy", seed=p["seed"])
        target = float(h0.epoch_loss[-1])
        net1 = MLP(self.net.sizes, activation=p["activation"], seed=p["seed"])
        h1, reached = train_until(net1, self.X, self.y, Adam(lr=p["lr"]), target, max(p["epochs"], self.MAX_EPOCHS),
                                  b1, "cross_entropy", seed=p["seed"])
        runs = []
        for b, net, hist in ((b0, net0, h0), (b1, net1, h1)):
            sl = sharpness_slice(net, self.X, self.y, loss="cross_entropy", half_width=p["slice_range"],
                                 iters=p["sharpness_iters"], seed=p["seed"])
            runs.append((b, hist, sl))
        self.flat_sharp = runs
        top, bottom = self.titles.bottom(), self.caption.top()
        y_hi = max(float(np.max(sl.loss[np.isfinite(sl.loss)])) for _, _, sl in runs)
        y_range = nice_range(0.0, y_hi, 3)
        panels = VGroup()
        parts: list[tuple[VMobject, VMobject, VMobject, VMobject, VMobject]] = []     # axes, curve, dot, head, dashed
        colors = (THEME.VARIANT["stochastic"], THEME.VARIANT["batch"])
        for (b, hist, sl), c in zip(runs, colors, strict=True):
            axes = PlotAxes(nice_range(sl.ts[0], sl.ts[-1], 4), y_range, x_length=4.4, y_length=top - bottom - 3.3,
                            x_title="step along its sharpest direction", y_title="training loss",
                            y_title_color=THEME.LOSS)
            ok = np.isfinite(sl.loss) & (sl.loss <= y_range[1])
            curve = polyline(axes, np.column_stack([sl.ts[ok], sl.loss[ok]]), c, stroke_width=3.5)
            l_mid = float(sl.loss[len(sl.loss) // 2])
            centre = Dot(axes.c2p(0.0, l_mid), radius=0.07, color=THEME.text)
            # The parabola with the sharpness as its curvature at the dot, where it stays inside the panel.
            par = sl.taylor(sl.ts)
            inside = (par >= y_range[0]) & (par <= y_range[1])
            parabola = DashedVMobject(polyline(axes, np.column_stack([sl.ts[inside], par[inside]]), THEME.muted,
                                               stroke_width=2), num_dashes=24)
            steps = hist.steps_per_epoch * self.epochs_of(hist)
            work = f"{self.epochs_of(hist)} epochs, {steps:,} updates  ·  loss {fmt(hist.epoch_loss[-1], 3)}"
            head = VGroup(label_text(f"batch {b}", color=c, weight="BOLD"), tick_text(work),
                          tick_text(f"sharpness {fmt(sl.sharpness, 3)}"))
            head.arrange(DOWN, buff=0.1)
            head.next_to(axes, UP, buff=0.3)
            parts.append((axes, curve, centre, head, parabola))
            panels.add(VGroup(axes, curve, centre, head, parabola))
        panels.arrange(RIGHT, buff=1.4, aligned_edge=DOWN).move_to(np.array([0, (top + bottom) / 2, 0]))
        self.caption.say(self, f"Two copies of the network from the same start, trained with batches of {b0} and "
                               f"{b1}.", 4)
        self.show_panel(parts[0])
        if reached:
            self.caption.say(self, f"Batch {b1} trained until its loss was as low: {fmt(h1.epoch_loss[-1], 3)} "
                                   f"against {fmt(target, 3)}.", 4)
        else:
            self.caption.say(self, f"Batch {b1} reached only loss {fmt(h1.epoch_loss[-1], 3)} in "
                                   f"{self.epochs_of(h1)} epochs, against {fmt(target, 3)}.", 4)
        self.show_panel(parts[1])
        self.caption.say(self, "Each curve: the loss along that network's sharpest direction. Sharpness: "
                               "its curvature at the dot, the Hessian's top eigenvalue.", 5)
        self.play(*[Create(part[4]) for part in parts], run_time=1.5)
        self.caption.say(self, "Dashed: the parabola with that curvature that touches the curve at its dot.", 4)
        l0, l1 = runs[0][2].sharpness, runs[1][2].sharpness
        self.caption.say(self, self.verdict(b0, b1, l0, l1, reached), 6)
        self.wait(self.caption.remaining(self))
        self.wait(2)
        mark_figure(self, "flat-vs-sharp")

    def show_panel(self, part: tuple[VMobject, ...]) -> None:
        """A panel's axes and head, then its curve and the dot at the trained weights."""
        axes, curve, centre, head = part[:4]
        self.play(FadeIn(axes), FadeIn(head))
        self.play(Create(curve), FadeIn(centre), run_time=1.5)

    #: At most this many epochs for the second network to reach the first one's training loss.
    MAX_EPOCHS = 400

    @staticmethod
    def verdict(b0: int, b1: int, l0: float, l1: float, same_loss: bool) -> str:
        """What the two sharpness numbers mean, in one sentence (derived from them, never typed in)."""
        where = "At the same training loss" if same_loss else "At different training losses"
        if min(l0, l1) <= 0:
            return (f"{where}, a sharpness is not positive ({fmt(l0, 3)}, {fmt(l1, 3)}): a weight is not at "
                    "a minimum, so flat and sharp cannot be compared here.")
        ratio = l1 / l0
        if 1 / 1.1 <= ratio <= 1.1:
            return f"{where}, the two minima are about as sharp ({fmt(l0, 3)} and {fmt(l1, 3)})."
        sharp, flat, r = (b1, b0, ratio) if ratio > 1 else (b0, b1, 1 / ratio)
        agree = ("as found for large batches (Keskar et al., 2017)" if sharp == max(b0, b1)
                 else "the opposite of what Keskar et al., 2017, found, for this network and data")
        return (f"{where}, the batch-{sharp} minimum is {r:.1f}x sharper than the batch-{flat} one. "
                f"A small step along its sharpest direction costs {r:.1f}x more loss, {agree}.")
