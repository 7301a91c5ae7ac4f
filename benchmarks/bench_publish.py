"""Publish benchmark.

Default: every scene at low quality with --jobs 1, with --jobs 2, then a cached run; prints the three
wall times and the ratios (parallel speed-up; cached / cold).

``--compare``: the encoder settings, before and after.  Two cold publishes with --jobs 2, alternating
for ``--repeat`` rounds: "before" with manim's own libx264 settings (``--preset medium --crf 23``)
and "after" with publish's defaults (or ``--preset``/``--crf``).  Per scene it prints the median wall
seconds and CPU seconds (the render's own, from ``wait4``: it does not grow when other work shares the
machine, which wall time does), the MP4 and GIF sizes, and the quality of "after" against "before"
(ffmpeg's ssim and psnr filters); with ``--reference`` also both against a lossless render
(``--preset ultrafast --crf 0``), which says which of the two is closer to the frames manim drew.
The closing line gives video minutes per wall-clock minute, the figure issue 16 asks for.

``--before-src DIR`` (with ``--compare``): "before" is the code in DIR (e.g. ``git worktree add
/tmp/before <commit>``) with the same encoder settings as "after", so the table compares two
versions of the scenes, not two encoders.

``--dry-run``: per scene, the CPU seconds of ``manim render --dry_run`` (scene logic: updaters,
interpolation and drawing, no encoding), of this tree and, with ``--before-src``, of DIR.

The runs write into temporary folders, so nothing in media/publish changes; the cold runs use
--force.  Usage::

    python benchmarks/bench_publish.py [--quality low] [--repeat 3]
    python benchmarks/bench_publish.py --compare --quality high [--repeat 3] [--reference] [--only NAME ...]
    python benchmarks/bench_publish.py --compare --quality high --before-src /tmp/before [--only NAME ...]
    python benchmarks/bench_publish.py --dry-run --quality high [--before-src /tmp/before] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = ("--preset", "medium", "--crf", "23")       # manim 0.22's libx264 defaults
LOSSLESS = ("--preset", "ultrafast", "--crf", "0")


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def run(out: Path, *args: str, src: Path = ROOT) -> tuple[float, float]:
    """Wall seconds of one publish of the code in ``src``, and the CPU seconds it and its children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scenes", "publish", "--out", str(out), *args],
                          cwd=src, env=_env(src), capture_output=True, text=True)
    secs = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"publish failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return secs, cpu


def scenes_of(out: Path) -> dict[str, dict]:
    return json.loads((out / "manifest.json").read_text())["scenes"]


def render_times(out: Path) -> dict[str, float]:
    return {name: entry["render_s"] for name, entry in scenes_of(out).items()}


def file_bytes(entry: dict, suffix: str) -> int:
    return next((f["bytes"] for f in entry["files"] if f["path"].endswith(suffix)), 0)


def quality(video: Path, ref: Path) -> tuple[float, float]:
    """(SSIM "All", PSNR "average" in dB) of ``video`` against ``ref``, from ffmpeg's filters."""
    proc = subprocess.run(["ffmpeg", "-nostats", "-i", str(video), "-i", str(ref), "-lavfi",
                           "[0:v][1:v]ssim;[0:v][1:v]psnr", "-f", "null", "-"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    ssim = re.search(r"SSIM .*All:([0-9.]+)", proc.stderr)
    psnr = re.search(r"PSNR .*average:([0-9.]+|inf)", proc.stderr)
    if proc.returncode != 0 or not ssim or not psnr:
        sys.exit(f"ffmpeg could not compare {video} with {ref}:\n{proc.stderr[-1500:]}")
    return float(ssim.group(1)), float(psnr.group(1))


def throughput(video_s: float, wall_s: float) -> float:
    """Minutes of video published per wall-clock minute.

    >>> throughput(390.0, 300.0)
    1.3
    """
    return round(video_s / wall_s, 2)


def baseline(args: argparse.Namespace) -> None:
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


def dry_run_cpu(src: Path, scene: Path, quality: str) -> float:
    """CPU seconds (user + system, the process and its children) of ``manim render --dry_run``."""
    flag = {"low": "l", "medium": "m", "high": "h", "production": "p", "4k": "k"}.get(quality, quality)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as media:
        proc = subprocess.run([sys.executable, "-m", "manim", "render", f"-q{flag}", "--dry_run", "--disable_caching",
                               "--progress_bar", "none", "--media_dir", media, str(scene.relative_to(ROOT))],
                              cwd=src, env=_env(src), capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"dry run of {scene.name} in {src} failed:\n{proc.stderr[-3000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def dry_runs(args: argparse.Namespace) -> None:
    names = args.only or sorted(p.stem for p in (ROOT / "scenes").glob("*.py")
                                if p.stem not in ("__init__", "__main__", "params", "publish"))
    srcs = [("before", Path(args.before_src).resolve())] if args.before_src else []
    srcs.append(("after", ROOT))
    print(f"{'scene':15s} " + " ".join(f"{label + ' CPU s':>13s}" for label, _ in srcs), flush=True)
    totals = dict.fromkeys([label for label, _ in srcs], 0.0)
    for name in names:
        cpu = {label: dry_run_cpu(src, ROOT / "scenes" / f"{name}.py", args.quality) for label, src in srcs}
        for label in cpu:
            totals[label] += cpu[label]
        print(f"{name:15s} " + " ".join(f"{cpu[label]:13.1f}" for label, _ in srcs), flush=True)
    print(f"{'all':15s} " + " ".join(f"{totals[label]:13.1f}" for label, _ in srcs))


def compare(args: argparse.Namespace) -> None:
    after_opts = ("--preset", args.preset, "--crf", str(args.crf))
    before_src = Path(args.before_src).resolve() if args.before_src else ROOT
    before_opts = after_opts if args.before_src else BEFORE
    common = ["--quality", args.quality, "--jobs", str(args.jobs), "--force"]
    if args.only:
        common += ["--only", *args.only]
    runs: dict[str, list[dict[str, dict]]] = {"before": [], "after": []}
    walls: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {k: Path(tmp) / k for k in ("before", "after", "lossless")}
        for r in range(1, args.repeat + 1):
            for label, enc, src in (("before", before_opts, before_src), ("after", after_opts, ROOT)):
                wall, cpu = run(outs[label], *common, *enc, src=src)
                walls[label].append(wall)
                runs[label].append(scenes_of(outs[label]))
                video = sum(e["duration_s"] for e in runs[label][-1].values())
                print(f"[{r}] {label:6s} {' '.join(enc):28s} {wall:7.1f} s wall, {cpu:7.1f} s CPU, "
                      f"{video / 60:.2f} min of video: {throughput(video, wall):.2f} video min per wall min",
                      flush=True)
        ref = {}
        if args.reference:
            run(outs["lossless"], *common, *LOSSLESS, "--no-gif")
            ref = scenes_of(outs["lossless"])
        print(f"\nmedians of {args.repeat} run(s) each, --jobs {args.jobs}, --quality {args.quality}; wall seconds "
              "include waiting for other work on the machine, CPU seconds do not")
        head = (f"{'scene':15s} {'video s':>7s} {'wall before':>11s} {'after':>6s} {'CPU before':>10s} {'after':>6s} "
                f"{'MP4 KiB before':>14s} {'after':>6s} {'GIF KiB':>7s} {'SSIM':>8s} {'PSNR dB':>7s}")
        if ref:
            head += f" {'vs lossless: SSIM before':>24s} {'after':>8s} {'PSNR before':>11s} {'after':>6s}"
        print(head)
        names = sorted(runs["after"][-1], key=lambda n: -runs["before"][-1][n]["render_s"])
        for name in names:
            def med(label: str, key: str, name: str = name) -> float:
                return statistics.median(r[name][key] for r in runs[label])
            b, a = runs["before"][-1][name], runs["after"][-1][name]
            mp4_b, mp4_a = outs["before"] / name / f"{name}.mp4", outs["after"] / name / f"{name}.mp4"
            ssim, psnr = quality(mp4_a, mp4_b)
            line = (f"{name:15s} {a['duration_s']:7.1f} {med('before', 'render_s'):11.1f} "
                    f"{med('after', 'render_s'):6.1f} "
                    f"{med('before', 'cpu_s'):10.1f} {med('after', 'cpu_s'):6.1f} "
                    f"{file_bytes(b, '.mp4') // 1024:14d} {file_bytes(a, '.mp4') // 1024:6d} "
                    f"{file_bytes(a, '.gif') // 1024:7d} {ssim:8.5f} {psnr:7.2f}")
            if ref:
                mp4_r = outs["lossless"] / name / f"{name}.mp4"
                (sb, pb), (sa, pa) = quality(mp4_b, mp4_r), quality(mp4_a, mp4_r)
                line += f" {sb:24.5f} {sa:8.5f} {pb:11.2f} {pa:6.2f}"
            print(line, flush=True)
        video = sum(e["duration_s"] for e in runs["after"][-1].values())
        wb, wa = statistics.median(walls["before"]), statistics.median(walls["after"])
        cb = sum(statistics.median(r[n]["cpu_s"] for r in runs["before"]) for n in names)
        ca = sum(statistics.median(r[n]["cpu_s"] for r in runs["after"]) for n in names)
        print(f"{'all':15s} {video:7.1f} wall {wb:.1f} -> {wa:.1f} s, CPU {cb:.1f} -> {ca:.1f} s; "
              f"{throughput(video, wb):.2f} -> {throughput(video, wa):.2f} video min per wall min; "
              f"on two idle cores the CPU seconds alone would allow {throughput(video, cb / 2):.2f} -> "
              f"{throughput(video, ca / 2):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quality", default="low")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds, run alternately; medians are quoted (default 1)")
    ap.add_argument("--compare", action="store_true", help="encoder settings before and after (see the docstring)")
    ap.add_argument("--jobs", type=int, default=2, help="--compare: parallel renders (default 2)")
    ap.add_argument("--preset", default="veryfast", help="--compare: the 'after' libx264 preset")
    ap.add_argument("--crf", type=int, default=20, help="--compare: the 'after' CRF")
    ap.add_argument("--reference", action="store_true", help="--compare: also against a lossless render")
    ap.add_argument("--only", nargs="+", default=[], help="--compare, --dry-run: these scenes only")
    ap.add_argument("--before-src", help="--compare, --dry-run: 'before' is the code in this folder (same encoder)")
    ap.add_argument("--dry-run", action="store_true", help="per-scene CPU seconds of manim's --dry_run")
    args = ap.parse_args()
    (dry_runs if args.dry_run else compare if args.compare else baseline)(args)


if __name__ == "__main__":
    main()
