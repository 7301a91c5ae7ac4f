"""neural_network's update step (issue 14): the step drawn on the diagram is w - eta * dL/dw, with the
gradient computed independently of backprop (central finite differences of the loss)."""

import numpy as np
import pytest

from gdcore.lessons import gradient_step, train_test_split
from gdcore.mlp import MLP
from scenes.neural_network import example_index
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
