"""A synthetic head: the skull-stripped exam of the cohort wrapped in extra-axial CSF, skull and
scalp, as a clinical scan shows it before brain extraction, with the brain mask known exactly.

The layers follow the brain's outline smoothed (a skull has no gyri) and are typical adult
thicknesses. Their signals follow the usual appearance: cortical bone is dark on every sequence,
diploic marrow and scalp fat are bright on T1 and on fast spin-echo T2 and FLAIR, CSF is bright
on T2 and suppressed on FLAIR. Air holds noise only.
"""

import dataclasses

import numpy as np
from scipy import ndimage

from imaging.sequences import Sequence
from imaging.synthetic.anatomy import Anatomy
from imaging.synthetic.contrasts import FULL_SCALE, MAX_VALUE, SIGNAL, rician

# Outer edge of each layer, in mm from the smoothed brain outline, inside out.
LAYERS_MM = {
    "csf": 2.0,
    "inner_table": 3.5,
    "marrow": 6.0,
    "outer_table": 7.5,
    "muscle": 9.0,
    "fat": 14.0,
    "skin": 15.5,
}
HEAD_SIGNAL: dict[Sequence, dict[str, float]] = {
    sequence: {"csf": SIGNAL[sequence]["csf"], "inner_table": 0.03, "outer_table": 0.03} | signal
    for sequence, signal in {
        Sequence.T1: dict(marrow=0.70, muscle=0.40, fat=0.95, skin=0.45),
        Sequence.T1CE: dict(marrow=0.68, muscle=0.45, fat=0.92, skin=0.50),
        Sequence.T2: dict(marrow=0.55, muscle=0.30, fat=0.75, skin=0.40),
        Sequence.FLAIR: dict(marrow=0.60, muscle=0.30, fat=0.80, skin=0.40),
    }.items()
}
_MARGIN_MM = 24.0  # room around the template's brain for the layers and some air
_OUTLINE_SIGMA_MM = 4.0


@dataclasses.dataclass(frozen=True, eq=False)
class Head:
    images: dict[Sequence, np.ndarray]  # int16, on a grid padded around the anatomy's
    affine: np.ndarray  # voxel index -> RAS mm
    brain: np.ndarray  # bool: the anatomy's brain mask on the padded grid


def add_head(
    anatomy: Anatomy, images: dict[Sequence, np.ndarray], rng: np.random.Generator
) -> Head:
    """The exam's brain (``render_exam``'s volumes, unchanged) with the head around it."""
    spacing = anatomy.spacing
    pad = np.ceil(_MARGIN_MM / spacing).astype(int)
    padding = [(p, p) for p in pad]
    brain = np.pad(anatomy.brain, padding)
    outline = ndimage.gaussian_filter(brain.astype(np.float32), _OUTLINE_SIGMA_MM / spacing) > 0.5
    distance = ndimage.distance_transform_edt(~(outline | brain), sampling=spacing)
    fractions = {}
    inner = 0.0
    for layer, outer in LAYERS_MM.items():
        shell = ~brain & (distance <= outer) & ((distance > inner) | (inner == 0.0))
        # Half a voxel of blur: neighbouring layers share their edge voxels (partial volume).
        fractions[layer] = ndimage.gaussian_filter(shell.astype(np.float32), 0.5, truncate=3.0)
        inner = outer
    head = {}
    for sequence, volume in images.items():
        signal = sum(fractions[layer] * level for layer, level in HEAD_SIGNAL[sequence].items())
        around = np.clip(np.rint(rician(signal, rng) * np.float32(FULL_SCALE)), 0, MAX_VALUE)
        head[sequence] = np.where(brain, np.pad(volume, padding), around).astype(np.int16)
    affine = anatomy.affine.copy()
    affine[:3, 3] -= affine[:3, :3] @ pad
    return Head(images=head, affine=affine, brain=brain)
