"""gdcore: the NumPy gradient-descent core behind the videos.

NumPy and SciPy only; never imports manim.  Submodules:

- :mod:`gdcore.autograd` -- scalar autograd (:class:`Value`) with graph export and a backward trace.
- :mod:`gdcore.functions` -- test losses with analytic gradients and Hessians (open registry, expressions).
- :mod:`gdcore.expression` -- safely parsed user losses in x and y.
- :mod:`gdcore.optim` -- SGD, RMSprop, Adam, Adagrad with torch.optim's rules and defaults.
- :mod:`gdcore.trajectory` -- runs, learning-rate regimes, local-vs-global search.
- :mod:`gdcore.data`, :mod:`gdcore.linfit` -- the posts' datasets and line fitting.
- :mod:`gdcore.contour` -- contour lines by vectorized marching squares.
"""

from gdcore.autograd import Graph, GraphNode, TraceStep, Value, sum_values

__all__ = ["Graph", "GraphNode", "TraceStep", "Value", "sum_values"]
__version__ = "0.1.0"
