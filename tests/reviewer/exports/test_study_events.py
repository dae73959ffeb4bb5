"""Reader studies in the tidy export: each finished reading of a started version is an event with
its design (study, version, arm, phase, position) and timing (reading time, gaps), and each
answer of its survey response an event carrying the same; practice readings are marked; a
draft's cases bring nothing; the manifest names the study versions involved."""

import datetime
import zipfile

import pytest

from reviewer.cases.models import Patient
from reviewer.exports.bundle import build, verify
from reviewer.exports.tidy import event_rows
from reviewer.studies import design, surveys
from reviewer.studies.readings import finish, next_reading
from tests.reviewer.factories import ExamFactory

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
QUESTIONS = {
    "questions": [
        {
            "id": "category",
            "type": "single_choice",
            "text": "New disease activity",
            "choices": [{"value": "none", "label": "None"}, {"value": "one", "label": "1"}],
        }
    ]
}


@pytest.fixture
def patient(db):
    return Patient.objects.create(pseudonym="NR-STUDY01", disease="ms")


@pytest.fixture
def study(make_user, patient):
    """A started study over two exams of the patient and a practice exam, one reader who read
    the practice case in both arms (the first time with a focus loss of 30 s) and the first
    case of phase 1."""
    researcher = make_user("researcher")
    reader = make_user("radiologist", username="reader-s")
    survey = surveys.create_survey(name="Activity", user=researcher)
    asked = surveys.add_version(survey=survey, definition=QUESTIONS, user=researcher, publish=True)
    exams = [ExamFactory(patient=patient, order=order) for order in range(3)]
    version = design.start(
        design.create_study(
            name="MUSIC",
            user=researcher,
            design=design.Design(
                cases=tuple(exams[:2]),
                practice_cases=(exams[2],),
                readers=(reader,),
                seed=7,
                survey_version=asked,
            ),
        ),
        now=START,
    )
    now, read = START, []
    while not read or read[-1].phase == 0:
        now += datetime.timedelta(minutes=10)
        reading = next_reading(reader, version, now)
        gaps = [] if read else [{
            "kind": "focus",
            "start": (now - datetime.timedelta(minutes=2)).isoformat(),
            "end": (now - datetime.timedelta(seconds=90)).isoformat(),
        }]  # fmt: skip
        minutes = 3 if reading.phase == 0 else 4
        answer = "none" if reading.phase == 0 else "one"
        finish(
            reading,
            reader=reader,
            started_at=now - datetime.timedelta(minutes=minutes),
            gaps=gaps,
            answers={"category": answer},
            now=now,
        )
        read.append(reading)
    return version, read[0], read[-1]


def rows(patient, kind: str) -> dict:
    scope = Patient.objects.filter(pk=patient.pk)
    return {row["event_id"]: row for row in event_rows(scope) if row["event_kind"] == kind}


def test_a_finished_reading_is_an_event_with_its_design_and_timing(study, patient):
    version, _, first = study
    row = rows(patient, "study_reading")[f"study_reading-{first.pk}"]
    assert (row["study"], row["study_version"]) == ("MUSIC", version.number)
    assert (row["arm"], row["phase"], row["position"]) == (first.arm, 1, first.position)
    assert (row["patient"], row["exam_order"]) == ("NR-STUDY01", first.case.exam.order)
    assert row["reader"] == "reader-s"
    assert row["reading_seconds"] == first.session.reading_seconds == 240
    assert (row["interrupted"], row["gap_count"], row["gap_seconds"]) == (False, 0, 0)
    assert row["practice"] is False
    assert row["started"] == first.session.started_at.isoformat()


def test_a_practice_reading_is_marked_and_keeps_its_gaps(study, patient):
    _, practice, _ = study
    row = rows(patient, "study_reading")[f"study_reading-{practice.pk}"]
    assert (row["phase"], row["practice"]) == (0, True)
    assert (row["interrupted"], row["gap_count"], row["gap_seconds"]) == (True, 1, 30)
    assert row["reading_seconds"] == 180 - 30


def test_unread_readings_are_no_events(study, patient):
    version, _, _ = study
    finished = version.readings.filter(session__isnull=False).count()
    assert len(rows(patient, "study_reading")) == finished < version.readings.count()


def test_each_answer_of_a_reading_is_an_event_with_the_readings_study_arm_and_phase(study, patient):
    version, _, first = study
    (row,) = [r for r in rows(patient, "study_answer").values() if r["phase"] == 1]
    assert (row["item"], row["value"]) == ("category", "one")
    assert (row["study"], row["study_version"], row["arm"]) == ("MUSIC", version.number, first.arm)
    assert row["instrument"] == "Activity v1"
    assert row["exam_order"] == first.case.exam.order


def test_a_drafts_cases_bring_no_study_events(make_user, patient):
    researcher = make_user("researcher")
    design.create_study(
        name="Draft",
        user=researcher,
        design=design.Design(
            cases=(ExamFactory(patient=patient, order=0),), readers=(make_user("radiologist"),)
        ),
    )
    assert rows(patient, "study_reading") == {} == rows(patient, "study_answer")


def test_the_bundle_names_the_study_versions_and_gives_back_the_reading_times(
    study, patient, tmp_path
):
    version, _, _ = study
    out = tmp_path / "export.zip"
    build(Patient.objects.filter(pk=patient.pk), out)
    verified = verify(out)
    (named,) = verified.manifest["study_versions"]
    assert (named["study"], named["number"]) == ("MUSIC", version.number)
    assert named["started_at"] == version.locked_at.isoformat()
    assert named["survey_version"] == {"survey": "Activity", "number": 1}
    assert {"survey": "Activity", "number": 1} in verified.manifest["survey_versions"]
    seconds = {
        e["event_id"]: e["reading_seconds"]
        for e in verified.events
        if e["event_kind"] == "study_reading"
    }
    assert seconds == {
        f"study_reading-{r.pk}": r.session.reading_seconds
        for r in version.readings.filter(session__isnull=False)
    }
    with zipfile.ZipFile(out) as archive:
        assert "study_reading" in archive.read("events.csv").decode()
