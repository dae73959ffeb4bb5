"""The DICOM objects made about a reviewed segmentation, for the PACS its exam came from:

- a SEG of the AI's map and one of every map a reader drew or corrected on the exam;
- a Comprehensive 3D SR (TID 1500): assessment, lesion verdicts, volumes when acceptable;
- secondary-capture overlays of its contours on the FLAIR and the T1CE, for viewers without
  SEG and SR, as EASE sent them;
- the EASE-style report, rendered as an image.

All are made pseudonymised, from what NeuroReview stores: the SEG lies over the exam's reference
series as acquired (the prepared grid shares its world: co-registration resampled the other
sequences onto it), the overlays on the prepared series the model saw. Only the report's study
date is the original one, because it is burned into pixels that cannot be re-identified later.
"""

import dataclasses
import datetime

import numpy as np
from pydicom.dataset import Dataset

from imaging import dicom_sc, dicom_seg, dicom_sr
from imaging.label_colours import REGION_COLOURS
from imaging.labels import LABELS, LabelScheme
from imaging.preprocessing.pipeline import REFERENCE_ORDER
from imaging.sequences import Sequence
from reviewer.cases.models import AcquiredSeries, Exam, IdentityLink
from reviewer.core.storage import read_nifti
from reviewer.pacs import findings, report
from reviewer.pacs.findings import NotSendable
from reviewer.pacs.models import SentResult
from segmentation.compatibility import prior_warnings
from segmentation.models import Segmentation

OVERLAID = (Sequence.FLAIR, Sequence.T1CE)  # EASE's delineations went on these two
SERIES_NUMBERS = {"seg": 901, "sr": 902, "overlay": 903, "report": 905}


@dataclasses.dataclass
class Result:
    """One series to send: what it is, and its datasets."""

    kind: str  # a SentResult.Kind
    description: str
    datasets: list[Dataset]


def results(segmentation: Segmentation, link: IdentityLink) -> list[Result]:
    """Everything that goes to the PACS about ``segmentation``, in the order it is sent."""
    assessment = findings.current_assessment(segmentation)
    source = reference_series(segmentation.exam)
    images = _stand_ins(source, segmentation.exam)
    seg = seg_dataset(segmentation, images)
    reviewed = findings.findings(segmentation, assessment)
    sr = dicom_sr.measurement_report(reviewed, seg, images, series_number=SERIES_NUMBERS["sr"])
    lines = report.report_lines(
        segmentation,
        assessment,
        reviewed,
        prior_warnings(segmentation),
        study_date=original_study_date(images[0], link),
    )
    return [
        Result(SentResult.Kind.SEG, f"SEG of {_title(segmentation)}", [seg]),
        *(
            Result(SentResult.Kind.SEG, f"SEG of {_title(drawn)}", [seg_dataset(drawn, images)])
            for drawn in segmentation.exam.segmentations.filter(source=Segmentation.Source.READER)
        ),
        Result(SentResult.Kind.SR, "Structured report (TID 1500)", [sr]),
        *_overlays(segmentation, images[0]),
        Result(
            SentResult.Kind.REPORT,
            "Report",
            [
                dicom_sc.report_image(
                    lines,
                    images[0],
                    description="AI report",
                    series_number=SERIES_NUMBERS["report"],
                )
            ],
        ),
    ]


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


def seg_dataset(segmentation: Segmentation, images: list[Dataset]) -> Dataset:
    """The map as a DICOM SEG over the source series' images (stand-ins), pseudonymised."""
    image = read_nifti(segmentation.file.name)
    algorithm = (
        dicom_seg.READER_DRAWN
        if segmentation.source == Segmentation.Source.READER
        else findings.algorithm(segmentation)
    )
    seg = dicom_seg.segmentation(
        np.asanyarray(image.dataobj).astype(np.uint8),
        image.affine,
        LABELS[LabelScheme(segmentation.label_scheme)],
        images,
        algorithm,
        series_number=SERIES_NUMBERS["seg"],
    )
    seg.SeriesDescription = f"SEG {_title(segmentation)}"[:64]
    return seg


def original_study_date(dataset: Dataset, link: IdentityLink) -> str:
    """The study date the PACS knows: the stored one shifted back by the patient's date shift."""
    if not dataset.get("StudyDate"):
        return ""
    shifted = datetime.datetime.strptime(str(dataset.StudyDate), "%Y%m%d").date()
    return f"{shifted - datetime.timedelta(days=link.date_shift_days):%Y%m%d}"


def _stand_ins(source: AcquiredSeries, exam: Exam) -> list[Dataset]:
    if not source.dicom_instances:  # imported before instances were kept
        raise NotSendable(
            f"the {source.sequence} of exam {exam.order} was imported without its instance "
            "UIDs, which a SEG must reference: import the study again to send results"
        )
    return dicom_seg.referenced_images(
        source.dicom_header, [uid for uid, _ in source.dicom_instances]
    )


def _overlays(segmentation: Segmentation, reference: Dataset) -> list[Result]:
    labels = np.asanyarray(read_nifti(segmentation.file.name).dataobj)
    colours = {
        value: REGION_COLOURS[name]
        for value, name in LABELS[LabelScheme(segmentation.label_scheme)].items()
    }
    series = {s.sequence: s for s in segmentation.exam.series.filter(sequence__in=OVERLAID)}
    overlays = []
    for number, sequence in enumerate(OVERLAID, start=SERIES_NUMBERS["overlay"]):
        if sequence.value not in series:
            continue
        image = read_nifti(series[sequence.value].file.name)
        overlays.append(
            Result(
                SentResult.Kind.OVERLAY,
                f"{sequence.value} with the contours",
                dicom_sc.overlay_images(
                    np.asanyarray(image.dataobj),
                    labels,
                    image.affine,
                    colours,
                    reference,
                    description=f"AI contours on {sequence.value}",
                    series_number=number,
                ),
            )
        )
    return overlays


def _title(segmentation: Segmentation) -> str:
    if segmentation.source == Segmentation.Source.READER:
        return f"reader {segmentation.reader}"
    name = findings.algorithm(segmentation)
    return f"{name.name} {name.version}".strip()
