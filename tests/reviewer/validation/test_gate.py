"""The gate after re-grading: deployable when no changed case got worse in acceptability and
the mean grade is not lower; incompatible when an accepted case's volume changed over 25 %."""

import pytest

from reviewer.grading.services import record_assessment
from reviewer.validation import gate
from tests.reviewer.validation.conftest import MUCH_LARGER, SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


def grade_all(run, grade, *, baseline, candidate):
    """Grade every case's baseline and candidate map: (acceptable, level) each."""
    for case in run.cases.all():
        grade(case.baseline, acceptable=baseline[0], level=baseline[1])
        grade(case.candidate, acceptable=candidate[0], level=candidate[1])


@pytest.fixture
def changed_run(baseline, make_candidate, validate):
    return validate(make_candidate("2.0", SLIGHTLY_LARGER))


def test_equal_grades_make_a_changed_version_deployable(changed_run, grade):
    grade_all(changed_run, grade, baseline=(True, 4), candidate=(True, 4))

    decision = gate.decide(changed_run)
    assert decision.decision == gate.Decision.DEPLOYABLE
    assert decision.compatible
    assert (decision.mean_baseline, decision.mean_candidate) == (4, 4)


def test_a_case_that_goes_from_acceptable_to_unacceptable_refuses_the_version(changed_run, grade):
    first, second = changed_run.cases.all()
    for case in (first, second):
        grade(case.baseline, acceptable=True, level=3)
    grade(first.candidate, acceptable=False, level=5)
    grade(second.candidate, acceptable=True, level=5)

    decision = gate.decide(changed_run)
    assert decision.decision == gate.Decision.REFUSED
    assert f"{first.case.key}: acceptable before, unacceptable now" in decision.reasons


def test_a_lower_mean_grade_refuses_the_version(changed_run, grade):
    grade_all(changed_run, grade, baseline=(True, 4), candidate=(True, 3))

    decision = gate.decide(changed_run)
    assert decision.decision == gate.Decision.REFUSED
    assert "the mean grade over the 2 changed case(s) fell from 4.00 to 3.00" in decision.reasons


def test_the_latest_grade_of_a_map_is_the_one_that_counts(changed_run, grade):
    grade_all(changed_run, grade, baseline=(True, 4), candidate=(True, 3))
    for case in changed_run.cases.all():
        first = case.candidate.assessments.get()
        record_assessment(
            user=first.reader, segmentation=case.candidate, acceptable=True, grade=4,
            supersedes=first,
        )  # fmt: skip

    assert gate.decide(changed_run).decision == gate.Decision.DEPLOYABLE


def test_a_volume_change_over_25_percent_on_an_accepted_case_makes_it_incompatible(
    baseline, make_candidate, validate, grade
):
    run = validate(make_candidate("3.0", MUCH_LARGER))
    grade_all(run, grade, baseline=(True, 3), candidate=(True, 3))

    decision = gate.decide(run)
    assert decision.deployable
    assert not decision.compatible
    changes = {o.key: o.volume_change for o in decision.cases}
    assert all(change > 0.25 for change in changes.values())
    assert decision.as_json()["incompatible"] == sorted(changes)


def test_a_volume_change_on_a_case_not_accepted_before_leaves_it_compatible(
    baseline, make_candidate, validate, grade
):
    run = validate(make_candidate("3.0", MUCH_LARGER))
    grade_all(run, grade, baseline=(False, 2), candidate=(False, 2))

    decision = gate.decide(run)
    assert decision.decision == gate.Decision.DEPLOYABLE
    assert decision.compatible


def test_a_small_volume_change_on_an_accepted_case_stays_compatible(changed_run, grade):
    grade_all(changed_run, grade, baseline=(True, 4), candidate=(True, 4))

    decision = gate.decide(changed_run)
    assert all(0 < o.volume_change < 0.25 for o in decision.cases)
    assert decision.compatible
