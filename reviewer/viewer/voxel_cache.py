"""What the viewer needs of a stored volume (a series, acquired or not, a segmentation or a
brain mask), computed once per content hash when the volume arrives
(reviewer.viewer.preparation): its viewer dtype, grid and display window (in the Django cache,
so that a manifest opens no file), and its voxels gzip-compressed on disk (so that a voxel
request is a plain file read). Content-hash keys never go stale: new content is a new key."""

import gzip
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from imaging.voxels import brain_window, viewer_array, voxel_bytes
from reviewer.cases.models import AcquiredSeries, Series
from reviewer.core.storage import read_nifti
from segmentation.models import Segmentation

GZIP_LEVEL = 3  # level 6 is ~4x slower for ~3% fewer bytes on MR volumes
SUMMARY_VERSION = 1  # bump when the summary's content changes


def prepare_volume(volume: Series | Segmentation) -> None:
    """Write the volume's voxel file and cache its summary, each unless it is there already;
    the stored file is opened at most once."""
    path, key = voxel_cache_path(volume), _summary_key(volume)
    has_file, has_summary = path.exists(), cache.get(key) is not None
    if has_file and has_summary:
        return
    image = read_nifti(volume.file.name)
    array = viewer_array(image)
    if not has_file:
        _write_voxel_file(path, array)
    if not has_summary:
        cache.set(key, _summary(volume, image, array), timeout=None)


def volume_summary(volume: Series | Segmentation) -> dict:
    """{"dtype", "shape", "affine"} and, for a series, "window" (0.5/99.5 brain percentiles),
    as preparation cached them. A volume that preparation has not reached is summarised from its
    file and the summary is not kept: a manifest request writes nothing."""
    summary = cache.get(_summary_key(volume))
    if summary is None:
        image = read_nifti(volume.file.name)
        summary = _summary(volume, image, viewer_array(image))
    return summary


def voxel_file(volume: Series | Segmentation) -> Path:
    """The gzip file of the volume's raw viewer voxels, as preparation wrote it. A volume that
    preparation has not reached (an emptied var dir) has it written on first use: being named by
    content, it is the very file preparation would write, and no row or task comes of it."""
    path = voxel_cache_path(volume)
    if not path.exists():
        _write_voxel_file(path, viewer_array(read_nifti(volume.file.name)))
    return path


def voxel_cache_path(volume: Series | Segmentation) -> Path:
    return Path(settings.VAR_DIR) / "viewer-voxels" / volume.sha256[:2] / f"{volume.sha256}.gz"


def _summary_key(volume: Series | Segmentation) -> str:
    return f"viewer-volume:v{SUMMARY_VERSION}:{volume.sha256}"


def _write_voxel_file(path: Path, array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside, then renamed: a concurrent request never reads half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(gzip.compress(voxel_bytes(array), compresslevel=GZIP_LEVEL, mtime=0))
    os.replace(temporary, path)


def _summary(volume: Series | Segmentation, image, array) -> dict:
    summary = {
        "dtype": array.dtype.name,
        "shape": [int(n) for n in array.shape[:3]],
        "affine": image.affine.tolist(),
    }
    if isinstance(volume, Series | AcquiredSeries):
        summary["window"] = brain_window(array)
    return summary
