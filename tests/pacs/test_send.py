"""Results back to the PACS: a graded segmentation of a pulled clinical exam goes back to that
PACS as a SEG (and one per reader-drawn map), a TID 1500 SR, contours on FLAIR and T1CE and a
report, carrying the original patient, study and series UIDs, which nothing in NeuroReview
stores beside the result. Read back from Orthanc, every object is valid (dciodvfy) and says what
the reader decided; an unaccepted segmentation yields no volume anywhere."""

import numpy as np
import pydicom
import pytest

from imaging.labels import LabelScheme
from imaging.nifti_io import volume_from_array
from reviewer.cases.permissions import grant_patient
from reviewer.core.storage import atomic_import
from reviewer.pacs.models import SentResult
from reviewer.preprocessing import runs
from segmentation import segmentations
from segmentation.models import Segmentation
from tests.pacs.conftest import PATIENT_ID, dicomweb_client, pulled
from tests.pacs.dciodvfy import dciodvfy_errors
from tests.pacs.sr_content import sr_items
from tests.reviewer.worklist.builders import grade, judge
from tests.segmentation.model_builders import unet_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def segmented(stored, connection, make_user, client_for, tmp_path):
    """The pulled exam, preprocessed, with a model's tumour on its series' grid; a reader."""
    job = pulled(client_for(make_user("admin")), connection, stored)
    exam = job.patients.get().exams.get()
    runs.run(exam.preprocessing_runs.get())
    series = exam.series.first()
    labels = np.zeros(series.shape, np.uint8)
    centre = [n // 2 for n in series.shape]
    labels[tuple(slice(c - 6, c + 6) for c in centre)] = 2
    labels[tuple(slice(c - 3, c + 3) for c in centre)] = 4
    with atomic_import() as files:
        segmentation = segmentations.add_segmentation(
            exam,
            volume_from_array(labels, np.array(series.affine)),
            LabelScheme.BRATS2020,
            files,
            source_file="a model's tumour",
            source=Segmentation.Source.MODEL,
            model_version=unet_version(tmp_path),
        )
    reader = make_user("radiologist")
    grant_patient(exam.patient, reader)
    return segmentation, reader


def sent(client, segmentation):
    return client.post(f"/api/segmentations/{segmentation.pk}/sent-results/")


def read_back(pacs, study_uid: str, modality: str) -> list[list[pydicom.Dataset]]:
    """The study's series of that modality, each as its instances, read back with QIDO/WADO."""
    client = dicomweb_client(pacs)
    found = client.search_for_series(study_uid, search_filters={"Modality": modality})
    return [client.retrieve_series(study_uid, s["0020000E"]["Value"][0]) for s in found]


def by_description(series: list[list[pydicom.Dataset]]) -> dict[str, list[pydicom.Dataset]]:
    return {s[0].SeriesDescription: s for s in series}


def test_a_graded_segmentation_goes_to_the_pacs_as_seg_sr_overlays_and_report(
    segmented, client_for, pacs, stored
):
    segmentation, reader = segmented
    grade(segmentation, reader)

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 201, response.content
    assert [(r["kind"], r["status"]) for r in response.json()] == [
        ("seg", "sent"),
        ("sr", "sent"),
        ("overlay", "sent"),
        ("overlay", "sent"),
        ("report", "sent"),
    ]
    assert [len(read_back(pacs, stored, m)) for m in ("SEG", "SR", "OT")] == [1, 1, 3]


def test_every_object_read_back_passes_dciodvfy(segmented, client_for, pacs, stored, tmp_path):
    segmentation, reader = segmented
    grade(segmentation, reader)
    sent(client_for(reader), segmentation)
    objects = [s[0] for m in ("SEG", "SR", "OT") for s in read_back(pacs, stored, m)]

    errors = {}
    for number, dataset in enumerate(objects):
        dataset.save_as(tmp_path / f"{number}.dcm", enforce_file_format=True)
        errors[dataset.SeriesDescription] = dciodvfy_errors(tmp_path / f"{number}.dcm")

    assert len(errors) == 5
    assert errors == {description: [] for description in errors}


def test_the_seg_read_back_carries_the_original_identifiers_and_references(
    segmented, client_for, pacs, stored, clinical_study
):
    segmentation, reader = segmented
    grade(segmentation, reader)
    sent(client_for(reader), segmentation)

    [[seg]] = read_back(pacs, stored, "SEG")

    t1ce = {d.SeriesInstanceUID for d in clinical_study if "POST GD" in d.SeriesDescription}
    assert (seg.PatientID, seg.StudyInstanceUID) == (PATIENT_ID, stored)
    assert {s.SeriesInstanceUID for s in seg.ReferencedSeriesSequence} == t1ce
    assert [s.SegmentLabel for s in seg.SegmentSequence] == ["oedema", "enhancing"]


def test_the_sr_read_back_holds_grade_verdicts_volumes_and_model_version(
    segmented, client_for, pacs, stored
):
    segmentation, reader = segmented
    grade(segmentation, reader, grade=5)
    judge(segmentation, reader, 1, "accepted")
    sent(client_for(reader), segmentation)

    [[sr]] = read_back(pacs, stored, "SR")

    items = sr_items(sr)
    volumes = [value for name, value in items if name == "Volume"]
    lesion = segmentation.lesions.get(index=1)
    assert (sr.PatientID, sr.StudyInstanceUID) == (PATIENT_ID, stored)
    assert ("Segmentation acceptable", "Yes") in items
    assert ("EASE quality grade", "5 Perfect") in items
    assert ("Reader verdict on the lesion", "Accepted by the reader") in items
    assert ("Device Observer Name", segmentation.model_version.name) in items
    assert round(lesion.volume_ml, 3) in volumes
    assert len(volumes) == 5  # oedema, enhancing, tumour core, whole tumour, lesion 1


def test_an_unaccepted_segmentation_yields_no_volume_in_the_sr_or_the_report(
    segmented, client_for, pacs, stored
):
    segmentation, reader = segmented
    grade(segmentation, reader, acceptable=False, grade=2)
    sent(client_for(reader), segmentation)

    [[sr]] = read_back(pacs, stored, "SR")
    [report] = by_description(read_back(pacs, stored, "OT"))["AI report"]

    assert ("Segmentation acceptable", "No") in sr_items(sr)
    assert not [name for name, _ in sr_items(sr) if name == "Volume"]
    assert "Volumes: withheld" in report.ImageComments
    assert "mL" not in report.ImageComments


def test_the_report_read_back_states_assessment_versions_exam_and_comment(
    segmented, client_for, pacs, stored, clinical_study
):
    segmentation, reader = segmented
    grade(segmentation, reader, comment="Oedema margin slightly generous.")
    sent(client_for(reader), segmentation)

    [report] = by_description(read_back(pacs, stored, "OT"))["AI report"]

    text = report.ImageComments
    study_date = clinical_study[0].StudyDate
    assert f"study of {study_date[:4]}-{study_date[4:6]}-{study_date[6:]}" in text
    assert "ACCEPTABLE, grade 4 Good" in text
    assert "Software: neuroreview" in text
    assert f"AI: {segmentation.model_version}" in text
    assert "Comment: Oedema margin slightly generous." in text
    assert "whole tumour" in text and "mL" in text
    assert report.PatientID == PATIENT_ID


def test_the_contours_come_back_on_flair_and_t1ce_in_the_region_colours(
    segmented, client_for, pacs, stored
):
    segmentation, reader = segmented
    grade(segmentation, reader)
    sent(client_for(reader), segmentation)

    overlays = by_description(read_back(pacs, stored, "OT"))

    for sequence in ("FLAIR", "T1CE"):
        images = overlays[f"AI contours on {sequence}"]
        green = [bool((d.pixel_array == (0, 200, 0)).all(axis=-1).any()) for d in images]
        assert sum(green) == 12  # the oedema cube is 12 slices thick
        assert {(d.PatientID, d.StudyInstanceUID) for d in images} == {(PATIENT_ID, stored)}


def test_a_reader_drawn_map_of_the_exam_goes_as_a_manual_seg(segmented, client_for, pacs, stored):
    segmentation, reader = segmented
    series = segmentation.exam.series.first()
    labels = np.zeros(series.shape, np.uint8)
    labels[10:14, 10:14, 10:14] = 2
    with atomic_import() as files:
        segmentations.add_segmentation(
            segmentation.exam,
            volume_from_array(labels, np.array(series.affine)),
            LabelScheme.BRATS2020,
            files,
            source_file="corrected by a reader",
            source=Segmentation.Source.READER,
            reader=reader,
        )
    grade(segmentation, reader)

    sent(client_for(reader), segmentation)

    segs = by_description(read_back(pacs, stored, "SEG"))
    manual = segs[f"SEG reader {reader}"][0]
    assert len(segs) == 2
    assert manual.SegmentSequence[0].SegmentAlgorithmType == "MANUAL"
    assert manual.PatientID == PATIENT_ID


def test_nothing_identifying_is_stored_beside_what_was_sent(segmented, client_for, stored):
    segmentation, reader = segmented
    grade(segmentation, reader)

    sent(client_for(reader), segmentation)

    for record in SentResult.objects.all():
        assert PATIENT_ID not in str(record.__dict__)
        assert stored not in str(record.__dict__)


def test_an_ungraded_segmentation_is_not_sent(segmented, client_for, pacs, stored):
    segmentation, reader = segmented

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 409
    assert "grade the segmentation" in response.json()["detail"]
    assert dicomweb_client(pacs).search_for_series(stored, search_filters={"Modality": "SEG"}) == []


def test_a_series_the_pacs_refuses_is_recorded_as_failed(segmented, client_for, connection):
    segmentation, reader = segmented
    grade(segmentation, reader)
    connection.dicomweb_url = connection.dicomweb_url.replace("dicom-web", "no-such-root")
    connection.save()

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 201
    assert {r["status"] for r in response.json()} == {"failed"}
    assert "answered 404" in response.json()[0]["answer"]


def test_a_reader_not_granted_the_patient_gets_404(segmented, client_for, make_user):
    segmentation, reader = segmented
    grade(segmentation, reader)

    response = sent(client_for(make_user("radiologist")), segmentation)

    assert response.status_code == 404


def test_the_case_page_sends_the_results_and_shows_them_sent(segmented, client_for):
    segmentation, reader = segmented
    grade(segmentation, reader)
    client = client_for(reader)
    pseudonym = segmentation.exam.patient.pseudonym
    offered = client.get(f"/cases/{pseudonym}/").content.decode()

    response = client.post(f"/cases/{pseudonym}/segmentations/{segmentation.pk}/send/")

    assert "Send to PACS" in offered
    assert response.status_code == 302
    assert "5 series sent to test-pacs" in client.get(f"/cases/{pseudonym}/").content.decode()


def test_an_exam_imported_without_its_instance_uids_is_refused_with_the_reason(
    segmented, client_for
):
    segmentation, reader = segmented
    grade(segmentation, reader)
    segmentation.exam.acquired_series.update(dicom_instances=[])

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 409
    assert "imported without its instance UIDs" in response.json()["detail"]
