"""A reader study's design and its start (spec ms-workflows S-01…S-05): starting stores each
reader's first arm and every reading in the reader's seeded order, once; the orders are
numpy's default_rng permutations of the seed, reader and phase; half the readers start
unaided in a crossover; practice comes first; a change after the start is a new version."""

import dataclasses
import datetime

import numpy as np
import pytest

from reviewer.studies import design, surveys
from reviewer.studies.models import Arm, Reading, StudyReader
from tests.reviewer.factories import ExamFactory
from tests.reviewer.studies.conftest import CATEGORY, SEED, START


def orders(version) -> dict[tuple[int, int], list[int]]:
    """(reader id, phase) -> the exam ids in the stored order."""
    stored: dict[tuple[int, int], list[int]] = {}
    for reading in Reading.objects.filter(version=version).select_related("case"):
        stored.setdefault((reading.reader_id, reading.phase), []).append(
            (reading.position, reading.arm, reading.case.exam_id)
        )
    return {key: [row[1:] for row in sorted(rows)] for key, rows in stored.items()}


def same_design(draft, name: str, **changes):
    """Another study with the draft's design and the changes."""
    return design.create_study(
        name=name,
        user=draft.created_by,
        design=dataclasses.replace(design.design_of(draft), **changes),
    )


def test_starting_stores_each_study_case_once_per_arm_and_the_practice_in_both(
    started, readers, exams, practice_exam
):
    for reader in readers:
        readings = Reading.objects.filter(version=started, reader=reader)
        study = readings.exclude(case__exam=practice_exam)

        assert study.count() == 2 * len(exams)
        assert {(r.case.exam_id, r.arm) for r in study} == {
            (exam.pk, arm) for exam in exams for arm in Arm.values
        }
        assert sorted(readings.filter(phase=0).values_list("arm", flat=True)) == sorted(Arm.values)


def test_the_stored_order_is_numpys_permutation_of_the_seed_reader_and_phase(started, exams):
    by_exam = sorted(exam.pk for exam in exams)

    for (reader_id, phase), stored in orders(started).items():
        if phase == 1:
            permutation = np.random.default_rng([SEED, reader_id, 1]).permutation(len(by_exam))
            assert [exam for _, exam in stored] == [by_exam[i] for i in permutation]


def test_the_same_seed_readers_and_cases_give_the_same_orders(draft):
    again = same_design(draft, "Same seed")

    assert orders(design.start(again, now=START)) == orders(design.start(draft, now=START))


def test_another_seed_gives_other_orders(draft):
    other = same_design(draft, "Other seed", seed=SEED + 1)

    assert orders(design.start(other, now=START)) != orders(design.start(draft, now=START))


def test_each_reader_reads_the_cases_in_another_order_in_phase_2(started, readers):
    stored = orders(started)

    for reader in readers:
        first = [exam for _, exam in stored[reader.pk, 1]]
        second = [exam for _, exam in stored[reader.pk, 2]]
        assert first != second and sorted(first) == sorted(second)


def test_half_the_readers_start_unaided_in_a_crossover(started):
    first_arms = list(started.readers.values_list("first_arm", flat=True))

    assert sorted(first_arms) == [Arm.AI_AIDED] * 2 + [Arm.UNAIDED] * 2


def test_a_readers_phases_are_read_in_their_first_arm_then_the_other(started):
    for enrolment in StudyReader.objects.filter(version=started):
        readings = Reading.objects.filter(version=started, reader_id=enrolment.reader_id)
        phase_1 = set(readings.filter(phase=1).values_list("arm", flat=True))
        phase_2 = set(readings.filter(phase=2).values_list("arm", flat=True))
        assert phase_1 == {enrolment.first_arm} and phase_2 == set(Arm.values) - phase_1


def test_the_papers_fixed_order_starts_every_reader_unaided(draft):
    design.change_draft(draft, crossover=False)

    design.start(draft, now=START)

    assert set(draft.readers.values_list("first_arm", flat=True)) == {Arm.UNAIDED}


def test_an_odd_reader_out_starts_unaided(draft, make_user):
    design.change_draft(draft, readers=(*design.design_of(draft).readers, make_user("radiologist")))

    design.start(draft, now=START)

    arms = list(draft.readers.values_list("first_arm", flat=True))
    assert arms.count(Arm.UNAIDED) == 3 and arms.count(Arm.AI_AIDED) == 2


def test_practice_readings_come_before_phase_1(started, readers, practice_exam):
    for reader in readers:
        first_two = Reading.objects.filter(version=started, reader=reader).order_by(
            "phase", "position"
        )[:2]
        assert [reading.case.exam_id for reading in first_two] == [practice_exam.pk] * 2


def test_starting_again_is_refused_and_regenerates_nothing(started):
    before = orders(started)

    with pytest.raises(design.StudyError, match="started"):
        design.start(started, now=START + datetime.timedelta(days=1))

    assert orders(started) == before


def test_a_draft_is_changed_in_place(draft):
    design.change_draft(draft, washout=datetime.timedelta(days=7), instructions="Read calmly.")

    draft.refresh_from_db()
    assert draft.number == 1
    assert (draft.washout, draft.instructions) == (datetime.timedelta(days=7), "Read calmly.")


def test_a_started_version_is_not_changed_in_place(started):
    with pytest.raises(design.StudyError, match="revise"):
        design.change_draft(started, washout=datetime.timedelta(days=7))


def test_revising_a_started_study_makes_version_2_with_the_change(started, researcher):
    extra = ExamFactory()

    revised = design.revise(
        started.study, user=researcher, note="one more case", cases=(
            *design.design_of(started).cases, extra,
        )
    )  # fmt: skip

    assert (revised.number, revised.locked_at, revised.note) == (2, None, "one more case")
    assert (
        revised.cases.filter(practice=False).count()
        == started.cases.filter(practice=False).count() + 1
    )
    assert (revised.seed, revised.washout, revised.survey_version_id) == (
        started.seed, started.washout, started.survey_version_id,
    )  # fmt: skip
    assert set(revised.readers.values_list("reader", flat=True)) == set(
        started.readers.values_list("reader", flat=True)
    )


def test_revising_while_the_newest_version_is_a_draft_is_refused(draft, researcher):
    with pytest.raises(design.StudyError, match="draft"):
        design.revise(draft.study, user=researcher, washout=datetime.timedelta(days=7))


def test_starting_version_2_ends_version_1(started, researcher):
    revised = design.revise(started.study, user=researcher, washout=datetime.timedelta(days=21))
    later = START + datetime.timedelta(days=3)

    design.start(revised, now=later)

    started.refresh_from_db()
    assert started.ended_at == later and revised.is_running


def test_a_design_without_readers_is_refused(draft):
    with pytest.raises(design.StudyError, match="reader"):
        design.change_draft(draft, readers=())


def test_an_exam_cannot_be_a_study_case_and_a_practice_case(draft, exams):
    with pytest.raises(design.StudyError, match="study and practice"):
        design.change_draft(draft, practice_cases=(exams[0],))


def test_readings_answer_only_a_published_survey_version(draft, researcher):
    survey = surveys.create_survey(name="Unpublished", user=researcher)
    unpublished = surveys.add_version(survey=survey, definition=CATEGORY, user=researcher)

    with pytest.raises(design.StudyError, match="published"):
        design.change_draft(draft, survey_version=unpublished)
