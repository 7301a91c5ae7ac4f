"""Rendering one scene into its work folder: manim, then ffmpeg for the GIF and the stills.

Every child runs in its own process group, registered in a :class:`Children`; on SIGINT/SIGTERM
publish kills the groups (manim and whatever it started).  On Linux each child also gets
``PR_SET_PDEATHSIG`` = SIGKILL, so a publish killed with SIGKILL takes its renders with it.
(Linux sends that signal when the *thread* that started the child ends; the worker threads
live until every scene is finished, so this matches the process's lifetime here.  Short
``ffprobe`` calls are not in a group of their own.)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenes.params import ENV_VAR
from scenes.publishing.discovery import SceneInfo
from scenes.publishing.options import QUALITIES, ROOT, PublishOptions

__all__ = [
    "BLAS_THREAD_VARS",
    "BUDGET_ENV",
    "FIGURES_ENV",
    "GIF_LADDER",
    "Cancelled",
    "Children",
    "Staged",
    "StepError",
    "gif_filter",
    "gif_ladder",
    "render_scene",
    "srt_to_vtt",
    "still_seek",
]

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
FIGURES_ENV = "GDVIZ_FIGURES"
BUDGET_ENV = "GDVIZ_NO_BUDGET"


class Cancelled(Exception):
    """The run is stopping (a signal arrived); the step was not started or was killed."""


class StepError(Exception):
    """A step of one scene failed; ``str()`` names the step (``render``, ``gif``, ``still``, ...)."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step


def _pdeathsig() -> Any:
    """A preexec function that asks Linux to SIGKILL the child when its parent dies, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return preexec


_PREEXEC = _pdeathsig()


@dataclass
class Children:
    """The running child processes (one process group each) and the run's stop flag.

    ``stop(signum)`` may be called from a signal handler: it only sets the flag and signals the
    process groups.  A child started after the flag is set is killed at once.
    """

    procs: dict[int, subprocess.Popen] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    signum: int = 0
    #: CPU seconds (user + system) of the finished children, by log file: each child with whatever it
    #: waited for, from ``wait4``, so it is the scene's own CPU time whatever else runs on the machine.
    cpu_s: dict[Path, float] = field(default_factory=dict)

    @property
    def stopping(self) -> bool:
        return self.signum != 0

    def stop(self, signum: int, kill_with: int = signal.SIGTERM) -> None:
        """Set the stop flag and send ``kill_with`` to every running child's process group."""
        self.signum = self.signum or signum
        for proc in list(self.procs.values()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, kill_with)

    def run(self, cmd: list[str], log: Path, step: str, env: dict[str, str] | None = None,
            cwd: Path = ROOT) -> None:
        """Run ``cmd`` in its own process group, output appended to ``log``.

        Raises
        ------
        Cancelled
            If the run is stopping (before the start, or the child was killed for it).
        StepError
            If the command cannot start or exits non-zero.
        """
        if self.stopping:
            raise Cancelled(step)
        with log.open("a", encoding="utf-8") as f:
            f.write("$ " + " ".join(cmd) + "\n")
            f.flush()
            try:
                proc = subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env,
                                        stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_PREEXEC)
            except OSError as e:
                raise StepError(step, f"cannot run {Path(cmd[0]).name}: {e.strerror}") from None
            with self.lock:
                self.procs[proc.pid] = proc
            if self.stopping:                      # a signal came between the check and the start
                self.stop(self.signum)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                code = proc.returncode = os.waitstatus_to_exitcode(status)
                with self.lock:
                    self.cpu_s[log] = self.cpu_s.get(log, 0.0) + usage.ru_utime + usage.ru_stime
            finally:
                with self.lock:
                    self.procs.pop(proc.pid, None)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)     # anything the child left in its group goes too
        if self.stopping:
            raise Cancelled(step)
        if code != 0:
            raise StepError(step, f"{Path(cmd[0]).name} exited with status {code}")

    def output(self, cmd: list[str], step: str) -> str:
        """Run a short command (ffprobe) and return its stdout; StepError if it fails."""
        if self.stopping:
            raise Cancelled(step)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise StepError(step, f"cannot run {Path(cmd[0]).name}: {e}") from None
        if proc.returncode != 0:
            raise StepError(step, f"{Path(cmd[0]).name} exited with status {proc.returncode}: "
                                  f"{proc.stderr.strip()[:200]}")
        return proc.stdout


def _manim_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("manim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "manim"]


def still_seek(t: float, fps: float) -> float:
    """Where to seek for the frame that shows the scene at time ``t``.

    A mark is written when the animations before it have ended, at time ``t``; the frame that shows
    that state is the last one rendered, at ``t - 1/fps``.  The frame at ``t`` itself may already
    belong to the next animation (a new title fading in), so seek a quarter frame before that one.

    >>> still_seek(2.0, 4.0)
    1.6875
    >>> still_seek(0.1, 4.0)
    0.0
    """
    return max(t - 1.25 / fps, 0.0)


@dataclass
class Staged:
    """A scene's complete files in ``<work>/stage/`` (not yet recorded or placed)."""

    folder: Path
    files: list[Path]
    duration_s: float
    stills: list[dict[str, Any]]
    gif: dict[str, Any] | None = None


def _duration(children: Children, video: Path) -> float:
    out = children.output(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                           str(video)], "probe")
    try:
        return round(float(out.strip()), 3)
    except ValueError:
        raise StepError("probe", f"ffprobe gave no duration for {video.name}") from None


def _fps(children: Children, video: Path) -> float:
    out = children.output(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=r_frame_rate", "-of", "csv=p=0", str(video)], "probe")
    num, _, den = out.strip().partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        raise StepError("probe", f"ffprobe gave no frame rate for {video.name}") from None


def _still(children: Children, video: Path, t: float | None, out_png: Path, log: Path) -> None:
    if t is None:
        # The last frame: decode the final half second, overwriting the PNG with each frame.
        args = ["-sseof", "-0.5", "-i", str(video), "-update", "1"]
    else:
        args = ["-ss", f"{still_seek(t, _fps(children, video)):.3f}", "-i", str(video), "-frames:v", "1",
                "-update", "1"]
    children.run(["ffmpeg", "-v", "error", "-y", *args, str(out_png)], log, "still")
    if not out_png.is_file() or out_png.stat().st_size == 0:
        raise StepError("still", f"ffmpeg wrote no {out_png.name}")


# GIF settings from the best to the smallest: (frame rate cap, palette colours).  The first that fits
# --gif-max-kb is kept.  Measured on the nine scenes at 480 px (README, "GIFs"): dither off keeps
# still regions byte-identical between frames, which ffmpeg's GIF encoder then skips, and that
# matters more for size than the palette; the frame rate is what is left to give.
GIF_LADDER: tuple[tuple[int, int], ...] = ((10, 128), (8, 96), (6, 64), (5, 48), (4, 32))


def gif_filter(width: int, fps: int, colours: int) -> str:
    """The ffmpeg filter graph of a GIF: frame rate, Lanczos scaling, one palette, no dithering.

    >>> gif_filter(480, 10, 128).split(";")[0]
    'fps=10,scale=480:-2:flags=lanczos,split[a][b]'
    """
    return (f"fps={fps},scale={width}:-2:flags=lanczos,split[a][b];"
            f"[a]palettegen=max_colors={colours}:stats_mode=diff[p];[b][p]paletteuse=dither=none:diff_mode=rectangle")


def gif_ladder(fps: int) -> list[tuple[int, int]]:
    """The settings to try for a GIF asked at ``fps``: the ladder's rungs, none faster than ``fps``.

    >>> gif_ladder(10)[:2]
    [(10, 128), (8, 96)]
    >>> gif_ladder(3)
    [(3, 128), (3, 32)]
    """
    rungs = [(min(f, fps), c) for f, c in GIF_LADDER]
    return list(dict.fromkeys(r for r in rungs if r == rungs[0] or r[0] < fps or r == rungs[-1]))


def _gif(children: Children, video: Path, out_gif: Path, width: int, fps: int, max_bytes: int | None,
         log: Path) -> dict[str, Any]:
    """Write the GIF with the best settings that fit ``max_bytes``; return the settings used.

    If none fits, the smallest is kept (a budget is a wish, not a reason to fail the scene).
    """
    rungs = gif_ladder(fps) if max_bytes else [(fps, 128)]
    for k, (f, colours) in enumerate(rungs):
        children.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", gif_filter(width, f, colours),
                      "-loop", "0", str(out_gif)], log, "gif")
        if not out_gif.is_file() or out_gif.stat().st_size == 0:
            raise StepError("gif", f"ffmpeg wrote no {out_gif.name}")
        if not max_bytes or out_gif.stat().st_size <= max_bytes or k == len(rungs) - 1:
            return {"width": width, "fps": f, "colours": colours, "fits": not max_bytes or
                    out_gif.stat().st_size <= max_bytes}
    raise AssertionError("unreachable")


# VP9 in real-time mode: 'good' took eight times the CPU for a 25% smaller file (README, "WebM").
WEBM_ARGS = ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-crf", "32",
             "-b:v", "0", "-an")


def _webm(children: Children, video: Path, out_webm: Path, log: Path) -> None:
    children.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), *WEBM_ARGS, str(out_webm)], log, "webm")
    if not out_webm.is_file() or out_webm.stat().st_size == 0:
        raise StepError("webm", f"ffmpeg wrote no {out_webm.name}")


def srt_to_vtt(srt: str) -> str:
    r"""WebVTT from SubRip (what a browser's ``<track>`` reads): a header and dots in the times.

    >>> srt_to_vtt("1\n00:00:01,400 --> 00:00:05,100\nHi, there.\n")
    'WEBVTT\n\n1\n00:00:01.400 --> 00:00:05.100\nHi, there.\n'
    """
    return "WEBVTT\n\n" + re.sub(r"(\d\d:\d\d:\d\d),(\d\d\d)", r"\1.\2", srt.replace("\r\n", "\n"))


def render_env(opts: PublishOptions, params_file: Path | None, figures: Path) -> dict[str, str]:
    """The environment of a scene's render: theme, parameters, key-frame file, BLAS threads, budget."""
    env = {**os.environ, "GDVIZ_THEME": opts.theme, FIGURES_ENV: str(figures)}
    env.pop(ENV_VAR, None)
    # One BLAS thread per render: the workers already fill the cores, and two renders each spinning
    # two BLAS threads on two cores slow each other down.  Same setting for any --jobs, so the
    # measured figures (gd_variants' epoch times) mean the same thing in every run.
    for var in BLAS_THREAD_VARS:
        env.setdefault(var, "1")
    if params_file is not None:
        env[ENV_VAR] = str(params_file)
    if opts.no_budget:
        env[BUDGET_ENV] = "1"
    return env


def render_scene(scene: SceneInfo, opts: PublishOptions, params_file: Path | None, work: Path, log: Path,
                 children: Children) -> Staged:
    """Render one scene in ``work`` and stage its MP4, subtitles, GIF and stills in ``work/stage``.

    Raises
    ------
    StepError
        Naming the step that failed (render, probe, gif, still, stage).
    Cancelled
        If the run is stopping.
    """
    flag, _ = QUALITIES[opts.quality]
    env = render_env(opts, params_file, work / "figures.jsonl")
    base = [*_manim_cmd(), "render", f"-q{flag}", "--media_dir", str(work / "media"), "--disable_caching",
            "--progress_bar", "none"]
    x264 = ["--encoder-option", f"preset={opts.preset}", "--encoder-option", f"crf={opts.crf}"]
    children.run(base + x264 + [str(scene.path)], log, "render", env)
    videos = [v for v in (work / "media" / "videos").rglob(f"{scene.class_name}.mp4")
              if "partial_movie_files" not in v.parts]
    if len(videos) != 1:
        raise StepError("render", f"expected one {scene.class_name}.mp4, found {len(videos)}")
    video = videos[0]
    stage = work / "stage"
    stage.mkdir()
    files: list[Path] = []
    mp4 = stage / f"{scene.name}.mp4"
    shutil.copyfile(video, mp4)
    files.append(mp4)
    srt = video.with_suffix(".srt")
    if srt.exists():
        shutil.copyfile(srt, stage / f"{scene.name}.srt")
        files.append(stage / f"{scene.name}.srt")
        vtt = stage / f"{scene.name}.vtt"
        vtt.write_text(srt_to_vtt(srt.read_text(encoding="utf-8")), encoding="utf-8")
        files.append(vtt)
    duration = _duration(children, mp4)
    if opts.webm:
        _webm(children, video, stage / f"{scene.name}.webm", log)
        files.append(stage / f"{scene.name}.webm")
    gif_settings = None
    if opts.gif:
        gif_settings = _gif(children, video, stage / f"{scene.name}.gif", opts.gif_width, opts.gif_fps,
                            opts.gif_max_kb * 1000 if opts.gif_max_kb else None, log)
        files.append(stage / f"{scene.name}.gif")
    marks = []
    fig_file = work / "figures.jsonl"
    if fig_file.exists():
        try:
            marks = [json.loads(line) for line in fig_file.read_text().splitlines() if line.strip()]
        except ValueError:
            raise StepError("still", "the scene's key-frame marks are not valid JSON lines") from None
    stills_src = video
    if opts.transparent:
        env_t = dict(env, **{FIGURES_ENV: str(work / "figures-t.jsonl")})
        children.run([*base, "--transparent", "--media_dir", str(work / "media-t"), str(scene.path)], log,
                     "render", env_t)
        movs = list((work / "media-t" / "videos").rglob(f"{scene.class_name}.mov"))
        stills_src = movs[0] if movs else video
    last = stage / f"{scene.name}-last.png"
    _still(children, stills_src, None, last, log)
    files.append(last)
    stills: list[dict[str, Any]] = [{"name": "last", "file": last.name, "time": None}]
    for i, m in enumerate(marks, 1):
        png = stage / f"{scene.name}-{i:02d}-{m['name']}.png"
        # A mark at the very end has no frame after it: take the last frame instead.
        _still(children, stills_src, None if m["time"] > duration - 0.1 else m["time"], png, log)
        files.append(png)
        stills.append({"name": m["name"], "file": png.name, "time": m["time"]})
    for f in files:                     # on disk before the record that vouches for them
        with f.open("rb") as fh:
            os.fsync(fh.fileno())
    return Staged(stage, files, duration, stills, gif_settings)
