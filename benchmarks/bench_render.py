"""Render benchmarks: seconds per frame of the scenes, and the 3-D surface against Manim's naive one.

Two measurements, printed side by side:

1. Whole renders (``manim render -ql``, 854x480 at 15 fps) of the scenes named on the command
   line (default: loss_surface, optimizers, local_minima) and of ``naive_surface.py`` -- Manim's
   documented Surface example (24 x 24, checkerboard, stroke, 3-D shading) with a rotating camera
   for as long as our loss_surface video.  Wall seconds per frame, start-up included.
2. One frame's drawing, isolated: the time ``ThreeDCamera.capture_mobjects`` takes for a 24 x 24
   surface drawn three ways -- Manim's Surface as documented, the same without stroke and shading,
   and our SurfaceMesh -- so each choice's share of the speed-up is visible.

Usage: python benchmarks/bench_render.py [--repeat N] [scene ...]
The machine is small and noisy: each figure is the median of N runs made in this one process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def frames_of(video: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(video)], capture_output=True, text=True)
    return int(out.stdout.strip())


def duration_of(video: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                          str(video)], capture_output=True, text=True)
    return float(out.stdout.strip())


def render(path: Path, env: dict[str, str] | None = None) -> tuple[float, int, Path]:
    manim = Path(sys.executable).with_name("manim")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([str(manim), "render", "-ql", "--disable_caching", "--progress_bar", "none",
                        "--media_dir", tmp, str(path)], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, **(env or {})})
        secs = time.perf_counter() - t0
        video = next(v for v in Path(tmp).rglob("*.mp4") if "partial_movie_files" not in v.parts)
        kept = Path(tempfile.mkdtemp()) / video.name
        kept.write_bytes(video.read_bytes())
    return secs, frames_of(kept), kept


def whole_renders(scenes: list[str], repeat: int) -> None:
    print(f"{'render (-ql, 480p15)':28s} {'frames':>7s} {'wall s':>8s} {'s/frame':>8s}")
    results = {}
    for name in scenes:
        runs = [render(ROOT / "scenes" / f"{name}.py") for _ in range(repeat)]
        secs = statistics.median(r[0] for r in runs)
        frames = runs[0][1]
        results[name] = (secs / frames, runs[0][2])
        print(f"{name:28s} {frames:7d} {secs:8.1f} {secs / frames:8.3f}", flush=True)
    if "loss_surface" in results:
        ours, video = results["loss_surface"]
        run_time = duration_of(video)
        runs = [render(ROOT / "benchmarks" / "naive_surface.py", {"NAIVE_RUN_TIME": f"{run_time:.2f}"})
                for _ in range(repeat)]
        secs = statistics.median(r[0] for r in runs)
        frames = runs[0][1]
        naive = secs / frames
        print(f"{'naive Surface (docs)':28s} {frames:7d} {secs:8.1f} {naive:8.3f}")
        print(f"\nloss_surface is {naive / ours:.2f}x faster per frame than the naive Surface "
              f"(same 24 x 24 resolution, {run_time:.1f} s, rotating camera), while also drawing the floor "
              f"contours, four dots with {24}-piece trails and a live legend.")


def draw_times(repeat: int) -> None:
    import numpy as np
    from manim import BLUE, DEGREES, GREEN, ORANGE, Surface, ThreeDAxes, ThreeDCamera

    from gdcore import functions
    from scenes.kit import SurfaceMesh

    loss = functions.get("six_hump_camel")
    axes = ThreeDAxes(x_range=[-2, 2, 1], y_range=[-1.2, 1.2, 1], z_range=[-2, 8, 5], x_length=7, y_length=4.2,
                      z_length=3)
    n = 24

    def param(u, v):
        return axes.c2p(u, v, float(np.clip(loss.value([u, v]), -1.1, 8)))

    def documented():
        s = Surface(param, resolution=(n, n), u_range=[-2, 2], v_range=[-1.2, 1.2])
        s.set_style(fill_opacity=1, stroke_color=GREEN)
        s.set_fill_by_checkerboard(ORANGE, BLUE, opacity=0.5)
        return s

    def no_stroke_no_shading():
        s = Surface(param, resolution=(n, n), u_range=[-2, 2], v_range=[-1.2, 1.2], stroke_width=0)
        for face in s:
            face.shade_in_3d = False
        return s

    def mesh():
        X, Y, Z = functions.grid(loss, n=n + 1)
        m = SurfaceMesh(axes, X, Y, np.clip(Z, -1.1, 8))
        return m

    camera = ThreeDCamera()
    camera.set_phi(62 * DEGREES)
    camera.set_theta(-40 * DEGREES)
    rot = camera.get_rotation_matrix()
    print(f"\n{'one frame of a 24 x 24 surface':40s} {'ms/frame':>9s} {'ratio':>7s}")
    base = None
    for label, make, resort in (("Manim Surface, as documented", documented, False),
                                ("Surface, no stroke, no 3-D shading", no_stroke_no_shading, False),
                                ("SurfaceMesh (flat colours, NumPy sort)", mesh, True)):
        mob = make()
        times = []
        for _ in range(max(5, repeat * 5)):
            camera.reset()
            t0 = time.perf_counter()
            if resort:
                mob.sort(rot)
            camera.capture_mobjects([mob])
            times.append(time.perf_counter() - t0)
        ms = 1000 * statistics.median(times)
        base = base or ms
        print(f"{label:40s} {ms:9.1f} {base / ms:6.2f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenes", nargs="*", default=["loss_surface", "optimizers", "local_minima"])
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure (median), default 1")
    ap.add_argument("--skip-renders", action="store_true", help="only the one-frame drawing figures")
    args = ap.parse_args()
    draw_times(args.repeat)
    if not args.skip_renders:
        print()
        whole_renders(args.scenes, args.repeat)


if __name__ == "__main__":
    main()
