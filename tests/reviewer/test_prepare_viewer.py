"""prepare_viewer: the viewer's caches filled ahead of the first look."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from reviewer.models import Patient
from tests.reviewer.viewer_builders import lesion_map, stored_exam, stored_segmentation

pytestmark = pytest.mark.django_db


def test_after_preparing_a_case_opens_without_reading_any_stored_file(make_user, client_for):
    exam = stored_exam(Patient.objects.create(pseudonym="NR-PREPARE1"), 0)
    stored_segmentation(exam, lesion_map((slice(3, 6), slice(3, 6), slice(2, 4))))
    call_command("prepare_viewer", "--patient", "NR-PREPARE1")
    volumes = [*exam.series.all(), *exam.segmentations.all()]
    for volume in volumes:
        default_storage.delete(volume.file.name)
    client = client_for(make_user("qa_admin"))

    manifest = client.get("/api/cases/NR-PREPARE1/viewer/").json()

    entry = manifest["exams"][0]
    for volume in entry["series"] + entry["segmentations"]:
        assert client.get(volume["url"]).status_code == 200


def test_an_unknown_patient_is_refused_by_name():
    with pytest.raises(CommandError, match="--patient: no patient 'NR-NOSUCH1'"):
        call_command("prepare_viewer", "--patient", "NR-NOSUCH1")
