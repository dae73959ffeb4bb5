"""The EASE-style report sent to the PACS with a reviewed segmentation (ease-and-evaluation.md
A7): the quality assessment, the software and model versions, the exam, the reader's comment,
the volumes only when the segmentation was found acceptable, and a warning when its model
versions differ from the priors'. Plain lines, rendered into an image by imaging.dicom_sc."""

import textwrap

from imaging.dicom_sr import TOTAL_NAMES, Findings
from reviewer.core.version import SOFTWARE_VERSION
from reviewer.grading.models import Assessment
from segmentation.models import Segmentation

TITLE = "NeuroReview: AI segmentation reviewed by a radiologist"
WIDTH = 88  # characters per line: the rendered page is 1024 pixels wide
MOST_LESIONS = 20  # listed one per line; the rest are counted


def report_lines(
    segmentation: Segmentation,
    assessment: Assessment,
    findings: Findings,
    warnings: list[str],
    *,
    study_date: str,
) -> list[str]:
    """The report, line by line. ``study_date`` is the one the PACS knows (YYYYMMDD)."""
    exam = segmentation.exam
    grade = findings.grade
    lines = [
        TITLE,
        "",
        f"Exam: study of {_date(study_date)}, exam {exam.order} in NeuroReview (0 = baseline)",
        *(f"  {s.sequence}: {s.description}" for s in exam.acquired_series.order_by("sequence")),
        *_preprocessing(exam),
        f"Software: {SOFTWARE_VERSION}",
        f"AI: {findings.algorithm.name} {findings.algorithm.version}".rstrip(),
        "",
        f"Quality assessment by {findings.reader}, {assessment.created_at:%Y-%m-%d %H:%M} UTC:",
        f"  {'ACCEPTABLE' if grade.acceptable else 'NOT ACCEPTABLE'}, grade {grade.label}",
        *(f"  Comment: {line}" for line in assessment.comment.splitlines() if line.strip()),
        "",
        *_volumes(findings),
        *_lesions(findings),
        *(f"WARNING: {warning}" for warning in warnings),
    ]
    return [wrapped for line in lines for wrapped in (textwrap.wrap(line, WIDTH) or [""])]


def _date(yyyymmdd: str) -> str:
    if len(yyyymmdd) != 8:
        return "an unknown date"
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def _preprocessing(exam) -> list[str]:
    run = exam.preprocessing_runs.order_by("-pk").first()
    if run is None:
        return []
    done = [_step(step) for step in run.steps if not step.get("skipped")]
    flags = [flag["reason"] for flag in run.flags]
    return [
        f"Preprocessing: {', '.join(done) or 'none needed'}",
        *(f"  Flag: {reason}" for reason in flags),
    ]


def _step(step: dict) -> str:
    name = step["step"].replace("_", " ")
    if step["step"] == "coregistration":
        return (
            f"co-registration onto the {step.get('reference')} at {step['grid']['spacing_mm']:g} mm"
        )
    return f"{name} ({step['tool']})" if "tool" in step else name


def _volumes(findings: Findings) -> list[str]:
    if findings.region_volumes_ml is None:
        return ["Volumes: withheld, the segmentation was found not acceptable."]
    return [
        "Volumes:",
        *(
            f"  {TOTAL_NAMES.get(region, region)}: {volume:.2f} mL"
            for region, volume in findings.region_volumes_ml.items()
        ),
    ]


def _lesions(findings: Findings) -> list[str]:
    lesions = findings.lesions
    if not lesions:
        return ["Lesions: none listed"]
    lines = [f"Lesions: {len(lesions)}"]
    for lesion in lesions[:MOST_LESIONS]:
        volume = f", {lesion.volume_ml:.2f} mL" if lesion.volume_ml is not None else ""
        lines.append(f"  {lesion.name}{volume}: {lesion.verdict}")
    if len(lesions) > MOST_LESIONS:
        lines.append(f"  and {len(lesions) - MOST_LESIONS} more")
    return lines
