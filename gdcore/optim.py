"""Optimizers with the update rules, defaults and parameter names of ``torch.optim``.

Each optimizer holds its own state.  ``opt.step(params, grad)`` takes an array
(or a list of arrays with a matching list of gradients) and returns the
updated array(s); the inputs are not modified.  State is kept per position in
the list, so the same list layout must be passed at every step.

The rules follow the pseudo-code in the PyTorch documentation
(``maximize=False``, ``amsgrad=False``, ``foreach`` irrelevant):

- SGD: ``g += wd*p``; ``b = mu*b + (1-dampening)*g`` (``b = g`` at the first step);
  ``g = g + mu*b`` if nesterov else ``b``; ``p -= lr*g``.
- RMSprop: ``v = alpha*v + (1-alpha)*g^2``; centered: ``m = alpha*m + (1-alpha)*g``,
  ``v~ = v - m^2``; ``u = g / (sqrt(v~) + eps)``; momentum: ``b = mu*b + u``, ``p -= lr*b``;
  else ``p -= lr*u``.
- Adam: ``m = b1*m + (1-b1)*g``; ``v = b2*v + (1-b2)*g^2``;
  ``p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)``.
- Adagrad: ``clr = lr / (1 + (t-1)*lr_decay)``; ``s += g^2``; ``p -= clr * g / (sqrt(s) + eps)``.

Examples
--------
>>> opt = SGD(lr=0.1, momentum=0.9)
>>> p = np.array([1.0, -2.0])
>>> p = opt.step(p, np.array([2.0, -4.0]))     # b = g
>>> p.tolist()
[0.8, -1.6]
>>> np.round(opt.step(p, np.array([1.6, -3.2])), 12).tolist()  # b = 0.9*g0 + g1
[0.46, -0.92]
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any, cast, overload

import numpy as np
from numpy.typing import ArrayLike

from gdcore.checks import check_lr, check_range

__all__ = ["NAMES", "REGISTRY", "SGD", "Adagrad", "Adam", "Optimizer", "RMSprop", "make"]


class Optimizer:
    """Base class: state per parameter position, ``step`` returning new arrays."""

    #: Display name.
    name = "Optimizer"
    #: Learning rate (every optimizer has one; checked by :func:`check_lr`).
    lr: float

    def __init__(self) -> None:
        self.state: list[dict[str, Any]] = []
        self.t = 0

    @property
    def hyperparams(self) -> dict[str, Any]:
        """The hyperparameters in use, for display (same names as torch.optim)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (moments, step count)."""
        self.state = []
        self.t = 0

    def clone(self) -> Optimizer:
        """A fresh optimizer with the same hyperparameters and empty state."""
        new = copy.copy(self)
        new.reset()
        return new

    @overload
    def step(self, params: list[np.ndarray] | tuple[np.ndarray, ...],
             grad: Sequence[ArrayLike]) -> list[np.ndarray]: ...
    @overload
    def step(self, params: ArrayLike, grad: ArrayLike) -> np.ndarray: ...

    def step(self, params: ArrayLike | list[np.ndarray] | tuple[np.ndarray, ...],
             grad: ArrayLike | Sequence[ArrayLike]) -> np.ndarray | list[np.ndarray]:
        """One update. ``params``/``grad``: an array, or lists of arrays of matching shapes."""
        p_in: list[ArrayLike]
        g_in: list[ArrayLike]
        if isinstance(params, (list, tuple)):       # lists of arrays: the gradient is a list too
            single, p_in, g_in = False, list(params), list(cast("Sequence[ArrayLike]", grad))
        else:
            single, p_in, g_in = True, [params], [cast("ArrayLike", grad)]
        if len(p_in) != len(g_in):
            raise ValueError(f"step: got {len(p_in)} parameter arrays but {len(g_in)} gradients")
        ps = [np.asarray(p, dtype=float) for p in p_in]
        gs = [np.asarray(g, dtype=float) for g in g_in]
        for i, (p, g) in enumerate(zip(ps, gs, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"step: parameter {i} has shape {p.shape} but its gradient {g.shape}")
        if not self.state:
            self.state = [{} for _ in ps]
        elif len(self.state) != len(ps) or any(
            "shape" in s and s["shape"] != p.shape for s, p in zip(self.state, ps, strict=True)
        ):
            raise ValueError("step: the parameters changed shape or number since the last step; call reset()")
        self.t += 1
        out = []
        for s, p, g in zip(self.state, ps, gs, strict=True):
            s["shape"] = p.shape
            out.append(self._update(s, p, g))
        return out[0] if single else out

    def _update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparams.items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum, as ``torch.optim.SGD``."""

    def __init__(self, lr: float, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        self.lr = check_lr(lr)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0)
        self.dampening = check_range("dampening", dampening, 0.0, 1.0, hi_open=False)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0, math.inf)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)

    @property
    def name(self) -> str:  # type: ignore[override]
        if self.momentum > 0:
            return "Nesterov" if self.nesterov else "Momentum"
        return "SGD"

    @property
    def hyperparams(self) -> dict[str, Any]:
        hp: dict[str, Any] = {"lr": self.lr}
        if self.momentum:
            hp["momentum"] = self.momentum
        if self.dampening:
            hp["dampening"] = self.dampening
        if self.nesterov:
            hp["nesterov"] = True
        if self.weight_decay:
            hp["weight_decay"] = self.weight_decay
        return hp

    def _update(self, s: dict[str, Any], p: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = g.copy() if "buf" not in s else self.momentum * s["buf"] + (1 - self.dampening) * g
            s["buf"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        return p - self.lr * g

    def velocity(self, index: int = 0) -> np.ndarray | None:
        """The momentum buffer of parameter ``index`` (None before the first step or without momentum)."""
        if index < len(self.state):
            return self.state[index].get("buf")
        return None


class RMSprop(Optimizer):
    """RMSprop as ``torch.optim.RMSprop``: divide by a running RMS of the gradient."""

    name = "RMSprop"

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__()
        self.lr = check_lr(lr)
        self.alpha = check_range("alpha", alpha, 0.0, 1.0)
        self.eps = check_range("eps", eps, 0.0, math.inf, lo_open=True)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0, math.inf)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0)
        self.centered = bool(centered)

    @property
    def hyperparams(self) -> dict[str, Any]:
        hp: dict[str, Any] = {"lr": self.lr, "alpha": self.alpha, "eps": self.eps}
        if self.weight_decay:
            hp["weight_decay"] = self.weight_decay
        if self.momentum:
            hp["momentum"] = self.momentum
        if self.centered:
            hp["centered"] = True
        return hp

    def _update(self, s: dict[str, Any], p: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * p
        v = self.alpha * s.get("square_avg", 0.0) + (1 - self.alpha) * g * g
        s["square_avg"] = v
        if self.centered:
            m = self.alpha * s.get("grad_avg", 0.0) + (1 - self.alpha) * g
            s["grad_avg"] = m
            avg = np.sqrt(v - m * m) + self.eps
        else:
            avg = np.sqrt(v) + self.eps
        if self.momentum:
            buf = self.momentum * s.get("buf", 0.0) + g / avg
            s["buf"] = buf
            return p - self.lr * buf
        return p - self.lr * g / avg


class Adam(Optimizer):
    """Adam as ``torch.optim.Adam``: momentum plus RMS scaling, both bias-corrected."""

    name = "Adam"

    def __init__(self, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__()
        self.lr = check_lr(lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), each in [0, 1), got {betas!r}")
        self.betas = (check_range("betas[0]", betas[0], 0.0, 1.0), check_range("betas[1]", betas[1], 0.0, 1.0))
        self.eps = check_range("eps", eps, 0.0, math.inf, lo_open=True)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0, math.inf)

    @property
    def hyperparams(self) -> dict[str, Any]:
        hp: dict[str, Any] = {"lr": self.lr, "betas": self.betas, "eps": self.eps}
        if self.weight_decay:
            hp["weight_decay"] = self.weight_decay
        return hp

    def _update(self, s: dict[str, Any], p: np.ndarray, g: np.ndarray) -> np.ndarray:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * p
        m = b1 * s.get("exp_avg", 0.0) + (1 - b1) * g
        v = b2 * s.get("exp_avg_sq", 0.0) + (1 - b2) * g * g
        s["exp_avg"], s["exp_avg_sq"] = m, v
        m_hat = m / (1 - b1**self.t)
        v_hat = v / (1 - b2**self.t)
        return p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class Adagrad(Optimizer):
    """Adagrad as ``torch.optim.Adagrad``: divide by the root of all past squared gradients."""

    name = "Adagrad"

    def __init__(self, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__()
        self.lr = check_lr(lr)
        self.lr_decay = check_range("lr_decay", lr_decay, 0.0, math.inf)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0, math.inf)
        self.initial_accumulator_value = check_range("initial_accumulator_value", initial_accumulator_value,
                                                      0.0, math.inf)
        self.eps = check_range("eps", eps, 0.0, math.inf, lo_open=True)

    @property
    def hyperparams(self) -> dict[str, Any]:
        hp: dict[str, Any] = {"lr": self.lr, "eps": self.eps}
        for k in ("lr_decay", "weight_decay", "initial_accumulator_value"):
            if getattr(self, k):
                hp[k] = getattr(self, k)
        return hp

    def _update(self, s: dict[str, Any], p: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * p
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        acc = s.get("sum", np.full(p.shape, self.initial_accumulator_value)) + g * g
        s["sum"] = acc
        return p - clr * g / (np.sqrt(acc) + self.eps)


#: The four optimizers the videos race, in the order the blog (seed 001) introduces them: the
#: one list of them, its order, and (lower-cased, ``lr_sgd``...) the parameter keys of their rates.
NAMES = ("SGD", "Momentum", "RMSprop", "Adam")


def _momentum(**hyper: Any) -> Optimizer:
    hyper.setdefault("momentum", 0.9)
    return SGD(**hyper)


def _nesterov(**hyper: Any) -> Optimizer:
    hyper.setdefault("momentum", 0.9)
    return SGD(nesterov=True, **hyper)


def _adam(**hyper: Any) -> Optimizer:
    if "betas" in hyper:                       # a TOML or JSON list
        hyper["betas"] = tuple(hyper["betas"])
    return Adam(**hyper)


#: Every optimizer :func:`make` builds, by lower-cased name: the four of :data:`NAMES`, then
#: Nesterov and Adagrad.  Each built optimizer's ``name`` is its key's display form.
REGISTRY: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD, "momentum": _momentum, "rmsprop": RMSprop, "adam": _adam,
    "nesterov": _nesterov, "adagrad": Adagrad,
}


def make(name: str, **hyper: Any) -> Optimizer:
    """An optimizer by name (case-insensitive): ``SGD``, ``Momentum`` (SGD with momentum 0.9 unless
    given), ``RMSprop``, ``Adam`` (:data:`NAMES`), ``Nesterov`` or ``Adagrad``, with ``hyper`` the
    hyperparameters of its class (torch.optim's names).

    >>> make("Momentum", lr=0.1)
    SGD(lr=0.1, momentum=0.9)
    >>> [make(n, lr=0.01).name for n in NAMES]
    ['SGD', 'Momentum', 'RMSprop', 'Adam']
    """
    key = name.lower()
    if key not in REGISTRY:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[key](**hyper)
