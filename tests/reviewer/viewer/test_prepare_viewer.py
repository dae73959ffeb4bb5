"""Preparing the viewer: its caches filled when the data arrives (an import, a model's
segmentation, the prepare_viewer command), ahead of the first look."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from reviewer.cases.models import Patient, Series
from reviewer.viewer.voxel_cache import voxel_cache_path
from segmentation import signals
from segmentation.models import InferenceJob, Segmentation
from tests.reviewer.imports import brats_builders as build
from tests.reviewer.viewer.viewer_builders import (
    lesion_map,
    model_version,
    stored_exam,
    stored_segmentation,
)

pytestmark = pytest.mark.django_db


def test_after_preparing_a_case_opens_without_reading_any_stored_file(make_user, client_for):
    patient = Patient.objects.create(pseudonym="NR-PREPARE1")
    prior, current = stored_exam(patient, 0), stored_exam(patient, 1)
    stored_segmentation(prior, lesion_map((slice(3, 6), slice(3, 6), slice(2, 4))))
    stored_segmentation(current, lesion_map((slice(3, 7), slice(3, 6), slice(2, 4))))
    call_command("prepare_viewer", "--patient", "NR-PREPARE1")
    for exam in (prior, current):
        for volume in [*exam.series.all(), *exam.segmentations.all()]:
            default_storage.delete(volume.file.name)
    client = client_for(make_user("qa_admin"))

    manifest = client.get("/api/cases/NR-PREPARE1/viewer/").json()

    [lesion] = manifest["exams"][0]["segmentations"][0]["lesions"]
    assert lesion["change"]["delta_percent"] == pytest.approx(100 * (24 - 18) / 18, abs=0.01)
    for entry in manifest["exams"]:
        for volume in entry["series"] + entry["segmentations"]:
            assert client.get(volume["url"]).status_code == 200


def test_an_unknown_patient_is_refused_by_name():
    with pytest.raises(CommandError, match="--patient: no patient 'NR-NOSUCH1'"):
        call_command("prepare_viewer", "--patient", "NR-NOSUCH1")


def test_the_import_command_prepares_the_viewer_of_what_it_imported(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"  # an empty viewer cache
    build.write_exam_folder(tmp_path / "brats", "BraTS20_Training_001")

    call_command("import_brats", str(tmp_path / "brats"))

    volumes = [*Series.objects.all(), *Segmentation.objects.all()]
    assert len(volumes) == 5
    for volume in volumes:
        assert voxel_cache_path(volume).exists(), volume


def test_a_newly_segmented_exam_is_prepared_as_its_segmentations_arrive(
    make_user, client_for, empty_var_dir
):
    patient = Patient.objects.create(pseudonym="NR-PREPARE2")
    prior, current = stored_exam(patient, 0), stored_exam(patient, 1)
    call_command("prepare_viewer", "--patient", "NR-PREPARE2")  # as the import did
    unet = model_version("unet", "WT")
    for exam, lesion in ((prior, slice(3, 6)), (current, slice(3, 7))):
        stored_segmentation(
            exam,
            lesion_map((lesion, slice(3, 6), slice(2, 4))),
            source=Segmentation.Source.MODEL,
            model_version=unet,
            target="WT",
        )
        signals.exam_segmented.send(sender=InferenceJob, exam=exam)  # as inference does
    for segmentation in Segmentation.objects.all():
        assert voxel_cache_path(segmentation).exists(), segmentation
        default_storage.delete(segmentation.file.name)
    client = client_for(make_user("qa_admin"))

    manifest = client.get("/api/cases/NR-PREPARE2/viewer/").json()

    [lesion] = manifest["exams"][0]["segmentations"][0]["lesions"]
    assert lesion["change"]["delta_percent"] == pytest.approx(100 * (24 - 18) / 18, abs=0.01)
