"""Recording assessments and lesion verdicts. Both are append-only: a regrade is a new row that
names the row it supersedes, only one row may ever supersede a given one, and a segmentation's
assessments (a lesion's verdicts) start from one first row, so a reader who submits a form
based on a history someone else has meanwhile extended is refused."""

from django.db import IntegrityError, transaction

from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.scales import project_scale
from segmentation.models import Segmentation

STALE = "someone graded this segmentation meanwhile: reload to see their assessment"
STALE_VERDICT = "someone judged this lesion meanwhile: reload to see their verdict"


class GradingError(ValueError):
    """A submission that cannot be recorded as given; `field` names the offending input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleSubmission(GradingError):
    """The superseded row was already superseded by someone else."""


def _is_history_conflict(error: IntegrityError, model) -> bool:
    """Whether the insert lost a race on the history: the only unique rules of these tables
    are supersedes-once and one-first (PostgreSQL names the constraint, SQLite the table)."""
    message = str(error)
    table = model._meta.db_table
    return (f"{table}_supersedes_once" in message or f"{table}_one_first_" in message) or (
        "UNIQUE" in message and f"{table}." in message
    )


def record_assessment(
    *,
    user,
    segmentation,
    acceptable: bool,
    grade: int | None = None,
    four_level: int | None = None,
    comment: str = "",
    supersedes: Assessment | None = None,
    reading_time_ms: int | None = None,
) -> Assessment:
    """Record a reader's assessment on the project's scale: a grade 1–5 (EASE) or a four_level
    1–4 (the 4-level scale), the one the scale's form carries."""
    _check_current(segmentation)
    scale = project_scale()
    levels = {"grade": grade, "four_level": four_level}
    for name, value in levels.items():
        if name != scale.field and value is not None:
            raise GradingError(
                f"this project grades on the {scale.name} scale: give {scale.field}, not {name}",
                name,
            )
    allowed = sorted(level.value for level in scale.levels)
    if levels[scale.field] not in allowed:
        given = "missing" if levels[scale.field] is None else f"{levels[scale.field]}"
        raise GradingError(
            f"{scale.field} must be between {allowed[0]} and {allowed[-1]} ({given})", scale.field
        )
    return _append(
        Assessment,
        STALE,
        segmentation=segmentation,
        reader=user,
        acceptable=acceptable,
        scale=scale.scale,
        grade=grade,
        four_level=four_level,
        comment=comment,
        supersedes=supersedes,
        reading_time_ms=reading_time_ms,
    )


def record_verdict(
    *,
    user,
    segmentation,
    decision: str,
    lesion=None,
    centre_mm: list[float] | None = None,
    radius_mm: float | None = None,
    supersedes: LesionVerdict | None = None,
    reading_time_ms: int | None = None,
) -> LesionVerdict:
    """Record a reader's verdict on a lesion of the segmentation (accepted or rejected), or a
    lesion the segmentation missed (added, with its centre in millimetres, optionally a rough
    radius, and no lesion), or withdrawn: the superseded verdict taken back."""
    _check_current(segmentation)
    if decision == LesionVerdict.Decision.WITHDRAWN:
        lesion = _withdrawable(supersedes, lesion, centre_mm, radius_mm)
    elif decision == LesionVerdict.Decision.ADDED:
        _check_added(lesion, centre_mm, radius_mm)
    else:
        _check_judged(decision, segmentation, lesion, centre_mm, radius_mm, supersedes)
    return _append(
        LesionVerdict,
        STALE_VERDICT,
        segmentation=segmentation,
        reader=user,
        decision=decision,
        lesion=lesion,
        centre_mm=centre_mm,
        radius_mm=radius_mm,
        supersedes=supersedes,
        reading_time_ms=reading_time_ms,
    )


def _check_current(segmentation) -> None:
    """A replaced composite is history: what readers see now is the one that replaced it."""
    newer = Segmentation.objects.filter(replaces=segmentation).first()
    if newer is not None:
        raise GradingError(
            f"segmentation {segmentation.pk} was replaced by segmentation {newer.pk} when exam "
            f"{segmentation.exam.order} was segmented again: review segmentation {newer.pk}",
            "segmentation",
        )


def _check_added(lesion, centre_mm, radius_mm) -> None:
    if lesion is not None:
        raise GradingError("an added lesion is one the segmentation missed: no lesion", "lesion")
    if centre_mm is None:
        raise GradingError("an added lesion needs its centre_mm [x, y, z]", "centre_mm")
    if radius_mm is not None and radius_mm <= 0:
        raise GradingError(f"radius_mm must be positive, not {radius_mm}", "radius_mm")


def _check_judged(decision, segmentation, lesion, centre_mm, radius_mm, supersedes) -> None:
    if lesion is None:
        raise GradingError(f"a {decision} verdict names the lesion", "lesion")
    if centre_mm is not None:
        raise GradingError("only an added lesion has a centre_mm", "centre_mm")
    if radius_mm is not None:
        raise GradingError("only an added lesion has a radius_mm", "radius_mm")
    if lesion.segmentation_id != segmentation.pk:
        raise GradingError(
            f"lesion {lesion.pk} is not a lesion of segmentation {segmentation.pk}", "lesion"
        )
    if supersedes is not None and supersedes.lesion_id != lesion.pk:
        raise GradingError(f"verdict {supersedes.pk} is not about lesion {lesion.pk}", "supersedes")


def _withdrawable(supersedes, lesion, centre_mm, radius_mm):
    """The lesion a withdrawal is about: that of the verdict it takes back (None for an added
    lesion), which must be given and not itself a withdrawal."""
    if supersedes is None:
        raise GradingError("a withdrawal names the verdict it takes back", "supersedes")
    if supersedes.decision == LesionVerdict.Decision.WITHDRAWN:
        raise GradingError(f"verdict {supersedes.pk} is already a withdrawal", "supersedes")
    if lesion is not None and lesion.pk != supersedes.lesion_id:
        raise GradingError(f"verdict {supersedes.pk} is not about lesion {lesion.pk}", "lesion")
    if centre_mm is not None or radius_mm is not None:
        raise GradingError("a withdrawal has no centre_mm or radius_mm", "centre_mm")
    return supersedes.lesion


def _append(model, stale: str, *, segmentation, supersedes, **fields):
    """Add one row of evidence. It may supersede a row of the same segmentation, and only one
    row may supersede it: losing that race is a stale submission."""
    if supersedes is not None and supersedes.segmentation_id != segmentation.pk:
        raise GradingError(
            f"{model._meta.verbose_name} {supersedes.pk} does not belong to segmentation "
            f"{segmentation.pk}",
            "supersedes",
        )
    try:
        with transaction.atomic():
            return model.objects.create(segmentation=segmentation, supersedes=supersedes, **fields)
    except IntegrityError as error:
        if _is_history_conflict(error, model):
            raise StaleSubmission(stale, "supersedes") from error
        raise
