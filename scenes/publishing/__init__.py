"""``python -m scenes publish``: render every scene and write the files a blog needs.

For each scene, ``<out>/<scene>/`` gets the MP4, a WebM, a GIF within a size budget, PNG stills (the
last frame and every key frame the scene marks with ``mark_figure``), the subtitles (``.srt`` and
``.vtt``) and ``record.json`` -- the scene's manifest entry, with the SHA-256 of each file, written
last.  ``<out>/manifest.json`` is rebuilt from the records, and ``<out>/index.html`` is a gallery
for bloggers.  ``python -m scenes slides`` (:mod:`~scenes.publishing.slides`) builds a talk deck.

Modules, by concern:

- :mod:`~scenes.publishing.options` -- paths, qualities, :class:`PublishOptions`, :class:`PublishError`;
- :mod:`~scenes.publishing.discovery` -- scene discovery, the input hash and the import walker;
- :mod:`~scenes.publishing.render` -- manim and ffmpeg in killable process groups;
- :mod:`~scenes.publishing.store` -- records, checksums, the manifest, the lock, atomic swaps, recovery;
- :mod:`~scenes.publishing.gallery`, :mod:`~scenes.publishing.previews` -- the page and the README previews;
- :mod:`~scenes.publishing.run` -- one run (signals, ordering, the table);
- :mod:`~scenes.publishing.slides` -- the reveal.js deck through manim-slides;
- :mod:`~scenes.publishing.cli` -- the command line;
- :mod:`~scenes.publishing.faults` -- the fault-injection hook used by the tests.
"""

from scenes.publishing.cli import build_parser, main, options_from_args
from scenes.publishing.discovery import SceneInfo, data_files, data_record, discover, input_files, input_hash
from scenes.publishing.options import QUALITIES, PublishError, PublishOptions
from scenes.publishing.render import still_seek
from scenes.publishing.run import longest_first, publish

__all__ = [
           "QUALITIES",
           "PublishError",
           "PublishOptions",
           "SceneInfo",
           "build_parser",
           "data_files",
           "data_record",
           "discover",
           "input_files",
           "input_hash",
           "longest_first",
           "main",
           "options_from_args",
           "publish",
           "still_seek",
]
