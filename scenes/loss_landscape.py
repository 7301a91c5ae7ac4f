"""The loss landscape of a real network, and the path its optimizer took (Li et al. 2018).

The blog (seed 001) asks for "[PLOT LOSS PROJECTED TO 3D SPACE]".  An MLP is
trained on the 8x8 digits by :func:`gdcore.mlp.train`; its loss is evaluated
by batched forward passes on planes through the final weights
(:mod:`gdcore.landscape`): first along two filter-normalized random directions
(the basin's shape), then on the plane of the first two PCA directions of the
training trajectory, where the path can be drawn.  A projected checkpoint does
not have the plane's loss, so every checkpoint is drawn at its own true loss,
with a thin line down to the plane, and the largest gap is reported.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    IN,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    ThreeDAxes,
    ValueTracker,
    VMobject,
    linear,
)

from gdcore.datasets import digits, two_moons
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
    StoryThreeDScene,
    SurfaceMesh,
    fmt,
    mark_figure,
    xyz_to_scene,
)


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
        if p["dataset"] == "digits":
            d = digits()
            X, y, n_in, n_out = d.X_train, d.y_train, 64, 10
        else:
            X, y = two_moons(200, noise=0.15, seed=p["seed"])
            n_in, n_out = 2, 2
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
                          tips=False).shift(1.0 * DOWN + 1.0 * IN)  # lower on screen: the title is above
        A, B = np.meshgrid(alphas, betas)
        mesh = SurfaceMesh(axes, A, B, np.clip(Z, z_lo, z_hi), opacity=0.9)
        return axes, mesh

    def show_mesh(self, mesh: SurfaceMesh) -> None:
        camera = self.renderer.camera
        mesh.sort(camera.get_rotation_matrix())
        self.play(FadeIn(mesh), run_time=1.2)
        mesh.add_updater(lambda m: m.sort(camera.get_rotation_matrix()))

    # ------------------------------------------------------------ storyboard
    def random_plane(self) -> None:
        p = self.p
        self.set_camera_orientation(phi=p["phi"] * DEGREES, theta=p["theta"] * DEGREES, zoom=0.85)
        self.set_title("The loss around a trained network")
        d1 = filter_normalized_direction(self.net, seed=p["seed"] + 1)
        d2 = filter_normalized_direction(self.net, seed=p["seed"] + 2)
        r = p["random_range"]
        grid = np.linspace(-r, r, p["resolution"] + 1)
        g = loss_surface(self.net, self.X, self.y, self.center, d1, d2, grid, grid, "cross_entropy")
        z_hi = float(np.percentile(g.Z, 95))
        axes, mesh = self.surface(grid, grid, g.Z, float(g.Z.min()), z_hi)
        self.caption.say(self, f"Loss (cross-entropy) along two random filter-normalized directions; centre = "
                               f"trained weights, loss {fmt(self.final_loss, 3)}.", 5)
        self.show_mesh(mesh)
        self.move_camera(theta=(p["theta"] + 50) * DEGREES, run_time=4, rate_func=linear)
        mark_figure(self, "random-plane")
        mesh.clear_updaters()
        self.play(FadeOut(mesh))

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
        self.set_camera_orientation(phi=p["phi"] * DEGREES, theta=p["theta"] * DEGREES, zoom=0.85)
        ev = plane.explained
        self.caption.say(self, f"Plane of the first two PCA directions of the trajectory ({ev[0]:.0%} + "
                               f"{ev[1]:.0%} of its variance).", 4)
        self.show_mesh(mesh)
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
        self.begin_ambient_camera_rotation(rate=4 * DEGREES)
        self.caption.say(self, "Each checkpoint at its own loss; thin drops reach the plane's loss beneath it.", 4)
        self.play(k.animate.set_value(len(true_pts) - 1), run_time=p["path_seconds"], rate_func=linear)
        self.stop_ambient_camera_rotation()
        head.clear_updaters()
        gap = path.max_gap
        worst = int(np.argmax(np.abs(path.true_loss - path.plane_loss)))
        self.caption.say(self, f"Largest gap between a checkpoint's loss and the plane under it: {fmt(gap, 3)} "
                               f"(checkpoint {worst} of {len(true_pts) - 1}).", 5)
        self.wait(4)
        mark_figure(self, "pca-path")

