"""A reader's way through a running study: the next reading in their stored order, the washout
between their phases (S-02), their progress, and recording a finished reading with its timing
(S-10, S-11) and its answers.

The clock is a parameter (``now``) wherever time decides, so that a test can move it."""

import dataclasses
import datetime

from django.db import transaction
from django.db.models import Count, Max

from reviewer.studies import surveys
from reviewer.studies.design import StudyError
from reviewer.studies.models import Reading, ReadingSession, StudyVersion

GAP_KINDS = ("focus", "idle")  # the page lost the focus; the reader did nothing


class WashoutPending(StudyError):
    """The reader's phase 2 opens only once the washout after their phase 1 has passed."""

    def __init__(self, until: datetime.datetime):
        super().__init__(f"your second phase opens after the washout, on {until:%Y-%m-%d %H:%M %Z}")
        self.until = until


@dataclasses.dataclass(frozen=True)
class PhaseProgress:
    phase: int  # 0: practice
    done: int
    total: int


def readings_of(reader, version: StudyVersion):
    """The reader's readings in their order: practice, phase 1, phase 2."""
    return Reading.objects.filter(version=version, reader=reader).order_by("phase", "position")


def next_reading(reader, version: StudyVersion, now: datetime.datetime) -> Reading | None:
    """The reader's first unfinished reading, or None when they have read everything. Phase 2
    waits for the washout: WashoutPending says until when."""
    if not version.is_running:
        raise StudyError(f"{version} is not running", "version")
    readings = readings_of(reader, version)
    if not readings.exists():
        raise StudyError(f"{reader} reads nothing in {version}", "reader")
    reading = readings.filter(session__isnull=True).select_related("case__exam").first()
    if reading is not None and reading.phase == 2:
        opens = washout_ends(reader, version)
        if now < opens:
            raise WashoutPending(opens)
    return reading


def washout_ends(reader, version: StudyVersion) -> datetime.datetime | None:
    """When the reader's phase 2 opens: their last phase-1 reading finished plus the washout;
    None while phase 1 is unfinished."""
    phase_1 = readings_of(reader, version).filter(phase=1)
    if phase_1.filter(session__isnull=True).exists():
        return None
    last = phase_1.aggregate(last=Max("session__finished_at"))["last"]
    return last + version.washout


def progress(reader, version: StudyVersion) -> list[PhaseProgress]:
    """Done and total readings per phase, practice (0) first."""
    rows = (
        readings_of(reader, version)
        .order_by("phase")
        .values("phase")
        .annotate(total=Count("id"), done=Count("session"))
    )
    return [PhaseProgress(row["phase"], row["done"], row["total"]) for row in rows]


def finish(
    reading: Reading,
    *,
    reader,
    started_at: datetime.datetime,
    gaps,
    answers=None,
    now: datetime.datetime,
    client_now: datetime.datetime | None = None,
) -> ReadingSession:
    """Record the reader's next reading as finished now: from ``started_at`` (the case fully
    displayed) to now, less the gaps, with the answers to the study's survey version (a
    SurveyError when they are refused).

    A page measures on the browser's clock, which may be minutes off the server's: with
    ``client_now`` (the browser's time as it sent), its times move onto the server's clock, so
    that the durations it measured are what counts."""
    if reading.reader_id != reader.pk:
        raise StudyError("this reading is not yours", "reading")
    version = reading.version
    shift = now - client_now if client_now is not None else datetime.timedelta(0)
    kept, seconds = timed_gaps(started_at + shift, now, gaps, shift=shift)
    if (answers is None) != (version.survey_version is None):
        raise StudyError("answers go with a study that asks questions, and only then", "answers")
    with transaction.atomic():
        # a second send of the same reading waits here, then finds it is no longer the next
        Reading.objects.select_for_update().filter(pk=reading.pk).first()
        if next_reading(reader, version, now) != reading:
            raise StudyError("read your readings in their order: this is not your next", "reading")
        if version.survey_version is not None:
            surveys.respond(
                version=version.survey_version, respondent=reader, subject=reading, answers=answers
            )
        return ReadingSession.objects.create(
            reading=reading, started_at=started_at, finished_at=now, gaps=kept,
            reading_seconds=seconds,
        )  # fmt: skip


def timed_gaps(
    started_at: datetime.datetime,
    finished_at: datetime.datetime,
    gaps,
    shift: datetime.timedelta = datetime.timedelta(0),
):
    """The gaps as stored (sorted, ISO 8601) and the reading time in seconds: the session less
    its gaps. Each gap is {"kind", "start", "end"}, inside the session once moved by ``shift``,
    and no two overlap (the client merges a focus loss and an idle spell that overlap)."""
    if started_at > finished_at:
        raise StudyError("a reading starts before it finishes", "started_at")
    if not isinstance(gaps, list):
        raise StudyError("gaps: a list of {kind, start, end}", "gaps")
    intervals = sorted(
        (
            (kind, start + shift, end + shift)
            for kind, start, end in (_gap(number, gap) for number, gap in enumerate(gaps))
        ),
        key=_start,
    )
    previous_end = started_at
    for kind, start, end in intervals:
        if start < started_at or end > finished_at:
            raise StudyError(f"gap {kind} at {start.isoformat()} is outside the session", "gaps")
        if start < previous_end:
            raise StudyError(f"gap {kind} at {start.isoformat()} overlaps the one before", "gaps")
        previous_end = end
    kept = [
        {"kind": kind, "start": start.isoformat(), "end": end.isoformat()}
        for kind, start, end in intervals
    ]
    paused = sum(((end - start) for _, start, end in intervals), datetime.timedelta(0))
    return kept, (finished_at - started_at - paused).total_seconds()


def _start(interval):
    return interval[1]


def _gap(number: int, gap) -> tuple[str, datetime.datetime, datetime.datetime]:
    if not isinstance(gap, dict) or gap.get("kind") not in GAP_KINDS:
        raise StudyError(f"gap {number}: kind is one of {', '.join(GAP_KINDS)}", "gaps")
    try:
        start, end = (datetime.datetime.fromisoformat(gap[key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError) as error:
        raise StudyError(f"gap {number}: start and end are ISO 8601 times", "gaps") from error
    if start.tzinfo is None or end.tzinfo is None:
        raise StudyError(f"gap {number}: times carry their time zone", "gaps")
    if end <= start:
        raise StudyError(f"gap {number} ends before it starts", "gaps")
    return gap["kind"], start, end
