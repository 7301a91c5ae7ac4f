"""The shared visual kit of every scene, one concept per module.

=====================  ===============================================================
:mod:`.theme`          the semantic palette, the type scale, the 480p glyph-height maths
:mod:`.text`           number formatting, titles, labels, live readouts, captions
:mod:`.layout`         fitting mobjects into the frame
:mod:`.plots`          2-D charts (:class:`PlotAxes`), contour maps, paths, line labels
:mod:`.graph`          the micrograd-style computation graph
:mod:`.network`        the neural network diagram
:mod:`.surface`        3-D loss surfaces, their axis labels and colour bar
:mod:`.marks`          figure marks for blog stills
:mod:`.scales`         extra sequential colour scales (batch sizes)
:mod:`.scene`          the scene base classes and manim work-arounds
=====================  ===============================================================

Scenes import from here (``from scenes.kit import StoryScene, THEME, ...``) and compute
nothing themselves: the data comes from :mod:`gdcore`.
"""

from scenes.kit.graph import *  # noqa: F403
from scenes.kit.graph import __all__ as _graph
from scenes.kit.layout import *  # noqa: F403
from scenes.kit.layout import __all__ as _layout
from scenes.kit.marks import *  # noqa: F403
from scenes.kit.marks import __all__ as _marks
from scenes.kit.network import *  # noqa: F403
from scenes.kit.network import __all__ as _network
from scenes.kit.plots import *  # noqa: F403
from scenes.kit.plots import __all__ as _plots
from scenes.kit.scales import *  # noqa: F403
from scenes.kit.scales import __all__ as _scales
from scenes.kit.scene import *  # noqa: F403
from scenes.kit.scene import __all__ as _scene
from scenes.kit.surface import *  # noqa: F403
from scenes.kit.surface import __all__ as _surface
from scenes.kit.text import *  # noqa: F403
from scenes.kit.text import __all__ as _text
from scenes.kit.theme import *  # noqa: F403
from scenes.kit.theme import __all__ as _theme

__all__ = [*_theme, *_text, *_layout, *_plots, *_graph, *_network, *_surface, *_marks, *_scene, *_scales]
