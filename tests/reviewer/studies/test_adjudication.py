"""Colocalisation and adjudication of a reader study version (S-13, S-14): the services, and what
the database itself refuses (migration studies 0006).

The readers of ``marks_study`` mark, on the first exam, one lesion near (10, 10, 10) mm (reader 0
in both phases, reader 1 in phase 1) and one at (40, 0, 0) (reader 1 in phase 2); on the second
exam nothing; on the practice exam a point that no analysis sees."""

import pytest
from django.db import DatabaseError, connection, transaction

from reviewer.cases.models import Patient
from reviewer.studies import adjudication, surveys
from reviewer.studies.adjudication import (
    DISPUTED,
    FP,
    PENDING,
    TP,
    AdjudicationError,
    StaleLabel,
)
from reviewer.studies.models import AdjudicationLabel, Reading, StudyLesion, StudyLesionMark
from tests.reviewer.studies.conftest import read_marking

NEAR = {(0, 1): [(10, 10, 10)], (0, 2): [(11, 10, 10)], (1, 1): [(10, 11, 10)]}
FAR = {(1, 2): [(40, 0, 0)]}


def marking(readers, exams, first_exam=None):
    """marks_of for read_marking: the points above, by (reader number, phase)."""
    points = first_exam if first_exam is not None else {**NEAR, **FAR}

    def marks_of(reading: Reading):
        if reading.phase == Reading.PRACTICE:
            return [(10, 10, 10)]
        if reading.case.exam_id != exams[0].pk:
            return []
        number = [reader.pk for reader in readers].index(reading.reader_id)
        return points.get((number, reading.phase), [])

    return marks_of


@pytest.fixture
def read(marks_study, readers, exams):
    for reader in readers[:2]:
        read_marking(reader, marks_study, marking(readers, exams))
    return marks_study


@pytest.fixture
def adjudicators(make_user, marks_study, researcher):
    chosen = [make_user("radiologist"), make_user("qa_admin")]
    for user in chosen:
        adjudication.designate(marks_study, user, by=researcher)
    return chosen


@pytest.fixture
def lesions(read, researcher):
    adjudication.colocalise(read, by=researcher)
    return list(read.lesions.current().order_by("x_mm"))


def refused(statement: str, *parameters) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, list(parameters))
    except DatabaseError:
        return True
    return False


# Colocalisation


def test_colocalisation_groups_all_readers_and_phases_marks_into_distinct_lesions(lesions):
    near, far = lesions
    assert near.marks.count() == 3
    assert near.centroid == pytest.approx((31 / 3, 31 / 3, 10))
    assert far.marks.count() == 1
    assert far.centroid == (40.0, 0.0, 0.0)


def test_colocalisation_never_sees_practice_marks(lesions, practice_exam):
    assert not StudyLesion.objects.filter(case__exam=practice_exam).exists()


def test_colocalising_again_without_new_readings_changes_nothing(lesions, read, researcher):
    assert adjudication.colocalise(read, by=researcher) is None
    assert list(read.lesions.current().order_by("x_mm")) == lesions


def test_a_new_readings_mark_joins_the_lesion_it_lies_on(marks_study, readers, exams, researcher):
    marks_of = marking(readers, exams)
    read_marking(readers[0], marks_study, marks_of)
    now = read_marking(readers[1], marks_study, marks_of, through_phase=1)
    adjudication.colocalise(marks_study, by=researcher)
    (before,) = marks_study.lesions.current()

    read_marking(
        readers[1], marks_study, marking(readers, exams, {(1, 2): [(10, 10, 11)]}), now=now
    )
    revision = adjudication.colocalise(marks_study, by=researcher)

    (after,) = marks_study.lesions.current()
    assert after.marks.count() == 4
    assert before.retirement.revision == revision


def test_a_new_readings_mark_elsewhere_is_a_new_lesion_and_leaves_the_others(
    marks_study, readers, exams, researcher
):
    marks_of = marking(readers, exams)
    read_marking(readers[0], marks_study, marks_of)
    now = read_marking(readers[1], marks_study, marks_of, through_phase=1)
    adjudication.colocalise(marks_study, by=researcher)
    (before,) = marks_study.lesions.current()

    read_marking(readers[1], marks_study, marks_of, now=now)
    adjudication.colocalise(marks_study, by=researcher)

    assert set(marks_study.lesions.current()) - {before} != set()
    assert before in marks_study.lesions.current()


def test_a_lesion_whose_only_mark_was_corrected_away_is_retired(lesions, read, readers, researcher):
    near, far = lesions
    mark = far.marks.get()
    surveys.respond(
        version=read.survey_version,
        respondent=readers[1],
        subject=mark.reading,
        answers={"new_lesions": []},
        supersedes=mark.response,
    )
    revision = adjudication.colocalise(read, by=researcher)
    assert StudyLesion.objects.get(pk=far.pk).retirement.revision == revision
    assert list(read.lesions.current()) == [near]


def test_a_merge_makes_one_lesion_of_the_marks_of_both(lesions, researcher):
    merged = adjudication.merge(lesions, by=researcher)
    assert merged.marks.count() == 4
    assert merged.centroid == pytest.approx(((31 + 40) / 4, 31 / 4, 30 / 4))
    assert list(merged.version.lesions.current()) == [merged]


def test_a_merge_keeps_the_lesions_it_replaces_on_record(lesions, researcher):
    merged = adjudication.merge(lesions, by=researcher)
    for lesion in lesions:
        assert StudyLesion.objects.get(pk=lesion.pk).retirement.revision == merged.revision
    assert merged.revision.kind == "merge"
    assert merged.revision.number == 2


def test_a_merge_by_hand_survives_the_next_colocalisation(lesions, read, researcher):
    merged = adjudication.merge(lesions, by=researcher)
    assert adjudication.colocalise(read, by=researcher) is None
    assert list(read.lesions.current()) == [merged]


def test_a_split_makes_two_lesions_of_the_chosen_marks_and_the_rest(lesions, researcher):
    near = lesions[0]
    chosen = near.marks.order_by("x_mm").last()  # (11, 10, 10)
    first, second = adjudication.split(near, [chosen], by=researcher)
    assert first.centroid == (11.0, 10.0, 10.0)
    assert second.marks.count() == 2
    assert not near.version.lesions.current().filter(pk=near.pk).exists()


def test_a_split_by_hand_survives_the_next_colocalisation(lesions, read, researcher):
    near = lesions[0]
    first, second = adjudication.split(near, [near.marks.first()], by=researcher)
    assert adjudication.colocalise(read, by=researcher) is None
    assert {first, second} <= set(read.lesions.current())


@pytest.mark.parametrize("chosen", ["none", "all"])
def test_a_split_takes_some_of_the_lesions_marks(lesions, researcher, chosen):
    near = lesions[0]
    marks = [] if chosen == "none" else list(near.marks.all())
    with pytest.raises(AdjudicationError, match="not none or all") as refusal:
        adjudication.split(near, marks, by=researcher)
    assert refusal.value.field == "marks"


def test_a_split_refuses_another_lesions_mark(lesions, researcher):
    near, far = lesions
    with pytest.raises(AdjudicationError, match=f"not marks of lesion {near.pk}"):
        adjudication.split(near, [far.marks.get()], by=researcher)


def test_a_merge_needs_two_lesions(lesions, researcher):
    with pytest.raises(AdjudicationError, match="two lesions or more") as refusal:
        adjudication.merge([lesions[0]], by=researcher)
    assert refusal.value.field == "lesions"


def test_a_merge_refuses_a_lesion_replaced_meanwhile(lesions, researcher):
    adjudication.merge(lesions, by=researcher)
    with pytest.raises(AdjudicationError, match="not current lesions"):
        adjudication.merge(lesions, by=researcher)


def test_a_merge_refuses_lesions_of_two_cases(read, readers, exams, researcher):
    adjudication.colocalise(read, by=researcher)
    near = read.lesions.current().order_by("x_mm").first()
    other_case = read.cases.get(exam=exams[1])
    mark = StudyLesionMark.objects.filter(lesion=near).first()
    revision = read.colocalisation_revisions.get()
    elsewhere = StudyLesion.objects.create(
        version=read, case=other_case, revision=revision, x_mm=0, y_mm=0, z_mm=0
    )
    StudyLesionMark.objects.create(
        lesion=elsewhere, reading=mark.reading, response=mark.response, index=5, x_mm=0, y_mm=0,
        z_mm=0,
    )  # fmt: skip
    with pytest.raises(AdjudicationError, match="different cases"):
        adjudication.merge([near, elsewhere], by=researcher)


def test_colocalisation_needs_a_survey_with_a_lesion_marks_question(started, researcher):
    with pytest.raises(AdjudicationError, match="0 lesion-marks questions") as refusal:
        adjudication.colocalise(started, by=researcher)
    assert refusal.value.field == "survey_version"


def test_a_draft_is_not_colocalised(draft, researcher):
    with pytest.raises(AdjudicationError, match="is a draft") as refusal:
        adjudication.colocalise(draft, by=researcher)
    assert refusal.value.field == "version"


def test_a_reader_who_is_not_an_adjudicator_may_not_colocalise(read, readers):
    with pytest.raises(AdjudicationError, match="neither runs nor adjudicates"):
        adjudication.colocalise(read, by=readers[0])


# Adjudicators and labels


def test_only_the_studys_researcher_designates_adjudicators(marks_study, make_user, readers):
    with pytest.raises(AdjudicationError, match="researcher designates") as refusal:
        adjudication.designate(marks_study, make_user("radiologist"), by=readers[0])
    assert refusal.value.field == "by"


def test_an_adjudicator_is_a_radiologist_or_qa_admin(marks_study, make_user, researcher):
    with pytest.raises(AdjudicationError, match="radiologists or QA admins") as refusal:
        adjudication.designate(marks_study, make_user("researcher"), by=researcher)
    assert refusal.value.field == "user"


def test_an_adjudicator_is_designated_once(marks_study, adjudicators, researcher):
    with pytest.raises(AdjudicationError, match="already adjudicates"):
        adjudication.designate(marks_study, adjudicators[0], by=researcher)


def test_an_adjudicator_may_see_the_patients_of_the_study_cases(adjudicators, exams):
    visible = Patient.objects.visible_to(adjudicators[0])
    assert visible.filter(pk=exams[0].patient_id).exists()
    assert visible.filter(pk=exams[1].patient_id).exists()


def test_a_lesion_both_adjudicators_call_tp_is_settled_tp(lesions, adjudicators):
    for adjudicator in adjudicators:
        adjudication.label(lesions[0], adjudicator=adjudicator, value=TP)
    assert consensus_of(lesions[0]).state == TP


def test_a_lesion_the_adjudicators_disagree_on_is_disputed(lesions, adjudicators):
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    adjudication.label(lesions[0], adjudicator=adjudicators[1], value=FP)
    assert consensus_of(lesions[0]).state == DISPUTED


def test_a_lesion_one_adjudicator_labelled_is_pending(lesions, adjudicators):
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=FP)
    assert consensus_of(lesions[0]).state == PENDING


def test_a_correction_supersedes_the_adjudicators_latest_label(lesions, adjudicators):
    first = adjudication.label(lesions[0], adjudicator=adjudicators[0], value=FP)
    adjudication.label(lesions[0], adjudicator=adjudicators[1], value=TP)
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP, supersedes=first)
    assert consensus_of(lesions[0]).state == TP
    assert AdjudicationLabel.objects.filter(lesion=lesions[0]).count() == 3


def test_a_label_not_naming_the_latest_is_stale(lesions, adjudicators):
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=FP)
    with pytest.raises(StaleLabel, match="meanwhile"):
        adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)


def test_the_same_label_again_changes_nothing(lesions, adjudicators):
    first = adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    again = adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP, supersedes=first)
    assert again == first


def test_a_label_by_someone_not_designated_is_refused(lesions, adjudicators, make_user):
    with pytest.raises(AdjudicationError, match="not an adjudicator") as refusal:
        adjudication.label(lesions[0], adjudicator=make_user("radiologist"), value=TP)
    assert refusal.value.field == "adjudicator"


def test_a_label_is_tp_or_fp(lesions, adjudicators):
    with pytest.raises(AdjudicationError, match="'maybe' is not a label") as refusal:
        adjudication.label(lesions[0], adjudicator=adjudicators[0], value="maybe")
    assert refusal.value.field == "value"


def test_a_label_of_a_replaced_lesion_is_refused(lesions, adjudicators, researcher):
    adjudication.merge(lesions, by=researcher)
    with pytest.raises(AdjudicationError, match="replaced by a later colocalisation") as refusal:
        adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    assert refusal.value.field == "lesion"


def test_a_label_while_the_version_is_a_draft_is_refused(draft, adjudicators):
    with pytest.raises(AdjudicationError, match="is a draft") as refusal:
        adjudication.label(StudyLesion(version=draft), adjudicator=adjudicators[0], value=TP)
    assert refusal.value.field == "version"


def test_an_adjudicator_who_reads_labels_only_after_their_last_reading(
    marks_study, readers, exams, researcher
):
    reader = readers[0]
    adjudication.designate(marks_study, reader, by=researcher)
    read_marking(readers[1], marks_study, marking(readers, exams))
    now = read_marking(reader, marks_study, marking(readers, exams), through_phase=1)
    adjudication.colocalise(marks_study, by=researcher)
    lesion = marks_study.lesions.current().first()
    with pytest.raises(AdjudicationError, match="unfinished readings") as refusal:
        adjudication.label(lesion, adjudicator=reader, value=TP)
    assert refusal.value.field == "adjudicator"

    read_marking(reader, marks_study, marking(readers, exams), now=now)
    adjudication.colocalise(marks_study, by=researcher)
    lesion = marks_study.lesions.current().first()
    assert adjudication.label(lesion, adjudicator=reader, value=TP).value == TP


# The lesion matrix and the reference standard


def consensus_of(lesion):
    matrix = adjudication.lesion_matrix(lesion.version)
    (row,) = [row for row in matrix.rows if row.lesion == lesion]
    return row.consensus


def test_the_lesion_matrix_says_who_found_each_lesion_in_which_phase(lesions, readers):
    matrix = adjudication.lesion_matrix(lesions[0].version)
    first, second = readers[:2]
    assert matrix.readers == [first, second]
    near, far = sorted(matrix.rows, key=lambda row: row.lesion.x_mm)
    assert near.found == {(first.pk, 1): True, (first.pk, 2): True,
                          (second.pk, 1): True, (second.pk, 2): False}  # fmt: skip
    assert far.found == {(first.pk, 1): False, (first.pk, 2): False,
                         (second.pk, 1): False, (second.pk, 2): True}  # fmt: skip


def test_the_lesion_matrix_leaves_unread_readings_open(marks_study, readers, exams, researcher):
    read_marking(readers[0], marks_study, marking(readers, exams))
    read_marking(readers[1], marks_study, marking(readers, exams), through_phase=1)
    adjudication.colocalise(marks_study, by=researcher)
    matrix = adjudication.lesion_matrix(marks_study)
    assert matrix.rows[0].found[(readers[1].pk, 2)] is None
    array = matrix.found_array()
    assert array.shape == (1, 2, 2)
    assert array[0, 0].tolist() == [1.0, 1.0]


def test_the_reference_standard_is_the_settled_tp_lesions_of_every_case(
    lesions, adjudicators, exams
):
    near, far = lesions
    for adjudicator in adjudicators:
        adjudication.label(near, adjudicator=adjudicator, value=TP)
        adjudication.label(far, adjudicator=adjudicator, value=FP)
    reference = adjudication.reference_standard(near.version)
    assert [(entry.case.exam, entry.lesions) for entry in reference] == [
        (exams[0], [near]),
        (exams[1], []),
    ]


def test_the_reference_standard_waits_for_every_lesion_to_be_settled(lesions, adjudicators):
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    with pytest.raises(AdjudicationError, match="not settled") as refusal:
        adjudication.reference_standard(lesions[0].version)
    assert refusal.value.field == "lesions"


def test_the_reference_standard_waits_for_new_readings_to_be_colocalised(
    marks_study, readers, exams
):
    read_marking(readers[0], marks_study, marking(readers, exams))
    with pytest.raises(AdjudicationError, match="colocalise first"):
        adjudication.reference_standard(marks_study)


# What the database refuses


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("studies_colocalisationrevision", "tolerance_mm = 9"),
        ("studies_studylesion", "x_mm = 0"),
        ("studies_studylesionmark", "x_mm = 0"),
        ("studies_retiredlesion", "revision_id = revision_id"),
        ("studies_adjudicator", "designated_at = designated_at"),
        ("studies_adjudicationlabel", "value = 'fp'"),
    ],
)
def test_the_database_refuses_changing_or_deleting_colocalisation_and_adjudication(
    lesions, adjudicators, researcher, table, change
):
    adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    adjudication.merge(lesions, by=researcher)
    assert refused(f"UPDATE {table} SET {change}")  # noqa: S608 (names from the test itself)
    assert refused(f"DELETE FROM {table}")  # noqa: S608


def test_the_database_refuses_a_label_by_someone_not_designated(lesions, readers):
    assert refused(
        "INSERT INTO studies_adjudicationlabel (lesion_id, adjudicator_id, value, labelled_at) "
        "VALUES (%s, %s, 'tp', now())",
        lesions[0].pk,
        readers[0].pk,
    )


def test_the_database_refuses_a_label_of_a_replaced_lesion(lesions, adjudicators, researcher):
    adjudication.merge(lesions, by=researcher)
    assert refused(
        "INSERT INTO studies_adjudicationlabel (lesion_id, adjudicator_id, value, labelled_at) "
        "VALUES (%s, %s, 'tp', now())",
        lesions[0].pk,
        adjudicators[0].pk,
    )


def test_the_database_refuses_a_correction_of_another_adjudicators_label(lesions, adjudicators):
    theirs = adjudication.label(lesions[0], adjudicator=adjudicators[0], value=TP)
    assert refused(
        "INSERT INTO studies_adjudicationlabel "
        "(lesion_id, adjudicator_id, value, supersedes_id, labelled_at) "
        "VALUES (%s, %s, 'fp', %s, now())",
        lesions[0].pk,
        adjudicators[1].pk,
        theirs.pk,
    )


def test_the_database_refuses_a_lesion_on_a_practice_case(lesions, practice_exam):
    lesion = lesions[0]
    practice = lesion.version.cases.get(exam=practice_exam)
    assert refused(
        "INSERT INTO studies_studylesion (version_id, case_id, revision_id, x_mm, y_mm, z_mm) "
        "VALUES (%s, %s, %s, 0, 0, 0)",
        lesion.version_id,
        practice.pk,
        lesion.revision_id,
    )
