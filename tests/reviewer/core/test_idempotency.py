"""A write sent again with the same Idempotency-Key happens once and gets the same answer: what a
client does after a dropped connection or a 503 while the database restarted
(tests/faults/test_postgres_restarted_during_grading.py)."""

import pytest

from reviewer.cases.permissions import grant_patient
from reviewer.grading.models import Assessment, LesionVerdict
from tests.reviewer.grading.builders import composites, glioma_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def segmentation(db):
    return composites(glioma_patient())[0]


@pytest.fixture
def reader(make_user, client_for, segmentation):
    user = make_user("radiologist")
    grant_patient(segmentation.exam.patient, user)
    return client_for(user)


def assess(client, segmentation, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"/api/segmentations/{segmentation.pk}/assessments/",
        {"acceptable": True, "grade": 4, **body},
        content_type="application/json",
        **headers,
    )


def add_missed_lesion(client, segmentation, key):
    return client.post(
        f"/api/segmentations/{segmentation.pk}/verdicts/",
        {"decision": "added", "centre_mm": [1.0, 2.0, 3.0]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_repeated_assessment_is_stored_once_and_answered_alike(reader, segmentation):
    first = assess(reader, segmentation, "9b2f6c1e-assessment")
    again = assess(reader, segmentation, "9b2f6c1e-assessment")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Assessment.objects.filter(segmentation=segmentation).count() == 1


def test_a_repeated_missed_lesion_is_added_once(reader, segmentation):
    # a missed lesion supersedes nothing: without the key a resend would store a second one
    assert add_missed_lesion(reader, segmentation, "k-1").status_code == 201
    assert add_missed_lesion(reader, segmentation, "k-1").status_code == 201

    assert LesionVerdict.objects.filter(segmentation=segmentation).count() == 1


def test_a_new_key_is_a_new_write(reader, segmentation):
    add_missed_lesion(reader, segmentation, "k-1")
    add_missed_lesion(reader, segmentation, "k-2")

    assert LesionVerdict.objects.filter(segmentation=segmentation).count() == 2


def test_a_refused_write_is_not_kept_its_repeat_runs_again(reader, segmentation):
    assert assess(reader, segmentation, "k-bad", grade=9).status_code == 400

    assert assess(reader, segmentation, "k-bad", grade=4).status_code == 201


def test_a_key_reused_for_another_write_is_refused(reader, segmentation):
    add_missed_lesion(reader, segmentation, "k-1")

    response = assess(reader, segmentation, "k-1")

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_keys_are_per_user(reader, segmentation, make_user, client_for):
    other = make_user("radiologist")
    grant_patient(segmentation.exam.patient, other)
    add_missed_lesion(reader, segmentation, "shared")

    add_missed_lesion(client_for(other), segmentation, "shared")

    assert LesionVerdict.objects.filter(segmentation=segmentation).count() == 2


def test_a_malformed_key_is_refused(reader, segmentation):
    assert assess(reader, segmentation, "a key with spaces").status_code == 400
    assert not Assessment.objects.exists()
