"""A validation run applies the candidate and the live version to every case of a dataset
version and records, per case, whether their maps are identical and both volumes."""

import pytest

from reviewer.cases.models import Disease, Patient
from reviewer.validation import gate
from reviewer.validation.queue import RunRefused, request_run
from tests.reviewer.validation.conftest import SLIGHTLY_LARGER

pytestmark = pytest.mark.django_db


def test_a_run_with_identical_weights_is_no_change_and_deployable(
    baseline, make_candidate, validate
):
    run = validate(make_candidate("resaved"))

    decision = gate.decide(run)
    assert run.status == "succeeded", run.error
    assert decision.decision == gate.Decision.NO_CHANGE
    assert decision.deployable and decision.compatible
    assert all(case.identical for case in run.cases.all())


def test_a_run_compares_with_the_live_version_of_the_candidates_lineage(
    baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    assert run.baseline == baseline
    assert {case.baseline.model_version for case in run.cases.all()} == {baseline}
    assert {case.candidate.model_version for case in run.cases.all()} == {run.model_version}


def test_each_case_records_both_volumes_and_that_it_changed(baseline, make_candidate, validate):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    cases = list(run.cases.all())
    assert [c.case.key.split("/")[1] for c in cases] == ["0", "1"]
    for case in cases:
        assert not case.identical
        assert case.candidate_ml > case.baseline_ml > 0


def test_changed_cases_await_grades_of_both_maps_before_any_decision(
    baseline, make_candidate, validate
):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    decision = gate.decide(run)
    assert decision.decision == gate.Decision.AWAITING_GRADES
    assert not decision.deployable
    assert all("the candidate and baseline maps await a grade" in r for r in decision.reasons)


def test_a_lineages_first_version_is_compared_with_nothing_and_awaits_every_grade(
    make_candidate, validate
):
    run = validate(make_candidate("1.0"))

    decision = gate.decide(run)
    assert run.baseline is None
    assert all(case.baseline is None and not case.identical for case in run.cases.all())
    assert decision.decision == gate.Decision.AWAITING_GRADES
    assert all("the candidate map awaits a grade" in r for r in decision.reasons)


def test_a_live_version_is_not_validated_again(baseline, dataset_version, qa_admin):
    with pytest.raises(RunRefused, match="is live already"):
        request_run(model_version=baseline, dataset_version=dataset_version, user=qa_admin)


def test_a_version_that_is_not_a_single_target_glioma_model_is_refused(dataset_version, qa_admin):
    from segmentation.new_lesions import register_detection

    with pytest.raises(RunRefused, match="not a single-target glioma model"):
        request_run(
            model_version=register_detection(), dataset_version=dataset_version, user=qa_admin
        )


def test_a_dataset_version_with_cases_of_another_disease_is_refused_naming_them(
    make_candidate, dataset_version, qa_admin
):
    [case, _] = dataset_version.cases.order_by("key")
    Patient.objects.filter(pk=case.exam.patient_id).update(disease=Disease.MS)

    with pytest.raises(RunRefused, match=f"another disease than .*: {case.key}"):
        request_run(
            model_version=make_candidate("2.0"), dataset_version=dataset_version, user=qa_admin
        )
