"""Measure the constants of gdcore.cost's model on this machine, and compare estimates with runs.

    python benchmarks/bench_cost.py            # fit the constants, then measured vs estimated

Each configuration runs 3 times (median wall time); peak memory is measured once with
tracemalloc (NumPy reports its array allocations to it).  The constants are fitted by
non-negative least squares of the per-unit counts against the measured times; paste the printed
values into ``CONSTANTS`` in gdcore/cost.py.  Single-threaded BLAS, as publish runs renders:
set OPENBLAS_NUM_THREADS=1 (done below before NumPy loads).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import time
import tracemalloc

import numpy as np
from scipy.optimize import nnls

from gdcore import cost, functions
from gdcore.mlp import MLP, train
from gdcore.optim import SGD, Adam
from gdcore.trajectory import descend

# (sizes, n, epochs, batch_size, snapshot_every)
TRAIN = [
    ([2, 8, 8, 2], 120, 200, 20, 0),
    ([2, 8, 8, 2], 120, 60, 1, 0),
    ([2, 64, 64, 2], 400, 30, 8, 0),
    ([2, 256, 256, 2], 400, 10, 64, 0),
    ([2, 512, 2], 2000, 20, 500, 0),
    ([2, 1024, 1024, 2], 200, 2, 40, 0),
    ([2, 32, 2], 200, 60, 10, 1),
    ([2, 512, 512, 2], 100, 2, 10, 1),
    ([64, 32, 10], 1438, 15, 32, 0),
    ([64, 128, 10], 1438, 2, 1, 0),
    ([64, 512, 512, 10], 1438, 2, 256, 0),
    ([2, 2048, 2], 2000, 10, 2000, 0),
]
# (sizes, n, points)
PLANE = [([64, 32, 10], 1438, 200), ([2, 64, 64, 2], 200, 400), ([64, 256, 10], 1438, 50), ([2, 8, 2], 200, 2000),
         ([2, 512, 512, 2], 200, 20)]
# (loss, steps)
DESCEND = [("rosenbrock", 3000), ("two_basins", 3000), ("x**2 + 3*sin(y)", 500),
           ("(1 - x)**2 + 100*(y - x**2)**2 + sin(x*y) + exp(-x**2)", 300)]


def median_time(f, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_bytes(f) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return float(peak)


def run_train(sizes, n, epochs, bs, every):
    X, y = np.random.default_rng(0).normal(size=(n, sizes[0])), np.arange(n) % sizes[-1]

    def go():
        train(MLP(sizes, seed=0), X, y, Adam(lr=1e-3), epochs=epochs, mode="minibatch", batch_size=bs,
              loss="cross_entropy", snapshot_every=every, probe=X[:1])
    return go


def run_plane(sizes, n, points):
    X, y = np.random.default_rng(0).normal(size=(n, sizes[0])), np.arange(n) % sizes[-1]
    net = MLP(sizes, seed=0)
    c = net.flatten()
    rng = np.random.default_rng(1)
    d1, d2 = rng.normal(size=c.size), rng.normal(size=c.size)
    coords = rng.normal(size=(points, 2))
    return lambda: net.plane_loss(X, y, c, d1, d2, coords, loss="cross_entropy")


def run_descend(name, steps):
    loss = functions.get(name)
    start = [-1.5, 2.0] if name == "rosenbrock" else [0.5, 0.5]
    return lambda: descend(loss, start, SGD(lr=1e-4), steps)


def expression_nodes(name: str) -> int:
    if name in functions.names():
        return 0
    from gdcore.expression import Expression
    return Expression(name).n_nodes


def fit(rows, times):
    A = np.array(rows, float)
    scale = A.max(axis=0)
    scale[scale == 0] = 1
    coef, _ = nnls(A / scale / np.array(times)[:, None], np.ones(len(times)))   # relative errors
    return coef / scale


def main() -> None:
    print("fitting (this takes about a minute)...")
    # --- training: t = steps*(STEP + LAYER*L + MAC*bs*M + PARAM*P) + eval + snapshots
    rows, times, mems, counted = [], [], [], []
    for sizes, n, ep, bs, ev in TRAIN:
        f = run_train(sizes, n, ep, bs, ev)
        t = median_time(f)
        P, M, L = cost.n_params(sizes), cost.macs(sizes), len(sizes) - 1
        steps = ep * -(-n // bs)
        snaps = steps // ev + 2 if ev else 0
        A = sum(sizes[1:])
        rows.append([steps, steps * L, steps * bs * M + (ep + 1) * n * M / 3, steps * bs * A + (ep + 1) * n * A / 3,
                     steps * P, snaps * P])
        times.append(t)
        mems.append(peak_bytes(f))
        counted.append((cost.train_cost(sizes, n, ep, bs, ev).bytes - cost.CONSTANTS["memory_base"])
                       / cost.CONSTANTS["memory_factor"])
    c = fit(rows, times)
    names = ["train_step", "train_layer", "train_mac", "train_act", "train_param", "snapshot_param"]
    fitted = dict(zip(names, c, strict=True))
    # --- plane: t = points*(POINT + MAC*n*rest + ACT*n*acts)
    prow, ptimes = [], []
    for sizes, n, pts in PLANE:
        f = run_plane(sizes, n, pts)
        t = median_time(f)
        prow.append([pts, pts * n * cost.macs(sizes[1:]), pts * n * sum(sizes[1:-1])])
        ptimes.append(t)
        mems.append(peak_bytes(f))
        counted.append((cost.plane_cost(sizes, n, pts).bytes - cost.CONSTANTS["memory_base"])
                       / cost.CONSTANTS["memory_factor"])
    fitted.update(zip(["plane_point", "plane_mac", "plane_act"], fit(prow, ptimes), strict=True))
    # --- descend: t = steps*(STEP + NODE*nodes)
    drow, dtimes = [], []
    for name, steps in DESCEND:
        f = run_descend(name, steps)
        dtimes.append(median_time(f))
        drow.append([steps, steps * expression_nodes(name)])
    fitted.update(zip(["descend_step", "descend_node"], fit(drow, dtimes), strict=True))
    # --- svd
    T, P = 200, 50_000
    mat = np.random.default_rng(0).normal(size=(T, P))
    fitted["svd_flop"] = median_time(lambda: np.linalg.svd(mat, full_matrices=False)) / (T * T * P)
    mem_arr, counted_arr = np.array(mems), np.array(counted)
    big = counted_arr > 2**20        # tiny runs: the ratio of two small numbers says nothing
    ratio = mem_arr[big] / counted_arr[big]
    print("memory: measured peak / counted float64 bytes (runs over 1 MB):", np.round(ratio, 2).tolist())
    print("\nCONSTANTS (paste into gdcore/cost.py):")
    for k, v in fitted.items():
        print(f'    "{k}": {v:.3g},')
    print(f'    "memory_factor": {float(np.max(ratio)):.2f},   # the largest ratio above')
    cost.CONSTANTS["memory_factor"] = float(np.max(ratio))

    cost.CONSTANTS.update(fitted)
    print("\nmeasured vs estimated with these constants:")
    print(f"{'configuration':<44} {'measured':>10} {'estimated':>10} {'ratio':>6}")
    for (sizes, n, ep, bs, ev), t in zip(TRAIN, times, strict=True):
        e = cost.train_cost(sizes, n, ep, bs, ev).seconds
        print(f"{f'train {sizes} n={n} ep={ep} bs={bs} snap={ev}':<44} {t:>9.3f}s {e:>9.3f}s {t / e:>6.2f}")
    print(f"\n{'peak memory (tracemalloc), over 1 MB':<44} {'measured':>10} {'estimated':>10} {'ratio':>6}")
    configs = [f"train {c[0]} n={c[1]} bs={c[3]} snap={c[4]}" for c in TRAIN] + [f"plane {c[0]} n={c[1]} pts={c[2]}"
                                                                                   for c in PLANE]
    for label, peak, floats in zip(configs, mems, counted, strict=True):
        if floats > 2**20:
            e = floats * cost.CONSTANTS["memory_factor"]
            print(f"{label:<44} {peak / 2**20:>8.1f}MB {e / 2**20:>8.1f}MB {peak / e:>6.2f}")
    for (sizes, n, pts), t in zip(PLANE, ptimes, strict=True):
        e = cost.plane_cost(sizes, n, pts).seconds
        print(f"{f'plane {sizes} n={n} points={pts}':<44} {t:>9.3f}s {e:>9.3f}s {t / e:>6.2f}")
    for (name, steps), t in zip(DESCEND, dtimes, strict=True):
        e = cost.descend_cost(steps, 1, expression_nodes(name)).seconds
        print(f"{f'descend {name[:22]} steps={steps}':<44} {t:>9.3f}s {e:>9.3f}s {t / e:>6.2f}")


if __name__ == "__main__":
    main()
