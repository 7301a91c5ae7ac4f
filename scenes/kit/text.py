"""Text on screen: number formatting, titles and labels on the type scale, live readouts, captions.

Captions follow three rules (the visual-language issue):

* one at a time, never two faded over each other: the old caption fades out completely
  before the next one fades in;
* each stays up long enough to read: at most :data:`READING_CPS` characters per second,
  never under :data:`MIN_HOLD` seconds.  Asking for the next caption sooner makes the
  scene wait, so a storyboard cannot rush its viewer;
* the ``.srt`` window of a caption is exactly the time it is on screen: its subtitle is
  written when the caption leaves (or the scene ends), with its real start and end.
"""

from __future__ import annotations

import math
import re
import textwrap
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    VGroup,
    VMobject,
    config,
)

from scenes.kit.layout import fit_in
from scenes.kit.theme import (
    MIN_GLYPH_PX,
    TEXT_CAP_PX_PER_POINT,
    THEME,
    TYPE,
    Theme,
)

if TYPE_CHECKING:
    from manim import Animation, Scene

__all__ = [
    "MIN_HOLD",
    "READING_CPS",
    "Caption",
    "LiveText",
    "TitleBar",
    "fmt",
    "hold_time",
    "label_text",
    "math_text",
    "play_alone",
    "split_caption",
    "tick_text",
    "title_text",
]

#: Reading speed for learners (adult subtitle guides allow 17 characters per second).
READING_CPS = 15.0
#: The shortest time any caption stays on screen, in seconds.
MIN_HOLD = 1.5
#: Characters per caption line (DejaVu Sans at the caption size is 12.7 px a character at 480p).
CAPTION_LINE = 58


def fmt(x: float, digits: int = 4) -> str:
    """Format a number for the screen: ``digits`` significant figures, no ``-0``.

    >>> fmt(-3.0), fmt(0.70710678), fmt(-0.0), fmt(1234567.0)
    ('-3', '0.7071', '0', '1.235e+06')
    """
    if not math.isfinite(x):
        return "diverged" if x != x else ("+inf" if x > 0 else "-inf")
    s = f"{x:.{digits}g}"
    return "0" if s in ("-0", "0") else s


def title_text(s: str, theme: Theme = THEME) -> Text:
    """A title line, sized for the top of the frame."""
    return Text(s, font=theme.font, font_size=TYPE.TITLE, color=theme.text)


def label_text(s: str, color: str | None = None, size: int | None = None, theme: Theme = THEME,
               weight: str = "NORMAL") -> Text:
    """A label in the theme's font (default: text colour, the LABEL size).

    ``size`` may be any of the type scale's Text sizes; smaller than the TICK size is refused,
    since it would be under 12 px at 480p.
    """
    size = size or TYPE.LABEL
    if size < TYPE.TICK:
        raise ValueError(f"label_text: size {size} is below the type scale's TICK size {TYPE.TICK}")
    return Text(s, font=theme.font, font_size=size, color=color or theme.text, weight=weight)


def tick_text(s: str, color: str | None = None, theme: Theme = THEME) -> Text:
    """A tick number or small note in the sans face at the TICK size (13.4 px at 480p)."""
    return Text(s, font=theme.font, font_size=TYPE.TICK, color=color or theme.muted)


def math_text(*tex: str, color: str | None = None, small: bool = False, theme: Theme = THEME) -> MathTex:
    """A formula at the MATH size (digits 15.4 px at 480p) or MATH_SMALL (12.9 px)."""
    return MathTex(*tex, font_size=TYPE.MATH_SMALL if small else TYPE.MATH, color=color or theme.text)


def hold_time(text: str) -> float:
    """How long a caption must stay up to be read: ``len / 15`` seconds, at least 1.5.

    >>> hold_time("Short."), hold_time("x" * 60)
    (1.5, 4.0)
    """
    return max(MIN_HOLD, len(text.strip()) / READING_CPS)


def split_caption(text: str, width: int = CAPTION_LINE, max_lines: int = 2) -> list[str]:
    """Split a caption into screens of at most ``max_lines`` lines of ``width`` characters.

    Sentences are kept whole where they fit; a screen's lines are joined with newlines.

    >>> split_caption("One short sentence.")
    ['One short sentence.']
    >>> [s.count("\\n") for s in split_caption("word " * 40)]
    [1, 1]
    """
    text = _glue(text.strip())
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    screens: list[list[str]] = []
    for sentence in sentences:
        lines = _wrap(sentence, width) or [""]
        if screens and len(screens[-1]) + len(lines) <= max_lines and _joinable(screens[-1], lines, width):
            last = screens[-1]
            merged = _wrap(" ".join(last + lines), width)
            if len(merged) <= max_lines:
                screens[-1] = merged
                continue
        for k in range(0, len(lines), max_lines):
            screens.append(lines[k:k + max_lines])
    return ["\n".join(_balanced(s, width)) for s in screens]


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces only (a longer word keeps its line).

    textwrap also breaks after the hyphen of a compound word by default, which put
    "least-" and "squares" on two lines, and the subtitle (lines joined by a space) read
    "least- squares".

    >>> _wrap("the least-squares line", 14), _wrap("the least-squares line", 8)
    (['the', 'least-squares', 'line'], ['the', 'least-squares', 'line'])
    """
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


def _balanced(lines: list[str], width: int) -> list[str]:
    """Two lines of about equal length rather than a full line and an orphan word."""
    if len(lines) != 2:
        return lines
    text = " ".join(lines)
    for w in range(math.ceil(len(text) / 2), width + 1):
        trial = _wrap(text, w)
        if len(trial) == 2:
            return trial
    return lines


_NBSP = "\u00a0"


def _glue(text: str) -> str:
    """Non-breaking spaces where a line break would split a value from what it belongs to:
    inside short parentheses ("(0.185, 1.08)"), around "=", times, "+" and minus (so "y = m·x + b"
    stays on one line), and between a number and the word after it ("80 epochs").  They render
    as ordinary spaces."""
    text = re.sub(r"\([^()]{1,24}\)", lambda m: m.group(0).replace(" ", _NBSP), text)
    text = re.sub(r" ([=×≈<>≤≥+−]) ", _NBSP + r"\1" + _NBSP, text)  # noqa: RUF001 (shown on screen)
    return re.sub(r"(\d) (?=[A-Za-zα-ω%])", "\\1" + _NBSP, text)  # noqa: RUF001 (Greek shown on screen)


def _joinable(a: list[str], b: list[str], width: int) -> bool:
    return len(" ".join(a + b)) <= width * 2


# --------------------------------------------------------------------------
# Live readouts
# --------------------------------------------------------------------------


class _GlyphAtlas:
    """Every printable glyph of one monospace font at one size, rendered once.

    Rendering a :class:`~manim.Text` goes through Pango and an SVG parse (about
    40 ms); a readout rebuilt every frame spent most of a render there.  In a
    monospace font a glyph's place is its cell, so a line can be assembled from
    these outlines shifted by whole advances, with the same shapes and baseline
    Pango would give.  The glyphs are rendered in short chunks (a long line is
    clipped by the SVG canvas), each led by a "0" whose centre fixes the cell
    origin: ``outlines[c]`` are the points of ``c`` drawn in the cell whose "0"
    would be centred on the scene origin.
    """

    CHARS = "".join(map(chr, range(33, 127))) + "−·×≈≤≥→←ηβαλε²√∇"  # noqa: RUF001 (shown on screen)
    CHUNK = 10
    _cache: ClassVar[dict[tuple[str, int], _GlyphAtlas]] = {}

    def __init__(self, font: str, font_size: int) -> None:
        pair = Text("00", font=font, font_size=font_size)
        self.advance = float(pair[1].get_center()[0] - pair[0].get_center()[0])
        self.cap_height = float(Text("H", font=font, font_size=font_size).height)
        self.outlines: dict[str, np.ndarray] = {}
        for k in range(0, len(self.CHARS), self.CHUNK):
            chars = self.CHARS[k:k + self.CHUNK]
            line = Text("0" + chars, font=font, font_size=font_size)
            if len(line.submobjects) != len(chars) + 1:
                raise ValueError(f"font {font!r} does not give one outline per character in {chars!r}; "
                                 "LiveText needs a monospace font")
            zero = line[0].get_center()
            for i, (c, glyph) in enumerate(zip(chars, line[1:], strict=True), start=1):
                self.outlines[c] = glyph.points - zero - RIGHT * self.advance * i

    @classmethod
    def get(cls, font: str, font_size: int) -> _GlyphAtlas:
        key = (font, font_size)
        if key not in cls._cache:
            cls._cache[key] = cls(font, font_size)
        return cls._cache[key]


class LiveText(VGroup):
    """A line of monospace text that is cheap to change every frame.

    ``set_text`` rewrites the outlines of a fixed pool of glyph slots in place
    (a few ms a line, against about 40 ms for a new :class:`~manim.Text`),
    keeping the line's left end and baseline where they were, so a readout can
    follow a tracker in an updater.  The slots are the same objects from frame to
    frame, which matters: manim fixes the list of mobjects it draws at the start
    of each animation, so glyphs swapped in mid-animation would not be drawn and
    swapped-out ones would stay.  Characters outside the atlas (printable ASCII
    and a few maths symbols) fall back to a full :class:`~manim.Text` render.

    Parameters
    ----------
    text : str
        The first content.
    color : str, optional
        Default: the theme's text colour.
    font_size : int, optional
        Default: the LABEL size of the type scale.
    capacity : int
        Glyph slots made up front.  A longer text adds slots, which an animation
        already running does not draw until it ends.

    Examples
    --------
    >>> step = LiveText("step 0")                                # doctest: +SKIP
    >>> step.add_updater(lambda m: m.set_text(f"step {int(t.get_value())}"))  # doctest: +SKIP
    """

    def __init__(self, text: str = "", color: str | None = None, font_size: int | None = None,
                 capacity: int = 32, theme: Theme = THEME) -> None:
        super().__init__()
        self.font, self.font_size = theme.mono, font_size or TYPE.LABEL
        self.text_color = color or theme.text
        self.atlas = _GlyphAtlas.get(self.font, self.font_size)
        # Two invisible points carry the line's origin and advance through moves and scaling.
        self.anchor = VMobject().set_points_as_corners([ORIGIN, RIGHT * self.atlas.advance])
        self.anchor.set_stroke(width=0, opacity=0)
        self.glyph_group = VGroup()
        self.add(self.anchor, self.glyph_group)
        self._grow(capacity)
        self.text: str | None = None
        self.set_text(text)

    @property
    def lint_text(self) -> str:
        """The text shown, for the frame lint's messages."""
        return self.text or ""

    def scale_factor(self) -> float:
        a, b = self.anchor.get_start(), self.anchor.get_end()
        return float(np.linalg.norm(b - a)) / self.atlas.advance

    def glyph_height(self) -> float:
        """Cap height in scene units as drawn now (the frame lint measures this)."""
        return self.atlas.cap_height * self.scale_factor()

    def _grow(self, n: int) -> None:
        old = self.glyph_group.submobjects
        opacity = old[0].get_fill_opacity() if old else 1.0
        while len(self.glyph_group.submobjects) < n:
            slot = VMobject(fill_color=self.text_color, fill_opacity=opacity, stroke_width=0)
            self.glyph_group.add(slot)

    def set_text(self, text: str) -> LiveText:
        """Show ``text``; does nothing if it is already shown."""
        if text == self.text:
            return self
        self.text = text
        a = self.anchor.get_start()
        scale = self.scale_factor()
        atlas = self.atlas
        if all(c.isspace() or c in atlas.outlines for c in text):
            outlines = [(atlas.outlines[c] + RIGHT * atlas.advance * j) * scale + a
                        for j, c in enumerate(text) if not c.isspace()]
        else:
            # Led by a "0" in cell -1, whose centre fixes the baseline and the left end.
            full = Text("0" + text, font=self.font, font_size=self.font_size)
            full.scale(scale, about_point=full[0].get_center()).shift(a + LEFT * atlas.advance * scale
                                                                       - full[0].get_center())
            outlines = [g.points for g in full.submobjects[1:]]
        self._grow(len(outlines))
        for k, slot in enumerate(self.glyph_group.submobjects):
            if k < len(outlines):
                slot.set_points(outlines[k])
            else:
                slot.clear_points()
        return self


# --------------------------------------------------------------------------
# Captions and titles
# --------------------------------------------------------------------------


#: Hold the other mobjects' updaters during the kit's own fades (see :func:`play_alone`).
#: A switch for the tests and benchmarks that compare with and without it.
HOLD_UPDATERS = True


def _nothing_else_moves(scene: Scene) -> bool:
    """Manim's own test for a frozen ``wait`` (``Scene.should_update_mobjects``, manim 0.22):
    no scene updater, no ``always_update_mobjects``, no mobject with an updater that takes ``dt``
    (ambient camera rotation is one: a tracker with a time-based updater)."""
    members = getattr(scene, "get_mobject_family_members", None)
    if members is None:             # not a manim Scene (the unit tests' stand-in): play as asked
        return False
    return not (getattr(scene, "always_update_mobjects", False) or getattr(scene, "updaters", None)
                or any(m.has_time_based_updater() for m in members()))


def play_alone(scene: Scene, *animations: Animation, **kwargs: Any) -> None:
    """``scene.play`` for an animation of the kit's own mobjects (a caption or title fading):
    every other mobject's updaters are held while it runs, when nothing else can change.

    Manim already renders a ``wait`` as one frozen frame when no updater depends on time
    (see :func:`_nothing_else_moves`); it does not for a fade, so each of a caption's fade-in and
    fade-out frames re-ran every updater on screen (always_redraw rebuilds, readouts, tracers)
    and redrew their mobjects, although none of their inputs move while only the caption
    fades.  Here the updaters run once (``update_mobjects(0)``, what the fade's first frame
    did), are taken off for the fade, and are put back after it: the other mobjects are then
    static, drawn once into manim's background image, and only the caption is drawn per frame.
    Same pixels (tests/test_kit_speed.py renders a scene both ways).  When something is
    time-based this is plain ``scene.play``.
    """
    held: list[tuple[Any, list]] = []
    if HOLD_UPDATERS and _nothing_else_moves(scene):
        scene.update_mobjects(0)
        own = {id(m) for a in animations for m in a.mobject.get_family()}
        for m in scene.get_mobject_family_members():
            if m.updaters and id(m) not in own:
                held.append((m, m.updaters))
                m.updaters = []
    try:
        scene.play(*animations, **kwargs)
    finally:
        for m, updaters in held:
            m.updaters = updaters


def _fix_in_frame(scene: Scene, mob: VMobject) -> None:
    """In a ThreeDScene, keep ``mob`` still in the frame while the camera moves."""
    fix = getattr(scene, "add_fixed_in_frame_mobjects", None)
    if fix is not None:
        fix(mob)


class Caption:
    """The caption line(s) at the bottom of the frame, each also written as a subtitle.

    ``caption.say(scene, text)`` takes the current caption down (after its reading time
    has passed, waiting if needed), fades the new one in, and remembers when.  Long
    text is wrapped on two lines and, beyond that, split into consecutive screens.
    The subtitle of a caption is written when it leaves, with the time it was on screen.

    Parameters
    ----------
    theme : Theme
    max_width : float, optional
        The widest a caption may be (scene units); default the frame less a margin.
    """

    FADE_OUT = 0.3
    FADE_IN = 0.4

    def __init__(self, theme: Theme = THEME, max_width: float | None = None) -> None:
        self.theme = theme
        self.max_width = max_width or config.frame_width - 1.0
        self.current: VGroup | None = None
        self.current_text = ""
        self.shown_at = 0.0
        self.hold = 0.0

    def make(self, text: str) -> VGroup:
        """The caption mobject for ``text`` (one screen): centred lines at the bottom of the frame."""
        lines = VGroup(*[Text(line, font=self.theme.font, font_size=TYPE.CAPTION, color=self.theme.text)
                         for line in text.split("\n")])
        lines.arrange(DOWN, buff=0.12)
        # Never shrink below 12 px: wrap instead (split_caption); this only trims a hair of overflow.
        min_scale = MIN_GLYPH_PX / (TYPE.CAPTION * TEXT_CAP_PX_PER_POINT)
        if lines.width > self.max_width:
            lines.scale(max(self.max_width / lines.width, min_scale))
        return lines.to_edge(DOWN, buff=0.3)

    def top(self) -> float:
        """The y of the top of a two-line caption: content placed above this never meets a caption."""
        # Brackets and apostrophes reach above the cap height; keep 5 px more clear at 480p.
        return float(self.make("(Xg')\n(Xg')").get_top()[1]) + 0.08

    #: Seconds added to each caption's reading time for the .srt's millisecond rounding.
    SRT_MARGIN: ClassVar[float] = 0.002

    def remaining(self, scene: Scene) -> float:
        """Seconds the current caption still needs on screen to be read."""
        if self.current is None:
            return 0.0
        left = self.hold - (scene.time - self.shown_at)
        if left <= 1e-9:
            return 0.0
        # Whole frames, rounded up: a wait shorter than asked would cut the reading time.
        fps = float(config.frame_rate)
        return math.ceil(left * fps - 1e-6) / fps

    def say(self, scene: Scene, text: str, duration: float | None = None) -> None:
        """Show ``text`` (wrapped and split into screens as needed).

        ``duration`` is a wish for the last screen's time on screen; the reading time
        is the floor.  Each screen before the last is held for its reading time.
        """
        screens = split_caption(text)
        for k, screen in enumerate(screens):
            self._show(scene, screen)
            if k < len(screens) - 1:
                scene.wait(self.remaining(scene))
        if duration is not None:
            self.hold = max(self.hold, duration)

    def _show(self, scene: Scene, text: str) -> None:
        self.clear(scene)
        new = self.make(text)
        _fix_in_frame(scene, new)
        play_alone(scene, FadeIn(new, shift=0.1 * UP), run_time=self.FADE_IN)
        self.current, self.current_text = new, text
        # The .srt keeps whole milliseconds: 2 ms more than the reading time, so a window whose ends
        # are rounded there still gives every character 1/15 s (88 characters exactly filled by the
        # scene's own animations came out at 15.002 characters a second in gd_variants' subtitles).
        self.hold = hold_time(text) + self.SRT_MARGIN
        self.shown_at = scene.time - self.FADE_IN

    def clear(self, scene: Scene) -> None:
        """Take the caption down once it has been read, and write its subtitle."""
        if self.current is None:
            return
        wait = self.remaining(scene)
        if wait > 1e-6:
            scene.wait(wait)
        play_alone(scene, FadeOut(self.current), run_time=self.FADE_OUT)
        self._subtitle(scene)
        self.current = None

    def flush(self, scene: Scene) -> None:
        """At the end of the scene: the caption stays on the last frame; write its subtitle."""
        if self.current is not None:
            wait = self.remaining(scene)
            if wait > 1e-6:
                scene.wait(wait)
            self._subtitle(scene)
            self.current = None

    def _subtitle(self, scene: Scene) -> None:
        shown = scene.time - self.shown_at
        words = self.current_text.replace("\n", " ").replace(_NBSP, " ")
        scene.add_subcaption(words, duration=shown, offset=-shown)


class TitleBar:
    """The title line at the top of the frame: one at a time, the old one gone before the new one.

    Parameters
    ----------
    theme : Theme
    buff : float
        Space above the title (scene units).
    """

    def __init__(self, theme: Theme = THEME, buff: float = 0.3) -> None:
        self.theme = theme
        self.buff = buff
        self.current: Text | None = None

    def make(self, text: str) -> Text:
        t = fit_in(title_text(text, self.theme), config.frame_width - 0.8, 1.0)
        return t.to_edge(UP, buff=self.buff)

    def bottom(self) -> float:
        """The y just under a title: content placed below this never meets it."""
        return float(self.make("Xg").get_bottom()[1]) - 0.15

    def set(self, scene: Scene, text: str) -> Text:
        new = self.make(text)
        if self.current is not None:
            play_alone(scene, FadeOut(self.current, shift=0.15 * UP), run_time=0.3)
        # Only now: in a ThreeDScene, fixing a mobject in the frame also adds it to the scene, so a new
        # title fixed before the old one's fade-out stood at full opacity on top of it.
        _fix_in_frame(scene, new)
        play_alone(scene, FadeIn(new, shift=0.15 * DOWN), run_time=0.4)
        self.current = new
        return new

    def clear(self, scene: Scene) -> None:
        if self.current is not None:
            play_alone(scene, FadeOut(self.current), run_time=0.3)
            self.current = None
