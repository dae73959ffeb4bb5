"""The blinding rule (S-07) as reviewer.studies.blinding answers it: a reader sees no AI output
of an exam they still have to read unaided in a running study, unless an AI-aided reading of
it comes first in their own order; everyone else, and everyone once the study ended, sees it."""

import datetime

from reviewer.studies import design
from reviewer.studies.blinding import ai_visible, exams_without_ai
from reviewer.studies.models import Arm, StudyReader
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
