"""neural_network's update step (issue 14): the step drawn on the diagram is w - eta * dL/dw, with the
gradient computed independently of backprop (central finite differences of the loss)."""

import numpy as np
import pytest

from gdcore.lessons import gradient_step, train_test_split
from gdcore.mlp import MLP
from scenes.neural_network import decimals_3sig, example_index, fit_bend, pace, plateau, straightness
from scenes.params import scene_data, scene_params


def scene_network(activation: str):
    """The untrained network, the example point and its label, as the scene's ``prepare`` makes them."""
    p = {**scene_params("neural_network"), "activation": activation}
    X, y = scene_data("neural_network", p)
    Xtr, ytr, _, _ = train_test_split(X, y, p["test_fraction"], seed=p["seed"])
    net = MLP([2, *p["hidden"], int(y.max()) + 1], activation=activation, seed=p["seed"])
    k = example_index(net, Xtr)
    return net, Xtr[k:k + 1], ytr[k:k + 1], p["step_lr"]


def fd_grads(net: MLP, x, y, h: float = 1e-6) -> list[np.ndarray]:
    """dL/dw for every weight and bias by one-sided differences from the left: no backprop involved.

    From the left, because at a ReLU kink (z exactly 0, e.g. a bias of 0 after a layer that outputs
    all zeros) the derivative is one-sided, and backprop takes relu'(0) = 0, the left one.  Elsewhere
    the left difference is within O(h) ~ 1e-6 of the derivative.
    """
    base = [w.copy() for w in net.params]
    out = []
    for k, w in enumerate(base):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            down = [q.copy() for q in base]
            down[k][idx] -= h
            g[idx] = (net.loss(x, y, "cross_entropy") - net.loss(x, y, "cross_entropy", params=down)) / h
        out.append(g)
    return out


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_drawn_update_is_w_minus_eta_times_the_finite_difference_gradient(activation):
    net, x, y, eta = scene_network(activation)
    _, grads = net.loss_and_grads(x, y, "cross_entropy")
    step = gradient_step(net.params, grads, eta)          # what the scene draws (every edge is drawn: 2-8-8-2)
    fd = fd_grads(net, x, y)
    # Every weight: new = w - eta * g, g from finite differences (error O(h) ~ 1e-6 times the curvature).
    for w, g, new in zip(net.params, fd, step.new_params, strict=True):
        np.testing.assert_allclose(new, w - eta * g, rtol=0, atol=1e-5)
    # The edge whose numbers are written: w, grad, eta and new w agree with the same formula.
    g_fd = fd[2 * step.layer][step.i, step.j]
    assert step.grad == pytest.approx(g_fd, abs=1e-5)
    assert step.new_w == pytest.approx(step.w - eta * g_fd, abs=1e-5)
    # ... and it is the edge with the largest gradient, so its change is the most visible one.
    assert abs(g_fd) == pytest.approx(max(float(np.abs(fd[2 * k]).max()) for k in range(len(fd) // 2)), abs=1e-5)
    # Eta 0.5 on one point: the loss on that point falls (the scene's caption says "falls" only if it does).
    assert net.loss(x, y, "cross_entropy", params=step.new_params) < net.loss(x, y, "cross_entropy")


def test_the_example_is_one_that_every_hidden_layer_responds_to():
    # tanh: the first training point (no tanh neuron is exactly 0).  ReLU with the defaults: the first
    # point (-0.809, 0.465) gives every first-layer z < 0, so a later point is followed, and for it
    # each hidden layer has a neuron with output > 0.
    net, x, _, _ = scene_network("tanh")
    assert example_index(net, x) == 0
    net, x, y, _ = scene_network("relu")
    _, _, acts = net.forward(x, return_activations=True)
    assert all(np.any(a > 0) for a in acts[1:-1])
    _, grads = net.loss_and_grads(x, y, "cross_entropy")
    assert all(np.any(g != 0) for g in grads[0::2])      # every weight layer gets some gradient


# ------------------------------------------------------------------ pacing and the flat stretch (review, issue 14)
def test_plateau_finds_the_flat_stretch_of_a_loss_curve():
    # 0.7 falling to 0.35 in 3 epochs, 50 epochs at 0.30 +- 0.004, then a fall from 0.2 to 0.05.  The total
    # fall is 0.65, so the band is 0.065 wide: epoch 2 (0.35) is within 0.054 of the plateau's lowest value,
    # epoch 1 (0.5) and epoch 53 (0.2) are not: the flat run is epochs 2..52.
    rng = np.random.default_rng(0)
    L = np.concatenate([[0.7, 0.5, 0.35], 0.30 + rng.uniform(-0.004, 0.004, 50), np.linspace(0.2, 0.05, 10)])
    assert plateau(L) == (2, 52)


def test_plateau_is_none_for_a_steadily_falling_loss():
    # A loss that falls by the same amount every epoch never stays within a tenth of its fall for 10 epochs
    # (it moves 1/60 of the fall per epoch: 6 epochs at most fit in the band).
    assert plateau(np.linspace(1.0, 0.0, 61)) is None


def test_pace_spends_time_where_the_map_changes():
    # Constant change: equal time per interval (10 intervals over 5 s: 0.5 s each).
    np.testing.assert_allclose(pace(np.ones(10), 5.0), np.linspace(0, 5, 11))
    # Flat first half (change 0), busy second half (change 1): mean 0.5, so weights are 0.15 and 2.15 away
    # from the smoothed edge; the busy half gets about 2.15 / 0.15 = 14x the time of the flat one.
    t = pace(np.r_[np.zeros(20), np.ones(20)], 10.0, window=1)
    assert t[-1] == pytest.approx(10.0) and np.all(np.diff(t) > 0)
    assert (t[40] - t[20]) / (t[20] - t[0]) == pytest.approx(2.15 / 0.15)


def test_fit_bend_keeps_the_captions_readable():
    # 10 equal intervals over 10 s, the bend at snapshot 6: the run-up (6 s) must last 9 s for its captions,
    # so it is stretched by 1.5 and the bend (4 s) shifts by 3 s; the bend's caption needs 8 s, so the last
    # four intervals are stretched by 2: 9 s + 8 s = 17 s in all, 2 s per interval in the bend.
    t = fit_bend(np.linspace(0, 10, 11), 6, before=9.0, during=8.0)
    assert t[6] == pytest.approx(9.0) and t[-1] == pytest.approx(17.0)
    np.testing.assert_allclose(np.diff(t), [1.5] * 6 + [2.0] * 4)
    # Long enough already: unchanged.
    np.testing.assert_allclose(fit_bend(np.linspace(0, 10, 11), 6, 3.0, 2.0), np.linspace(0, 10, 11))


def test_straightness_is_0_for_a_line_and_1_for_a_circle():
    s = np.linspace(0, 1, 50)
    assert straightness(np.column_stack([s, 2 * s + 1])) == pytest.approx(0.0, abs=1e-12)
    th = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    assert straightness(np.column_stack([np.cos(th), np.sin(th)])) == pytest.approx(1.0, abs=1e-9)


def test_update_numbers_share_their_decimals():
    # The review's example: 0.162 - 0.5 x 0.382 = -0.0295 needs 4 decimals for -0.0295 (3 significant digits),
    # so every number of the line gets 4: 0.1617 - 0.5 x (0.3823) = -0.0295.
    assert [decimals_3sig(v) for v in (0.1617, 0.3823, -0.0295)] == [3, 3, 4]
    assert decimals_3sig(12.5) == 1 and decimals_3sig(0.0) == 1


# ------------------------------------------------------------------ the kit's diagram and map
def test_output_neurons_are_filled_in_their_class_colour_by_probability():
    from manim import ManimColor

    from scenes.kit import THEME, NetworkDiagram

    d = NetworkDiagram([2, 3, 2])
    # Logits (0, ln 3): softmax (1/4, 3/4).  Hidden activation -0.5 on the fixed scale 1: NEGATIVE at 0.5.
    d.set_activations([np.zeros(2), np.array([-0.5, 0.0, 1.0]), np.array([0.0, np.log(3.0)])], limit=1.0,
                      output_colors=THEME.CLASS[:2])
    out = d.neurons[-1]
    for c, p in ((0, 0.25), (1, 0.75)):
        assert out[c].get_fill_color() == ManimColor(THEME.CLASS[c])
        assert out[c].get_fill_opacity() == pytest.approx(p)
    assert d.neurons[1][0].get_fill_color() == ManimColor(THEME.NEGATIVE)
    assert d.neurons[1][0].get_fill_opacity() == pytest.approx(0.5)


def test_before_and_after_share_one_width_scale():
    from scenes.kit import NetworkDiagram

    d = NetworkDiagram([2, 2])
    before = [np.array([[1.0, 0.5], [0.25, -0.5]]), np.zeros(2)]
    after = [np.array([[2.0, 0.5], [0.25, -0.5]]), np.zeros(2)]
    # The largest |w| over both is 2: the unchanged weight 0.5 is drawn 0.5 + 5 * 0.5 / 2 = 1.75 wide in both.
    scales = d.weight_scales(before, after)
    assert scales == [2.0]
    for params in (before, after):
        d.set_weights(params, scales=scales)
        assert d.edges[0][(0, 1)].get_stroke_width() == pytest.approx(1.75)


def test_smooth_heat_map_covers_its_box_and_swaps_pixels():
    from scenes.kit import SmoothHeatMap

    img = np.zeros((6, 8, 3), np.uint8)
    heat = SmoothHeatMap(np.array([-1.0, -0.5, 0.0]), np.array([2.0, 1.5, 0.0]), img)
    assert heat.width == pytest.approx(3.0) and heat.height == pytest.approx(2.0)
    np.testing.assert_allclose(heat.get_center(), [0.5, 0.5, 0.0])
    heat.set_image(np.full((6, 8, 3), 200, np.uint8))
    assert heat.pixel_array.shape == (6, 8, 4)
    assert np.all(heat.pixel_array[..., :3] == 200) and np.all(heat.pixel_array[..., 3] == 255)
