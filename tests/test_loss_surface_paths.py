"""loss_surface (issue 13): what the race shows is computed from the runs -- the visible part of each path,
the exits labelled, the slow-motion stretch, the lesson -- and the kit's mesh paints fixed path pieces in
depth order."""

from __future__ import annotations

import numpy as np
from manim import DEGREES, ThreeDAxes, VMobject

from gdcore import functions
from gdcore.optim import SGD, Adam, RMSprop
from gdcore.trajectory import descend
from scenes.kit import SurfaceMesh, camera_rotation, xyz_to_scene


def four(lr_sgd, lr_mom, lr_rms, lr_adam, beta=0.9):
    return {"SGD": SGD(lr=lr_sgd), "Momentum": SGD(lr=lr_mom, momentum=beta), "RMSprop": RMSprop(lr=lr_rms),
            "Adam": Adam(lr=lr_adam)}


# ---------------------------------------------------------------- kit: SurfaceMesh fixed movers and sort
def flat_mesh() -> tuple[ThreeDAxes, SurfaceMesh]:
    axes = ThreeDAxes(x_range=[-1, 1, 1], y_range=[-1, 1, 1], z_range=[-1, 1, 1], x_length=4, y_length=4,
                      z_length=4)
    X, Y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    return axes, SurfaceMesh(axes, X, Y, np.zeros_like(X))


def test_fixed_movers_are_painted_by_depth_and_only_when_shown():
    axes, mesh = flat_mesh()
    above, below = VMobject(), VMobject()
    anchors = xyz_to_scene(axes, np.array([[0.0, 0.0, 0.8], [0.0, 0.0, -0.8]]))
    mesh.add_fixed_movers([above, below], anchors)
    from_above = camera_rotation(0.0, -90 * DEGREES)
    mesh.sort(from_above)
    assert len(mesh.submobjects) == 16                      # 4 x 4 faces, no mover shown yet
    mesh.show_fixed(np.array([True, True]))
    mesh.sort(from_above)
    subs = mesh.submobjects
    # Seen from above, the piece under the sheet is painted first (hidden), the one over it last.
    assert subs.index(below) == 0 and subs.index(above) == 17


def test_sort_matches_the_one_insert_at_a_time_rule_and_is_skipped_when_nothing_moved():
    axes, mesh = flat_mesh()
    rng = np.random.default_rng(0)
    movers = [VMobject().set_points_as_corners(xyz_to_scene(axes, np.array([p, p])))
              for p in rng.uniform(-1, 1, (6, 3))]
    mesh.add_movers(*movers)
    rot = camera_rotation(62 * DEGREES, -25 * DEGREES)
    mesh.sort(rot)
    # The rule the kit had before (faces by depth; each mover inserted before the first face deeper than it).
    depth = mesh.centers @ rot.T[:, 2]
    order = np.argsort(depth, kind="stable")
    expected = [mesh.faces[k] for k in order]
    md = np.array([m.get_center() @ rot.T[:, 2] for m in movers]) + mesh.MOVER_BIAS * mesh.face_size
    pos = np.searchsorted(depth[order], md)
    for shift, (p, m) in enumerate(sorted(zip(pos, range(len(movers)), strict=True))):
        expected.insert(p + shift, movers[m])
    assert mesh.submobjects == expected
    before = mesh.submobjects
    mesh.sort(rot)
    assert mesh.submobjects is before                       # same camera, nothing moved: no new list
    mesh.sort(camera_rotation(62 * DEGREES, 0.0))
    assert mesh.submobjects is not before


def test_redraw_every_frame_hands_manim_the_top_level_mobjects():
    from scenes.kit import RedrawEveryFrame

    class Fake(RedrawEveryFrame):
        def __init__(self) -> None:
            self.mobjects = ["mesh", "legend"]
            self.foreground_mobjects = ["legend", "caption"]

    moving, static = Fake().get_moving_and_static_mobjects([])
    # Not flattened: manim re-extracts the families each frame, so the mesh's new paint order is used.
    assert moving == ["mesh", "legend", "caption"] and static == []


# ---------------------------------------------------------------- the scene's data
def test_a_diverging_run_is_drawn_to_the_edge_and_labelled_diverged():
    from scenes.loss_surface import visible_path

    f = functions.get("x**2 + 3*sin(y)")
    t = descend(f, [1.9, 1.1], SGD(lr=1.5), 150)
    assert t.status == "diverged"                 # x -> (1 - 2 * 1.5) x = -2 x per step
    v = visible_path(f, t)
    assert v.exit == "diverged"
    (x0, x1), (y0, y1) = f.domain
    inside = (v.xy[:, 0] >= x0 - 1e-12) & (v.xy[:, 0] <= x1 + 1e-12) & (v.xy[:, 1] >= y0) & (v.xy[:, 1] <= y1)
    assert inside.all() and np.isfinite(v.xy).all()
    # x: 1.9, -3.8 -- the first step already leaves |x| <= 3, crossing x = -3 at 4.9 / 5.7 of the step
    assert np.isclose(v.xy[-1, 0], -3.0) and len(v.xy) == 2
    assert np.isclose(v.end_step, 4.9 / 5.7)


def test_a_run_that_walks_off_the_map_is_labelled_left_the_map():
    from scenes.loss_surface import verdict_words, visible_path

    f = functions.get("x + y")                    # gradient (1, 1) everywhere, domain [-3, 3]^2
    t = descend(f, [0.0, 0.0], SGD(lr=0.15), 40)
    assert t.status == "unfinished"               # it never diverges: 40 steps reach only -6
    v = visible_path(f, t)
    # x_k = -0.15 k: inside up to k = 20 (-3.0), outside at k = 21 (-3.15)
    assert v.exit == "left the map"
    assert np.allclose(v.xy[-1], [-3.0, -3.0]) and 20.0 - 1e-9 <= v.end_step <= 20.0 + 1e-9
    runs = {n: t for n in ("SGD", "Momentum", "RMSprop", "Adam")}
    assert verdict_words(f, runs, "same") == "SGD, Momentum, RMSprop and Adam left the map."


def test_the_slow_motion_ends_a_few_steps_after_the_last_run_settles():
    from scenes.loss_surface import slow_motion_end, visible_path

    camel = functions.get("six_hump_camel")
    runs = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.01, 0.01, 0.01, 0.01).items()}
    paths = {n: visible_path(camel, t) for n, t in runs.items()}
    # Independently: the last step at which a run is nearest to another minimum than the one it ends at.
    centres = np.array([m.point for m in camel.minima])
    last_change = 0
    for t in runs.values():
        for k, p in enumerate(t.points):
            if np.argmin(np.linalg.norm(centres - p, axis=1)) != np.argmin(np.linalg.norm(centres - t.final, axis=1)):
                last_change = max(last_change, k + 1)
    assert last_change == 17                      # momentum, on its way from the ridge into the global basin
    assert slow_motion_end(camel, runs, paths, 150) == 20
    # A race too short for a slow part has none.
    assert slow_motion_end(camel, runs, paths, 25) == 25


def test_the_lesson_names_the_runs_that_reached_the_global_minimum():
    from scenes.loss_surface import verdict_words

    camel = functions.get("six_hump_camel")
    glob = [m for m in camel.minima if m.is_global]
    for start, rates in (([1.9, 1.1], four(0.01, 0.01, 0.01, 0.01)), ([0.6, -0.2], four(0.01, 0.01, 0.01, 0.01)),
                         ([1.9, 1.1], four(0.01, 0.003, 0.01, 0.01))):
        runs = {n: descend(camel, start, o, 150) for n, o in rates.items()}
        reached = [n for n, t in runs.items() if min(np.linalg.norm(m.point - t.final) for m in glob) < 0.08]
        text = verdict_words(camel, runs, "same")
        said = text.split(" reached the global")[0].split(". ")[-1] if " reached the global" in text else ""
        names = {n for n in runs if n in said}
        assert names == set(reached), (start, text, reached)
        # "over the ridge" only when momentum alone got there
        assert ("over the ridge" in text) == (reached == ["Momentum"]), text
    # The case the scene shows: momentum alone, f = -1.03; SGD and RMSprop at the local minimum at 2.1; Adam
    # still on its way there after 150 steps (0.0145 from the minimum, f 2.105: not "stopped").
    runs = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.01, 0.01, 0.01, 0.01).items()}
    assert verdict_words(camel, runs, "same") == (
        "SGD and RMSprop stopped in a local minimum, f = 2.1. Momentum reached the global minimum, f = -1.03. "
        "Adam ended in the local minimum's basin, still moving (f = 2.11). "
        "Momentum's velocity carried it uphill over the ridge.")


def test_settled_tells_a_run_at_the_minimum_from_one_still_moving():
    from scenes.loss_surface import settled

    camel = functions.get("six_hump_camel")
    local = next(m for m in camel.minima if m.value > 2 and m.point[0] > 0)      # (1.607, 0.569), f = 2.104
    sgd = descend(camel, [1.9, 1.1], SGD(lr=0.01), 150)
    adam = descend(camel, [1.9, 1.1], Adam(lr=0.01), 150)
    # SGD ends 2e-6 from it; Adam 0.0145 from it, over the 0.2 % of the map's width 4 (0.008) allowed.
    assert np.linalg.norm(sgd.final - local.point) < 1e-5 and settled(camel, sgd, local)
    assert 0.012 < np.linalg.norm(adam.final - local.point) < 0.017 and not settled(camel, adam, local)


def test_momentum_climbs_are_the_rises_of_its_f_in_the_slow_motion():
    from scenes.loss_surface import momentum_climbs, uphill_stretches, visible_path

    camel = functions.get("six_hump_camel")
    runs = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.01, 0.01, 0.01, 0.01).items()}
    paths = {n: visible_path(camel, t) for n, t in runs.items()}
    f = runs["Momentum"].losses
    # Its f: 2.115 at step 3, 2.294, 2.429 at step 5, then down; 0.555 at step 11, 1.028, 1.679 at step 13.
    climbs = momentum_climbs(runs, paths, 20, 0.9)
    assert [(c.start, c.end) for c in climbs] == [(3, 5), (11, 13)]
    assert np.isclose(climbs[0].f_from, f[3]) and np.isclose(climbs[1].f_to, f[13])
    assert np.all(np.diff(f[3:6]) > 0) and np.all(np.diff(f[11:14]) > 0) and f[6] < f[5] and f[14] < f[13]
    # The rise at steps 17-19 (0.404 -> 0.511, 0.107) is under 2 % of the 6.89 momentum lost: not a climb.
    assert all(c.start != 17 for c in uphill_stretches(runs["Momentum"], 20))
    # Without velocity (beta 0) no climb is credited; plain SGD at 0.01 never climbs here.
    assert momentum_climbs(runs, paths, 20, 0.0) == []
    assert uphill_stretches(runs["SGD"], 150) == []


def test_adam_note_gives_the_first_steps():
    from scenes.loss_surface import adam_note

    camel = functions.get("six_hump_camel")
    runs = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.01, 0.01, 0.01, 0.01).items()}
    # Adam's first step is lr * g / |g| per coordinate: 0.01 * sqrt(2) = 0.0141; SGD's 0.01 * |grad f(1.9, 1.1)|.
    g = camel.grad(np.array([1.9, 1.1]))
    assert adam_note(camel, runs) == ("Adam steps about lr per coordinate whatever the slope: its first step "
                                      f"0.014 long, SGD's {0.01 * np.linalg.norm(g):.2f}.")
    # When Adam's steps are not the shorter ones, nothing is said.
    fast = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.0001, 0.01, 0.01, 0.01).items()}
    assert adam_note(camel, fast) == ""
    # Nor when SGD diverges (lr 0.3: its first step is 5 long and it blows up): no yardstick.
    wild = {n: descend(camel, [1.9, 1.1], o, 150) for n, o in four(0.3, 0.01, 0.01, 0.01).items()}
    assert wild["SGD"].status == "diverged" and adam_note(camel, wild) == ""


def test_climbed_needs_a_real_rise():
    from gdcore.trajectory import Trajectory
    from scenes.loss_surface import climbed

    def run(f):
        f = np.asarray(f, float)
        return Trajectory(np.zeros((len(f), 2)), f, np.zeros((len(f), 2)), "unfinished")

    assert climbed(run([5.0, 3.0, 3.5, 1.0]), 3)          # rose 0.5 of the 4 it lost
    assert not climbed(run([5.0, 3.0, 3.01, 1.0]), 3)     # 0.01 < 2 % of 4
    assert not climbed(run([5.0, 3.0, 3.5, 1.0]), 1)      # the rise comes after step 1


def test_lanes_and_groups():
    from scenes.loss_surface import lane_normals, near_groups

    pts = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    assert np.allclose(lane_normals(pts), [[0, 1, 0]] * 3)     # left of a path going right
    ends = {"a": np.zeros(3), "b": np.array([0.1, 0, 0]), "c": np.array([1.0, 0, 0]), "d": np.array([0.15, 0, 0])}
    assert near_groups(ends, 0.12) == [["a", "b", "d"], ["c"]]


def test_a_level_value_keeps_clear_of_the_marked_minima():
    # The review read "-0.21" beside a global minimum's ring as that minimum's value: a level's box must be
    # at least 0.6 units from each ring's edge (radius 0.09) and each minimum label's box.
    from scenes.loss_surface import MINIMUM_CLEARANCE, far_from_minima
    assert MINIMUM_CLEARANCE == 0.6
    half = np.array([0.2, 0.1])
    ring = [np.array([0.0, 0.0])]
    # Box edge 0.68 from the centre: 0.01 short of 0.6 + 0.09.
    assert not far_from_minima(np.array([0.88, 0.0]), half, ring, [])
    assert far_from_minima(np.array([0.90, 0.0]), half, ring, [])
    name = [(np.array([0.0, 2.0]), np.array([0.5, 0.2]))]
    # Label box bottom at 1.8, level box top at 1.8 - 0.59: 0.59 apart, too close; 0.61 is clear.
    assert not far_from_minima(np.array([0.0, 1.8 - 0.59 - 0.1]), half, [], name)
    assert far_from_minima(np.array([0.0, 1.8 - 0.61 - 0.1]), half, [], name)
