"""Making surveys and their versions, publishing a version, and recording a response. Every
write is atomic: a refused definition or response stores nothing.

A version is validated when it is made (reviewer.studies.definitions) and is a draft until
published; respondents answer the survey's current version (the newest published one) and
a response keeps the version it answered. A response is validated against its version,
branching included (reviewer.studies.answers), and only the answers its branches showed are
stored. A correction supersedes the respondent's latest response about the same subject;
only one response may supersede a given one, so a form based on a stale history is refused."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from reviewer.cases.models import Exam, Patient
from reviewer.studies import answers as answer_checks
from reviewer.studies import definitions
from reviewer.studies.models import Reading, Survey, SurveyResponse, SurveyVersion

SUBJECT_FIELDS = {Patient: "patient", Exam: "exam", Reading: "reading"}
STALE = "you answered this survey about this subject meanwhile: reload to see that response"


class SurveyError(ValueError):
    """A write refused as given; ``field`` names the input, ``problems`` the questions."""

    def __init__(self, message: str, field: str = "non_field_errors", problems=None):
        super().__init__(message)
        self.field = field
        self.problems = problems or {}


class StaleResponse(SurveyError):
    """The response named as superseded was superseded meanwhile, or a first one exists."""


def create_survey(*, name: str, description: str = "", user) -> Survey:
    return Survey.objects.create(name=name, description=description, created_by=user)


def add_version(
    *, survey: Survey, definition, user, note: str = "", publish: bool = False
) -> SurveyVersion:
    """A new version of the survey, numbered after the last; published at once if asked."""
    try:
        definitions.validate(definition)
    except definitions.DefinitionError as refused:
        raise SurveyError(
            str(refused), "definition", [str(problem) for problem in refused.problems]
        ) from refused
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()  # numbers in turn
        last = survey.versions.aggregate(last=Max("number"))["last"] or 0
        return SurveyVersion.objects.create(
            survey=survey,
            number=last + 1,
            definition=definition,
            note=note,
            created_by=user,
            published_at=timezone.now() if publish else None,
        )


def publish(version: SurveyVersion) -> SurveyVersion:
    """Publish a draft: from now on its definition never changes."""
    if version.published_at is not None:
        raise SurveyError(f"{version} is already published", "published_at")
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def respond(
    *,
    version: SurveyVersion,
    respondent,
    subject: Patient | Exam | Reading,
    answers,
    supersedes: SurveyResponse | None = None,
) -> SurveyResponse:
    """Record a respondent's answers to a published version about a patient, an exam or a
    reader study's reading (reviewer.studies.readings.finish)."""
    if version.published_at is None:
        raise SurveyError(f"{version} is a draft: only a published version is answered", "version")
    try:
        kept = answer_checks.accepted(version.definition, answers)
    except answer_checks.AnswersError as refused:
        raise SurveyError(str(refused), "answers", refused.by_question()) from refused
    subject_field = SUBJECT_FIELDS[type(subject)]
    if supersedes is not None:
        _check_correction(supersedes, version, respondent, subject_field, subject)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                survey=version.survey,
                version=version,
                respondent=respondent,
                answers=kept,
                supersedes=supersedes,
                **{subject_field: subject},
            )
    except IntegrityError as error:
        if _lost_the_history_race(error):
            raise StaleResponse(STALE, "supersedes") from error
        raise


def _check_correction(supersedes, version, respondent, subject_field, subject) -> None:
    if supersedes.survey_id != version.survey_id:
        raise SurveyError(f"response {supersedes.pk} answers another survey", "supersedes")
    if supersedes.respondent_id != respondent.pk:
        raise SurveyError(f"response {supersedes.pk} is not yours to correct", "supersedes")
    if getattr(supersedes, f"{subject_field}_id") != subject.pk:
        raise SurveyError(f"response {supersedes.pk} is about another subject", "supersedes")


def _lost_the_history_race(error: IntegrityError) -> bool:
    """The only unique rules of responses: supersede once, one first per subject (PostgreSQL
    names the constraint, SQLite the columns)."""
    message = str(error)
    return (
        "studies_surveyresponse_one_first_per_" in message
        or "supersedes_id" in message
        or ("UNIQUE" in message and "studies_surveyresponse." in message)
    )


def current_response(survey: Survey, respondent, **subject) -> SurveyResponse | None:
    """The respondent's response about the subject that nothing supersedes (what a correction
    supersedes)."""
    return (
        SurveyResponse.objects.filter(
            survey=survey, respondent=respondent, superseded_by__isnull=True, **subject
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )
