"""Sending a reviewed segmentation's results to the PACS its exam came from (STOW-RS, with
retries). At that moment, and only in the copies sent, the UIDs, patient attributes and study
date are replaced by the originals from the steward's identity map; what NeuroReview records of
the sending carries the pseudonymised UIDs and the PACS's answer."""

import copy
import uuid

from pydicom.dataset import Dataset

from imaging import dicomweb
from imaging.errors import ImagingInputError
from reviewer.cases.models import IdentityLink
from reviewer.pacs.connections import client_for
from reviewer.pacs.findings import NotSendable
from reviewer.pacs.models import PacsStudy, SentResult
from reviewer.pacs.results import original_study_date, results
from segmentation.models import Segmentation


def send_results(segmentation: Segmentation, *, user) -> list[SentResult]:
    """Send every result about the segmentation; one record per series, sent or failed. A
    series the PACS refuses does not stop the others."""
    origin = PacsStudy.objects.filter(exam=segmentation.exam).select_related("connection").first()
    if origin is None:
        raise NotSendable(f"exam {segmentation.exam.order} did not come from a PACS")
    link = IdentityLink.objects.get(patient=segmentation.exam.patient)
    client = client_for(origin.connection)
    sending = uuid.uuid4()
    records = []
    for result in results(segmentation, link):
        try:
            answer = dicomweb.store(client, [reidentified(d, link) for d in result.datasets])
            status = SentResult.Status.SENT
        except ImagingInputError as error:
            answer, status = error.reason, SentResult.Status.FAILED
        records.append(
            SentResult(
                sending=sending,
                segmentation=segmentation,
                connection=origin.connection,
                kind=result.kind,
                description=result.description,
                series_instance_uid=result.datasets[0].SeriesInstanceUID,
                instances=len(result.datasets),
                status=status,
                answer=answer,
                sent_by=user,
            )
        )
    return SentResult.objects.bulk_create(records)


def reidentified(dataset: Dataset, link: IdentityLink) -> Dataset:
    """A copy carrying the original UIDs, patient attributes and study date."""
    original = copy.deepcopy(dataset)  # a shallow copy would share the nested elements
    for element in _elements(original):
        if element.VR == "UI" and element.value in link.uid_map:
            element.value = link.uid_map[element.value]
    original.PatientID = link.source_patient_id
    original.PatientName = link.source_patient_name
    original.PatientBirthDate = link.source_birth_date
    if original.get("StudyDate"):
        original.StudyDate = original_study_date(original, link)
    return original


def _elements(dataset: Dataset):
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                yield from _elements(item)
        else:
            yield element
