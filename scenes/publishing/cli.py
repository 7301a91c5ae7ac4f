"""Command line: ``python -m scenes list``, ``python -m scenes publish`` and ``python -m scenes slides``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scenes.publishing.discovery import discover
from scenes.publishing.options import (
    DEFAULT_CRF,
    DEFAULT_OUT,
    DEFAULT_PRESET,
    QUALITIES,
    ROOT,
    SCENES_DIR,
    X264_PRESETS,
    PublishOptions,
)
from scenes.publishing.run import publish

__all__ = ["build_parser", "main", "options_from_args"]

EPILOG = """\
Output: <out>/<scene>/ (MP4, WebM, GIF, PNG stills, .srt and .vtt, record.json), <out>/manifest.json, <out>/index.html,
<out>/logs/.  A scene is rendered again only if its inputs changed or a file no longer matches the SHA-256
in its record.json.  One publish writes to a folder at a time: a second one waits for the first
(--no-wait: exit 2 instead).  Exit status: 0 all published, 1 some scene failed, 2 could not start,
130/143 stopped by SIGINT/SIGTERM (renders killed, finished scenes kept).
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m scenes`` parser (sub-commands ``list`` and ``publish``)."""
    p = argparse.ArgumentParser(prog="python -m scenes",
                                description="Render every scene and write the files a blog needs.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the scenes with a one-line description each")
    pub = sub.add_parser("publish", help="render scenes and write MP4, GIF, stills, subtitles, manifest, gallery",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    pub.add_argument("--only", nargs="+", metavar="NAME", default=[], help="publish only these scenes")
    pub.add_argument("--quality", choices=list(QUALITIES), default="high", help="default: high (1080p60)")
    pub.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel renders (default: CPUs)")
    pub.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: media/publish)")
    pub.add_argument("--params", help="a TOML file of per-scene parameters (see scenes/defaults.toml)")
    pub.add_argument("--theme", choices=["dark", "light"], default="dark")
    pub.add_argument("--transparent", action="store_true", help="PNG stills with a transparent background")
    pub.add_argument("--force", action="store_true",
                     help="render even if the inputs are unchanged and the files match their checksums")
    pub.add_argument("--gif-width", type=int, default=480, help="GIF width in pixels, >= 16 (default 480)")
    pub.add_argument("--gif-fps", type=int, default=10, help="GIF frame rate, >= 1 (default 10)")
    pub.add_argument("--gif-max-kb", type=int, default=2000,
                     help="GIF size budget in kB (1000 bytes): lower frame rates and fewer colours are tried "
                          "until the GIF fits (0: no budget; default 2000)")
    pub.add_argument("--no-gif", action="store_true", help="skip the GIFs")
    pub.add_argument("--no-webm", dest="webm", action="store_false", help="skip the VP9 WebM beside the MP4")
    pub.add_argument("--preset", choices=X264_PRESETS, default=DEFAULT_PRESET, metavar="PRESET",
                     help=f"libx264 preset of the MP4 (default {DEFAULT_PRESET}; manim's own is medium)")
    pub.add_argument("--crf", type=int, default=DEFAULT_CRF,
                     help=f"libx264 constant rate factor, 0-51, lower is better (default {DEFAULT_CRF})")
    pub.add_argument("--update-previews", action="store_true",
                     help="also rewrite media/preview/*.png and the README's preview table; only with every "
                          "scene, --quality high and the dark theme (refused otherwise, exit 2)")
    pub.add_argument("--no-previews", action="store_true", help=argparse.SUPPRESS)  # the old default; a no-op
    pub.add_argument("--no-budget", action="store_true",
                     help="set GDVIZ_NO_BUDGET=1: skip the memory/time budget check of the parameters "
                          "(for publish's own check and for the renders)")
    pub.add_argument("--no-wait", dest="wait", action="store_false",
                     help="if another publish is writing to --out, exit 2 instead of waiting for it")
    pub.add_argument("--scenes-dir", help=argparse.SUPPRESS)
    sl = sub.add_parser("slides", help="one reveal.js deck for talks: a slide per beat, captions as speaker notes",
                        description="Render the scenes with manim-slides into one HTML deck that opens offline "
                                    "(reveal.js bundled beside it).  Exit status: 0 built, 1 a scene failed "
                                    "(the old deck is kept), 2 could not start.")
    sl.add_argument("--only", nargs="+", metavar="NAME", default=[], help="these scenes only (in story order)")
    sl.add_argument("--quality", choices=list(QUALITIES), default="high", help="default: high (1080p60)")
    sl.add_argument("--out", default=str(ROOT / "media" / "slides"), help="deck folder (default: media/slides)")
    sl.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel renders (default: CPUs)")
    sl.add_argument("--scenes-dir", help=argparse.SUPPRESS)
    return p


def options_from_args(args: argparse.Namespace) -> PublishOptions:
    """Typed options from parsed ``publish`` arguments."""
    return PublishOptions(
        out=Path(args.out), only=tuple(args.only), quality=args.quality, jobs=args.jobs,
        params=Path(args.params) if args.params else None, theme=args.theme, transparent=args.transparent,
        force=args.force, gif=not args.no_gif, gif_width=args.gif_width, gif_fps=args.gif_fps,
        preset=args.preset, crf=args.crf, gif_max_kb=args.gif_max_kb, webm=args.webm,
        update_previews=args.update_previews, no_budget=args.no_budget, wait=args.wait,
        scenes_dir=Path(args.scenes_dir) if args.scenes_dir else SCENES_DIR)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m scenes``; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "list":
        infos = discover()
        width = max(len(s.name) for s in infos)
        for s in infos:
            print(f"{s.name:{width}s}  {s.description}")
        return 0
    if args.command == "slides":
        from scenes.publishing.slides import SlidesOptions, build_deck

        return build_deck(SlidesOptions(out=Path(args.out), only=tuple(args.only), quality=args.quality,
                                        jobs=args.jobs, scenes_dir=Path(args.scenes_dir) if args.scenes_dir
                                        else SCENES_DIR), sys.stderr)
    return publish(options_from_args(args), sys.stderr)
