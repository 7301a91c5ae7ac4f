"""Datasets: shapes, labels, determinism, the fixed digits split and the shipped data's checksum."""

import hashlib

import numpy as np
import pytest

from gdcore.datasets import DIGITS_FILE, digits, spirals, two_moons


def test_shipped_digits_checksum():
    # SHA-256 recorded when the file was made from scikit-learn 1.9.1's digits.csv.gz.
    with np.load(DIGITS_FILE) as f:
        digest = hashlib.sha256(f["images"].tobytes() + f["labels"].tobytes()).hexdigest()
    assert digest == "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"


def test_digits_split_is_fixed_and_stratified():
    a, b = digits(), digits()
    assert a.X_train.shape == (1438, 64) and a.X_test.shape == (359, 64)   # 1797 images, 20% per class
    assert np.array_equal(a.y_test, b.y_test) and np.array_equal(a.X_train, b.X_train)
    assert a.X_train.min() == 0.0 and a.X_train.max() == 1.0               # pixel counts 0..16 scaled
    counts = np.bincount(a.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37                        # ~20% of ~180 per digit


@pytest.mark.parametrize("make", [lambda s: two_moons(50, 0.1, s), lambda s: spirals(60, 3, 0.2, s)])
def test_toy_sets_are_seeded(make):
    (X1, y1), (X2, y2), (X3, _) = make(0), make(0), make(1)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2) and not np.array_equal(X1, X3)
    assert X1.shape[1] == 2 and y1.dtype.kind == "i"


def test_moons_are_balanced_and_errors():
    _, y = two_moons(101, seed=0)
    assert np.bincount(y).tolist() == [50, 51]
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        two_moons(1)
    with pytest.raises(ValueError, match="classes must be"):
        spirals(30, classes=1)
