"""Ensemble alarm flags in the database: each exam's candidates (the model segmentations of one
target) against their majority vote, and cohort thresholds over all exams
(segmentation.engine.discord).
Alarms are advisory: they flag, they never reject."""

import math
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.utils import timezone

from reviewer.alarms.models import Alarm, EnsembleAgreement
from reviewer.cases.models import Exam
from reviewer.core.storage import read_nifti
from segmentation.engine import discord
from segmentation.models import Segmentation


def update_exam(exam: Exam) -> None:
    """Measure every target's candidates on this exam against their fusion (two or more)."""
    by_target = defaultdict(list)
    for segmentation in Segmentation.objects.filter(exam=exam, source="model").select_related(
        "model_version"
    ):
        by_target[segmentation.target].append(segmentation)
    spacing = exam.series.first().spacing
    for target, candidates in by_target.items():
        if len(candidates) < 2:
            continue
        masks = {
            str(s.model_version_id): np.asanyarray(read_nifti(s.file.name).dataobj) > 0
            for s in candidates
        }
        agreement = discord.candidate_agreement(masks, spacing)
        for version_id, values in agreement.items():
            EnsembleAgreement.objects.update_or_create(
                exam=exam,
                target=target,
                model_version_id=int(version_id),
                defaults={
                    "dice": _stored(values[discord.AgreementMetric.DICE]),
                    "hausdorff_mm": _stored(values[discord.AgreementMetric.HAUSDORFF]),
                },
            )


@transaction.atomic
def refresh_alarms(alpha: float = discord.DEFAULT_ALPHA) -> None:
    """Recompute thresholds over the whole cohort and bring every exam's open alarms in line:
    new ones are raised, ones whose evidence no longer holds are cleared (kept, with the time)."""
    rows = EnsembleAgreement.objects.select_related("model_version")
    cohorts: dict[str, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    names = {}
    for row in rows:
        cohorts[row.target][row.exam_id][str(row.model_version_id)] = {
            discord.AgreementMetric.DICE: _loaded(row.dice, math.nan),
            discord.AgreementMetric.HAUSDORFF: _loaded(row.hausdorff_mm, math.inf),
        }
        names[str(row.model_version_id)] = str(row.model_version)
    for target, by_exam in cohorts.items():
        try:
            thresholds = discord.cohort_thresholds(by_exam.values(), alpha=alpha)
        except ValueError:
            continue  # no finite value yet for some candidate: nothing to compare against
        for exam_id, agreement in by_exam.items():
            raised = discord.raise_alarms(agreement, thresholds, target=target)
            _sync(exam_id, target, raised, names, cohort_size=len(by_exam))


def _sync(exam_id: int, target: str, raised, names: dict[str, str], cohort_size: int) -> None:
    wanted = {(a.candidate, str(a.metric)): a for a in raised}
    open_alarms = Alarm.objects.open().filter(
        exam_id=exam_id, kind=Alarm.Kind.UNRELIABLE, evidence__target=target
    )
    for alarm in open_alarms:
        key = (alarm.evidence.get("model_version_id"), alarm.evidence.get("metric"))
        if wanted.pop(key, None) is None:
            alarm.cleared_at = timezone.now()
            alarm.save(update_fields=["cleared_at"])
    for (version_id, metric), alarm in wanted.items():
        Alarm.objects.create(
            exam_id=exam_id,
            segmentation=Segmentation.objects.filter(
                exam_id=exam_id, model_version_id=int(version_id)
            ).first(),
            kind=Alarm.Kind.UNRELIABLE,
            reason=f"{target} by {names[version_id]}: {alarm.reason}",
            evidence={
                "target": target,
                "model_version_id": version_id,
                "model_version": names[version_id],
                "metric": metric,
                "value": alarm.value if math.isfinite(alarm.value) else str(alarm.value),
                "threshold": alarm.threshold,
                "alpha": alarm.alpha,
                "cohort_size": cohort_size,
            },
        )


def _stored(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _loaded(value: float | None, missing: float) -> float:
    return missing if value is None else value
