"""The exam viewer's manifest: everything the browser needs to lay out the current exam and up
to two priors (EASE compares the current exam with two priors) before it fetches a voxel.

Geometry is given in Cornerstone3D's LPS world, and a registered prior's grid and lesion
centroids are already moved into the current exam's space, so the viewer synchronises panels
without doing any geometry itself. Building it writes nothing (no row, no task, no cache entry,
no file): what is expensive (windows, lesion overlaps, registrations) is prepared when the data
arrives (reviewer.viewer.preparation), and a manifest reads rows and the cache. What preparation
has not reached yet is computed from the stored files and not kept; a prior not yet registered
is "pending".

Per exam, the AI result a reader reviews is one composite label map per model family; the
single-target maps it was composed from are listed too, as its parts (for their flows and for
QA), without lesions. Only lesions are listed: the components below a segmentation's minimum
volume are counted (below_minimum_count) and listed by the segmentation's lesions endpoint."""

import numpy as np
from django.db.models import Prefetch

from imaging.label_colours import NEW_LESION_COLOUR, scheme_labels
from imaging.labels import region_name
from imaging.sequences import CHANNEL_ORDER
from reviewer.alarms.services import open_alarms
from reviewer.cases.models import Exam, Patient, Series
from reviewer.viewer.lesion_changes import ExamLesions, LesionTable, lesion_changes, lesion_rows
from reviewer.viewer.preprocessing_view import (
    ACQUIRED_SERIES,
    RUNS,
    acquired_series_json,
    preprocessing_json,
)
from reviewer.viewer.registration import registration_for
from reviewer.viewer.volume_json import volume_json
from reviewer.viewer.voxel_cache import volume_summary
from segmentation.cohort_acc import cohort_acc
from segmentation.compatibility import model_versions, prior_warnings
from segmentation.models import Segmentation
from segmentation.segmentations import with_lesion_counts

MAX_PRIORS = 2
SEQUENCE_RANK = {s.value: rank for rank, s in enumerate(CHANNEL_ORDER)}


class ExamNotFound(LookupError):
    """The requested exam is not one of the patient's (or the patient has none)."""


SHOWN_SEGMENTATIONS = (
    with_lesion_counts(
        Segmentation.objects.current().select_related("model_version", "reader", "acc_curves")
    )
    .prefetch_related(
        Prefetch("parts", queryset=Segmentation.objects.select_related("model_version")),
        Prefetch("composites", queryset=Segmentation.objects.current().only("pk")),
    )
    .order_by("source", "target", "pk")
)


def viewer_manifest(patient: Patient, exam_id: int | None = None, *, user) -> dict:
    """The manifest as ``user`` sees it: no AI output (segmentations, lesions, flows, alarms) of
    an exam they may not see it of now (reviewer.cases.blinding)."""
    exams = shown_exams(patient, exam_id, SHOWN_SEGMENTATIONS.shown_to(user))
    current = exams[0]
    registrations = [registration_for(exam, current) for exam in exams]
    rows = lesion_rows(exams)
    lesions = [
        ExamLesions.of(exam, np.eye(4) if state.matrix_lps is None else state.matrix_lps, rows)
        for exam, state in zip(exams, registrations, strict=True)
    ]
    changes = lesion_changes(lesions)
    return {
        "patient": patient.pseudonym,
        "current_exam": current.pk,
        "exams": [
            _exam_json(
                exam_lesions,
                state,
                changes,
                role="prior" if position else "current",
                priors=[] if position else exams[1:],
            )
            for position, (exam_lesions, state) in enumerate(
                zip(lesions, registrations, strict=True)
            )
        ],
        "cohort_acc": cohort_acc(),
        "alarms": open_alarms(exams, user),
        "new_lesion_color": list(NEW_LESION_COLOUR),
        "sockets": {"alarms": f"/ws/cases/{patient.pseudonym}/alarms/", "flow": "/ws/flows/"},
    }


def shown_exams(
    patient: Patient, exam_id: int | None, segmentations=SHOWN_SEGMENTATIONS
) -> list[Exam]:
    """The current exam (the given one, else the latest), then up to two priors, newest first,
    with what the manifest reads of them prefetched once (of their segmentations, those of
    ``segmentations``)."""
    exams = Exam.objects.filter(patient=patient).order_by("-order")
    current = exams.first() if exam_id is None else exams.filter(pk=exam_id).first()
    if current is None:
        raise ExamNotFound(
            f"patient {patient.pseudonym} has no exams"
            if exam_id is None
            else f"exam {exam_id} is not an exam of patient {patient.pseudonym}"
        )
    priors = exams.filter(order__lt=current.order).values_list("pk", flat=True)[:MAX_PRIORS]
    return list(
        exams.filter(pk__in=[current.pk, *priors]).prefetch_related(
            Prefetch("series", queryset=Series.objects.order_by("pk")),
            Prefetch("acquired_series", queryset=ACQUIRED_SERIES),
            Prefetch("preprocessing_runs", queryset=RUNS),
            Prefetch("segmentations", queryset=segmentations),
        )
    )


def _exam_json(
    exam_lesions: ExamLesions, state, changes: dict, *, role: str, priors: list[Exam]
) -> dict:
    exam = exam_lesions.exam
    series = sorted(exam.series.all(), key=lambda s: SEQUENCE_RANK.get(s.sequence, 99))
    return {
        "id": exam.pk,
        "order": exam.order,
        "date": exam.date.isoformat() if exam.date else None,
        "role": role,
        "registration": state.as_json(),
        "series": [_series_json(s, state.matrix_lps) for s in series],
        "acquired_series": acquired_series_json(exam, state.matrix_lps),
        "preprocessing": preprocessing_json(exam, state.matrix_lps),
        "segmentations": [
            _segmentation_json(s, exam_lesions, state.matrix_lps, changes, priors)
            for s in exam_lesions.segmentations
        ],
    }


def _series_json(series: Series, matrix_lps) -> dict:
    return {
        "sequence": series.sequence,
        **volume_json("series", series, matrix_lps),
        "window": volume_summary(series)["window"],
    }


def _segmentation_json(
    segmentation: Segmentation, exam_lesions: ExamLesions, matrix_lps, changes: dict, priors
) -> dict:
    version = segmentation.model_version
    composites = segmentation.composites.all()
    versions = model_versions(segmentation)
    table = exam_lesions.table(segmentation)
    return {
        "source": segmentation.source,
        "name": _segmentation_name(segmentation),
        "kind": version.kind if version else segmentation.family,
        "target": segmentation.target,
        "label_scheme": segmentation.label_scheme,
        **volume_json("segmentations", segmentation, matrix_lps),
        "labels": scheme_labels(segmentation.label_scheme),
        "family": segmentation.family,
        "parts": [part.pk for part in segmentation.parts.all()],
        "part_of": composites[0].pk if composites else None,
        "minimum_lesion_ml": segmentation.minimum_lesion_ml,
        "lesion_count": segmentation.lesion_count,
        "below_minimum_count": segmentation.below_minimum_count,
        "lesions": _lesions_json(table, segmentation.label_scheme, changes),
        "flow": _flow_json(segmentation),
        "model_versions": [_version_json(v) for v in versions],
        # an AI result against the shown priors' (a part is compared as its composite)
        "comparability": (
            prior_warnings(segmentation, priors=priors, name_missing=False)
            if versions and not composites
            else []
        ),
    }


def _version_json(version) -> dict:
    return {
        "name": str(version),
        "live": version.deployed_at is not None,
        "compatibility_group": version.compatibility_group,
    }


def _segmentation_name(segmentation: Segmentation) -> str:
    if segmentation.model_version:
        return str(segmentation.model_version)
    if segmentation.reader:
        return segmentation.reader.get_full_name() or segmentation.reader.get_username()
    if segmentation.family:
        return f"{segmentation.get_family_display()} (ET, TC, WT composed)"
    return segmentation.get_source_display()


def _lesions_json(table: LesionTable, scheme: str, changes: dict) -> list[dict]:
    centroids = (np.round(table.centroid, 3) + 0.0).tolist()  # + 0.0: no "-0.0" in the JSON
    volumes = np.round(table.volume_ml, 4).tolist()
    return [
        {
            "id": lesion_id,
            "index": index,
            "label": label,
            "label_name": region_name(scheme, label),
            "volume_ml": volume,
            "centroid_mm": centroid,
            "bbox": bbox,
            **changes[lesion_id],
        }
        for lesion_id, index, label, volume, centroid, bbox in zip(
            table.ids,
            table.index.tolist(),
            table.label,
            volumes,
            centroids,
            table.bbox,
            strict=True,
        )
    ]


def _flow_json(segmentation: Segmentation) -> dict | None:
    flow = getattr(segmentation, "acc_curves", None)
    if flow is None:
        return None
    return {
        "stages": flow.stages,
        "acc_mean": flow.acc_mean,
        "acc_sd": flow.acc_sd,
        "slices": flow.slices,
        "gamma_share": flow.gamma_share,
        "background_share": flow.background_share,
    }
