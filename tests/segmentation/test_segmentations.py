"""Storing a label map: every component becomes a row, in a few queries however many there are,
those below the scheme's minimum volume marked as such."""

import numpy as np
import pytest

from imaging.labels import LabelScheme
from reviewer.cases.models import Patient
from segmentation.models import Lesion
from tests.reviewer.viewer.viewer_builders import stored_exam, stored_segmentation

pytestmark = pytest.mark.django_db

SHAPE = (50, 50, 32)  # 4.5 mm³ voxels (viewer_builders.AFFINE)


def test_a_map_of_ten_thousand_specks_is_stored_in_a_few_queries(
    django_assert_max_num_queries,
):
    exam = stored_exam(Patient.objects.create(pseudonym="NR-SPECKS"), 0, shape=SHAPE)
    labels = np.zeros(SHAPE, np.uint8)
    labels[::2, ::2, ::2] = 2  # 25 × 25 × 16 one-voxel specks of oedema, none touching another
    labels[0:3, 0:3, 0:3] = 2  # 8 of them joined into 27 voxels, 0.12 mL: a lesion

    with django_assert_max_num_queries(20):
        segmentation = stored_segmentation(exam, labels, scheme=LabelScheme.BRATS2023)

    lesions = Lesion.objects.filter(segmentation=segmentation)
    assert lesions.count() == 25 * 25 * 16 - 8 + 1
    assert list(lesions.filter(below_minimum=False).values_list("index", flat=True)) == [1]
    assert segmentation.minimum_lesion_ml == 0.1
