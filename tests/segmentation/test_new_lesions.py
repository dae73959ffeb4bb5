"""The right AI for the patient: MS patients get the new-lesion detection (each exam against the
one before), glioma patients the glioma models, a patient whose disease is not recorded nothing,
and the job says why. Measured on the synthetic cohort's MS-like patients against the lesions its
record says appeared."""

import numpy as np
import pytest
from django.core.management import call_command
from scipy import ndimage

from imaging.synthetic import build_cohort
from reviewer.cases.models import Patient
from reviewer.core.storage import read_nifti
from reviewer.imports.services import import_brats
from segmentation import new_lesions, signals, tasks
from segmentation.engine import new_lesions as engine
from segmentation.engine.lesions import CONNECTIVITY_26
from segmentation.engine.metrics import detect_lesions
from segmentation.models import InferenceJob, ModelVersion, Segmentation
from tests.reviewer.factories import PatientFactory
from tests.reviewer.imports import brats_builders as build
from tests.segmentation.model_builders import go_live, node_version, unet_version

pytestmark = pytest.mark.django_db

MS_PATIENT = "SYN-00002"  # the cohort's second patient is MS-like (imaging.synthetic.cohort)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    return build_cohort(out, patients=2, seed=11, resolution=2, formats=("brats",)), out / "brats"


def brats_folder(tmp_path, cohort, patient: str, exams: int):
    """A BraTS folder holding the first exams of one cohort patient, with their exams.csv rows."""
    record, brats = cohort
    root = tmp_path / f"{patient}-{exams}"
    root.mkdir()
    header, *rows = (brats / "exams.csv").read_text().splitlines()
    names = [e["case"] for p in record["patients"] if p["patient"] == patient for e in p["exams"]]
    for name in names[:exams]:
        (root / name).symlink_to(brats / name)
    kept = [row for row in rows if row.split(",")[0] in names[:exams]]
    (root / "exams.csv").write_text("\n".join([header, *kept]) + "\n")
    return root


@pytest.fixture
def detection():
    return go_live(new_lesions.register_detection())


@pytest.fixture
def glioma_models(tmp_path):
    return [node_version(tmp_path / "models", seed=0), unet_version(tmp_path / "models", seed=1)]


def ms_patient(tmp_path, cohort, exams: int = 2) -> Patient:
    [patient] = import_brats(brats_folder(tmp_path, cohort, MS_PATIENT, exams))
    assert patient.disease == "ms"
    return patient


def run(patient, user, exam=None, also_report=None) -> InferenceJob:
    job = InferenceJob.objects.create(patient=patient, exam=exam, created_by=user)
    tasks.run(job, also_report=also_report)
    return InferenceJob.objects.get(pk=job.pk)


def by_version(patient, version) -> dict[int, Segmentation]:
    return {
        s.exam.order: s
        for s in Segmentation.objects.filter(exam__patient=patient, model_version=version)
    }


def test_each_exam_of_an_ms_patient_gets_its_new_lesions_against_the_exam_before(
    tmp_path, cohort, detection, make_user
):
    patient = ms_patient(tmp_path, cohort)

    job = run(patient, make_user("qa_admin"))

    assert job.status == "succeeded", job.error
    assert job.device == "CPU"
    [segmentation] = by_version(patient, detection).values()
    assert segmentation.exam.order == 1 and segmentation.label_scheme == "lesion"
    assert segmentation.source == "model" and segmentation.lesions.exists()
    assert "exam 0 has no prior exam to compare with" in job.message


def test_glioma_models_are_not_run_on_ms_patients(
    tmp_path, cohort, detection, glioma_models, make_user
):
    patient = ms_patient(tmp_path, cohort)

    run(patient, make_user("qa_admin"))

    glioma = Segmentation.objects.filter(exam__patient=patient, model_version__in=glioma_models)
    assert not glioma.exists() and by_version(patient, detection)


def test_glioma_patients_get_the_glioma_models_and_not_the_new_lesion_detection(
    tmp_path, detection, glioma_models, make_user
):
    build.write_exam_folder(tmp_path / "in", "BraTS-GLI-00001-000", layout="2023", enhancing=3)
    build.write_exam_folder(
        tmp_path / "in", "BraTS-GLI-00001-001", layout="2023", enhancing=3, seed=1
    )
    [patient] = import_brats(tmp_path / "in")

    job = run(patient, make_user("qa_admin"))

    assert job.status == "succeeded", job.error
    models = Segmentation.objects.filter(exam__patient=patient, source="model")
    assert set(models.values_list("model_version", flat=True)) == {v.pk for v in glioma_models}
    assert not by_version(patient, detection)


@pytest.mark.parametrize("disease", ["unknown", "other"])
def test_a_patient_without_a_disease_that_has_ai_gets_none_and_the_job_says_why(
    detection, glioma_models, make_user, disease
):
    patient = PatientFactory(disease=disease)

    job = run(patient, make_user("qa_admin"))

    assert job.status == "failed" and job.error.startswith("No AI was run")
    label = "not recorded" if disease == "unknown" else "other"
    assert f"the disease of patient {patient} is {label}" in job.error
    assert "a QA admin can record the disease" in job.error


def test_an_ms_patients_job_fails_clearly_when_no_detection_is_deployed(glioma_models, make_user):
    job = run(PatientFactory(disease="ms"), make_user("qa_admin"))

    assert job.status == "failed" and "No new-lesion detection is deployed" in job.error


def test_running_an_ms_job_again_adds_no_segmentation(tmp_path, cohort, detection, make_user):
    patient = ms_patient(tmp_path, cohort)
    user = make_user("qa_admin")
    run(patient, user)
    before = list(Segmentation.objects.order_by("pk").values_list("pk", "sha256"))

    again = run(patient, user)

    assert again.status == "succeeded"
    assert list(Segmentation.objects.order_by("pk").values_list("pk", "sha256")) == before


def test_a_baseline_exam_alone_gets_no_detection_and_the_job_says_why(
    tmp_path, cohort, detection, make_user
):
    patient = ms_patient(tmp_path, cohort)

    job = run(patient, make_user("qa_admin"), exam=patient.exams.get(order=0))

    assert job.status == "succeeded" and not by_version(patient, detection)
    assert "exam 0 has no prior exam to compare with" in job.message


def test_the_new_lesions_are_announced_like_any_model_segmentation(
    tmp_path, cohort, detection, make_user
):
    patient = ms_patient(tmp_path, cohort)
    announced = []

    def heard(sender, *, exam, **kwargs):
        announced.append((exam.order, by_version(patient, detection).keys()))

    signals.exam_segmented.connect(heard, dispatch_uid="test-new-lesions")
    try:
        run(patient, make_user("qa_admin"))
    finally:
        signals.exam_segmented.disconnect(dispatch_uid="test-new-lesions")

    assert announced == [(1, {1})]  # once stored, and not for the baseline


def test_the_jobs_progress_names_the_pair_and_the_step(tmp_path, cohort, detection, make_user):
    patient = ms_patient(tmp_path, cohort)
    messages = []

    run(patient, make_user("qa_admin"), also_report=lambda d, t, m: messages.append(m))

    assert [m.split(": ")[1].split()[0] for m in messages] == [
        "registering",
        "normalising",
        "subtracting",
    ]
    assert all(m.startswith("exam 1 against exam 0: ") for m in messages)


def test_the_segment_command_chooses_the_ai_by_disease(make_user, capsys):
    make_user("admin")
    patient = PatientFactory(pseudonym="NR-UNKNOWN")

    call_command("segment", "--patient", "NR-UNKNOWN")

    assert f"NR-UNKNOWN: failed. No AI was run: the disease of patient {patient}" in (
        capsys.readouterr().out
    )


def test_the_detection_registers_once_per_configuration_hashed():
    first = new_lesions.register_detection()
    again = new_lesions.register_detection()
    other = new_lesions.register_detection(
        engine.Parameters(difference_threshold=0.4, minimum_volume_mm3=20.0)
    )

    assert first == again and other != first
    assert (first.kind, first.disease, first.sequences) == ("subtraction", "ms", ["FLAIR"])
    assert first.configuration["parameters"]["difference_threshold"] == 0.3
    assert first.sha256 == engine.configuration_sha256(first.configuration)
    assert ModelVersion.objects.filter(name="ms-new-lesions").count() == 2


def appeared(prior: Segmentation, current: Segmentation) -> np.ndarray:
    """The reference lesions of the current exam that the prior's reference does not touch: what
    the cohort's record says appeared (lesions persist unchanged and never touch another)."""
    before, now = (np.asanyarray(read_nifti(s.file.name).dataobj) > 0 for s in (prior, current))
    components, count = ndimage.label(now, structure=CONNECTIVITY_26)
    old = np.unique(components[before & (components > 0)])
    return (components > 0) & ~np.isin(components, old)


def test_the_detection_finds_the_lesions_that_appeared_on_the_cohorts_ms_patients(
    tmp_path, cohort, detection, make_user
):
    patient = ms_patient(tmp_path, cohort, exams=3)
    run(patient, make_user("qa_admin"))
    references = {
        s.exam.order: s
        for s in Segmentation.objects.filter(exam__patient=patient, source="reference")
    }

    found = [
        detect_lesions(
            np.asanyarray(read_nifti(segmentation.file.name).dataobj),
            appeared(references[order - 1], references[order]),
        )
        for order, segmentation in by_version(patient, detection).items()
    ]

    assert len(found) == 2
    appeared_lesions = sum(f.reference_lesions for f in found)
    sensitivity = sum(f.true_positive_lesions for f in found) / appeared_lesions
    false_positives_per_exam = sum(f.false_positive_lesions for f in found) / len(found)
    assert appeared_lesions >= 4
    assert sensitivity >= 0.8 and false_positives_per_exam <= 1.0
