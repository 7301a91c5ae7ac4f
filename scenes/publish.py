"""``python -m scenes publish`` -- kept as a module name; the command lives in :mod:`scenes.publishing`."""

from scenes.publishing import (
                               QUALITIES,
                               PublishError,
                               PublishOptions,
                               SceneInfo,
                               build_parser,
                               discover,
                               input_hash,
                               longest_first,
                               main,
                               publish,
                               still_seek,
)
from scenes.publishing.discovery import _scene_classes
from scenes.publishing.gallery import write_gallery
from scenes.publishing.previews import update_previews

__all__ = [
                               "QUALITIES",
                               "PublishError",
                               "PublishOptions",
                               "SceneInfo",
                               "_scene_classes",
                               "build_parser",
                               "discover",
                               "input_hash",
                               "longest_first",
                               "main",
                               "publish",
                               "still_seek",
                               "update_previews",
                               "write_gallery",
]
