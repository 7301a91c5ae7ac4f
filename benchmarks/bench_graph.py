"""Value.graph() on a chain: the old layering (every node scanned once per depth) against the new one.

    python benchmarks/bench_graph.py          # old up to 20,000 nodes, new up to 100,000
    python benchmarks/bench_graph.py --full   # also the old one at 100,000 (about 7 minutes)

The old code is reproduced here (its last line: one pass over all nodes per layer); the new one
is ``gdcore.Value.graph``.  Medians of 3 runs.
"""

from __future__ import annotations

import statistics
import sys
import time

from gdcore import Value


def chain(n: int) -> Value:
    y = Value(1.0, label="x")
    for _ in range(n):
        y = -y
    return y


def old_layers(v: Value) -> tuple:
    """The layering as it was before issue 15 (quadratic on a chain)."""
    order = v.topological_order()
    ids = {id(n): i for i, n in enumerate(order)}
    depth: list[int] = []
    for n in order:
        depth.append(1 + max((depth[ids[id(c)]] for c in n.children), default=-1))
    n_layers = max(depth) + 1
    return tuple(tuple(i for i in range(len(order)) if depth[i] == k) for k in range(n_layers))


def timed(f, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    full = "--full" in sys.argv
    print(f"{'nodes':>8}  {'old graph layering':>20}  {'new graph()':>12}")
    for n in (1_000, 5_000, 20_000, 100_000):
        v = chain(n)
        new = timed(v.graph)
        if n <= 20_000 or full:
            old = f"{timed(lambda v=v: old_layers(v), 1 if n > 20_000 else 3):.3f} s"
        else:
            old = "(skipped; --full)"
        print(f"{n:>8}  {old:>20}  {new:>10.3f} s")


if __name__ == "__main__":
    main()
