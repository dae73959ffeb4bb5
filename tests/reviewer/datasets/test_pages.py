"""The reference datasets page: datasets with their sealed versions and what changed, a new
dataset, a new version from exams with a reference label, a version imported from its exported
zip; QA admins only."""

import zipfile

import pytest

from reviewer.cases.models import Exam
from reviewer.datasets.models import DatasetVersion, ReferenceDataset
from reviewer.datasets.versions import Strata, create_version
from tests.reviewer.datasets.test_transfer import exported  # noqa: F401 (a fixture)
from tests.reviewer.validation.conftest import cohort_brats  # noqa: F401 (a fixture)

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


def test_the_tumour_group_and_site_given_on_the_page_are_recorded_per_case(client_for, qa, exams):
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa)
    first, second = exams[:2]

    client_for(qa).post(
        f"/datasets/{dataset.pk}/versions/",
        {
            "exams": [first.pk, second.pk],
            f"tumour_group-{first.pk}": "GBM",
            f"site-{first.pk}": " Centre A ",
            f"tumour_group-{second.pk}": "",
            f"site-{second.pk}": "",
        },
    )

    [version] = dataset.versions.all()
    assert [(c.tumour_group, c.site) for c in version.cases.order_by("key")] == [
        ("GBM", "Centre A"),
        (None, None),
    ]


def test_the_form_offers_the_strata_the_latest_version_recorded(client_for, qa, exams):
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa)
    create_version(dataset, exams[:1], user=qa, strata={exams[0].pk: Strata("LGG", "Centre B")})

    page = client_for(qa).get("/datasets/").content.decode()

    assert f'name="tumour_group-{exams[0].pk}" value="LGG"' in page
    assert f'name="site-{exams[0].pk}" value="Centre B"' in page
    assert f'name="tumour_group-{exams[1].pk}" value=""' in page


def test_the_page_names_the_cases_whose_strata_changed(client_for, qa, exams):
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=qa)
    create_version(dataset, exams[:1], user=qa)
    create_version(dataset, exams[:1], user=qa, strata={exams[0].pk: Strata("GBM", None)})

    page = client_for(qa).get("/datasets/").content.decode()

    assert "new tumour group or site for NR-DATASET/0." in page


@pytest.mark.parametrize("role", ["radiologist", "researcher"])
def test_other_roles_get_403(client_for, make_user, role):
    client = client_for(make_user(role))

    assert client.get("/datasets/").status_code == 403
    assert client.post("/datasets/new/", {"name": "x"}).status_code == 403
    assert not ReferenceDataset.objects.exists()


def import_from_the_page(client, path, dataset=""):
    with path.open("rb") as upload:
        return client.post(
            "/datasets/import/", {"zip": upload, "dataset": dataset}, follow=True
        ).content.decode()


def test_a_qa_admin_imports_an_exported_version_with_the_same_hash(
    exported,  # noqa: F811
    client_for,
):
    version, path, _ = exported

    page = import_from_the_page(client_for(version.created_by), path, "LGG reference (copy)")

    imported = ReferenceDataset.objects.get(name="LGG reference (copy)").versions.get()
    assert imported.sha256 == version.sha256
    assert f"LGG reference (copy) v1 imported: 2 cases, sha256 {version.sha256}." in page


def test_a_radiologist_cannot_import_a_version(exported, client_for, make_user):  # noqa: F811
    _, path, _ = exported

    with path.open("rb") as upload:
        answer = client_for(make_user("radiologist")).post(
            "/datasets/import/", {"zip": upload, "dataset": "copy"}
        )

    assert answer.status_code == 403
    assert DatasetVersion.objects.count() == 1


def test_a_tampered_zip_is_refused_naming_the_file_and_nothing_is_created(
    exported,  # noqa: F811
    client_for,
    tmp_path,
):
    version, path, _ = exported
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as out:
        victim = next(n for n in source.namelist() if n.startswith("files/"))
        for name in source.namelist():
            out.writestr(name, b"not the file" if name == victim else source.read(name))
    exams = Exam.objects.count()

    page = import_from_the_page(client_for(version.created_by), tampered, "copy")

    assert f"Nothing was imported. {victim}: its content hashes to" in page
    assert not ReferenceDataset.objects.filter(name="copy").exists()
    assert (DatasetVersion.objects.count(), Exam.objects.count()) == (1, exams)


def test_an_upload_that_is_not_a_zip_is_refused_saying_so(client_for, qa, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("the reference cases, as a list")

    page = import_from_the_page(client_for(qa), notes)

    assert "Nothing was imported: notes.txt is not a zip archive." in page
    assert not DatasetVersion.objects.exists()
