"""Paths, qualities and the typed options of one publish run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_OUT",
    "PREVIEW_DIR",
    "QUALITIES",
    "README",
    "ROOT",
    "SCENES_DIR",
    "X264_PRESETS",
    "PublishError",
    "PublishOptions",
]

ROOT = Path(__file__).resolve().parents[2]
SCENES_DIR = ROOT / "scenes"
DEFAULT_OUT = ROOT / "media" / "publish"
PREVIEW_DIR = ROOT / "media" / "preview"
README = ROOT / "README.md"

# name -> (manim quality flag, folder manim writes)
QUALITIES: dict[str, tuple[str, str]] = {
    "low": ("l", "480p15"),
    "medium": ("m", "720p30"),
    "high": ("h", "1080p60"),
    "4k": ("k", "2160p60"),
}
THEMES = ("dark", "light")
# libx264's presets, fastest first.  The default, ``veryfast`` at CRF 20, was chosen by measurement
# (benchmarks/bench_publish.py, README "Benchmarks"): 16% less CPU over the nine scenes at 1080p60
# than manim's default (``medium`` at CRF 23), within 1 dB PSNR of it against a lossless encode,
# MP4s 3-19% larger.
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEFAULT_PRESET = "veryfast"
DEFAULT_CRF = 20


class PublishError(Exception):
    """A problem that stops the run before or around rendering; printed as one line.

    Parameters
    ----------
    message : str
        The line to print (without the ``error:`` prefix).
    status : int
        The exit status (2: the run could not start).
    """

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PublishOptions:
    """Everything one ``python -m scenes publish`` run needs to know.

    Attributes
    ----------
    out : Path
        Output folder (``media/publish`` by default).
    only : tuple of str
        Scene names to publish; empty means every scene.
    quality : str
        One of :data:`QUALITIES`.
    jobs : int
        Parallel renders, >= 1.
    params : Path or None
        A TOML file of per-scene parameters.
    theme : str
        ``"dark"`` or ``"light"``.
    transparent : bool
        PNG stills with a transparent background (renders the scene twice).
    force : bool
        Render even if the inputs are unchanged and the files match their checksums.
    gif : bool
        Write a GIF per scene.
    gif_width, gif_fps : int
        GIF size in pixels (>= 16) and frame rate (>= 1).
    gif_max_kb : int
        Size budget of a GIF in kB of 1000 bytes (0: none).  Settings are tried best first
        (``render.GIF_LADDER``: lower frame rate, fewer colours) until one fits; if none does, the
        smallest is kept.
    webm : bool
        Write a VP9 WebM beside the MP4.
    preset, crf : str, int
        The MP4's libx264 preset (one of :data:`X264_PRESETS`) and constant rate factor (0-51, lower is
        better; 0 is lossless), handed to manim as ``--encoder-option``.
    update_previews : bool
        Refresh ``media/preview/`` and the README's preview table (full high-quality runs only).
    no_budget : bool
        Set ``GDVIZ_NO_BUDGET=1`` for parameter loading and for the renders.
    wait : bool
        Wait for another publish holding the output folder's lock (else refuse).
    scenes_dir : Path
        Where the scene files are (tests point this at a fixture collection).
    """

    out: Path = DEFAULT_OUT
    only: tuple[str, ...] = ()
    quality: str = "high"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    params: Path | None = None
    theme: str = "dark"
    transparent: bool = False
    force: bool = False
    gif: bool = True
    gif_width: int = 480
    gif_fps: int = 10
    gif_max_kb: int = 2000
    webm: bool = True
    preset: str = DEFAULT_PRESET
    crf: int = DEFAULT_CRF
    update_previews: bool = False
    no_budget: bool = False
    wait: bool = True
    scenes_dir: Path = SCENES_DIR

    def check(self) -> None:
        """Raise :class:`PublishError` (one line naming the option and the allowed values) if invalid."""
        if self.quality not in QUALITIES:
            raise PublishError(f"--quality must be one of {', '.join(QUALITIES)}, got {self.quality!r}")
        if self.theme not in THEMES:
            raise PublishError(f"--theme must be one of {', '.join(THEMES)}, got {self.theme!r}")
        if self.jobs < 1:
            raise PublishError(f"--jobs must be >= 1, got {self.jobs}")
        if self.gif_width < 16:
            raise PublishError(f"--gif-width must be >= 16 pixels, got {self.gif_width}")
        if self.gif_fps < 1:
            raise PublishError(f"--gif-fps must be >= 1, got {self.gif_fps}")
        if self.gif_max_kb < 0:
            raise PublishError(f"--gif-max-kb must be >= 0 (0: no budget), got {self.gif_max_kb}")
        if self.preset not in X264_PRESETS:
            raise PublishError(f"--preset must be one of {', '.join(X264_PRESETS)}, got {self.preset!r}")
        if not 0 <= self.crf <= 51:
            raise PublishError(f"--crf must be from 0 to 51, got {self.crf}")

    def settings(self) -> dict[str, Any]:
        """The output settings that go into every scene's input hash."""
        return {"quality": self.quality, "theme": self.theme, "transparent": self.transparent,
                "gif": [self.gif_width, self.gif_fps, self.gif_max_kb] if self.gif else None, "webm": self.webm,
                "x264": [self.preset, self.crf]}
