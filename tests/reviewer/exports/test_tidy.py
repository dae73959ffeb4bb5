"""Readers' events in the tidy long format: one row an event, pseudonyms only."""

import csv
import json

from reviewer.cases.models import Patient
from reviewer.exports.tidy import EVENT_COLUMNS, event_rows, write_csv, write_json
from tests.reviewer.exports.conftest import READER_NAME, REAL_NAME, REAL_PATIENT_ID


def rows_of(kind: str, reviewed) -> list[dict]:
    return [
        row
        for row in event_rows(Patient.objects.filter(pk=reviewed.patient.pk))
        if row["event_kind"] == kind
    ]


def test_a_superseded_grade_appears_with_its_successor_pointing_back_at_it(reviewed):
    grades = {row["event_id"]: row for row in rows_of("assessment", reviewed)}
    first = grades[f"assessment-{reviewed.first_grade.pk}"]
    second = grades[f"assessment-{reviewed.second_grade.pk}"]
    assert (first["value"], first["acceptable"], first["supersedes"]) == (2, False, None)
    assert (second["value"], second["acceptable"]) == (4, True)
    assert second["supersedes"] == first["event_id"]


def test_a_grade_row_names_the_exam_segmentation_model_version_and_reading_time(reviewed):
    first = next(
        row
        for row in rows_of("assessment", reviewed)
        if row["event_id"] == f"assessment-{reviewed.first_grade.pk}"
    )
    assert first["patient"] == "NR-EXPORT01"
    assert first["exam_order"] == 0
    assert first["segmentation_id"] == reviewed.model.pk
    assert first["segmentation_source"] == "model"
    assert first["model_version"] == "NODE glioma 2.1"
    assert first["reader"] == "reader-a"
    assert first["instrument"] == "ease"
    assert first["reading_time_ms"] == 41000


def test_a_lesion_verdict_row_carries_the_lesion_and_the_decision(reviewed):
    (row,) = rows_of("lesion_verdict", reviewed)
    assert row["event_id"] == f"lesion_verdict-{reviewed.verdict.pk}"
    assert (row["item"], row["value"], row["reading_time_ms"]) == ("lesion 1", "accepted", 3500)


def test_an_alarm_verdict_row_names_the_alarm_kind_and_the_verdict(reviewed):
    (row,) = rows_of("alarm_verdict", reviewed)
    assert (row["instrument"], row["value"]) == ("alarm:growth", "false_alarm")
    assert row["segmentation_id"] == reviewed.model.pk


def test_a_survey_response_gives_one_row_per_answered_question_with_its_version(reviewed):
    rows = {row["item"]: row for row in rows_of("survey_answer", reviewed)}
    assert set(rows) == {"successful", "volume_ml"}
    assert rows["volume_ml"]["value"] == 12.5
    assert rows["successful"]["instrument"] == "Export check v1"
    assert rows["successful"]["exam_order"] == 0


def test_events_of_patients_outside_the_scope_are_left_out(reviewed):
    assert event_rows(Patient.objects.exclude(pk=reviewed.patient.pk)) == []


def test_csv_and_json_hold_the_same_events_without_names_or_identifiers(reviewed, tmp_path):
    rows = event_rows(Patient.objects.all())
    write_csv(rows, tmp_path / "events.csv")
    write_json(rows, tmp_path / "events.json")
    with (tmp_path / "events.csv").open(newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    from_json = json.loads((tmp_path / "events.json").read_text())
    assert [row["event_id"] for row in from_csv] == [row["event_id"] for row in from_json]
    assert list(from_csv[0]) == list(EVENT_COLUMNS)
    for text in ((tmp_path / "events.csv").read_text(), (tmp_path / "events.json").read_text()):
        for secret in (REAL_NAME, REAL_PATIENT_ID, "19580214", *READER_NAME):
            assert secret not in text
