"""Going live: only through the gate, one live version per lineage, every deployment and
rollback recorded with who, when, why and on what evidence; the database enforces the rules."""

import numpy as np
import pytest
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone

from imaging.synthetic import build_cohort
from reviewer.alarms import ensemble
from reviewer.alarms.models import EnsembleAgreement
from reviewer.core.storage import read_nifti
from reviewer.datasets.models import ReferenceDataset
from reviewer.datasets.versions import create_version
from reviewer.imports.services import import_brats
from reviewer.validation import deployment, runs
from reviewer.validation.deployment import DeploymentRefused
from reviewer.validation.models import Deployment
from reviewer.validation.queue import request_run
from segmentation.engine import artifacts, discord
from segmentation.engine.targets import target_mask
from segmentation.inference import Segmenter, exam_channels, store_model_segmentation
from segmentation.models import ModelVersion, Segmentation
from segmentation.services import register_model_version
from tests.reviewer.validation.conftest import MUCH_LARGER, SLIGHTLY_LARGER
from tests.segmentation.model_builders import go_live

pytestmark = pytest.mark.django_db
# PostgreSQL's triggers raise InternalError; the constraints IntegrityError
REFUSED_BY_THE_DATABASE = (IntegrityError, InternalError)


@pytest.fixture
def no_change_run(baseline, make_candidate, validate):
    return validate(make_candidate("1.1"))


def graded(run, grade, *, level=4):
    for case in run.cases.all():
        grade(case.baseline, acceptable=True, level=4)
        grade(case.candidate, acceptable=True, level=level)
    return run


def live(version) -> ModelVersion:
    return ModelVersion.objects.deployed().lineage(version).get()


def test_deploying_a_no_change_run_makes_the_candidate_live_in_the_baselines_place(
    no_change_run, baseline, qa_admin
):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    candidate = no_change_run.model_version
    assert live(baseline) == candidate
    candidate.refresh_from_db()
    assert candidate.compatibility_group == baseline.compatibility_group == 1
    assert (record.action, record.replaced, record.run) == ("deploy", baseline, no_change_run)


def test_a_deployment_records_who_when_why_and_the_gates_decision(no_change_run, qa_admin):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    candidate = ModelVersion.objects.get(pk=no_change_run.model_version_id)
    assert record.user == qa_admin
    assert record.reason == "bug-fix release"
    assert record.created_at == candidate.deployed_at
    assert record.decision["decision"] == "no_change"
    assert record.decision["compatible"] is True


def test_without_an_ensemble_on_the_reference_cases_the_thresholds_in_force_are_kept_saying_why(
    no_change_run, qa_admin
):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    assert record.threshold_set is None
    assert record.thresholds_note.startswith("thresholds not frozen again: no ensemble agreement")


def test_an_incompatible_version_starts_a_new_compatibility_group(
    baseline, make_candidate, validate, grade, qa_admin
):
    run = graded(validate(make_candidate("3.0", MUCH_LARGER)), grade)

    deployment.deploy(run, user=qa_admin, reason="new training data")

    assert live(baseline).compatibility_group == 2
    assert run.deployments.get().decision["compatible"] is False


def test_a_run_awaiting_grades_cannot_deploy(baseline, make_candidate, validate, qa_admin):
    run = validate(make_candidate("2.0", SLIGHTLY_LARGER))

    with pytest.raises(DeploymentRefused, match="awaiting grades"):
        deployment.deploy(run, user=qa_admin, reason="in a hurry")
    assert live(baseline) == baseline


def test_a_refused_version_cannot_deploy(baseline, make_candidate, validate, grade, qa_admin):
    run = graded(validate(make_candidate("2.0", SLIGHTLY_LARGER)), grade, level=3)

    with pytest.raises(DeploymentRefused, match="refused.*mean grade"):
        deployment.deploy(run, user=qa_admin, reason="anyway")
    assert not Deployment.objects.filter(run=run).exists()


def test_a_run_made_against_a_version_no_longer_live_cannot_deploy(
    baseline, make_candidate, validate, qa_admin
):
    first, second = validate(make_candidate("1.1")), validate(make_candidate("1.2", 0.0))
    deployment.deploy(first, user=qa_admin, reason="first fix")

    with pytest.raises(DeploymentRefused, match="has changed since run"):
        deployment.deploy(second, user=qa_admin, reason="second fix")


def test_a_deployment_needs_a_reason(no_change_run, qa_admin):
    with pytest.raises(DeploymentRefused, match="say why"):
        deployment.deploy(no_change_run, user=qa_admin, reason="  ")


def test_the_database_refuses_a_version_going_live_without_a_deployment(baseline, make_candidate):
    candidate = make_candidate("2.0", SLIGHTLY_LARGER)
    ModelVersion.objects.filter(pk=baseline.pk).update(deployed_at=None)

    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="only through the gate"),
        transaction.atomic(),
    ):
        ModelVersion.objects.filter(pk=candidate.pk).update(deployed_at=timezone.now())


def test_the_database_refuses_two_live_versions_of_one_lineage(baseline, make_candidate, qa_admin):
    candidate = make_candidate("2.0", SLIGHTLY_LARGER)
    now = timezone.now()
    Deployment.objects.create(
        model_version=candidate, action="install", compatibility_group=1, reason="sneaking in",
        user=qa_admin, created_at=now,
    )  # fmt: skip

    with pytest.raises(IntegrityError, match="one_live_per_lineage"), transaction.atomic():
        ModelVersion.objects.filter(pk=candidate.pk).update(deployed_at=now)


def test_the_database_refuses_changing_or_deleting_a_deployment(no_change_run, qa_admin):
    record = deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="a deployment is a record"),
        transaction.atomic(),
    ):
        Deployment.objects.filter(pk=record.pk).update(reason="rewritten")
    with (
        pytest.raises(REFUSED_BY_THE_DATABASE, match="a deployment is a record"),
        transaction.atomic(),
    ):
        Deployment.objects.filter(pk=record.pk).delete()


def test_rolling_back_makes_the_replaced_version_live_again_and_is_recorded(
    no_change_run, baseline, qa_admin
):
    deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")
    candidate = ModelVersion.objects.get(pk=no_change_run.model_version_id)

    record = deployment.rollback(candidate, user=qa_admin, reason="crashes on 3 T scans")

    assert live(baseline) == baseline
    assert (record.action, record.model_version, record.replaced) == (
        "rollback", baseline, candidate,
    )  # fmt: skip
    assert record.reason == "crashes on 3 T scans"
    assert [d.action for d in Deployment.objects.order_by("created_at")] == [
        "install", "deploy", "rollback",
    ]  # fmt: skip


def test_an_installed_first_version_has_nothing_to_roll_back_to(baseline, qa_admin):
    with pytest.raises(DeploymentRefused, match="nothing to roll back to"):
        deployment.rollback(baseline, user=qa_admin, reason="try")


def test_a_lineage_that_had_a_live_version_installs_nothing_more(
    baseline, make_candidate, qa_admin
):
    with pytest.raises(DeploymentRefused, match="only through a validation run"):
        deployment.install(make_candidate("2.0", SLIGHTLY_LARGER), user=qa_admin, reason="x")


def test_inference_runs_with_the_live_version_after_a_deployment(no_change_run, qa_admin):
    deployment.deploy(no_change_run, user=qa_admin, reason="bug-fix release")

    assert list(ModelVersion.objects.deployed()) == [no_change_run.model_version]


@pytest.fixture(scope="session")
def three_patients_brats(tmp_path_factory):
    """Three synthetic patients of three exams each; the first and the third have gliomas."""
    out = tmp_path_factory.mktemp("deployment-cohort")
    build_cohort(out, patients=3, seed=5, resolution=2, formats=("brats",))
    return out / "brats"


@pytest.fixture
def glioma_exams(three_patients_brats, db):
    """The six glioma exams, patient by patient."""
    patients = sorted(import_brats(three_patients_brats), key=lambda p: p.pseudonym)
    return [e for p in patients if p.disease == "glioma" for e in p.exams.order_by("order")]


@pytest.fixture
def live_node(glioma_exams):
    """The NODE whole-tumour family live beside the U-Net baseline, with a map of every glioma
    exam stored as inference stores one; the maps are the exams' reference whole tumours, so
    that no NODE has to run here."""
    node = go_live(register_model_version(artifacts.BUNDLED / "node-wt-small"))
    for exam in glioma_exams:
        reference = exam.segmentations.get(source="reference")
        labels = np.asanyarray(read_nifti(reference.file.name).dataobj)
        store_model_segmentation(
            exam,
            node,
            target_mask(labels, "WT", reference.label_scheme),
            np.asarray(exam.series.first().affine, dtype=float),
            source_file="a stand-in for the NODE's map",
        )
    return node


@pytest.fixture
def five_exam_run(glioma_exams, baseline, make_candidate, qa_admin):
    """A no-change candidate of the baseline validated on a dataset version of five exams."""
    dataset = ReferenceDataset.objects.create(name="five exams", created_by=qa_admin)
    dataset_version = create_version(dataset, glioma_exams[:5], user=qa_admin)
    job = request_run(
        model_version=make_candidate("1.1"), dataset_version=dataset_version, user=qa_admin
    )
    runs.run(job)
    return job


def mask(exam, version) -> np.ndarray:
    stored = Segmentation.objects.get(exam=exam, model_version=version)
    return np.asanyarray(read_nifti(stored.file.name).dataobj) > 0


def median_and_mad(values) -> tuple[float, float]:
    median = float(np.median(values))
    return median, float(np.median(np.abs(np.asarray(values) - median)))


def test_going_live_freezes_the_thresholds_over_the_live_ensemble_on_the_reference_exams(
    five_exam_run, live_node, glioma_exams, baseline, qa_admin
):
    reference, candidate = glioma_exams[:5], five_exam_run.model_version
    elsewhere = glioma_exams[5]  # a reference patient's exam that the dataset leaves out,
    Segmenter().segment(elsewhere, baseline, exam_channels(elsewhere))
    ensemble.update_exam(elsewhere)  # measured as clinical work measures it: not frozen over

    frozen = deployment.deploy(five_exam_run, user=qa_admin, reason="bug-fix release").threshold_set

    assert frozen.exam_ids == sorted(exam.pk for exam in reference)
    thresholds = {(t.model_version_id, t.metric): t for t in frozen.thresholds.all()}
    live = (live_node, candidate)  # the retired baseline neither votes nor is scored
    assert set(thresholds) == {(v.pk, metric) for v in live for metric in discord.PAPER_METRICS}
    for version, other in (live, live[::-1]):
        # Dice with the strict majority of two maps (their intersection), counted here
        dice = []
        for exam in reference:
            own = mask(exam, version)
            fusion = own & mask(exam, other)
            dice.append(2 * fusion.sum() / (own.sum() + fusion.sum()))
        median, mad = median_and_mad(dice)
        frozen_dice = thresholds[version.pk, "dice"]
        assert (frozen_dice.median, frozen_dice.mad, frozen_dice.cohort_size) == pytest.approx(
            (median, mad, 5)
        )
        assert frozen_dice.threshold == pytest.approx(median - discord.DEFAULT_ALPHA * mad)
        hausdorff = EnsembleAgreement.objects.filter(exam__in=reference, model_version=version)
        median, mad = median_and_mad(list(hausdorff.values_list("hausdorff_mm", flat=True)))
        frozen_hausdorff = thresholds[version.pk, "hausdorff"]
        assert frozen_hausdorff.threshold == pytest.approx(median + discord.DEFAULT_ALPHA * mad)
