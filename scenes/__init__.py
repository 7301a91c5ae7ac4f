"""Manim scenes, one topic per file; shared pieces live in :mod:`scenes.common`."""
