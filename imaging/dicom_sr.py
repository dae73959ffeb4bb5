"""A reviewed segmentation as a Comprehensive 3D SR (TID 1500 measurement report, highdicom):
the reader's assessment and lesion verdicts as qualitative evaluations, the region and lesion
volumes as measurements, the model version as the device observer and algorithm.

Volumes go in only when the reader found the segmentation acceptable (EASE R-A6.6: a rejected
segmentation is out of every volume). Region volumes of regions the SEG holds reference its
segment (TID 1411); totals (tumour core, whole tumour) and lesions are TID 1501 groups. The
grade and the verdicts have no SNOMED or DICOM code, so they use NeuroReview's private coding
scheme, ``99NEURORV``.
"""

import dataclasses

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from imaging.dicom_seg import MANUFACTURER, REGION_CODES, Algorithm

SCHEME = "99NEURORV"
MILLILITRE = Code("mL", "UCUM", "milliliter")
ACCEPTABLE = Code("acceptable", SCHEME, "Segmentation acceptable")
EASE_GRADE = Code("ease-grade", SCHEME, "EASE quality grade")
FOUR_LEVEL_GRADE = Code("four-level-grade", SCHEME, "Four-level quality grade")
VERDICT = Code("lesion-verdict", SCHEME, "Reader verdict on the lesion")
VERDICTS = {
    "accepted": Code("accepted", SCHEME, "Accepted by the reader"),
    "rejected": Code("rejected", SCHEME, "Rejected by the reader"),
    "added": Code("added", SCHEME, "Added by the reader (missed by the AI)"),
    "undecided": Code("undecided", SCHEME, "Not judged by the reader"),
}
TOTAL_CODES = {"TC": codes.SCT.Neoplasm, "WT": codes.SCT.Neoplasm}
TOTAL_NAMES = {"TC": "tumour core", "WT": "whole tumour"}


@dataclasses.dataclass(frozen=True)
class Grade:
    acceptable: bool
    scale: str  # "ease" (1–5, 5 Perfect) or "four_level" (1–4)
    value: int
    label: str  # "5 Perfect"


@dataclasses.dataclass(frozen=True)
class LesionFinding:
    name: str  # "lesion 3", "added lesion 1"
    verdict: str  # a key of VERDICTS
    volume_ml: float | None


@dataclasses.dataclass(frozen=True)
class Findings:
    """What a reader made of a segmentation. Volumes are None when it was not found acceptable
    (the callers leave them out; this module refuses a volume beside an unacceptable grade)."""

    algorithm: Algorithm
    reader: str
    grade: Grade
    region_volumes_ml: dict[str, float] | None  # region or total name -> mL
    lesions: list[LesionFinding]

    def __post_init__(self):
        with_volume = self.region_volumes_ml is not None or any(
            lesion.volume_ml is not None for lesion in self.lesions
        )
        if with_volume and not self.grade.acceptable:
            raise ValueError("an unacceptable segmentation carries no volume")


def measurement_report(
    findings: Findings, seg: Dataset, images: list[Dataset], *, series_number: int = 902
) -> Dataset:
    """The SR about the SEG ``seg`` made over ``images`` (the source series' stand-ins)."""
    algorithm = hd.sr.AlgorithmIdentification(
        name=findings.algorithm.name, version=findings.algorithm.version
    )
    report = hd.sr.MeasurementReport(
        observation_context=_observation_context(findings),
        procedure_reported=codes.LN.BrainMRI,
        imaging_measurements=[
            _assessment_group(findings.grade, algorithm),
            *_region_groups(findings.region_volumes_ml, seg, algorithm),
            *(_lesion_group(lesion, algorithm) for lesion in findings.lesions),
        ],
    )
    return hd.sr.Comprehensive3DSR(
        evidence=[*images, seg],
        content=report,
        series_instance_uid=generate_uid(),
        series_number=series_number,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        series_description=f"AI review {findings.algorithm.name}"[:64],
        is_complete=True,
        is_final=True,
    )


def _observation_context(findings: Findings) -> hd.sr.ObservationContext:
    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=generate_uid(),
            name=findings.algorithm.name[:64],
            manufacturer_name=MANUFACTURER,
            model_name=findings.algorithm.version[:64],
        ),
    )
    person = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
            name=person_name(findings.reader)
        ),
    )
    return hd.sr.ObservationContext(observer_person_context=person, observer_device_context=device)


def person_name(display: str) -> str:
    """A reader's name as a DICOM PN: "Ada Lovelace" -> "Lovelace^Ada", "reader1" -> "reader1^"."""
    given, _, family = display.strip().rpartition(" ")
    return f"{family}^{given}" if given else f"{family}^"


def _tracking(name: str) -> hd.sr.TrackingIdentifier:
    return hd.sr.TrackingIdentifier(identifier=name, uid=generate_uid())


def _grade_value(grade: Grade) -> hd.sr.QualitativeEvaluation:
    name = EASE_GRADE if grade.scale == "ease" else FOUR_LEVEL_GRADE
    value = Code(f"{grade.scale}-{grade.value}", SCHEME, grade.label)
    return hd.sr.QualitativeEvaluation(name=name, value=value)


def _assessment_group(grade: Grade, algorithm) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking("reader assessment"),
        algorithm_id=algorithm,
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(
                name=ACCEPTABLE, value=codes.SCT.Yes if grade.acceptable else codes.SCT.No
            ),
            _grade_value(grade),
        ],
    )


def _volume(volume_ml: float) -> hd.sr.Measurement:
    return hd.sr.Measurement(name=codes.SCT.Volume, value=round(volume_ml, 3), unit=MILLILITRE)


def _region_groups(volumes: dict[str, float] | None, seg: Dataset, algorithm):
    if volumes is None:
        return
    segments = {s.SegmentLabel: s.SegmentNumber for s in seg.SegmentSequence}
    source_series = hd.sr.SourceSeriesForSegmentation(
        seg.ReferencedSeriesSequence[0].SeriesInstanceUID
    )
    for region, volume_ml in volumes.items():
        if region in segments:
            yield hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=_tracking(region),
                referenced_segment=hd.sr.ReferencedSegment(
                    sop_class_uid=seg.SOPClassUID,
                    sop_instance_uid=seg.SOPInstanceUID,
                    segment_number=segments[region],
                    source_series=source_series,
                ),
                finding_type=REGION_CODES[region],
                algorithm_id=algorithm,
                measurements=[_volume(volume_ml)],
            )
        elif region in TOTAL_CODES:
            yield hd.sr.MeasurementsAndQualitativeEvaluations(
                tracking_identifier=_tracking(TOTAL_NAMES[region]),
                finding_type=TOTAL_CODES[region],
                algorithm_id=algorithm,
                measurements=[_volume(volume_ml)],
            )
        # a region absent from the map (0 mL) has no segment: its zero is said by the report


def _lesion_group(lesion: LesionFinding, algorithm):
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking(lesion.name),
        finding_type=codes.SCT.Lesion,
        algorithm_id=algorithm,
        measurements=[_volume(lesion.volume_ml)] if lesion.volume_ml is not None else None,
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(name=VERDICT, value=VERDICTS[lesion.verdict])
        ],
    )
