"""Recording the three-exam volume diagnosis (EASE R-A8), its second opinion and its consensus,
and what each user may read of them.

The protocol (ease-and-evaluation.md §A8, l.1878–1907): a reader records the 2D (RANO) and the
volume diagnosis of the current exam against two priors, or rejects the set as longitudinally
inconsistent, and only when all three segmentations are currently ACCEPTABLE. When the two
diagnoses differ, a second radiologist first forms an independent opinion; the first reader's
conclusion stays hidden from everyone else until that opinion is recorded. If the opinion is
the volume diagnosis, the agreement closes the reading; otherwise the two readers close it with
a consensus text that states the uncertainty (and the diagnosis, if they reached one)."""

from dataclasses import asdict

from django.db import IntegrityError, transaction

from reviewer.grading.models import Consensus, Diagnosis, SecondOpinion, Stage, VolumeDiagnosis
from reviewer.grading.services import GradingError, StaleSubmission
from reviewer.grading.three_exams import three_exam_set

STALE_DIAGNOSIS = "someone recorded a diagnosis of this exam meanwhile: reload to see it"
STALE_OPINION = "another radiologist gave the second opinion meanwhile: reload"
STALE_CONSENSUS = "the consensus was recorded meanwhile: reload"


class NotAllowed(GradingError):
    """This user may not take this step of the reading (answered 403)."""


def record_diagnosis(
    *,
    user,
    exam,
    family: str,
    rano_diagnosis: str,
    volume_diagnosis: str = "",
    inconsistent: bool = False,
    inconsistency_reason: str = "",
    comment: str = "",
    priors: list[int] | None = None,
    supersedes: VolumeDiagnosis | None = None,
) -> VolumeDiagnosis:
    """Record a reader's diagnosis of `exam` against two priors (the given ones, else the two
    latest) on `family`'s composite segmentations. A revision supersedes the reader's own
    standing diagnosis, as long as no second opinion was given on it."""
    _check_diagnoses(rano_diagnosis, volume_diagnosis, inconsistent, inconsistency_reason)
    if supersedes is not None:
        _check_revision(supersedes, exam, user)
    found = three_exam_set(exam, family, priors)
    if not found.possible:
        raise GradingError("; ".join(r.message for r in found.refusals), "segmentations")
    volumes = found.volumes()
    current, prior, earlier_prior = (m.segmentation for m in found.members)
    return _insert(
        VolumeDiagnosis,
        StaleSubmission(STALE_DIAGNOSIS, "supersedes"),
        exam=exam,
        family=family,
        current_segmentation=current,
        prior_segmentation=prior,
        earlier_prior_segmentation=earlier_prior,
        reader=user,
        rano_diagnosis=rano_diagnosis,
        volume_diagnosis=volume_diagnosis,
        inconsistent=inconsistent,
        inconsistency_reason=inconsistency_reason.strip(),
        comment=comment,
        volumes=[
            {
                "timepoint": m.timepoint,
                "exam": m.exam.pk,
                "segmentation": m.segmentation.pk,
                "volumes": [asdict(v) for v in volumes[m.segmentation.pk]],
            }
            for m in found.members
        ],
        supersedes=supersedes,
    )


def record_second_opinion(*, user, diagnosis: VolumeDiagnosis, opinion: str, comment: str = ""):
    """A second radiologist's independent opinion on a diagnosis whose 2D and volume
    diagnoses differ."""
    if opinion not in Diagnosis.values:
        raise GradingError(f"{opinion!r} is not a diagnosis ({_choices()})", "opinion")
    _check_standing(diagnosis)
    if not diagnosis.needs_second_opinion:
        raise GradingError(
            f"volume diagnosis {diagnosis.pk} needs no second opinion: "
            + (
                "its set was rejected as inconsistent"
                if diagnosis.inconsistent
                else "its 2D and volume diagnoses agree"
            )
        )
    if diagnosis.reader_id == user.pk:
        raise NotAllowed("the second opinion comes from another radiologist than the first reader")
    return _insert(
        SecondOpinion,
        StaleSubmission(STALE_OPINION),
        diagnosis=diagnosis,
        reader=user,
        opinion=opinion,
        comment=comment,
    )


def record_consensus(
    *, user, diagnosis: VolumeDiagnosis, text: str, conclusion: str = ""
) -> Consensus:
    """What the two readers concluded when the second opinion differs from the volume
    diagnosis: `text` states the uncertainty; `conclusion` is blank when none was reached."""
    if not text.strip():
        raise GradingError("state the consensus and its uncertainty", "text")
    if conclusion and conclusion not in Diagnosis.values:
        raise GradingError(f"{conclusion!r} is not a diagnosis ({_choices()})", "conclusion")
    stage = diagnosis.stage
    if stage == Stage.CONSENSUS:
        raise StaleSubmission(STALE_CONSENSUS)
    if stage != Stage.AWAITING_CONSENSUS:
        raise GradingError(f"volume diagnosis {diagnosis.pk} needs no consensus: {stage.label}")
    readers = {diagnosis.reader_id, diagnosis.second_opinion.reader_id}
    if user.pk not in readers:
        raise NotAllowed("only the first and the second reader record their consensus")
    return _insert(
        Consensus,
        StaleSubmission(STALE_CONSENSUS),
        diagnosis=diagnosis,
        author=user,
        conclusion=conclusion,
        text=text.strip(),
    )


def conclusion_visible(diagnosis: VolumeDiagnosis, head: VolumeDiagnosis, user) -> bool:
    """Whether `user` may read the conclusions (diagnoses, comment) of `diagnosis`, a row of
    the exam whose standing diagnosis is `head`. While a second opinion is awaited only the
    row's own reader may: not QA admins or the data steward either, since any clinical user
    may be the one asked for the independent opinion (EASE l.1903)."""
    return head.stage != Stage.AWAITING_SECOND_OPINION or diagnosis.reader_id == user.pk


def history(exam) -> list[VolumeDiagnosis]:
    """The exam's diagnoses, newest (the standing one) first, with opinion and consensus."""
    return list(
        VolumeDiagnosis.objects.filter(exam=exam).select_related(
            "reader",
            "prior_segmentation",
            "earlier_prior_segmentation",
            "second_opinion__reader",
            "consensus__author",
        )
    )


def _check_diagnoses(rano: str, volume: str, inconsistent: bool, reason: str) -> None:
    if rano not in Diagnosis.values:
        raise GradingError(f"{rano!r} is not a diagnosis ({_choices()})", "rano_diagnosis")
    if inconsistent:
        if volume:
            raise GradingError(
                "a set rejected as inconsistent has no volume diagnosis", "volume_diagnosis"
            )
        if not reason.strip():
            raise GradingError(
                "say why the set is longitudinally inconsistent", "inconsistency_reason"
            )
    else:
        if volume not in Diagnosis.values:
            raise GradingError(
                f"give the volume diagnosis ({_choices()}) or reject the set as inconsistent",
                "volume_diagnosis",
            )
        if reason:
            raise GradingError(
                "only a set rejected as inconsistent has a reason", "inconsistency_reason"
            )


def _check_revision(supersedes: VolumeDiagnosis, exam, user) -> None:
    if supersedes.exam_id != exam.pk:
        raise GradingError(
            f"volume diagnosis {supersedes.pk} is not a diagnosis of exam {exam.pk}", "supersedes"
        )
    if supersedes.reader_id != user.pk:
        raise NotAllowed(
            f"volume diagnosis {supersedes.pk} is another reader's: only its reader revises it"
        )
    if SecondOpinion.objects.filter(diagnosis=supersedes).exists():
        raise GradingError(
            f"volume diagnosis {supersedes.pk} has a second opinion: their agreement or "
            "consensus closes it",
            "supersedes",
        )


def _check_standing(diagnosis: VolumeDiagnosis) -> None:
    revision = VolumeDiagnosis.objects.filter(supersedes=diagnosis).first()
    if revision is not None:
        raise StaleSubmission(
            f"volume diagnosis {diagnosis.pk} was revised meanwhile ({revision.pk}): reload"
        )


def _insert(model, stale: StaleSubmission, **fields):
    """Insert one row; losing a race for a one-per-something row is a stale submission."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError as error:
        if "unique" in str(error).lower() or "duplicate key" in str(error).lower():
            raise stale from error
        raise


def _choices() -> str:
    return ", ".join(Diagnosis.values)
