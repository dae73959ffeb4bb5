"""The manifest shows each model family's AI result as one composite map, its single-target
maps as its parts (no lesions of their own), and counts but never lists the components below
the minimum volume; composite lesions change against the same family's composite."""

import numpy as np
import pytest

from reviewer.cases.models import Patient
from segmentation import composites
from segmentation.models import ModelVersion, Segmentation
from tests.reviewer.viewer.viewer_builders import (
    SHAPE,
    model_version,
    stored_exam,
    stored_segmentation,
)

pytestmark = pytest.mark.django_db

VOXEL_ML = 1.5 * 1.5 * 2.0 / 1000
TUMOUR = (slice(2, 8), slice(2, 8), slice(1, 5))  # 144 voxels, 0.648 mL
CORE = (slice(3, 6), slice(3, 6), slice(2, 4))
SPECK = (slice(10, 11), slice(8, 9), slice(6, 7))  # one voxel: below the 0.1 mL minimum


@pytest.fixture
def qa_client(make_user, client_for):
    return client_for(make_user("qa_admin"))


def mask(*boxes) -> np.ndarray:
    labels = np.zeros(SHAPE, np.uint8)
    for box in boxes:
        labels[box] = 1
    return labels


def segment(exam, kind="node", *, wt=(TUMOUR,), tc=(CORE,), et=(CORE,)) -> Segmentation:
    """The family's three target maps on the exam, composed as inference composes them."""
    for target, boxes in (("ET", et), ("TC", tc), ("WT", wt)):
        stored_segmentation(
            exam,
            mask(*boxes),
            source=Segmentation.Source.MODEL,
            model_version=ModelVersion.objects.filter(kind=kind, target=target).first()
            or model_version(kind, target),
            target=target,
        )
    [composite] = composites.compose_exam(exam)
    return composite


def manifest_segmentations(client, patient, exam) -> list[dict]:
    response = client.get(f"/api/cases/{patient.pseudonym}/viewer/")
    assert response.status_code == 200, response.content
    return next(e for e in response.json()["exams"] if e["id"] == exam.pk)["segmentations"]


def test_the_composite_comes_first_naming_its_family_and_parts(qa_client):
    patient = Patient.objects.create(pseudonym="NR-COMPOSITE1")
    exam = stored_exam(patient, 0)
    composite = segment(exam)

    first, *others = manifest_segmentations(qa_client, patient, exam)

    assert (first["id"], first["source"], first["family"], first["kind"]) == (
        composite.pk,
        "composite",
        "node",
        "node",
    )
    assert first["name"] == "Neural ODE (ET, TC, WT composed)"
    assert first["label_scheme"] == "brats2023" and first["part_of"] is None
    assert sorted(first["parts"]) == sorted(p.pk for p in composite.parts.all())
    assert {o["id"] for o in others} == set(first["parts"])


def test_parts_are_marked_and_list_no_lesions_of_their_own(qa_client):
    patient = Patient.objects.create(pseudonym="NR-COMPOSITE2")
    exam = stored_exam(patient, 0)
    composite = segment(exam)

    parts = [s for s in manifest_segmentations(qa_client, patient, exam) if s["source"] == "model"]

    assert sorted(p["target"] for p in parts) == ["ET", "TC", "WT"]
    assert all(p["part_of"] == composite.pk and p["lesions"] == [] for p in parts)
    assert all(p["lesion_count"] == 1 for p in parts)


def test_components_below_the_minimum_are_counted_not_listed(qa_client):
    patient = Patient.objects.create(pseudonym="NR-COMPOSITE3")
    exam = stored_exam(patient, 0)
    segment(exam, wt=(TUMOUR, SPECK))

    composite = manifest_segmentations(qa_client, patient, exam)[0]

    assert composite["minimum_lesion_ml"] == 0.1
    assert (composite["lesion_count"], composite["below_minimum_count"]) == (1, 1)
    [tumour] = composite["lesions"]
    assert tumour["volume_ml"] == pytest.approx(144 * VOXEL_ML)


def test_a_composite_lesion_changes_against_the_same_familys_composite(qa_client):
    patient = Patient.objects.create(pseudonym="NR-COMPOSITE4")
    prior, current = stored_exam(patient, 0), stored_exam(patient, 1)
    grown = (slice(2, 9), slice(2, 8), slice(1, 5))  # 168 voxels
    segment(prior, "node")
    segment(prior, "unet", wt=(grown,))
    segment(current, "node", wt=(grown,))

    node = manifest_segmentations(qa_client, patient, current)[0]

    [lesion] = node["lesions"]
    assert lesion["change"]["prior_volume_ml"] == pytest.approx(144 * VOXEL_ML, abs=1e-4)
    assert lesion["change"]["delta_ml"] == pytest.approx(24 * VOXEL_ML, abs=1e-4)


def test_a_lesion_whose_only_counterpart_was_below_the_minimum_is_new(qa_client):
    patient = Patient.objects.create(pseudonym="NR-COMPOSITE5")
    prior, current = stored_exam(patient, 0), stored_exam(patient, 1)
    grown_speck = (slice(9, 12), slice(6, 10), slice(4, 8))  # 48 voxels around the speck
    segment(prior, wt=(TUMOUR, SPECK))
    segment(current, wt=(TUMOUR, grown_speck))

    lesions = manifest_segmentations(qa_client, patient, current)[0]["lesions"]

    assert [(round(lesion["volume_ml"] / VOXEL_ML), lesion["new"]) for lesion in lesions] == [
        (144, False),
        (48, True),
    ]
