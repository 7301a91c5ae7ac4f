"""Flat versus sharp and the loss_landscape scene's numbers, against independent references.

The sharpness the scene shows (:func:`gdcore.landscape.sharpness_slice`, power iteration on
Hessian-vector products made from gradients) is checked against a Hessian built from loss values
only (second differences, no gradient code involved), and against the curvature of the loss along
the returned direction.
"""

import numpy as np
import pytest

from gdcore.datasets import two_moons
from gdcore.landscape import path_on_plane, pca_directions, sharpness_slice, train_until
from gdcore.mlp import MLP, train
from gdcore.optim import Adam


@pytest.fixture(scope="module")
def trained():
    X, y = two_moons(80, noise=0.15, seed=1)
    net = MLP([2, 8, 2], seed=0)                  # 42 parameters: a full Hessian is cheap
    train(net, X, y, Adam(lr=0.03), epochs=40, mode="minibatch", batch_size=16, loss="cross_entropy")
    return net, X, y


def loss_only_hessian(net, X, y, theta, h=1e-4):
    """H_ij = (L(+i+j) - L(+i-j) - L(-i+j) + L(-i-j)) / (4 h^2): from forward passes alone."""
    n = theta.size
    E = np.eye(n) * h
    signs = ((1, 1), (1, -1), (-1, 1), (-1, -1))
    pts = [theta + s * E[i] + t * E[j] for i in range(n) for j in range(n) for s, t in signs]
    L = net.batched_loss(X, y, np.array(pts), loss="cross_entropy").reshape(n, n, 4)
    H = (L[..., 0] - L[..., 1] - L[..., 2] + L[..., 3]) / (4 * h * h)
    return (H + H.T) / 2


def test_sharpness_is_the_top_eigenvalue_of_a_finite_difference_hessian(trained):
    net, X, y = trained
    theta = net.flatten()
    w = np.linalg.eigvalsh(loss_only_hessian(net, X, y, theta))
    top = w[np.argmax(np.abs(w))]
    # This trained net: top eigenvalue about 1.548, the next 0.673 (a gap ratio of 0.43), so 500 power
    # steps converge far below the tolerance; the second differences are good to about h^2 = 1e-8
    # relative, plus rounding 1e-16 * L / h^2 ~ 1e-9.  rel 1e-4 leaves room for both and still fails if
    # the power iteration stopped on the second eigenvalue or the Hessian-vector product were wrong.
    assert top == pytest.approx(1.548, abs=1e-3)
    s = sharpness_slice(net, X, y, iters=500, seed=0)
    assert s.sharpness == pytest.approx(top, rel=1e-4)


def test_the_slice_curves_as_the_sharpness_and_slopes_as_the_gradient(trained):
    net, X, y = trained
    theta = net.flatten()
    s = sharpness_slice(net, X, y, half_width=0.5, n=41, iters=300, seed=0)

    def L(t):
        return net.loss(X, y, "cross_entropy", params=net.unflatten(theta + t * s.direction))

    h = 1e-3
    # Second and first central differences of the loss along the returned direction: its curvature
    # is the sharpness (v.Hv for the eigenvector, error O(h^2) ~ 1e-6) and its slope the one reported.
    assert (L(h) - 2 * L(0.0) + L(-h)) / h**2 == pytest.approx(s.sharpness, rel=1e-4)
    assert (L(h) - L(-h)) / (2 * h) == pytest.approx(s.slope, rel=1e-4, abs=1e-8)
    assert np.linalg.norm(s.direction) == pytest.approx(1.0, rel=1e-12)
    # The slice holds exact losses, and the dashed parabola (the Taylor expansion) touches it at 0.
    np.testing.assert_allclose(s.loss[[0, 20, 40]], [L(-0.5), L(0.0), L(0.5)], rtol=1e-10)
    assert s.taylor(np.array([0.0]))[0] == pytest.approx(L(0.0), rel=1e-12)
    t = 0.025
    assert abs(s.taylor(np.array([t]))[0] - L(t)) < 1e-4      # O(t^3): third-order terms only
    with pytest.raises(ValueError, match="n must be odd"):
        sharpness_slice(net, X, y, n=40)


def test_train_until_stops_at_the_first_epoch_that_reaches_the_target():
    X, y = two_moons(60, noise=0.15, seed=3)
    ref = MLP([2, 6, 2], seed=1)
    full = train(ref, X, y, Adam(lr=0.03), epochs=60, mode="minibatch", batch_size=60, loss="cross_entropy")
    target = full.epoch_loss[20]                # reached after epoch 20 of the same run, perhaps earlier
    first = next(e for e, v in enumerate(full.epoch_loss) if e >= 1 and v <= target)
    net = MLP([2, 6, 2], seed=1)
    hist, reached = train_until(net, X, y, Adam(lr=0.03), target, max_epochs=60, batch_size=60)
    # Same seed, same batches: the run is the reference run cut at the first epoch at or below target.
    assert reached and len(hist.epoch_loss) - 1 == first
    assert hist.epoch_loss[-1] <= target < hist.epoch_loss[-2]
    np.testing.assert_allclose(hist.epoch_loss, full.epoch_loss[:first + 1], rtol=1e-12)
    # An unreachable target: the run ends at max_epochs, not reached.
    hist2, reached2 = train_until(MLP([2, 6, 2], seed=1), X, y, Adam(lr=0.03), 1e-9, max_epochs=3, batch_size=60)
    assert not reached2 and len(hist2.epoch_loss) - 1 == 3
    with pytest.raises(ValueError, match="target_loss must be finite"):
        train_until(net, X, y, Adam(lr=0.03), float("nan"), 3, 60)


def test_verdict_sentence_follows_the_numbers():
    from scenes.loss_landscape import LossLandscape

    v = LossLandscape.verdict(16, 1024, 0.709, 1.011, True)
    # 1.011 / 0.709 = 1.426: "1.4x", the large batch the sharper one, as Keskar et al. found.
    assert "batch-1024 minimum is 1.4x sharper than the batch-16 one" in v and "costs 1.4x more" in v
    assert v.startswith("At the same training loss") and "(Keskar et al., 2017)" in v
    assert "opposite" in LossLandscape.verdict(16, 1024, 1.0, 0.5, True)          # 2.0x, the small batch
    assert "batch-16 minimum is 2.0x sharper" in LossLandscape.verdict(16, 1024, 1.0, 0.5, True)
    assert "about as sharp" in LossLandscape.verdict(16, 1024, 1.0, 1.05, False)   # within 10 %
    assert LossLandscape.verdict(16, 1024, 1.0, 1.05, False).startswith("At different training losses")
    assert "not at a minimum" in LossLandscape.verdict(16, 1024, -0.2, 1.0, True)


def test_log_heights_leave_holes_only_where_the_loss_is_not_finite():
    from scenes.loss_landscape import LossLandscape

    H = LossLandscape.log_loss(np.array([0.1, 1.0, 100.0, np.inf, np.nan]))
    np.testing.assert_allclose(H[:3], [-1.0, 0.0, 2.0])
    assert np.isnan(H[3:]).all()


@pytest.fixture(scope="module")
def default_scene_data():
    from scenes.params import scene_data, scene_params

    p = scene_params("loss_landscape")
    X, y = scene_data("loss_landscape", p)
    return p, X, y


def test_default_flat_vs_sharp_small_batch_is_flatter_at_the_same_loss(default_scene_data):
    p, X, y = default_scene_data
    n = len(y)
    sizes = [X.shape[1], *p["hidden"], int(y.max()) + 1]
    small = MLP(sizes, activation=p["activation"], seed=p["seed"])
    h0 = train(small, X, y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=p["flat_batch"],
               loss="cross_entropy", seed=p["seed"])
    large = MLP(sizes, activation=p["activation"], seed=p["seed"])
    h1, reached = train_until(large, X, y, Adam(lr=p["lr"]), h0.epoch_loss[-1], 400, min(p["sharp_batch"], n),
                              seed=p["seed"])
    s0 = sharpness_slice(small, X, y, iters=p["sharpness_iters"], seed=p["seed"])
    s1 = sharpness_slice(large, X, y, iters=p["sharpness_iters"], seed=p["seed"])
    # Measured when the beat was written (digits, 64-32-10 tanh, Adam 0.01): batch 16 reaches loss
    # 0.0350 in 8 epochs with sharpness 0.709; batch 1024 needs 85 epochs to reach 0.0345 and is
    # 1.01 sharp, 1.43x sharper -- the direction Keskar et al. report.  2 % tolerance for BLAS sums.
    assert reached and h0.epoch_loss[-1] == pytest.approx(0.0350, rel=0.02)
    assert len(h1.epoch_loss) - 1 == 85 and h1.epoch_loss[-1] <= h0.epoch_loss[-1]
    assert s0.sharpness == pytest.approx(0.709, rel=0.02) and s1.sharpness == pytest.approx(1.011, rel=0.02)
    assert s1.sharpness / s0.sharpness == pytest.approx(1.43, rel=0.03)


def test_default_path_largest_gap_between_true_and_plane_loss(default_scene_data):
    # The number the old ending showed belongs here: the largest |true - plane| loss over the
    # checkpoints of the default run, at the first checkpoint (the start, farthest from the plane):
    # true 2.324, plane 2.016, gap 0.308, with PC1 + PC2 holding 93.5 % + 5.4 % of the path's variance.
    p, X, y = default_scene_data
    net = MLP([X.shape[1], *p["hidden"], int(y.max()) + 1], activation=p["activation"], seed=p["seed"])
    hist = train(net, X, y, Adam(lr=p["lr"]), epochs=p["epochs"], mode="minibatch", batch_size=p["batch_size"],
                 loss="cross_entropy", seed=p["seed"], snapshot_every=p["snapshot_every"])
    thetas = np.array([net.flatten(s.params) for s in hist.snapshots])
    plane = pca_directions(thetas, center=net.flatten())
    path = path_on_plane(net, X, y, thetas, net.flatten(), plane.d1, plane.d2, "cross_entropy")
    gaps = np.abs(path.true_loss - path.plane_loss)
    assert len(thetas) == 38 and int(np.argmax(gaps)) == 0
    assert path.max_gap == pytest.approx(0.308, abs=0.002)
    np.testing.assert_allclose(plane.explained, [0.935, 0.054], atol=0.002)


def test_a_new_title_is_added_to_a_3d_scene_only_after_the_old_one_left():
    # ThreeDScene.add_fixed_in_frame_mobjects also adds the mobject to the scene: the new title must
    # not be fixed (so shown at full opacity) while the old one fades out, as it was at 21 s of the
    # loss_landscape render (both titles on top of each other).
    from manim import FadeIn, FadeOut

    from scenes.kit.text import TitleBar

    events: list[tuple[str, str]] = []

    class Fake:
        def add_fixed_in_frame_mobjects(self, mob):
            events.append(("added", mob.text))

        def play(self, anim, **_kw):
            kind = "out" if isinstance(anim, FadeOut) else "in" if isinstance(anim, FadeIn) else "?"
            events.append((kind, anim.mobject.text))

    bar, scene = TitleBar(), Fake()
    bar.set(scene, "One")
    bar.set(scene, "Two")
    assert events == [("added", "One"), ("in", "One"), ("out", "One"), ("added", "Two"), ("in", "Two")]
