"""Ensemble alarm flags in the database: each exam's candidates (the model segmentations of one
target) against their majority vote (segmentation.engine.discord), scored against thresholds
median − α·MAD. Once a threshold set has been frozen over a named cohort
(reviewer.alarms.thresholds), the latest one is the reference and a candidate it has no
threshold for is not scored; before that, thresholds are computed over every exam measured so
far, with α from the current rule configuration. Alarms are advisory: they flag, never reject."""

import math
from collections import defaultdict

import numpy as np
from django.db import transaction

from reviewer.alarms.models import Alarm, EnsembleAgreement, RuleConfiguration, ThresholdSet
from reviewer.alarms.sync import Finding, sync_alarms
from reviewer.cases.models import Exam
from reviewer.core.storage import read_nifti
from segmentation.engine import discord
from segmentation.engine.targets import Target
from segmentation.models import Segmentation

Thresholds = dict[tuple[str, discord.AgreementMetric], discord.Threshold]
LIVE_COHORT = "every exam measured so far"


def update_exam(exam: Exam, *, versions=None) -> None:
    """Measure every target's candidates on this exam against their fusion (two or more): the
    maps of every model version, or of ``versions`` only (the live ones, as a deployment freezes
    thresholds again: a retired version must not vote)."""
    by_target = defaultdict(list)
    candidates = Segmentation.objects.filter(exam=exam, source="model", target__in=list(Target))
    if versions is not None:
        candidates = candidates.filter(model_version__in=versions)
    for segmentation in candidates:
        by_target[segmentation.target].append(segmentation)
    for target, segmentations in by_target.items():
        if len(segmentations) < 2:
            continue
        masks = {
            str(s.model_version_id): np.asanyarray(read_nifti(s.file.name).dataobj) > 0
            for s in segmentations
        }
        agreement = discord.candidate_agreement(masks, exam.series.first().spacing)
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


def cohort_agreement(rows) -> dict[str, dict[int, dict[str, dict]]]:
    """Agreement rows as target → exam → candidate → metric → value (missing values as the
    non-finite value they stand for, which alarms)."""
    cohorts: dict[str, dict[int, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        cohorts[row.target][row.exam_id][str(row.model_version_id)] = {
            discord.AgreementMetric.DICE: _loaded(row.dice, math.nan),
            discord.AgreementMetric.HAUSDORFF: _loaded(row.hausdorff_mm, math.inf),
        }
    return cohorts


@transaction.atomic
def refresh_alarms() -> None:
    """Score every exam's candidates and bring its open ensemble alarms in line: new ones are
    raised, ones whose evidence no longer holds are cleared (kept, with the time)."""
    frozen = ThresholdSet.objects.current()
    rules = RuleConfiguration.objects.current()
    rows = EnsembleAgreement.objects.select_related("model_version")
    names = {str(row.model_version_id): str(row.model_version) for row in rows}
    segmentation_of = {
        (exam_id, str(version_id)): pk
        for pk, exam_id, version_id in Segmentation.objects.filter(source="model")
        .order_by("-pk")
        .values_list("pk", "exam_id", "model_version_id")
    }
    for target, by_exam in cohort_agreement(rows).items():
        thresholds = (
            frozen_thresholds(frozen, target) if frozen else live_thresholds(by_exam, target, rules)
        )
        if thresholds is None:
            continue  # no finite value yet for some candidate: nothing to compare against
        cohort = frozen.cohort if frozen else LIVE_COHORT
        for exam_id, agreement in by_exam.items():
            scored = {
                candidate: {m: v for m, v in values.items() if (candidate, m) in thresholds}
                for candidate, values in agreement.items()
            }
            flags = discord.raise_alarms(scored, thresholds, target=target)
            findings = [
                _finding(
                    flag,
                    thresholds,
                    names,
                    cohort,
                    frozen,
                    segmentation_of.get((exam_id, flag.candidate)),
                )
                for flag in flags
            ]
            sync_alarms(
                exam_id,
                findings,
                kinds=[Alarm.Kind.UNRELIABLE],
                key_prefix=f"unreliable:{target}:",
                threshold_set=frozen,
            )


def frozen_thresholds(frozen: ThresholdSet, target: str) -> Thresholds:
    rows = frozen.thresholds.filter(target=target).select_related("threshold_set")
    return {
        (str(t.model_version_id), discord.AgreementMetric(t.metric)): t.as_threshold() for t in rows
    }


def live_thresholds(by_exam: dict, target: str, rules: RuleConfiguration) -> Thresholds | None:
    alphas = {
        (candidate, metric): rules.alpha(target, metric)
        for agreement in by_exam.values()
        for candidate, values in agreement.items()
        for metric in values
    }
    try:
        return discord.cohort_thresholds(by_exam.values(), alpha_overrides=alphas)
    except ValueError:
        return None


def _finding(flag, thresholds: Thresholds, names, cohort, frozen, segmentation_id) -> Finding:
    threshold = thresholds[flag.candidate, flag.metric]
    version = flag.candidate
    return Finding(
        kind=Alarm.Kind.UNRELIABLE,
        key=f"unreliable:{flag.target}:{version}:{flag.metric}",
        segmentation_id=segmentation_id,
        reason=f"{flag.target} by {names[version]}: {flag.reason}",
        evidence={
            "target": flag.target,
            "model_version_id": version,
            "model_version": names[version],
            "metric": str(flag.metric),
            "value": flag.value if math.isfinite(flag.value) else str(flag.value),
            "threshold": flag.threshold,
            "alpha": flag.alpha,
            "median": threshold.median,
            "mad": threshold.mad,
            "scaled_mad": threshold.scaled,
            "cohort_size": threshold.cohort_size,
            "cohort": cohort,
            "threshold_set": frozen.pk if frozen else None,
        },
    )


def _stored(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _loaded(value: float | None, missing: float) -> float:
    return missing if value is None else value
