"""MR physics of the four synthetic contrasts: each tissue has a relative signal per sequence;
a voxel mixes the signals of its tissues (partial volume), a smooth receive-coil bias field
multiplies the whole exam, and magnitude reconstruction makes the noise Rician.

The signals follow the usual appearance: enhancing tumour is bright only after gadolinium (T1CE);
oedema and MS lesions are bright on FLAIR and T2; necrosis is dark on T1CE; CSF is bright on T2
and suppressed on FLAIR; MS lesions are iso- to hypointense on T1 and do not enhance.
"""

import numpy as np
from scipy import ndimage

from imaging.sequences import Sequence
from imaging.synthetic.anatomy import Anatomy

# Relative signal of the healthy tissues and of the regions that imaging.labels.LABELS
# names ("lesion" is the MS-like white-matter lesion).
SIGNAL: dict[Sequence, dict[str, float]] = {
    Sequence.T1: dict(
        wm=0.85, gm=0.60, csf=0.15, necrosis=0.25, oedema=0.45, enhancing=0.55, lesion=0.62
    ),
    Sequence.T1CE: dict(
        wm=0.70, gm=0.50, csf=0.12, necrosis=0.20, oedema=0.38, enhancing=1.00, lesion=0.52
    ),
    Sequence.T2: dict(
        wm=0.35, gm=0.55, csf=1.00, necrosis=0.95, oedema=0.85, enhancing=0.70, lesion=0.80
    ),
    Sequence.FLAIR: dict(
        wm=0.45, gm=0.60, csf=0.05, necrosis=0.30, oedema=1.00, enhancing=0.80, lesion=0.95
    ),
}
FULL_SCALE = 3000.0  # stored value of relative signal 1.0; bias, gain and noise stay below 4095
MAX_VALUE = 4095
_NOISE_SIGMA = 0.025  # relative to signal 1.0: an SNR of about 20 in white matter
_BIAS_STRENGTH = 0.06  # per polynomial coefficient: about +/-15 % across the brain
_GAIN_RANGE = (0.95, 1.05)  # receiver gain differs per series
_PARTIAL_VOLUME_SIGMA = 0.5  # voxels: label edges blend into the surrounding tissue


def render_exam(
    anatomy: Anatomy, labels: np.ndarray, tissue_of_label: dict[int, str], rng: np.random.Generator
) -> dict[Sequence, np.ndarray]:
    """The four sequences of one exam as int16 volumes (0..4095), background 0 (skull-stripped)."""
    lesions = {
        tissue_of_label[value]: _partial_volume(labels == value)
        for value in np.unique(labels)
        if value
    }
    replaced = sum(lesions.values(), np.zeros(anatomy.shape, np.float32))
    healthy_weight = 1.0 - np.minimum(replaced, 1.0)
    brain_fraction = anatomy.wm + anatomy.gm + anatomy.csf
    bias = bias_field(anatomy, rng)
    images = {}
    for sequence in Sequence:
        signal = SIGNAL[sequence]
        mixed = (
            anatomy.wm * signal["wm"] + anatomy.gm * signal["gm"] + anatomy.csf * signal["csf"]
        ) * healthy_weight
        for tissue, fraction in lesions.items():
            mixed += fraction * brain_fraction * signal[tissue]
        mixed *= bias * np.float32(rng.uniform(*_GAIN_RANGE))
        images[sequence] = _quantise(rician(mixed, rng), anatomy.brain)
    return images


def bias_field(anatomy: Anatomy, rng: np.random.Generator) -> np.ndarray:
    """A smooth multiplicative field: exp of a random quadratic in RAS coordinates (dm).

    Separable along the voxel axes because the template grid is aligned with RAS.
    """
    axes = [
        (anatomy.affine[a, a] * np.arange(n) + anatomy.affine[a, 3]).astype(np.float32) / 100.0
        for a, n in enumerate(anatomy.shape)
    ]
    x, y, z = np.ix_(*axes)
    terms = (x, y, z, x * x, y * y, z * z, x * y, x * z, y * z)
    coefficients = rng.normal(0.0, _BIAS_STRENGTH, len(terms)).astype(np.float32)
    exponent = np.zeros(anatomy.shape, np.float32)
    for coefficient, term in zip(coefficients, terms, strict=True):
        exponent += coefficient * term
    return np.exp(exponent - np.float32(exponent[anatomy.brain].mean()))


def _partial_volume(mask: np.ndarray) -> np.ndarray:
    return ndimage.gaussian_filter(mask.astype(np.float32), _PARTIAL_VOLUME_SIGMA, truncate=3.0)


def rician(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Magnitude of the signal plus complex Gaussian noise."""
    real = signal + _NOISE_SIGMA * rng.standard_normal(signal.shape, dtype=np.float32)
    imaginary = _NOISE_SIGMA * rng.standard_normal(signal.shape, dtype=np.float32)
    return np.sqrt(real * real + imaginary * imaginary)


def _quantise(signal: np.ndarray, brain: np.ndarray) -> np.ndarray:
    scaled = np.rint(np.clip(signal * np.float32(FULL_SCALE), 0, MAX_VALUE))
    return np.where(brain, scaled, 0).astype(np.int16)
