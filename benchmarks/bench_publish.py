"""Publish benchmark: every scene at low quality with --jobs 1, with --jobs 2, then a cached run.

Prints the three wall times and the ratios (parallel speed-up; cached / cold).  The runs write
into one temporary folder, so nothing in media/publish changes; the cold runs use --force.  The
parallel run starts the scenes longest first, from the times the serial run recorded in the
manifest, as any second publish into the same folder does.

Usage: python benchmarks/bench_publish.py [--quality low] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(out: Path, *args: str) -> tuple[float, float]:
    """Wall seconds of one publish, and the CPU seconds it and its children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scenes", "publish", "--out", str(out), "--no-previews", *args],
                          cwd=ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"publish failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return secs, cpu


def render_times(out: Path) -> dict[str, float]:
    scenes = json.loads((out / "manifest.json").read_text())["scenes"]
    return {name: entry["render_s"] for name, entry in scenes.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quality", default="low")
    ap.add_argument("--repeat", type=int, default=1,
                    help="serial/parallel pairs, run alternately; medians are quoted (default 1)")
    args = ap.parse_args()
    serials, parallels, ratios = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for r in range(1, args.repeat + 1):
            serial, serial_cpu = run(out, "--quality", args.quality, "--jobs", "1", "--force")
            serial_times = render_times(out)
            print(f"[{r}] {'--jobs 1 (cold)':20s} {serial:8.1f} s   {serial_cpu / serial:.2f} cores busy on average",
                  flush=True)
            parallel, parallel_cpu = run(out, "--quality", args.quality, "--jobs", "2", "--force")
            parallel_times = render_times(out)
            print(f"[{r}] {'--jobs 2 (cold)':20s} {parallel:8.1f} s   {parallel_cpu / parallel:.2f} cores busy on "
                  f"average; speed-up {serial / parallel:.2f}x", flush=True)
            serials.append(serial)
            parallels.append(parallel)
            ratios.append(serial / parallel)
        cached, _ = run(out, "--quality", args.quality, "--jobs", "2")
        parallel = statistics.median(parallels)
        print(f"{'--jobs 2 (cached)':24s} {cached:8.1f} s   {100 * cached / parallel:.1f}% of the cold run")
        if args.repeat > 1:
            print(f"median of {args.repeat}: --jobs 1 {statistics.median(serials):.1f} s, --jobs 2 {parallel:.1f} s, "
                  f"speed-up {statistics.median(ratios):.2f}x (each pair: "
                  + ", ".join(f"{x:.2f}x" for x in ratios) + ")")
        print(f"\n{'scene':18s} {'jobs 1':>8s} {'jobs 2':>8s}   seconds per scene in the last pair "
              "(render, GIF and stills)")
        for name in sorted(serial_times, key=lambda n: -serial_times[n]):
            print(f"{name:18s} {serial_times[name]:8.1f} {parallel_times[name]:8.1f}")
        print(f"{'sum':18s} {sum(serial_times.values()):8.1f} {sum(parallel_times.values()):8.1f}")


if __name__ == "__main__":
    main()
