"""Voxels as the viewer receives them: one of the typed arrays Cornerstone3D renders, little
endian, in NIfTI order (i fastest, then j, then k: Cornerstone's scalarData order), and the
display window a radiologist would start from."""

import nibabel as nib
import numpy as np

VIEWER_DTYPES = ("uint8", "int16", "uint16", "float32")
WINDOW_PERCENTILES = (0.5, 99.5)


def viewer_array(image: nib.Nifti1Image) -> np.ndarray:
    """The image's values in the narrowest viewer dtype that holds them exactly (float32 when
    none does, e.g. scaled or float data)."""
    data = np.asanyarray(image.dataobj)
    if data.dtype.name in VIEWER_DTYPES:
        return data
    if np.issubdtype(data.dtype, np.integer) or _integral(data):
        low, high = (int(data.min()), int(data.max())) if data.size else (0, 0)
        for name in ("uint8", "int16", "uint16"):
            info = np.iinfo(name)
            if info.min <= low and high <= info.max:
                return data.astype(name)
    return data.astype(np.float32)


def voxel_bytes(array: np.ndarray) -> bytes:
    return np.asarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="F")


def brain_window(array: np.ndarray) -> dict[str, float]:
    """Window centre and width spanning the 0.5th to 99.5th percentile of the brain's voxels.
    Stored series are skull-stripped with a zero background, so the brain is what is non-zero;
    a blank volume falls back to all voxels."""
    values = array[array != 0]
    if values.size == 0:
        values = array.ravel()
    low, high = _percentiles(values, WINDOW_PERCENTILES)
    width = max(high - low, 1e-3 if np.issubdtype(array.dtype, np.floating) else 1.0)
    return {"center": round((low + high) / 2, 3), "width": round(width, 3)}


def _percentiles(values: np.ndarray, percentiles) -> tuple[float, ...]:
    """np.percentile's linear interpolation between order statistics; for integers the order
    statistics are read off a histogram, which is exact and several times faster than sorting."""
    if not np.issubdtype(values.dtype, np.integer):
        return tuple(float(v) for v in np.percentile(values, percentiles))
    low = int(values.min())
    cumulative = np.cumsum(np.bincount((values.astype(np.int64) - low).ravel()))
    result = []
    for percentile in percentiles:
        rank = percentile / 100 * (values.size - 1)
        below, fraction = int(np.floor(rank)), rank - np.floor(rank)
        ranks = [below + 1, min(below + 2, values.size)]  # 1-based ranks of the two neighbours
        here, above = np.searchsorted(cumulative, ranks) + low
        result.append(float(here + fraction * (above - here)))
    return tuple(result)


def _integral(data: np.ndarray) -> bool:
    return bool(np.isfinite(data).all() and np.array_equal(data, np.round(data)))
