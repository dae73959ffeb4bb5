"""The three exams of a volume diagnosis (EASE R-A8.1): the current exam (t) and two priors
(t−1, t−2), each with the same model family's composite segmentation. Only when all three
segmentations' current assessments are ACCEPTABLE is there a volumetric assessment (R-A6.6,
l.1894–1895); otherwise the refusals say which exam or segmentation stands in the way."""

from dataclasses import dataclass, field

from reviewer.cases.models import Exam
from reviewer.grading.models import Assessment
from reviewer.grading.services import GradingError
from reviewer.grading.volumes import RegionVolume, region_volumes
from segmentation.compatibility import incompatibility
from segmentation.models import Segmentation

TIMEPOINTS = ("t", "t-1", "t-2")


@dataclass(frozen=True)
class Member:
    timepoint: str
    exam: Exam
    segmentation: Segmentation | None  # the family's composite of the exam
    assessment: Assessment | None  # the segmentation's current assessment


@dataclass(frozen=True)
class Refusal:
    """Why there is no volumetric assessment. `kind`: priors (fewer than two), segmentation
    (none of the family), not_graded, unacceptable, incompatible (a prior's segmentation made by
    model versions of another compatibility group than the current one's, R-A9.5)."""

    kind: str
    message: str
    exam: Exam | None = None
    segmentation: Segmentation | None = None


@dataclass
class ThreeExamSet:
    exam: Exam
    family: str
    members: list[Member]  # t, t−1, t−2 (fewer when the exam has fewer priors)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.refusals

    def volumes(self) -> dict[int, list[RegionVolume]]:
        """Region volumes by segmentation pk; none unless the volumetric assessment is possible
        (a rejected segmentation never contributes volumes, EASE D2)."""
        if not self.possible:
            return {}
        return region_volumes(m.segmentation for m in self.members)


def refusals(members: list[Member], family: str) -> list[Refusal]:
    """What keeps these members from a volumetric assessment, in timepoint order."""
    found = []
    if len(members) < len(TIMEPOINTS):
        current = members[0].exam
        found.append(
            Refusal(
                "priors",
                f"{_name(current)} has {len(members) - 1} earlier exam(s): the three-exam "
                "diagnosis needs two priors",
                current,
            )
        )
    for member in members:
        segmentation, assessment = member.segmentation, member.assessment
        if segmentation is None:
            message = f"{_name(member.exam)} has no {family} composite segmentation"
            found.append(Refusal("segmentation", message, member.exam))
        elif assessment is None:
            message = (
                f"segmentation {segmentation.pk} of {_name(member.exam)} is not graded yet: "
                "grade it first"
            )
            found.append(Refusal("not_graded", message, member.exam, segmentation))
        elif not assessment.acceptable:
            message = (
                f"segmentation {segmentation.pk} of {_name(member.exam)} was graded UNACCEPTABLE "
                f"(assessment {assessment.pk}): no volumetric assessment"
            )
            found.append(Refusal("unacceptable", message, member.exam, segmentation))
    found.extend(_incompatible(members))
    return found


def _incompatible(members: list[Member]) -> list[Refusal]:
    """The priors whose volumes cannot be compared with the current exam's: all three
    timepoints must come from compatible model versions (EASE R-A9.5)."""
    current, *priors = members
    if current.segmentation is None:
        return []
    found = []
    for member in priors:
        if member.segmentation is None:
            continue
        why = incompatibility(current.segmentation, member.segmentation)
        if why:
            message = (
                f"segmentation {member.segmentation.pk} of {_name(member.exam)} was made by "
                f"incompatible model versions ({why}): segment it again with the current "
                "exam's versions and grade it"
            )
            found.append(Refusal("incompatible", message, member.exam, member.segmentation))
    return found


def default_priors(exam: Exam) -> list[Exam]:
    """The two exams just before this one, the later first (t−1, t−2)."""
    return list(
        Exam.objects.filter(patient_id=exam.patient_id, order__lt=exam.order).order_by("-order")[:2]
    )


def chosen_priors(exam: Exam, priors: list[int]) -> list[Exam]:
    """The reader's two priors, checked: two distinct earlier exams of the same patient."""
    if len(priors) != 2 or len(set(priors)) != 2:
        raise GradingError("give two different prior exams", "priors")
    found = {e.pk: e for e in Exam.objects.filter(pk__in=priors, patient_id=exam.patient_id)}
    for pk in priors:
        if pk not in found or found[pk].order >= exam.order:
            raise GradingError(f"exam {pk} is not a prior of {_name(exam)}", "priors")
    return sorted(found.values(), key=lambda e: e.order, reverse=True)


def three_exam_set(exam: Exam, family: str, priors: list[int] | None = None) -> ThreeExamSet:
    """The set for `exam` on `family`'s composites: the given priors, else the two latest."""
    if family not in Segmentation.Family.values:
        raise GradingError(
            f"{family!r} is not a model family ({', '.join(Segmentation.Family.values)})", "family"
        )
    exams = [exam] + (default_priors(exam) if priors is None else chosen_priors(exam, priors))
    composites = {
        s.exam_id: s
        for s in Segmentation.objects.current().filter(
            exam__in=exams, source=Segmentation.Source.COMPOSITE, family=family
        )
    }
    current = Assessment.objects.filter(
        segmentation__in=composites.values()
    ).current_by_segmentation()
    members = [
        Member(
            timepoint,
            e,
            composites.get(e.pk),
            current.get(composites[e.pk].pk) if e.pk in composites else None,
        )
        for timepoint, e in zip(TIMEPOINTS, exams, strict=False)
    ]
    return ThreeExamSet(exam, family, members, refusals(members, family))


def _name(exam: Exam) -> str:
    return f"exam {exam.pk} ({exam.date or 'no date'})"
