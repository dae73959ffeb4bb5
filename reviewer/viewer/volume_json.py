"""A stored volume as the manifest lists it: id, content URL, viewer dtype and LPS geometry."""

from imaging.geometry import Geometry
from reviewer.viewer.voxel_cache import volume_summary


def volume_json(kind: str, volume, matrix_lps) -> dict:
    """A stored volume's id, content URL, viewer dtype and LPS geometry, moved by the matrix."""
    summary = volume_summary(volume)
    geometry = Geometry.from_ras(summary["affine"], summary["shape"])
    if matrix_lps is not None:
        geometry = geometry.moved(matrix_lps)
    return {
        "id": volume.pk,
        "url": f"/api/{kind}/{volume.pk}/voxels/{volume.sha256}",
        "dtype": summary["dtype"],
        **geometry.as_json(),
    }
