"""The blinding rule (S-07) as reviewer.studies.blinding answers it: a reader sees no AI output
of an exam they still have to read unaided in a running study, unless an AI-aided reading of
it comes first in their own order; everyone else, and everyone once the study ended, sees it."""

import datetime

import pytest

from reviewer.studies import design
from reviewer.studies.blinding import ai_visible, exams_without_ai
from reviewer.studies.models import Arm, StudyReader
from reviewer.studies.readings import finish, next_reading
from tests.reviewer.studies.conftest import START, read_through_phase

DAY = datetime.timedelta(days=1)


def first_in(started, arm):
    return StudyReader.objects.filter(version=started, first_arm=arm).first().reader


def test_a_reader_sees_no_ai_of_a_case_they_will_read_unaided(started, exams):
    reader = first_in(started, Arm.UNAIDED)

    assert not ai_visible(reader, exams[0])


def test_a_reader_sees_the_ai_once_they_read_the_case_unaided(started, exams):
    reader = first_in(started, Arm.UNAIDED)

    read_through_phase(reader, started, 1, START)

    assert all(ai_visible(reader, exam) for exam in exams)


def test_a_reader_who_starts_aided_sees_the_ai_of_their_phase_1_cases(started, exams):
    reader = first_in(started, Arm.AI_AIDED)

    assert all(ai_visible(reader, exam) for exam in exams)


def test_a_reader_who_read_aided_sees_no_ai_while_the_unaided_reading_waits(started, exams):
    reader = first_in(started, Arm.AI_AIDED)

    read_through_phase(reader, started, 1, START)

    assert not any(ai_visible(reader, exam) for exam in exams)


def test_everyone_sees_the_ai_once_the_study_ended(started, exams):
    reader = first_in(started, Arm.UNAIDED)

    design.end(started, now=START + DAY)

    assert ai_visible(reader, exams[0])


def test_a_user_who_reads_nothing_in_the_study_sees_the_ai(started, exams, make_user):
    assert ai_visible(make_user("radiologist"), exams[0])


def test_a_draft_study_hides_nothing(draft, readers, exams):
    assert ai_visible(readers[0], exams[0])


def test_the_practice_case_shows_the_ai_in_the_readers_aided_practice(started, practice_exam):
    aided_first = first_in(started, Arm.AI_AIDED)
    unaided_first = first_in(started, Arm.UNAIDED)

    assert ai_visible(aided_first, practice_exam)
    assert not ai_visible(unaided_first, practice_exam)


def test_the_hidden_exams_are_listed_for_the_viewer_and_exports(started, exams, practice_exam):
    reader = first_in(started, Arm.UNAIDED)

    assert set(exams_without_ai(reader)) == {exam.pk for exam in exams} | {practice_exam.pk}


# One patient, two case exams and a prior that is no case (reviewer.studies.blinding)


@pytest.fixture
def one_patient(researcher, make_user):
    """A crossover of two readers over two exams of one patient, whose first exam is no case."""
    from tests.reviewer.factories import ExamFactory, PatientFactory

    patient = PatientFactory()
    prior, first, second = (ExamFactory(patient=patient, order=order) for order in range(3))
    readers = (make_user("radiologist"), make_user("radiologist"))
    draft = design.create_study(
        name="Two cases of one patient",
        user=researcher,
        design=design.Design(cases=(first, second), readers=readers, seed=7),
    )
    return design.start(draft, now=START), prior, first, second


def test_a_prior_that_is_no_case_is_hidden_with_the_case(one_patient):
    version, prior, _, _ = one_patient

    assert not ai_visible(first_in(version, Arm.UNAIDED), prior)


def test_a_case_read_aided_next_shows_its_ai_while_another_case_of_the_patient_waits_unaided(
    one_patient,
):
    version, _, first, second = one_patient
    reader = first_in(version, Arm.AI_AIDED)
    reading = next_reading(reader, version, START)
    finish(reading, reader=reader, started_at=START, gaps=[], now=START + DAY / 24)
    read = reading.case.exam
    next_aided = second if read == first else first

    assert not ai_visible(reader, read)  # its unaided reading waits for phase 2
    assert ai_visible(reader, next_aided)  # its aided reading comes next


def test_a_reader_sees_no_reference_of_a_patient_they_still_read_in_either_arm(started, exams):
    from reviewer.cases.blinding import exams_without_reference

    reader = first_in(started, Arm.AI_AIDED)

    assert set(exams_without_reference(reader)) >= {exam.pk for exam in exams}


def test_the_reference_shows_once_the_reader_read_everything(started, exams):
    from reviewer.cases.blinding import exams_without_reference

    reader = first_in(started, Arm.UNAIDED)
    after_phase_1 = read_through_phase(reader, started, 1, START)
    read_through_phase(reader, started, 2, after_phase_1 + started.washout)

    assert not set(exams_without_reference(reader)) & {exam.pk for exam in exams}
