"""``manim`` with a frame lint: after every animation, check the texts on screen and the subtitles.

Usage::

    python tests/frame_lint.py render -ql --dry_run scenes/backprop.py   # the same options as manim

The probe patches :class:`manim.Scene` (``play``, which ``wait``/``pause``/``move_camera`` go
through; ``add_subcaption``, which ``play(subcaption=...)`` goes through; ``render``, to
finish a scene) and then runs manim's own command line.  Scene code is not changed.

After every ``play`` (so after every ``wait`` too) it looks at every visible text in the
scene's mobject tree and checks, in pixels of a 854x480 frame (1 scene unit = 480 /
frame_height = 60 px, whatever resolution the run itself uses):

``glyph-height``
    The glyph height is at least ``MIN_GLYPH_PX`` (12 px).  For Text, MarkupText and
    Paragraph the height of a capital letter, ``font_size * TEXT_CAP_PER_PT``; for MathTex,
    Tex, SingleStringMathTex, DecimalNumber and Integer the height of a digit,
    ``font_size * TEX_DIGIT_PER_PT``.  ``font_size`` is manim's property, which already
    includes any scaling since the mobject was made.
``overlap``
    No two visible texts' screen boxes intersect by more than ``OVERLAP_MIN_PX`` (1 px) in
    both directions (boxes are tight around the glyphs; ``OVERLAP_AREA_FRACTION`` is 0).
``outside-frame``
    No visible text's box goes beyond the frame by more than ``OUTSIDE_TOLERANCE_PX`` (1 px).

Before every ``play`` it checks the animations of that one call:

``cross-fade``
    No animation that removes a text (``remover=True``: FadeOut, Uncreate, Unwrite...) runs
    at the same time as one that introduces a text (``introducer=True``: FadeIn, Write,
    Create, AddTextLetterByLetter, GrowFromCenter...) whose box overlaps it (the overlap rule
    above, on the boxes before the play; an introduced mobject already sits at its final
    place then).  Morphs (Transform, ReplacementTransform, FadeTransform...) are allowed.
    Sub-animations of an AnimationGroup / LaggedStart / Succession only clash if their time
    windows inside the group overlap.

At the end of the scene it checks every subtitle window as it ends up in the ``.srt``
(``add_subcaption`` and ``play(subcaption=...)``, start = scene time + offset; a later edit
of the entry, e.g. the kit's Caption shortening the previous caption, is taken into
account):

``subtitle-duration``  shown at least ``SUBTITLE_MIN_SECONDS`` (1.5 s);
``subtitle-speed``     at most ``SUBTITLE_MAX_CPS`` (15) characters a second, counting the
                       characters of the text without leading/trailing whitespace;
``subtitle-overlap``   no two windows overlap (manim writes a single subtitle track).

What counts as a text: instances of Text, MarkupText, Paragraph, MathTex, Tex,
SingleStringMathTex, DecimalNumber (and Integer), and any mobject following the duck-typed
protocol below.  The search stops at a text: a Text's glyphs are not texts of their own,
while a DecimalNumber among an Axes' number labels is one.  The protocol:

* ``glyph_height()`` -> the glyph height in scene units (takes precedence over all else);
* ``lint_text`` (str) -> the words to name in messages (else ``text``);
* a monospace readout with ``atlas.advance``, ``anchor`` and ``font_size`` (the kit's
  ``LiveText``) without ``glyph_height()``: font_size x (anchor length / atlas.advance) x
  ``TEXT_CAP_PER_PT``;
* else a ``font_size`` attribute: font_size x ``TEXT_CAP_PER_PT``.

Visible: a leaf of the text's family with points whose largest fill opacity (or stroke
opacity, if it has a stroke width) is above ``VISIBLE_OPACITY`` (0.05); manim stores
opacity per leaf, so the leaves say it all.  The box is that of the visible leaves.

3-D (ThreeDScene): each leaf is mapped to the screen as the camera draws it -- unchanged if
it is in ``camera.fixed_in_frame_mobjects``, moved with its projected centre if it has a
fixed orientation, else projected with ``camera.project_points`` (rotation, perspective,
zoom).  A text that is projected has its glyph height multiplied by sqrt(area of its
projected box / area of its box in its own plane (the two largest of its 3-D extents)),
which is exact for a text facing the camera and an estimate for an oblique one.

Every failure is one line ``<Scene> t=<s>s: <rule>: "<text>" (<measured>...)``.  A frame
failure is listed once, at its first time: the same rule on the same text(s) (digits folded, so
a changing readout counts once) at the same place (within 0.25 units vertically, and by the
left edge, centre or right edge horizontally, so a growing readout counts once) is dropped.
Every subtitle window is judged on its own.  At the end of the run the failures are printed, written
as JSON lines to ``$GDVIZ_LINT_OUT`` if set, and the exit status is 0 (clean), 1 (lint
failures) or 2 (manim itself failed, e.g. the scene raised).

:func:`lint_scene` runs a scene file through this probe in a subprocess (for the tests).
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------------------------

LINT_PIXEL_HEIGHT = 480          # sizes are judged at 480p: px per unit = 480 / frame_height
MIN_GLYPH_PX = 12.0
# Measured with manim 0.22 (tests/frame_lint.py's own measure_constants(); at 480p, 60 px/unit):
#   Text("H", font="DejaVu Sans", font_size=24).height  -> 14.578 px  = 24 x 0.60742
#   Text("H", font="DejaVu Sans Mono", font_size=24)     -> 14.578 px  (the same cap height)
#   Text("H", ..., font_size=48) -> 29.156 px = 48 x 0.60742 (linear in font_size)
#   MathTex("0", font_size=24).height                    -> 10.281 px  = 24 x 0.42839
#   MathTex("0", font_size=48)                           -> 20.563 px  = 48 x 0.42839
#   (Tex("H", font_size=24) -> 10.207 px; DecimalNumber(0.5, font_size=24)[0] -> 10.281 px)
TEXT_CAP_PER_PT = 0.6074         # cap height of DejaVu Sans / Sans Mono, px per font_size unit
TEX_DIGIT_PER_PT = 0.4284        # digit height of Computer Modern (MathTex), px per font_size unit
VISIBLE_OPACITY = 0.05
OVERLAP_MIN_PX = 1.0
OVERLAP_AREA_FRACTION = 0.0
OUTSIDE_TOLERANCE_PX = 1.0
SUBTITLE_MIN_SECONDS = 1.5
SUBTITLE_MAX_CPS = 15.0
TEXT_IN_MESSAGE = 60
DEDUP_GRID_UNITS = 0.25

OUT_ENV = "GDVIZ_LINT_OUT"
RULES = ("glyph-height", "overlap", "outside-frame", "cross-fade",
         "subtitle-duration", "subtitle-speed", "subtitle-overlap")


# ---------------------------------------------------------------------------------------------
# Which mobjects are texts, what they say, how tall their glyphs are
# ---------------------------------------------------------------------------------------------

def _text_classes():
    from manim import DecimalNumber, MarkupText, MathTex, Paragraph, SingleStringMathTex, Tex, Text
    text_like = (Text, MarkupText, Paragraph)
    tex_like = (MathTex, Tex, SingleStringMathTex)
    return text_like, tex_like, DecimalNumber, Text, Paragraph


def _is_livetext(m) -> bool:
    return (hasattr(m, "anchor") and hasattr(getattr(m, "atlas", None), "advance")
            and hasattr(m, "font_size"))


class _Kinds:
    def __init__(self) -> None:
        self.text_like, self.tex_like, self.decimal, self.text, self.paragraph = _text_classes()
        self.all = self.text_like + self.tex_like + (self.decimal,)

    def is_text(self, m) -> bool:
        if isinstance(m, self.all):
            return True
        if callable(getattr(m, "glyph_height", None)) or isinstance(getattr(m, "lint_text", None), str):
            return True
        return _is_livetext(m)

    def words(self, m) -> str:
        """What a text says, for messages."""
        s = getattr(m, "lint_text", None)
        if isinstance(s, str):
            return s
        if isinstance(m, self.paragraph):
            s = getattr(getattr(m, "lines_text", None), "text", None)
            if isinstance(s, str):
                return " / ".join(line.strip() for line in s.split("\n"))
        if isinstance(m, self.decimal):
            try:
                return f"{m.number:.{int(getattr(m, 'num_decimal_places', 2))}f}"
            except (TypeError, ValueError):
                return str(getattr(m, "number", "?"))
        for attr in ("original_text", "text", "tex_string"):
            s = getattr(m, attr, None)
            if isinstance(s, str):
                return s
        return type(m).__name__

    def glyph_px(self, m, px_per_unit: float) -> float | None:
        """Glyph height in px (at ``px_per_unit``) before any 3-D projection; None if unknown."""
        try:
            gh = getattr(m, "glyph_height", None)
            if callable(gh):
                return float(gh()) * px_per_unit
            if isinstance(m, self.decimal):
                per_pt = TEXT_CAP_PER_PT if _is_subclass(getattr(m, "mob_class", None), self.text) \
                    else TEX_DIGIT_PER_PT
                return float(m.font_size) * per_pt * px_per_unit / 60.0
            if isinstance(m, self.paragraph):
                return float(m.lines_text.font_size) * TEXT_CAP_PER_PT * px_per_unit / 60.0
            if isinstance(m, self.text_like):
                return float(m.font_size) * TEXT_CAP_PER_PT * px_per_unit / 60.0
            if isinstance(m, self.tex_like):
                return float(m.font_size) * TEX_DIGIT_PER_PT * px_per_unit / 60.0
            if _is_livetext(m):
                a, b = m.anchor.get_start(), m.anchor.get_end()
                scale = float(np.linalg.norm(b - a)) / float(m.atlas.advance)
                return float(m.font_size) * scale * TEXT_CAP_PER_PT * px_per_unit / 60.0
            fs = getattr(m, "font_size", None)
            if fs is not None:
                return float(fs) * TEXT_CAP_PER_PT * px_per_unit / 60.0
        except (ZeroDivisionError, ValueError, AttributeError, IndexError, TypeError, FloatingPointError):
            return None
        return None


def _is_subclass(cls, base) -> bool:
    return isinstance(cls, type) and issubclass(cls, base)


def _find_texts(roots, kinds: _Kinds) -> list:
    """Texts in the trees under ``roots``, depth first, each once; never inside a text."""
    out, seen = [], set()
    stack = list(reversed(list(roots)))
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        if kinds.is_text(m):
            out.append(m)
        else:
            stack.extend(reversed(m.submobjects))
    return out


# ---------------------------------------------------------------------------------------------
# Screen boxes
# ---------------------------------------------------------------------------------------------

def _leaf_opacity(leaf) -> float:
    fill = getattr(leaf, "fill_rgbas", None)
    op = float(fill[:, 3].max()) if fill is not None and len(fill) else 0.0
    if getattr(leaf, "stroke_width", 0):
        stroke = getattr(leaf, "stroke_rgbas", None)
        if stroke is not None and len(stroke):
            op = max(op, float(stroke[:, 3].max()))
    return op


@dataclass
class _Shown:
    """A visible text: its screen box in px (x0, x1, y0, y1; y up, origin at the frame centre)."""

    mob: object
    words: str
    kind: str
    box: np.ndarray
    glyph_px: float | None
    leaf_ids: frozenset = field(default_factory=frozenset)


class _Screen:
    """Maps leaves to screen px the way the scene's camera draws them."""

    def __init__(self, camera) -> None:
        self.camera = camera
        self.ppu = LINT_PIXEL_HEIGHT / float(camera.frame_height)
        self.half_w = float(camera.frame_width) / 2 * self.ppu
        self.half_h = float(camera.frame_height) / 2 * self.ppu
        self.center = np.asarray(camera.frame_center, dtype=float)
        self.is_3d = hasattr(camera, "project_points") and hasattr(camera, "fixed_in_frame_mobjects")

    def measure(self, texts, kinds: _Kinds, want_visible: bool = True) -> list[_Shown]:
        """Visible texts with their boxes and glyph heights (vectorized over all leaves)."""
        owners, leaves = [], []
        for i, t in enumerate(texts):
            for leaf in t.get_family():
                if leaf.submobjects or not len(getattr(leaf, "points", ())):
                    continue
                if want_visible and _leaf_opacity(leaf) <= VISIBLE_OPACITY:
                    continue
                owners.append(i)
                leaves.append(leaf)
        if not leaves:
            return []
        points = [leaf.points for leaf in leaves]
        mode = np.zeros(len(leaves), dtype=np.int8)           # 0 projected, 1 fixed in frame, 2 fixed orientation
        if self.is_3d:
            fixed = self.camera.fixed_in_frame_mobjects
            orient = getattr(self.camera, "fixed_orientation_mobjects", {})
            for k, leaf in enumerate(leaves):
                if leaf in fixed:
                    mode[k] = 1
                elif leaf in orient:
                    mode[k] = 2
        else:
            mode[:] = 1
        lengths = np.fromiter((len(p) for p in points), dtype=np.int64, count=len(points))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        raw = np.concatenate(points).astype(float, copy=False)
        screen = raw.copy()
        if self.is_3d:
            proj = np.repeat(mode == 0, lengths)
            if proj.any():
                screen[proj] = self.camera.project_points(raw[proj])
            for k in np.flatnonzero(mode == 2):
                sl = slice(starts[k], starts[k] + lengths[k])
                screen[sl] = self.camera.transform_points_pre_display(leaves[k], raw[sl])
        screen = (screen - self.center) * self.ppu
        bad = ~np.isfinite(screen).all(axis=1)
        if bad.any():
            screen[bad] = 0.0
        lo = np.minimum.reduceat(screen[:, :2], starts, axis=0)
        hi = np.maximum.reduceat(screen[:, :2], starts, axis=0)
        owners_a = np.asarray(owners)
        n = len(texts)
        box = np.full((n, 4), np.nan)
        box[:, 0] = _group_reduce(np.minimum, lo[:, 0], owners_a, n, np.inf)
        box[:, 1] = _group_reduce(np.maximum, hi[:, 0], owners_a, n, -np.inf)
        box[:, 2] = _group_reduce(np.minimum, lo[:, 1], owners_a, n, np.inf)
        box[:, 3] = _group_reduce(np.maximum, hi[:, 1], owners_a, n, -np.inf)
        projected_any = np.zeros(n, dtype=bool)
        np.logical_or.at(projected_any, owners_a, mode == 0)
        if projected_any.any():
            rlo = np.minimum.reduceat(raw, starts, axis=0)
            rhi = np.maximum.reduceat(raw, starts, axis=0)
            ext = np.stack([_group_reduce(np.maximum, rhi[:, d], owners_a, n, -np.inf)
                            - _group_reduce(np.minimum, rlo[:, d], owners_a, n, np.inf) for d in range(3)], axis=1)
        result = []
        for i, t in enumerate(texts):
            if not np.isfinite(box[i]).all():
                continue
            g = kinds.glyph_px(t, self.ppu)
            if g is not None and projected_any[i]:
                e = np.sort(ext[i])[::-1] * self.ppu
                flat_area = e[0] * e[1]
                seen_area = (box[i, 1] - box[i, 0]) * (box[i, 3] - box[i, 2])
                if flat_area > 1e-9 and seen_area > 0:
                    g *= float(np.sqrt(seen_area / flat_area))
            ids = frozenset(id(leaf) for leaf, o in zip(leaves, owners, strict=True) if o == i)
            result.append(_Shown(t, kinds.words(t), type(t).__name__, box[i], g, ids))
        return result


def _group_reduce(ufunc, values, owners, n, fill):
    out = np.full(n, fill, dtype=float)
    ufunc.at(out, owners, values)
    out[~np.isfinite(out)] = np.nan
    return out


def _overlaps(a: np.ndarray, b: np.ndarray | None = None):
    """Pairs (i, j) of boxes overlapping per the overlap rule; with ``b``: a[i] against b[j]."""
    same = b is None
    b = a if same else b
    iw = np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 2], b[None, :, 2])
    area_a = (a[:, 1] - a[:, 0]) * (a[:, 3] - a[:, 2])
    area_b = (b[:, 1] - b[:, 0]) * (b[:, 3] - b[:, 2])
    smaller = np.minimum(area_a[:, None], area_b[None, :])
    hit = (iw > OVERLAP_MIN_PX) & (ih > OVERLAP_MIN_PX) & (iw * ih > OVERLAP_AREA_FRACTION * smaller)
    if same:
        hit = np.triu(hit, k=1)
    return [(int(i), int(j), float(iw[i, j]), float(ih[i, j]), float(iw[i, j] * ih[i, j] / smaller[i, j]))
            for i, j in zip(*np.nonzero(hit), strict=True)]


# ---------------------------------------------------------------------------------------------
# The probe
# ---------------------------------------------------------------------------------------------

def _cut(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= TEXT_IN_MESSAGE else s[:TEXT_IN_MESSAGE - 1] + "…"


def _fold(s: str) -> str:
    return re.sub(r"[0-9]+", "#", s)


def _same_place(a: np.ndarray, b: np.ndarray) -> bool:
    """Boxes (k, 4) in units at the same place: each within the grid vertically, and by its
    left edge, centre or right edge horizontally (a readout that grows keeps one of them)."""
    if a.shape != b.shape:
        return False
    g = DEDUP_GRID_UNITS
    dy = np.abs((a[:, 2] + a[:, 3]) - (b[:, 2] + b[:, 3])) / 2 <= g
    dx = ((np.abs(a[:, 0] - b[:, 0]) <= g) | (np.abs(a[:, 1] - b[:, 1]) <= g)
          | (np.abs((a[:, 0] + a[:, 1]) - (b[:, 0] + b[:, 1])) / 2 <= g))
    return bool((dx & dy).all())


class SceneLint:
    """The checks of one scene; the failures are collected in ``FAILURES``."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.name = type(scene).__name__
        try:
            self.file = str(Path(inspect.getfile(type(scene))).resolve())
        except (TypeError, OSError):
            self.file = ""
        self.kinds = _Kinds()
        self.subs: list[tuple[float, float, str, object]] = []   # start, end, content, srt entry or None
        self.seen: dict = {}
        self.texts_seen: dict[str, set[int]] = {}
        self.checks = 0
        self.seconds = 0.0

    # -- bookkeeping ----------------------------------------------------------------------------
    def fail(self, t: float, rule: str, words: str, detail: str, key_pos=(0.0, 0.0, 0.0, 0.0),
             other: str | None = None, dedupe: bool = True) -> None:
        if dedupe:
            texts = (_fold(words),) + ((_fold(other),) if other is not None else ())
            earlier = self.seen.setdefault((rule, texts), [])
            here = np.asarray(key_pos, dtype=float).reshape(-1, 4)
            if any(_same_place(here, there) for there in earlier):
                return
            earlier.append(here)
        shown = f'"{_cut(words)}"' + (f' and "{_cut(other)}"' if other is not None else "")
        line = f"{self.name} t={t:.1f}s: {rule}: {shown} ({detail})"
        rec = {"scene": self.name, "file": self.file, "time": round(float(t), 3), "rule": rule,
               "text": words, "detail": detail, "line": line}
        if other is not None:
            rec["other"] = other
        FAILURES.append(rec)

    def _units(self, screen: _Screen, box) -> tuple[float, float]:
        """Box centre in scene units from the frame centre (for messages)."""
        return (float((box[0] + box[1]) / 2 / screen.ppu), float((box[2] + box[3]) / 2 / screen.ppu))

    # -- after every play --------------------------------------------------------------------------
    def check_frame(self) -> None:
        scene = self.scene
        t = float(scene.renderer.time)
        screen = _Screen(scene.renderer.camera)
        roots = list(scene.mobjects) + [m for m in getattr(scene, "foreground_mobjects", []) if m not in scene.mobjects]
        shown = screen.measure(_find_texts(roots, self.kinds), self.kinds)
        self.checks += 1
        for s in shown:
            self.texts_seen.setdefault(s.kind, set()).add(id(s.mob))
            pos = self._units(screen, s.box)
            where = f"at ({pos[0]:.2f}, {pos[1]:.2f})"
            if s.glyph_px is not None and s.glyph_px < MIN_GLYPH_PX:
                self.fail(t, "glyph-height", s.words,
                          f"{s.kind} glyphs {s.glyph_px:.1f} px < {MIN_GLYPH_PX:g} px at 480p, {where}",
                          s.box / screen.ppu)
            x0, x1, y0, y1 = s.box
            out = {"left": -screen.half_w - x0, "right": x1 - screen.half_w,
                   "bottom": -screen.half_h - y0, "top": y1 - screen.half_h}
            worst = max(out, key=out.get)
            if out[worst] > OUTSIDE_TOLERANCE_PX:
                sides = ", ".join(f"{v:.1f} px past the {k}" for k, v in out.items() if v > OUTSIDE_TOLERANCE_PX)
                self.fail(t, "outside-frame", s.words,
                          f"{s.kind} {sides} (frame ±{screen.half_w:.0f} x ±{screen.half_h:.0f} px), {where}",
                          s.box / screen.ppu)
        if len(shown) > 1:
            boxes = np.array([s.box for s in shown])
            for i, j, iw, ih, frac in _overlaps(boxes):
                a, b = shown[i], shown[j]
                if a.leaf_ids & b.leaf_ids:
                    continue
                pa, pb = self._units(screen, a.box), self._units(screen, b.box)
                self.fail(t, "overlap", a.words,
                          f"boxes overlap {iw:.0f} x {ih:.0f} px, {frac:.0%} of the smaller; "
                          f"{a.kind} at ({pa[0]:.2f}, {pa[1]:.2f}), {b.kind} at ({pb[0]:.2f}, {pb[1]:.2f})",
                          np.stack([a.box, b.box]) / screen.ppu, other=b.words)

    # -- before every play --------------------------------------------------------------------------
    def check_crossfade(self, animations) -> None:
        scene = self.scene
        t = float(scene.renderer.time)
        outs, ins = [], []
        for anim, start, end in _flatten(animations):
            if getattr(anim, "remover", False):
                outs.append((anim, start, end))
            elif getattr(anim, "introducer", False):
                ins.append((anim, start, end))
        if not outs or not ins:
            return
        screen = _Screen(scene.renderer.camera)

        def shown(group):
            res = []
            for anim, start, end in group:
                mob = getattr(anim, "mobject", None)
                if mob is None:
                    continue
                for s in screen.measure(_find_texts([mob], self.kinds), self.kinds):
                    res.append((s, anim, start, end))
            return res

        gone, coming = shown(outs), shown(ins)
        if not gone or not coming:
            return
        pairs = _overlaps(np.array([g[0].box for g in gone]), np.array([c[0].box for c in coming]))
        for i, j, iw, ih, frac in pairs:
            (a, an_a, s_a, e_a), (b, an_b, s_b, e_b) = gone[i], coming[j]
            if a.mob is b.mob or a.leaf_ids & b.leaf_ids:
                continue
            if min(e_a, e_b) - max(s_a, s_b) <= 1e-6:       # one after the other inside a group
                continue
            pos = self._units(screen, a.box)
            self.fail(t, "cross-fade", a.words,
                      f"{type(an_a).__name__} of it and {type(an_b).__name__} of the other in one play, "
                      f"boxes overlap {iw:.0f} x {ih:.0f} px ({frac:.0%} of the smaller), "
                      f"at ({pos[0]:.2f}, {pos[1]:.2f})", np.stack([a.box, b.box]) / screen.ppu, other=b.words)

    # -- subtitles ---------------------------------------------------------------------------------
    def record_subcaption(self, content: str, start: float, end: float, entry) -> None:
        self.subs.append((start, end, str(content), entry))

    def check_subtitles(self) -> None:
        windows = []
        for start, end, content, entry in self.subs:
            asked = end - start
            if entry is not None:           # as written to the .srt, after any later edit
                start, end = entry.start.total_seconds(), entry.end.total_seconds()
                content = str(entry.content)
            windows.append((start, end, content, asked))
        for start, end, content, asked in windows:
            dur = end - start
            chars = len(content.strip())
            cut = f", asked {asked:.2f} s, cut by a later entry" if abs(asked - dur) > 1e-3 else ""
            if dur < SUBTITLE_MIN_SECONDS - 1e-3:
                self.fail(start, "subtitle-duration", content,
                          f"shown {dur:.2f} s < {SUBTITLE_MIN_SECONDS:g} s{cut}", dedupe=False)
            if dur <= 0 or chars / dur > SUBTITLE_MAX_CPS + 1e-6:
                cps = chars / dur if dur > 0 else float("inf")
                self.fail(start, "subtitle-speed", content,
                          f"{chars} characters in {dur:.2f} s = {cps:.1f}/s > {SUBTITLE_MAX_CPS:g}/s; "
                          f"needs {chars / SUBTITLE_MAX_CPS:.1f} s{cut}", dedupe=False)
        order = sorted(range(len(windows)), key=lambda k: (windows[k][0], k))
        for a, b in itertools.pairwise(order):
            sa, ea, ca, _ = windows[a]
            sb, _, cb, _ = windows[b]
            if sb < ea - 1e-3:
                self.fail(sb, "subtitle-overlap", cb,
                          f"starts at {sb:.2f} s while the previous one ({sa:.2f}-{ea:.2f} s) is still shown",
                          other=ca, dedupe=False)


def _flatten(animations, start: float = 0.0, end: float = 1.0):
    """(animation, start, end) of every leaf animation, times as fractions of the play."""
    from manim import Animation

    for anim in animations:
        if not isinstance(anim, Animation):
            continue
        table = getattr(anim, "anims_with_timings", None)
        subs = getattr(anim, "animations", None)
        if subs and table is not None and len(table):
            total = float(getattr(anim, "max_end_time", 0.0)) or float(max(table["end"])) or 1.0
            for row in table:
                s = start + (end - start) * float(row["start"]) / total
                e = start + (end - start) * float(row["end"]) / total
                yield from _flatten([row["anim"]], s, e)
        else:
            yield anim, start, end


FAILURES: list[dict] = []
STATE = {"crashed": False, "scenes": []}


def _lint(scene) -> SceneLint:
    lint = scene.__dict__.get("_frame_lint")
    if lint is None:
        lint = SceneLint(scene)
        scene.__dict__["_frame_lint"] = lint
        STATE["scenes"].append(lint)
    return lint


def _internal(lint: SceneLint, what: str, exc: BaseException) -> None:
    # A bug of the probe must not pass silently as "clean".
    lint.fail(float(getattr(lint.scene.renderer, "time", 0.0)), "lint-error", what,
              f"{type(exc).__name__}: {exc}")


def install() -> None:
    """Patch manim's Scene with the probe."""
    import time as _time

    from manim import Scene

    play, add_subcaption, render = Scene.play, Scene.add_subcaption, Scene.render

    def linted_play(self, *animations, **kwargs):
        lint = _lint(self)
        t0 = _time.perf_counter()
        try:
            lint.check_crossfade(animations)
        except Exception as exc:
            _internal(lint, "cross-fade check", exc)
        lint.seconds += _time.perf_counter() - t0
        result = play(self, *animations, **kwargs)
        t0 = _time.perf_counter()
        try:
            lint.check_frame()
        except Exception as exc:
            _internal(lint, "frame check", exc)
        lint.seconds += _time.perf_counter() - t0
        return result

    def linted_add_subcaption(self, content, duration=1, offset=0):
        fw = getattr(self.renderer, "file_writer", None)
        subs = getattr(fw, "subcaptions", None)
        n = len(subs) if subs is not None else -1
        start = float(self.renderer.time) + float(offset)
        add_subcaption(self, content, duration, offset)
        entry = subs[-1] if subs is not None and len(subs) == n + 1 else None
        _lint(self).record_subcaption(content, start, start + float(duration), entry)

    def linted_render(self, *args, **kwargs):
        lint = _lint(self)
        try:
            return render(self, *args, **kwargs)
        except BaseException:
            STATE["crashed"] = True
            raise
        finally:
            try:
                lint.check_subtitles()
            except Exception as exc:
                _internal(lint, "subtitle check", exc)

    Scene.play = linted_play
    Scene.add_subcaption = linted_add_subcaption
    Scene.render = linted_render


def report() -> int:
    """Print the failures, write them to $GDVIZ_LINT_OUT; the exit status for the lint alone."""
    out = os.environ.get(OUT_ENV)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in FAILURES)
    for lint in STATE["scenes"]:
        mine = [r for r in FAILURES if r["scene"] == lint.name]
        counts = {}
        for r in mine:
            counts[r["rule"]] = counts.get(r["rule"], 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in counts.items()) or "clean"
        kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(lint.texts_seen.items()))
        print(f"frame lint: {lint.name}: {len(mine)} failure(s) ({summary}); "
              f"{lint.checks} checks, {len(lint.subs)} subtitles, probe {lint.seconds:.2f} s; texts seen: {kinds}")
    for rec in FAILURES:
        print(rec["line"])
    return 1 if FAILURES else 0


def main() -> None:
    install()
    from manim.__main__ import main as manim_main

    sys.argv = ["manim", *sys.argv[1:]]
    code = 0
    try:
        manim_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    lint_code = report()
    if code != 0 or STATE["crashed"]:
        print(f"frame lint: manim failed (exit status {code})", file=sys.stderr)
        sys.exit(2)
    sys.exit(lint_code)


# ---------------------------------------------------------------------------------------------
# For the tests
# ---------------------------------------------------------------------------------------------

class LintRunError(RuntimeError):
    """manim itself failed while the scene was linted."""


def lint_scene(scene_file: Path, env: dict[str, str] | None = None, media_dir: Path | None = None,
               extra_args: tuple[str, ...] = ()) -> list[dict]:
    """Dry-run ``scene_file`` at 480p15 through the probe; return its failures (JSON records).

    Raises :class:`LintRunError` with the log's tail if manim fails.  ``media_dir`` defaults to
    the project's (manim.cfg), so LaTeX and text caches are shared between runs.
    """
    scene_file = Path(scene_file).resolve()
    with tempfile.TemporaryDirectory(prefix="frame_lint_") as tmp:
        out = Path(tmp) / "failures.jsonl"
        cmd = [sys.executable, str(Path(__file__).resolve()), "render", "-ql", "--dry_run",
               "--progress_bar", "none", *extra_args]
        if media_dir is not None:
            cmd += ["--media_dir", str(media_dir)]
        cmd.append(str(scene_file))
        run_env = {**os.environ, **(env or {}), OUT_ENV: str(out)}
        run_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), run_env.get("PYTHONPATH", "")) if p)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=run_env, timeout=900,
                              check=False)
        log = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1):
            raise LintRunError(f"manim failed ({proc.returncode}) on {scene_file.name}:\n{log[-4000:]}")
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()] \
            if out.exists() else []
        if proc.returncode == 1 and not records:
            raise LintRunError(f"exit status 1 without failures on {scene_file.name}:\n{log[-4000:]}")
        return records


def measure_constants() -> dict[str, float]:
    """Re-measure the glyph constants (px per font_size unit at 480p); see the comment above."""
    from manim import MathTex, Text, config

    ppu = LINT_PIXEL_HEIGHT / config.frame_height
    return {"text_cap": Text("H", font="DejaVu Sans", font_size=24).height * ppu / 24,
            "tex_digit": MathTex("0", font_size=24).height * ppu / 24}


if __name__ == "__main__":
    main()
