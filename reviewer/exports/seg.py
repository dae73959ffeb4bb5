"""A segmentation of a research export as DICOM SEG, beside its NIfTI file.

The SEG is the one NeuroReview sends back to a PACS (reviewer.pacs.results.seg_dataset, written
by imaging.dicom_seg), as stored: pseudonymised, over stand-ins of the exam's acquired reference
series (its de-identified header and replaced instance UIDs), never re-identified. A SEG must
reference the images it was made from, so an exam without its acquired DICOM series (a BraTS or
NIfTI import) gets none: ``Missing`` says why, and the manifest carries the reason."""

import io

from pydicom.dataset import Dataset

from imaging import dicom_seg
from reviewer.pacs import results
from reviewer.pacs.findings import NotSendable
from segmentation.models import Segmentation


class Missing(Exception):
    """Why a segmentation has no SEG in the bundle."""


def seg_bytes(segmentation: Segmentation) -> bytes:
    """The segmentation as a DICOM SEG file (Part 10), or Missing with the reason."""
    exam = segmentation.exam
    if not exam.acquired_series.exists():
        raise Missing(
            f"exam {exam.order} has no acquired DICOM series (imported as NIfTI): a SEG must "
            "reference the images it was made from"
        )
    try:
        source = results.reference_series(exam)
        if not source.dicom_instances:
            raise NotSendable(
                f"the {source.sequence} of exam {exam.order} was imported without its instance "
                "UIDs, which a SEG must reference"
            )
        images = dicom_seg.referenced_images(
            source.dicom_header, [uid for uid, _ in source.dicom_instances]
        )
        seg = results.seg_dataset(segmentation, images)
    except (NotSendable, ValueError) as reason:  # ValueError: a map with no region in it
        raise Missing(str(reason)) from reason
    return _part10(seg)


def _part10(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
