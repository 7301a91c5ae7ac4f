"""``python -m scenes slides``: the scenes as one reveal.js deck for talks, with manim-slides.

Each scene's beats become slides and its captions the speaker notes, from the same scene code that
renders the video: the scene class is not changed, a subclass made here (:func:`slide_class`) mixes
in manim-slides' ``Slide`` and starts a new slide wherever the scene starts a beat
(``set_title``).  Speaker notes are the beat's title and the captions whose subtitles start in
that slide's time window.  The deck, ``<out>/index.html``, loads reveal.js from ``<out>/reveal.js/``
(copied from the copy ``tools/setup.sh`` installs from the npm registry), so it opens offline from
disk.  The deck is built in a work folder beside ``<out>`` and renamed into place whole.

One scene renders in one child process (``python -m scenes.publishing.slides render-one ...``);
the parent runs ``--jobs`` of them, then ``manim-slides convert``.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scenes.params import DEFAULTS_ENV
from scenes.publishing.discovery import SceneInfo, discover
from scenes.publishing.gallery import ABOUT, story_order
from scenes.publishing.options import QUALITIES, ROOT, SCENES_DIR, PublishError
from scenes.publishing.store import place

__all__ = [
    "MANIM_SLIDES_VERSION",
    "REVEAL_VERSION",
    "SlidesOptions",
    "build_deck",
    "notes_for_slides",
    "reveal_dir",
    "slide_class",
]

MANIM_SLIDES_VERSION = "5.7.0"
REVEAL_VERSION = "6.0.1"
DEFAULT_OUT = ROOT / "media" / "slides"
#: What the deck loads from reveal.js (manim-slides' revealjs.html template, with the notes plugin).
REVEAL_FILES = ("dist/reveal.css", "dist/reveal.js", "dist/theme/black.css", "dist/plugin/notes.js",
                "dist/plugin/markdown.js", "dist/plugin/highlight/zenburn.css")
MANIM_QUALITY = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}


def reveal_dir() -> Path:
    """Where ``tools/setup.sh`` unpacked reveal.js (``$GDVIZ_REVEAL_DIR`` overrides)."""
    env = os.environ.get("GDVIZ_REVEAL_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "reveal.js" / REVEAL_VERSION


def notes_for_slides(boundaries: list[float], titles: list[str], cues: list[tuple[float, str]]) -> list[str]:
    r"""Speaker notes per slide (Markdown): its title as a heading, then the captions that start in its
    window, one list item each.

    ``boundaries`` are the times the slides after the first start; slide k spans
    ``[boundaries[k-1], boundaries[k])``.  ``titles[k]`` is slide k's title ("" for none).

    >>> notes_for_slides([5.0], ["", "Fit"], [(1.0, "Hello."), (5.0, "A line."), (7.5, "Done.")])
    ['- Hello.', '## Fit\n- A line.\n- Done.']
    """
    n = len(boundaries) + 1
    notes: list[list[str]] = [[f"## {titles[k]}"] if k < len(titles) and titles[k] else [] for k in range(n)]
    for start, text in cues:
        k = sum(1 for b in boundaries if start >= b - 1e-6)
        notes[min(k, n - 1)].append(f"- {text}")
    return ["\n".join(parts) for parts in notes]


def slide_class(scene_cls: type) -> type:
    """``scene_cls`` as a manim-slides deck: a slide per beat, captions as speaker notes.

    The shim for manim-slides 5.7.0 on manim 0.22 lives here and only here: 5.7.0's
    ``Slide.__init__`` sets ``config["write_to_movie"]`` (gone in manim 0.22: AttributeError) and its
    ``render`` sets ``config["max_files_cached"] = inf`` (0.22 rejects it; -1 is no limit).  Both are
    overridden; ``render`` then calls 5.7.0's own ``_save_slides``.  No limit must be set before the
    scene is made: manim 0.22's file writer reads it then and, past 100 animations, deletes the first
    partial movies that the slides are cut from.  Revisit on a manim-slides upgrade.
    """
    from manim import ThreeDScene, config
    from manim_slides.slide import Slide, ThreeDSlide
    from manim_slides.slide.base import BaseSlide

    base = ThreeDSlide if issubclass(scene_cls, ThreeDScene) else Slide

    class Deck(scene_cls, base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # manim-slides 5.7.0 shim: skip Slide.__init__, which sets config["write_to_movie"]; keep
            # every partial movie (the file writer made in Scene.__init__ reads the limit).
            config["max_files_cached"] = -1
            BaseSlide.__init__(self, *args, **kwargs)
            self._beat_times: list[float] = []
            self._beat_titles: list[str] = [""]
            self._in_beat = False

        def set_title(self, text: str) -> None:
            """A new beat is a new slide: the last caption is taken down first, then the slide ends."""
            if self._in_beat or self.time > 0:
                self.caption.clear(self)
                self.next_slide()
                self._beat_times.append(float(self.time))
                self._beat_titles.append(text)
            else:
                self._beat_titles[0] = text
            self._in_beat = True
            super().set_title(text)

        def _add_last_slide(self) -> None:
            super()._add_last_slide()
            cues = [(s.start.total_seconds(), s.content.replace("\n", " "))
                    for s in self.renderer.file_writer.subcaptions]
            notes = notes_for_slides(self._beat_times, self._beat_titles, cues)
            for slide, text in zip(self._slides, notes, strict=False):  # as before: one note per slide
                # The template puts notes into the page unescaped; a caption may hold "<" or "&".
                slide.notes = html.escape(text, quote=False)

        def render(self, *args: Any, **kwargs: Any) -> None:
            # manim-slides 5.7.0 shim: its render sets max_files_cached = inf (see __init__ for -1).
            scene_cls.render(self, *args, **kwargs)  # type: ignore[attr-defined]  # a Scene subclass
            self._save_slides(use_cache=False, flush_cache=True, skip_reversing=True)

    Deck.__name__ = Deck.__qualname__ = scene_cls.__name__
    return Deck


def _render_one(argv: list[str]) -> int:
    """Child process: render one scene file's scene as slides into ``--folder``."""
    ap = argparse.ArgumentParser(prog="python -m scenes.publishing.slides render-one")
    ap.add_argument("scene")
    ap.add_argument("class_name")
    ap.add_argument("--quality", choices=list(MANIM_QUALITY), default="high")
    ap.add_argument("--folder", required=True)
    ap.add_argument("--media-dir", required=True)
    a = ap.parse_args(argv)
    from manim import tempconfig

    spec = importlib.util.spec_from_file_location(Path(a.scene).stem, a.scene)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    deck = slide_class(getattr(module, a.class_name))
    with tempconfig({"quality": MANIM_QUALITY[a.quality], "media_dir": a.media_dir, "disable_caching": True,
                     "progress_bar": "none", "verbosity": "WARNING"}):
        deck(output_folder=Path(a.folder)).render()
    return 0


@dataclass(frozen=True)
class SlidesOptions:
    """One ``python -m scenes slides`` run: scenes, quality, output folder, parallel renders."""

    out: Path = DEFAULT_OUT
    only: tuple[str, ...] = ()
    quality: str = "high"
    jobs: int = 1
    scenes_dir: Path = SCENES_DIR


def _check_tools() -> Path:
    try:
        from importlib.metadata import version

        found = version("manim-slides")
    except Exception:
        raise PublishError("manim-slides is not installed; run bash tools/setup.sh") from None
    if found != MANIM_SLIDES_VERSION:
        raise PublishError(f"manim-slides {found} is installed, the slides need {MANIM_SLIDES_VERSION} "
                           "(the shim in scenes/publishing/slides.py is for that version); run bash tools/setup.sh")
    reveal = reveal_dir()
    missing = [f for f in REVEAL_FILES if not (reveal / f).is_file()]
    if missing:
        raise PublishError(f"reveal.js {REVEAL_VERSION} is not in {reveal} (missing {missing[0]}); "
                           "run bash tools/setup.sh")
    return reveal


def build_deck(opts: SlidesOptions, stream: TextIO = sys.stderr) -> int:
    """Build the deck; return the exit status (0 built, 1 a scene failed, 2 could not start)."""
    try:
        return _build(opts, stream)
    except PublishError as e:
        print(f"error: {e}", file=stream)
        return e.status
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"error: cannot write the deck{where}: {e.strerror or e}", file=stream)
        return 2


def _build(opts: SlidesOptions, stream: TextIO) -> int:
    if opts.quality not in QUALITIES:
        raise PublishError(f"--quality must be one of {', '.join(QUALITIES)}, got {opts.quality!r}")
    if opts.jobs < 1:
        raise PublishError(f"--jobs must be >= 1, got {opts.jobs}")
    scenes_dir = opts.scenes_dir.resolve()
    infos = {s.name: s for s in discover(scenes_dir)}
    unknown = [n for n in opts.only if n not in infos]
    if unknown:
        raise PublishError(f"unknown scene(s) for --only: {', '.join(unknown)}; scenes: {', '.join(infos)}")
    names = story_order(list(dict.fromkeys(opts.only)) or list(infos))
    reveal = _check_tools()
    out = opts.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    try:
        deck = work / "deck"
        folder = work / "slides"
        deck.mkdir()
        logs = deck / "logs"
        logs.mkdir()

        def one(name: str) -> tuple[str, float, str]:
            info: SceneInfo = infos[name]
            log = logs / f"{name}.log"
            t0 = time.perf_counter()
            env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
            if scenes_dir != SCENES_DIR.resolve() and (scenes_dir / "defaults.toml").is_file():
                env[DEFAULTS_ENV] = str(scenes_dir / "defaults.toml")   # another collection (the tests')
            with log.open("w", encoding="utf-8") as f:
                proc = subprocess.run([sys.executable, "-m", "scenes.publishing.slides", "render-one", str(info.path),
                                       info.class_name, "--quality", opts.quality, "--folder", str(folder),
                                       "--media-dir", str(work / "media" / name)],
                                      cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            secs = time.perf_counter() - t0
            ok = proc.returncode == 0 and (folder / f"{info.class_name}.json").is_file()
            print(f"  {'done' if ok else 'failed':7s} {name} ({secs:.1f} s)" + ("" if ok else f"; log: {log}"),
                  file=stream, flush=True)
            return name, secs, "" if ok else str(log)

        with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
            results = list(pool.map(one, names))
        failed = [(n, log) for n, _, log in results if log]
        if failed:
            kept = out.parent / f"{out.name}-failed-logs"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(logs, kept)
            print(f"error: {len(failed)} scene(s) failed: " + ", ".join(n for n, _ in failed) +
                  f"; logs in {kept}; the deck was not changed", file=stream)
            return 1
        classes = [infos[n].class_name for n in names]
        html = deck / "index.html"
        convert = [sys.executable, "-m", "manim_slides", "convert", "--to", "html", "--folder", str(folder),
                   "-ccdn_url=reveal.js", "-ctitle=Gradient descent, animated", *classes, str(html)]
        proc = subprocess.run(convert, cwd=work, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not html.is_file():
            (logs / "convert.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise PublishError(f"manim-slides convert failed: {last[:200]}", status=1)
        for f in (*REVEAL_FILES, "LICENSE"):
            src = reveal / f
            if src.is_file():
                (deck / "reveal.js" / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, deck / "reveal.js" / f)
        summary = {"scenes": {n: {"class": infos[n].class_name, "render_s": round(s, 1),
                                  "title": ABOUT.get(n, (n, ""))[0]} for n, s, _ in results},
                   "quality": opts.quality, "reveal.js": REVEAL_VERSION, "manim-slides": MANIM_SLIDES_VERSION}
        (deck / "deck.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        place(out.parent, out.name, deck)   # two renames, as publish places a scene's folder
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out / 'index.html'} ({len(names)} scene(s)); open it from disk, press S for the speaker notes",
          file=stream)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-one"]:
        return _render_one(argv[1:])
    print("usage: python -m scenes slides [--only NAME ...] [--quality Q] [--out DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
