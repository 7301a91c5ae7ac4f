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
    from scenes.kit.text import split_caption
    from scenes.loss_landscape import LossLandscape

    # The default run's numbers: curvatures 0.709 and 1.011 (1.011 / 0.709 = 1.426: "1.4x"); a step of
    # 0.5 either way changes batch 16's loss by +0.180 and +0.040 (mean 0.110) and batch 1024's by
    # +0.134 and +0.239 (mean 0.187): 0.187 / 0.110 = 1.70, "1.7x" -- the same run sharper both ways.
    v = LossLandscape.verdict(16, 1024, 0.709, 1.011, True, 0.5, (0.1796, 0.0398), (0.1341, 0.2393))
    assert v == ["At the same training loss, batch 1024's weights curve 1.4x more: 1.01 against 0.709.",
                 "On average, a step of 0.5 either way raises batch 1024's loss 1.7x more: 0.19 against 0.11.",
                 "The larger batch ended at sharper weights, as Keskar et al., 2017, found for large batches."]
    assert "minimum" not in " ".join(v)          # the gradient is not zero at batch 16's weights
    assert all(len(split_caption(s)) == 1 for s in v)      # each one caption screen (two lines at most)
    # The small batch curving more and rising more: the opposite of Keskar et al.
    v = LossLandscape.verdict(16, 1024, 1.0, 0.5, True, 0.5, (0.2, 0.2), (0.1, 0.1))
    assert "batch 16's weights curve 2.0x more" in v[0] and "batch 16's loss 2.0x more" in v[1] and "opposite" in v[2]
    # Curvature and the rise at +-delta disagree: said, not hidden, and no claim about Keskar et al.
    v = LossLandscape.verdict(16, 1024, 0.7, 1.0, True, 0.5, (0.3, 0.3), (0.1, 0.1))
    assert "batch 1024's weights curve 1.4x more" in v[0] and "batch 16's loss 3.0x more" in v[1]
    assert "only very near the dot" in v[2] and "Keskar" not in " ".join(v)
    v = LossLandscape.verdict(16, 1024, 1.0, 1.05, False, 0.5, (0.1, 0.1), (0.105, 0.105))   # within 10 %
    assert v[0].startswith("At different training losses") and "about as curved" in v[0]
    assert "about as much" in v[1]
    assert "not at a minimum" in LossLandscape.verdict(16, 1024, -0.2, 1.0, True, 0.5, (0.1, 0.1), (0.1, 0.1))[0]
    # A step that lowers the loss on average: no ratio of rises, the signed changes instead.
    assert "changes the loss by -0.01 (batch 16)" in LossLandscape.verdict(16, 1024, 0.7, 1.0, True, 0.5,
                                                                            (0.01, -0.03), (0.1, 0.1))[1]


def test_loss_rise_is_the_exact_loss_change_and_about_half_the_curvature_times_delta_squared(trained):
    from gdcore.landscape import loss_rise

    net, X, y = trained
    theta = net.flatten()
    s = sharpness_slice(net, X, y, iters=300, seed=0)

    def L(t):
        return net.loss(X, y, "cross_entropy", params=net.unflatten(theta + t * s.direction))

    minus, plus = loss_rise(net, X, y, s.direction, 0.3)
    # Independent reference: two plain forward passes (net.loss, not the batched einsum).
    assert minus == pytest.approx(L(-0.3) - L(0.0), rel=1e-9, abs=1e-12)
    assert plus == pytest.approx(L(0.3) - L(0.0), rel=1e-9, abs=1e-12)
    # The mean of the two cancels the slope; for a small step it is curvature * delta^2 / 2 up to O(delta^4):
    # at delta = 0.02 that is 1.548 * 0.0002 = 3.1e-4, with a fourth-order error far under 1 %.
    m = sum(loss_rise(net, X, y, s.direction, 0.02)) / 2
    assert m == pytest.approx(s.sharpness * 0.02**2 / 2, rel=0.01)


def test_a_parabola_tilts_only_where_the_slope_is_a_fifth_of_the_curvature_part():
    from types import SimpleNamespace as NS

    from scenes.loss_landscape import LossLandscape

    # The default run: batch 16 slope -0.087 against 0.709 * 0.5 / 2 = 0.177 (0.49 of it, tilted);
    # batch 1024 slope 0.024 against 1.011 * 0.5 / 2 = 0.253 (0.10 of it, not).
    runs = [NS(batch=16, sl=NS(slope=-0.0868, sharpness=0.709)), NS(batch=1024, sl=NS(slope=0.0244, sharpness=1.011))]
    w = LossLandscape.tilt_words(runs, 0.5)
    assert w.startswith("Batch 16's parabola tilts:") and "(-0.087)" in w and "not a minimum" in w and "1024" not in w
    runs[0].sl.slope = 0.01
    assert LossLandscape.tilt_words(runs, 0.5) == ""
    assert "these are alike: norm 19.7 and 19.3" in LossLandscape.norm_words([NS(norm=19.685), NS(norm=19.251)])
    assert "compare with care" in LossLandscape.norm_words([NS(norm=10.0), NS(norm=19.251)])


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
    # What the scene shows at +-0.5 (half the slice): batch 16's loss rises 0.180 and 0.040 (its weights
    # still slope down to the right, slope -0.087), batch 1024's 0.134 and 0.239; means 0.110 and 0.187.
    from gdcore.landscape import loss_rise

    half = p["slice_range"] / 2
    np.testing.assert_allclose(loss_rise(small, X, y, s0.direction, half), [0.1796, 0.0398], atol=0.003)
    np.testing.assert_allclose(loss_rise(large, X, y, s1.direction, half), [0.1341, 0.2393], atol=0.003)
    assert s0.slope == pytest.approx(-0.0868, abs=0.003)
    # The weights are about as large (norms 19.69 and 19.25), so the raw curvatures compare fairly.
    assert np.linalg.norm(small.flatten()) == pytest.approx(19.69, abs=0.05)
    assert np.linalg.norm(large.flatten()) == pytest.approx(19.25, abs=0.05)


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


def test_a_new_title_is_added_to_a_3d_scene_only_after_the_old_one_left(monkeypatch):
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

    # The kit's play_alone (updaters held during a fade) is plain scene.play for this fake scene.
    monkeypatch.setattr("scenes.kit.text.play_alone", lambda scene, *anims, **kw: scene.play(*anims, **kw))
    bar, scene = TitleBar(), Fake()
    bar.set(scene, "One")
    bar.set(scene, "Two")
    assert events == [("added", "One"), ("in", "One"), ("out", "One"), ("added", "Two"), ("in", "Two")]


def test_floor_ticks_stay_away_from_the_corners_and_the_middle():
    from scenes.loss_landscape import LossLandscape

    # -1..1 (the random plane): step 0.5; 0 is the middle (the name's place), +-1 the corners.
    assert LossLandscape.inner_ticks(-1.0, 1.0) == [-0.5, 0.5]
    # -20..5 (a PCA axis): step 5; -10 and -5 lie within 25/8 = 3.1 of the middle -7.5.
    assert LossLandscape.inner_ticks(-20.0, 5.0) == [-15.0, 0.0]


def test_the_plane_below_the_trained_weights_is_named_with_where_it_lies():
    from types import SimpleNamespace as NS

    from scenes.loss_landscape import LossLandscape

    # A 3x3 plane whose lowest loss, 0.04, lies at (1, 0): ahead of a path whose last step went from
    # (-1, 0) to (0, 0), the trained weights (loss 0.075).  0.04 < 0.9 * 0.075: named, "past" them.
    g = NS(alphas=np.array([-1.0, 0.0, 1.0]), betas=np.array([-1.0, 0.0, 1.0]),
           Z=np.array([[1.0, 0.5, 0.3], [0.9, 0.075, 0.04], [1.0, 0.5, np.inf]]))
    me = NS(p={"epochs": 8})
    pts = np.array([[-1.0, 0.0], [0.0, 0.0]])
    text, where, z = LossLandscape.lower_words(me, g, pts, 0.075)
    assert where == (1.0, 0.0) and z == 0.04
    assert text.startswith("This plane dips to loss 0.04 past the trained weights") and "8 epochs" in text
    # A path that came from the right: the lowest point is behind it, not "past".
    text, *_ = LossLandscape.lower_words(me, g, np.array([[1.0, 0.0], [0.0, 0.0]]), 0.075)
    assert "away from the trained weights" in text
    # Nothing a tenth lower than the trained weights: nothing said.
    assert LossLandscape.lower_words(me, g, pts, 0.044) is None
