"""Loss landscapes: filter normalization, PCA plane through the final weights, grid vs point-wise."""

import numpy as np
import pytest

from gdcore.datasets import two_moons
from gdcore.landscape import filter_normalized_direction, loss_surface, path_on_plane, pca_directions
from gdcore.mlp import MLP, train
from gdcore.optim import Adam


@pytest.fixture(scope="module")
def trained():
    X, y = two_moons(80, noise=0.15, seed=1)
    net = MLP([2, 8, 8, 2], seed=0)
    h = train(net, X, y, Adam(lr=0.03), epochs=30, mode="minibatch", batch_size=16, loss="cross_entropy",
              snapshot_every=5)
    thetas = np.array([net.flatten(s.params) for s in h.snapshots])
    return net, X, y, thetas


def test_filter_normalized_directions_match_filter_norms(trained):
    net, *_ = trained
    d = net.unflatten(filter_normalized_direction(net, seed=3))
    for p, q in zip(net.params, d):
        if p.ndim == 2:
            np.testing.assert_allclose(np.linalg.norm(q, axis=0), np.linalg.norm(p, axis=0), rtol=1e-9)
        else:
            assert not q.any()          # biases get no direction


def test_centre_of_the_landscape_is_the_trained_loss(trained):
    net, X, y, thetas = trained
    theta = net.flatten()
    d1, d2 = filter_normalized_direction(net, seed=1), filter_normalized_direction(net, seed=2)
    grid = loss_surface(net, X, y, theta, d1, d2, np.linspace(-1, 1, 5), np.linspace(-1, 1, 5), "cross_entropy")
    assert grid.Z[2, 2] == pytest.approx(net.loss(X, y, "cross_entropy"), rel=1e-12)
    # Batched evaluation equals one forward pass per point.
    for j, b in enumerate(grid.betas):
        for i, a in enumerate(grid.alphas):
            direct = net.loss(X, y, "cross_entropy", params=net.unflatten(theta + a * d1 + b * d2))
            assert grid.Z[j, i] == pytest.approx(direct, rel=1e-10)


def test_pca_path_passes_through_the_final_weights(trained):
    net, X, y, thetas = trained
    plane = pca_directions(thetas)
    np.testing.assert_allclose(plane.coords[-1], [0.0, 0.0], atol=1e-12)
    assert abs(plane.d1 @ plane.d2) < 1e-10 and np.linalg.norm(plane.d1) == pytest.approx(1.0)
    assert 0 < plane.explained.sum() <= 1
    path = path_on_plane(net, X, y, thetas, thetas[-1], plane.d1, plane.d2, "cross_entropy")
    # The final checkpoint lies in the plane: its plane loss is its true loss.
    assert path.residual[-1] < 1e-10 and path.true_loss[-1] == pytest.approx(path.plane_loss[-1])
    assert path.max_gap >= 0 and len(path.coords) == len(thetas)
