"""MLP: loss and gradients vs finite differences and vs gdcore.Value; training modes; errors."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from gdcore import Value
from gdcore.datasets import two_moons
from gdcore.mlp import MLP, train
from gdcore.optim import SGD, Adam

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_gradients_match_finite_differences(activation, loss):
    net = MLP([3, 5, 4, 3], activation=activation, seed=1)
    X = RNG.normal(size=(7, 3))
    y = RNG.integers(0, 3, 7) if loss == "cross_entropy" else RNG.normal(size=(7, 3))
    value, grads = net.loss_and_grads(X, y, loss)
    theta = net.flatten()
    f = lambda t: net.loss(X, y, loss, params=net.unflatten(t))  # noqa: E731
    assert value == pytest.approx(f(theta))
    num = approx_fprime(theta, f, 1e-7)
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in grads]), num, rtol=1e-4, atol=1e-6)


def test_gradients_match_scalar_autograd_on_a_tiny_network():
    # The same 2-3-1 tanh network built from gdcore.Value; MSE over 4 samples.
    net = MLP([2, 3, 1], activation="tanh", seed=3)
    X = RNG.normal(size=(4, 2))
    y = RNG.normal(size=4)
    value, grads = net.loss_and_grads(X, y, "mse")
    W1 = [[Value(w) for w in row] for row in net.params[0]]
    b1 = [Value(b) for b in net.params[1]]
    W2 = [[Value(w) for w in row] for row in net.params[2]]
    b2 = [Value(b) for b in net.params[3]]
    total = Value(0.0)
    for x, t in zip(X, y, strict=True):
        h = [(sum((W1[i][j] * x[i] for i in range(2)), Value(0.0)) + b1[j]).tanh() for j in range(3)]
        out = sum((W2[j][0] * h[j] for j in range(3)), Value(0.0)) + b2[0]
        total = total + (out - t) ** 2
    mean = total / 4.0
    mean.backward()
    assert value == pytest.approx(mean.data, rel=1e-12)
    np.testing.assert_allclose(grads[0], [[w.grad for w in row] for row in W1], rtol=1e-10)
    np.testing.assert_allclose(grads[1], [b.grad for b in b1], rtol=1e-10)
    np.testing.assert_allclose(grads[2], [[w.grad for w in row] for row in W2], rtol=1e-10)
    np.testing.assert_allclose(grads[3], [b.grad for b in b2], rtol=1e-10)


def test_conventions():
    # mse = mean over all elements; cross_entropy of uniform logits = log(k).
    net = MLP([2, 3], seed=0)
    net.params = [np.zeros((2, 3)), np.zeros(3)]
    X = np.ones((5, 2))
    assert net.loss(X, np.ones((5, 3)), "mse") == pytest.approx(1.0)
    assert net.loss(X, np.array([0, 1, 2, 0, 1]), "cross_entropy") == pytest.approx(np.log(3))


@pytest.mark.parametrize("mode, steps", [("batch", 1), ("stochastic", 60), ("minibatch", 4)])
def test_training_modes_take_the_right_number_of_steps(mode, steps):
    X, y = two_moons(60, seed=0)
    net = MLP([2, 8, 2], seed=0)
    h = train(net, X, y, SGD(lr=0.1), epochs=3, mode=mode, batch_size=16, loss="cross_entropy",
              snapshot_every=2, probe=X[:1])
    # batch: 1 step per epoch; stochastic: N = 60; mini-batch of 16: ceil(60/16) = 4.
    assert h.steps_per_epoch == steps and len(h.step_loss) == 3 * steps
    assert len(h.epoch_loss) == 4 and len(h.epoch_seconds) == 3
    assert h.snapshots[0].step == 0 and h.snapshots[-1].step == 3 * steps
    assert len(h.snapshots[0].activations) == 3 and h.snapshots[0].activations[1].shape == (1, 8)


def test_training_is_deterministic_and_learns():
    X, y = two_moons(100, noise=0.1, seed=2)
    runs = []
    for _ in range(2):
        net = MLP([2, 16, 16, 2], seed=4)
        h = train(net, X, y, Adam(lr=0.02), epochs=40, mode="minibatch", batch_size=20, loss="cross_entropy",
                  seed=9)
        runs.append((h.step_loss, net.flatten()))
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])
    assert net.accuracy(X, y) > 0.95


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda n: n.forward(np.zeros((3, 5))), r"X must have shape \(N, 2\)"),
        (lambda n: n.forward(np.zeros((0, 2))), "X is empty"),
        (lambda n: n.loss(np.zeros((3, 2)), np.array([0, 1, 5]), "cross_entropy"), r"labels must be in \[0, 2\]"),
        (lambda n: n.loss(np.zeros((3, 2)), np.zeros((3, 2)), "mse"), r"mse targets must have shape \(3, 3\)"),
        (lambda n: n.loss(np.zeros((3, 2)), np.zeros(3), "hinge"), "loss must be one of"),
        (lambda n: MLP([2, 3], activation="gelu"), "activation must be one of"),
        (lambda n: MLP([2]), "at least two positive integers"),
    ],
)
def test_bad_input_says_what_was_expected(call, words):
    with pytest.raises(ValueError, match=words):
        call(MLP([2, 4, 3], seed=0))
