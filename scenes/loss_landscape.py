"""The loss landscape of a real network, and the path its optimizer took (Li et al. 2018).

The blog (seed 001) asks for "[PLOT LOSS PROJECTED TO 3D SPACE]".  An MLP is
trained on the 8x8 digits by :func:`gdcore.mlp.train`; its loss is evaluated
by batched forward passes on planes through the final weights
(:mod:`gdcore.landscape`): first along two filter-normalized random directions
(the basin's shape), then on the plane of the first two PCA directions of the
training trajectory, where the path can be drawn.  A projected checkpoint does
not have the plane's loss, so every checkpoint is drawn at its own true loss,
with a thin line down to the plane, and the largest gap is reported.

With ``data = "file.csv"`` (columns x1, x2, label) the network trains on the file's
points instead of ``dataset`` (a standardized copy when they are far from unit
scale, which the caption says).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import (
    DEGREES,
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

from gdcore.datasets import Standardizer, needs_standardizing
from gdcore.landscape import (
    filter_normalized_direction,
    loss_surface,
    path_on_plane,
    pca_directions,
)
from gdcore.mlp import MLP, train
from gdcore.optim import Adam
from scenes.kit import (
    THEME,
    ColorBar,
    StoryThreeDScene,
    SurfaceMesh,
    camera_rotation,
    fmt,
    mark_figure,
    surface_axis_labels,
    xyz_to_scene,
)
from scenes.params import scene_data


class LossLandscape(StoryThreeDScene):
    """A trained network's loss on a random plane, then on the PCA plane with its real path."""

    params_key = "loss_landscape"

    def construct(self) -> None:
        self.train_network()
        self.random_plane()
        self.pca_plane()

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
        self.thetas = np.array([self.net.flatten(s.params) for s in hist.snapshots])
        self.center = self.net.flatten()
        self.final_loss = self.net.loss(X, y, "cross_entropy")

    # ------------------------------------------------------------ helpers
    def surface(self, alphas, betas, Z, z_lo: float, z_hi: float) -> tuple[ThreeDAxes, SurfaceMesh]:
        axes = ThreeDAxes(x_range=[alphas[0], alphas[-1], 1], y_range=[betas[0], betas[-1], 1],
                          z_range=[z_lo, z_hi, (z_hi - z_lo) / 2], x_length=6.0, y_length=6.0, z_length=2.6,
                          axis_config={"stroke_color": THEME.muted, "stroke_width": 1, "include_ticks": False},
                          tips=False)
        A, B = np.meshgrid(alphas, betas)
        mesh = SurfaceMesh(axes, A, B, np.clip(Z, z_lo, z_hi), opacity=0.9)
        return axes, mesh

    def frame(self, axes: ThreeDAxes, mesh: SurfaceMesh, a_range, b_range, z_range, names: tuple[str, str],
              theta: float, clipped: bool) -> tuple[VGroup, VGroup, ColorBar]:
        """Axis lines along the floor's edges nearest a camera at azimuth ``theta`` (degrees), the loss
        axis at the corner where they meet the far edge on the left, their names, and the colour bar."""
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
        labels = surface_axis_labels(SimpleNamespace(x_axis=x_axis, y_axis=y_axis, z_axis=z_axis), *names, "loss")
        # The plane's names beside the middle of their edges, outside the floor (the ends meet other axes).
        out_b = (-1 if b_near == b_lo else 1) * 0.14 * (b_hi - b_lo)
        out_a = (1 if a_near == a_hi else -1) * 0.14 * (a_hi - a_lo)
        labels[0].move_to(xyz_to_scene(axes, np.array([(a_lo + a_hi) / 2, b_near + out_b, z_lo])))
        labels[1].move_to(xyz_to_scene(axes, np.array([a_near + out_a, (b_lo + b_hi) / 2, z_lo])))
        c_lo, c_hi = mesh.color_range
        bar = ColorBar(c_lo, c_hi, title="loss", height=3.0, clipped=clipped)
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
        top, bottom = self.titles.bottom() - 0.3, self.caption.top() + 0.3
        width = 2 * (bar.get_left()[0] - 0.9)        # the names reach past the lines' ends
        zoom = min(1.0, (top - bottom) / (hi[1] - lo[1]), width / (hi[0] - lo[0]))
        # A shift along the vertical scene axis is the same screen shift whatever the azimuth.
        dy = (top + bottom) / 2 - zoom * (lo[1] + hi[1]) / 2
        self.set_camera_orientation(phi=phi, theta=thetas[0] * DEGREES, zoom=zoom,
                                    frame_center=-dy / (zoom * np.sin(phi)) * OUT)

    def show_mesh(self, mesh: SurfaceMesh, lines: VGroup, labels: VGroup, bar: ColorBar) -> None:
        camera = self.renderer.camera
        mesh.sort(camera.get_rotation_matrix())
        self.add(lines, mesh)                 # the floor's edges first: the surface is always nearer
        camera.add_fixed_orientation_mobjects(*labels)
        self.add_fixed_in_frame_mobjects(bar)
        self.play(FadeIn(mesh), Create(lines), FadeIn(labels), FadeIn(bar), run_time=1.2)
        mesh.add_updater(lambda m: m.sort(camera.get_rotation_matrix()))

    # ------------------------------------------------------------ storyboard
    def random_plane(self) -> None:
        p = self.p
        self.set_title("The loss around a trained network")
        d1 = filter_normalized_direction(self.net, seed=p["seed"] + 1)
        d2 = filter_normalized_direction(self.net, seed=p["seed"] + 2)
        r = p["random_range"]
        grid = np.linspace(-r, r, p["resolution"] + 1)
        g = loss_surface(self.net, self.X, self.y, self.center, d1, d2, grid, grid, "cross_entropy")
        z_lo, z_hi = float(g.Z.min()), float(np.percentile(g.Z, 95))
        axes, mesh = self.surface(grid, grid, g.Z, z_lo, z_hi)
        lines, labels, bar = self.frame(axes, mesh, (-r, r), (-r, r), (z_lo, z_hi),
                                        ("α (direction 1)", "β (direction 2)"), p["theta"] + 25, clipped=True)
        # The trained network: the centre of the plane, at its loss.
        centre = Dot(xyz_to_scene(axes, np.array([0.0, 0.0, min(max(self.final_loss, z_lo), z_hi)])), radius=0.09,
                     color=THEME.text)
        self.renderer.camera.add_fixed_orientation_mobjects(centre)
        mesh.add_movers(centre)
        if self.standardized:
            self.caption.say(self, f"The network trained on a standardized copy of the {len(self.y)} points "
                                   f"(each input scaled to mean 0, spread 1).", 3.5)
        self.caption.say(self, f"Cross-entropy on a plane through the trained weights (the white dot, loss "
                               f"{fmt(self.final_loss, 3)}) along two random directions.", 5)
        self.fit_camera(mesh, lines, labels, bar, np.linspace(p["theta"], p["theta"] + 50, 6))
        self.show_mesh(mesh, lines, labels, bar)
        self.move_camera(theta=(p["theta"] + 50) * DEGREES, run_time=4, rate_func=linear)
        mark_figure(self, "random-plane")
        mesh.clear_updaters()
        self.unsay()
        self.play(FadeOut(mesh), FadeOut(lines), FadeOut(labels), FadeOut(bar))

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
        z_lo = float(min(g.Z.min(), path.true_loss.min()))
        z_hi = float(max(np.percentile(g.Z, 95), path.true_loss.max()))
        axes, mesh = self.surface(alphas, betas, g.Z, z_lo, z_hi)
        ev = plane.explained
        drift = 4 * p["path_seconds"]
        lines, labels, bar = self.frame(axes, mesh, (alphas[0], alphas[-1]), (betas[0], betas[-1]), (z_lo, z_hi),
                                        (f"PC1 ({ev[0]:.0%})", f"PC2 ({ev[1]:.0%})"), p["theta"] + drift / 2,
                                        clipped=bool(g.Z.max() > z_hi))
        self.caption.say(self, f"Plane of the first two PCA directions of the trajectory ({ev[0]:.0%} + "
                               f"{ev[1]:.0%} of its variance).", 4)
        self.fit_camera(mesh, lines, labels, bar, np.linspace(p["theta"], p["theta"] + drift, 6))
        self.show_mesh(mesh, lines, labels, bar)
        # Checkpoints at their TRUE loss, a thin drop line to the plane's loss beneath each.
        true_pts = xyz_to_scene(axes, np.column_stack([path.coords, np.clip(path.true_loss, z_lo, z_hi)]))
        plane_pts = xyz_to_scene(axes, np.column_stack([path.coords, np.clip(path.plane_loss, z_lo, z_hi)]))
        k = ValueTracker(0.0)
        color = THEME.OPTIMIZER["Adam"]           # the network was trained with Adam
        # One piece per step between checkpoints, so the painter's sort can hide exactly the hidden parts.
        pieces = [VMobject(stroke_color=color, stroke_width=4) for _ in range(len(true_pts) - 1)]
        head = Dot(radius=0.09, color=color)
        drops = [Line(a, b, stroke_color=THEME.text, stroke_width=1.5) for a, b in zip(true_pts, plane_pts)]

        def follow(_):
            s = k.get_value()
            i = min(int(s), len(true_pts) - 1)
            w = s - i
            here = true_pts[i] if i + 1 >= len(true_pts) else (1 - w) * true_pts[i] + w * true_pts[i + 1]
            for j, piece in enumerate(pieces):
                end = true_pts[j + 1] if j < i else here
                piece.set_points_as_corners([true_pts[j], end])
                piece.set_stroke(opacity=1.0 if j <= i else 0.0)
            head.move_to(here)
            for j, d in enumerate(drops):
                d.set_stroke(opacity=0.8 if j <= i else 0.0)

        mesh.add_movers(*drops, *pieces, head)
        head.add_updater(follow)
        follow(None)
        self.begin_ambient_camera_rotation(rate=4 * DEGREES)     # ``drift`` degrees in all
        self.caption.say(self, "Each checkpoint at its own loss; thin drops reach the plane's loss beneath it.", 4)
        self.play(k.animate.set_value(len(true_pts) - 1), run_time=p["path_seconds"], rate_func=linear)
        self.stop_ambient_camera_rotation()
        head.clear_updaters()
        gap = path.max_gap
        worst = int(np.argmax(np.abs(path.true_loss - path.plane_loss)))
        where = "at the initial weights" if worst == 0 else f"at checkpoint {worst} of {len(true_pts) - 1}"
        self.caption.say(self, f"Largest gap between a checkpoint's loss and the plane under it: {fmt(gap, 3)}, "
                               f"{where}.", 5)
        self.wait(4)
        mark_figure(self, "pca-path")

