"""What the database itself refuses of reader studies (migration studies 0005), by raw SQL: a
started version, its cases, readers and readings never change and are never deleted, nor are
readings added; the one change allowed is ending a running version, once; reading sessions
are append-only and only of a running version; a draft changes freely; a survey response is
about exactly one subject, a reading being one."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from reviewer.studies import design
from reviewer.studies.models import Reading, ReadingSession, StudyVersion, SurveyResponse
from tests.reviewer.studies.conftest import START, read_next


def refused(statement: str, *parameters) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, list(parameters))
    except DatabaseError:
        return True
    return False


@pytest.fixture
def reading(started, readers):
    return Reading.objects.filter(version=started, reader=readers[0]).order_by("phase", "position")[
        0
    ]


@pytest.fixture
def session(started, readers):
    read_next(readers[0], started, START + datetime.timedelta(hours=1))
    return ReadingSession.objects.get()


def test_the_database_refuses_changing_a_started_versions_washout(started):
    assert refused(
        "UPDATE studies_studyversion SET washout = interval '1 day' WHERE id = %s", started.pk
    )
    started.refresh_from_db()
    assert started.washout == datetime.timedelta(days=14)


def test_the_database_refuses_changing_a_started_versions_seed(started):
    assert refused("UPDATE studies_studyversion SET seed = seed + 1 WHERE id = %s", started.pk)


def test_the_database_refuses_unlocking_a_started_version(started):
    assert refused("UPDATE studies_studyversion SET locked_at = NULL WHERE id = %s", started.pk)


def test_the_database_refuses_deleting_a_started_version(started):
    assert refused("DELETE FROM studies_studyversion WHERE id = %s", started.pk)
    assert StudyVersion.objects.filter(pk=started.pk).exists()


def test_the_database_refuses_reordering_a_readers_readings(started, reading):
    assert refused("UPDATE studies_reading SET position = 99 WHERE id = %s", reading.pk)
    reading.refresh_from_db()
    assert reading.position == 0


def test_the_database_refuses_changing_a_readings_arm(started, reading):
    assert refused("UPDATE studies_reading SET arm = 'ai_aided' WHERE id = %s", reading.pk)


def test_the_database_refuses_deleting_a_reading(started, reading):
    assert refused("DELETE FROM studies_reading WHERE id = %s", reading.pk)


def test_the_database_refuses_adding_a_reading_to_a_started_version(started, reading):
    assert refused(
        "INSERT INTO studies_reading (version_id, reader_id, case_id, arm, phase, position) "
        "VALUES (%s, %s, %s, 'unaided', 1, 1000)",
        started.pk,
        reading.reader_id,
        reading.case_id,
    )


def test_the_database_refuses_removing_a_case_of_a_started_version(started):
    assert refused("DELETE FROM studies_studycase WHERE version_id = %s", started.pk)
    assert started.cases.count() == 5


def test_the_database_refuses_changing_a_readers_first_arm(started):
    assert refused(
        "UPDATE studies_studyreader SET first_arm = 'unaided' WHERE version_id = %s", started.pk
    )


def test_the_database_lets_a_running_version_end_once(started):
    design.end(started, now=START + datetime.timedelta(days=30))

    assert refused("UPDATE studies_studyversion SET ended_at = NULL WHERE id = %s", started.pk)
    assert refused("UPDATE studies_studyversion SET ended_at = now() WHERE id = %s", started.pk)


def test_the_database_refuses_a_change_slipped_in_with_the_end(started):
    assert refused(
        "UPDATE studies_studyversion SET ended_at = now(), seed = seed + 1 WHERE id = %s",
        started.pk,
    )


def test_the_database_lets_a_draft_change(draft):
    assert not refused(
        "UPDATE studies_studyversion SET washout = interval '7 days' WHERE id = %s", draft.pk
    )
    assert not refused("DELETE FROM studies_studycase WHERE version_id = %s", draft.pk)


def test_the_database_refuses_updating_a_reading_session(session):
    assert refused(
        "UPDATE studies_readingsession SET reading_seconds = 1 WHERE id = %s", session.pk
    )


def test_the_database_refuses_deleting_a_reading_session(session):
    assert refused("DELETE FROM studies_readingsession WHERE id = %s", session.pk)


def test_the_database_refuses_a_session_of_an_ended_version(started, reading):
    design.end(started, now=START + datetime.timedelta(days=1))

    assert refused(
        "INSERT INTO studies_readingsession "
        "(reading_id, started_at, finished_at, gaps, reading_seconds, recorded_at) "
        "VALUES (%s, now(), now(), '[]', 0, now())",
        reading.pk,
    )


def test_a_response_about_a_reading_is_about_nothing_else(session):
    response = SurveyResponse.objects.get(reading=session.reading)

    with pytest.raises(DatabaseError), transaction.atomic():
        SurveyResponse.objects.create(
            survey=response.survey,
            version=response.version,
            respondent=response.respondent,
            reading=session.reading,
            exam=session.reading.case.exam,
            answers=response.answers,
            supersedes=response,
        )
