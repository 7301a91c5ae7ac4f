"""``manim`` with one extra check, used by the render smoke tests (tests/rendering.py).

A ``FadeOut`` (or ``Uncreate``) of mobjects that were never shown draws them at full opacity on
its first frame and fades them away: a flash of something the story never showed.  It happened
(the neural_network scene faded out two formula lines it had not faded in).  Here ``Scene.play``
refuses such an animation with an error naming the scene, the time and the mobject.

Usage: ``python tests/manim_checked.py render [manim options] scene.py`` (the same as ``manim``).
"""

from __future__ import annotations

import sys

from manim import FadeOut, Scene
from manim.animation.creation import Uncreate

_play = Scene.play


class NeverShownError(AssertionError):
    """An animation removes mobjects that are not on screen."""


def _checked_play(self: Scene, *animations, **kwargs):
    on_screen = {id(m) for m in self.get_mobject_family_members()}
    for anim in animations:
        if isinstance(anim, (FadeOut, Uncreate)):
            drawn = [m for m in anim.mobject.get_family() if m.has_points()]
            missing = [m for m in drawn if id(m) not in on_screen]
            if missing:
                raise NeverShownError(
                    f"{type(self).__name__} at t={self.renderer.time:.2f} s: {type(anim).__name__} of a "
                    f"{type(anim.mobject).__name__} whose {len(missing)} of {len(drawn)} drawn parts were never "
                    "shown (they would flash at full opacity, then fade)")
    return _play(self, *animations, **kwargs)


def main() -> None:
    Scene.play = _checked_play
    from manim.__main__ import main as manim_main

    sys.argv = ["manim", *sys.argv[1:]]
    manim_main()


if __name__ == "__main__":
    main()
