"""gdcore.lessons: the update step, the hold-out split, memory per step and sharpness vs independent references."""

import numpy as np
import pytest

from gdcore.datasets import two_moons
from gdcore.lessons import gradient_step, sharpness, step_memory, train_test_split
from gdcore.mlp import MLP


def test_update_step_is_w_minus_lr_times_grad_for_every_weight():
    X, y = two_moons(20, seed=1)
    net = MLP([2, 5, 2], seed=2)
    _, grads = net.loss_and_grads(X[:1], y[:1], "cross_entropy")
    step = gradient_step(net.params, grads, lr=0.5)
    for p, g, new in zip(net.params, grads, step.new_params, strict=True):
        np.testing.assert_allclose(new, p - 0.5 * g, rtol=0, atol=0)
    # The shown weight is the one with the largest gradient, and its numbers are w - lr * g.
    k = step.layer
    assert abs(step.grad) == max(float(np.abs(grads[2 * m]).max()) for m in range(2))
    assert step.w == net.params[2 * k][step.i, step.j] and step.grad == grads[2 * k][step.i, step.j]
    assert step.new_w == pytest.approx(step.w - 0.5 * step.grad, abs=1e-15)
    # A small enough step along minus the gradient lowers the loss (first order).
    small = gradient_step(net.params, grads, lr=1e-3)
    assert net.loss(X[:1], y[:1], "cross_entropy", params=small.new_params) < net.loss(X[:1], y[:1], "cross_entropy")


def test_update_step_among_candidates_only():
    W = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros(2)]
    G = [np.array([[0.1, -9.0], [0.5, 0.2]]), np.zeros(2)]
    s = gradient_step(W, G, 1.0, candidates=[(0, 1, 0), (0, 1, 1)])
    assert (s.i, s.j, s.w, s.grad, s.new_w) == (1, 0, 3.0, 0.5, 2.5)
    with pytest.raises(ValueError):
        gradient_step(W, G, 0.0)


def test_split_is_stratified_disjoint_and_seeded():
    X, y = two_moons(120, seed=0)
    Xtr, ytr, Xte, yte = train_test_split(X, y, 0.25, seed=3)
    assert len(ytr) + len(yte) == 120 and len(yte) == 30
    assert [int((yte == k).sum()) for k in (0, 1)] == [15, 15]
    rows = {tuple(r) for r in X}
    assert {tuple(r) for r in Xtr} | {tuple(r) for r in Xte} == rows
    assert not {tuple(r) for r in Xtr} & {tuple(r) for r in Xte}
    again = train_test_split(X, y, 0.25, seed=3)
    np.testing.assert_array_equal(again[2], Xte)
    assert len(train_test_split(X, y, 0.0)[3]) == 0
    with pytest.raises(ValueError):
        train_test_split(X, y, 1.0)


def test_memory_of_one_layer_by_hand():
    # One layer 64 -> 10 in float32, batch 32: 64*10 + 10 = 650 weights and biases (2600 bytes),
    # as many gradients; activations: the input 32*64, then z and softmax output 2 * 32*10 -> 2688 numbers.
    m = step_memory([64, 10], batch_size=32, bytes_per_number=4)
    assert m.parameters == 650 * 4 and m.gradients == 650 * 4
    assert m.activations == (32 * 64 + 2 * 32 * 10) * 4
    assert m.optimizer == 0 and m.total == 2600 + 2600 + 2688 * 4
    # Adam keeps two moments per weight.
    assert step_memory([64, 10], 32, 4, optimizer_slots=2).optimizer == 2 * 2600
    # Activations grow linearly with the batch; weights do not.
    a, b = step_memory([64, 32, 10], 100), step_memory([64, 32, 10], 200)
    assert b.activations == 2 * a.activations and b.parameters == a.parameters


def test_sharpness_of_a_quadratic_is_its_largest_eigenvalue():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    eig = np.array([9.0, 3.0, 1.0, 0.5, 0.1, 0.01])
    H = Q @ np.diag(eig) @ Q.T
    lam = sharpness(lambda t: H @ t, np.ones(6), iters=200)
    assert lam == pytest.approx(9.0, rel=1e-6)


def test_sharpness_of_a_network_matches_a_finite_difference_hessian():
    X, y = two_moons(30, seed=0)
    net = MLP([2, 4, 2], seed=0)
    theta = net.flatten()

    def grad(t):
        return np.concatenate([g.ravel() for g in net.loss_and_grads(X, y, "cross_entropy", net.unflatten(t))[1]])

    h = 1e-5
    H = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    H = (H + H.T) / 2
    w = np.linalg.eigvalsh(H)
    top = w[np.argmax(np.abs(w))]
    assert sharpness(grad, theta, iters=300) == pytest.approx(top, rel=1e-3)


def test_largest_batch_is_the_last_that_fits():
    from gdcore.lessons import largest_batch

    sizes, device = [64, 32, 10], 10 * 2**20
    b = largest_batch(sizes, device)
    assert step_memory(sizes, b).total <= device < step_memory(sizes, b + 1).total
    assert largest_batch(sizes, 100) == 0          # not even the weights fit


def test_step_spread_per_epoch_and_partial_epoch_left_out():
    from gdcore.lessons import step_spread

    losses = [1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 0.5, 0.5, 9.0]     # 3 steps per epoch
    med, lo, hi = step_spread(losses[:8], 3)
    np.testing.assert_allclose(med, [2.0, 4.0])
    np.testing.assert_allclose(lo, [np.percentile([1, 2, 3], 10), np.percentile([4, 5, 0.5], 10)])
    np.testing.assert_allclose(hi, [np.percentile([1, 2, 3], 90), np.percentile([4, 5, 0.5], 90)])
    assert len(step_spread(losses, 3)[0]) == 3 and len(step_spread(losses[:7], 3)[0]) == 2


def test_sharpest_direction_is_the_top_eigenvector():
    H = np.diag([4.0, 1.0, 0.5])
    lam, v = sharpness(lambda t: H @ t, np.zeros(3), iters=200, return_vector=True)
    assert lam == pytest.approx(4.0, rel=1e-6)
    assert abs(v[0]) == pytest.approx(1.0, abs=1e-6) and np.linalg.norm(v) == pytest.approx(1.0)
    # Along it the quadratic rises as lam * t**2 / 2.
    t = 0.3
    x = t * v
    assert 0.5 * x @ H @ x == pytest.approx(lam * t * t / 2, rel=1e-9)
