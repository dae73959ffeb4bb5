"""A segmentation's lesions through the API: its lesions by default, the components below its
minimum volume on request (counted everywhere, listed only here), for visible patients only."""

import numpy as np
import pytest

from imaging.labels import LabelScheme
from reviewer.cases.models import Patient
from reviewer.cases.permissions import grant_patient
from tests.reviewer.viewer.viewer_builders import SHAPE, stored_exam, stored_segmentation

pytestmark = pytest.mark.django_db

TUMOUR = (slice(2, 8), slice(2, 8), slice(1, 5))  # 144 voxels of 4.5 mm³: 0.648 mL
SPECKS = [(slice(10, 11), slice(8, 9), slice(k, k + 1)) for k in (0, 2, 4, 6)]


@pytest.fixture
def segmentation():
    labels = np.zeros(SHAPE, np.uint8)
    for box in (TUMOUR, *SPECKS):
        labels[box] = 2
    exam = stored_exam(Patient.objects.create(pseudonym="NR-LESIONS"), 0)
    return stored_segmentation(exam, labels, scheme=LabelScheme.BRATS2023)


def lesions_url(segmentation, query: str = "") -> str:
    return f"/api/segmentations/{segmentation.pk}/lesions/{query}"


def test_the_lesions_are_listed_by_default(segmentation, make_user, client_for):
    response = client_for(make_user("qa_admin")).get(lesions_url(segmentation))

    assert response.status_code == 200
    [tumour] = response.json()["results"]
    assert (tumour["index"], tumour["voxel_count"], tumour["below_minimum"]) == (1, 144, False)


def test_the_components_below_the_minimum_are_listed_on_request(
    segmentation, make_user, client_for
):
    response = client_for(make_user("qa_admin")).get(
        lesions_url(segmentation, "?below_minimum=true")
    )

    body = response.json()
    assert response.status_code == 200 and body["count"] == 4
    assert [c["index"] for c in body["results"]] == [2, 3, 4, 5]
    assert all(c["below_minimum"] and c["volume_ml"] < 0.1 for c in body["results"])


def test_the_segmentation_counts_its_components_below_the_minimum(
    segmentation, make_user, client_for
):
    body = client_for(make_user("qa_admin")).get(f"/api/segmentations/{segmentation.pk}/").json()

    assert (body["minimum_lesion_ml"], body["below_minimum_count"]) == (0.1, 4)
    assert [lesion["index"] for lesion in body["lesions"]] == [1]


def test_a_below_minimum_value_that_is_no_boolean_is_a_400_naming_it(
    segmentation, make_user, client_for
):
    response = client_for(make_user("qa_admin")).get(
        lesions_url(segmentation, "?below_minimum=perhaps")
    )

    assert response.status_code == 400 and "below_minimum" in response.json()


def test_a_radiologist_not_granted_the_patient_gets_404(segmentation, make_user, client_for):
    response = client_for(make_user("radiologist")).get(lesions_url(segmentation))

    assert response.status_code == 404


def test_a_granted_radiologist_gets_the_lesions(segmentation, make_user, client_for):
    radiologist = make_user("radiologist")
    grant_patient(segmentation.exam.patient, radiologist)

    response = client_for(radiologist).get(lesions_url(segmentation, "?below_minimum=true"))

    assert response.status_code == 200 and response.json()["count"] == 4


def test_researchers_are_refused(segmentation, make_user, client_for):
    response = client_for(make_user("researcher")).get(lesions_url(segmentation))

    assert response.status_code == 403
