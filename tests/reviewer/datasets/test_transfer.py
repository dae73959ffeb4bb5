"""A dataset version leaves as a zip of its manifest and files and comes back with the same
hash: into another dataset of the same NeuroReview, or into an empty one."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reviewer.cases.models import Patient
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.transfer import TransferError, export_version, import_version
from reviewer.datasets.versions import Strata, create_version
from reviewer.imports.services import import_brats
from tests.reviewer.validation.conftest import cohort_brats  # noqa: F401 (a fixture)


@pytest.fixture
def exported(cohort_brats, tmp_path):  # noqa: F811
    """A sealed version of two imported exams, exported; (version, zip path, pseudonym)."""
    user = get_user_model().objects.create_user("qa-transfer", role="qa_admin")
    [patient] = import_brats(cohort_brats)
    dataset = ReferenceDataset.objects.create(name="LGG reference", created_by=user)
    exams = list(patient.exams.order_by("order")[:2])
    strata = {exams[0].pk: Strata("LGG", "Centre A")}  # the second case has none recorded
    version = create_version(dataset, exams, user=user, strata=strata, note="two")
    path = tmp_path / "lgg-v1.zip"
    with path.open("wb") as out:
        export_version(version, out)
    return version, path, patient.pseudonym


@pytest.mark.django_db
def test_the_zip_holds_the_manifest_and_every_hashed_file_once(exported):
    version, path, _ = exported

    names = set(zipfile.ZipFile(path).namelist())

    hashed = {
        sha
        for case in version.cases.all()
        for sha in [*case.series_sha256.values(), case.label_sha256]
    }
    assert names == {"manifest.json", *(f"files/{sha}.nii.gz" for sha in hashed)}


@pytest.mark.django_db
def test_importing_into_another_dataset_reuses_the_exams_and_gives_the_same_hash(exported):
    version, path, _ = exported
    user = version.created_by

    imported = import_version(path, user=user, dataset="LGG reference (copy)")

    assert imported.sha256 == version.sha256
    assert {c.exam_id for c in imported.cases.all()} == {c.exam_id for c in version.cases.all()}


@pytest.mark.django_db(transaction=True)
def test_importing_into_an_empty_neuroreview_gives_the_same_hash(exported):
    version, path, pseudonym = exported
    sha256 = version.sha256
    call_command("flush", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user("qa-elsewhere", role="qa_admin")

    imported = import_version(path, user=user)

    assert imported.sha256 == sha256
    assert str(imported) == "LGG reference v1"
    assert Patient.objects.get().pseudonym == pseudonym
    assert [(c.tumour_group, c.site) for c in imported.cases.order_by("key")] == [
        ("LGG", "Centre A"),
        (None, None),
    ]


@pytest.mark.django_db
def test_a_file_whose_content_does_not_match_its_name_is_refused_naming_it(exported, tmp_path):
    version, path, _ = exported
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as out:
        names = source.namelist()
        victim = next(n for n in names if n.startswith("files/"))
        for name in names:
            out.writestr(name, b"not the file" if name == victim else source.read(name))

    with pytest.raises(TransferError, match=f"{victim}: its content hashes to"):
        import_version(tampered, user=version.created_by, dataset="copy")
    assert not ReferenceDataset.objects.filter(name="copy").exists()


@pytest.mark.django_db
def test_the_datasets_page_exports_a_version_for_qa_admins_only(exported, client_for, make_user):
    version, _, _ = exported
    path = f"/dataset-versions/{version.pk}/export.zip"

    answer = client_for(version.created_by).get(path)

    assert answer.status_code == 200
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert client_for(make_user("radiologist")).get(path).status_code == 403


@pytest.mark.django_db
def test_a_file_that_is_not_a_zip_is_refused_naming_it(tmp_path, make_user):
    path = tmp_path / "notes.zip"
    path.write_text("not a zip")

    with pytest.raises(TransferError, match="notes.zip: "):
        import_version(path, user=make_user("qa_admin"))


@pytest.mark.django_db
def test_a_manifest_without_its_cases_fields_is_refused_naming_them(exported, tmp_path):
    version, path, _ = exported
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as out:
        for name in source.namelist():
            content = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(content)
                del manifest["note"], manifest["cases"][1]["label"]
                content = json.dumps(manifest)
            out.writestr(name, content)

    with pytest.raises(TransferError, match=r"manifest.json: missing note, cases\[1\].label"):
        import_version(broken, user=version.created_by, dataset="copy")
    assert not ReferenceDataset.objects.filter(name="copy").exists()
