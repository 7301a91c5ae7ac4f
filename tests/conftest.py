"""Markers of the tests in this folder (pyproject.toml registers ``render``)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "lint: runs a scene through the frame lint (tests/frame_lint.py)")
