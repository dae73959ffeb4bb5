"""The disease of imported patients, which decides the AI that runs on them: BraTS data are glioma
unless exams.csv's disease column or the import's option says otherwise; DICOM does not say, so
its patients' disease is not recorded unless the import is given one."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from imaging.errors import ImagingInputError
from reviewer.cases.models import Disease, Patient
from reviewer.imports import uploads
from reviewer.imports.models import ImportJob
from reviewer.imports.services import import_brats, import_dicom
from tests.reviewer.imports import brats_builders as build
from tests.reviewer.imports.test_import_dicom import write_study

pytestmark = pytest.mark.django_db

HEADER = "case,patient,exam_date,label_scheme,disease\n"


def diseases() -> dict[str, str]:
    return {link: disease for link, disease in Patient.objects.values_list(
        "identity__source_patient_id", "disease"
    )}  # fmt: skip


def two_patients(root, *, first="ms", second="glioma"):
    build.write_exam_folder(root, "a0")
    build.write_exam_folder(root, "a1", seed=1)
    build.write_exam_folder(root, "b0", seed=2)
    (root / "exams.csv").write_text(
        HEADER + f"a0,A,2024-01-01,,{first}\na1,A,2024-06-01,,{first}\nb0,B,2024-02-01,,{second}\n"
    )


def test_brats_patients_are_glioma_when_exams_csv_has_no_disease_column(tmp_path):
    build.write_exam_folder(tmp_path, "BraTS-GLI-00007-000", layout="2023", enhancing=3)

    import_brats(tmp_path)

    assert diseases() == {"BraTS-GLI-00007": "glioma"}


def test_exams_csv_records_each_patients_disease(tmp_path):
    two_patients(tmp_path)

    import_brats(tmp_path)

    assert diseases() == {"A": "ms", "B": "glioma"}


def test_an_empty_disease_cell_means_glioma(tmp_path):
    two_patients(tmp_path, second="")

    import_brats(tmp_path)

    assert diseases() == {"A": "ms", "B": "glioma"}


def test_an_unknown_disease_in_exams_csv_is_refused_naming_it_and_nothing_is_stored(tmp_path):
    two_patients(tmp_path, second="lymphoma")

    with pytest.raises(ImagingInputError, match=re.escape("disease 'lymphoma' of exam folder b0")):
        import_brats(tmp_path)

    assert not Patient.objects.exists()


def test_two_diseases_for_one_patient_are_refused(tmp_path):
    two_patients(tmp_path)
    manifest = tmp_path / "exams.csv"
    manifest.write_text(
        manifest.read_text().replace("a1,A,2024-06-01,,ms", "a1,A,2024-06-01,,glioma")
    )

    with pytest.raises(ImagingInputError, match="patient 'A' has two diseases"):
        import_brats(tmp_path)

    assert not Patient.objects.exists()


def test_the_disease_option_applies_to_every_patient_of_the_import(tmp_path):
    two_patients(tmp_path)

    import_brats(tmp_path, disease=Disease.OTHER)

    assert diseases() == {"A": "other", "B": "other"}


def test_an_import_contradicting_a_recorded_disease_is_refused_and_stores_nothing(tmp_path):
    build.write_exam_folder(tmp_path / "first", "a0")
    (tmp_path / "first" / "exams.csv").write_text(HEADER + "a0,A,2024-01-01,,ms\n")
    import_brats(tmp_path / "first")
    build.write_exam_folder(tmp_path / "later", "a1", seed=1)
    (tmp_path / "later" / "exams.csv").write_text(HEADER + "a1,A,2024-06-01,,glioma\n")

    with pytest.raises(ImagingInputError, match="recorded with disease 'ms', this import says"):
        import_brats(tmp_path / "later")

    assert Patient.objects.get().exams.count() == 1 and diseases() == {"A": "ms"}


def test_the_brats_default_never_overrides_a_recorded_disease(tmp_path):
    build.write_exam_folder(tmp_path / "first", "a0")
    (tmp_path / "first" / "exams.csv").write_text(HEADER + "a0,A,2024-01-01,,ms\n")
    import_brats(tmp_path / "first")
    build.write_exam_folder(tmp_path / "later", "a1", seed=1)
    (tmp_path / "later" / "exams.csv").write_text(HEADER.replace(",disease", "") + "a1,A,,\n")

    import_brats(tmp_path / "later")

    assert Patient.objects.get().exams.count() == 2 and diseases() == {"A": "ms"}


def test_dicom_patients_have_no_recorded_disease_unless_given(tmp_path):
    write_study(tmp_path / "one", patient_id="PAT-1")
    write_study(tmp_path / "two", patient_id="PAT-2")

    import_dicom(tmp_path / "one")
    import_dicom(tmp_path / "two", disease=Disease.MS)

    assert diseases() == {"PAT-1": "unknown", "PAT-2": "ms"}


def test_the_import_commands_take_a_disease(tmp_path):
    build.write_exam_folder(tmp_path / "brats", "exam")
    write_study(tmp_path / "dicom", patient_id="PAT-1")

    call_command("import_brats", str(tmp_path / "brats"), "--disease", "ms")
    call_command("import_dicom", str(tmp_path / "dicom"), "--disease", "glioma")

    assert diseases() == {"exam": "ms", "PAT-1": "glioma"}


def zipped(folder) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return SimpleUploadedFile("upload.zip", buffer.getvalue(), content_type="application/zip")


def test_an_upload_keeps_its_disease_and_the_worker_records_it(tmp_path, make_user, client_for):
    write_study(tmp_path, patient_id="PAT-1")
    client = client_for(make_user("qa_admin"))

    response = client.post(
        "/api/imports/", {"kind": "dicom", "file": zipped(tmp_path), "disease": "ms"}
    )
    job = ImportJob.objects.get(pk=response.json()["id"])
    uploads.run(job)  # what the worker does (the task is enqueued on commit, never here)

    assert response.status_code == 202 and job.options == {"disease": "ms"}
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert diseases() == {"PAT-1": "ms"}


def test_an_upload_with_an_unknown_disease_is_refused_naming_the_field(
    tmp_path, make_user, client_for
):
    write_study(tmp_path, patient_id="PAT-1")

    response = client_for(make_user("qa_admin")).post(
        "/api/imports/", {"kind": "dicom", "file": zipped(tmp_path), "disease": "flu"}
    )

    assert response.status_code == 400 and "disease" in response.json()
    assert not ImportJob.objects.exists()
