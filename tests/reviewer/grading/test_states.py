"""Review states of exams and patients (reviewer.grading.states), as the worklist shows them:
not reviewed, in review, graded, waiting for a second reader, done; and whether a case is open
for a given user."""

import pytest

from reviewer.cases.models import Exam, Patient
from reviewer.grading import diagnoses
from reviewer.grading.states import ReviewState, review_states
from tests.reviewer.grading.builders import accept_all, composites, glioma_patient, radiologist
from tests.reviewer.worklist.builders import grade, judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return glioma_patient()


@pytest.fixture
def reader(make_user, patient):
    return radiologist(make_user, patient, "dr-first")


@pytest.fixture
def other(make_user, patient):
    return radiologist(make_user, patient, "dr-other")


def exam(patient, order: int) -> Exam:
    return patient.exams.get(order=order)


def state_of(obj, user) -> ReviewState:
    return review_states(type(obj).objects.filter(pk=obj.pk), user)[obj.pk].state


def judge_all(segmentation, reader) -> None:
    for lesion in segmentation.lesions.filter(below_minimum=False):
        judge(segmentation, reader, lesion.index, "accepted")


def review_fully(segmentations, reader) -> None:
    accept_all(segmentations, reader)
    for segmentation in segmentations:
        judge_all(segmentation, reader)


def diagnose(reader, patient, volume: str):
    return diagnoses.record_diagnosis(
        user=reader,
        exam=exam(patient, 2),
        family="node",
        rano_diagnosis="stable",
        volume_diagnosis=volume,
    )


def test_an_exam_nobody_touched_is_not_reviewed(patient, reader):
    composites(patient)

    assert state_of(exam(patient, 0), reader) == ReviewState.NOT_REVIEWED


def test_an_exam_without_an_ai_result_is_not_reviewed(patient, reader):
    assert state_of(exam(patient, 0), reader) == ReviewState.NOT_REVIEWED


def test_an_exam_with_one_of_its_two_results_graded_is_in_review(patient, reader):
    node, unet = composites(patient, "node")[2], composites(patient, "unet")[2]
    grade(node, reader)

    assert unet.exam == exam(patient, 0)
    assert state_of(exam(patient, 0), reader) == ReviewState.IN_REVIEW


def test_an_exam_with_only_lesion_verdicts_is_in_review(patient, reader):
    first = composites(patient)[2]
    judge(first, reader, 1, "rejected")

    assert state_of(exam(patient, 0), reader) == ReviewState.IN_REVIEW


def test_an_exam_graded_with_lesions_left_to_judge_is_graded(patient, reader):
    accept_all([composites(patient)[2]], reader)

    assert state_of(exam(patient, 0), reader) == ReviewState.GRADED


def test_the_lesions_of_an_unacceptable_result_need_no_verdicts(patient, reader):
    grade(composites(patient)[2], reader, acceptable=False, grade=1)

    assert state_of(exam(patient, 0), reader) == ReviewState.DONE


def test_a_first_exam_graded_and_judged_is_done(patient, reader):
    review_fully([composites(patient)[2]], reader)

    assert state_of(exam(patient, 0), reader) == ReviewState.DONE


def test_an_exam_due_a_volume_diagnosis_stays_graded_until_it_is_recorded(patient, reader):
    review_fully(composites(patient), reader)

    assert state_of(exam(patient, 2), reader) == ReviewState.GRADED


def test_an_exam_is_done_once_its_concordant_diagnosis_is_recorded(patient, reader):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "stable")

    assert state_of(exam(patient, 2), reader) == ReviewState.DONE


def test_an_exam_with_a_discordant_diagnosis_waits_for_a_second_reader(patient, reader):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "progression")

    assert state_of(exam(patient, 2), reader) == ReviewState.WAITING_FOR_SECOND_READER


def test_an_exam_waits_for_a_second_reader_until_the_consensus(patient, reader, other):
    review_fully(composites(patient), reader)
    diagnosis = diagnose(reader, patient, "progression")
    diagnoses.record_second_opinion(user=other, diagnosis=diagnosis, opinion="stable")

    waiting = state_of(exam(patient, 2), reader)
    diagnoses.record_consensus(user=other, diagnosis=diagnosis, text="Uncertain.")

    assert waiting == ReviewState.WAITING_FOR_SECOND_READER
    assert state_of(exam(patient, 2), reader) == ReviewState.DONE


def test_an_agreeing_second_opinion_makes_the_exam_done(patient, reader, other):
    review_fully(composites(patient), reader)
    diagnosis = diagnose(reader, patient, "progression")
    diagnoses.record_second_opinion(user=other, diagnosis=diagnosis, opinion="progression")

    assert state_of(exam(patient, 2), reader) == ReviewState.DONE


def test_no_diagnosis_is_due_when_a_prior_was_graded_unacceptable(patient, reader):
    t, t1, t2 = composites(patient)
    review_fully([t, t1], reader)
    grade(t2, reader, acceptable=False, grade=2)

    assert state_of(exam(patient, 2), reader) == ReviewState.DONE


def test_a_patient_with_a_done_exam_and_an_untouched_one_is_in_review(patient, reader):
    review_fully([composites(patient)[2]], reader)

    assert state_of(patient, reader) == ReviewState.IN_REVIEW


def test_a_patient_with_every_exam_graded_is_graded(patient, reader):
    accept_all(composites(patient), reader)

    assert state_of(patient, reader) == ReviewState.GRADED


def test_a_patient_is_done_when_every_exam_is(patient, reader):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "stable")

    assert state_of(patient, reader) == ReviewState.DONE


def test_a_patient_waits_for_a_second_reader_when_any_exam_does(patient, reader):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "progression")

    assert state_of(patient, reader) == ReviewState.WAITING_FOR_SECOND_READER


def test_a_case_is_open_for_a_reader_who_took_part_until_it_is_done(patient, reader, other):
    accept_all(composites(patient), reader)

    statuses = [review_states(Patient.objects.all(), user)[patient.pk] for user in (reader, other)]

    assert [s.open_for_user for s in statuses] == [True, False]


def test_a_case_waiting_for_a_second_opinion_is_open_for_other_readers(patient, reader, other):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "progression")

    assert review_states(Patient.objects.all(), other)[patient.pk].open_for_user


def test_a_done_case_is_open_for_nobody(patient, reader):
    review_fully(composites(patient), reader)
    diagnose(reader, patient, "stable")

    assert not review_states(Patient.objects.all(), reader)[patient.pk].open_for_user


def test_review_states_take_the_same_number_of_queries_for_one_or_many_cases(
    reader, django_assert_max_num_queries
):
    for _ in range(4):
        review_fully(composites(glioma_patient()), reader)
    review_fully(composites(glioma_patient()), reader)

    # the states' 8, and one EXISTS per blinding kind (does the reader read in a study now?)
    with django_assert_max_num_queries(10):
        states = review_states(Patient.objects.all(), reader)

    assert len(states) == 6
