"""MLP benchmarks: one training step of gdcore against micrograd's engine, and a landscape grid.

1. One step (forward, backward, SGD update) of an MLP 2 -> 16 -> 16 -> 1 (ReLU hidden layers, linear
   output -- micrograd's nn.MLP) with MSE on
   100 two-moons points: gdcore's vectorized backprop against micrograd's own scalar engine
   (``pip install micrograd``; a benchmark-only dependency, skipped if missing).
2. A 41 x 41 loss landscape of a digits network (64 -> 32 -> 10): one forward pass per grid point,
   batched forward passes, and ``loss_surface``'s plane evaluation (first layer once for the plane).

Usage: python benchmarks/bench_mlp.py [--repeat N]
Each figure is the median of N repeats measured in this one run (the machine is small and noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gdcore.datasets import digits, two_moons
from gdcore.landscape import filter_normalized_direction, loss_surface
from gdcore.mlp import MLP, train
from gdcore.optim import SGD, Adam


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def gdcore_step(net: MLP, X, y, opt) -> None:
    _, grads = net.loss_and_grads(X, y, "mse")
    net.params = opt.step(net.params, grads)


def micrograd_step(model, X, y, lr: float) -> None:
    from micrograd.engine import Value as MV

    preds = [model([MV(float(a)), MV(float(b))]) for a, b in X]
    loss = sum(((p - float(t)) ** 2 for p, t in zip(preds, y, strict=True)), MV(0.0)) * (1.0 / len(y))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad


def bench_step(repeat: int) -> None:
    X, y = two_moons(100, noise=0.1, seed=0)
    y = y.astype(float)
    net = MLP([2, 16, 16, 1], activation="relu", seed=0)
    opt = SGD(lr=0.05)
    ours = median_time(lambda: gdcore_step(net, X, y, opt), max(repeat * 50, 50))
    print(f"{'one training step, MLP 2-16-16-1, 100 points':46s} {'s/step':>10s}")
    print(f"{'gdcore (vectorized NumPy backprop)':46s} {ours:10.6f}")
    try:
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        print("micrograd is not installed (pip install micrograd): skipped")
        return
    import random

    random.seed(0)
    model = MicroMLP(2, [16, 16, 1])       # micrograd: ReLU hidden layers, linear output, as ours
    theirs = median_time(lambda: micrograd_step(model, X, y, 0.05), max(repeat, 3))
    print(f"{'micrograd (scalar Value graph)':46s} {theirs:10.6f}")
    print(f"{'ratio (micrograd / gdcore)':46s} {theirs / ours:10.0f}x")


def bench_landscape(repeat: int) -> None:
    d = digits()
    net = MLP([64, 32, 10], activation="tanh", seed=0)
    train(net, d.X_train, d.y_train, Adam(lr=0.01), epochs=5, mode="minibatch", batch_size=64,
          loss="cross_entropy", seed=0)
    theta = net.flatten()
    d1, d2 = filter_normalized_direction(net, seed=1), filter_normalized_direction(net, seed=2)
    grid = np.linspace(-1, 1, 41)

    A, B = np.meshgrid(grid, grid)
    thetas = theta[None, :] + A.ravel()[:, None] * d1[None, :] + B.ravel()[:, None] * d2[None, :]

    def plane():            # what loss_surface does: first layer once for the plane, the rest batched
        loss_surface(net, d.X_train, d.y_train, theta, d1, d2, grid, grid, "cross_entropy")

    def batched():          # every layer batched, 64 parameter sets per matmul
        net.batched_loss(d.X_train, d.y_train, thetas, "cross_entropy")

    def pointwise():
        for t in thetas:
            net.loss(d.X_train, d.y_train, "cross_entropy", params=net.unflatten(t))

    t_plane = median_time(plane, max(repeat, 3))
    t_b = median_time(batched, max(repeat, 3))
    t_p = median_time(pointwise, max(repeat, 1))
    print(f"\n{'41 x 41 landscape, digits net 64-32-10, 1438 images':56s} {'seconds':>8s} {'vs point-wise':>14s}")
    print(f"{'one forward pass per grid point':56s} {t_p:8.2f} {1.0:13.1f}x")
    print(f"{'batched forward passes (64 parameter sets per matmul)':56s} {t_b:8.2f} {t_p / t_b:13.1f}x")
    print(f"{'plane: first layer computed once, later layers batched':56s} {t_plane:8.2f} {t_p / t_plane:13.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    bench_step(args.repeat)
    bench_landscape(args.repeat)


if __name__ == "__main__":
    main()
