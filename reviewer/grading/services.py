"""Recording assessments and lesion verdicts. Both are append-only: a regrade is a new row that
names the row it supersedes, and only one row may ever supersede a given one, so a reader who
submits a form based on an assessment someone else has meanwhile superseded is refused."""

from django.db import IntegrityError, transaction

from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.grading.scales import project_scale

STALE = "someone graded this segmentation meanwhile: reload to see their assessment"
STALE_VERDICT = "someone judged this lesion meanwhile: reload to see their verdict"


class GradingError(ValueError):
    """A submission that cannot be recorded as given; `field` names the offending input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleSubmission(GradingError):
    """The superseded row was already superseded by someone else."""


def _is_supersedes_conflict(error: IntegrityError, constraint: str) -> bool:
    message = str(error)  # PostgreSQL names the constraint, SQLite the column
    return constraint in message or ("UNIQUE" in message and "supersedes_id" in message)


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
        "grading_assessment_supersedes_once",
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
    radius, and no lesion)."""
    if decision == LesionVerdict.Decision.ADDED:
        if lesion is not None:
            raise GradingError(
                "an added lesion is one the segmentation missed: no lesion", "lesion"
            )
        if centre_mm is None:
            raise GradingError("an added lesion needs its centre_mm [x, y, z]", "centre_mm")
        if radius_mm is not None and radius_mm <= 0:
            raise GradingError(f"radius_mm must be positive, not {radius_mm}", "radius_mm")
    else:
        if lesion is None:
            raise GradingError(f"a {decision} verdict names the lesion", "lesion")
        if centre_mm is not None:
            raise GradingError("only an added lesion has a centre_mm", "centre_mm")
        if radius_mm is not None:
            raise GradingError("only an added lesion has a radius_mm", "radius_mm")
        if lesion.segmentation_id != segmentation.pk:
            raise GradingError(
                f"lesion {lesion.pk} is not a lesion of segmentation {segmentation.pk}",
                "lesion",
            )
    return _append(
        LesionVerdict,
        "grading_lesionverdict_supersedes_once",
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


def _append(model, supersedes_once: str, stale: str, *, segmentation, supersedes, **fields):
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
        if _is_supersedes_conflict(error, supersedes_once):
            raise StaleSubmission(stale, "supersedes") from error
        raise
