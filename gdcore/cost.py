"""How much memory and time the heavy work will take, before it runs.

A budget check needs an estimate from the parameters alone: a wide network, many points,
batch size 1 and a snapshot every step are each within their limits, but together they
take gigabytes and hours.  This module estimates, for the computations gdcore does:

- :func:`train_cost` -- :func:`gdcore.mlp.train` (steps, epoch losses, snapshots);
- :func:`plane_cost` -- :meth:`gdcore.mlp.MLP.plane_loss` on a grid (loss landscapes);
- :func:`batched_cost` -- :meth:`gdcore.mlp.MLP.batched_loss` / plain forward passes on many
  parameter sets or points (paths on a plane, decision-boundary grids);
- :func:`pca_cost` -- :func:`gdcore.landscape.pca_directions` (an SVD of the checkpoints);
- :func:`descend_cost` -- :func:`gdcore.trajectory.descend` steps on a registered loss or an
  expression;
- :func:`linefit_cost` -- :func:`gdcore.linfit.fit_line` (per-sample SGD over a line's points).

Each is a :class:`Cost` (seconds, peak bytes).  Time is a sum of per-unit constants times unit
counts; memory counts the float64 arrays the code allocates, times a measured overhead.  The
constants were measured on the 2-core development machine with ``benchmarks/bench_cost.py``
(which fits them by least squares over small runs and prints measured against estimated);
the estimates are meant to be within a factor of 3 (tested in ``tests/test_cost.py``).

Examples
--------
>>> c = train_cost([2, 8, 8, 2], n=120, epochs=80, batch_size=20, snapshot_every=4)
>>> c.seconds < 1.0, c.bytes < 200 * 2**20
(True, True)
>>> big = train_cost([2, 4096, 4096, 2], n=100_000, epochs=80, batch_size=1, snapshot_every=1)
>>> big.bytes > 4 * 2**30, big.seconds > 3600
(True, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CONSTANTS",
    "MEMORY_BUDGET",
    "TIME_BUDGET",
    "Cost",
    "batched_cost",
    "descend_cost",
    "format_bytes",
    "format_seconds",
    "linefit_cost",
    "macs",
    "n_params",
    "pca_cost",
    "plane_cost",
    "train_cost",
]

#: Peak memory allowed for one scene's heavy work (bytes): 4 GiB, half of a small 8 GB machine.
MEMORY_BUDGET = 4 * 2**30
#: Heavy compute allowed for one scene (seconds) before anything is drawn: 3 minutes.
TIME_BUDGET = 180.0

# ------------------------------------------------------------------ constants
# Measured on the 2-core development machine (OpenBLAS, one thread per render as
# publish sets it) with ``python benchmarks/bench_cost.py``: each constant is the least-squares
# fit of measured wall times (median of 3) over the small configurations listed in that script;
# memory factors are measured peaks (tracemalloc, which sees NumPy's allocations) over the
# counted float64 bytes.  Re-run the script and paste its output here after changing gdcore.
CONSTANTS = {
    # train(): one optimizer step = STEP + LAYER*layers + MAC*batch*macs + ACT*batch*units + PARAM*weights;
    # an epoch's loss on all n samples costs a third of a step's per-sample work (forward only).
    "train_step": 0.0,           # s per step (fitted 0: the per-layer term absorbs it)
    "train_layer": 3.38e-05,     # s per layer per step (Python overhead of forward, backward, Adam)
    "train_mac": 7.99e-11,       # s per multiply-add per sample (forward + backward)
    "train_act": 1.1e-08,        # s per unit (activation) per sample (tanh, deltas, softmax)
    "train_param": 9.5e-09,      # s per weight per step (Adam's moments, new arrays)
    "snapshot_param": 2.2e-09,   # s per number copied into a snapshot (its weights)
    # plane_loss(): per grid point
    "plane_point": 7.28e-06,     # s per grid point
    "plane_mac": 4.14e-11,       # s per multiply-add per sample per grid point (layers after the first)
    "plane_act": 2.89e-09,       # s per hidden unit per sample per grid point
    # descend(): per step
    "descend_step": 1.86e-05,    # s per step on a registered loss (value + gradient + update)
    "descend_node": 1.73e-06,    # s per expression part per step (Value backprop of the gradient)
    # fit_line(): per SGD update (a Python step and the full-data MSE; measured 21-25 us for 3..100 points)
    "linefit_update": 2.3e-05,   # s per update
    # SVD of a (T, P) matrix
    "svd_flop": 5.15e-10,        # s per T*T*P
    # memory: the largest measured peak / counted float64 bytes over the runs above 1 MB (0.71..1.75)
    "memory_factor": 1.75,
    "memory_base": 100 * 2**20,  # bytes: Python, NumPy, SciPy and the digits (ru_maxrss after import: 62 MB)
}


@dataclass(frozen=True)
class Cost:
    """An estimate: ``seconds`` of compute and ``bytes`` of peak memory.

    ``a + b`` is running ``a`` then ``b``: times add, the peak is the larger one.
    ``a.holding(extra)`` adds bytes kept alive through ``a`` (results of earlier work).
    """

    seconds: float
    bytes: float

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.seconds + other.seconds, max(self.bytes, other.bytes))

    def holding(self, extra_bytes: float) -> Cost:
        return Cost(self.seconds, self.bytes + extra_bytes)

    def times(self, k: float) -> Cost:
        """``k`` runs one after the other (same peak)."""
        return Cost(self.seconds * k, self.bytes)

    def over(self, memory: float = MEMORY_BUDGET, seconds: float = TIME_BUDGET) -> bool:
        """Whether this estimate exceeds the budget."""
        return self.bytes > memory or self.seconds > seconds

    def describe(self) -> str:
        """E.g. ``"about 19 GB of memory and 3 h of compute"``."""
        return f"about {format_bytes(self.bytes)} of memory and {format_seconds(self.seconds)} of compute"


#: No work.
ZERO = Cost(0.0, 0.0)


def format_bytes(b: float) -> str:
    """``1.5e9`` -> ``"1.4 GB"`` (binary units, as the budget: 4 GB = 4 GiB)."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if b >= size:
            v = b / size
            return f"{v:.0f} {unit}" if v >= 10 else f"{v:.1f} {unit}"
    return f"{b:.0f} B"


def format_seconds(s: float) -> str:
    """``12000`` -> ``"3.3 h"``, ``400`` -> ``"6.7 min"``, ``12`` -> ``"12 s"``."""
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 600:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def macs(sizes: Sequence[int]) -> int:
    """Multiply-adds of one sample's forward pass."""
    return sum(int(a) * int(b) for a, b in itertools.pairwise(sizes))


def n_params(sizes: Sequence[int]) -> int:
    """Weights and biases of an MLP with these layer sizes."""
    return sum(int(a) * int(b) + int(b) for a, b in itertools.pairwise(sizes))


def _mem(n_floats: float) -> float:
    return CONSTANTS["memory_base"] + CONSTANTS["memory_factor"] * 8.0 * n_floats


def train_cost(sizes: Sequence[int], n: int, epochs: int, batch_size: int, snapshot_every: int = 0,
               n_test: int = 0, optimizer: str = "adam") -> Cost:
    """Estimated cost of ``train(MLP(sizes), X (n samples), ..., epochs, batch_size, snapshot_every)``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input to output.
    n, n_test : int
        Training and test samples (each epoch evaluates the loss on both).
    batch_size : int
        Samples per step (``n`` for full batch, 1 for stochastic).
    snapshot_every : int
        Steps between snapshots (0 for none); each keeps a copy of the weights.
    optimizer : {"adam", "sgd", ...}
        Adam and RMSprop keep moments (two or one arrays per weight); SGD none.
    """
    c = CONSTANTS
    P, M, L = n_params(sizes), macs(sizes), len(sizes) - 1
    bs = max(1, min(int(batch_size), int(n)))
    steps = int(epochs) * -(-int(n) // bs)
    width = sum(sizes[1:])
    A = width
    t = steps * (c["train_step"] + c["train_layer"] * L + c["train_mac"] * bs * M + c["train_act"] * bs * A
                 + c["train_param"] * P)
    # Each epoch's loss on all samples: a forward pass, a third of a training step's work per sample.
    t += (int(epochs) + 1) * (n + n_test) * (c["train_mac"] * M + c["train_act"] * A) / 3
    snaps = 0
    if snapshot_every:
        snaps = steps // int(snapshot_every) + 2
        t += snaps * c["snapshot_param"] * P
    moments = {"adam": 2, "rmsprop": 1}.get(optimizer.lower(), 1)
    # Alive at the peak: weights, gradients, moments, the new weights; activations and deltas
    # of a batch; the forward pass of all n (+ test) samples for an epoch's loss; the snapshots.
    floats = (4 + moments) * P + 3 * bs * width + 2 * (n + n_test) * width + snaps * P
    return Cost(t, _mem(floats))


def plane_cost(sizes: Sequence[int], n: int, points: int, chunk: int = 64) -> Cost:
    """Estimated cost of ``plane_loss`` (or ``loss_surface``) at ``points`` grid points on ``n`` samples."""
    c = CONSTANTS
    rest = macs(sizes[1:])                        # the first layer is done once for the plane
    acts = sum(sizes[1:-1])
    P = n_params(sizes)
    t = points * (c["plane_point"] + c["plane_mac"] * n * rest + c["plane_act"] * n * acts)
    t += c["train_mac"] * n * sizes[0] * sizes[1]
    ch = min(chunk, points)
    floats = 3 * n * sizes[1] + ch * (P + 3 * n * max(sizes[1:])) + 3 * P + points
    return Cost(t, _mem(floats))


def batched_cost(sizes: Sequence[int], n: int, sets: int, chunk: int = 64) -> Cost:
    """Estimated cost of forward passes of ``n`` samples under ``sets`` parameter sets (batched)."""
    c = CONSTANTS
    M, P = macs(sizes), n_params(sizes)
    t = sets * (c["plane_point"] + c["plane_mac"] * n * M + c["plane_act"] * n * sum(sizes[1:-1]))
    ch = min(chunk, sets)
    floats = ch * (P + 3 * n * max(sizes[1:])) + sets * P
    return Cost(t, _mem(floats))


def pca_cost(checkpoints: int, n_weights: int) -> Cost:
    """Estimated cost of the SVD of ``checkpoints`` flat weight vectors (``pca_directions``)."""
    T, P = checkpoints, n_weights
    return Cost(CONSTANTS["svd_flop"] * T * T * P, _mem(4 * T * P))


def descend_cost(steps: int, runs: int = 1, expression_nodes: int = 0) -> Cost:
    """Estimated cost of ``runs`` descents of ``steps`` steps (an expression: its parsed node count)."""
    c = CONSTANTS
    per = c["descend_step"] + c["descend_node"] * expression_nodes
    return Cost(runs * steps * per, _mem(runs * steps * 8))



def linefit_cost(n: int, passes: int) -> Cost:
    """Estimated cost of per-sample SGD on ``n`` points for ``passes`` passes (``fit_line(mode="stochastic")``):
    ``n * passes`` updates, each keeping m, b and the loss."""
    updates = int(n) * int(passes)
    return Cost(updates * CONSTANTS["linefit_update"], _mem(3 * updates))
