"""Manim scenes, one topic per file; shared pieces live in the kit, :mod:`scenes.kit`."""
