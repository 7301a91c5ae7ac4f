"""gdcore: the NumPy gradient-descent core behind the videos.

NumPy and SciPy only; never imports manim.  Submodules:

- :mod:`gdcore.autograd` -- scalar autograd (:class:`Value`) with graph export and a backward trace.
"""

from gdcore.autograd import Graph, GraphNode, TraceStep, Value, sum_values

__all__ = ["Value", "TraceStep", "Graph", "GraphNode", "sum_values"]
__version__ = "0.1.0"
