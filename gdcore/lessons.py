"""Numbers the network scenes show about one training step: the update, a held-out split, memory, sharpness.

- :func:`train_test_split` -- a stratified, seeded hold-out split of a labelled dataset.
- :func:`gradient_step` -- one plain step ``w <- w - lr * dL/dw`` with the weight that moved most.
- :func:`step_memory` -- bytes one training step needs (parameters, activations, gradients) for a batch size.
- :func:`sharpness` -- the largest curvature of the loss at a point (power iteration on Hessian-vector
  products by central differences of the gradient), as in Keskar et al. 2017's sharp/flat comparison.

Examples
--------
>>> import numpy as np
>>> W = [np.array([[1.0, -2.0]]), np.zeros(2)]
>>> G = [np.array([[0.5, 4.0]]), np.zeros(2)]
>>> s = gradient_step(W, G, lr=0.1)
>>> (s.layer, s.i, s.j), s.w, s.grad, round(s.new_w, 6)
((0, 0, 1), -2.0, 4.0, -2.4)
>>> m = step_memory([2, 3, 1], batch_size=4, bytes_per_number=4)
>>> m.parameters, m.gradients, m.activations
(52, 52, 160)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from gdcore.checks import check_lr

__all__ = [
    "StepMemory",
    "UpdateStep",
    "gradient_step",
    "largest_batch",
    "machine_description",
    "sharpness",
    "step_memory",
    "step_spread",
    "train_test_split",
]


def train_test_split(X: ArrayLike, y: ArrayLike, test_fraction: float = 0.25, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: ``round(test_fraction * n_k)`` of each class ``k`` held out.

    Stratified by label and fixed by ``seed``; the order within each part is the data's order.

    Raises
    ------
    ValueError
        For ``test_fraction`` outside [0, 1), mismatched lengths, or a split leaving no training sample.
    """
    X, y = np.asarray(X), np.asarray(y)
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for k in np.unique(y):
        idx = np.nonzero(y == k)[0]
        take = round(test_fraction * len(idx))
        test[rng.choice(idx, size=take, replace=False)] = True
    if test.all():
        raise ValueError("the split leaves no training sample: lower test_fraction")
    return X[~test], y[~test], X[test], y[test]


@dataclass(frozen=True)
class UpdateStep:
    """One step ``new = params - lr * grads``, and the weight (layer, i, j) that moved the most."""

    lr: float
    new_params: list[np.ndarray]
    layer: int
    i: int
    j: int
    w: float
    grad: float
    new_w: float

    @property
    def delta(self) -> float:
        return self.new_w - self.w


def gradient_step(params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float,
                  candidates: Iterable[tuple[int, int, int]] | None = None) -> UpdateStep:
    """Plain gradient descent on ``params = [W1, b1, W2, b2, ...]``: ``w <- w - lr * dL/dw``.

    The highlighted weight is the one with the largest ``|grad|`` among the weight matrices, or
    among ``candidates`` ``(layer, i, j)`` if given (e.g. the edges a diagram draws); ties: the first.
    """
    if len(params) != len(grads) or any(np.shape(p) != np.shape(g) for p, g in zip(params, grads, strict=True)):
        raise ValueError("params and grads must have the same shapes")
    lr = check_lr(lr)
    new = [np.asarray(p, float) - lr * np.asarray(g, float) for p, g in zip(params, grads, strict=True)]
    if candidates is None:
        candidates = [(k, i, j) for k in range(len(params) // 2) for i, j in np.ndindex(np.shape(params[2 * k]))]
    k, i, j = max(candidates, key=lambda c: abs(float(grads[2 * c[0]][c[1], c[2]])))
    return UpdateStep(float(lr), new, int(k), int(i), int(j), float(params[2 * k][i, j]),
                      float(grads[2 * k][i, j]), float(new[2 * k][i, j]))


@dataclass(frozen=True)
class StepMemory:
    """Bytes one training step holds at its peak: weights, their gradients, and the batch's activations.

    ``activations`` counts the input batch and every layer's pre-activation and output (kept for the
    backward pass); ``optimizer`` the optimizer's state (0 for plain SGD, 2 per weight for Adam).
    """

    parameters: int
    gradients: int
    activations: int
    optimizer: int

    @property
    def total(self) -> int:
        return self.parameters + self.gradients + self.activations + self.optimizer


def step_memory(sizes: Sequence[int], batch_size: int, bytes_per_number: int = 4,
                optimizer_slots: int = 0) -> StepMemory:
    """What :class:`StepMemory` a step of an MLP with layer widths ``sizes`` needs for ``batch_size`` samples.

    Each layer ``n_in -> n_out`` has ``n_in * n_out + n_out`` parameters and as many gradients; the
    batch keeps its input (``batch * sizes[0]``) and, per layer, ``z`` and ``a`` (``2 * batch * n_out``;
    the linear output layer's ``a`` is its ``z``, but the softmax probabilities take its place).
    ``bytes_per_number`` 4 is float32, as on a GPU.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1 or batch_size < 1:
        raise ValueError(f"need at least two positive sizes and batch_size >= 1, got {sizes}, {batch_size}")
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    n_act = batch_size * (sizes[0] + 2 * sum(sizes[1:]))
    b = int(bytes_per_number)
    return StepMemory(n_params * b, n_params * b, n_act * b, optimizer_slots * n_params * b)


def largest_batch(sizes: Sequence[int], device_bytes: float, bytes_per_number: int = 4,
                  optimizer_slots: int = 0) -> int:
    """The largest batch whose :func:`step_memory` total fits in ``device_bytes`` (0 if not even the weights fit)."""
    one = step_memory(sizes, 1, bytes_per_number, optimizer_slots)
    fixed = one.parameters + one.gradients + one.optimizer
    per_sample = one.activations
    return max(0, int((device_bytes - fixed) // per_sample)) if device_bytes >= fixed else 0


def step_spread(step_loss: ArrayLike, steps_per_epoch: int, q: tuple[float, float] = (10.0, 90.0)
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per epoch: the median and the ``q`` percentiles of the training loss of that epoch's steps.

    Returns ``(median, low, high)``, one entry per complete epoch of ``step_loss`` (a run that
    diverged mid-epoch leaves its partial epoch out).
    """
    losses = np.asarray(step_loss, float)
    n = len(losses) // int(steps_per_epoch)
    L = losses[: n * steps_per_epoch].reshape(n, steps_per_epoch)
    return np.median(L, axis=1), np.percentile(L, q[0], axis=1), np.percentile(L, q[1], axis=1)


def machine_description() -> str:
    """The CPU model and core count of this machine (for a frame that shows measured times)."""
    import os
    import platform

    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    model = " ".join(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    n = os.cpu_count() or 1
    return f"{model}, {n} core{'s' if n != 1 else ''}"


@overload
def sharpness(grad: Callable[[np.ndarray], np.ndarray], theta: ArrayLike, iters: int = 50, eps: float = 1e-4,
              seed: int = 0, return_vector: Literal[False] = False) -> float: ...
@overload
def sharpness(grad: Callable[[np.ndarray], np.ndarray], theta: ArrayLike, iters: int = 50, eps: float = 1e-4,
              seed: int = 0, *, return_vector: Literal[True]) -> tuple[float, np.ndarray]: ...


def sharpness(grad: Callable[[np.ndarray], np.ndarray], theta: ArrayLike, iters: int = 50, eps: float = 1e-4,
              seed: int = 0, return_vector: bool = False) -> float | tuple[float, np.ndarray]:
    """The Hessian's eigenvalue of largest size at ``theta``, from gradients only.

    Power iteration on ``H v ~ (grad(theta + eps v) - grad(theta - eps v)) / (2 eps)`` for unit ``v``
    (the Rayleigh quotient ``v . H v`` of the last iterate is returned, so its sign is kept).
    With ``return_vector``, ``(eigenvalue, unit eigenvector)``: the sharpest direction, along which
    the loss near a minimum rises as ``eigenvalue * t**2 / 2``.
    """
    th = np.asarray(theta, float)
    rng = np.random.default_rng(seed)
    v = rng.normal(size=th.shape)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        hv = (grad(th + eps * v) - grad(th - eps * v)) / (2 * eps)
        lam = float(v @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0.0:
            return (0.0, v) if return_vector else 0.0
        v = hv / norm
    return (lam, v) if return_vector else lam
