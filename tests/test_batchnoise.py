"""The batch-noise measure of gd_variants (gdcore.batchnoise) against closed forms and the network's own loss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gdcore.batchnoise import (
    about,
    batch_noise,
    batch_noise_of_losses,
    expected_batch_sd,
    format_bytes_binary,
    per_example_loss,
)
from gdcore.datasets import digits
from gdcore.mlp import MLP


def test_expected_sd_is_the_exact_sd_of_all_subset_means():
    # Enumerate every 2-subset of 6 numbers: the population sd of their 15 means is the closed form.
    v = np.array([0.3, 1.0, 2.5, 0.0, 4.0, 1.7])
    for b in (1, 2, 3, 6):
        means = [np.mean(s) for s in itertools.combinations(v, b)]
        assert expected_batch_sd(float(np.std(v)), len(v), b) == pytest.approx(float(np.std(means)), abs=1e-12)


def test_per_example_losses_average_to_the_network_loss():
    d = digits()
    net = MLP([64, 32, 10], activation="tanh", seed=0)
    per = per_example_loss(net, d.X_train, d.y_train)
    assert len(per) == len(d.y_train)
    # The batch loss is the mean of its examples' losses: checked on the whole set and on one batch.
    assert per.mean() == pytest.approx(net.loss(d.X_train, d.y_train, "cross_entropy"), rel=1e-12)
    idx = np.arange(5, 600, 7)
    assert per[idx].mean() == pytest.approx(net.loss(d.X_train[idx], d.y_train[idx], "cross_entropy"), rel=1e-12)


@pytest.fixture(scope="module")
def noise():
    d = digits()
    net = MLP([64, 32, 10], activation="tanh", seed=0)
    return batch_noise(net, d.X_train, d.y_train, [1, 32, 64, 128, 256, 512, len(d.y_train)], n_batches=2000,
                       seed=0)


def test_measured_sd_matches_sampling_without_replacement(noise):
    # 2000 batches per size: the sd estimate's relative standard error is about 1/sqrt(2*1999) = 1.6% for
    # near-normal batch means (b >= 32) and about 4% for b = 1 (skewed losses): 10% is over 2.5 standard errors.
    for b in (1, 32, 64, 128, 256, 512):
        assert noise.measured[b] == pytest.approx(noise.expected[b], rel=0.10), b
    # The full batch is the same batch every time: no noise at all.
    assert noise.measured[noise.n] == 0.0 and noise.expected[noise.n] == 0.0


def test_ratio_32_to_512_is_the_finite_population_sqrt(noise):
    # Without replacement from N = 1438: sqrt(512/32 * (N-32)/(N-512)) = 4.93, not the naive sqrt(16) = 4.
    n = noise.n
    assert n == 1438
    want = np.sqrt(512 / 32 * (n - 32) / (n - 512))
    assert want == pytest.approx(4.93, abs=0.005)
    got = noise.measured[32] / noise.measured[512]
    assert got == pytest.approx(want, rel=0.10)
    assert abs(got - 4.0) > 0.4          # the finite-population factor is visible, not lost in the noise


def test_seeded_and_independent_of_other_sizes():
    v = np.random.default_rng(1).exponential(size=300)
    a = batch_noise_of_losses(v, [4, 16], n_batches=200, seed=3)
    b = batch_noise_of_losses(v, [16], n_batches=200, seed=3)
    assert a.measured[16] == b.measured[16]
    assert a.measured[4] != batch_noise_of_losses(v, [4], n_batches=200, seed=4).measured[4]


def test_bad_input():
    with pytest.raises(ValueError, match="batch size"):
        batch_noise_of_losses(np.ones(5), [6])
    with pytest.raises(ValueError, match="n_batches"):
        batch_noise_of_losses(np.ones(5), [2], n_batches=1)


def test_binary_units_and_rounded_counts():
    # 9640 B / 1024 = 9.41 KiB; 4 * 2**30 B is 4 GiB exactly; 831 * 1024 B is 831 KiB.
    assert format_bytes_binary(9640) == "9.4 KiB"
    assert format_bytes_binary(4 * 2**30) == "4 GiB"
    assert format_bytes_binary(831 * 1024) == "831 KiB"
    assert format_bytes_binary(500) == "500 B"
    assert about(7_254_979) == "about 7.3 million"
    assert about(1438) == "1,438"
    assert about(48_000) == "about 48 thousand"
