"""Results back to the PACS: a graded segmentation of a pulled clinical exam goes back to that
PACS as a DICOM SEG carrying the original patient, study and series UIDs, which nothing in
NeuroReview stores beside the result; read back from Orthanc, it is valid and references the
series it was made on."""

import numpy as np
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
from tests.reviewer.worklist.builders import grade
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


def test_a_graded_segmentation_is_sent_as_seg_to_the_pacs_it_came_from(
    segmented, client_for, pacs, stored
):
    segmentation, reader = segmented
    grade(segmentation, reader)

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "sent"
    found = dicomweb_client(pacs).search_for_series(stored, search_filters={"Modality": "SEG"})
    assert len(found) == 1


def test_the_seg_read_back_carries_the_original_identifiers_and_references(
    segmented, client_for, pacs, stored, clinical_study, tmp_path
):
    segmentation, reader = segmented
    grade(segmentation, reader)
    sent(client_for(reader), segmentation)
    client = dicomweb_client(pacs)
    [series] = client.search_for_series(stored, search_filters={"Modality": "SEG"})
    [seg] = client.retrieve_series(stored, series["0020000E"]["Value"][0])

    t1ce = {d.SeriesInstanceUID for d in clinical_study if "POST GD" in d.SeriesDescription}
    assert (seg.PatientID, seg.StudyInstanceUID) == (PATIENT_ID, stored)
    assert {s.SeriesInstanceUID for s in seg.ReferencedSeriesSequence} == t1ce
    assert [s.SegmentLabel for s in seg.SegmentSequence] == ["oedema", "enhancing"]
    seg.save_as(tmp_path / "seg.dcm", enforce_file_format=True)
    assert dciodvfy_errors(tmp_path / "seg.dcm") == []


def test_nothing_identifying_is_stored_beside_what_was_sent(segmented, client_for, stored):
    segmentation, reader = segmented
    grade(segmentation, reader)

    sent(client_for(reader), segmentation)

    record = SentResult.objects.get()
    assert PATIENT_ID not in str(record.__dict__)
    assert stored not in str(record.__dict__)


def test_an_ungraded_segmentation_is_not_sent(segmented, client_for, pacs, stored):
    segmentation, reader = segmented

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 409
    assert dicomweb_client(pacs).search_for_series(stored, search_filters={"Modality": "SEG"}) == []


def test_a_reader_not_granted_the_patient_gets_404(segmented, client_for, make_user):
    segmentation, reader = segmented
    grade(segmentation, reader)

    response = sent(client_for(make_user("radiologist")), segmentation)

    assert response.status_code == 404


def test_the_case_page_sends_the_seg_and_shows_it_sent(segmented, client_for):
    segmentation, reader = segmented
    grade(segmentation, reader)
    client = client_for(reader)
    pseudonym = segmentation.exam.patient.pseudonym
    offered = client.get(f"/cases/{pseudonym}/").content.decode()

    response = client.post(f"/cases/{pseudonym}/segmentations/{segmentation.pk}/send/")

    assert "Send SEG to PACS" in offered
    assert response.status_code == 302
    assert "SEG sent to test-pacs" in client.get(f"/cases/{pseudonym}/").content.decode()


def test_an_exam_imported_without_its_instance_uids_is_refused_with_the_reason(
    segmented, client_for
):
    segmentation, reader = segmented
    grade(segmentation, reader)
    segmentation.exam.acquired_series.update(dicom_instances=[])

    response = sent(client_for(reader), segmentation)

    assert response.status_code == 409
    assert "imported without its instance UIDs" in response.json()["detail"]
