"""The gallery page ``<out>/index.html``: every scene's video, GIF and stills, relative links only."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from scenes.publishing.discovery import SceneInfo
from scenes.publishing.store import write_atomic

__all__ = ["write_gallery"]


def write_gallery(out: Path, manifest: dict[str, Any], infos: dict[str, SceneInfo]) -> Path:
    """Write a static page showing every scene in ``manifest``; opens from disk (no server).

    Parameters
    ----------
    out : Path
        The output folder; the page is ``out/index.html``.
    manifest : dict
        As written to ``manifest.json``.
    infos : dict
        Scene name -> :class:`SceneInfo`, for the descriptions.

    Returns
    -------
    Path
        The page.
    """
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>gdviz gallery</title><style>",
             "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
             "background:#fafafa;color:#1a1a1a}section{margin-bottom:3em}video,img{max-width:100%;"
             "border:1px solid #ddd}.stills{display:flex;flex-wrap:wrap;gap:8px}.stills figure{margin:0;"
             "width:260px}.stills img{width:260px}table{border-collapse:collapse;font-size:90%}"
             "td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}code{font-size:90%}",
             "</style></head><body><h1>gdviz gallery</h1>",
             f"<p>Version {html.escape(manifest.get('version', ''))}.</p>"]
    for name, entry in sorted(manifest["scenes"].items()):
        info = infos.get(name)
        files = {Path(f["path"]).name: f for f in entry["files"]}
        parts.append(f"<section id='{html.escape(name)}'><h2>{html.escape(name)}</h2>")
        parts.append(f"<p>{html.escape(info.description if info else entry.get('description', ''))} "
                     f"<small>({html.escape(str(entry.get('quality', '')))}, "
                     f"{html.escape(str(entry.get('theme', '')))} theme)</small></p>")
        mp4, gif, srt = f"{name}.mp4", f"{name}.gif", f"{name}.srt"
        if mp4 in files:
            track = (f"<track kind='captions' src='{name}/{srt}' srclang='en' label='captions'>"
                     if srt in files else "")
            poster = f" poster='{name}/{name}-last.png'" if f"{name}-last.png" in files else ""
            parts.append(f"<video controls preload='metadata'{poster} src='{name}/{mp4}'>{track}</video>")
            parts.append(f"<p><a href='{name}/{mp4}'>MP4</a> ({files[mp4]['bytes'] // 1024} KiB, "
                         f"{entry['duration_s']:.1f} s)"
                         + (f" · <a href='{name}/{gif}'>GIF</a> ({files[gif]['bytes'] // 1024} KiB)"
                            if gif in files else "")
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
    write_atomic(page, "\n".join(parts))
    return page
