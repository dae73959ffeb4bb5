"""Freezing the ensemble's thresholds over a named cohort (R-ALM-02): per target, candidate and
metric, median − α·MAD of the current agreement rows, with α from the current rule
configuration, stored as a ThresholdSet that later exams are scored against. A candidate with
fewer finite values than ``minimum_exams`` is left out (and named): a median over two exams is
no reference."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from reviewer.alarms.appending import SubmissionError
from reviewer.alarms.ensemble import cohort_agreement
from reviewer.alarms.models import (
    EnsembleAgreement,
    FrozenThreshold,
    RuleConfiguration,
    ThresholdSet,
)
from segmentation.engine import discord

MINIMUM_EXAMS = 5


class FreezeError(SubmissionError):
    """Nothing could be frozen as asked; `field` names the offending input."""


@dataclass(frozen=True)
class Frozen:
    threshold_set: ThresholdSet
    left_out: list[str]  # "WT NODE 1.0: 3 finite dice values (fewer than 5)", …


def freeze_thresholds(
    *,
    cohort: str,
    user=None,
    patients: list[str] | None = None,
    exams: list[int] | None = None,
    model_versions: list | None = None,
    scaled_mad: bool = False,
    minimum_exams: int = MINIMUM_EXAMS,
    note: str = "",
    progress: Callable[[int, int, str], None] | None = None,
) -> Frozen:
    """Freeze the thresholds of the agreement rows of ``patients`` (pseudonyms; every patient
    when None) as the set named ``cohort``; with ``exams`` (ids) only those exams' rows, with
    ``model_versions`` only those versions' (a reference dataset as a version goes live: its
    exams, not the patients' others, and the live versions, not retired ones)."""
    if not cohort.strip():
        raise FreezeError("name the cohort the thresholds are frozen over", "cohort")
    if minimum_exams < 1:
        raise FreezeError(f"minimum_exams must be at least 1, not {minimum_exams}", "minimum_exams")
    rows = _cohort_rows(patients, exams, model_versions)
    rules = RuleConfiguration.objects.current()
    names = {str(row.model_version_id): str(row.model_version) for row in rows}
    cohorts = cohort_agreement(rows)
    candidates = sorted({(row.target, str(row.model_version_id)) for row in rows})
    frozen, left_out = [], []
    for done, (target, candidate) in enumerate(candidates):
        if progress:
            progress(done, len(candidates), f"{target} {names[candidate]}")
        values = [a[candidate] for a in cohorts[target].values() if candidate in a]
        for metric in discord.PAPER_METRICS:
            alpha = rules.alpha(target, metric)
            threshold = _threshold(values, candidate, metric, alpha, scaled_mad)
            size = threshold.cohort_size if threshold else 0
            if size >= minimum_exams:
                frozen.append((target, threshold))
            else:
                left_out.append(
                    f"{target} {names[candidate]}: {size} finite {metric} values "
                    f"(fewer than {minimum_exams})"
                )
    if progress:
        progress(len(candidates), len(candidates), "frozen")
    if not frozen:
        raise FreezeError(
            "no candidate has enough finite values: " + "; ".join(left_out), "minimum_exams"
        )
    return Frozen(_store(cohort, user, rows, scaled_mad, note, frozen), left_out)


def _cohort_rows(patients, exams, model_versions) -> list[EnsembleAgreement]:
    rows = EnsembleAgreement.objects.select_related("model_version")
    if exams is not None:
        rows = rows.filter(exam__in=exams)
    if model_versions is not None:
        rows = rows.filter(model_version__in=model_versions)
    if patients is not None:
        rows = rows.filter(exam__patient__pseudonym__in=patients)
        unknown = set(patients) - set(rows.values_list("exam__patient__pseudonym", flat=True))
        if unknown:
            raise FreezeError(f"no ensemble agreement for {', '.join(sorted(unknown))}", "patients")
    rows = list(rows)
    if not rows:
        raise FreezeError("no ensemble agreement has been measured yet", "patients")
    return rows


def _threshold(values, candidate, metric, alpha, scaled) -> discord.Threshold | None:
    one_metric = [{candidate: {metric: v[metric]}} for v in values]
    try:
        return discord.cohort_thresholds(one_metric, alpha=alpha, scaled=scaled)[candidate, metric]
    except ValueError:  # no finite value
        return None


@transaction.atomic
def _store(cohort, user, rows, scaled_mad, note, frozen) -> ThresholdSet:
    threshold_set = ThresholdSet.objects.create(
        cohort=cohort.strip(),
        exam_ids=sorted({row.exam_id for row in rows}),
        scaled_mad=scaled_mad,
        note=note,
        created_by=user,
    )
    FrozenThreshold.objects.bulk_create(
        FrozenThreshold(
            threshold_set=threshold_set,
            target=target,
            model_version_id=int(threshold.candidate),
            metric=str(threshold.metric),
            median=threshold.median,
            mad=threshold.mad,
            alpha=threshold.alpha,
            threshold=threshold.value,
            cohort_size=threshold.cohort_size,
        )
        for target, threshold in frozen
    )
    return threshold_set
