"""Volume geometry in Cornerstone3D's terms.

NeuroReview stores volumes with a RAS voxel→mm affine (NIfTI's world); Cornerstone3D's world is
LPS (DICOM patient coordinates). Both are right-handed and differ by a half turn about the
superior axis: A_lps = diag(-1, -1, 1, 1) · A_ras. Cornerstone describes a volume by its voxel
spacing, the unit directions of the i, j and k voxel axes (``direction``, 9 numbers, column i
first) and the world position of voxel (0, 0, 0) (``origin``).
"""

from dataclasses import dataclass

import numpy as np

RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])
RIGID_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Geometry:
    """A voxel grid placed in LPS: its dimensions [i, j, k] and its voxel→LPS affine."""

    dimensions: tuple[int, int, int]
    affine_lps: np.ndarray

    @classmethod
    def from_ras(cls, affine_ras, shape) -> "Geometry":
        affine = np.asarray(affine_ras, dtype=float)
        if affine.shape != (4, 4) or not np.isfinite(affine).all():
            raise ValueError(f"affine: expected a finite 4x4 matrix, got {affine.tolist()}")
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"shape: expected three positive sizes, got {list(shape)}")
        return cls(tuple(int(n) for n in shape), RAS_TO_LPS @ affine)

    @property
    def spacing(self) -> np.ndarray:
        return np.linalg.norm(self.affine_lps[:3, :3], axis=0)

    @property
    def direction(self) -> np.ndarray:
        """The 3x3 matrix whose columns are the unit i, j and k axes in LPS."""
        return self.affine_lps[:3, :3] / self.spacing

    @property
    def origin(self) -> np.ndarray:
        return self.affine_lps[:3, 3]

    def moved(self, matrix_lps) -> "Geometry":
        """The same grid after a rigid LPS transform (e.g. a prior registered to the current
        exam): only rotation and translation, so spacing and voxel order are kept."""
        matrix = rigid_matrix(matrix_lps)
        return Geometry(self.dimensions, matrix @ self.affine_lps)

    def same_grid(self, other: "Geometry", atol_mm: float = 1e-3) -> bool:
        return self.dimensions == other.dimensions and np.allclose(
            self.affine_lps, other.affine_lps, atol=atol_mm
        )

    def as_json(self) -> dict:
        return {
            "dimensions": list(self.dimensions),
            "spacing": _floats(self.spacing),
            "origin": _floats(self.origin),
            "direction": _floats(self.direction.T.ravel()),  # column i, then j, then k
        }


def rigid_matrix(matrix) -> np.ndarray:
    """A 4x4 rigid transform (rotation + translation), checked; anything else is refused, since
    moving a grid by a scaling or shear would misstate its spacing."""
    array = np.asarray(matrix, dtype=float)
    if array.shape != (4, 4) or not np.isfinite(array).all():
        raise ValueError(f"matrix: expected a finite 4x4 matrix, got {np.asarray(matrix).tolist()}")
    rotation = array[:3, :3]
    if not (
        np.allclose(array[3], [0, 0, 0, 1], atol=RIGID_TOLERANCE)
        and np.allclose(rotation.T @ rotation, np.eye(3), atol=RIGID_TOLERANCE)
        and np.linalg.det(rotation) > 0
    ):
        raise ValueError(f"matrix: not a rigid transform: {array.round(6).tolist()}")
    return array


def ras_to_lps(points) -> np.ndarray:
    """Points [x, y, z] (one or many) from RAS to LPS millimetres."""
    return np.asarray(points, dtype=float) * RAS_TO_LPS.diagonal()[:3]


def transform_points(matrix, points) -> np.ndarray:
    """Points [x, y, z] (one or many) through a 4x4 homogeneous transform."""
    points = np.asarray(points, dtype=float)
    return points @ np.asarray(matrix)[:3, :3].T + np.asarray(matrix)[:3, 3]


def _floats(values) -> list[float]:
    return [round(float(v), 9) + 0.0 for v in values]  # + 0.0: no "-0.0" in the JSON
