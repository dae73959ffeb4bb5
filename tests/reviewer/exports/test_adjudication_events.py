"""Reader studies' adjudication in the tidy export (S-16): each lesion of a started version's
current colocalisation is an event with its centroid, the readings whose marks it holds and its
consensus; each mark it holds an event linking the reading to it; each adjudicator's label an
event, corrections and what they supersede included. A user who still reads in a version gets
none of its study events (S-07), and the manifest says so.

On the first exam of ``marks_study`` reader 0 marks near (10, 10, 10) mm in both phases and
reader 1 in phase 1; reader 1 marks (40, 0, 0) in phase 2: two lesions, "near" and "far". Both
adjudicators call near TP (the first after correcting an FP); one calls far FP."""

# The reader-study fixtures come from the studies' conftest; tests take them as arguments.
# ruff: noqa: F811

import pytest

from reviewer.cases.models import Patient
from reviewer.exports import runs
from reviewer.exports.bundle import build, verify
from reviewer.exports.models import ExportJob
from reviewer.exports.scope import still_reading
from reviewer.exports.tidy import event_rows
from reviewer.studies import adjudication, design
from reviewer.studies.adjudication import FP, TP
from reviewer.studies.models import AdjudicationLabel, Reading, StudyLesionMark
from tests.reviewer.studies.conftest import (  # noqa: F401
    SEED,
    START,
    exams,
    marks_study,
    marks_survey,
    practice_exam,
    read_marking,
    readers,
    researcher,
)

POINTS = {
    (0, 1): [(10, 10, 10)],
    (0, 2): [(11, 10, 10)],
    (1, 1): [(10, 11, 10)],
    (1, 2): [(40, 0, 0)],
}
STUDY_KINDS = {
    "study_reading",
    "study_answer",
    "study_lesion",
    "study_lesion_mark",
    "adjudication_label",
}


def marking(readers, exams):
    """marks_of for read_marking: the points above on the first exam, by (reader, phase)."""

    def marks_of(reading: Reading):
        if reading.case.exam_id != exams[0].pk or reading.phase == Reading.PRACTICE:
            return []
        number = [reader.pk for reader in readers].index(reading.reader_id)
        return POINTS.get((number, reading.phase), [])

    return marks_of


@pytest.fixture
def adjudicators(make_user, marks_study, researcher):
    chosen = [make_user("radiologist", username="adj-r"), make_user("qa_admin", username="adj-q")]
    for user in chosen:
        adjudication.designate(marks_study, user, by=researcher)
    return chosen


@pytest.fixture
def lesions(marks_study, readers, exams, researcher, adjudicators):
    """Near (TP, one adjudicator having corrected their FP) and far (FP by one: pending)."""
    for reader in readers[:2]:
        read_marking(reader, marks_study, marking(readers, exams))
    adjudication.colocalise(marks_study, by=researcher)
    near, far = marks_study.lesions.current().order_by("x_mm")
    first = adjudication.label(near, adjudicator=adjudicators[0], value=FP)
    adjudication.label(near, adjudicator=adjudicators[0], value=TP, supersedes=first)
    adjudication.label(near, adjudicator=adjudicators[1], value=TP)
    adjudication.label(far, adjudicator=adjudicators[0], value=FP)
    return near, far


def scope_of(*exams):
    return Patient.objects.filter(pk__in=[exam.patient_id for exam in exams])


def rows(patients, kind: str, **options) -> dict:
    return {r["event_id"]: r for r in event_rows(patients, **options) if r["event_kind"] == kind}


def test_each_current_lesion_is_an_event_with_its_centroid_readings_and_consensus(
    lesions, marks_study, exams
):
    near, far = lesions
    exported = rows(scope_of(exams[0]), "study_lesion")
    assert set(exported) == {f"study_lesion-{near.pk}", f"study_lesion-{far.pk}"}
    row = exported[f"study_lesion-{near.pk}"]
    assert (row["study"], row["study_version"]) == ("MUSIC marks", marks_study.number)
    assert (row["patient"], row["exam_order"]) == (exams[0].patient.pseudonym, exams[0].order)
    assert row["lesion_id"] == near.pk
    assert row["centre_mm"] == pytest.approx(list(near.centroid))
    assert row["reading_count"] == len({m.reading_id for m in near.marks.all()})
    assert row["reader"] is None


def test_a_lesions_consensus_is_the_adjudications(lesions, marks_study, exams):
    exported = rows(scope_of(exams[0]), "study_lesion")
    states = {
        row.lesion.pk: row.consensus.state for row in adjudication.lesion_matrix(marks_study).rows
    }
    assert {row["lesion_id"]: row["value"] for row in exported.values()} == states
    assert set(states.values()) == {TP, adjudication.PENDING}


def test_every_label_is_an_event_corrections_and_what_they_supersede_included(lesions, exams):
    exported = rows(scope_of(exams[0]), "adjudication_label")
    labels = AdjudicationLabel.objects.filter(lesion__in=lesions)
    assert set(exported) == {f"adjudication_label-{label.pk}" for label in labels}
    correction = labels.get(supersedes__isnull=False)
    row = exported[f"adjudication_label-{correction.pk}"]
    assert row["supersedes"] == f"adjudication_label-{correction.supersedes_id}"
    assert (row["reader"], row["value"]) == (correction.adjudicator.username, correction.value)
    assert row["time"] == correction.labelled_at.isoformat()
    assert row["lesion_id"] == correction.lesion_id


def test_each_mark_is_an_event_linking_its_reading_to_its_lesion(lesions, readers, exams):
    near, _ = lesions
    exported = rows(scope_of(exams[0]), "study_lesion_mark")
    marks = StudyLesionMark.objects.filter(lesion__in=lesions)
    assert set(exported) == {f"study_lesion_mark-{mark.pk}" for mark in marks}
    mark = near.marks.get(reading__reader=readers[0], reading__phase=1)
    row = exported[f"study_lesion_mark-{mark.pk}"]
    assert (row["lesion_id"], row["mark_index"]) == (near.pk, mark.index)
    assert row["reader"] == readers[0].username
    reading = mark.reading
    assert (row["phase"], row["arm"], row["position"]) == (1, reading.arm, reading.position)
    assert row["centre_mm"] == [mark.x_mm, mark.y_mm, mark.z_mm]


def test_a_replaced_lesion_and_its_labels_are_no_events(lesions, researcher, exams):
    merged = adjudication.merge(lesions, by=researcher)
    scope = scope_of(exams[0])
    assert [r["lesion_id"] for r in rows(scope, "study_lesion").values()] == [merged.pk]
    assert {r["lesion_id"] for r in rows(scope, "study_lesion_mark").values()} == {merged.pk}
    assert rows(scope, "adjudication_label") == {}


def test_patients_outside_the_scope_bring_no_adjudication_events(lesions, exams):
    everything = event_rows(scope_of(exams[1]))
    assert not {"study_lesion", "study_lesion_mark", "adjudication_label"} & {
        row["event_kind"] for row in everything
    }


@pytest.fixture
def qa_reader(make_user, researcher, readers, exams, practice_exam, marks_survey):
    """A QA admin who reads in a second version with reader 0 and has read phase 1 only; the
    version is colocalised."""
    qa = make_user("qa_admin", username="qa-reader")
    version = design.start(
        design.create_study(
            name="MUSIC blind",
            user=researcher,
            design=design.Design(
                cases=tuple(exams[:2]),
                practice_cases=(practice_exam,),
                readers=(readers[0], qa),
                seed=SEED,
                survey_version=marks_survey,
            ),
        ),
        now=START,
    )
    marks_of = marking([readers[0], qa], exams)
    read_marking(readers[0], version, marks_of)
    now = read_marking(qa, version, marks_of, through_phase=1)
    adjudication.colocalise(version, by=researcher)
    return qa, version, now


def test_a_user_still_reading_in_a_version_gets_none_of_its_study_events(qa_reader, exams):
    qa, _, _ = qa_reader
    exported = event_rows(scope_of(exams[0]), still_reading=still_reading(qa))
    assert not [r for r in exported if r["event_kind"] in STUDY_KINDS]
    assert rows(scope_of(exams[0]), "study_lesion")  # others get them


def test_the_manifest_names_the_versions_left_out_for_the_user_still_reading(
    qa_reader, exams, tmp_path
):
    qa, version, _ = qa_reader
    out = tmp_path / "export.zip"
    build(scope_of(exams[0]), out, still_reading=still_reading(qa))
    manifest = verify(out).manifest
    named = {"study": "MUSIC blind", "number": version.number}
    assert manifest["study_withheld"]["study_versions"] == [named]
    assert "S-07" in manifest["study_withheld"]["reason"]
    assert not [v for v in manifest["study_versions"] if v["study"] == "MUSIC blind"]


def test_a_reader_who_finished_their_readings_gets_the_versions_study_events(
    qa_reader, readers, exams
):
    qa, version, now = qa_reader
    read_marking(qa, version, marking([readers[0], qa], exams), now=now)
    assert rows(scope_of(exams[0]), "study_lesion", still_reading=still_reading(qa))


def test_a_bundle_with_adjudication_events_verifies_from_its_files(
    lesions, marks_study, adjudicators, exams, tmp_path
):
    out = tmp_path / "export.zip"
    build(scope_of(exams[0]), out)
    verified = verify(out)
    kinds = {event["event_kind"] for event in verified.events}
    assert {"study_lesion", "study_lesion_mark", "adjudication_label"} <= kinds
    (named,) = verified.manifest["study_versions"]
    assert named["adjudicators"] == sorted(user.username for user in adjudicators)
    latest = marks_study.colocalisation_revisions.order_by("number").last()
    assert named["colocalisation_revision"] == latest.number
    assert verified.manifest["study_withheld"]["study_versions"] == []


def test_an_export_job_of_a_user_still_reading_leaves_the_versions_study_events_out(
    qa_reader, exams
):
    qa, _, _ = qa_reader
    scope = {"patients": [exams[0].patient.pseudonym], "dataset_version": None}
    job = ExportJob.objects.create(created_by=qa, scope=scope)
    runs.run(job)
    job.refresh_from_db()
    verified = verify(runs.export_dir() / job.file)
    assert verified.manifest["study_withheld"]["study_versions"]
    assert not [e for e in verified.events if e["event_kind"] in STUDY_KINDS]
