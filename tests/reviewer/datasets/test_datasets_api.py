"""The datasets API, for QA admins only: make a dataset and its versions from exams, read a
version's manifest (whose canonical JSON hashes to the version's sha256), diff two versions."""

import pytest

from reviewer.datasets.versions import manifest_sha256

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for, make_user):
    return client_for(make_user("qa_admin"))


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def dataset(client) -> int:
    response = post(client, "/api/datasets/", {"name": "glioma-reference"})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def version(client, dataset_id, exams, **fields):
    return post(
        client,
        f"/api/datasets/{dataset_id}/versions/",
        {"exams": [e.pk for e in exams], **fields},
    )


def test_a_qa_admin_makes_a_version_and_reads_its_manifest(admin_client, exams):
    made = version(admin_client, dataset(admin_client), exams, note="first cut")

    read = admin_client.get(f"/api/dataset-versions/{made.json()['id']}/").json()

    assert made.status_code == 201, made.content
    assert (read["number"], read["cases"], read["note"]) == (1, 3, "first cut")
    assert [entry["case"] for entry in read["manifest"]] == [
        "NR-DATASET/0",
        "NR-DATASET/1",
        "NR-DATASET/2",
    ]
    assert manifest_sha256(read["manifest"]) == read["sha256"]


def test_a_version_that_changes_nothing_is_refused_with_400(admin_client, exams):
    dataset_id = dataset(admin_client)
    version(admin_client, dataset_id, exams)

    again = version(admin_client, dataset_id, exams)

    assert again.status_code == 400
    assert "no change" in again.json()["detail"]


def test_an_unknown_exam_is_refused_by_its_id(admin_client, exams):
    response = post(
        admin_client,
        f"/api/datasets/{dataset(admin_client)}/versions/",
        {"exams": [exams[0].pk, 99999]},
    )

    assert response.status_code == 400
    assert "99999" in str(response.json()["exams"])


def test_the_diff_of_two_versions_names_the_cases_added(admin_client, exams):
    dataset_id = dataset(admin_client)
    first = version(admin_client, dataset_id, exams[:2]).json()["id"]
    second = version(admin_client, dataset_id, exams).json()["id"]

    changes = admin_client.get(f"/api/dataset-versions/{second}/diff/?against={first}").json()

    assert changes["added"] == ["NR-DATASET/2"]
    assert changes["unchanged"] is False


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
def test_other_roles_may_neither_list_nor_make_datasets(client_for, make_user, role):
    client = client_for(make_user(role))

    assert client.get("/api/datasets/").status_code == 403
    assert post(client, "/api/datasets/", {"name": "x"}).status_code == 403


def test_other_roles_may_not_read_a_version(admin_client, exams, client_for, make_user):
    made = version(admin_client, dataset(admin_client), exams).json()["id"]

    response = client_for(make_user("radiologist")).get(f"/api/dataset-versions/{made}/")

    assert response.status_code == 403
