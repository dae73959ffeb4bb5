"""The exam viewer's manifest: everything the browser needs to lay out the current exam and up
to two priors (EASE compares the current exam with two priors) before it fetches a voxel.

Geometry is given in Cornerstone3D's LPS world, and a registered prior's grid and lesion
centroids are already moved into the current exam's space, so the viewer synchronises panels
without doing any geometry itself. Building it writes nothing (no row, no task, no cache entry,
no file): what is expensive (windows, lesion overlaps, registrations) is prepared when the data
arrives (reviewer.viewer.preparation), and a manifest reads rows and the cache. What preparation
has not reached yet is computed from the stored files and not kept; a prior not yet registered
is "pending"."""

import numpy as np
from django.db.models import Prefetch

from imaging.geometry import Geometry
from imaging.label_colours import NEW_LESION_COLOUR, scheme_labels
from imaging.sequences import CHANNEL_ORDER
from reviewer.alarms.services import open_alarms
from reviewer.cases.models import Exam, Patient, Series
from reviewer.viewer.lesion_changes import ExamLesions, lesion_changes
from reviewer.viewer.registration import registration_for
from reviewer.viewer.voxel_cache import volume_summary
from segmentation.cohort_acc import cohort_acc
from segmentation.models import Lesion, Segmentation

MAX_PRIORS = 2
SEQUENCE_RANK = {s.value: rank for rank, s in enumerate(CHANNEL_ORDER)}


class ExamNotFound(LookupError):
    """The requested exam is not one of the patient's (or the patient has none)."""


def viewer_manifest(patient: Patient, exam_id: int | None = None) -> dict:
    exams = shown_exams(patient, exam_id)
    current = exams[0]
    registrations = [registration_for(exam, current) for exam in exams]
    lesions = [
        ExamLesions.of(exam, np.eye(4) if state.matrix_lps is None else state.matrix_lps)
        for exam, state in zip(exams, registrations, strict=True)
    ]
    changes = lesion_changes(lesions)
    return {
        "patient": patient.pseudonym,
        "current_exam": current.pk,
        "exams": [
            _exam_json(exam_lesions, state, changes, role="prior" if position else "current")
            for position, (exam_lesions, state) in enumerate(
                zip(lesions, registrations, strict=True)
            )
        ],
        "cohort_acc": cohort_acc(),
        "alarms": open_alarms(exams),
        "new_lesion_color": list(NEW_LESION_COLOUR),
        "sockets": {"alarms": f"/ws/cases/{patient.pseudonym}/alarms/", "flow": "/ws/flows/"},
    }


def shown_exams(patient: Patient, exam_id: int | None) -> list[Exam]:
    """The current exam (the given one, else the latest), then up to two priors, newest first."""
    exams = (
        Exam.objects.filter(patient=patient)
        .order_by("-order")
        .prefetch_related(
            Prefetch("series", queryset=Series.objects.order_by("pk")),
            Prefetch(
                "segmentations",
                queryset=Segmentation.objects.select_related(
                    "model_version", "reader", "acc_curves"
                )
                .prefetch_related(Prefetch("lesions", queryset=Lesion.objects.order_by("index")))
                .order_by("source", "target", "pk"),
            ),
        )
    )
    if exam_id is None:
        current = exams.first()
        if current is None:
            raise ExamNotFound(f"patient {patient.pseudonym} has no exams")
    else:
        current = exams.filter(pk=exam_id).first()
        if current is None:
            raise ExamNotFound(f"exam {exam_id} is not an exam of patient {patient.pseudonym}")
    return [current, *exams.filter(order__lt=current.order)[:MAX_PRIORS]]


def _exam_json(exam_lesions: ExamLesions, state, changes: dict, *, role: str) -> dict:
    exam = exam_lesions.exam
    series = sorted(exam.series.all(), key=lambda s: SEQUENCE_RANK.get(s.sequence, 99))
    return {
        "id": exam.pk,
        "order": exam.order,
        "date": exam.date.isoformat() if exam.date else None,
        "role": role,
        "registration": state.as_json(),
        "series": [_series_json(s, state.matrix_lps) for s in series],
        "segmentations": [
            _segmentation_json(s, exam_lesions, state.matrix_lps, changes)
            for s in exam_lesions.segmentations
        ],
    }


def _volume_json(kind: str, volume: Series | Segmentation, matrix_lps) -> dict:
    summary = volume_summary(volume)
    geometry = Geometry.from_ras(summary["affine"], summary["shape"])
    if matrix_lps is not None:
        geometry = geometry.moved(matrix_lps)
    return {
        "id": volume.pk,
        "url": f"/api/{kind}/{volume.pk}/voxels/{volume.sha256}",
        "dtype": summary["dtype"],
        **geometry.as_json(),
    }


def _series_json(series: Series, matrix_lps) -> dict:
    return {
        "sequence": series.sequence,
        **_volume_json("series", series, matrix_lps),
        "window": volume_summary(series)["window"],
    }


def _segmentation_json(
    segmentation: Segmentation, exam_lesions: ExamLesions, matrix_lps, changes: dict
) -> dict:
    version = segmentation.model_version
    return {
        "source": segmentation.source,
        "name": _segmentation_name(segmentation),
        "kind": version.kind if version else "",
        "target": segmentation.target,
        "label_scheme": segmentation.label_scheme,
        **_volume_json("segmentations", segmentation, matrix_lps),
        "labels": scheme_labels(segmentation.label_scheme),
        "lesions": [
            _lesion_json(lesion, exam_lesions, changes[lesion.pk])
            for lesion in segmentation.lesions.all()
        ],
        "flow": _flow_json(segmentation),
    }


def _segmentation_name(segmentation: Segmentation) -> str:
    if segmentation.model_version:
        return str(segmentation.model_version)
    if segmentation.reader:
        return segmentation.reader.get_full_name() or segmentation.reader.get_username()
    return segmentation.get_source_display()


def _lesion_json(lesion: Lesion, exam_lesions: ExamLesions, change: dict) -> dict:
    return {
        "id": lesion.pk,
        "index": lesion.index,
        "label": lesion.label,
        "label_name": lesion.label_name,
        "volume_ml": round(lesion.volume_ml, 4),
        "centroid_mm": [round(float(v), 3) + 0.0 for v in exam_lesions.centroid_in_current(lesion)],
        "bbox": lesion.bbox,
        **change,
    }


def _flow_json(segmentation: Segmentation) -> dict | None:
    flow = getattr(segmentation, "acc_curves", None)
    if flow is None:
        return None
    return {
        "stages": flow.stages,
        "acc_mean": flow.acc_mean,
        "acc_sd": flow.acc_sd,
        "slices": flow.slices,
    }
