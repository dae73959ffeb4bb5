"""Readers' events in the tidy long format of research exports (issue 17 §4): one row an event,
the same columns for every kind, written as CSV and as JSON.

The kinds: assessments (grades), lesion verdicts, alarm verdicts, each row as it was recorded,
superseded ones included with the event they supersede; survey answers, one row per answered
question of a response; and reader studies' events (started versions only): each finished
reading with its timing, and each answer of its survey response, both with the study, version,
arm and phase (phase 0, practice, is marked: it counts in no analysis); and their adjudication
(S-13, S-14): each lesion of the version's current colocalisation with its consensus, each
reader's mark it holds, and every label adjudicators gave it, corrected ones included.
The study events of the versions the exporting user still reads in are left out: they show
other readers' answers and marks (S-07).
Patients are their pseudonyms, exams their order (never a date), readers
their usernames (never a name or an e-mail address). Free-text comments on grades and alarm
verdicts are left out: nothing checks them for identifiers. A survey's text answers are the
survey's data and go in as answered.
"""

import csv
import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from reviewer.alarms.models import AlarmVerdict
from reviewer.grading.models import Assessment, LesionVerdict
from reviewer.studies import adjudication
from reviewer.studies.models import (
    AdjudicationLabel,
    Reading,
    ReadingSession,
    StudyLesionMark,
    StudyVersion,
    SurveyResponse,
)
from segmentation.models import Segmentation

EVENT_COLUMNS = (
    "event_id",
    "event_kind",
    "patient",
    "exam_order",
    "segmentation_id",
    "segmentation_source",
    "model_version",
    "reader",
    "instrument",  # the grading scale, lesion review, the alarm's kind, or survey and version
    "item",  # what in it was answered: the grade, a lesion's index, an alarm, a question id
    "value",
    "acceptable",  # assessments: acceptable or not, beside the grade
    "centre_mm",  # an added lesion's centre [x, y, z] in RAS scanner millimetres
    "radius_mm",
    "supersedes",  # the event id this one replaces (a reader's change of mind or correction)
    "time",
    "reading_time_ms",
    # reader studies: the version, where the reading sits in the reader's design, its timing
    "study",
    "study_version",
    "arm",
    "phase",
    "practice",
    "position",
    "started",
    "reading_seconds",  # the session less its gaps (S-10, S-11)
    "interrupted",
    "gap_count",
    "gap_seconds",
    # adjudication: the lesion a lesion, mark or label row is about
    "lesion_id",
    "mark_index",  # a mark's index in its reading's lesion-marks answer
    "reading_count",  # a lesion's: how many readings' marks it holds
)


def segmentation_provenance(segmentation) -> dict:
    """Which segmentation, made by what: a model version ("name version"); a composite, the
    versions of its parts; a reader's or a reference map, none."""
    if segmentation is None:
        return {"segmentation_id": None, "segmentation_source": None, "model_version": None}
    if segmentation.model_version is not None:
        versions = str(segmentation.model_version)
    else:
        versions = "; ".join(sorted(str(part.model_version) for part in segmentation.parts.all()))
    return {
        "segmentation_id": segmentation.pk,
        "segmentation_source": segmentation.source,
        "model_version": versions or None,
    }


def _row(event_id: str, kind: str, *, patient, exam, segmentation, reader, **values) -> dict:
    row = dict.fromkeys(EVENT_COLUMNS)
    row.update(
        event_id=event_id,
        event_kind=kind,
        patient=patient.pseudonym,
        exam_order=exam.order if exam is not None else None,
        reader=reader.username if reader is not None else None,
        **segmentation_provenance(segmentation),
        **values,
    )
    return row


def _segmentation_related(prefix: str) -> tuple[list[str], list[str]]:
    related = [f"{prefix}exam__patient", f"{prefix}model_version"]
    return related, [f"{prefix}parts__model_version"]


def _about_hidden_ai(without_ai, prefix: str) -> dict:
    """Filters of the events about the AI output of the exams ``without_ai``."""
    return {
        f"{prefix}exam__in": without_ai,
        f"{prefix}source__in": Segmentation.AI_SOURCES,
    }


def assessment_rows(patients, without_ai=()) -> Iterable[dict]:
    related, prefetch = _segmentation_related("segmentation__")
    assessments = (
        Assessment.objects.filter(segmentation__exam__patient__in=patients)
        .exclude(**_about_hidden_ai(without_ai, "segmentation__"))
        .select_related("reader", *related)
        .prefetch_related(*prefetch)
    )
    for assessment in assessments:
        segmentation = assessment.segmentation
        yield _row(
            f"assessment-{assessment.pk}",
            "assessment",
            patient=segmentation.exam.patient,
            exam=segmentation.exam,
            segmentation=segmentation,
            reader=assessment.reader,
            instrument=assessment.scale,
            item="grade",
            value=assessment.grade if assessment.scale == "ease" else assessment.four_level,
            acceptable=assessment.acceptable,
            supersedes=_event_id("assessment", assessment.supersedes_id),
            time=assessment.created_at.isoformat(),
            reading_time_ms=assessment.reading_time_ms,
        )


def lesion_verdict_rows(patients, without_ai=()) -> Iterable[dict]:
    related, prefetch = _segmentation_related("segmentation__")
    verdicts = (
        LesionVerdict.objects.filter(segmentation__exam__patient__in=patients)
        .exclude(**_about_hidden_ai(without_ai, "segmentation__"))
        .select_related("reader", "lesion", *related)
        .prefetch_related(*prefetch)
    )
    for verdict in verdicts:
        segmentation = verdict.segmentation
        yield _row(
            f"lesion_verdict-{verdict.pk}",
            "lesion_verdict",
            patient=segmentation.exam.patient,
            exam=segmentation.exam,
            segmentation=segmentation,
            reader=verdict.reader,
            instrument="lesion_review",
            item=f"lesion {verdict.lesion.index}" if verdict.lesion else None,
            value=verdict.decision,
            centre_mm=verdict.centre_mm,
            radius_mm=verdict.radius_mm,
            supersedes=_event_id("lesion_verdict", verdict.supersedes_id),
            time=verdict.created_at.isoformat(),
            reading_time_ms=verdict.reading_time_ms,
        )


def alarm_verdict_rows(patients, without_ai=()) -> Iterable[dict]:
    related, prefetch = _segmentation_related("alarm__segmentation__")
    verdicts = (
        AlarmVerdict.objects.filter(alarm__exam__patient__in=patients)
        .exclude(alarm__exam__in=without_ai)  # an alarm is AI output
        .select_related("reader", "alarm__exam__patient", *related)
        .prefetch_related(*prefetch)
    )
    for verdict in verdicts:
        alarm = verdict.alarm
        yield _row(
            f"alarm_verdict-{verdict.pk}",
            "alarm_verdict",
            patient=alarm.exam.patient,
            exam=alarm.exam,
            segmentation=alarm.segmentation,
            reader=verdict.reader,
            instrument=f"alarm:{alarm.kind}",
            item=f"alarm {alarm.pk}",
            value="true_alarm" if verdict.true_alarm else "false_alarm",
            supersedes=_event_id("alarm_verdict", verdict.supersedes_id),
            time=verdict.created_at.isoformat(),
        )


def survey_answer_rows(patients) -> Iterable[dict]:
    responses = (
        SurveyResponse.objects.filter(patient__in=patients)
        | SurveyResponse.objects.filter(exam__patient__in=patients)
    ).select_related("survey", "version", "respondent", "patient", "exam__patient")
    for response in responses:
        exam = response.exam
        yield from _answer_rows(response, "survey_answer", response.patient or exam.patient, exam)


def _answer_rows(response, kind: str, patient, exam, **values) -> Iterable[dict]:
    """One row per question the response answered, in the version's order."""
    questions = [question["id"] for question in response.version.definition["questions"]]
    for question in (q for q in questions if q in response.answers):
        yield _row(
            f"{kind}-{response.pk}-{question}",
            kind,
            patient=patient,
            exam=exam,
            segmentation=None,
            reader=response.respondent,
            instrument=f"{response.survey.name} v{response.version.number}",
            item=question,
            value=response.answers[question],
            supersedes=_event_id(kind, response.supersedes_id, question),
            time=response.submitted_at.isoformat(),
            **values,
        )


def started_readings(patients, still_reading=()):
    """The readings of started study versions whose case is an exam of the patients, but for
    the versions ``still_reading`` (ids)."""
    return Reading.objects.filter(
        case__exam__patient__in=patients, version__locked_at__isnull=False
    ).exclude(version__in=still_reading)


def _study_values(reading: Reading) -> dict:
    return {
        "study": reading.version.study.name,
        "study_version": reading.version.number,
        "arm": reading.arm,
        "phase": reading.phase,
        "practice": reading.phase == Reading.PRACTICE,
        "position": reading.position,
    }


def study_reading_rows(patients, still_reading=()) -> Iterable[dict]:
    """Each finished reading: who read which case in which arm and phase, and for how long."""
    readings = started_readings(patients, still_reading)
    sessions = ReadingSession.objects.filter(reading__in=readings).select_related(
        "reading__version__study", "reading__reader", "reading__case__exam__patient"
    )
    for session in sessions:
        reading = session.reading
        exam = reading.case.exam
        yield _row(
            f"study_reading-{reading.pk}",
            "study_reading",
            patient=exam.patient,
            exam=exam,
            segmentation=None,
            reader=reading.reader,
            time=session.finished_at.isoformat(),
            started=session.started_at.isoformat(),
            reading_seconds=session.reading_seconds,
            interrupted=session.interrupted,
            gap_count=len(session.gaps),
            gap_seconds=sum(_seconds(gap) for gap in session.gaps),
            **_study_values(reading),
        )


def study_answer_rows(patients, still_reading=()) -> Iterable[dict]:
    """The answers a reading's survey response gave, with the reading's study, arm and phase."""
    responses = SurveyResponse.objects.filter(
        reading__in=started_readings(patients, still_reading)
    ).select_related(
        "survey", "version", "respondent", "reading__version__study", "reading__case__exam__patient"
    )
    for response in responses:
        reading = response.reading
        exam = reading.case.exam
        yield from _answer_rows(
            response, "study_answer", exam.patient, exam, **_study_values(reading)
        )


def adjudicated_versions(patients, still_reading=()):
    """The started study versions with lesions on the patients' cases, but for those
    ``still_reading`` (ids)."""
    return (
        StudyVersion.objects.filter(
            locked_at__isnull=False, lesions__case__exam__patient__in=patients
        )
        .exclude(pk__in=still_reading)
        .distinct()
    )


def adjudication_rows(patients, still_reading=()) -> Iterable[dict]:
    """Of each adjudicated version, the current lesions on the patients' cases with their
    consensus, the marks they hold, and every label of them (superseded ones included)."""
    for version in adjudicated_versions(patients, still_reading).select_related("study"):
        yield from _version_adjudication_rows(version, patients)


def _version_adjudication_rows(version: StudyVersion, patients) -> Iterable[dict]:
    chosen = set(patients.values_list("pk", flat=True))
    matrix = adjudication.lesion_matrix(version)
    lesions = {
        row.lesion.pk: (row.lesion, row.consensus)
        for row in matrix.rows
        if row.lesion.case.exam.patient_id in chosen
    }
    made_at = dict(version.colocalisation_revisions.values_list("pk", "made_at"))
    marks = list(
        StudyLesionMark.objects.filter(lesion__in=lesions)
        .select_related("reading__reader", "reading__version__study")
        .order_by("lesion", "reading", "index")
    )
    readings = defaultdict(set)
    for mark in marks:
        readings[mark.lesion_id].add(mark.reading_id)
    study = {"study": version.study.name, "study_version": version.number}
    for lesion, consensus in lesions.values():
        yield _row(
            f"study_lesion-{lesion.pk}",
            "study_lesion",
            patient=lesion.case.exam.patient,
            exam=lesion.case.exam,
            segmentation=None,
            reader=None,
            instrument="colocalisation",
            value=consensus.state,  # tp, fp, pending or disputed
            centre_mm=list(lesion.centroid),
            time=made_at[lesion.revision_id].isoformat(),
            lesion_id=lesion.pk,
            reading_count=len(readings[lesion.pk]),
            **study,
        )
    for mark in marks:
        lesion = lesions[mark.lesion_id][0]
        yield _row(
            f"study_lesion_mark-{mark.pk}",
            "study_lesion_mark",
            patient=lesion.case.exam.patient,
            exam=lesion.case.exam,
            segmentation=None,
            reader=mark.reading.reader,
            instrument="colocalisation",
            value=mark.label or None,  # the reader's label of the mark
            centre_mm=[mark.x_mm, mark.y_mm, mark.z_mm],
            time=made_at[lesion.revision_id].isoformat(),
            lesion_id=lesion.pk,
            mark_index=mark.index,
            **_study_values(mark.reading),
        )
    labels = AdjudicationLabel.objects.filter(lesion__in=lesions).select_related("adjudicator")
    for label in labels:
        lesion = lesions[label.lesion_id][0]
        yield _row(
            f"adjudication_label-{label.pk}",
            "adjudication_label",
            patient=lesion.case.exam.patient,
            exam=lesion.case.exam,
            segmentation=None,
            reader=label.adjudicator,
            instrument="adjudication",
            value=label.value,
            supersedes=_event_id("adjudication_label", label.supersedes_id),
            time=label.labelled_at.isoformat(),
            lesion_id=lesion.pk,
            **study,
        )


def _seconds(gap: dict) -> float:
    start, end = (datetime.datetime.fromisoformat(gap[key]) for key in ("start", "end"))
    return (end - start).total_seconds()


def event_rows(patients, without_ai=(), still_reading=()) -> list[dict]:
    """Every event about the patients (a queryset), in the order they happened; of the exams
    ``without_ai`` (ids), none about their AI output: grades and lesion verdicts of a model's
    map, alarm verdicts; of the study versions ``still_reading`` (ids), no study event."""
    rows = [
        *assessment_rows(patients, without_ai),
        *lesion_verdict_rows(patients, without_ai),
        *alarm_verdict_rows(patients, without_ai),
        *survey_answer_rows(patients),
        *study_reading_rows(patients, still_reading),
        *study_answer_rows(patients, still_reading),
        *adjudication_rows(patients, still_reading),
    ]
    return sorted(rows, key=lambda row: (row["time"], row["event_id"]))


def _event_id(kind: str, pk: int | None, *suffix: str) -> str | None:
    return "-".join([kind, str(pk), *suffix]) if pk is not None else None


def write_csv(rows: Iterable[dict], path: Path, columns=EVENT_COLUMNS) -> None:
    """Empty cells for null; lists and objects (a centre, a multiple choice) as JSON text."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: _cell(row[column]) for column in columns})


def write_json(rows: Iterable[dict], path: Path) -> None:
    path.write_text(json.dumps(list(rows), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return value
