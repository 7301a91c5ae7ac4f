"""Render a scene file at a tiny size and inspect the video (used by the render smoke tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENES = ROOT / "scenes"

# Tiny but not degenerate: text is still rasterised, frames are few.
TINY_RESOLUTION = "192,108"
TINY_FPS = 4


@dataclass
class RenderResult:
    video: Path
    frames: int
    last_frame: np.ndarray  # (H, W, 3) uint8
    srt: Path | None
    log: str
    figures: Path | None = None  # the marked stills ($GDVIZ_FIGURES), when the render was asked for them


def _manim() -> list[str]:
    # manim itself, plus the check in tests/manim_checked.py (no fade-out of never-shown mobjects).
    return [sys.executable, str(ROOT / "tests" / "manim_checked.py")]


def count_frames(video: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "json", str(video)],
        check=True, capture_output=True, text=True,
    ).stdout
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


def last_frame(video: Path, out_png: Path) -> np.ndarray:
    from PIL import Image

    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-sseof", "-1", "-i", str(video), "-update", "1", str(out_png)],
        check=True, capture_output=True,
    )
    return np.asarray(Image.open(out_png).convert("RGB"))


def frame_at(video: Path, t: float, out_png: Path) -> np.ndarray:
    """The frame shown at time ``t`` (seconds) of ``video``, as an (H, W, 3) uint8 array."""
    from PIL import Image

    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{max(t, 0.0):.3f}", "-i", str(video), "-frames:v", "1",
         "-update", "1", str(out_png)],
        check=True, capture_output=True,
    )
    return np.asarray(Image.open(out_png).convert("RGB"))


def figure_marks(path: Path) -> dict[str, float]:
    """The key frames a scene marked (``$GDVIZ_FIGURES``): name -> time in seconds."""
    marks = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {m["name"]: float(m["time"]) for m in marks}


def render_tiny(scene_file: str, tmp: Path, env: dict[str, str] | None = None) -> RenderResult:
    """Render ``scenes/<scene_file>`` at 192x108, 4 fps, into ``tmp``; return the video facts."""
    cmd = [*_manim(), "render", "--resolution", TINY_RESOLUTION, "--frame_rate", str(TINY_FPS),
           "--media_dir", str(tmp / "media"), "--disable_caching", "--progress_bar", "none", str(SCENES / scene_file)]
    run_env = {**os.environ, **(env or {})}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=run_env, timeout=900)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f"manim failed ({proc.returncode}):\n{log[-4000:]}")
    videos = sorted((tmp / "media" / "videos").rglob("*.mp4"))
    videos = [v for v in videos if "partial_movie_files" not in v.parts]
    assert len(videos) == 1, f"expected one video, found {videos}\n{log[-2000:]}"
    video = videos[0]
    srts = list(video.parent.glob("*.srt"))
    return RenderResult(video, count_frames(video), last_frame(video, tmp / "last.png"),
                        srts[0] if srts else None, log,
                        Path(run_env["GDVIZ_FIGURES"]) if "GDVIZ_FIGURES" in run_env else None)


def is_blank(frame: np.ndarray) -> bool:
    """True if (almost) every pixel has the background's colour."""
    bg = np.median(frame.reshape(-1, 3), axis=0)
    differs = np.abs(frame.astype(int) - bg).sum(axis=2) > 40
    return differs.mean() < 0.005
