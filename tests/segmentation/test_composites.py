"""Composite segmentations: each model family's ET, TC and WT maps of an exam composed into one
BraTS label map, stored with its parts and lesions (components below the minimum volume counted,
not lesions), before the exam is announced as segmented."""

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from imaging.labels import LabelScheme
from reviewer.cases.models import Patient
from reviewer.core.storage import read_nifti
from segmentation import composites, inference, signals
from segmentation.models import InferenceJob, Segmentation
from tests.reviewer.viewer.viewer_builders import (
    SHAPE,
    model_version,
    stored_exam,
    stored_segmentation,
)
from tests.segmentation.model_builders import go_live, unet_version

pytestmark = pytest.mark.django_db

# 4.5 mm³ voxels (viewer_builders.AFFINE)
CORE = (slice(3, 7), slice(3, 7), slice(2, 5))  # 48 voxels, 0.216 mL
ENHANCING = (slice(4, 6), slice(4, 6), slice(2, 5))  # 12 voxels inside the core
OEDEMA = (slice(2, 9), slice(2, 8), slice(1, 6))  # around the core
SPECK = (slice(10, 11), slice(8, 9), slice(6, 7))  # one voxel far away, 0.0045 mL


@pytest.fixture
def exam():
    return stored_exam(Patient.objects.create(pseudonym="NR-COMPOSE"), 0)


def box(*boxes) -> np.ndarray:
    mask = np.zeros(SHAPE, np.uint8)
    for b in boxes:
        mask[b] = 1
    return mask


def store_family(exam, kind="node", *, et=(ENHANCING,), tc=(CORE,), wt=(OEDEMA,), version="1"):
    parts = {}
    for target, boxes in (("ET", et), ("TC", tc), ("WT", wt)):
        parts[target] = stored_segmentation(
            exam,
            box(*boxes),
            source=Segmentation.Source.MODEL,
            model_version=model_version(kind, target, version=version),
            target=target,
        )
    return parts


def composed_labels(segmentation) -> np.ndarray:
    return np.asanyarray(read_nifti(segmentation.file.name).dataobj)


def test_a_family_with_its_three_targets_gets_one_composite_made_of_them(exam):
    parts = store_family(exam, "node")

    [composite] = composites.compose_exam(exam)

    assert (composite.source, composite.family, composite.model_version) == (
        "composite",
        "node",
        None,
    )
    assert set(composite.parts.all()) == set(parts.values())
    assert composite.label_scheme == "brats2023"
    expected = np.zeros(SHAPE, np.uint8)
    expected[OEDEMA], expected[CORE], expected[ENHANCING] = 2, 1, 3
    np.testing.assert_array_equal(composed_labels(composite), expected)


def test_each_family_gets_its_own_composite(exam):
    store_family(exam, "node")
    store_family(exam, "unet")

    composites.compose_exam(exam)

    assert sorted(
        exam.segmentations.filter(source="composite").values_list("family", flat=True)
    ) == [
        "node",
        "unet",
    ]


def test_a_family_missing_a_target_is_not_composed(exam):
    for target in ("ET", "WT"):
        stored_segmentation(
            exam,
            box(OEDEMA),
            source=Segmentation.Source.MODEL,
            model_version=model_version("unet", target),
            target=target,
        )

    assert composites.compose_exam(exam) == []
    assert not exam.segmentations.filter(source="composite").exists()


def test_enhancing_tumour_outside_the_core_is_kept_as_enhancing(exam):
    outside = (slice(8, 9), slice(2, 4), slice(1, 3))  # inside the oedema, not in the core
    store_family(exam, et=(ENHANCING, outside))

    [composite] = composites.compose_exam(exam)

    assert (composed_labels(composite)[outside] == 3).all()


def test_the_composite_takes_the_brats2020_scheme_of_the_exams_reference(exam):
    reference = np.zeros(SHAPE, np.uint8)
    reference[CORE] = 4
    stored_segmentation(exam, reference, scheme=LabelScheme.BRATS2020)
    store_family(exam)

    [composite] = composites.compose_exam(exam)

    assert composite.label_scheme == "brats2020"
    assert set(np.unique(composed_labels(composite))) == {0, 1, 2, 4}


def test_composing_again_stores_nothing_new(exam):
    store_family(exam)
    [first] = composites.compose_exam(exam)

    assert composites.compose_exam(exam) == []
    assert list(exam.segmentations.filter(source="composite")) == [first]


def test_the_live_version_of_a_target_is_the_part_not_a_retired_one(exam):
    old = store_family(exam, version="1")
    new_et = stored_segmentation(
        exam,
        box(CORE),
        source=Segmentation.Source.MODEL,
        model_version=model_version("node", "ET", version="2"),
        target="ET",
    )
    go_live(new_et.model_version)

    [composite] = composites.compose_exam(exam)

    assert set(composite.parts.all()) == {new_et, old["TC"], old["WT"]}


def newly_live_et(exam):
    """Exam segmented again by a newly live ET version (its priors re-run, EASE R-A9.5)."""
    again = stored_segmentation(
        exam,
        box(CORE),
        source=Segmentation.Source.MODEL,
        model_version=model_version("node", "ET", version="2"),
        target="ET",
    )
    go_live(again.model_version)
    return again


def test_new_parts_from_a_newly_live_version_replace_the_current_composite(exam):
    old = store_family(exam, version="1")
    [first] = composites.compose_exam(exam)
    again = newly_live_et(exam)

    [second] = composites.compose_exam(exam)

    assert second.replaces == first
    assert set(second.parts.all()) == {again, old["TC"], old["WT"]}
    assert list(Segmentation.objects.current().filter(source="composite")) == [second]


def test_a_replaced_composite_and_the_parts_only_it_had_are_no_longer_current(exam):
    old = store_family(exam, version="1")
    [first] = composites.compose_exam(exam)
    again = newly_live_et(exam)
    [second] = composites.compose_exam(exam)

    current = set(exam.segmentations.current())

    assert current == {second, again, old["TC"], old["WT"]}
    assert set(exam.segmentations.all()) - current == {first, old["ET"]}


def test_a_family_has_one_first_composite_per_exam_in_the_database(exam):
    store_family(exam)
    [first] = composites.compose_exam(exam)

    with pytest.raises(IntegrityError), transaction.atomic():
        Segmentation.objects.create(
            exam=exam, source="composite", family="node", label_scheme="brats2023", file="x"
        )


def test_a_composite_is_replaced_at_most_once_in_the_database(exam):
    store_family(exam)
    [first] = composites.compose_exam(exam)
    fields = dict(exam=exam, source="composite", family="node", label_scheme="brats2023")
    Segmentation.objects.create(**fields, replaces=first, file="a")

    with pytest.raises(IntegrityError), transaction.atomic():
        Segmentation.objects.create(**fields, replaces=first, file="b")


def test_only_a_composite_replaces_another_in_the_database(exam):
    parts = store_family(exam)
    [first] = composites.compose_exam(exam)

    with pytest.raises(IntegrityError), transaction.atomic():
        Segmentation.objects.filter(pk=parts["ET"].pk).update(replaces=first)


def test_the_lesions_of_a_composite_are_the_components_of_the_composed_map(exam):
    store_family(exam)

    [composite] = composites.compose_exam(exam)

    [tumour] = composite.lesions.all()
    assert tumour.voxel_count == 7 * 6 * 5
    assert tumour.label_voxels == {"1": 48 - 12, "2": 7 * 6 * 5 - 48, "3": 12}
    assert tumour.label_name == "oedema"


def test_a_component_below_the_minimum_volume_is_not_a_lesion_but_is_counted(exam):
    store_family(exam, wt=(OEDEMA, SPECK))

    [composite] = composites.compose_exam(exam)

    assert composite.minimum_lesion_ml == 0.1
    tumour, speck = composite.lesions.order_by("index")
    assert (tumour.below_minimum, speck.below_minimum) == (False, True)
    assert speck.volume_ml == pytest.approx(0.0045)


def test_the_minimum_volume_is_the_setting_of_the_label_scheme(exam, settings):
    settings.NEUROREVIEW_MINIMUM_LESION_ML = {"brats2023": 0.001}
    store_family(exam, wt=(OEDEMA, SPECK))

    [composite] = composites.compose_exam(exam)

    assert composite.minimum_lesion_ml == 0.001
    assert not composite.lesions.filter(below_minimum=True).exists()


def test_a_scheme_without_a_minimum_lists_every_component(exam, settings):
    settings.NEUROREVIEW_MINIMUM_LESION_ML = {}
    store_family(exam, wt=(OEDEMA, SPECK))

    [composite] = composites.compose_exam(exam)

    assert composite.minimum_lesion_ml is None
    assert composite.lesions.filter(below_minimum=False).count() == 2


def test_inference_stores_the_composite_before_it_announces_the_exam(tmp_path, make_user):
    from reviewer.imports.services import import_brats
    from tests.reviewer.imports import brats_builders as build

    build.write_exam_folder(tmp_path / "in", "BraTS-GLI-00002-000", layout="2023", enhancing=3)
    [patient] = import_brats(tmp_path / "in")
    for seed, target in enumerate(("ET", "TC", "WT")):
        unet_version(tmp_path / "models", target=target, seed=seed)
    heard = []

    def count_composites(sender, *, exam, **kwargs):
        heard.append(exam.segmentations.filter(source="composite", family="unet").count())

    signals.exam_segmented.connect(count_composites)
    try:
        job = InferenceJob.objects.create(patient=patient, created_by=make_user("qa_admin"))
        inference.run(job)
    finally:
        signals.exam_segmented.disconnect(count_composites)

    assert heard == [1]
    composite = Segmentation.objects.get(source="composite")
    assert sorted(composite.parts.values_list("target", flat=True)) == ["ET", "TC", "WT"]
