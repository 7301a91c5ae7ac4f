"""``python -m scenes publish``: render every scene and write the files a blog needs.

For each scene it writes, under ``media/publish/<scene>/``: the MP4, a GIF sized
for a blog, PNG stills (the last frame and every key frame the scene marks with
:func:`scenes.common.mark_figure`), the subtitles (``.srt``), and one
``manifest.json`` for the whole set; then a gallery page ``index.html`` and the
README's preview stills.

Unchanged inputs are not rendered again: the input hash covers the scene's
source, the gdcore and scenes modules it imports (transitively), its effective
parameters, the quality, the theme and the output formats.  Each scene renders
into a private work folder and its files are moved into place only when all of
them are complete, so a failed or interrupted run never leaves a truncated file
where a good one was.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenes.params import DEFAULTS_ENV, ENV_VAR, ParamsError, load_params

__all__ = ["SceneInfo", "discover", "input_hash", "publish", "main", "QUALITIES"]

ROOT = Path(__file__).resolve().parents[1]
SCENES_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "media" / "publish"
PREVIEW_DIR = ROOT / "media" / "preview"
README = ROOT / "README.md"

# name -> (manim quality flag, folder manim writes, description)
QUALITIES = {
    "low": ("l", "480p15"),
    "medium": ("m", "720p30"),
    "high": ("h", "1080p60"),
    "4k": ("k", "2160p60"),
}
NOT_SCENES = {"__init__", "__main__", "common", "params", "publish"}


@dataclass(frozen=True)
class SceneInfo:
    """A scene file: its name (file stem), path, Scene class name and one-line description."""

    name: str
    path: Path
    class_name: str
    description: str


def _scene_classes(tree: ast.Module) -> list[str]:
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                if name.endswith("Scene"):
                    out.append(node.name)
                    break
    return out


def discover(scenes_dir: Path = SCENES_DIR) -> list[SceneInfo]:
    """Every scene file in ``scenes_dir`` (one Scene class per file), sorted by name."""
    found = []
    for path in sorted(scenes_dir.glob("*.py")):
        if path.stem in NOT_SCENES or path.stem.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = _scene_classes(tree)
        if len(classes) != 1:
            continue
        doc = (ast.get_docstring(tree) or path.stem).strip().splitlines()[0]
        found.append(SceneInfo(path.stem, path, classes[0], doc))
    return found


def _imported_local_files(path: Path, seen: set[Path] | None = None) -> set[Path]:
    """The scene's own file plus every gdcore/scenes module it imports, transitively."""
    seen = set() if seen is None else seen
    if path in seen or not path.exists():
        return seen
    seen.add(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] not in ("gdcore", "scenes"):
                continue
            base = ROOT.joinpath(*parts)
            for cand in (base.with_suffix(".py"), base / "__init__.py"):
                if cand.exists():
                    _imported_local_files(cand, seen)
    defaults = path.parent / "defaults.toml"  # the parameters' defaults and limits
    if defaults.exists():
        seen.add(defaults)
    return seen


def input_hash(scene: SceneInfo, params: dict[str, Any], settings: dict[str, Any]) -> str:
    """SHA-256 over the scene's code (and what it imports), its parameters and the output settings."""
    h = hashlib.sha256()
    for f in sorted(_imported_local_files(scene.path)):
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode())
        h.update(f.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(json.dumps(settings, sort_keys=True).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- rendering


@dataclass
class Outcome:
    scene: str
    status: str                      # "done", "skipped", "failed"
    seconds: float = 0.0
    log: Path | None = None
    entry: dict[str, Any] = field(default_factory=dict)
    error: str = ""


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _run(cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    with log.open("a", encoding="utf-8") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} exited with status {proc.returncode}")


def _manim_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("manim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "manim"]


def _duration(video: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                          str(video)], capture_output=True, text=True, check=True).stdout
    return round(float(out.strip()), 3)


def _fps(video: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate",
                          "-of", "csv=p=0", str(video)], capture_output=True, text=True, check=True).stdout
    num, _, den = out.strip().partition("/")
    return float(num) / float(den or 1)


def still_seek(t: float, fps: float) -> float:
    """Where to seek for the frame that shows the scene at time ``t``.

    A mark is written when the animations before it have ended, at time ``t``; the frame that shows
    that state is the last one rendered, at ``t - 1/fps``.  The frame at ``t`` itself may already
    belong to the next animation (a new title fading in), so seek a quarter frame before that one.
    """
    return max(t - 1.25 / fps, 0.0)


def _still(video: Path, t: float | None, out_png: Path, log: Path) -> None:
    if t is None:
        # The last frame: decode the final half second, overwriting the PNG with each frame.
        args = ["-sseof", "-0.5", "-i", str(video), "-update", "1"]
    else:
        args = ["-ss", f"{still_seek(t, _fps(video)):.3f}", "-i", str(video), "-frames:v", "1", "-update", "1"]
    _run(["ffmpeg", "-v", "error", "-y", *args, str(out_png)], log)


def _gif(video: Path, out_gif: Path, width: int, fps: int, log: Path) -> None:
    vf = (f"fps={fps},scale={width}:-2:flags=lanczos,split[a][b];"
          f"[a]palettegen=max_colors=128:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=4")
    _run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", vf, "-loop", "0", str(out_gif)], log)


def render_scene(scene: SceneInfo, opts: argparse.Namespace, params_file: Path | None, out_dir: Path,
                 log: Path) -> dict[str, Any]:
    """Render one scene into a private work folder; return its manifest entry (files not yet moved)."""
    work = Path(tempfile.mkdtemp(prefix=f".work-{scene.name}-", dir=out_dir))
    flag, folder = QUALITIES[opts.quality]
    env = {**os.environ, "GDVIZ_THEME": opts.theme, "GDVIZ_FIGURES": str(work / "figures.jsonl")}
    env.pop(ENV_VAR, None)
    # One BLAS thread per render: the workers already fill the cores, and two renders each spinning
    # two BLAS threads on two cores slow each other down.  Same setting for any --jobs, so the
    # measured figures (gd_variants' epoch times) mean the same thing in every run.
    for var in BLAS_THREAD_VARS:
        env.setdefault(var, "1")
    if params_file is not None:
        env[ENV_VAR] = str(params_file)
    base = _manim_cmd() + ["render", f"-q{flag}", "--media_dir", str(work / "media"), "--disable_caching",
                           "--progress_bar", "none"]
    _run(base + [str(scene.path)], log, env)
    videos = [v for v in (work / "media" / "videos").rglob(f"{scene.class_name}.mp4")
              if "partial_movie_files" not in v.parts]
    if len(videos) != 1:
        raise RuntimeError(f"expected one {scene.class_name}.mp4 under {work}, found {len(videos)}")
    video = videos[0]
    stage = work / "out"
    stage.mkdir()
    files: list[Path] = []
    mp4 = stage / f"{scene.name}.mp4"
    shutil.copyfile(video, mp4)
    files.append(mp4)
    srt = video.with_suffix(".srt")
    if srt.exists():
        shutil.copyfile(srt, stage / f"{scene.name}.srt")
        files.append(stage / f"{scene.name}.srt")
    if not opts.no_gif:
        _gif(video, stage / f"{scene.name}.gif", opts.gif_width, opts.gif_fps, log)
        files.append(stage / f"{scene.name}.gif")
    marks = []
    fig_file = work / "figures.jsonl"
    if fig_file.exists():
        marks = [json.loads(line) for line in fig_file.read_text().splitlines() if line.strip()]
    stills_src = video
    if opts.transparent:
        env_t = dict(env, GDVIZ_FIGURES=str(work / "figures-t.jsonl"))
        _run(base + ["--transparent", "--media_dir", str(work / "media-t"), str(scene.path)], log, env_t)
        movs = list((work / "media-t" / "videos").rglob(f"{scene.class_name}.mov"))
        stills_src = movs[0] if movs else video
    last = stage / f"{scene.name}-last.png"
    _still(stills_src, None, last, log)
    files.append(last)
    stills = [{"name": "last", "file": last.name, "time": None}]
    duration = _duration(mp4)
    for i, m in enumerate(marks, 1):
        png = stage / f"{scene.name}-{i:02d}-{m['name']}.png"
        # A mark at the very end has no frame after it: take the last frame instead.
        _still(stills_src, None if m["time"] > duration - 0.1 else m["time"], png, log)
        files.append(png)
        stills.append({"name": m["name"], "file": png.name, "time": m["time"]})
    return {
        "work": str(work),
        "duration_s": duration,
        "stills": stills,
        "staged": [str(f) for f in files],
    }


def _place(staged: list[str], dest: Path) -> list[dict[str, Any]]:
    """Move complete files into ``dest`` (each move atomic); return their manifest records."""
    missing = [s for s in staged if not Path(s).is_file() or Path(s).stat().st_size == 0]
    if missing:
        raise RuntimeError(f"outputs missing or empty, nothing moved: {missing}")
    dest.mkdir(parents=True, exist_ok=True)
    records = []
    for s in staged:
        src = Path(s)
        target = dest / src.name
        os.replace(src, target)
        records.append({"path": str(target.relative_to(dest.parent)), "bytes": target.stat().st_size})
    return records


# ---------------------------------------------------------------- progress


class Progress:
    """One status display for the whole run: running, done, skipped and failed scenes."""

    def __init__(self, names: list[str], stream=sys.stderr) -> None:
        self.state = {n: "queued" for n in names}
        self.lock = threading.Lock()
        self.stream = stream
        self.tty = stream.isatty()
        self.t0 = time.perf_counter()

    def set(self, name: str, state: str, extra: str = "") -> None:
        with self.lock:
            self.state[name] = state
            groups = {k: [n for n, s in self.state.items() if s == k] for k in ("running", "done", "skipped", "failed")}
            left = sum(1 for s in self.state.values() if s == "queued")
            line = (f"[{time.perf_counter() - self.t0:6.1f}s] running: {', '.join(groups['running']) or '-'} | "
                    f"done {len(groups['done'])}, skipped {len(groups['skipped'])}, "
                    f"failed {len(groups['failed'])}, queued {left}")
            if self.tty:
                self.stream.write("\r\033[K" + line)
                if state in ("done", "skipped", "failed"):
                    self.stream.write(f"\r\033[K  {state:7s} {name} {extra}\n" + line)
            else:
                self.stream.write(f"  {state:7s} {name} {extra}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


# ---------------------------------------------------------------- manifest, gallery


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gdviz")
    except Exception:
        import gdcore

        return gdcore.__version__


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_gallery(out: Path, manifest: dict[str, Any], infos: dict[str, SceneInfo]) -> Path:
    """A static page showing every scene's video, GIF and stills with relative links."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>gdviz gallery</title><style>",
             "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
             "background:#fafafa;color:#1a1a1a}section{margin-bottom:3em}video,img{max-width:100%;"
             "border:1px solid #ddd}.stills{display:flex;flex-wrap:wrap;gap:8px}.stills figure{margin:0;"
             "width:260px}.stills img{width:260px}table{border-collapse:collapse;font-size:90%}"
             "td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}code{font-size:90%}",
             "</style></head><body><h1>gdviz gallery</h1>",
             f"<p>Version {html.escape(manifest.get('version', ''))}, quality "
             f"{html.escape(manifest.get('quality', ''))}, theme {html.escape(manifest.get('theme', ''))}.</p>"]
    for name, entry in sorted(manifest["scenes"].items()):
        info = infos.get(name)
        files = {Path(f["path"]).name: f for f in entry["files"]}
        parts.append(f"<section id='{html.escape(name)}'><h2>{html.escape(name)}</h2>")
        if info:
            parts.append(f"<p>{html.escape(info.description)}</p>")
        mp4, gif, srt = f"{name}.mp4", f"{name}.gif", f"{name}.srt"
        if mp4 in files:
            track = (f"<track kind='captions' src='{name}/{srt}' srclang='en' label='captions'>"
                     if srt in files else "")
            poster = f" poster='{name}/{name}-last.png'" if f"{name}-last.png" in files else ""
            parts.append(f"<video controls preload='metadata'{poster} src='{name}/{mp4}'>{track}</video>")
            parts.append(f"<p><a href='{name}/{mp4}'>MP4</a> ({files[mp4]['bytes'] // 1024} KiB, "
                         f"{entry['duration_s']:.1f} s)"
                         + (f" · <a href='{name}/{gif}'>GIF</a> ({files[gif]['bytes'] // 1024} KiB)" if gif in files else "")
                         + (f" · <a href='{name}/{srt}'>subtitles</a>" if srt in files else "") + "</p>")
        parts.append("<div class='stills'>")
        for still in entry.get("stills", []):
            parts.append(f"<figure><a href='{name}/{still['file']}'><img src='{name}/{still['file']}' "
                         f"alt='{html.escape(name)} {html.escape(still['name'])}'></a>"
                         f"<figcaption>{html.escape(still['name'])}</figcaption></figure>")
        parts.append("</div>")
        if entry.get("params"):
            rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td><code>{html.escape(json.dumps(v))}"
                           f"</code></td></tr>" for k, v in entry["params"].items())
            parts.append(f"<details><summary>Parameters</summary><table>{rows}</table></details>")
        parts.append("</section>")
    parts.append("</body></html>")
    page = out / "index.html"
    _write_atomic(page, "\n".join(parts))
    return page


def update_previews(out: Path, manifest: dict[str, Any], readme: Path = README,
                    preview_dir: Path = PREVIEW_DIR, width: int = 480) -> None:
    """Small PNG previews (last frame, ``width`` px wide) and the README's preview table."""
    preview_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in sorted(manifest["scenes"]):
        last = out / name / f"{name}-last.png"
        if not last.exists():
            continue
        dest = preview_dir / f"{name}.png"
        tmp = preview_dir / f".{name}.tmp.png"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(last), "-vf", f"scale={width}:-2", str(tmp)],
                       check=True)
        os.replace(tmp, dest)
        rows.append(f"| `{name}` | ![{name}](media/preview/{name}.png) |")
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- previews:start -->", "<!-- previews:end -->"
    if start in text and end in text:
        block = "\n".join([start, "| scene | last frame |", "| --- | --- |", *rows, end])
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
        _write_atomic(readme, text)


# ---------------------------------------------------------------- main


def longest_first(names: list[str], manifest: dict[str, Any], quality: str) -> list[str]:
    """The scenes in the order to start them: longest last render (at this quality) first.

    With N workers the run ends when the last scene does; starting the long ones first keeps
    one long scene from running alone at the end.  Scenes with no recorded time keep their
    order, after the timed ones.

    >>> longest_first(["a", "b", "c"], {"scenes": {"b": {"render_s": 9.0, "quality": "low"},
    ...                                            "c": {"render_s": 30.0, "quality": "low"}}}, "low")
    ['c', 'b', 'a']
    """
    def seconds(name: str) -> float:
        entry = manifest.get("scenes", {}).get(name, {})
        return float(entry.get("render_s", -1.0)) if entry.get("quality") == quality else -1.0

    return sorted(names, key=lambda n: -seconds(n))


def publish(opts: argparse.Namespace) -> int:
    out: Path = Path(opts.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scenes_dir = Path(opts.scenes_dir).resolve() if opts.scenes_dir else SCENES_DIR
    infos = {s.name: s for s in discover(scenes_dir)}
    names = opts.only or list(infos)
    unknown = [n for n in names if n not in infos]
    if unknown:
        print(f"unknown scene(s): {', '.join(unknown)}; scenes: {', '.join(infos)}", file=sys.stderr)
        return 2
    params_file = Path(opts.params).resolve() if opts.params else None
    if scenes_dir != SCENES_DIR and (scenes_dir / "defaults.toml").exists():
        os.environ[DEFAULTS_ENV] = str(scenes_dir / "defaults.toml")  # another collection's defaults
    try:
        all_params = load_params(params_file)          # validates the whole file before anything renders
    except ParamsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    settings = {"quality": opts.quality, "theme": opts.theme, "transparent": opts.transparent,
                "gif": None if opts.no_gif else [opts.gif_width, opts.gif_fps]}
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"scenes": {}}
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    progress = Progress(names)
    lock = threading.Lock()

    def job(name: str) -> Outcome:
        scene = infos[name]
        params = all_params.get(name, {})
        digest = input_hash(scene, params, settings)
        old = manifest["scenes"].get(name)
        if (not opts.force and old and old.get("input_hash") == digest
                and all((out / f["path"]).exists() for f in old["files"])):
            progress.set(name, "skipped", "(unchanged)")
            return Outcome(name, "skipped", entry=old)
        progress.set(name, "running")
        log = logs / f"{name}.log"
        log.write_text("", encoding="utf-8")
        t0 = time.perf_counter()
        work = None
        try:
            result = render_scene(scene, opts, params_file, out, log)
            work = Path(result["work"])
            with lock:
                files = _place(result["staged"], out / name)
            secs = time.perf_counter() - t0
            entry = {"description": scene.description, "files": files, "duration_s": result["duration_s"],
                     "stills": result["stills"], "params": params, "input_hash": digest,
                     "quality": opts.quality, "theme": opts.theme, "version": _version(),
                     "render_s": round(secs, 1)}
            progress.set(name, "done", f"({secs:.1f} s)")
            return Outcome(name, "done", secs, log, entry)
        except Exception as e:  # one scene's failure does not stop the others
            secs = time.perf_counter() - t0
            with log.open("a", encoding="utf-8") as f:
                f.write(f"\nFAILED: {e}\n")
            progress.set(name, "failed", f"(log: {log})")
            return Outcome(name, "failed", secs, log, error=str(e))
        finally:
            if work is not None and work.exists():
                shutil.rmtree(work, ignore_errors=True)
            for stale in out.glob(f".work-{name}-*"):
                shutil.rmtree(stale, ignore_errors=True)

    with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        outcomes = list(pool.map(job, longest_first(names, manifest, opts.quality)))
    outcomes.sort(key=lambda o: names.index(o.scene))
    progress.close()

    for o in outcomes:
        if o.status in ("done", "skipped"):
            manifest["scenes"][o.scene] = o.entry
    manifest.update({"version": _version(), "quality": opts.quality, "theme": opts.theme})
    _write_atomic(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    write_gallery(out, manifest, infos)
    if opts.previews:
        update_previews(out, manifest)

    print("\nscene               status    seconds  log", file=sys.stderr)
    for o in outcomes:
        print(f"{o.scene:19s} {o.status:8s} {o.seconds:8.1f}  {o.log or ''}", file=sys.stderr)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        print(f"\n{len(failed)} scene(s) failed: " + ", ".join(f"{o.scene} (see {o.log})" for o in failed),
              file=sys.stderr)
        return 1
    print(f"\nwrote {manifest_path} and {out / 'index.html'}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scenes", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the scenes with a one-line description each")
    pub = sub.add_parser("publish", help="render scenes and write MP4, GIF, stills, subtitles, manifest, gallery")
    pub.add_argument("--only", nargs="+", metavar="NAME", help="render only these scenes")
    pub.add_argument("--quality", choices=list(QUALITIES), default="high", help="default: high (1080p60)")
    pub.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel renders (default: CPUs)")
    pub.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: media/publish)")
    pub.add_argument("--params", help="a TOML file of per-scene parameters (see scenes/defaults.toml)")
    pub.add_argument("--theme", choices=["dark", "light"], default="dark")
    pub.add_argument("--transparent", action="store_true", help="PNG stills with a transparent background")
    pub.add_argument("--force", action="store_true", help="render even if the inputs are unchanged")
    pub.add_argument("--gif-width", type=int, default=480, help="GIF width in pixels (default 480)")
    pub.add_argument("--gif-fps", type=int, default=10, help="GIF frame rate (default 10)")
    pub.add_argument("--no-gif", action="store_true", help="skip the GIFs")
    pub.add_argument("--no-previews", dest="previews", action="store_false",
                     help="do not refresh media/preview/ and the README's preview table")
    pub.add_argument("--scenes-dir", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    if opts.command == "list":
        infos = discover()
        width = max(len(s.name) for s in infos)
        for s in infos:
            print(f"{s.name:{width}s}  {s.description}")
        return 0
    if opts.jobs < 1:
        print("error: --jobs must be >= 1", file=sys.stderr)
        return 2
    if opts.gif_width < 16 or opts.gif_fps < 1:
        print("error: --gif-width must be >= 16 and --gif-fps >= 1", file=sys.stderr)
        return 2
    return publish(opts)
