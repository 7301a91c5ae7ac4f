"""Publish benchmark: every scene at low quality with --jobs 1, with --jobs 2, then a cached run.

Prints the three wall times and the ratios (parallel speed-up; cached / cold).  The runs write
into one temporary folder, so nothing in media/publish changes; the cold runs use --force.  The
parallel run starts the scenes longest first, from the times the serial run recorded in the
manifest, as any second publish into the same folder does.

Usage: python benchmarks/bench_publish.py [--quality low]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(out: Path, *args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scenes", "publish", "--out", str(out), "--no-previews", *args],
                          cwd=ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"publish failed:\n{proc.stderr[-3000:]}")
    return secs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quality", default="low")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as a:
        b = a
        serial = run(Path(a), "--quality", args.quality, "--jobs", "1", "--force")
        print(f"{'--jobs 1 (cold)':24s} {serial:8.1f} s", flush=True)
        parallel = run(Path(b), "--quality", args.quality, "--jobs", "2", "--force")
        print(f"{'--jobs 2 (cold)':24s} {parallel:8.1f} s   speed-up {serial / parallel:.2f}x", flush=True)
        cached = run(Path(b), "--quality", args.quality, "--jobs", "2")
        print(f"{'--jobs 2 (cached)':24s} {cached:8.1f} s   {100 * cached / parallel:.1f}% of the cold run")


if __name__ == "__main__":
    main()
