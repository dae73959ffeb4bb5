"""A small crossover reader study: four readers, four study exams and one practice exam, a
fixed seed, and a clock the tests set (START, then days after it)."""

import datetime

import pytest

from reviewer.studies import design, surveys
from reviewer.studies.readings import finish, next_reading
from tests.reviewer.factories import ExamFactory

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
SEED = 20211110
# S-12: the patient category of paper A's readers
CATEGORY = {
    "questions": [
        {
            "id": "category",
            "type": "single_choice",
            "text": "New disease activity",
            "choices": [
                {"value": "none", "label": "No activity"},
                {"value": "one", "label": "1 lesion"},
                {"value": "more", "label": "> 1 lesion"},
            ],
        }
    ]
}


@pytest.fixture
def researcher(make_user):
    return make_user("researcher")


@pytest.fixture
def readers(make_user):
    return [make_user("radiologist") for _ in range(4)]


@pytest.fixture
def exams(db):
    return [ExamFactory() for _ in range(4)]


@pytest.fixture
def practice_exam(db):
    return ExamFactory()


@pytest.fixture
def category_survey(researcher):
    survey = surveys.create_survey(name="Activity", user=researcher)
    return surveys.add_version(survey=survey, definition=CATEGORY, user=researcher, publish=True)


@pytest.fixture
def draft(researcher, readers, exams, practice_exam, category_survey):
    return design.create_study(
        name="MUSIC crossover",
        user=researcher,
        design=design.Design(
            cases=tuple(exams),
            practice_cases=(practice_exam,),
            readers=tuple(readers),
            seed=SEED,
            survey_version=category_survey,
        ),
    )


@pytest.fixture
def started(draft):
    return design.start(draft, now=START)


def read_next(reader, version, now, minutes: float = 3.0):
    """The reader reads their next reading, taking ``minutes`` up to ``now``."""
    reading = next_reading(reader, version, now)
    finish(
        reading,
        reader=reader,
        started_at=now - datetime.timedelta(minutes=minutes),
        gaps=[],
        answers={"category": "none"},
        now=now,
    )
    return reading


def read_through_phase(reader, version, phase: int, now) -> datetime.datetime:
    """Read every unfinished reading up to the end of ``phase``, five minutes each; the clock
    after the last."""
    pending = version.readings.filter(reader=reader, phase__lte=phase, session__isnull=True)
    while pending.exists():
        now += datetime.timedelta(minutes=5)
        read_next(reader, version, now)
    return now


# Colocalisation and adjudication (S-13, S-14): a study whose readers mark new lesions.
MARKS = {
    "questions": [{"id": "new_lesions", "type": "lesion_marks", "text": "New lesions"}],
}


@pytest.fixture
def marks_survey(researcher):
    survey = surveys.create_survey(name="New lesions", user=researcher)
    return surveys.add_version(survey=survey, definition=MARKS, user=researcher, publish=True)


@pytest.fixture
def marks_study(researcher, readers, exams, practice_exam, marks_survey):
    """Started: two readers, two study exams and a practice exam; readers mark points."""
    draft = design.create_study(
        name="MUSIC marks",
        user=researcher,
        design=design.Design(
            cases=tuple(exams[:2]),
            practice_cases=(practice_exam,),
            readers=tuple(readers[:2]),
            seed=SEED,
            survey_version=marks_survey,
        ),
    )
    return design.start(draft, now=START)


def read_marking(reader, version, marks_of, *, through_phase: int = 2, now=START):
    """The reader reads in order up to the end of ``through_phase`` (phase 2 after the washout),
    marking at each reading the points ``marks_of(reading)`` gives ([x, y, z] mm each)."""
    from reviewer.studies.readings import WashoutPending

    while True:
        now += datetime.timedelta(minutes=5)
        try:
            reading = next_reading(reader, version, now)
        except WashoutPending as pending:
            now = pending.until + datetime.timedelta(minutes=5)
            reading = next_reading(reader, version, now)
        if reading is None or reading.phase > through_phase:
            return now
        marks = [{"position_mm": list(point)} for point in marks_of(reading)]
        finish(
            reading,
            reader=reader,
            started_at=now - datetime.timedelta(minutes=3),
            gaps=[],
            answers={"new_lesions": marks},
            now=now,
        )
