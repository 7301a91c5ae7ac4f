"""Scene base classes: parameters, caption and title made once, and the manim work-arounds in one place.

A scene file defines one class on one of these bases and names its parameter table::

    class Backprop(StoryScene):
        params_key = "backprop"

        def construct(self) -> None:
            self.show_a_value()          # named beats, one idea each
            ...

``setup()`` (run by manim before ``construct``) loads ``self.p`` from ``scenes/defaults.toml``
and ``$GDVIZ_PARAMS`` (a bad file stops with one line and exit status 2), and creates
``self.caption`` and ``self.titles``.  ``tear_down()`` writes the subtitle of the caption
still on screen, so the ``.srt`` covers the whole video.
"""

from __future__ import annotations

from typing import Any, ClassVar

from manim import Mobject, Scene, ThreeDScene
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from scenes.kit.text import Caption, TitleBar
from scenes.params import scene_params

__all__ = ["RedrawEveryFrame", "StoryScene", "StoryThreeDScene", "Storyboard"]


def _share_svg_source_paths() -> None:
    """Work-around (manim 0.22): copies of a Text or SVG mobject share the parsed SVG path.

    Every glyph of a Text is a ``VMobjectFromSVGPath`` that keeps its ``svgelements`` path
    (``path_obj``) after its points are made from it.  ``Mobject.copy`` is a deepcopy, and 90%
    of copying a two-line caption (67 ms of 74 ms, 89 glyphs) is copying those parsed paths,
    which nothing reads again: ``generate_points`` runs once, in ``__init__``.  Manim copies a
    text each time one is made (its SVG cache keeps a copy) and two or three times in every
    FadeIn, FadeOut or Transform of it.  Here a deepcopy of a glyph shares the path instead
    (the memo says "already copied"); points, colours and everything else are still copied, so
    no pixel changes (tests/test_kit_speed.py).
    """
    if getattr(VMobjectFromSVGPath, "_gdviz_shares_path", False):
        return

    def __deepcopy__(self: VMobjectFromSVGPath, memo: dict[int, Any]) -> VMobjectFromSVGPath:
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo.setdefault(id(path), path)
        return Mobject.__deepcopy__(self, memo)

    VMobjectFromSVGPath.__deepcopy__ = __deepcopy__
    VMobjectFromSVGPath._gdviz_shares_path = True


_share_svg_source_paths()


class Storyboard:
    """What both bases share: parameters, the caption, the title bar.

    A mixin, not a Scene, so manim never lists it as a scene to render.
    """

    #: The scene's table in ``scenes/defaults.toml`` (usually the file's stem).
    params_key: ClassVar[str] = ""
    p: dict[str, Any]
    caption: Caption
    titles: TitleBar

    def setup(self) -> None:
        super().setup()  # type: ignore[misc]
        if not self.params_key:
            raise TypeError(f"{type(self).__name__} must set params_key (its table in scenes/defaults.toml)")
        self.p = scene_params(self.params_key)
        self.caption = Caption()
        self.titles = TitleBar()

    def tear_down(self) -> None:
        self.caption.flush(self)
        super().tear_down()  # type: ignore[misc]

    @property
    def title(self):
        """The title on screen (or None)."""
        return self.titles.current

    def set_title(self, text: str) -> None:
        """Start a new beat: the caption of the last one is taken down (once read), then the title
        is replaced, the old one leaving before the new one arrives."""
        self.caption.clear(self)
        self.titles.set(self, text)

    def say(self, text: str, duration: float | None = None) -> None:
        """Replace the caption (see :class:`~scenes.kit.text.Caption`)."""
        self.caption.say(self, text, duration)

    def unsay(self) -> None:
        """Take the caption down once it has been read (when it no longer describes the screen)."""
        self.caption.clear(self)


class RedrawEveryFrame:
    """Work-around: redraw every top-level mobject each frame.

    Manim freezes the flattened draw list at the start of an animation when the camera is
    still; :class:`~scenes.kit.surface.SurfaceMesh` re-sorts faces and movers every frame,
    so the list must be rebuilt from the top-level mobjects each frame.
    """

    mobjects: list
    foreground_mobjects: list

    def get_moving_mobjects(self, *animations):
        return list(self.mobjects)

    def get_moving_and_static_mobjects(self, animations):
        # The top-level mobjects, not their flattened families: manim draws each frame the families of
        # this list with later duplicates winning, so a flattened list would freeze the mesh's paint order
        # (and leave pieces added during the animation under every face) until the animation ends.
        return [*self.mobjects, *[m for m in self.foreground_mobjects if m not in self.mobjects]], []


class StoryScene(Storyboard, Scene):
    """Base of the 2-D scenes."""


class StoryThreeDScene(Storyboard, RedrawEveryFrame, ThreeDScene):
    """Base of the 3-D scenes: captions and titles stay fixed in the frame while the camera moves."""
