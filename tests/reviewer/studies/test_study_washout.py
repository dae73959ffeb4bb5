"""A reader's way through a running study with a clock the tests set: practice first, then
phase 1 in the stored order; phase 2 only once the washout after the reader's last phase-1
reading has passed (S-02); progress per phase; a finished reading's time is the session less
its focus-loss and idle gaps, which must lie inside it and not overlap (S-10, S-11); its
answers are a survey response about the reading."""

import datetime

import pytest

from reviewer.studies import design
from reviewer.studies.models import Reading, SurveyResponse
from reviewer.studies.readings import (
    PhaseProgress,
    WashoutPending,
    finish,
    next_reading,
    progress,
    timed_gaps,
)
from tests.reviewer.studies.conftest import START, read_next, read_through_phase

DAY = datetime.timedelta(days=1)
AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> str:
    return (AT + datetime.timedelta(minutes=minutes)).isoformat()


def test_a_readers_first_readings_are_the_practice(started, readers, practice_exam):
    reading = next_reading(readers[0], started, START)

    assert (reading.phase, reading.case.exam_id) == (0, practice_exam.pk)


def test_phase_1_follows_the_practice_in_the_stored_order(started, readers):
    reader = readers[0]
    now = read_through_phase(reader, started, 0, START)

    stored = Reading.objects.filter(version=started, reader=reader, phase=1).order_by("position")
    assert next_reading(reader, started, now) == stored.first()


def test_phase_2_is_refused_before_the_washout_saying_until_when(started, readers):
    reader = readers[0]
    last = read_through_phase(reader, started, 1, START)

    with pytest.raises(WashoutPending) as pending:
        next_reading(reader, started, last + 13 * DAY)

    assert pending.value.until == last + 14 * DAY


def test_phase_2_opens_once_14_days_have_passed(started, readers):
    reader = readers[0]
    last = read_through_phase(reader, started, 1, START)

    reading = next_reading(reader, started, last + 14 * DAY)

    assert reading.phase == 2 and reading.position == 0


def test_the_washout_is_the_versions_own(draft, readers):
    design.change_draft(draft, washout=3 * DAY)
    design.start(draft, now=START)
    last = read_through_phase(readers[0], draft, 1, START)

    with pytest.raises(WashoutPending):
        next_reading(readers[0], draft, last + 2 * DAY)
    assert next_reading(readers[0], draft, last + 3 * DAY).phase == 2


def test_a_reader_who_read_everything_has_no_next_reading(started, readers):
    reader = readers[0]
    last = read_through_phase(reader, started, 1, START)

    read_through_phase(reader, started, 2, last + 14 * DAY)

    assert next_reading(reader, started, last + 30 * DAY) is None


def test_progress_counts_done_and_total_per_phase(started, readers):
    reader = readers[0]
    now = read_through_phase(reader, started, 0, START)
    read_next(reader, started, now + DAY)

    assert progress(reader, started) == [
        PhaseProgress(0, 2, 2),
        PhaseProgress(1, 1, 4),
        PhaseProgress(2, 0, 4),
    ]


def test_a_reading_out_of_the_readers_order_is_refused(started, readers):
    later = Reading.objects.get(version=started, reader=readers[0], phase=1, position=2)

    with pytest.raises(design.StudyError, match="order"):
        finish(later, reader=readers[0], started_at=START, gaps=[], answers={}, now=START)


def test_another_readers_reading_is_refused(started, readers):
    theirs = next_reading(readers[1], started, START)

    with pytest.raises(design.StudyError, match="not yours"):
        finish(theirs, reader=readers[0], started_at=START, gaps=[], answers={}, now=START)


def test_no_reading_is_served_once_the_study_ended(started, readers):
    design.end(started, now=START + DAY)

    with pytest.raises(design.StudyError, match="not running"):
        next_reading(readers[0], started, START + 2 * DAY)


def test_a_finished_readings_answers_are_a_response_about_it(started, readers):
    reading = read_next(readers[0], started, START + DAY)

    response = SurveyResponse.objects.get(reading=reading)
    assert (response.respondent, response.version, response.answers) == (
        readers[0], started.survey_version, {"category": "none"},
    )  # fmt: skip


def test_the_reading_time_is_the_session_less_its_gaps():
    gaps = [
        {"kind": "idle", "start": at(6), "end": at(7.5)},
        {"kind": "focus", "start": at(1), "end": at(2)},
    ]

    kept, seconds = timed_gaps(AT, AT + datetime.timedelta(minutes=10), gaps)

    assert seconds == 10 * 60 - 60 - 90
    assert [gap["kind"] for gap in kept] == ["focus", "idle"]


def test_a_gap_outside_the_session_is_refused():
    with pytest.raises(design.StudyError, match="outside"):
        timed_gaps(AT, AT + datetime.timedelta(minutes=10), [
            {"kind": "focus", "start": at(9), "end": at(11)},
        ])  # fmt: skip


def test_overlapping_gaps_are_refused():
    with pytest.raises(design.StudyError, match="overlaps"):
        timed_gaps(AT, AT + datetime.timedelta(minutes=10), [
            {"kind": "focus", "start": at(1), "end": at(3)},
            {"kind": "idle", "start": at(2), "end": at(4)},
        ])  # fmt: skip


def test_a_gap_of_an_unknown_kind_is_refused():
    with pytest.raises(design.StudyError, match="kind"):
        timed_gaps(AT, AT + datetime.timedelta(minutes=10), [
            {"kind": "coffee", "start": at(1), "end": at(3)},
        ])  # fmt: skip


def test_a_gap_without_a_time_zone_is_refused():
    with pytest.raises(design.StudyError, match="time zone"):
        timed_gaps(AT, AT + datetime.timedelta(minutes=10), [
            {"kind": "idle", "start": "2026-03-02T10:01:00", "end": "2026-03-02T10:02:00"},
        ])  # fmt: skip


def test_a_gap_that_ends_before_it_starts_is_refused():
    with pytest.raises(design.StudyError, match="ends before"):
        timed_gaps(AT, AT + datetime.timedelta(minutes=10), [
            {"kind": "idle", "start": at(3), "end": at(2)},
        ])  # fmt: skip


def test_a_finished_reading_stores_its_gaps_and_time(started, readers):
    reader = readers[0]
    reading = next_reading(reader, started, START)

    session = finish(
        reading,
        reader=reader,
        started_at=AT,
        gaps=[{"kind": "focus", "start": at(1), "end": at(2)}],
        answers={"category": "one"},
        now=AT + datetime.timedelta(minutes=5),
    )

    assert (session.reading_seconds, session.interrupted) == (240.0, True)
    assert session.finished_at == AT + datetime.timedelta(minutes=5)


def test_a_reading_finished_twice_is_refused_the_second_time(started, readers):
    reading = read_next(readers[0], started, START + DAY)

    with pytest.raises(design.StudyError, match="not your next"):
        finish(
            reading, reader=readers[0], started_at=START + DAY, gaps=[],
            answers={"category": "one"}, now=START + DAY,
        )  # fmt: skip
    assert SurveyResponse.objects.filter(reading=reading).count() == 1
