"""The import report of a DICOM upload: which series were imported, which were left out and why,
on the job's page and in the API; a failed import lists them in its error and stores nothing."""

import pytest

from reviewer.cases.models import Patient
from reviewer.imports import uploads
from reviewer.imports.models import ImportJob
from tests.reviewer.imports.test_import_dicom import DESCRIPTIONS, write_study
from tests.reviewer.imports.test_import_disease import zipped

pytestmark = pytest.mark.django_db


def upload(client, folder) -> ImportJob:
    response = client.post("/api/imports/", {"kind": "dicom", "file": zipped(folder)})
    job = ImportJob.objects.get(pk=response.json()["id"])
    uploads.run(job)  # what the worker does (the task is enqueued on commit, never here)
    job.refresh_from_db()
    return job


def test_the_job_reports_every_series_with_why_it_was_left_out(tmp_path, make_user, client_for):
    write_study(tmp_path, descriptions={"flair": "AX FLAIR", "dwi": "DWI b1000"})

    job = upload(client_for(make_user("qa_admin")), tmp_path)

    assert job.status == "succeeded", job.error
    assert sorted(job.series_report, key=lambda row: row["description"]) == [
        {
            "study": 1,
            "number": 3,
            "description": "AX FLAIR",
            "files": 6,
            "sequence": "FLAIR",
            "left_out": "",
        },
        {
            "study": 1,
            "number": 3,
            "description": "DWI b1000",
            "files": 6,
            "sequence": None,
            "left_out": "diffusion",
        },
    ]


def test_the_api_and_the_import_page_show_the_report(tmp_path, make_user, client_for):
    write_study(tmp_path, descriptions={"flair": "AX FLAIR", "dwi": "DWI b1000"})
    client = client_for(make_user("qa_admin"))
    job = upload(client, tmp_path)

    answer = client.get(f"/api/imports/{job.pk}/").json()
    page = client.get(f"/imports/{job.pk}/").content.decode()

    assert answer["series_report"] == job.series_report
    assert "Left out: diffusion" in page and "Imported as FLAIR" in page


def test_a_failed_import_lists_every_series_in_its_error_and_stores_nothing(
    tmp_path, make_user, client_for, media_root
):
    written = write_study(tmp_path, descriptions={**DESCRIPTIONS, "loc": "Localizer"})
    written["t2"].files[2].unlink()

    job = upload(client_for(make_user("qa_admin")), tmp_path)

    assert job.status == "failed" and "missing slice" in job.error
    assert "series 3 'Localizer' (6 files): left out: localizer" in job.error
    assert "series 3 'AX T2' (5 files): chosen as T2" in job.error
    assert job.series_report == [] and not Patient.objects.exists()
