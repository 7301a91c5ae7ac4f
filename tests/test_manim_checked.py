"""The render tests' manim wrapper refuses to fade out what was never shown."""

import pytest

from tests.rendering import ROOT, render_tiny

pytestmark = pytest.mark.render


def test_a_fade_out_of_a_never_shown_mobject_fails_the_render(tmp_path):
    with pytest.raises(AssertionError, match="never shown"):
        render_tiny(str(ROOT / "tests" / "fixtures" / "checked" / "flash.py"), tmp_path)
