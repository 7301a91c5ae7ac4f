"""Figure marks: moments of a scene worth a PNG still for a blog post."""

from __future__ import annotations

import json
import os

from manim import Scene

__all__ = ["FIGURES_ENV", "mark_figure"]

FIGURES_ENV = "GDVIZ_FIGURES"


def mark_figure(scene: Scene, name: str) -> None:
    """Mark the current moment of ``scene`` as a key frame worth a PNG still.

    The publish command (``python -m scenes publish``) sets ``$GDVIZ_FIGURES`` to a
    file and extracts a still at every marked time; under plain ``manim render``
    this does nothing.  ``name`` becomes part of the still's file name.
    """
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": name, "time": float(scene.renderer.time)}) + "\n")
