"""The gallery page ``<out>/index.html``: the scenes in story order, each with a human title and a
paragraph, its video as a blogger would embed it, its stills, and copy-paste snippets.

Relative links only, no scripts from elsewhere: the page opens from disk.  Every still gets alt text
made from the caption on screen at its moment (the cue of the scene's ``.srt`` whose window covers
the still's time; between captions, the one shown last).  The snippets' paths are relative to the
page's folder, as the files sit in it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenes.publishing.discovery import SceneInfo
from scenes.publishing.options import QUALITIES
from scenes.publishing.render import still_seek
from scenes.publishing.store import write_atomic

__all__ = ["ABOUT", "STORY", "alt_text", "caption_at", "gallery_stills", "parse_srt", "round_param",
           "still_snippet", "story_order", "video_snippet", "write_gallery"]

#: The order a course would take: the chain rule first, then one parameter's update, a fitted line,
#: better optimizers, where they get stuck, surfaces, whole networks, batches, real landscapes.
STORY = ("backprop", "learning_rate", "linear_fit", "optimizers", "local_minima", "loss_surface",
         "neural_network", "gd_variants", "loss_landscape")

#: Scene -> (title, paragraph) for readers.  A scene not listed here uses its file name and the
#: first line of its module docstring.
ABOUT: dict[str, tuple[str, str]] = {
    "backprop": (
        "Backpropagation, one node at a time",
        "Numbers become boxes holding a value and its gradient. Adding and multiplying them builds a small "
        "graph for d = a·b + c, and the backward pass walks it step by step: a sum passes the gradient on "
        "unchanged, a product multiplies it by the other input. A single tanh neuron closes the story."),
    "learning_rate": (
        "Too slow, just right, oscillating, diverging",
        "Four learning rates, picked from the curvature of the loss rather than by hand, run on a parabola "
        "and on a stretched bowl. Below 1/L the steps crawl, between 1/L and 2/L they zig-zag but settle, "
        "above 2/L they fly off; the loss curves on a log axis tell the same story."),
    "linear_fit": (
        "Fitting a line with stochastic gradient descent",
        "One squared error drawn as the area of a square, then a line learning y = m·x + b from six points, "
        "one point per update. The squares on the errors shrink, the loss curve fills in, and the line "
        "arrives at the least-squares answer."),
    "optimizers": (
        "SGD, momentum, RMSprop and Adam race",
        "The four update rules side by side, then a race from the same start on Rosenbrock's valley, Beale's "
        "function and a saddle, with each optimizer's loss beside the map. Momentum's step is taken apart "
        "into gradient and velocity, and the stability limit it widens is checked with the numbers on screen."),
    "local_minima": (
        "Stuck in a local minimum, and rolling out of it",
        "From the same start and learning rate, plain gradient descent settles in a local minimum while "
        "momentum carries on to the global one, first on a one-dimensional double well, then on a surface. "
        "The start points were found by search, not placed by hand."),
    "loss_surface": (
        "Optimizers on a 3-D loss surface",
        "A bumpy loss drawn as a surface coloured by height, with four optimizers rolling over it together, "
        "each leaving a trail. The camera turns to show the shape in depth, then looks straight down on the "
        "contour map with the full paths."),
    "neural_network": (
        "A neural network learns",
        "A small network drawn from its real weights: one neuron opened up, a forward pulse, the loss, the "
        "backward pass. Then it trains on two interleaved moons, and its decision boundary sharpens as the "
        "loss falls."),
    "gd_variants": (
        "Batch, stochastic and mini-batch",
        "Three ways to feed data to gradient descent, trained for real on handwritten digits: the smooth "
        "batch curve, the noisy stochastic one and mini-batches in between, then batch sizes from 32 to 512 "
        "and the time each epoch took."),
    "loss_landscape": (
        "The loss landscape of a real network",
        "A trained network's loss around its final weights, on a random plane and on the plane that best "
        "holds its training path, with the path drawn at its true losses."),
}

CSS = """
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:0 auto;padding:1.5em 1em;
background:#fafafa;color:#1a1a1a}
h1{font-size:1.7em;margin:0 0 .3em}h2{font-size:1.3em;margin:0 0 .4em}
section{margin:0 0 3.5em}
video,img{display:block;width:100%;height:auto;border-radius:6px;background:#0f1117}
.files{font-size:.9em;color:#444;margin:.5em 0}
.stills{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px;margin-top:1em}
.stills figure{margin:0}
figcaption{font-size:.85em;color:#444;margin-top:.3em}
details{margin-top:.5em}summary{cursor:pointer;color:#0b5cad;font-size:.9em}
textarea{width:100%;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;border:1px solid #ccc;border-radius:4px;
padding:6px;resize:vertical;background:#fff}
.params{overflow-x:auto}table{border-collapse:collapse;font-size:.85em}
td{border-bottom:1px solid #e2e2e2;padding:2px 10px 2px 0;vertical-align:top}
code{font:13px ui-monospace,Menlo,Consolas,monospace}
nav ol{padding-left:1.3em;columns:2 16em}
"""


def story_order(names: list[str]) -> list[str]:
    """``names`` in :data:`STORY` order, then any others alphabetically.

    >>> story_order(["loss_landscape", "zeta", "backprop", "alpha"])
    ['backprop', 'loss_landscape', 'alpha', 'zeta']
    """
    known = [n for n in STORY if n in names]
    return known + sorted(n for n in names if n not in STORY)


def round_param(value: Any) -> str:
    """A parameter as a reader wants it: floats to 3 significant digits, lists and tables compact.

    >>> round_param(0.012345678)
    '0.0123'
    >>> round_param([1.5, -4.0, 2])
    '[1.5, -4, 2]'
    >>> round_param({"lr": 0.30000000000000004, "name": "adam", "on": True})
    '{lr: 0.3, name: adam, on: true}'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(round_param(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {round_param(v)}" for k, v in value.items()) + "}"
    return str(value)


@dataclass(frozen=True)
class Cue:
    """One subtitle: its window in seconds and its text on one line."""

    start: float
    end: float
    text: str


_TIME = r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})"


def parse_srt(text: str) -> list[Cue]:
    """The cues of a SubRip file, in file order; malformed blocks are skipped.

    >>> parse_srt("1\\n00:00:01,400 --> 00:00:05,100\\nThe data\\nfollows y = 2x.\\n\\n")
    [Cue(start=1.4, end=5.1, text='The data follows y = 2x.')]
    """
    def secs(m: re.Match[str]) -> float:
        h, mi, s, ms = m.groups()
        return int(h) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000

    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.strip().split("\n")
        for i, line in enumerate(lines):
            m = re.match(_TIME + r"\s*-->\s*" + _TIME, line.strip())
            if m:
                start = secs(re.match(_TIME, line.strip()))          # type: ignore[arg-type]
                end = secs(re.search(_TIME + r"\s*$", line.strip()))  # type: ignore[arg-type]
                words = " ".join(" ".join(lines[i + 1:]).split())      # one line, single spaces
                if words:
                    cues.append(Cue(start, end, words))
                break
    return cues


def caption_at(cues: list[Cue], t: float) -> tuple[Cue | None, bool]:
    """The cue on screen at ``t`` (and True), else the last one that ended before ``t`` (and False).

    >>> cues = [Cue(1.0, 3.0, "one"), Cue(4.0, 6.0, "two")]
    >>> caption_at(cues, 2.0), caption_at(cues, 3.5)[0].text, caption_at(cues, 0.5)
    ((Cue(start=1.0, end=3.0, text='one'), True), 'one', (None, False))
    """
    for cue in cues:
        if cue.start <= t < cue.end:
            return cue, True
    before = [c for c in cues if c.end <= t]
    return (before[-1] if before else None), False


def _fps(quality: str) -> float:
    folder = QUALITIES.get(quality, ("", "1080p60"))[1]
    return float(folder.rsplit("p", 1)[1])


def alt_text(title: str, still: dict[str, Any], cues: list[Cue], duration: float, quality: str) -> str:
    """Alt text of a still: the scene's title, then the caption on screen at the still's frame.

    The frame of a mark at time t is taken just before t (:func:`~scenes.publishing.render.still_seek`);
    the last frame is at the video's end, where the last caption stays.  With no caption at that moment,
    the one shown last is used (it is what the picture was just described as); with none yet, the title
    alone.

    >>> alt_text("A line", {"time": None}, [Cue(0.0, 9.0, "The end.")], 9.0, "low")
    'A line. The end.'
    >>> alt_text("A line", {"time": 0.2}, [Cue(1.0, 2.0, "Later.")], 9.0, "low")
    'A line.'
    """
    t = duration - 0.01 if still.get("time") is None else still_seek(float(still["time"]), _fps(quality))
    cue, _ = caption_at(cues, t)
    return f"{title.rstrip('.')}." + (f" {cue.text}" if cue else "")


def video_snippet(name: str, files: set[str], title: str, width: int = 1920, height: int = 1080,
                  poster_file: str | None = None) -> str:
    """The HTML a blogger pastes: a looping, muted, inline video with its poster and both encodings.

    No ``controls``: nothing covers the poster or the captions drawn in the frame.  MP4 (H.264) comes
    first, being the smaller file; the WebM (VP9) is there for browsers without H.264.  The poster is
    ``poster_file`` (see :func:`gallery_stills`), else the last frame.
    """
    q = html.escape
    poster_file = poster_file or f"{name}-last.png"
    poster = f' poster="{q(name)}/{q(poster_file)}"' if poster_file in files else ""
    sources = [f'  <source src="{q(name)}/{q(name)}.{ext}" type="video/{ext}">'
               for ext in ("mp4", "webm") if f"{name}.{ext}" in files]
    track = (f'\n  <track kind="captions" src="{q(name)}/{q(name)}.vtt" srclang="en" label="English">'
             if f"{name}.vtt" in files else "")
    return (f'<video autoplay muted loop playsinline width="{width}" height="{height}"{poster} '
            f'aria-label="{q(title)}">\n' + "\n".join(sources) + track + "\n</video>")


def gallery_stills(stills: list[dict[str, Any]], files: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The stills the page shows: the scene's marked figures in story order, each picture once.

    The last frame is shown only when the scene marks no figure: where it does, the marks are the
    figures chosen for posts, and the last frame is either one of them again (linear_fit's
    "answer") or a screen being cleared (backprop ends on a title over faded shapes, while its
    alt text would describe the caption shown before).  A still with the same bytes as an earlier
    one is left out (backprop's "all gradients" and "tree backward" are one frame).  Every file
    stays in the folder and the manifest.

    >>> files = {"a.png": {"sha256": "1"}, "b.png": {"sha256": "1"}, "last.png": {"sha256": "2"}}
    >>> [s["name"] for s in gallery_stills([{"name": "last", "file": "last.png"},
    ...     {"name": "a", "file": "a.png"}, {"name": "b", "file": "b.png"}], files)]
    ['a']
    >>> [s["name"] for s in gallery_stills([{"name": "last", "file": "last.png"}], files)]
    ['last']
    """
    marked = [s for s in stills if s.get("name") != "last"]
    shown, seen = [], set()
    for still in marked or stills:
        digest = files.get(still.get("file", ""), {}).get("sha256")
        if digest and digest in seen:
            continue
        if digest:
            seen.add(digest)
        shown.append(still)
    return shown


def still_snippet(name: str, file: str, alt: str) -> str:
    """The Markdown for a still.

    >>> still_snippet("dot", "dot-last.png", "A dot [big].")
    '![A dot \\\\[big\\\\].](dot/dot-last.png)'
    """
    return f"![{alt.replace('[', chr(92) + '[').replace(']', chr(92) + ']')}]({name}/{file})"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def _dims(quality: str) -> tuple[int, int]:
    folder = QUALITIES.get(quality, ("", "1080p60"))[1]
    h = int(folder.split("p")[0])
    return h * 16 // 9, h


def _copybox(text: str, label: str) -> str:
    rows = text.count("\n") + 1
    return (f"<details><summary>{html.escape(label)}</summary><textarea readonly rows='{rows}' "
            f"onfocus='this.select()' aria-label='{html.escape(label)}'>{html.escape(text)}</textarea></details>")


def write_gallery(out: Path, manifest: dict[str, Any], infos: dict[str, SceneInfo]) -> Path:
    """Write a static page showing every scene in ``manifest``; opens from disk (no server).

    Parameters
    ----------
    out : Path
        The output folder; the page is ``out/index.html``.
    manifest : dict
        As written to ``manifest.json``.
    infos : dict
        Scene name -> :class:`SceneInfo`, for scenes :data:`ABOUT` does not describe.

    Returns
    -------
    Path
        The page.
    """
    q = html.escape
    order = story_order(list(manifest["scenes"]))
    titles = {n: ABOUT.get(n, (n.replace("_", " ").capitalize(), ""))[0] for n in order}
    parts = ["<!doctype html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width,initial-scale=1'>",
             "<title>Gradient descent, animated</title>", f"<style>{CSS}</style></head><body>",
             "<h1>Gradient descent, animated</h1>",
             "<p>Animations for posts and talks about how neural networks learn, every number computed from "
             "real runs. Each video loops silently like a GIF; open <em>Embed</em> under it for the HTML, and "
             "under each still for Markdown with its alt text. Paths are relative to this page's folder.</p>",
             "<nav><ol>" + "".join(f"<li><a href='#{q(n)}'>{q(titles[n])}</a></li>" for n in order) + "</ol></nav>"]
    for name in order:
        entry = manifest["scenes"][name]
        info = infos.get(name)
        title, paragraph = ABOUT.get(name, (titles[name], info.description if info else entry.get("description", "")))
        files = {Path(f["path"]).name: f for f in entry["files"]}
        srt = out / name / f"{name}.srt"
        try:
            cues = parse_srt(srt.read_text(encoding="utf-8")) if f"{name}.srt" in files else []
        except OSError:
            cues = []
        parts.append(f"<section id='{q(name)}'><h2>{q(title)}</h2><p>{q(paragraph)}</p>")
        mp4 = f"{name}.mp4"
        w, h = _dims(str(entry.get("quality", "high")))
        stills = gallery_stills(entry.get("stills", []), files)
        if mp4 in files:
            # The poster is the scene's last marked figure (its conclusion), not a frame being cleared.
            snippet = video_snippet(name, set(files), title, w, h, stills[-1]["file"] if stills else None)
            parts.append(snippet)
            links = [f"<a href='{q(name)}/{q(mp4)}'>MP4</a> {_size(files[mp4]['bytes'])}"]
            for ext, label in (("webm", "WebM"), ("gif", "GIF")):
                if f"{name}.{ext}" in files:
                    links.append(f"<a href='{q(name)}/{q(name)}.{ext}'>{label}</a> "
                                 f"{_size(files[f'{name}.{ext}']['bytes'])}")
            for ext in ("srt", "vtt"):
                if f"{name}.{ext}" in files:
                    links.append(f"<a href='{q(name)}/{q(name)}.{ext}'>subtitles (.{ext})</a>")
            parts.append(f"<p class='files'>{entry.get('duration_s', 0):.0f} s · " + " · ".join(links) + "</p>")
            parts.append(_copybox(snippet, "Embed the video (HTML)"))
            if f"{name}.gif" in files:
                gif_alt = f"{title.rstrip('.')}, animated."
                parts.append(_copybox(still_snippet(name, f"{name}.gif", gif_alt), "Embed the GIF (Markdown)"))
        if stills:
            parts.append("<div class='stills'>")
            for still in stills:
                alt = alt_text(title, still, cues, float(entry.get("duration_s", 0.0)), str(entry.get("quality")))
                label = "last frame" if still["name"] == "last" else still["name"].replace("-", " ")
                src = f"{q(name)}/{q(still['file'])}"
                parts.append(f"<figure><a href='{src}'><img src='{src}' alt='{q(alt)}' loading='lazy' "
                             f"width='{w}' height='{h}'></a>"
                             f"<figcaption>{q(label)}</figcaption>"
                             + _copybox(still_snippet(name, still["file"], alt), "Markdown") + "</figure>")
            parts.append("</div>")
        if entry.get("params"):
            rows = "".join(f"<tr><td><code>{q(k)}</code></td><td><code>{q(round_param(v))}</code></td></tr>"
                           for k, v in entry["params"].items())
            parts.append(f"<details><summary>Parameters</summary><div class='params'><table>{rows}</table></div>"
                         "</details>")
        parts.append("</section>")
    parts.append(f"<footer><p class='files'>gdviz {q(str(manifest.get('version', '')))}; machine-readable: "
                 "<a href='manifest.json'>manifest.json</a></p></footer></body></html>")
    page = out / "index.html"
    write_atomic(page, "\n".join(parts))
    return page

