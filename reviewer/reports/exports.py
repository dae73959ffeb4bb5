"""De-identified research exports: pseudonyms, exam intervals in days (never dates), geometry,
hashes and lesion volumes, with the software version for provenance."""

from reviewer.cases.models import Patient, Series
from reviewer.core.version import SOFTWARE_VERSION
from segmentation.models import Lesion

EXPORT_COLUMNS = [
    "pseudonym",
    "exam_order",
    "days_from_baseline",
    "sequence",
    "shape",
    "spacing_mm",
    "series_sha256",
    "reference_lesion_count",
    "reference_volume_ml",
    "software_version",
]


def export_rows(user) -> list[dict]:
    patients = Patient.objects.visible_to(user)
    series = (
        Series.objects.filter(exam__patient__in=patients)
        .select_related("exam__patient")
        .order_by("exam__patient__pseudonym", "exam__order", "sequence")
    )
    baselines = {}
    lesions = {}
    for lesion in Lesion.objects.filter(
        segmentation__exam__patient__in=patients, segmentation__source="reference"
    ).values("segmentation__exam_id", "volume_ml"):
        count, volume = lesions.get(lesion["segmentation__exam_id"], (0, 0.0))
        lesions[lesion["segmentation__exam_id"]] = (count + 1, volume + lesion["volume_ml"])
    rows = []
    for s in series:
        exam = s.exam
        if exam.order == 0:
            baselines[exam.patient_id] = exam.date
        baseline = baselines.get(exam.patient_id)
        count, volume = lesions.get(exam.pk, (0, 0.0))
        rows.append(
            {
                "pseudonym": exam.patient.pseudonym,
                "exam_order": exam.order,
                "days_from_baseline": (exam.date - baseline).days
                if exam.date and baseline
                else None,
                "sequence": s.sequence,
                "shape": "x".join(map(str, s.shape)),
                "spacing_mm": "x".join(f"{v:g}" for v in s.spacing),
                "series_sha256": s.sha256,
                "reference_lesion_count": count,
                "reference_volume_ml": round(volume, 3),
                "software_version": SOFTWARE_VERSION,
            }
        )
    return rows
