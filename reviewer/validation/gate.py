"""The model update gate of EASE (spec ease-and-evaluation.md, A9), decided from a validation
run's cases and the grades given to their maps:

- every case voxel-identical to the live version's map: **no change**, deployable as it is;
- otherwise the changed cases are re-graded (the candidate's map, and the live version's where
  it has no grade yet). The version is **deployable** when no changed case's acceptability got
  worse (acceptable before, unacceptable now) and the mean grade over the changed cases is not
  lower; else it is **refused**. Until every changed case has both grades it **awaits grades**;
- independently, the version is **incompatible** when an accepted case's volume changed by
  more than 25 % (|V_new − V_old| / V_old, R-A9.4): deploying it starts a new compatibility
  group, and volumes are never compared across groups.

A lineage's first version has no baseline: every case is changed, and once all are graded it is
deployable, its grades becoming the baseline."""

import dataclasses
from collections.abc import Collection
from statistics import fmean

from django.db import models

from reviewer.grading.models import Assessment
from reviewer.validation.models import ValidationCase, ValidationRun

VOLUME_TOLERANCE = 0.25
RULE = (
    "Deployable without re-grading when every case is voxel-identical to the live version's "
    "map. Otherwise QA admins re-grade the changed cases; the version is deployable when no "
    "changed case goes from acceptable to unacceptable and the mean grade over the changed "
    "cases is not lower. A volume change over 25 % on an accepted case makes the version "
    "incompatible: deploying it starts a new compatibility group."
)


class Decision(models.TextChoices):
    RUNNING = "running", "Running"
    FAILED = "failed", "Run failed"
    NO_CHANGE = "no_change", "No change: deployable"
    AWAITING_GRADES = "awaiting_grades", "Changed cases await grades"
    DEPLOYABLE = "deployable", "Deployable"
    REFUSED = "refused", "Not deployable"


DEPLOYABLE_DECISIONS = (Decision.NO_CHANGE, Decision.DEPLOYABLE)


@dataclasses.dataclass(frozen=True)
class Grade:
    acceptable: bool
    level: int  # EASE grade 1–5 or the four-level value 1–4, best highest


@dataclasses.dataclass(frozen=True)
class CaseOutcome:
    key: str
    pseudonym: str
    exam: int
    candidate_segmentation: int
    baseline_segmentation: int | None
    candidate_ml: float
    baseline_ml: float | None
    changed: bool
    candidate: Grade | None
    baseline: Grade | None
    volume_change: float | None  # relative, signed; None without a baseline or a zero volume
    incompatible: bool  # an accepted case whose volume changed by more than 25 %
    worse: bool  # acceptable before, unacceptable now
    has_baseline: bool = True  # False for a lineage's first version

    @property
    def awaiting(self) -> list[str]:
        """The maps of a changed case that still need a grade: "candidate", "baseline"."""
        if not self.changed:
            return []
        return [name for name in ("candidate", "baseline") if self._missing(name)]

    def _missing(self, name: str) -> bool:
        return getattr(self, name) is None and (name == "candidate" or self.has_baseline)


@dataclasses.dataclass(frozen=True)
class GateDecision:
    decision: str
    compatible: bool
    cases: list[CaseOutcome]
    mean_candidate: float | None  # over the changed cases, when all are graded
    mean_baseline: float | None
    reasons: list[str]

    @property
    def deployable(self) -> bool:
        return self.decision in DEPLOYABLE_DECISIONS

    def as_json(self) -> dict:
        return {
            "decision": self.decision,
            "deployable": self.deployable,
            "compatible": self.compatible,
            "mean_candidate": self.mean_candidate,
            "mean_baseline": self.mean_baseline,
            "reasons": self.reasons,
            "changed": [c.key for c in self.cases if c.changed],
            "incompatible": [c.key for c in self.cases if c.incompatible],
        }


def decide(run: ValidationRun) -> GateDecision:
    """The gate's decision on a run as it stands now (grades keep arriving after the job)."""
    if run.status == ValidationRun.Status.FAILED:
        return GateDecision(Decision.FAILED, True, [], None, None, [run.error or "the run failed"])
    if run.status != ValidationRun.Status.SUCCEEDED:
        return GateDecision(Decision.RUNNING, True, [], None, None, ["the run has not finished"])
    cases = list(run.cases.select_related("case__exam__patient").order_by("case__key"))
    grades = current_grades(
        [c.candidate_id for c in cases] + [c.baseline_id for c in cases if c.baseline_id]
    )
    outcomes = [_outcome(c, grades) for c in cases]
    return _decision(outcomes)


def current_grades(segmentation_ids) -> dict[int, Grade]:
    current = Assessment.objects.filter(segmentation__in=segmentation_ids).current_by_segmentation()
    return {
        pk: Grade(a.acceptable, a.grade if a.grade is not None else a.four_level)
        for pk, a in current.items()
    }


def _outcome(case: ValidationCase, grades: dict[int, Grade]) -> CaseOutcome:
    baseline = grades.get(case.baseline_id) if case.baseline_id else None
    candidate = grades.get(case.candidate_id)
    change = None
    if case.baseline_ml:  # neither missing nor zero
        change = (case.candidate_ml - case.baseline_ml) / case.baseline_ml
    accepted_before = baseline is not None and baseline.acceptable
    return CaseOutcome(
        key=case.case.key,
        pseudonym=case.case.exam.patient.pseudonym,
        exam=case.case.exam_id,
        candidate_segmentation=case.candidate_id,
        baseline_segmentation=case.baseline_id,
        candidate_ml=case.candidate_ml,
        baseline_ml=case.baseline_ml,
        changed=not case.identical,
        candidate=candidate,
        baseline=baseline,
        volume_change=change,
        incompatible=accepted_before and change is not None and abs(change) > VOLUME_TOLERANCE,
        worse=accepted_before and candidate is not None and not candidate.acceptable,
        has_baseline=case.baseline_id is not None,
    )


def _decision(outcomes: list[CaseOutcome]) -> GateDecision:
    compatible = not any(o.incompatible for o in outcomes)
    reasons = [
        f"{o.key}: an accepted case's volume changed by {o.volume_change:+.0%}"
        for o in outcomes
        if o.incompatible
    ]
    changed = [o for o in outcomes if o.changed]
    if not changed:
        return GateDecision(Decision.NO_CHANGE, compatible, outcomes, None, None, reasons)
    waiting = [o for o in changed if o.awaiting]
    if waiting:
        reasons = [f"{o.key}: {_awaiting(o.awaiting)}" for o in waiting]
        return GateDecision(Decision.AWAITING_GRADES, compatible, outcomes, None, None, reasons)
    mean_candidate = fmean(o.candidate.level for o in changed)
    compared = [o for o in changed if o.baseline is not None]
    mean_baseline = fmean(o.baseline.level for o in compared) if compared else None
    refusals = [f"{o.key}: acceptable before, unacceptable now" for o in changed if o.worse]
    if mean_baseline is not None and mean_candidate < mean_baseline:
        refusals.append(
            f"the mean grade over the {len(changed)} changed case(s) fell from "
            f"{mean_baseline:.2f} to {mean_candidate:.2f}"
        )
    decision = Decision.REFUSED if refusals else Decision.DEPLOYABLE
    return GateDecision(
        decision, compatible, outcomes, mean_candidate, mean_baseline, refusals + reasons
    )


KEY_LISTS = ("changed", "incompatible")  # the lists of case keys in GateDecision.as_json


def _awaiting(maps: list[str]) -> str:
    if len(maps) == 1:
        return f"the {maps[0]} map awaits a grade"
    return f"the {' and '.join(maps)} maps await a grade"


def as_page(decision: GateDecision, hidden_exams: Collection[int] = ()) -> dict:
    """The decision with its cases and the rule, as the run's page and API show it. The cases
    on ``hidden_exams`` (whose AI output a reader study hides from the viewer now,
    reviewer.cases.blinding) are named in ``hidden_cases`` only: their volumes, changes, grades
    and the reasons about them (each "key: …") are left out; the decision stays the gate's."""
    hidden = {case.key for case in decision.cases if case.exam in hidden_exams}
    decided = decision.as_json()
    return {
        **decided,
        **{name: [key for key in decided[name] if key not in hidden] for name in KEY_LISTS},
        "reasons": [r for r in decision.reasons if r.split(": ", 1)[0] not in hidden],
        "rule": RULE,
        "hidden_cases": sorted(hidden),
        "cases": [
            {
                **dataclasses.asdict(case),
                "awaiting": case.awaiting,
                "volume_change_text": (
                    "" if case.volume_change is None else f"{case.volume_change:+.0%}"
                ),
            }
            for case in decision.cases
            if case.key not in hidden
        ],
        "label": Decision(decision.decision).label,
    }
