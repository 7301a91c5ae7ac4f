"""The baseline for bench_render.py: Manim's documented Surface example with a rotating camera.

Same surface resolution (24 x 24) and run time as scenes/loss_surface.py's rotating shot;
not part of the project's scenes.
"""

import os

import numpy as np
from manim import BLUE, DEGREES, GREEN, ORANGE, ORIGIN, Surface, ThreeDAxes, ThreeDScene

RESOLUTION = 24
RUN_TIME = float(os.environ.get("NAIVE_RUN_TIME", "22"))  # set by bench_render.py to our scene's length


class NaiveSurface(ThreeDScene):
    def construct(self):
        self.set_camera_orientation(phi=75 * DEGREES, theta=-30 * DEGREES)

        def param_gauss(u, v):
            x, y = u, v
            sigma, mu = 0.4, [0.0, 0.0]
            d = np.linalg.norm(np.array([x - mu[0], y - mu[1]]))
            z = np.exp(-(d**2 / (2.0 * sigma**2)))
            return np.array([x, y, z])

        gauss_plane = Surface(param_gauss, resolution=(RESOLUTION, RESOLUTION), v_range=[-2, +2], u_range=[-2, +2])
        gauss_plane.scale(2, about_point=ORIGIN)
        gauss_plane.set_style(fill_opacity=1, stroke_color=GREEN)
        gauss_plane.set_fill_by_checkerboard(ORANGE, BLUE, opacity=0.5)
        self.add(ThreeDAxes(), gauss_plane)
        self.begin_ambient_camera_rotation(rate=0.2)
        self.wait(RUN_TIME)
