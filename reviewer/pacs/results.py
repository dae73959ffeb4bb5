"""Results back to the PACS an exam came from. A segmentation becomes a DICOM SEG over the exam's
reference series as acquired (the prepared grid lies in its world: co-registration resampled
the other sequences onto it), built pseudonymised from what NeuroReview stores. Only at the
moment it is sent are its UIDs, patient attributes and study date replaced by the originals,
from the steward's identity map; nothing identifying is stored beside the result."""

import datetime

import numpy as np
from pydicom.dataset import Dataset

from imaging import dicom_seg, dicomweb
from imaging.errors import ImagingInputError
from imaging.labels import LABELS, LabelScheme
from imaging.preprocessing.pipeline import REFERENCE_ORDER
from reviewer.cases.models import AcquiredSeries, Exam, IdentityLink
from reviewer.core.storage import read_nifti
from reviewer.pacs.connections import client_for
from reviewer.pacs.models import PacsStudy, SentResult
from segmentation.models import Segmentation


class NotSendable(ValueError):
    """A result that cannot go to a PACS, and why."""


def reference_series(exam: Exam) -> AcquiredSeries:
    """The acquired series whose world the exam's series share: the co-registration reference."""
    acquired = {s.sequence: s for s in exam.acquired_series.all()}
    run = exam.preprocessing_runs.order_by("-pk").first()
    steps = run.steps if run else []
    step = next((s for s in steps if s.get("step") == "coregistration"), {})
    wanted = step.get("reference") or next(
        (s.value for s in REFERENCE_ORDER if s.value in acquired), None
    )
    if wanted not in acquired:
        raise NotSendable(f"exam {exam.order} has no acquired series to reference")
    return acquired[wanted]


def seg_dataset(segmentation: Segmentation) -> Dataset:
    """The segmentation as a DICOM SEG, pseudonymised (UIDs and patient as NeuroReview has them)."""
    source = reference_series(segmentation.exam)
    if not source.dicom_instances:  # imported before instances were kept
        raise NotSendable(
            f"the {source.sequence} of exam {segmentation.exam.order} was imported without its "
            "instance UIDs, which a SEG must reference: import the study again to send results"
        )
    image = read_nifti(segmentation.file.name)
    version = segmentation.model_version
    algorithm = dicom_seg.Algorithm(
        name=version.name if version else segmentation.get_source_display(),
        version=version.version if version else "reader",
    )
    images = dicom_seg.referenced_images(
        source.dicom_header, [uid for uid, _ in source.dicom_instances]
    )
    return dicom_seg.segmentation(
        np.asanyarray(image.dataobj).astype(np.uint8),
        image.affine,
        LABELS[LabelScheme(segmentation.label_scheme)],
        images,
        algorithm,
    )


def reidentified(dataset: Dataset, link: IdentityLink) -> Dataset:
    """A copy carrying the original UIDs, patient attributes and study date."""
    original = dataset.copy()
    for element in _elements(original):
        if element.VR == "UI" and element.value in link.uid_map:
            element.value = link.uid_map[element.value]
    original.PatientID = link.source_patient_id
    original.PatientName = link.source_patient_name
    original.PatientBirthDate = link.source_birth_date
    if original.get("StudyDate"):
        shifted = datetime.datetime.strptime(original.StudyDate, "%Y%m%d").date()
        original.StudyDate = f"{shifted - datetime.timedelta(days=link.date_shift_days):%Y%m%d}"
    return original


def send_seg(segmentation: Segmentation, *, user) -> SentResult:
    """Send the segmentation's SEG to the PACS its exam came from, and record what it said."""
    origin = PacsStudy.objects.filter(exam=segmentation.exam).select_related("connection").first()
    if origin is None:
        raise NotSendable(f"exam {segmentation.exam.order} did not come from a PACS")
    seg = seg_dataset(segmentation)
    link = IdentityLink.objects.get(patient=segmentation.exam.patient)
    try:
        answer = dicomweb.store(client_for(origin.connection), [reidentified(seg, link)])
        status = SentResult.Status.SENT
    except ImagingInputError as error:
        answer, status = error.reason, SentResult.Status.FAILED
    return SentResult.objects.create(
        segmentation=segmentation,
        connection=origin.connection,
        kind=SentResult.Kind.SEG,
        sop_instance_uid=seg.SOPInstanceUID,
        status=status,
        answer=answer,
        sent_by=user,
    )


def _elements(dataset: Dataset):
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                yield from _elements(item)
        else:
            yield element
