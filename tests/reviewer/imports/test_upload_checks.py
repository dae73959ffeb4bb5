"""An upload that is no zip archive is refused when it arrives, and nothing of it is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewer.imports.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(settings, tmp_path):
    settings.NEUROREVIEW_UPLOAD_DIR = tmp_path / "uploads"
    return settings.NEUROREVIEW_UPLOAD_DIR


def test_a_file_named_zip_that_is_no_zip_is_refused_and_not_stored(uploads, make_user, client_for):
    # the probe's 12 MiB that was accepted, stored and only failed once a worker reached it
    fake = SimpleUploadedFile("cohort.zip", b"not a zip at all " * 1024)

    response = client_for(make_user("qa_admin")).post(
        "/api/imports/", {"kind": "brats", "file": fake}
    )

    assert response.status_code == 400
    assert response.json()["file"] == [
        "cohort.zip: not a zip archive (no readable central directory)"
    ]
    assert not ImportJob.objects.exists()
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_import_page_refuses_it_too(uploads, make_user, client_for):
    fake = SimpleUploadedFile("cohort.zip", b"PK but nothing more")

    response = client_for(make_user("qa_admin")).post("/imports/", {"kind": "brats", "file": fake})

    assert response.status_code == 200  # the form again, with the error
    assert "cohort.zip: not a zip archive" in response.content.decode()
    assert not ImportJob.objects.exists()
