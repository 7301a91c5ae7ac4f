"""Optimizers against hand-computed updates from the published (torch.optim) formulas."""

import math

import numpy as np
import pytest

from gdcore.optim import SGD, Adagrad, Adam, RMSprop, make


def run(opt, p0, grads):
    p = np.array(p0, float)
    out = []
    for g in grads:
        p = opt.step(p, np.array(g, float))
        out.append(p.copy())
    return out


def test_sgd_plain():
    # p1 = 1 - 0.1*2 = 0.8; p2 = 0.8 - 0.1*(-1) = 0.9
    assert np.allclose(run(SGD(lr=0.1), [1.0], [[2.0], [-1.0]]), [[0.8], [0.9]])


def test_sgd_momentum_dampening_and_weight_decay():
    # mu=0.9, dampening=0.5, wd=0.1, lr=0.1, p0=1:
    # step 1: g = 2 + 0.1*1 = 2.1; buf = g = 2.1 (first step, no dampening); p = 1 - 0.21 = 0.79
    # step 2: g = 1 + 0.1*0.79 = 1.079; buf = 0.9*2.1 + 0.5*1.079 = 2.4295; p = 0.79 - 0.24295 = 0.54705
    got = run(SGD(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1), [1.0], [[2.0], [1.0]])
    assert np.allclose(got, [[0.79], [0.54705]])


def test_sgd_nesterov():
    # step 1: buf = 2; g = 2 + 0.9*2 = 3.8; p = 1 - 0.38 = 0.62
    # step 2: buf = 0.9*2 + 1 = 2.8; g = 1 + 0.9*2.8 = 3.52; p = 0.62 - 0.352 = 0.268
    assert np.allclose(run(SGD(lr=0.1, momentum=0.9, nesterov=True), [1.0], [[2.0], [1.0]]), [[0.62], [0.268]])


def test_rmsprop():
    # alpha=0.9, lr=0.01, eps=1e-8. step 1: v = 0.1*4 = 0.4; p = 1 - 0.01*2/sqrt(0.4) = 0.968377223
    # step 2: v = 0.9*0.4 + 0.1*1 = 0.46; p -= 0.01*1/sqrt(0.46) -> 0.953633...
    got = run(RMSprop(lr=0.01, alpha=0.9), [1.0], [[2.0], [1.0]])
    assert got[0][0] == pytest.approx(1 - 0.02 / math.sqrt(0.4), abs=1e-9)
    assert got[1][0] == pytest.approx(got[0][0] - 0.01 / math.sqrt(0.46), abs=1e-9)


def test_rmsprop_centered_with_momentum():
    # step 1: v = 0.4, m = 0.2, avg = sqrt(0.4 - 0.04) = 0.6; buf = 2/0.6; p = 1 - 0.01*buf
    got = run(RMSprop(lr=0.01, alpha=0.9, centered=True, momentum=0.5), [1.0], [[2.0], [1.0]])
    buf1 = 2 / 0.6
    assert got[0][0] == pytest.approx(1 - 0.01 * buf1, abs=1e-9)
    # step 2: v = 0.46, m = 0.9*0.2 + 0.1 = 0.28, avg = sqrt(0.46 - 0.0784); buf = 0.5*buf1 + 1/avg
    buf2 = 0.5 * buf1 + 1 / math.sqrt(0.46 - 0.0784)
    assert got[1][0] == pytest.approx(got[0][0] - 0.01 * buf2, abs=1e-9)


def test_adam():
    # lr=0.1: step 1: m_hat = g, v_hat = g^2 -> p = 1 - 0.1*2/(2+1e-8) = 0.9 (Adam's first step is lr*sign(g))
    # step 2 (g=1): m = 0.9*0.2 + 0.1 = 0.28, v = 0.999*0.004 + 0.001 = 0.004996
    #   m_hat = 0.28/0.19 = 1.473684, v_hat = 0.004996/0.001999 = 2.499249 -> step = 0.1*1.473684/1.580901
    got = run(Adam(lr=0.1), [1.0], [[2.0], [1.0]])
    assert got[0][0] == pytest.approx(0.9, abs=1e-8)
    step2 = 0.1 * (0.28 / 0.19) / (math.sqrt(0.004996 / (1 - 0.999**2)) + 1e-8)
    assert got[1][0] == pytest.approx(got[0][0] - step2, abs=1e-12)
    assert step2 == pytest.approx(0.0932178, abs=1e-6)


def test_adagrad_with_lr_decay():
    # lr=0.1, lr_decay=0.5: step 1 clr = 0.1, s = 4, p = 1 - 0.1*2/2 = 0.9
    # step 2: clr = 0.1/1.5, s = 5, p = 0.9 - (0.1/1.5)/sqrt(5)
    got = run(Adagrad(lr=0.1, lr_decay=0.5), [1.0], [[2.0], [1.0]])
    assert got[0][0] == pytest.approx(0.9)
    assert got[1][0] == pytest.approx(0.9 - (0.1 / 1.5) / math.sqrt(5))


def test_defaults_equal_torch():
    assert RMSprop().hyperparams == {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}
    assert Adam().hyperparams == {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8}
    assert Adagrad().hyperparams == {"lr": 0.01, "eps": 1e-10}


def test_list_of_params_state_per_position_and_inputs_untouched():
    opt = Adam(lr=0.1)
    a, b = np.array([1.0, 2.0]), np.array([[3.0]])
    new = opt.step([a, b], [np.array([1.0, -1.0]), np.array([[2.0]])])
    assert np.allclose(new[0], [0.9, 2.1]) and np.allclose(new[1], [[2.9]])
    assert a.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="changed shape"):
        opt.step([a], [a])
    fresh = opt.clone()
    assert fresh.t == 0 and fresh.hyperparams == opt.hyperparams


@pytest.mark.parametrize(
    "make_opt, words",
    [
        (lambda: SGD(lr=0), r"lr must be a finite number > 0, got 0"),
        (lambda: SGD(lr=float("nan")), "lr must be a finite number > 0"),
        (lambda: SGD(lr=-1e-3), "lr must be a finite number > 0"),
        (lambda: SGD(lr=0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda: SGD(lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: RMSprop(alpha=1.5), r"alpha must be in \[0, 1\)"),
        (lambda: RMSprop(eps=0), r"eps must be in \(0, inf\)"),
        (lambda: Adam(betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda: Adam(weight_decay=-1), r"weight_decay must be in \[0, inf\)"),
        (lambda: Adagrad(lr_decay=-0.1), r"lr_decay must be in \[0, inf\)"),
        (lambda: make("lbfgs"), "unknown optimizer 'lbfgs'; known: sgd"),
    ],
)
def test_bad_hyperparameters_name_the_parameter_and_range(make_opt, words):
    with pytest.raises(ValueError, match=words):
        make_opt()


def test_make_and_names():
    assert make("momentum", lr=0.1).name == "Momentum" and make("momentum", lr=0.1).momentum == 0.9
    assert make("sgd", lr=0.1).name == "SGD" and make("adam").name == "Adam"


def test_registry_builds_the_four_in_race_order():
    # NAMES is the one list of the raced optimizers; make() builds each from its name, and the
    # result steps exactly like the class built by hand (same rule, same defaults).
    from gdcore.optim import NAMES, REGISTRY

    assert NAMES == ("SGD", "Momentum", "RMSprop", "Adam")
    assert list(REGISTRY)[:4] == [n.lower() for n in NAMES]
    by_hand = {"SGD": SGD(lr=0.05), "Momentum": SGD(lr=0.05, momentum=0.9), "RMSprop": RMSprop(lr=0.05),
               "Adam": Adam(lr=0.05)}
    g = np.array([0.3, -1.2])
    for name in NAMES:
        built = make(name, lr=0.05)
        assert built.name == name and repr(built) == repr(by_hand[name])
        p, q = np.array([1.0, 2.0]), np.array([1.0, 2.0])
        for _ in range(3):
            p, q = built.step(p, g), by_hand[name].step(q, g)
        np.testing.assert_array_equal(p, q)
    assert make("adam", lr=0.1, betas=[0.8, 0.9]).betas == (0.8, 0.9)      # a TOML list
    assert make("NESTEROV", lr=0.1).name == "Nesterov"


def test_the_scenes_use_the_one_list():
    # The parameter keys of the optimizer scenes' rates and the theme's colours follow NAMES.
    from gdcore.optim import NAMES
    from scenes.kit import THEME
    from scenes.params import lr_keys, scene_params

    assert lr_keys() == ("lr_sgd", "lr_momentum", "lr_rmsprop", "lr_adam")
    for scene in ("optimizers", "loss_surface"):
        assert set(lr_keys()) <= set(scene_params(scene)), scene
    assert set(NAMES) <= set(THEME.OPTIMIZER)
