"""N4 bias correction: a smooth multiplicative field laid over a synthetic brain is mostly
removed, judged by how much white matter's signal varies (its coefficient of variation)."""

import numpy as np
import pytest

from imaging.preprocessing.bias_correction import correct_bias
from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from tests.imaging.synthetic_heads import healthy_head, on_head_grid

RESOLUTION = 2


def cv(values: np.ndarray) -> float:
    return float(values.std() / values.mean())


@pytest.fixture(scope="module")
def biased():
    """The head's T1 times a field rising by about 30 % across the white matter, from left to
    right and from the bottom up; the white-matter voxels (the template's fraction above 0.9);
    and the correction."""
    head = healthy_head(RESOLUTION)
    white = on_head_grid(head, load_anatomy(RESOLUTION).wm > 0.9, RESOLUTION)
    x, _, z = np.meshgrid(*(np.linspace(-1, 1, n) for n in head.brain.shape), indexing="ij")
    field = np.exp(0.17 * x + 0.17 * z + 0.1 * x * z).astype(np.float32)
    volume = head.images[Sequence.T1] * field
    corrected, record = correct_bias(volume, head.affine, head.brain)
    return volume, white, corrected, record


def test_white_matter_varies_less_after_correction(biased):
    volume, white, corrected, _ = biased

    assert cv(corrected[white]) < 0.5 * cv(volume[white])


def test_the_record_names_the_filter_and_its_shrink_factor(biased):
    *_, record = biased

    assert "N4BiasFieldCorrection" in record["tool"]
    assert record["parameters"]["shrink"] == 4
