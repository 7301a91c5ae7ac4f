"""SurfaceMesh.occluded: which points a face of the mesh hides from a camera angle."""

from __future__ import annotations

import numpy as np
from manim import DEGREES, ThreeDAxes

from scenes.kit import SurfaceMesh, camera_rotation, xyz_to_scene


def flat_mesh(z: float = 0.0) -> tuple[ThreeDAxes, SurfaceMesh]:
    axes = ThreeDAxes(x_range=[-1, 1, 1], y_range=[-1, 1, 1], z_range=[-1, 1, 1], x_length=4, y_length=4,
                      z_length=4, tips=False)
    X, Y = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9))
    return axes, SurfaceMesh(axes, X, Y, np.full_like(X, z))


def test_a_point_under_a_flat_sheet_is_hidden_from_above_and_one_over_it_is_not():
    axes, mesh = flat_mesh()
    pts = xyz_to_scene(axes, np.array([[0.1, 0.2, -0.8], [0.1, 0.2, 0.8], [0.1, 0.2, 0.0]]))
    from_above = camera_rotation(0.0, -90 * DEGREES)
    # Below the sheet: hidden.  Above it: seen.  On it: seen (the face it lies on does not count).
    assert mesh.occluded(pts, from_above).tolist() == [True, False, False]
    # From below (phi = 180 degrees) the roles swap.
    from_below = camera_rotation(180 * DEGREES, -90 * DEGREES)
    assert mesh.occluded(pts, from_below).tolist() == [False, True, False]


def test_a_point_beside_the_sheet_is_never_hidden():
    axes, mesh = flat_mesh()
    outside = xyz_to_scene(axes, np.array([[3.0, 0.0, -0.8]]))     # off the sheet's edge
    assert not mesh.occluded(outside, camera_rotation(0.0, -90 * DEGREES))[0]


def test_camera_rotation_matches_manims_camera():
    from manim.camera.three_d_camera import ThreeDCamera

    cam = ThreeDCamera()
    cam.set_phi(62 * DEGREES)
    cam.set_theta(-25 * DEGREES)
    np.testing.assert_allclose(camera_rotation(62 * DEGREES, -25 * DEGREES), cam.generate_rotation_matrix(),
                               atol=1e-12)


def test_faces_where_the_loss_is_undefined_are_left_out():
    # log(x) + y**2 on [-1, 1]^2 is NaN for x < 0: of the 8 x 8 faces, the 4 columns left of x = 0
    # touch a NaN corner (x = -0.25 ... -1, and the column ending at x = 0 has log(0) = -inf), so 3
    # columns of 8 faces remain: x in [0.25, 0.5], [0.5, 0.75], [0.75, 1].
    axes = ThreeDAxes(x_range=[-1, 1, 1], y_range=[-1, 1, 1], z_range=[-5, 5, 1], x_length=4, y_length=4,
                      z_length=4, tips=False)
    X, Y = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9))
    with np.errstate(divide="ignore", invalid="ignore"):
        Z = np.log(X) + Y ** 2
    mesh = SurfaceMesh(axes, X, Y, Z)
    assert len(mesh.faces) == 3 * 8
    assert mesh.hole
    assert np.all(np.isfinite(mesh.centers))
