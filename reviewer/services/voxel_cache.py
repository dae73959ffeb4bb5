"""What the viewer needs of a stored volume (a series or a segmentation), computed once per
content hash: its viewer dtype, grid and display window (in the Django cache, so building a
manifest opens no file twice), and its voxels gzip-compressed on disk (so every request after
the first is a plain file read). Content-hash keys never go stale: new content is a new key."""

import gzip
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from reviewer.imaging.voxels import brain_window, viewer_array, voxel_bytes
from reviewer.models import Segmentation, Series
from reviewer.services.storage import read_nifti

GZIP_LEVEL = 6
SUMMARY_VERSION = 1  # bump when the summary's content changes


def volume_summary(volume: Series | Segmentation) -> dict:
    """{"dtype", "shape", "affine"} and, for a series, "window" (0.5/99.5 brain percentiles)."""
    key = f"viewer-volume:v{SUMMARY_VERSION}:{volume.sha256}"
    summary = cache.get(key)
    if summary is None:
        image = read_nifti(volume.file.name)
        array = viewer_array(image)
        summary = {
            "dtype": array.dtype.name,
            "shape": [int(n) for n in array.shape[:3]],
            "affine": image.affine.tolist(),
        }
        if isinstance(volume, Series):
            summary["window"] = brain_window(array)
        cache.set(key, summary, timeout=None)
    return summary


def voxel_file(volume: Series | Segmentation) -> Path:
    """The gzip file of the volume's raw viewer voxels, written on first use."""
    path = Path(settings.VAR_DIR) / "viewer-voxels" / volume.sha256[:2] / f"{volume.sha256}.gz"
    if not path.exists():
        data = voxel_bytes(viewer_array(read_nifti(volume.file.name)))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a concurrent request never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
        os.replace(temporary, path)
    return path
