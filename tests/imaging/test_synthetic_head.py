"""The synthetic head: the cohort's brain, unchanged, inside CSF, skull and scalp whose signals
follow MR appearance, with the brain mask known."""

import functools

import numpy as np
import pytest
from scipy import ndimage

from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from imaging.synthetic.contrasts import FULL_SCALE, SIGNAL
from tests.imaging.synthetic_heads import healthy_exam, healthy_head, on_head_grid

RESOLUTION = 2


@functools.cache
def profile_of(sequence: Sequence) -> tuple[np.ndarray, float]:
    """The median signal in 2 mm shells at growing distance from the brain, out to 30 mm; and
    the brain's median."""
    head = healthy_head(RESOLUTION)
    volume = head.images[sequence]
    distance = ndimage.distance_transform_edt(~head.brain, sampling=RESOLUTION)
    shells = [(distance > r - 2) & (distance <= r) for r in range(2, 32, 2)]
    return np.array([np.median(volume[shell]) for shell in shells]), np.median(volume[head.brain])


def test_the_brain_is_the_template_brain_on_a_padded_grid_in_the_same_place():
    anatomy, head = load_anatomy(RESOLUTION), healthy_head(RESOLUTION)

    np.testing.assert_array_equal(head.brain, on_head_grid(head, anatomy.brain, RESOLUTION))
    np.testing.assert_array_equal(
        head.images[Sequence.T1][head.brain], healthy_exam(RESOLUTION)[Sequence.T1][anatomy.brain]
    )


def test_no_air_touches_the_brain():
    head = healthy_head(RESOLUTION)
    around = ndimage.binary_dilation(head.brain, iterations=1) & ~head.brain
    air = np.percentile(head.images[Sequence.T1][~head.brain], 25)  # most of the box is air

    assert (head.images[Sequence.T1][around] > 2 * air).mean() > 0.99


def test_on_t1_the_scalp_fat_is_brighter_than_white_matter():
    shells, _ = profile_of(Sequence.T1)

    assert shells.max() > FULL_SCALE * SIGNAL[Sequence.T1]["wm"]


@pytest.mark.parametrize("sequence", list(Sequence))
def test_a_band_of_bone_darker_than_half_the_brain_lies_between_brain_and_scalp(sequence):
    shells, brain = profile_of(sequence)
    scalp = shells.argmax()

    assert shells[1:scalp].min() < brain / 2


@pytest.mark.parametrize("sequence", list(Sequence))
def test_beyond_the_scalp_is_air_with_noise_only(sequence):
    shells, brain = profile_of(sequence)

    assert shells[-1] < brain / 10
