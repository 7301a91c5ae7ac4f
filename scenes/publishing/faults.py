"""Fault injection for the tests: ``GDVIZ_PUBLISH_FAULT=<stage>[:<scene>]`` kills publish at a named point.

The stages, in the order a scene passes them:

- ``staged``   -- the scene's files are complete in its work folder, its record not yet written;
- ``recorded`` -- the record is written in the work folder, nothing placed;
- ``swap``     -- the old folder is moved aside, the new one not yet in its place;
- ``placed``   -- the new folder is in place, ``manifest.json`` not yet rebuilt;
- ``manifest`` -- ``manifest.json`` is rebuilt, the gallery not yet written.

The process sends itself SIGKILL (no clean-up runs), as a power cut or ``kill -9`` would.
Unset, this does nothing.
"""

from __future__ import annotations

import os
import signal

__all__ = ["FAULT_ENV", "STAGES", "fault"]

FAULT_ENV = "GDVIZ_PUBLISH_FAULT"
STAGES = ("staged", "recorded", "swap", "placed", "manifest")


def fault(stage: str, scene: str = "") -> None:
    """SIGKILL this process if ``$GDVIZ_PUBLISH_FAULT`` names ``stage`` (and ``scene``, if it names one)."""
    want = os.environ.get(FAULT_ENV, "")
    if not want:
        return
    w_stage, _, w_scene = want.partition(":")
    if w_stage == stage and (not w_scene or w_scene == scene):
        os.kill(os.getpid(), signal.SIGKILL)
