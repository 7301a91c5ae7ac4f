"""The loss landscape of a real network, and the path its optimizer took (Li et al. 2018).

The blog (seed 001) asks for "[PLOT LOSS PROJECTED TO 3D SPACE]".  An MLP is
trained on the 8x8 digits by :func:`gdcore.mlp.train`; its loss is evaluated
by batched forward passes on planes through the final weights
(:mod:`gdcore.landscape`): first along two filter-normalized random directions
(the basin's shape), then on the plane of the first two PCA directions of the
training trajectory, where the path can be drawn.  A projected checkpoint does
not have the plane's loss, so every checkpoint is drawn at its own true loss,
with a thin line down to the plane.  The same plane is then drawn flat as
contours at log-spaced levels (Li et al.'s figure), the path as checkpoint dots
from start to end.  Last, flat versus sharp (Keskar et al. 2017): networks
trained with a small and a large batch, their loss along a filter-normalized
direction side by side, with the sharpness (the Hessian's largest eigenvalue)
from :func:`gdcore.lessons.sharpness`.

With ``data = "file.csv"`` (columns x1, x2, label) the network trains on the file's
points instead of ``dataset`` (a standardized copy when they are far from unit
scale, which the caption says); every beat, flat versus sharp included, uses them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    ORIGIN,
    OUT,
    RIGHT,
    UP,
    Circle,
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
from gdcore.lessons import sharpness
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
        top, bottom = self.titles.bottom() - 0.45, self.caption.top() + 0.3
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
        # The surface first, so the captions below never stand on an empty frame.
        self.fit_camera(mesh, lines, labels, bar, np.linspace(p["theta"], p["theta"] + 50, 6))
        self.show_mesh(mesh, lines, labels, bar)
        shape = " → ".join(map(str, self.net.sizes))
        self.caption.say(self, f"A {shape} network ({p['activation']}) trained on {self.data_name} with Adam, "
                               f"lr {fmt(p['lr'])}, {p['epochs']} epochs"
                               f"{' (it diverged; the last finite weights are used)' if self.status == 'diverged' else ''}.",
                         4)
        if self.standardized:
            self.caption.say(self, f"The network trained on a standardized copy of the {len(self.y)} points "
                                   f"(each input scaled to mean 0, spread 1).", 3.5)
        self.caption.say(self, f"Cross-entropy on a plane through the trained weights (the white dot, loss "
                               f"{fmt(self.final_loss, 3)}) along two random directions.", 5)
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
        self.wait(3)
        mark_figure(self, "pca-path")
        self.pca = (alphas, betas, g, plane, path)
        self.unsay()
        self.play(*[FadeOut(m) for m in (mesh, lines, labels, bar, head, *pieces, *drops)])
        self.renderer.camera.remove_fixed_orientation_mobjects(*labels)
        self.remove(bar)

    def pca_contours(self) -> None:
        """The PCA plane from above: log-spaced contour levels, PC axes with explained variance, checkpoints."""
        self.set_title("From above: contours of the PCA plane")
        alphas, betas, g, plane, path = self.pca
        self.set_camera_orientation(phi=0.0, theta=-90 * DEGREES, gamma=0.0, zoom=1.0, frame_center=ORIGIN)
        top, bottom = self.titles.bottom(), self.caption.top()
        xr, yr = nice_range(alphas[0], alphas[-1], 4), nice_range(betas[0], betas[-1], 4)
        h = top - bottom - 1.3
        w = min(h * (xr[1] - xr[0]) / (yr[1] - yr[0]), 8.0)
        h = w * (yr[1] - yr[0]) / (xr[1] - xr[0])
        ev = plane.explained
        axes = PlotAxes(xr, yr, x_length=w, y_length=h, x_title=f"PC1, {ev[0]:.0%} of the path's variance",
                        y_title=f"PC2, {ev[1]:.0%}")
        axes.move_to([-0.8, (top + bottom) / 2 + 0.1, 0])
        A, B = np.meshgrid(alphas, betas)
        z_lo = float(g.Z.min())
        z_hi = float(np.percentile(g.Z, 95))
        levels = np.geomspace(max(z_lo, 1e-6) * 1.05, z_hi, 10)
        contours = ContourMap(axes, A, B, g.Z, levels, stroke_width=2.5)
        bar = ColorBar(float(levels[0]), float(levels[-1]), title="loss (log)", height=h * 0.8, log=True,
                       clipped=bool(g.Z.max() > z_hi))
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
        self.caption.say(self, f"Contour lines at log-spaced losses; PC1 and PC2 carry {ev[0]:.0%} and {ev[1]:.0%} "
                               "of the path's spread.", 4.5)
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
        """Small- and large-batch minima: loss along a filter-normalized direction, and their sharpness."""
        p = self.p
        self.set_title("Flat or sharp: small versus large batches")
        n = len(self.y)
        runs = []
        for b in (min(p["flat_batch"], n), min(p["sharp_batch"], n)):
            net = MLP(self.net.sizes, activation=p["activation"], seed=p["seed"])
            hist = train(net, self.X, self.y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=b,
                         loss="cross_entropy", seed=p["seed"])
            theta = net.flatten()

            def grad(t, net=net):
                return np.concatenate([q.ravel() for q in net.loss_and_grads(self.X, self.y, "cross_entropy",
                                                                             net.unflatten(t))[1]])

            lam, v = sharpness(grad, theta, iters=p["sharpness_iters"], seed=p["seed"], return_vector=True)
            # The loss along the sharpest direction (unit length): its curvature at 0 is the sharpness.
            ts = np.linspace(-p["slice_range"], p["slice_range"], 61)
            along = net.plane_loss(self.X, self.y, theta, v, np.zeros_like(v), np.column_stack([ts, 0 * ts]),
                                   "cross_entropy")
            runs.append((b, hist, ts, along, lam))
        top, bottom = self.titles.bottom(), self.caption.top()
        y_hi = max(float(r[3].max()) for r in runs)
        y_range = nice_range(0.0, y_hi, 3)
        panels = VGroup()
        colors = (THEME.VARIANT["stochastic"], THEME.VARIANT["batch"])
        for (b, hist, ts, along, lam), c in zip(runs, colors):
            axes = PlotAxes(nice_range(ts[0], ts[-1], 4), y_range, x_length=4.4, y_length=top - bottom - 2.9,
                            x_title="step along its sharpest direction", y_title="training loss",
                            y_title_color=THEME.LOSS)
            curve = polyline(axes, np.column_stack([ts, along]), c, stroke_width=3.5)
            centre = Dot(axes.c2p(0.0, float(along[len(along) // 2])), radius=0.07, color=THEME.text)
            head = VGroup(label_text(f"batch {b}", color=c, weight="BOLD"),
                          tick_text(f"sharpness {fmt(lam, 3)}  ·  loss {fmt(hist.epoch_loss[-1], 3)}"))
            head.arrange(DOWN, buff=0.1)
            panels.add(VGroup(axes, curve, centre, head))
        for panel in panels:
            panel[3].next_to(panel[0], UP, buff=0.3)
        panels.arrange(RIGHT, buff=1.4, aligned_edge=DOWN).move_to([0, (top + bottom) / 2, 0])
        self.caption.say(self, f"Two networks from the same start, batches of {runs[0][0]} and {runs[1][0]}: "
                               "the loss along one direction through each.", 4.5)
        for panel in panels:
            self.play(FadeIn(panel[0]), FadeIn(panel[3]))
            self.play(Create(panel[1]), FadeIn(panel[2]), run_time=1.5)
        self.caption.say(self, "Sharpness: the largest curvature of the loss at the weights, from the Hessian.", 4)
        (b0, h0, _, _, l0), (b1, h1, _, _, l1) = runs
        if l1 > l0:
            verdict = f"The batch-{b1} minimum is {l1 / l0:.1f}x sharper" if l0 > 0 else f"batch {b1} is sharper"
            meaning = "as Keskar et al. found: large batches settle in sharper minima."
        else:
            verdict = f"Here the batch-{b0} minimum is the sharper one"
            meaning = "the opposite of Keskar et al.'s finding, for this network and data."
        self.caption.say(self, f"{verdict}, {meaning}", 5)
        s0, s1 = h0.steps_per_epoch * self.epochs_of(h0), h1.steps_per_epoch * self.epochs_of(h1)
        e0, e1 = h0.epoch_loss[-1], h1.epoch_loss[-1]
        if max(e0, e1) > 2 * min(e0, e1):
            self.caption.say(self, f"In {p['epochs']} epochs batch {b0} took {s0:,} steps and batch {b1} {s1:,}: "
                                   f"their training losses differ too ({fmt(e0, 3)} and {fmt(e1, 3)}).", 5)
        self.wait(self.caption.remaining(self))
        self.wait(2)
        mark_figure(self, "flat-vs-sharp")

