"""Label volumes of a segmentation are summed from its components' composition in the database;
its lesions alone when asked, leaving the components below the minimum volume out."""

import pytest

from segmentation.volumes import label_volumes
from tests.reviewer.factories import ExamFactory
from tests.reviewer.worklist.builders import segmentation

pytestmark = pytest.mark.django_db

TUMOUR = {"enhancing": 300, "necrosis": 200, "oedema": 1500}
SPECK = {"oedema": 2}


@pytest.fixture
def map_with_specks():
    return segmentation(
        ExamFactory(), TUMOUR, {"enhancing": 40}, below=[SPECK, SPECK], source="reference"
    )


def test_each_label_s_volume_sums_every_component_s_share_of_it(map_with_specks):
    volumes = label_volumes([map_with_specks])[map_with_specks.pk]

    assert volumes == pytest.approx({3: 0.34, 1: 0.2, 2: 1.504})


def test_listed_only_leaves_the_components_below_the_minimum_out(map_with_specks):
    volumes = label_volumes([map_with_specks], listed_only=True)[map_with_specks.pk]

    assert volumes == pytest.approx({3: 0.34, 1: 0.2, 2: 1.5})


def test_a_segmentation_without_components_has_no_volume():
    empty = segmentation(ExamFactory(), source="reference")

    assert label_volumes([empty]) == {empty.pk: {}}


def test_any_number_of_segmentations_take_one_query(django_assert_num_queries):
    maps = [
        segmentation(ExamFactory(), TUMOUR, below=[SPECK], source="reference") for _ in range(3)
    ]

    with django_assert_num_queries(1):
        volumes = label_volumes(maps)

    assert [volumes[m.pk][2] for m in maps] == pytest.approx([1.502] * 3)
