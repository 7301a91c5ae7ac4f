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
    LEFT,
    OUT,
    RIGHT,
    UP,
    Circle,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    Line,
    Mobject,
    Rectangle,
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
    loss_rise,
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
from scenes.kit.text import Caption, hold_time
from scenes.params import scene_data


class LossLandscape(StoryThreeDScene):
    """A trained network's loss on a random plane, then on the PCA plane with its real path."""

    params_key = "loss_landscape"
    #: True while a mesh re-sorts its faces every frame (the camera turns): then every top-level
    #: mobject is redrawn each frame; otherwise manim keeps the still parts in its static background.
    sorting = False

    def construct(self) -> None:
        self.train_network()
        self.landscapes()
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

    def landscapes(self) -> None:
        """The loss on the random plane and on the PCA plane (its grid spans round axis numbers, so the
        contour view's axes are exactly the computed area), and one log scale for every view."""
        p = self.p
        d1 = filter_normalized_direction(self.net, seed=p["seed"] + 1)
        d2 = filter_normalized_direction(self.net, seed=p["seed"] + 2)
        r = p["random_range"]
        grid = np.linspace(-r, r, p["resolution"] + 1)
        g = loss_surface(self.net, self.X, self.y, self.center, d1, d2, grid, grid, "cross_entropy")
        self.rand = SimpleNamespace(grid=grid, g=g)
        plane = pca_directions(self.thetas, center=self.center)
        path = path_on_plane(self.net, self.X, self.y, self.thetas, self.center, plane.d1, plane.d2, "cross_entropy")
        (a_lo, b_lo), (a_hi, b_hi) = path.coords.min(axis=0), path.coords.max(axis=0)
        pad = p["pca_padding"]
        span_a, span_b = a_hi - a_lo, b_hi - b_lo
        xr = nice_range(a_lo - pad * span_a, a_hi + pad * span_a, 4)
        yr = nice_range(b_lo - pad * span_b, b_hi + pad * span_b, 4)
        alphas = np.linspace(xr[0], xr[1], p["resolution"] + 1)
        betas = np.linspace(yr[0], yr[1], p["resolution"] + 1)
        gp = loss_surface(self.net, self.X, self.y, self.center, plane.d1, plane.d2, alphas, betas, "cross_entropy")
        self.pca = SimpleNamespace(alphas=alphas, betas=betas, g=gp, plane=plane, path=path, xr=xr, yr=yr)
        logs = np.concatenate([self.log_loss(a).ravel() for a in (g.Z, gp.Z, path.true_loss, path.plane_loss)])
        #: log10 of the lowest and highest loss of all views: their heights and colours share this scale.
        self.h_range = (float(np.nanmin(logs)), float(np.nanmax(logs)))

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

    def surface(self, alphas, betas, H) -> tuple[ThreeDAxes, SurfaceMesh]:
        """Axes and mesh for log heights ``H`` (NaN: a hole) on the shared scale ``h_range``; nothing is clipped."""
        h_lo, h_hi = self.h_range
        axes = ThreeDAxes(x_range=[alphas[0], alphas[-1], 1], y_range=[betas[0], betas[-1], 1],
                          z_range=[h_lo, h_hi, (h_hi - h_lo) / 2], x_length=6.0, y_length=6.0, z_length=2.6,
                          axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False})
        A, B = np.meshgrid(alphas, betas)      # (the axes only map coordinates; they are never drawn)
        mesh = SurfaceMesh(axes, A, B, H, opacity=0.9, color_range=self.h_range)
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
        names3 = surface_axis_labels(SimpleNamespace(x_axis=x_axis, y_axis=y_axis, z_axis=z_axis), *names,
                                     "loss (log)")
        # The plane's names beside the middle of their edges, outside the floor (the ends meet other axes);
        # the loss axis' name above its top.
        out_b = (-1 if b_near == b_lo else 1) * 0.36 * (b_hi - b_lo)
        out_a = (1 if a_near == a_hi else -1) * 0.36 * (a_hi - a_lo)
        names3[0].move_to(xyz_to_scene(axes, np.array([(a_lo + a_hi) / 2, b_near + out_b, z_lo])))
        names3[1].move_to(xyz_to_scene(axes, np.array([a_near + out_a, (b_lo + b_hi) / 2, z_lo])))
        names3[2].move_to(xyz_to_scene(axes, np.array([a_far, b_near, z_hi + 0.12 * (z_hi - z_lo)])))
        # Each floor axis' scale: two round values inside it, just outside the edge (not at the corners,
        # where two axes' numbers would meet, nor at the middle, where the name stands).
        ticks = []
        for a in self.inner_ticks(a_lo, a_hi):
            ticks.append(tick_text(fmt(a, 3)).move_to(xyz_to_scene(axes, np.array([a, b_near + out_b / 4.5, z_lo]))))
        for b in self.inner_ticks(b_lo, b_hi):
            ticks.append(tick_text(fmt(b, 3)).move_to(xyz_to_scene(axes, np.array([a_near + out_a / 4.5, b, z_lo]))))
        # On boxes of the background colour: no edge of the surface runs through a name.
        labels = VGroup(*[self.backed(m) for m in (*names3, *ticks)])
        bar = ColorBar(10.0**self.h_range[0], 10.0**self.h_range[1], title="loss (log scale)", height=3.0, log=True)
        bar.to_edge(RIGHT, buff=0.4).set_y((self.titles.bottom() + self.caption.top()) / 2)
        return lines, labels, bar

    @staticmethod
    def inner_ticks(lo: float, hi: float) -> list[float]:
        """Up to two round values between ``lo`` and ``hi``, away from the ends and the middle (by an eighth
        of the span), the ones nearest the quarter points."""
        step = nice_range(lo, hi, 6)[2]
        span, mid = hi - lo, (lo + hi) / 2
        values = [k * step for k in range(int(np.ceil(lo / step)), int(np.floor(hi / step)) + 1)]
        values = [v for v in values if min(v - lo, hi - v) > span / 8 and abs(v - mid) > span / 8]
        picks = {min(values, key=lambda v: abs(v - q)) for q in (lo + span / 4, hi - span / 4)} if values else set()
        return sorted(picks)

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
        grid, g = self.rand.grid, self.rand.g
        r = p["random_range"]
        axes, mesh = self.surface(grid, grid, self.log_loss(g.Z))
        # The trained network: the centre of the plane, at its loss.  The camera turns 30 degrees from
        # ``theta``, clockwise: with the defaults, turning the other way the basin's near rim hides the centre.
        centre = self.centre_dot(axes, float(self.log_loss(np.array(self.final_loss))))
        sweep = np.linspace(p["theta"], p["theta"] - 30, 6)
        lines, labels, bar = self.frame(axes, mesh, (-r, r), (-r, r), self.h_range,
                                        ("direction 1", "direction 2"), float(sweep.mean()))
        self.cam.add_fixed_orientation_mobjects(*centre)
        mesh.add_movers(centre)
        # The surface first, so the captions below never stand on an empty frame.
        self.fit_camera(mesh, lines, labels, bar, sweep)
        self.show_mesh(mesh, lines, labels, bar)
        shape = " → ".join(map(str, self.net.sizes))
        diverged = " (it diverged; the last finite weights are used)" if self.status == "diverged" else ""
        captions = [(f"A {shape} network ({p['activation']}) trained on {self.data_name} with Adam, "
                     f"lr {fmt(p['lr'])}, {p['epochs']} epochs{diverged}.", 4.0)]
        if self.standardized:
            captions.append((f"The network trained on a standardized copy of the {len(self.y)} points "
                             f"(each input scaled to mean 0, spread 1).", 3.5))
        captions.append((f"Its cross-entropy on a plane through the trained weights (white dot, loss "
                         f"{fmt(self.final_loss, 3)}), along two random directions.", 5.0))
        length = "their own length" if r == 1 else f"{fmt(r)} times their length"
        captions.append((f"Both are filter-normalized (Li et al., 2018): a step of {fmt(r)} moves each neuron's "
                         f"weights by {length}.", 4.0))
        holes = " Gaps: the loss overflowed there." if mesh.hole else ""
        h_lo, h_hi = self.h_range
        captions.append((f"Height and colour: the loss on a log scale, {fmt(10**h_lo, 2)} to {fmt(10**h_hi, 2)}, "
                         f"the same in every view; nothing cut off.{holes}", 4.0))
        # The camera turns its 30 degrees while the captions are read (their reading times and fades).
        reading = sum(max(hold_time(t), d) + Caption.FADE_IN + Caption.FADE_OUT for t, d in captions)
        self.start_sorting(mesh)
        self.begin_ambient_camera_rotation(rate=(sweep[-1] - sweep[0]) * DEGREES / reading)
        for text, duration in captions:
            self.caption.say(self, text, duration)
        self.wait(self.caption.remaining(self))
        self.stop_ambient_camera_rotation()
        self.stop_sorting(mesh)
        mark_figure(self, "random-plane")
        self.unsay()
        self.fade_mesh(mesh, False, FadeOut(lines), FadeOut(labels), FadeOut(bar))
        self.remove(mesh)
        self.cam.remove_fixed_orientation_mobjects(*labels, *centre)
        self.remove(bar)

    def start_marker(self, at: np.ndarray, toward: np.ndarray) -> VGroup:
        """The start of the path: a ring in the text colour and "start" beside it, away from ``toward``
        (both in the same coordinates as ``at``: the next checkpoint's place)."""
        ring = Circle(radius=0.13, stroke_color=THEME.text, stroke_width=3).move_to(at)
        d = np.asarray(at, dtype=float) - np.asarray(toward, dtype=float)
        d[2] = 0.0
        n = float(np.linalg.norm(d))
        name = self.backed(tick_text("start")).next_to(ring, d / n if n > 1e-9 else UP, buff=0.12)
        return VGroup(ring, name)

    def pca_plane(self) -> None:
        p = self.p
        self.set_title("The path the optimizer took")
        pc = self.pca
        alphas, betas, plane, path = pc.alphas, pc.betas, pc.plane, pc.path
        h_lo, h_hi = self.h_range
        axes, mesh = self.surface(alphas, betas, self.log_loss(pc.g.Z))
        h_true, h_plane = self.log_loss(path.true_loss), self.log_loss(path.plane_loss)
        ev = plane.explained
        drift = self.TURN_RATE * p["path_seconds"]
        # Checkpoints at their TRUE loss, a thin drop line to the plane's loss beneath each (NaN: not drawn).
        h_true_d = np.where(np.isfinite(h_true), h_true, h_hi)
        h_plane_d = np.where(np.isfinite(h_plane), h_plane, h_hi)
        true_pts = xyz_to_scene(axes, np.column_stack([path.coords, h_true_d]))
        plane_pts = xyz_to_scene(axes, np.column_stack([path.coords, h_plane_d]))
        centre = self.centre_dot(axes, float(self.log_loss(np.array(self.final_loss))))
        sweep = self.visible_sweep(mesh, true_pts, drift)        # the path seen all along the turn
        lines, labels, bar = self.frame(axes, mesh, (alphas[0], alphas[-1]), (betas[0], betas[-1]), self.h_range,
                                        (f"PC1, {ev[0]:.0%}", f"PC2, {ev[1]:.0%}"), float(sweep.mean()))
        self.cam.add_fixed_orientation_mobjects(*centre)
        mesh.add_movers(centre)
        self.fit_camera(mesh, lines, labels, bar, sweep)
        self.show_mesh(mesh, lines, labels, bar)
        # The start, as in the contour view: a ring and its name, above the first checkpoint.
        start = self.start_marker(true_pts[0], true_pts[0] - OUT)
        self.cam.add_fixed_orientation_mobjects(*start)
        self.caption.say(self, f"PC1 and PC2, the path's two main directions, hold {ev[0]:.0%} and {ev[1]:.0%} of "
                               "its spread; white dot: the trained weights.", 5)
        k = ValueTracker(0.0)
        color = THEME.OPTIMIZER["Adam"]           # the network was trained with Adam
        # One piece per step between checkpoints, so the painter's sort can hide exactly the hidden parts.
        pieces = [VMobject(stroke_color=color, stroke_width=5) for _ in range(len(true_pts) - 1)]
        head = Dot(radius=0.1, color=color)
        drops = [Line(a, b, stroke_color=THEME.text, stroke_width=2) for a, b in zip(true_pts, plane_pts, strict=True)]
        dots = [Dot(q, radius=0.07, color=color) for q in true_pts]     # the checkpoints, as in the contour view
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
            # Only what changed since the last frame: finished pieces, their drops and checkpoints.
            for j in range(shown[0] + 1, i + 1):
                if j > 0:
                    pieces[j - 1].set_points_as_corners([true_pts[j - 1], true_pts[j]]).set_stroke(opacity=1.0)
                drops[j].set_stroke(opacity=0.8)
                dots[j].set_fill(opacity=1.0)
            shown[0] = max(shown[0], i)

        for piece in pieces:
            piece.set_points_as_corners([true_pts[0], true_pts[0]]).set_stroke(opacity=0.0)
        for d in drops:
            d.set_stroke(opacity=0.0)
        for dot in dots:
            dot.set_fill(opacity=0.0)
        mesh.add_movers(*drops, *pieces, *dots, head)
        follow(None)
        self.play(FadeIn(start))
        # The path is drawn in two halves with the camera turning; the second caption comes between them.
        self.start_sorting(mesh, before=lambda: follow(None))
        self.begin_ambient_camera_rotation(rate=self.TURN_RATE * DEGREES)     # about ``drift`` degrees in all
        half = (len(true_pts) - 1) / 2
        self.play(k.animate.set_value(half), run_time=p["path_seconds"] / 2, rate_func=linear)
        # How far a checkpoint is from the plane's loss under it, as a fraction of the surface's height.
        gap = float(np.nanmax(np.abs(h_true_d - h_plane_d))) / max(h_hi - h_lo, 1e-12)
        if gap < 0.08:
            self.caption.say(self, f"Each checkpoint at its own loss: the path hugs this plane, which holds "
                                   f"{ev[0] + ev[1]:.0%} of its spread.", 4)
        else:
            self.caption.say(self, "Each checkpoint at its own loss; thin lines drop to the plane's loss "
                                   "beneath it.", 4)
        self.play(k.animate.set_value(len(true_pts) - 1), run_time=p["path_seconds"] / 2, rate_func=linear)
        self.stop_ambient_camera_rotation()
        self.stop_sorting(mesh)
        head.set_fill(opacity=0.0)            # arrived: the white dot of the trained weights shows again
        self.wait(self.caption.remaining(self))
        mark_figure(self, "pca-path")
        self.unsay()
        self.fade_mesh(mesh, False, *[FadeOut(m) for m in (lines, labels, bar, start)])
        self.remove(mesh)
        self.cam.remove_fixed_orientation_mobjects(*labels, *centre, *start)
        self.remove(bar)

    def pca_contours(self) -> None:
        """The PCA plane from above: log-spaced contour levels, PC axes with explained variance, checkpoints."""
        self.set_title("From above: contours of the PCA plane")
        pc = self.pca
        alphas, betas, g, plane, path = pc.alphas, pc.betas, pc.g, pc.plane, pc.path
        self.set_camera_orientation(phi=0.0, theta=-90 * DEGREES, gamma=0.0, zoom=1.0, frame_center=[0.0, 0.0, 0.0])
        top, bottom = self.titles.bottom(), self.caption.top()
        xr, yr = pc.xr, pc.yr               # the grid spans exactly these: no axis area without contours
        h = top - bottom - 1.3
        w = min(h * (xr[1] - xr[0]) / (yr[1] - yr[0]), 9.0)
        h = w * (yr[1] - yr[0]) / (xr[1] - xr[0])
        ev = plane.explained
        axes = PlotAxes(xr, yr, x_length=w, y_length=h, x_title=f"PC1, {ev[0]:.0%} of the path's variance",
                        y_title=f"PC2, {ev[1]:.0%}")
        axes.move_to(np.array([-1.1, (top + bottom) / 2 + 0.1, 0]))
        A, B = np.meshgrid(alphas, betas)
        # Log-spaced levels over the scale all views share (Li et al.), so a colour is the same loss as in
        # the 3-D views and on the bar; levels outside this plane's losses draw nothing.
        h_lo, h_hi = self.h_range
        levels = 10.0 ** np.linspace(h_lo, h_hi, 14)
        contours = ContourMap(axes, A, B, g.Z, levels.tolist(), stroke_width=2.5)
        bar = ColorBar(10.0**h_lo, 10.0**h_hi, title="loss (log scale)", height=h * 0.8, log=True)
        bar.next_to(axes, RIGHT, buff=0.6)
        color = THEME.OPTIMIZER["Adam"]
        pts = path.coords
        line = polyline(axes, pts, color, stroke_width=2)
        dots = VGroup(*[Dot(axes.c2p(*xy), radius=0.05, color=color) for xy in pts])
        start = self.start_marker(np.asarray(axes.c2p(*pts[0])), np.asarray(axes.c2p(*pts[1])))
        at = axes.c2p(*pts[-1])
        end = VGroup(Dot(at, radius=0.13, color=THEME.background), Dot(at, radius=0.09, color=THEME.text))
        # "trained weights" ahead of the path's last step, away from the path.
        ahead = np.asarray(axes.c2p(*pts[-1])) - np.asarray(axes.c2p(*pts[-2]))
        n = float(np.linalg.norm(ahead[:2]))
        end_name = self.backed(tick_text("trained weights")).next_to(end, ahead / n if n > 1e-9 else DOWN, buff=0.1)
        self.play(FadeIn(axes), FadeIn(contours), FadeIn(bar))
        self.caption.say(self, f"The same plane from above: contour lines at log-spaced losses, PC1 and PC2 "
                               f"({ev[0]:.0%} and {ev[1]:.0%} of the path's spread).", 4.5)
        self.play(Create(line), FadeIn(dots, lag_ratio=0.1), run_time=2)
        self.play(FadeIn(start), FadeIn(end), FadeIn(end_name))
        t0, t1 = float(path.true_loss[0]), float(path.true_loss[-1])
        went = "down to" if t1 < t0 else "up to"
        self.caption.say(self, f"Dots: the {len(pts)} checkpoints, from loss {fmt(t0, 3)} at the start {went} "
                               f"{fmt(t1, 3)} at the trained weights.", 4.5)
        mark_figure(self, "pca-contours")
        lowest = VGroup()
        lower = self.lower_words(g, pts, t1)
        if lower:
            # The plane's lowest computed point: a cross in the text colour, named with its loss.
            text, (a, b), z_min = lower
            at = np.asarray(axes.c2p(a, b))
            cross = VGroup(Line(at + 0.1 * (UP + LEFT), at + 0.1 * (DOWN + RIGHT)),
                           Line(at + 0.1 * (UP + RIGHT), at + 0.1 * (DOWN + LEFT))).set_stroke(THEME.text, 3)
            name = self.backed(tick_text(f"lowest, {fmt(z_min, 2)}")).next_to(cross, UP, buff=0.1)
            lowest = VGroup(cross, name)
            self.caption.say(self, text)
            self.play(FadeIn(lowest))
        self.wait(self.caption.remaining(self))
        self.unsay()
        self.play(FadeOut(VGroup(axes, contours, bar, line, dots, start, end, end_name, lowest)))

    def lower_words(self, g, pts: np.ndarray, final: float) -> tuple[str, tuple[float, float], float] | None:
        """Where the plane is lower than the trained weights (a tenth lower at least): why training stopped
        there.  Past them when the lowest point lies ahead along the path's last step."""
        Z = np.where(np.isfinite(g.Z), g.Z, np.inf)
        j, i = np.unravel_index(int(np.argmin(Z)), Z.shape)
        z_min = float(Z[j, i])
        if not z_min < 0.9 * final:
            return None
        ahead = float(np.dot([g.alphas[i], g.betas[j]], pts[-1] - pts[-2])) > 0
        where = "past the trained weights" if ahead else "away from the trained weights"
        return (f"This plane dips to loss {fmt(z_min, 2)} {where}: training stopped after {self.p['epochs']} "
                f"epochs, before the lowest point.", (float(g.alphas[i]), float(g.betas[j])), z_min)

    @staticmethod
    def epochs_of(hist) -> int:
        """Epochs a run finished (fewer than asked if it diverged)."""
        return len(hist.epoch_loss) - 1

    def flat_vs_sharp(self) -> None:
        """Small- and large-batch networks at the same training loss: the loss along each one's sharpest
        direction, its curvature at the trained weights, and the loss a step of delta either way adds."""
        p = self.p
        n = len(self.y)
        b0, b1 = min(p["flat_batch"], n), min(p["sharp_batch"], n)
        self.set_title(f"Flat or sharp: batch {b0} versus batch {b1}")
        # The first network trains for ``epochs``; the second until its training loss is as low (at most
        # MAX_EPOCHS epochs), so the two are compared at the same loss.
        net0 = MLP(self.net.sizes, activation=p["activation"], seed=p["seed"])
        h0 = train(net0, self.X, self.y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=b0,
                   loss="cross_entropy", seed=p["seed"])
        target = float(h0.epoch_loss[-1])
        net1 = MLP(self.net.sizes, activation=p["activation"], seed=p["seed"])
        h1, reached = train_until(net1, self.X, self.y, Adam(lr=p["lr"]), target, max(p["epochs"], self.MAX_EPOCHS),
                                  b1, "cross_entropy", seed=p["seed"])
        delta = p["slice_range"] / 2          # the step either way whose loss rise is shown
        colors = (THEME.VARIANT["stochastic"], THEME.VARIANT["batch"])
        runs = []
        for b, net, hist, c in ((b0, net0, h0, colors[0]), (b1, net1, h1, colors[1])):
            sl = sharpness_slice(net, self.X, self.y, loss="cross_entropy", half_width=p["slice_range"],
                                 iters=p["sharpness_iters"], seed=p["seed"])
            rise = loss_rise(net, self.X, self.y, sl.direction, delta, loss="cross_entropy")
            runs.append(SimpleNamespace(batch=b, hist=hist, sl=sl, rise=rise, color=c,
                                        norm=float(np.linalg.norm(net.flatten()))))
        self.flat_sharp = runs
        top, bottom = self.titles.bottom(), self.caption.top()
        y_hi = max(float(np.max(r.sl.loss[np.isfinite(r.sl.loss)])) for r in runs)
        y_range = nice_range(0.0, y_hi, 3)
        panels = VGroup()
        for run in runs:
            sl, c, hist = run.sl, run.color, run.hist
            axes = PlotAxes(nice_range(sl.ts[0], sl.ts[-1], 4), y_range, x_length=4.4, y_length=top - bottom - 3.3,
                            x_title="distance along its sharpest direction", y_title="training loss")
            ok = np.isfinite(sl.loss) & (sl.loss <= y_range[1])
            curve = polyline(axes, np.column_stack([sl.ts[ok], sl.loss[ok]]), c, stroke_width=3.5)
            l_mid = float(sl.loss[len(sl.loss) // 2])
            # The trained weights: the same light dot ringed in the background colour as in the 3-D views.
            at = axes.c2p(0.0, l_mid)
            centre = VGroup(Dot(at, radius=0.1, color=THEME.background), Dot(at, radius=0.07, color=THEME.text))
            # The parabola with the curvature and slope at the dot, where it stays inside the panel.
            par = sl.taylor(sl.ts)
            inside = (par >= y_range[0]) & (par <= y_range[1])
            parabola = DashedVMobject(polyline(axes, np.column_stack([sl.ts[inside], par[inside]]), THEME.muted,
                                               stroke_width=2), num_dashes=24)
            steps = hist.steps_per_epoch * self.epochs_of(hist)
            work = f"{self.epochs_of(hist)} epochs, {steps:,} updates  ·  loss {fmt(hist.epoch_loss[-1], 3)}"
            head = VGroup(label_text(f"batch {run.batch}", color=c, weight="BOLD"), tick_text(work),
                          tick_text(f"weight norm {fmt(run.norm, 3)}"))
            head.arrange(DOWN, buff=0.1)
            head.next_to(axes, UP, buff=0.3)
            # The curvature, in the run's colour, in the empty top middle of the plot (shown when explained).
            curv = label_text(f"curvature {fmt(sl.sharpness, 3)}", color=c)
            curv.move_to(axes.c2p(0.0, 0.88 * y_range[1]))
            run.mobs = SimpleNamespace(axes=axes, curve=curve, centre=centre, head=head, parabola=parabola, curv=curv,
                                       l_mid=l_mid)
            panels.add(VGroup(axes, curve, centre, head, parabola, curv))
        panels.arrange(RIGHT, buff=1.4, aligned_edge=DOWN).move_to(np.array([0, (top + bottom) / 2, 0]))
        self.caption.say(self, f"Two copies of the network from the same start, trained with Adam (lr {fmt(p['lr'])}) "
                               f"on batches of {b0} and {b1}.", 4)
        self.show_panel(runs[0].mobs)
        if reached:
            self.caption.say(self, f"Batch {b1} trained until its loss was as low: {fmt(h1.epoch_loss[-1], 3)} "
                                   f"against {fmt(target, 3)}.", 4)
        else:
            self.caption.say(self, f"Batch {b1} reached only loss {fmt(h1.epoch_loss[-1], 3)} in "
                                   f"{self.epochs_of(h1)} epochs, against {fmt(target, 3)}.", 4)
        self.show_panel(runs[1].mobs)
        self.caption.say(self, "Each curve: the loss along that network's sharpest direction in weight space; "
                               "the dot: its trained weights.", 5)
        self.caption.say(self, "The curvature at the dot (the Hessian's top eigenvalue) measures how sharp the "
                               "loss is there.")
        self.play(*[FadeIn(r.mobs.curv, scale=1.2) for r in runs], run_time=1.0)
        self.caption.say(self, "Dashed: the parabola with that curvature and the slope at the dot.")
        self.play(*[Create(r.mobs.parabola) for r in runs], run_time=1.5)
        tilt = self.tilt_words(runs, delta)
        if tilt:
            self.caption.say(self, tilt)
        self.caption.say(self, self.norm_words(runs))
        self.play(*[Indicate(r.mobs.head[2], color=r.color, scale_factor=1.1) for r in runs], run_time=1.2)
        self.show_rises(runs, delta)
        for words in self.verdict(b0, b1, runs[0].sl.sharpness, runs[1].sl.sharpness, reached, delta,
                                  runs[0].rise, runs[1].rise):
            self.caption.say(self, words)
        mark_figure(self, "flat-vs-sharp")
        self.caption.say(self, "Flat regions are thought to generalize better to new data; this video measured "
                               "only the training loss.")
        self.wait(self.caption.remaining(self))

    def show_rises(self, runs, delta: float) -> None:
        """Markers slide from each dot a step ``delta`` either way along the curve; a bar at each end shows
        how much the loss rose (or fell) from the dot's, with its value."""
        s = ValueTracker(0.0)
        markers, bars, readouts = VGroup(), VGroup(), VGroup()
        for run in runs:
            axes, sl, l_mid = run.mobs.axes, run.sl, run.mobs.l_mid
            for sign, rise in zip((-1, 1), run.rise, strict=True):
                def place(m, axes=axes, sl=sl, sign=sign) -> None:
                    t = sign * s.get_value()
                    m.move_to(axes.c2p(t, float(np.interp(t, sl.ts, sl.loss))))

                m = Dot(radius=0.07, color=run.color)
                place(m)
                m.add_updater(place)
                markers.add(m)
                top_pt = axes.c2p(sign * delta, l_mid + rise)
                bars.add(Line(axes.c2p(sign * delta, l_mid), top_pt, stroke_color=run.color, stroke_width=3))
                sign_text = "+" if rise >= 0 else ""
                readouts.add(self.backed(tick_text(f"{sign_text}{fmt(rise, 2)}", color=run.color))
                             .next_to(top_pt, UP if rise >= 0 else DOWN, buff=0.15))
        d = fmt(delta)
        r0, r1 = runs[0].rise, runs[1].rise

        def signed(x: float) -> str:
            return ("+" if x >= 0 else "") + fmt(x, 2)

        self.caption.say(self, f"A step of {d} either way: batch {runs[0].batch}'s loss changes by {signed(r0[0])} "
                               f"and {signed(r0[1])}, batch {runs[1].batch}'s by {signed(r1[0])} and "
                               f"{signed(r1[1])}.")
        self.add(markers)
        self.play(s.animate.set_value(delta), run_time=2.0)
        for m in markers:
            m.clear_updaters()
        self.play(*[Create(b) for b in bars], FadeIn(readouts), run_time=1.0)

    @staticmethod
    def backed(mob: Mobject) -> VGroup:
        """``mob`` on a box of the background colour, so no line behind it runs through it."""
        box = Rectangle(width=mob.width + 0.12, height=mob.height + 0.1, stroke_width=0,
                        fill_color=THEME.background, fill_opacity=0.85).move_to(mob)
        return VGroup(box, mob)

    def show_panel(self, mobs) -> None:
        """A panel's axes and head, then its curve and the dot at the trained weights."""
        self.play(FadeIn(mobs.axes), FadeIn(mobs.head))
        self.play(Create(mobs.curve), FadeIn(mobs.centre), run_time=1.5)

    #: At most this many epochs for the second network to reach the first one's training loss.
    MAX_EPOCHS = 400

    @staticmethod
    def tilt_words(runs, delta: float) -> str:
        """Which runs' parabolas tilt visibly: the slope's part of the loss change at ``delta`` is at least
        a fifth of the curvature's part (the weights are not a minimum along that direction)."""
        tilted = [r for r in runs if abs(r.sl.slope) * delta >= 0.2 * 0.5 * abs(r.sl.sharpness) * delta**2]
        if not tilted:
            return ""
        names = " and ".join(f"batch {r.batch}'s" for r in tilted)
        slopes = " and ".join(fmt(r.sl.slope, 2) for r in tilted)
        what = "parabola tilts" if len(tilted) == 1 else "parabolas tilt"
        return (f"{names[0].upper()}{names[1:]} {what}: the loss still slopes at the dot ({slopes}), so those "
                f"weights are not a minimum.")

    @staticmethod
    def norm_words(runs) -> str:
        """The weight norms: a raw Hessian's curvature depends on the weights' scale (Dinh et al., 2017)."""
        a, b = runs[0].norm, runs[1].norm
        same = max(a, b) / min(a, b) <= 1.1
        how = "these are alike" if same else "these differ, so compare with care"
        return f"Curvature depends on the weights' scale (Dinh et al., 2017); {how}: norm {fmt(a, 3)} and {fmt(b, 3)}."

    @staticmethod
    def verdict(b0: int, b1: int, l0: float, l1: float, same_loss: bool, delta: float,
                rise0: tuple[float, float], rise1: tuple[float, float]) -> list[str]:
        """What the curvatures and the loss rises at +-delta mean, one caption each (derived from them,
        never typed in)."""
        where = "At the same training loss" if same_loss else "At different training losses"
        if min(l0, l1) <= 0:
            return [f"{where}, a curvature is not positive ({fmt(l0, 3)}, {fmt(l1, 3)}): those weights are not "
                    "at a minimum, so flat and sharp cannot be compared here."]
        ratio = l1 / l0
        sharp: int | None = None
        if 1 / 1.1 <= ratio <= 1.1:
            first = f"{where}, the two are about as curved at their trained weights: {fmt(l0, 3)} and {fmt(l1, 3)}."
        else:
            sharp, r = (b1, ratio) if ratio > 1 else (b0, 1 / ratio)
            first = (f"{where}, batch {sharp}'s weights curve {r:.1f}x more: {fmt(max(l0, l1), 3)} against "
                     f"{fmt(min(l0, l1), 3)}.")
        m0, m1 = sum(rise0) / 2, sum(rise1) / 2
        d = fmt(delta)
        if min(m0, m1) <= 0:
            return [first, f"A step of {d} either way changes the loss by {fmt(m0, 2)} (batch {b0}) and "
                           f"{fmt(m1, 2)} (batch {b1}) on average."]
        big, q = (b1, m1 / m0) if m1 > m0 else (b0, m0 / m1)
        if q <= 1.1:
            return [first, f"On average, a step of {d} either way raises both losses about as much: "
                           f"{fmt(m0, 2)} and {fmt(m1, 2)}."]
        second = (f"On average, a step of {d} either way raises batch {big}'s loss {q:.1f}x more: "
                  f"{fmt(max(m0, m1), 2)} against {fmt(min(m0, m1), 2)}.")
        if sharp not in (None, big):
            return [first, second, "So the curvature describes the loss only very near the dot."]
        if big == max(b0, b1):
            third = "The larger batch ended at sharper weights, as Keskar et al., 2017, found for large batches."
        else:
            third = "The smaller batch ended at sharper weights, the opposite of what Keskar et al., 2017, found."
        return [first, second, third]
