"""Markers and shared fixtures of the tests in this folder (pyproject.toml registers ``render``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.rendering import RenderResult, render_tiny


def pytest_configure(config):
    config.addinivalue_line("markers", "lint: runs a scene through the frame lint (tests/frame_lint.py)")


@pytest.fixture(scope="session")
def tiny_render(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], RenderResult]:
    """``tiny_render("backprop.py")``: the scene rendered with its default parameters at the tiny
    size, once per test session (the smoke table and a scene's own caption checks share it)."""
    cache: dict[str, RenderResult] = {}

    def get(scene_file: str) -> RenderResult:
        if scene_file not in cache:
            tmp = tmp_path_factory.mktemp(scene_file.removesuffix(".py"))
            cache[scene_file] = render_tiny(scene_file, tmp, env={"GDVIZ_FIGURES": str(tmp / "figures.jsonl")})
        return cache[scene_file]

    return get
