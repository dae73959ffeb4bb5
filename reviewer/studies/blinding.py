"""The blinding rule of reader studies (S-07): a reader sees no AI output of an exam (no
segmentation, lesion, alarm, flow or candidate count) while they still have to read that exam
unaided in a running study, unless their own order shows them the AI first (an AI-aided reading
of the exam that comes before the unaided one: a crossover reader who starts aided, or the
practice in both arms).

The blinding covers the case's patient: a prior's or a later exam's AI output (its growth
alarms, its volumes) tells of the case too. In all arms, a reader sees no reference segmentation
and no other reader's map of a patient they still read ("no reader sees another reader's answers
or the reference"). The rule is registered with
reviewer.cases.blinding, the door every concern that lets AI output out asks."""

from django.db.models import Exists, OuterRef, Q

from reviewer.cases.models import Exam
from reviewer.studies.models import Arm, Reading


def exams_without_ai(reader):
    """The ids of the exams whose AI output the reader may not see now: each case exam they
    still have to read unaided (no unfinished AI-aided reading of it first), and the other
    exams of its patient that are no case of that study version (a prior's volumes and alarms
    tell of the case too). Another case exam of the same patient keeps its own state, so that
    its AI-aided reading shows its AI."""
    if not _reads_now(reader):
        return Exam.objects.none().values_list("pk", flat=True)
    earlier = Q(phase__lt=OuterRef("phase")) | Q(
        phase=OuterRef("phase"), position__lt=OuterRef("position")
    )
    aided_first = Reading.objects.filter(
        earlier,
        version=OuterRef("version"),
        reader=OuterRef("reader"),
        case=OuterRef("case"),
        arm=Arm.AI_AIDED,
        session__isnull=True,
    )
    waiting = _unfinished(reader).filter(arm=Arm.UNAIDED).exclude(Exists(aided_first))
    versions = waiting.values("version_id")
    return Exam.objects.filter(
        Q(pk__in=waiting.values("case__exam_id"))
        | (
            Q(patient_id__in=waiting.values("case__exam__patient_id"))
            & ~Q(study_cases__version_id__in=versions)
        )
    ).values_list("pk", flat=True)


def exams_without_reference(reader):
    """The ids of the exams whose reference segmentations (and other readers' maps) the reader
    may not see now: every exam of a patient they still have a reading of, in either arm."""
    if not _reads_now(reader):
        return Exam.objects.none().values_list("pk", flat=True)
    patients = _unfinished(reader).values("case__exam__patient_id")
    return Exam.objects.filter(patient_id__in=patients).values_list("pk", flat=True)


def _reads_now(reader) -> bool:
    """Whether the reader has a reading to finish in a running study. Most users have none:
    one EXISTS query spares every query that asks the building of the rule's subqueries."""
    return reader.is_authenticated and _unfinished(reader).exists()


def _unfinished(reader):
    return Reading.objects.filter(
        reader=reader,
        session__isnull=True,
        version__locked_at__isnull=False,
        version__ended_at__isnull=True,
    )


def ai_visible(reader, exam) -> bool:
    """False while the reader has an unfinished unaided reading of the exam in a running
    study that no unfinished AI-aided reading of theirs precedes."""
    return not exams_without_ai(reader).filter(pk=exam.pk).exists()
