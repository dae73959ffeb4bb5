"""The reader's pages of a running study: the instructions first, then each reading in the
reader's stored order in the viewer, with the study's questions and the page's timing; the
washout page between the phases, on the study clock; the end."""

import datetime
import json

import pytest
from django.utils import timezone

from reviewer.cases.permissions import grant_patient
from reviewer.studies import design, readings
from reviewer.studies.models import ReadingSession, SurveyResponse
from tests.reviewer.studies.conftest import START, read_through_phase


@pytest.fixture
def reader(started, readers):
    for case in started.cases.select_related("exam__patient"):
        grant_patient(case.exam.patient, readers[0])
    return readers[0]


@pytest.fixture
def reading_client(client_for, reader, started):
    client = client_for(reader)
    client.post(f"/studies/{started.study_id}/read/", {"begin": "1"})
    return client


@pytest.fixture
def study_clock(settings, tmp_path):
    """Moves the study clock: the seconds written in the file are added to the time."""
    path = tmp_path / "study-clock"
    settings.NEUROREVIEW_STUDY_CLOCK_FILE = str(path)

    def move(delta: datetime.timedelta):
        path.write_text(str(delta.total_seconds()))

    return move


def timing(minutes: float, *, client_offset=datetime.timedelta(0), gaps=()):
    """A page's timing: read for ``minutes`` up to now on a browser clock off by
    ``client_offset``; gaps in seconds after the start."""
    client_now = timezone.now() + client_offset
    started = client_now - datetime.timedelta(minutes=minutes)
    return {
        "started_at": started.isoformat(),
        "client_now": client_now.isoformat(),
        "gaps": json.dumps(
            [
                {
                    "kind": kind,
                    "start": (started + datetime.timedelta(seconds=a)).isoformat(),
                    "end": (started + datetime.timedelta(seconds=b)).isoformat(),
                }
                for kind, a, b in gaps
            ]
        ),
    }


def send(client, version, reading, answers=None, **timing_options):
    form = {"reading": reading.pk, **timing(**{"minutes": 4, **timing_options})}
    form.update({f"q_{key}": value for key, value in (answers or {"category": "one"}).items()})
    return client.post(f"/studies/{version.study_id}/read/", form)


def test_a_sitting_begins_with_the_instructions(client_for, reader, started):
    page = client_for(reader).get(f"/studies/{started.study_id}/read/").content.decode()

    assert "Before you read" in page
    assert "Read each case as you would in your clinical routine." in page


def test_after_the_instructions_the_reader_gets_their_first_reading_in_the_viewer(
    reading_client, reader, started
):
    first = readings.next_reading(reader, started, timezone.now())

    page = reading_client.get(f"/studies/{started.study_id}/read/").content.decode()

    exam = first.case.exam
    assert f'data-manifest-url="/api/cases/{exam.patient.pseudonym}/viewer/?exam={exam.pk}"' in page
    assert f'name="reading" value="{first.pk}"' in page
    assert "Practice · case 1 of 2" in page


def test_the_reading_viewer_is_a_study_reading_naming_no_patient(reading_client, reader, started):
    readings.next_reading(reader, started, timezone.now())

    page = reading_client.get(f"/studies/{started.study_id}/read/").content.decode()

    assert 'data-study-reading="true"' in page
    assert "data-patient" not in page


def test_a_sent_reading_is_recorded_with_the_time_the_page_measured_less_its_gaps(
    reading_client, reader, started
):
    first = readings.next_reading(reader, started, timezone.now())

    response = send(
        reading_client,
        started,
        first,
        client_offset=datetime.timedelta(hours=-3),  # a browser clock three hours behind
        gaps=[("focus", 30, 90)],
    )

    session = ReadingSession.objects.get(reading=first)
    assert response.status_code == 302
    assert session.reading_seconds == pytest.approx(4 * 60 - 60, abs=2)
    assert abs(session.finished_at - timezone.now()) < datetime.timedelta(seconds=10)
    assert session.gaps[0]["kind"] == "focus"
    assert SurveyResponse.objects.get(reading=first).answers == {"category": "one"}


def test_the_next_page_is_the_readers_next_reading(reading_client, reader, started):
    first = readings.next_reading(reader, started, timezone.now())
    send(reading_client, started, first)

    page = reading_client.get(f"/studies/{started.study_id}/read/").content.decode()

    second = readings.next_reading(reader, started, timezone.now())
    assert second != first
    assert f'name="reading" value="{second.pk}"' in page


def test_refused_answers_are_said_and_nothing_is_recorded(reading_client, reader, started):
    first = readings.next_reading(reader, started, timezone.now())

    response = send(reading_client, started, first, answers={"category": "many"})

    assert response.status_code == 400
    assert not ReadingSession.objects.filter(reading=first).exists()
    page = response.content.decode()
    assert "many" in page
    assert "data-resume=" in page  # the page goes on measuring the same reading


def test_a_reading_without_timing_is_refused(reading_client, reader, started):
    first = readings.next_reading(reader, started, timezone.now())

    response = reading_client.post(
        f"/studies/{started.study_id}/read/", {"reading": first.pk, "q_category": "one"}
    )

    assert response.status_code == 400
    assert "no readable timing" in response.content.decode()
    assert not ReadingSession.objects.filter(reading=first).exists()


def test_a_reading_out_of_order_is_refused(reading_client, reader, started):
    later = started.readings.filter(reader=reader, phase=1).first()

    response = send(reading_client, started, later)

    assert response.status_code == 302
    assert not ReadingSession.objects.filter(reading=later).exists()


def test_another_readers_reading_is_404(reading_client, started, readers):
    theirs = started.readings.filter(reader=readers[1]).first()

    response = send(reading_client, started, theirs)

    assert response.status_code == 404


def test_a_user_who_does_not_read_in_the_study_gets_404(client_for, make_user, started):
    response = client_for(make_user("radiologist")).get(f"/studies/{started.study_id}/read/")

    assert response.status_code == 404


def test_an_ended_study_serves_no_reading(reading_client, started):
    design.end(started, now=timezone.now())

    response = reading_client.get(f"/studies/{started.study_id}/read/")

    assert response.status_code == 404


def test_phase_2_waits_for_the_washout_on_the_study_clock(
    reading_client, reader, started, study_clock
):
    read_through_phase(reader, started, 1, timezone.now() - datetime.timedelta(hours=3))
    url = f"/studies/{started.study_id}/read/"

    waiting = reading_client.get(url).content.decode()
    study_clock(started.washout + datetime.timedelta(hours=1))
    reading_client.post(url, {"begin": "1"})  # a new sitting: the instructions again
    opened = reading_client.get(url).content.decode()

    assert "your second phase opens on" in waiting.lower()
    assert "Phase 2 · case 1 of 4" in opened


def test_a_sitting_ends_after_half_an_hour_away(reading_client, started, study_clock):
    study_clock(datetime.timedelta(minutes=31))

    page = reading_client.get(f"/studies/{started.study_id}/read/").content.decode()

    assert "Before you read" in page


def test_the_reader_who_read_everything_is_thanked(reading_client, reader, started):
    after_phase_1 = read_through_phase(reader, started, 1, START)
    read_through_phase(reader, started, 2, after_phase_1 + started.washout)

    page = reading_client.get(f"/studies/{started.study_id}/read/").content.decode()

    assert "You have read every case" in page
