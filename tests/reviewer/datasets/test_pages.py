"""The reference datasets page: datasets with their sealed versions and what changed, a new
dataset, a new version from exams with a reference label; QA admins only."""

import pytest

from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(make_user):
    return make_user("qa_admin")


def test_a_qa_admin_makes_a_dataset_and_seals_a_version_from_the_page(client_for, qa, exams):
    client = client_for(qa)
    client.post("/datasets/new/", {"name": "LGG reference"})
    dataset = ReferenceDataset.objects.get(name="LGG reference")

    response = client.post(
        f"/datasets/{dataset.pk}/versions/",
        {"exams": [e.pk for e in exams[:2]], "note": "first two"},
        follow=True,
    )

    [version] = dataset.versions.all()
    assert version.cases.count() == 2
    assert f"sealed: 2 cases, sha256 {version.sha256}" in response.content.decode()


def test_the_page_says_what_each_version_changed(client_for, qa, exams):
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa)
    create_version(dataset, exams[:2], user=qa)
    create_version(dataset, exams[1:], user=qa)

    page = client_for(qa).get("/datasets/").content.decode()

    assert "added NR-DATASET/2. removed NR-DATASET/0." in page
    assert "first version" in page


def test_a_version_that_changes_nothing_comes_back_as_a_message(client_for, qa, exams):
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa)
    create_version(dataset, exams[:2], user=qa)

    response = client_for(qa).post(
        f"/datasets/{dataset.pk}/versions/", {"exams": [e.pk for e in exams[:2]]}, follow=True
    )

    assert "No new version: no change" in response.content.decode()
    assert dataset.versions.count() == 1


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
def test_other_roles_get_403(client_for, make_user, role):
    client = client_for(make_user(role))

    assert client.get("/datasets/").status_code == 403
    assert client.post("/datasets/new/", {"name": "x"}).status_code == 403
    assert not ReferenceDataset.objects.exists()
