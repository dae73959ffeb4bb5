"""The steward's page of export releases: lists every decision and records a release or a
revocation per patient or dataset version; a form naming no subject or an unknown patient is
refused naming it; other roles get 403 and anonymous users the login page."""

import pytest

from reviewer.cases.permissions import grant_patient
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version
from reviewer.exports.models import ExportRelease
from reviewer.exports.scope import exportable_patients

URL = "/exports/releases/"


@pytest.fixture
def steward(make_user):
    return make_user("admin", username="steward")


@pytest.fixture
def researcher(make_user, reviewed):
    user = make_user("researcher", username="researcher-p")
    grant_patient(reviewed.patient, user)
    return user


def test_the_steward_releases_a_patient_to_a_researcher(client_for, steward, researcher):
    client = client_for(steward)
    answer = client.post(
        URL, {"action": "release", "patient": "NR-EXPORT01", "researcher": researcher.pk}
    )
    assert answer.status_code == 302
    assert list(exportable_patients(researcher).values_list("pseudonym", flat=True)) == [
        "NR-EXPORT01"
    ]
    page = client.get(URL).content.decode()
    assert "NR-EXPORT01" in page and "researcher-p" in page


def test_the_steward_revokes_as_a_new_decision(client_for, steward, researcher):
    client = client_for(steward)
    client.post(URL, {"action": "release", "patient": "NR-EXPORT01"})
    client.post(URL, {"action": "revoke", "patient": "NR-EXPORT01", "note": "consent withdrawn"})
    assert list(ExportRelease.objects.values_list("action", flat=True)) == ["revoke", "release"]
    assert not exportable_patients(researcher).exists()
    assert "consent withdrawn" in client.get(URL).content.decode()


def test_the_steward_releases_a_dataset_version_to_all_researchers(
    client_for, steward, researcher, reviewed
):
    dataset = ReferenceDataset.objects.create(name="Released set", created_by=steward)
    version = create_version(dataset, reviewed.patient.exams.all(), user=steward)
    client_for(steward).post(URL, {"action": "release", "dataset_version": version.pk})
    assert exportable_patients(researcher).get() == reviewed.patient


def test_an_unknown_patient_is_refused_naming_it(client_for, steward):
    answer = client_for(steward).post(URL, {"action": "release", "patient": "NR-NOSUCH"})
    assert answer.status_code == 200
    assert "no patient NR-NOSUCH" in answer.content.decode()
    assert not ExportRelease.objects.exists()


def test_a_decision_without_a_subject_is_refused(client_for, steward):
    answer = client_for(steward).post(URL, {"action": "release"})
    assert "Choose a patient or a dataset version" in answer.content.decode()


@pytest.mark.parametrize("role", ["researcher", "radiologist", "qa_admin"])
def test_other_roles_get_403(client_for, make_user, role, reviewed):
    client = client_for(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "release", "patient": "NR-EXPORT01"}).status_code == 403
    assert not ExportRelease.objects.exists()


def test_an_anonymous_visitor_goes_to_the_login_page(client, db):
    answer = client.get(URL)
    assert answer.status_code == 302 and "/login/" in answer.url
