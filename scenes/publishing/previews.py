"""The README's preview stills (``media/preview/``) -- refreshed only when asked, from a full publish."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from scenes.publishing.options import PREVIEW_DIR, README, SCENES_DIR, PublishError, PublishOptions
from scenes.publishing.store import write_atomic

__all__ = ["check_previews_allowed", "update_previews"]

START, END = "<!-- previews:start -->", "<!-- previews:end -->"


def check_previews_allowed(opts: PublishOptions, all_scenes: list[str], selected: list[str]) -> None:
    """Raise :class:`PublishError` unless ``--update-previews`` comes with a full, high-quality publish.

    The previews are committed files; a partial or low-quality run must not replace them.
    """
    if not opts.update_previews:
        return
    why = []
    if sorted(selected) != sorted(all_scenes):
        why.append("every scene (no --only)")
    if opts.quality != "high":
        why.append("--quality high")
    if opts.theme != "dark" or opts.transparent:
        why.append("the default dark theme without --transparent")
    if opts.scenes_dir.resolve() != SCENES_DIR.resolve():
        why.append("the project's own scenes")
    if why:
        raise PublishError("--update-previews needs a full publish: " + ", ".join(why))


def update_previews(out: Path, manifest: dict[str, Any], readme: Path = README, preview_dir: Path = PREVIEW_DIR,
                    width: int = 480) -> list[Path]:
    """Write ``width``-px PNG previews (each scene's last frame) and the README's preview table.

    Each PNG and the README are replaced atomically.  Returns the preview files written.
    """
    preview_dir.mkdir(parents=True, exist_ok=True)
    rows, written = [], []
    for name in sorted(manifest["scenes"]):
        last = out / name / f"{name}-last.png"
        if not last.exists():
            continue
        dest = preview_dir / f"{name}.png"
        tmp = preview_dir / f".{name}.tmp-{os.getpid()}.png"
        try:
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(last), "-vf", f"scale={width}:-2", str(tmp)],
                           check=True, capture_output=True, stdin=subprocess.DEVNULL)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(dest)
        rows.append(f"| `{name}` | ![{name}](media/preview/{name}.png) |")
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if START in text and END in text:
            block = "\n".join([START, "| scene | last frame |", "| --- | --- |", *rows, END])
            text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
            write_atomic(readme, text)
    return written
