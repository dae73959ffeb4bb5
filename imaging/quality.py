"""MRQy-style quality features of one raw MR volume (spec ease-and-evaluation.md B8, R-B8; Sadri
et al., "MRQy", Medical Physics 47(12), 2020, and its reference code ``QCF.py``).

As MRQy does, each feature is computed on every slice (along ``axis``, axial by default) that
holds foreground, and the volume's value is the mean over the slices where it is finite (None
when it is finite on none). On a slice I with foreground mask M (the head), f = I[M] and
b = I[¬M] are the foreground and background intensities, F = I·M is the foreground image (zero
outside the head), P_f and P_b are the foreground and background patches (below); μ is a mean,
σ a population standard deviation::

    MEAN = μ(f)            RNG = max(f) − min(f)          VAR = σ²(f)
    CV   = 100 · σ(f) / μ(f)                              (percent, as MRQy)
    PSNR = 20 log10( max(F) / √mean((F − med₅(F))²) )     med₅: 5 × 5 median filter of F
    SNR1 = σ(f) / σ(b)     SNR2 = μ(P_f) / σ(b)           SNR3 = μ(P_f) / σ(P_f)
    SNR4 = μ(P_f) / σ(P_b) CNR  = (μ(P_f) − μ(P_b)) / σ(P_b)
    CVP  = σ(P_f) / μ(P_f) CJV  = (σ(f) + σ(b)) / |μ(f) − μ(b)|
    EFC  = −Σ_j (x_j/B) ln(x_j/B) / (√N ln √N),  x = |F|, B = √(Σ_j x_j²), N voxels of the slice

EFC is the entropy focus criterion of Atkinson et al. (1997) normalised by its maximum (all
voxels equal), as MRIQC does: 1 for a uniform slice, 0 for a single bright voxel.

A patch is the 5 × 5 window, wholly inside its region (M for P_f, ¬M for P_b), centred on the
region's brightest voxel among those whose window fits (the first in raster order on ties); a
region too thin for one has no patch and its patch features are undefined on that slice.

Where MRQy's code departs from its own descriptions, the standard reading is implemented (spec
B11): its patch is cut from an image zero-padded by 5 around a half-width of 2, so it misses the
brightest voxel it is meant to centre on; its PSNR compares F with the median of F / max(F);
its EFC adds 1e16 instead of 1e−16 inside the logarithm. MRQy's foreground is a convex hull of
an Otsu threshold; here the caller passes the head mask, or :func:`otsu_foreground` derives one.
TSNEX/Y and UMAPX/Y, the other four of the paper's 17, embed a whole cohort and are no feature of
one volume.
"""

import math

import numpy as np
import SimpleITK as sitk
from scipy import ndimage, special

FEATURES = (
    "MEAN",
    "RNG",
    "VAR",
    "CV",
    "PSNR",
    "SNR1",
    "SNR2",
    "SNR3",
    "SNR4",
    "CNR",
    "CVP",
    "CJV",
    "EFC",
)
PATCH = 5
MEDIAN = 5
OTSU_BINS = 256


def otsu_foreground(volume: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """The head: voxels above the Otsu threshold of the volume (SimpleITK, 256 bins), with the
    holes of each slice filled (ventricles and bone are dark but inside the head)."""
    otsu = sitk.OtsuThresholdImageFilter()
    otsu.SetNumberOfHistogramBins(OTSU_BINS)
    otsu.Execute(sitk.GetImageFromArray(np.asarray(volume, dtype=np.float32)))
    mask = np.asarray(volume) > otsu.GetThreshold()
    in_plane = np.expand_dims(ndimage.generate_binary_structure(2, 1), axis)
    return ndimage.binary_fill_holes(mask, structure=in_plane)


def quality_features(
    volume: np.ndarray, foreground: np.ndarray | None = None, *, axis: int = -1
) -> dict[str, float | None]:
    """The features of :data:`FEATURES` for a 3-D ``volume`` and its head mask ``foreground``
    (:func:`otsu_foreground` when omitted), averaged over slices along ``axis``."""
    volume = np.asarray(volume, dtype=float)
    if volume.ndim != 3:
        raise ValueError(f"the volume must be 3-D, got {volume.ndim}-D")
    mask = otsu_foreground(volume, axis=axis) if foreground is None else np.asarray(foreground) != 0
    if mask.shape != volume.shape:
        raise ValueError(f"mask {mask.shape} and volume {volume.shape} differ in shape")
    images, regions = np.moveaxis(volume, axis, 0), np.moveaxis(mask, axis, 0)
    slices = [
        _slice_features(image, region)
        for image, region in zip(images, regions, strict=True)
        if region.any()
    ]
    values = np.array([[s[name] for name in FEATURES] for s in slices]).reshape(-1, len(FEATURES))
    finite = np.isfinite(values)
    totals = np.where(finite, values, 0.0).sum(axis=0)
    counts = finite.sum(axis=0)
    return {
        name: float(totals[i] / counts[i]) if counts[i] else None for i, name in enumerate(FEATURES)
    }


def _patch(image: np.ndarray, region: np.ndarray) -> np.ndarray | None:
    """The PATCH × PATCH window inside ``region`` centred on its brightest fitting voxel."""
    centres = ndimage.binary_erosion(region, structure=np.ones((PATCH, PATCH)), border_value=0)
    if not centres.any():
        return None
    row, col = np.unravel_index(np.argmax(np.where(centres, image, -np.inf)), image.shape)
    half = PATCH // 2
    return image[row - half : row + half + 1, col - half : col + half + 1]


def _efc(foreground_image: np.ndarray) -> float:
    x = np.abs(foreground_image).ravel()
    energy = math.sqrt(float(np.sum(x**2)))
    if energy == 0 or x.size < 2:
        return math.nan
    root_n = math.sqrt(x.size)
    return float(np.sum(special.entr(x / energy)) / (root_n * math.log(root_n)))


def _psnr(foreground_image: np.ndarray) -> float:
    """Infinite (so left out) when the median filter changes nothing."""
    residual = foreground_image - ndimage.median_filter(foreground_image, size=MEDIAN)
    return 20 * np.log10(foreground_image.max() / np.sqrt(np.mean(residual**2)))


def _slice_features(image: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """The features of one slice; NaN where undefined (no background, no patch, zero SD)."""
    f, b = image[mask], image[~mask]
    foreground_image = np.where(mask, image, 0.0)
    fp, bp = _patch(image, mask), _patch(image, ~mask)
    nan = math.nan
    mu_f, sd_f = f.mean(), f.std()
    mu_b, sd_b = (b.mean(), b.std()) if b.size else (nan, nan)
    mu_fp, sd_fp = (fp.mean(), fp.std()) if fp is not None else (nan, nan)
    mu_bp, sd_bp = (bp.mean(), bp.std()) if bp is not None else (nan, nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "MEAN": mu_f,
            "RNG": np.ptp(f),
            "VAR": sd_f**2,
            "CV": 100 * np.divide(sd_f, mu_f),
            "PSNR": _psnr(foreground_image),
            "SNR1": np.divide(sd_f, sd_b),
            "SNR2": np.divide(mu_fp, sd_b),
            "SNR3": np.divide(mu_fp, sd_fp),
            "SNR4": np.divide(mu_fp, sd_bp),
            "CNR": np.divide(mu_fp - mu_bp, sd_bp),
            "CVP": np.divide(sd_fp, mu_fp),
            "CJV": np.divide(sd_f + sd_b, abs(mu_f - mu_b)),
            "EFC": _efc(foreground_image),
        }
    return {name: float(value) for name, value in values.items()}
