"""Count the frames of every ``wait`` that manim renders frozen and the ones it recomputes.

Usage (the same options as manim; ``--dry_run`` is enough, the count does not need pixels)::

    python benchmarks/wait_probe.py render -ql --dry_run scenes/linear_fit.py

It patches :meth:`manim.Scene.compile_animation_data` to note, for every ``play`` that is a
single :class:`~manim.Wait`, its frame count and whether manim decided it is static
(``Wait.is_static_wait``), and for the others why not (the mobjects with time-based updaters,
scene updaters, a stop condition); and the kit's caption and title fades
(``scenes.kit.text.play_alone``), with whether the other mobjects' updaters were held.  Then it
runs manim's own command line.  At the end it prints one JSON line: ``{"scene", "frames",
"wait_frames", "frozen_frames", "live_wait_frames", "reasons", "fade_frames",
"held_fade_frames"}`` with frames at the run's frame rate (``ceil(duration * fps)`` per
animation, as manim writes them).
"""

from __future__ import annotations

import collections
import json
import math
import sys


def main() -> None:
    from manim import Scene, Wait, config

    stats: dict = collections.defaultdict(int)
    reasons: collections.Counter = collections.Counter()
    original = Scene.compile_animation_data

    def frames(duration: float) -> int:
        return math.ceil(round(duration * config.frame_rate, 6))

    def probe(self, *animations, **kwargs):  # type: ignore[no-untyped-def]
        out = original(self, *animations, **kwargs)
        n = frames(self.duration)
        stats["frames"] += n
        anims = self.animations or []
        if len(anims) == 1 and isinstance(anims[0], Wait):
            stats["wait_frames"] += n
            if anims[0].is_static_wait:
                stats["frozen_frames"] += n
            else:
                stats["live_wait_frames"] += n
                why = []
                if self.always_update_mobjects:
                    why.append("always_update_mobjects")
                if self.updaters:
                    why.append("scene updaters")
                if anims[0].stop_condition is not None:
                    why.append("stop_condition")
                why += sorted({type(m).__name__ for m in self.get_mobject_family_members()
                               if m.has_time_based_updater()})
                reasons[", ".join(why) or "frozen_frame=False"] += n
        stats["scene"] = type(self).__name__  # type: ignore[assignment]
        return out

    Scene.compile_animation_data = probe  # type: ignore[method-assign]

    import scenes.kit.text as kit_text
    alone = getattr(kit_text, "play_alone", None)
    if alone is not None:
        def fade(scene, *animations, **kwargs):  # type: ignore[no-untyped-def]
            held = kit_text.HOLD_UPDATERS and kit_text._nothing_else_moves(scene)
            n = frames(kwargs.get("run_time", 1.0))
            stats["fade_frames"] += n
            stats["held_fade_frames"] += n if held else 0
            return alone(scene, *animations, **kwargs)
        kit_text.play_alone = fade
    from manim.__main__ import main as manim_main

    sys.argv = ["manim", *sys.argv[1:]]
    try:
        manim_main()
    except SystemExit as e:
        if e.code:
            raise
    print(json.dumps({**stats, "reasons": dict(reasons)}))


if __name__ == "__main__":
    main()
