"""Voxel endpoints: the exact stored voxels, gzip-encoded, under immutable content-hash URLs,
and never to someone who may not see them."""

import gzip

import numpy as np
import pytest

from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from reviewer.core.storage import read_nifti
from tests.reviewer.viewer.viewer_builders import lesion_map, stored_exam, stored_segmentation

pytestmark = pytest.mark.django_db

LESION = (slice(3, 6), slice(3, 6), slice(2, 4))


@pytest.fixture
def exam():
    return stored_exam(Patient.objects.create(pseudonym="NR-VOXELS1"), 0)


@pytest.fixture
def qa_client(make_user, client_for):
    return client_for(make_user("qa_admin"))


def series_url(series) -> str:
    return f"/api/series/{series.pk}/voxels/{series.sha256}"


def decoded(response, dtype, shape) -> np.ndarray:
    body = gzip.decompress(response.content)
    return np.frombuffer(body, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape, order="F")


def test_series_voxels_decode_to_the_stored_nifti_voxels(qa_client, exam):
    series = exam.series.get(sequence="T1CE")

    response = qa_client.get(series_url(series))

    stored = np.asanyarray(read_nifti(series.file.name).dataobj)
    np.testing.assert_array_equal(decoded(response, "int16", stored.shape), stored)


def test_segmentation_voxels_decode_to_the_stored_label_map(qa_client, exam):
    segmentation = stored_segmentation(exam, lesion_map(LESION))

    response = qa_client.get(f"/api/segmentations/{segmentation.pk}/voxels/{segmentation.sha256}")

    stored = np.asanyarray(read_nifti(segmentation.file.name).dataobj)
    np.testing.assert_array_equal(decoded(response, "uint8", stored.shape), stored)


def test_voxels_are_gzip_encoded_and_immutable_under_their_hash(qa_client, exam):
    series = exam.series.get(sequence="FLAIR")

    response = qa_client.get(series_url(series))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Encoding"] == "gzip"
    assert response["ETag"] == f'"{series.sha256}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"


def test_a_revalidation_with_the_etag_is_answered_304_without_a_body(qa_client, exam):
    series = exam.series.get(sequence="FLAIR")

    response = qa_client.get(series_url(series), HTTP_IF_NONE_MATCH=f'"{series.sha256}"')

    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == f'"{series.sha256}"'


def test_a_sha_that_is_not_the_current_content_is_404(qa_client, exam):
    series = exam.series.get(sequence="FLAIR")
    stale = "0" * 64

    response = qa_client.get(f"/api/series/{series.pk}/voxels/{stale}")

    assert response.status_code == 404 and stale in response.json()["detail"]


def test_voxels_are_compressed_once_then_served_from_the_cache(qa_client, exam, settings):
    series = exam.series.get(sequence="FLAIR")
    first = qa_client.get(series_url(series)).content
    cached = list((settings.VAR_DIR / "viewer-voxels").rglob(f"{series.sha256}.gz"))

    second = qa_client.get(series_url(series)).content

    assert len(cached) == 1 and cached[0].read_bytes() == first == second


@pytest.mark.parametrize(
    ("role", "granted", "status"),
    [("researcher", True, 403), ("radiologist", False, 404)],
    ids=["wrong role", "patient not visible"],
)
def test_users_without_access_never_get_the_pixels(
    make_user, client_for, exam, role, granted, status
):
    user = make_user(role)
    if granted:
        grant_patient(exam.patient, user)
    series = exam.series.get(sequence="FLAIR")

    response = client_for(user).get(series_url(series))

    assert response.status_code == status
    assert response["Content-Type"] == "application/json" and "detail" in response.json()


def test_anonymous_requests_are_refused(client, exam):
    response = client.get(series_url(exam.series.get(sequence="FLAIR")))

    assert response.status_code == 403


def test_a_granted_radiologist_gets_the_pixels(make_user, client_for, exam):
    radiologist = make_user("radiologist")
    grant_patient(exam.patient, radiologist)

    response = client_for(radiologist).get(series_url(exam.series.get(sequence="FLAIR")))

    assert response.status_code == 200


def test_a_client_accepting_only_octet_streams_gets_voxels_and_plain_json_errors(qa_client, exam):
    series = exam.series.get(sequence="FLAIR")
    accept = {"HTTP_ACCEPT": "application/octet-stream"}

    found = qa_client.get(series_url(series), **accept)
    stale = qa_client.get(f"/api/series/{series.pk}/voxels/{'0' * 64}", **accept)

    assert found.status_code == 200
    assert stale.status_code == 404 and "detail" in stale.json()
