"""The review state of exams and patients, for the worklist's review column and its "my open
cases" filter: `review_states(exams_or_patients, user)`.

What a reader reviews of an exam are its AI results: each model family's composite map, and a
model's own full label map (the MS new-lesion detection); single-target maps are parts. An exam is

- waiting for a second reader: its standing volume diagnosis awaits a second opinion or the
  readers' consensus (reviewer.grading.diagnoses);
- done: every AI result has an assessment, every listed lesion of each result currently graded
  ACCEPTABLE has a verdict, and either its standing volume diagnosis is closed or no volume
  diagnosis is due (fewer than two prior exams, or each model family's set of three has a
  segmentation missing or currently UNACCEPTABLE: EASE's "no volumetric assessment");
- graded: every AI result has an assessment, but lesions or the due diagnosis remain;
- in review: some assessment, verdict or diagnosis exists, not yet all of the above;
- not reviewed: none (also an exam with no AI result yet).

A patient (a worklist case) is waiting for a second reader if any of its exams is; otherwise
the least advanced of its exams that have something to review decides (done only when all are
done, not reviewed only when none was touched, in review when some were and some were not).

The state is the case's, the same for every user, but for one whose AI output a user may not
see now (reviewer.cases.blinding: a reader study's unaided reading): to them it is not
reviewed, as if it had no AI result. `open_for_user` adds the user's part: the
case is not done and the user has graded, judged or diagnosed something of it, or it waits for
a second opinion that this user (not the first reader) may give.

All data comes from a fixed number of queries, whatever the number of cases or components.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q

from reviewer.cases.blinding import exams_without_ai
from reviewer.cases.models import Exam, Patient
from reviewer.grading.models import Assessment, LesionVerdict, Stage, VolumeDiagnosis
from reviewer.grading.three_exams import TIMEPOINTS, Member, refusals
from segmentation.models import Lesion, Segmentation

# The AI results a reader reviews (see the module's docstring). A single-target map is only
# ever a part: one not composed (yet, or a candidate's from a validation run) is not a result;
# a replaced composite is history.
REVIEWED = Q(source=Segmentation.Source.COMPOSITE, replaced_by__isnull=True) | Q(
    source=Segmentation.Source.MODEL, composites__isnull=True, target=""
)
OPEN = (Stage.AWAITING_SECOND_OPINION, Stage.AWAITING_CONSENSUS)


class ReviewState(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", "Not reviewed"
    IN_REVIEW = "in_review", "In review"
    GRADED = "graded", "Graded"
    WAITING_FOR_SECOND_READER = "waiting_for_second_reader", "Waiting for a second reader"
    DONE = "done", "Done"


@dataclass(frozen=True)
class ReviewStatus:
    state: ReviewState
    open_for_user: bool


@dataclass
class _ExamFacts:
    exam: Exam
    results: list[Segmentation] = field(default_factory=list)  # annotated by _facts
    head: VolumeDiagnosis | None = None  # the standing volume diagnosis
    user_took_part: bool = False
    state: ReviewState = ReviewState.NOT_REVIEWED

    @property
    def to_review(self) -> bool:
        return bool(self.results) or self.head is not None

    @property
    def awaits_opinion_of(self) -> int | None:
        """The first reader, when a second opinion on the standing diagnosis is awaited."""
        if self.head is not None and self.head.stage == Stage.AWAITING_SECOND_OPINION:
            return self.head.reader_id
        return None


def review_states(queryset, user) -> dict[int, ReviewStatus]:
    """The review status of each exam or patient of `queryset`, by primary key."""
    if queryset.model is Exam:
        exam_pks = list(queryset.values_list("pk", flat=True))
        patients = Exam.objects.filter(pk__in=exam_pks).values("patient_id")
    elif queryset.model is Patient:
        patients = queryset.values("pk")
    else:
        raise TypeError(f"review states are of exams or patients, not {queryset.model.__name__}")
    facts = _facts(Exam.objects.filter(patient_id__in=patients), user)
    if queryset.model is Exam:
        return {pk: _status([facts[pk]], user) for pk in exam_pks}
    by_patient = defaultdict(list)
    for fact in facts.values():
        by_patient[fact.exam.patient_id].append(fact)
    return {pk: _status(by_patient[pk], user) for pk in queryset.values_list("pk", flat=True)}


def _facts(exams, user) -> dict[int, _ExamFacts]:
    exams = list(exams.only("pk", "patient_id", "order", "date").order_by("patient_id", "order"))
    facts = {exam.pk: _ExamFacts(exam) for exam in exams}
    results = list(
        Segmentation.objects.filter(REVIEWED, exam__in=exams)
        .shown_to(user)
        .only("pk", "exam_id", "source", "family")
        .prefetch_related(
            Prefetch("parts", queryset=Segmentation.objects.select_related("model_version"))
        )
        .annotate(
            has_unjudged=Exists(
                Lesion.objects.filter(
                    segmentation=OuterRef("pk"), below_minimum=False, verdicts__isnull=True
                )
            ),
            has_verdict=Exists(LesionVerdict.objects.filter(segmentation=OuterRef("pk"))),
            assessed_by_user=Exists(
                Assessment.objects.filter(segmentation=OuterRef("pk"), reader=user)
            ),
            judged_by_user=Exists(
                LesionVerdict.objects.filter(segmentation=OuterRef("pk"), reader=user)
            ),
        )
    )
    for segmentation in results:
        fact = facts[segmentation.exam_id]
        fact.results.append(segmentation)
        fact.user_took_part |= segmentation.assessed_by_user or segmentation.judged_by_user
    current = Assessment.objects.filter(segmentation__in=results).current_by_segmentation()
    heads = VolumeDiagnosis.objects.heads().filter(exam__in=exams)
    heads = heads.exclude(exam__in=exams_without_ai(user))
    for head in heads.select_related("second_opinion", "consensus"):
        facts[head.exam_id].head = head
    diagnosed = VolumeDiagnosis.objects.filter(exam__in=exams).filter(
        Q(reader=user) | Q(second_opinion__reader=user) | Q(consensus__author=user)
    )
    for exam_pk in diagnosed.values_list("exam_id", flat=True):
        facts[exam_pk].user_took_part = True
    due = _diagnosis_due(exams, results, current)
    for fact in facts.values():
        fact.state = _exam_state(fact, current, due[fact.exam.pk])
    return facts


def _diagnosis_due(exams, results, current: dict[int, Assessment]) -> dict[int, bool]:
    """Whether each exam is due a volume diagnosis: it has two priors, and for some model
    family none of the three composites is missing or currently UNACCEPTABLE (one not graded
    yet still may be)."""
    composites = {
        (s.exam_id, s.family): s for s in results if s.source == Segmentation.Source.COMPOSITE
    }
    due, earlier = {}, []
    for exam in exams:  # by patient, then order
        if earlier and earlier[-1].patient_id != exam.patient_id:
            earlier = []
        three = [exam, *earlier[::-1][:2]]
        due[exam.pk] = len(three) == len(TIMEPOINTS) and any(
            all(
                refusal.kind == "not_graded"
                for refusal in refusals(_members(three, family, composites, current), family)
            )
            for family in Segmentation.Family.values
        )
        earlier.append(exam)
    return due


def _members(three, family, composites, current) -> list[Member]:
    members = []
    for timepoint, exam in zip(TIMEPOINTS, three, strict=True):
        segmentation = composites.get((exam.pk, family))
        assessment = current.get(segmentation.pk) if segmentation is not None else None
        members.append(Member(timepoint, exam, segmentation, assessment))
    return members


def _exam_state(fact: _ExamFacts, current: dict[int, Assessment], due: bool) -> ReviewState:
    if fact.head is not None and fact.head.stage in OPEN:
        return ReviewState.WAITING_FOR_SECOND_READER
    assessments = [current.get(s.pk) for s in fact.results]
    graded = bool(fact.results) and None not in assessments
    judged = not any(
        s.has_unjudged and a.acceptable for s, a in zip(fact.results, assessments, strict=True) if a
    )
    if graded and judged and (fact.head is not None or not due):
        return ReviewState.DONE
    if graded:
        return ReviewState.GRADED
    touched = any(
        a is not None or s.has_verdict for s, a in zip(fact.results, assessments, strict=True)
    )
    if touched or fact.head is not None:
        return ReviewState.IN_REVIEW
    return ReviewState.NOT_REVIEWED


def _status(facts: list[_ExamFacts], user) -> ReviewStatus:
    states = [f.state for f in facts if f.to_review]
    if ReviewState.WAITING_FOR_SECOND_READER in states:
        state = ReviewState.WAITING_FOR_SECOND_READER
    elif all(s == ReviewState.NOT_REVIEWED for s in states):  # also when nothing to review
        state = ReviewState.NOT_REVIEWED
    elif all(s == ReviewState.DONE for s in states):
        state = ReviewState.DONE
    elif all(s in (ReviewState.GRADED, ReviewState.DONE) for s in states):
        state = ReviewState.GRADED
    else:
        state = ReviewState.IN_REVIEW
    took_part = any(f.user_took_part for f in facts)
    may_give_opinion = any(f.awaits_opinion_of not in (None, user.pk) for f in facts)
    return ReviewStatus(state, state != ReviewState.DONE and (took_part or may_give_opinion))
