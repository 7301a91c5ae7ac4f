"""gdcore.explore.basin_labels / first_step_in, and the local_minima scene's helpers built on them."""

from __future__ import annotations

import numpy as np

from gdcore import functions
from gdcore.explore import basin_labels, first_step_in, noise_escape
from gdcore.trajectory import find_local_vs_global


def test_double_well_basins_split_at_the_bump():
    # x^4/4 - x^2 + 0.5x: critical points are the roots of x^3 - 2x + 0.5; the middle root (the top of
    # the bump, about 0.2586) separates the basins: left of it GD ends at the global minimum (x ~ -1.52),
    # right of it at the local one (x ~ 1.27).
    f = functions.get("double_well")
    top = sorted(np.roots([1.0, 0.0, -2.0, 0.5]).real)[1]
    g = next(k for k, m in enumerate(f.minima) if m.is_global)
    loc = 1 - g
    labels = basin_labels(f, np.array([[top - 0.05], [top + 0.05], [-2.0], [2.0]]), 0.1, f.minima, 0.05)
    assert labels.tolist() == [g, loc, g, loc]
    assert abs(top - 0.2586) < 1e-3


def test_far_or_diverging_points_end_nowhere():
    # At lr = 1 from x = 50 the step 1 * (x^3 - 2x) is ~1.25e5: the run blows up, labelled -1.
    f = functions.get("double_well")
    assert basin_labels(f, np.array([[50.0]]), 1.0, f.minima, 0.05).tolist() == [-1]


def test_first_step_in():
    assert first_step_in([0, 0, -1, 1, 1], [1]) == 3
    assert first_step_in([0, 0], [1]) is None
    assert first_step_in(np.array([2, 1]), (1, 2)) == 0


def test_momentum_crosses_into_the_global_basin_on_the_two_basins_map():
    # The scene's 2-D crossing: the searched momentum run ends at the global minimum, so some step of it
    # lies in the global basin, and its start does not (plain GD from the start ends at the local one).
    f = functions.get("two_basins")
    case = find_local_vs_global(f, 150)
    g = [k for k, m in enumerate(f.minima) if m.is_global]
    labels = basin_labels(f, case.rolled.points, case.lr, f.minima, 0.16)
    k = first_step_in(labels, g)
    assert k is not None and 0 < k < 150
    assert labels[0] not in g and labels[-1] in g


def test_noise_from_the_local_minimum():
    # The noise beat's default (two_basins, lr = 0.3/L = 0.381, 150 steps, sigma = 1, seeds 0..19):
    # starting AT the local minimum, full-batch GD has zero gradient and stays; with sigma = 1 all
    # 20 seeds end in the global basin, and the shown run's mean loss over its last 20 steps lies
    # between the global minimum (-1.88) and the local one (-1.10).  With sigma = 0.5 none escapes
    # (measured: 0 of 20), which the scene must then say.
    f = functions.get("two_basins")
    loc = next(m for m in f.minima if not m.is_global)
    gi = tuple(k for k, m in enumerate(f.minima) if m.is_global)
    lr = find_local_vs_global(f, 150).lr
    loud = noise_escape(f, loc.point, lr, 150, 1.0, range(20), f.minima, gi, 0.16)
    assert loud.n_escaped == 20
    tail = float(np.mean(loud.runs[loud.shown].losses[-20:]))
    assert -1.879 < tail < -1.10
    quiet = noise_escape(f, loc.point, lr, 150, 0.5, range(20), f.minima, gi, 0.16)
    assert quiet.n_escaped == 0
    still = noise_escape(f, loc.point, lr, 150, 0.0, range(1), f.minima, gi, 0.16)
    assert np.linalg.norm(still.runs[0].final - loc.point) < 1e-6


def test_scene_helpers():
    from scenes.local_minima import idle_step, rate_origin

    # A run that stops moving after step 2 (within 0.01 of its end): nothing changes from step 3 on.
    assert idle_step(np.array([[0.0], [1.0], [1.5], [1.999], [2.0], [2.0]]), 0.01) == 3
    # double_well: L = max f'' at the minima = 3 x^2 - 2 at x ~ -1.52, about 4.92 -> the search's 0.5/L.
    f = functions.get("double_well")
    L = max(3 * float(m.point[0]) ** 2 - 2 for m in f.minima)
    assert rate_origin(f, 0.5 / L) == "0.5/L"
    assert rate_origin(f, 0.123) == ""
