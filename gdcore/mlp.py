"""A vectorized multi-layer perceptron with backprop by hand, and its training loop.

``params`` is the list ``[W1, b1, W2, b2, ...]`` with ``W`` of shape (fan_in, fan_out)
and ``b`` of shape (fan_out,); hidden layers use the activation, the last layer is
linear.  Losses follow the big frameworks: ``"mse"`` is the mean over all elements
of (output - y)^2, ``"cross_entropy"`` the batch mean of softmax cross-entropy with
integer labels.

Examples
--------
>>> from gdcore.datasets import two_moons
>>> from gdcore.optim import Adam
>>> X, y = two_moons(100, seed=0)
>>> net = MLP([2, 16, 16, 2], seed=0)
>>> hist = train(net, X, y, Adam(lr=0.02), epochs=60, mode="batch", loss="cross_entropy")
>>> bool(hist.epoch_loss[-1] < hist.epoch_loss[0] / 3), net.accuracy(X, y) > 0.95
(True, True)
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from gdcore.checks import is_int
from gdcore.cost import MEMORY_BUDGET, format_bytes
from gdcore.optim import Optimizer

__all__ = ["ACTIVATIONS", "LOSSES", "MLP", "MODES", "History", "Snapshot", "train"]

ACTIVATIONS = ("tanh", "relu", "sigmoid")
LOSSES = ("mse", "cross_entropy")
#: How many samples one step sees: all of them ("batch"), one ("stochastic"), or ``batch_size``
#: ("minibatch"). The same names in :func:`train` and :func:`gdcore.linfit.fit_line`.
MODES = ("batch", "stochastic", "minibatch")


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return 0.5 * (1.0 + np.tanh(0.5 * z))   # sigmoid, overflow-free


def _act_grad(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """d activation / dz, from the pre-activation z and the activation a."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(z.dtype)
    return a * (1.0 - a)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class MLP:
    """A fully connected network.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``[2, 16, 16, 1]``.
    activation : {"tanh", "relu", "sigmoid"}
        Of the hidden layers; the output layer is linear.
    seed : int
        Seeds the initial weights: normal with std ``sqrt(2 / fan_in)`` for relu (He)
        and ``sqrt(2 / (fan_in + fan_out))`` otherwise (Glorot); biases zero.
    max_bytes : float, optional
        Refuse (ValueError) a network whose weights alone would take more memory than this;
        default :data:`gdcore.cost.MEMORY_BUDGET` (4 GiB).

    Raises
    ------
    ValueError
        For sizes that are not positive integers (bools are refused: ``True`` is not a width),
        an unknown activation, or weights over ``max_bytes``.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", seed: int = 0,
                 max_bytes: float | None = None) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or not all(is_int(s) and s >= 1 for s in sizes):
            raise ValueError(f"sizes must be at least two positive integers (input ... output), got {sizes!r}")
        n_params = sum(int(a) * int(b) + int(b) for a, b in itertools.pairwise(sizes))
        limit = MEMORY_BUDGET if max_bytes is None else max_bytes
        if 8 * n_params > limit:
            raise ValueError(f"MLP({[int(s) for s in sizes]}) has {n_params:,} weights: {format_bytes(8 * n_params)} "
                             f"for the weights alone, over the budget of {format_bytes(limit)} (max_bytes)")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.params: list[np.ndarray] = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            std = math.sqrt(2.0 / fan_in) if activation == "relu" else math.sqrt(2.0 / (fan_in + fan_out))
            self.params += [rng.normal(0.0, std, (fan_in, fan_out)), np.zeros(fan_out)]

    # ------------------------------------------------------------- checks
    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)

    def check_X(self, X: ArrayLike) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}), got {X.shape}")
        if X.shape[0] == 0:
            raise ValueError("X is empty: need at least one sample")
        return X

    def check_y(self, y: ArrayLike, n: int, loss: str) -> np.ndarray:
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        y = np.asarray(y)
        if loss == "cross_entropy":
            if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
                raise ValueError(f"cross_entropy needs integer labels of shape ({n},), got {y.dtype} {y.shape}")
            k = self.sizes[-1]
            if y.min() < 0 or y.max() >= k:
                raise ValueError(f"labels must be in [0, {k - 1}] for {k} outputs, got {y.min()}..{y.max()}")
            return y
        y = y.astype(float)
        if y.ndim == 1 and self.sizes[-1] == 1:
            y = y[:, None]
        if y.shape != (n, self.sizes[-1]):
            raise ValueError(f"mse targets must have shape ({n}, {self.sizes[-1]}), got {y.shape}")
        return y

    def check_params(self, params: list[np.ndarray] | None) -> list[np.ndarray]:
        if params is None:
            return self.params
        if len(params) != len(self.params) or any(p.shape != q.shape for p, q in zip(params, self.params, strict=True)):
            raise ValueError("params must match the network: [W1, b1, ...] with shapes "
                             f"{[q.shape for q in self.params]}")
        return params

    # ------------------------------------------------------------ forward
    @overload
    def forward(self, X: ArrayLike, params: list[np.ndarray] | None = None,
                return_activations: Literal[False] = False) -> np.ndarray: ...
    @overload
    def forward(self, X: ArrayLike, params: list[np.ndarray] | None,
                return_activations: Literal[True]) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]: ...
    @overload
    def forward(self, X: ArrayLike, *,
                return_activations: Literal[True]) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]: ...

    def forward(self, X: ArrayLike, params: list[np.ndarray] | None = None, return_activations: bool = False
                ) -> np.ndarray | tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Outputs (N, n_out); with ``return_activations`` also ``(zs, activations)`` per layer.

        ``activations[0]`` is X, ``activations[k]`` the output of layer k; ``zs[k-1]`` its pre-activation.
        """
        X = self.check_X(X)
        params = self.check_params(params)
        a = X
        zs, acts = [], [X]
        for k in range(self.n_layers):
            W, b = params[2 * k], params[2 * k + 1]
            z = a @ W + b
            a = z if k == self.n_layers - 1 else _act(self.activation, z)
            zs.append(z)
            acts.append(a)
        return (a, zs, acts) if return_activations else a

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class predictions (argmax of the outputs; for one output, output > 0.5)."""
        out = self.forward(X)
        return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)

    def accuracy(self, X: ArrayLike, y: ArrayLike) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # ----------------------------------------------------------- backward
    def loss(self, X: ArrayLike, y: ArrayLike, loss: str = "mse", params: list[np.ndarray] | None = None) -> float:
        out = self.forward(X, params)
        y = self.check_y(y, out.shape[0], loss)
        return self._loss_value(out, y, loss)

    @staticmethod
    def _loss_value(out: np.ndarray, y: np.ndarray, loss: str) -> float:
        if loss == "mse":
            return float(np.mean((out - y) ** 2))
        return float(-np.mean(_log_softmax(out)[np.arange(len(y)), y]))

    def loss_and_grads(self, X: ArrayLike, y: ArrayLike, loss: str = "mse",
                       params: list[np.ndarray] | None = None) -> tuple[float, list[np.ndarray]]:
        """The loss and its gradients in ``params`` order, by vectorized backprop."""
        out, zs, acts = self.forward(X, params, return_activations=True)
        params = self.check_params(params)
        n = out.shape[0]
        y = self.check_y(y, n, loss)
        if loss == "mse":
            value = float(np.mean((out - y) ** 2))
            delta = 2.0 * (out - y) / out.size          # d loss / d out
        else:
            logp = _log_softmax(out)
            value = float(-np.mean(logp[np.arange(n), y]))
            delta = np.exp(logp)
            delta[np.arange(n), y] -= 1.0
            delta /= n
        grads: list[np.ndarray] = [np.empty(0)] * len(params)
        for k in reversed(range(self.n_layers)):
            if k < self.n_layers - 1:
                delta = delta * _act_grad(self.activation, zs[k], acts[k + 1])
            grads[2 * k] = acts[k].T @ delta
            grads[2 * k + 1] = delta.sum(axis=0)
            if k > 0:
                delta = delta @ params[2 * k].T
        return value, grads

    # ------------------------------------------------- flat parameter view
    def flatten(self, params: list[np.ndarray] | None = None) -> np.ndarray:
        """All parameters as one vector (W1, b1, W2, ... in order)."""
        return np.concatenate([p.ravel() for p in self.check_params(params)])

    def unflatten(self, theta: np.ndarray) -> list[np.ndarray]:
        """Inverse of :meth:`flatten`."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        out, i = [], 0
        for p in self.params:
            out.append(theta[i:i + p.size].reshape(p.shape))
            i += p.size
        return out

    def batched_loss(self, X: ArrayLike, y: ArrayLike, thetas: np.ndarray, loss: str = "mse",
                     chunk: int = 64) -> np.ndarray:
        """Loss at many flat parameter vectors ``thetas`` (P, n_params) with batched matmuls.

        Each chunk of parameter sets runs as one stack of forward passes
        (``einsum`` over a leading parameter axis) instead of P separate passes.
        """
        X = self.check_X(X)
        n = X.shape[0]
        y = self.check_y(y, n, loss)
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        if thetas.shape[1] != self.n_params:
            raise ValueError(f"thetas must have shape (P, {self.n_params}), got {thetas.shape}")
        shapes = [p.shape for p in self.params]
        offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
        out = np.empty(len(thetas))
        for start in range(0, len(thetas), chunk):
            T = thetas[start:start + chunk]
            P = len(T)
            a = np.broadcast_to(X, (P, *X.shape))
            for k in range(self.n_layers):
                W = T[:, offsets[2 * k]:offsets[2 * k + 1]].reshape((P,) + shapes[2 * k])
                b = T[:, offsets[2 * k + 1]:offsets[2 * k + 2]].reshape(P, 1, -1)
                z = np.matmul(a, W) + b
                a = z if k == self.n_layers - 1 else _act(self.activation, z)
            out[start:start + P] = _stacked_loss(a, y, loss)
        return out

    def plane_loss(self, X: ArrayLike, y: ArrayLike, center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                   coords: np.ndarray, loss: str = "mse", chunk: int = 64) -> np.ndarray:
        """Loss at ``center + a*d1 + b*d2`` for every row ``(a, b)`` of ``coords`` (P, 2).

        The same numbers as :meth:`batched_loss` on those parameter vectors, without building the
        (P, n_params) matrix of them: the first layer is linear in its parameters, so its
        pre-activations anywhere on the plane are ``Z0 + a*U + b*V``, with ``Z0``, ``U`` and ``V``
        from three matmuls done once; only the later layers run per point.  (On the digits net
        that buys ~10%: the activations and the softmax, per point, are most of the work.)

        >>> net = MLP([2, 4, 1], seed=0)
        >>> X = np.array([[0.5, -1.0], [1.0, 2.0]]); y = np.array([[1.0], [0.0]])
        >>> c = net.flatten(); rng = np.random.default_rng(0)
        >>> d1, d2 = rng.normal(size=c.size), rng.normal(size=c.size)
        >>> ab = np.array([[0.0, 0.0], [0.3, -0.2]])
        >>> bool(np.allclose(net.plane_loss(X, y, c, d1, d2, ab),
        ...                  net.batched_loss(X, y, c + ab[:, :1] * d1 + ab[:, 1:] * d2)))
        True
        """
        X = self.check_X(X)
        n = X.shape[0]
        y = self.check_y(y, n, loss)
        vecs = [np.asarray(v, dtype=float).ravel() for v in (center, d1, d2)]
        for name, v in zip(("center", "d1", "d2"), vecs, strict=True):
            if v.shape != (self.n_params,):
                raise ValueError(f"{name} must have {self.n_params} entries (the flat parameters), got {v.shape}")
        coords = np.atleast_2d(np.asarray(coords, dtype=float))
        if coords.ndim != 2 or coords.shape[1] != 2:
            raise ValueError(f"coords must have shape (P, 2), got {coords.shape}")
        shapes = [p.shape for p in self.params]
        offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
        w_end, b_end = offsets[1], offsets[2]
        # First layer, once per direction: pre-activations are linear in (W1, b1).
        Z0, U, V = (X @ v[:w_end].reshape(shapes[0]) + v[w_end:b_end] for v in vecs)
        basis = np.stack([Z0, U, V]).reshape(3, -1)           # (3, n*h): z = [1, a, b] @ basis
        rest = [v[b_end:] for v in vecs]
        out = np.empty(len(coords))
        for start in range(0, len(coords), chunk):
            ab = coords[start:start + chunk]
            P = len(ab)
            z = (np.column_stack([np.ones(P), ab]) @ basis).reshape((P, *Z0.shape))
            a = z if self.n_layers == 1 else _act(self.activation, z)
            T = rest[0][None] + ab[:, :1] * rest[1][None] + ab[:, 1:] * rest[2][None]
            for k in range(1, self.n_layers):
                lo = offsets[2 * k] - b_end
                W = T[:, lo:offsets[2 * k + 1] - b_end].reshape((P,) + shapes[2 * k])
                b = T[:, offsets[2 * k + 1] - b_end:offsets[2 * k + 2] - b_end].reshape(P, 1, -1)
                z = np.matmul(a, W) + b
                a = z if k == self.n_layers - 1 else _act(self.activation, z)
            out[start:start + P] = _stacked_loss(a, y, loss)
        return out


def _stacked_loss(out: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """The loss of each of a stack of outputs ``out`` (P, n, k) against the same targets."""
    if loss == "mse":
        return np.mean((out - y) ** 2, axis=(1, 2))
    logp = _log_softmax(out)
    return -logp[:, np.arange(out.shape[1]), y].mean(axis=1)


# ---------------------------------------------------------------- training


@dataclass
class Snapshot:
    """The network at one step: weights, activations for the probe input, the loss of the batch.
    (No gradients: no scene read them, and they were half of every snapshot's memory.)"""

    step: int
    epoch: float
    params: list[np.ndarray]
    activations: list[np.ndarray] | None
    loss: float


@dataclass
class History:
    """What a training run recorded."""

    mode: str
    batch_size: int
    steps_per_epoch: int
    step_loss: list[float] = field(default_factory=list)      # training loss of each step's batch
    epoch_loss: list[float] = field(default_factory=list)     # full training loss after each epoch (0 = start)
    epoch_test_loss: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each epoch's steps
    snapshots: list[Snapshot] = field(default_factory=list)
    #: "finished", or "diverged" when a loss, gradient or weight stopped being finite; training
    #: then stopped at ``diverged_at`` (the step that failed) with the last finite weights kept,
    #: and every list above holds finite numbers only (``epoch_loss`` one entry per finished epoch).
    status: str = "finished"
    diverged_at: int | None = None


def train(model: MLP, X: ArrayLike, y: ArrayLike, optimizer: Optimizer, epochs: int, mode: str = "minibatch",
          batch_size: int = 32, loss: str = "mse", seed: int = 0, X_test: ArrayLike | None = None,
          y_test: ArrayLike | None = None, snapshot_every: int = 0, probe: ArrayLike | None = None,
          callback: Callable[[int, History], None] | None = None) -> History:
    """Train ``model`` in place with ``optimizer``.

    Parameters
    ----------
    mode : {"batch", "stochastic", "minibatch"}
        Full batch (1 step per epoch), batch size 1 (N steps per epoch), or mini-batches of
        ``batch_size`` (ceil(N / batch_size) steps), shuffled each epoch with ``seed``.
    snapshot_every : int
        Record a :class:`Snapshot` every this many steps (and at the start and the end); 0 for none.
    probe : array (k, n_in), optional
        Inputs whose activations are stored in each snapshot (neurons drawn filled by activation).
    callback : callable(epoch, history), optional
        Called after every epoch (progress display); nothing is printed otherwise.

    Returns
    -------
    History
        With ``status`` "finished", or "diverged" if a batch loss, a gradient, a weight or an
        epoch's loss stopped being finite (like :func:`gdcore.trajectory.descend`): training stops
        there, keeps the last finite weights, records no NaN and lets no RuntimeWarning escape.
        ``epochs``, ``batch_size`` and ``snapshot_every`` may be NumPy integers.
    """
    X = model.check_X(X)
    n = X.shape[0]
    y = model.check_y(y, n, loss)
    if mode not in MODES:
        raise ValueError(f"mode must be 'batch', 'stochastic' or 'minibatch', got {mode!r}")
    if not (is_int(epochs) and epochs >= 1):
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    epochs = int(epochs)
    bs = {"batch": n, "stochastic": 1}.get(mode, batch_size)
    if not (is_int(bs) and bs >= 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    bs = min(int(bs), n)
    if not (is_int(snapshot_every) and snapshot_every >= 0):
        raise ValueError(f"snapshot_every must be an integer >= 0, got {snapshot_every!r}")
    snapshot_every = int(snapshot_every)
    test: tuple[np.ndarray, np.ndarray] | None = None
    if X_test is not None:
        if y_test is None:
            raise ValueError("X_test needs its targets y_test")
        Xt = model.check_X(X_test)
        test = (Xt, model.check_y(y_test, Xt.shape[0], loss))
    probe_X = None if probe is None else model.check_X(probe)
    rng = np.random.default_rng(seed)
    opt = optimizer.clone()
    steps_per_epoch = -(-n // bs)
    hist = History(mode, bs, steps_per_epoch)

    def snap(step: int, batch_loss: float) -> None:
        acts = model.forward(probe_X, return_activations=True)[2] if probe_X is not None else None
        hist.snapshots.append(Snapshot(step, step / steps_per_epoch, [p.copy() for p in model.params], acts,
                                       batch_loss))

    def finite(value: float, arrays: list[np.ndarray]) -> bool:
        return math.isfinite(value) and all(np.isfinite(a).all() for a in arrays)

    # Overflow is how a run diverges: it is detected below and stops the run, so NumPy's
    # warnings about it would only be noise.
    with np.errstate(all="ignore"):
        hist.epoch_loss.append(model._loss_value(model.forward(X), y, loss))
        if test is not None:
            hist.epoch_test_loss.append(model._loss_value(model.forward(test[0]), test[1], loss))
        if not finite(hist.epoch_loss[0], []):
            raise ValueError("the loss of the initial network is not finite (check X and y)")
        if snapshot_every:
            snap(0, hist.epoch_loss[0])
        step = 0
        for epoch in range(epochs):
            order = np.arange(n) if mode == "batch" else rng.permutation(n)
            t0 = time.perf_counter()
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                value, grads = model.loss_and_grads(X[idx], y[idx], loss)
                new = opt.step(model.params, grads) if finite(value, grads) else None
                if new is None or not finite(0.0, new):
                    hist.status, hist.diverged_at = "diverged", step + 1
                    break
                model.params = new
                step += 1
                hist.step_loss.append(value)
                if snapshot_every and step % snapshot_every == 0:
                    snap(step, value)
            if hist.status == "diverged":
                break
            epoch_loss = model._loss_value(model.forward(X), y, loss)
            test_loss = model._loss_value(model.forward(test[0]), test[1], loss) if test is not None else 0.0
            if not (math.isfinite(epoch_loss) and math.isfinite(test_loss)):
                hist.status, hist.diverged_at = "diverged", step
                break
            hist.epoch_seconds.append(time.perf_counter() - t0)
            hist.epoch_loss.append(epoch_loss)
            if test is not None:
                hist.epoch_test_loss.append(test_loss)
            if callback is not None:
                callback(epoch + 1, hist)
        if snapshot_every and (not hist.snapshots or hist.snapshots[-1].step != step):
            value = model.loss(X, y, loss)
            if math.isfinite(value):
                snap(step, value)
    return hist
