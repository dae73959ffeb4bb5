"""setup_demo: import the cohort once, one user per role, grants; running it again keeps all."""

import pytest
from django.core.management import call_command

from imaging.synthetic import build_cohort
from reviewer.cases.models import Patient
from reviewer.core.models import User
from segmentation.engine import artifacts, new_lesions
from segmentation.models import InferenceJob, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(tmp_path):
    build_cohort(tmp_path / "cohort", patients=1, seed=5, resolution=2, formats=("brats",))
    return tmp_path / "cohort"


def test_setup_demo_imports_the_cohort_and_creates_a_user_per_role(
    cohort, settings, tmp_path, client
):
    settings.VAR_DIR = tmp_path

    call_command("setup_demo", "--cohort", str(cohort))

    assert Patient.objects.count() == 1 and Patient.objects.get().exams.count() == 3
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "radiologist": "radiologist", "qa_admin": "qa_admin", "researcher": "researcher",
        "steward": "admin",
    }  # fmt: skip
    password = dict(
        line.split(" ", 1) for line in (tmp_path / "demo-credentials.txt").read_text().splitlines()
    )["radiologist"]
    client.post("/login/", {"username": "radiologist", "password": password})
    assert Patient.objects.get().pseudonym in client.get("/worklist/").content.decode()


def test_running_setup_demo_again_keeps_data_and_passwords(cohort, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("setup_demo", "--cohort", str(cohort))
    first = (tmp_path / "demo-credentials.txt").read_text()
    pseudonym = Patient.objects.get().pseudonym

    call_command("setup_demo", "--cohort", str(cohort))

    assert (tmp_path / "demo-credentials.txt").read_text() == first
    assert list(Patient.objects.values_list("pseudonym", flat=True)) == [pseudonym]


def test_setup_demo_deploys_every_bundled_model_and_queues_each_patient(cohort, settings, tmp_path):
    settings.VAR_DIR = tmp_path

    call_command("setup_demo", "--cohort", str(cohort))

    bundled = sorted(p.parent.name for p in artifacts.BUNDLED.glob(f"*/{artifacts.CARD}"))
    assert len(bundled) == 6
    glioma = ModelVersion.objects.deployed().filter(disease="glioma")
    assert sorted(f"{v.name}" for v in glioma) == bundled
    assert InferenceJob.objects.filter(patient=Patient.objects.get()).count() == 1


def test_setup_demo_deploys_the_ms_new_lesion_detection_without_weights(cohort, settings, tmp_path):
    settings.VAR_DIR = tmp_path

    call_command("setup_demo", "--cohort", str(cohort))
    call_command("setup_demo", "--cohort", str(cohort))

    [detection] = ModelVersion.objects.deployed().filter(disease="ms")
    assert (detection.kind, detection.name, detection.weights.name) == (
        "subtraction",
        "ms-new-lesions",
        "",
    )
    assert detection.sha256 == new_lesions.configuration_sha256(detection.configuration)


def test_setup_demo_records_the_cohorts_ms_patients_as_ms_and_gliomas_as_glioma(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    build_cohort(tmp_path / "cohort", patients=2, seed=5, resolution=2, formats=("brats",))

    call_command("setup_demo", "--cohort", str(tmp_path / "cohort"))

    recorded = dict(Patient.objects.values_list("identity__source_patient_id", "disease"))
    assert recorded == {"SYN-00001": "glioma", "SYN-00002": "ms"}


def test_setup_demo_starts_a_crossover_study_the_demo_readers_read_once(settings, tmp_path):
    from reviewer.studies.models import Study

    settings.VAR_DIR = tmp_path
    build_cohort(tmp_path / "two", patients=2, seed=5, resolution=2, formats=("brats",))

    call_command("setup_demo", "--cohort", str(tmp_path / "two"))
    call_command("setup_demo", "--cohort", str(tmp_path / "two"))

    [study] = Study.objects.all()
    [version] = study.versions.all()
    assert version.is_running and version.crossover
    readers = set(version.readers.values_list("reader__username", flat=True))
    assert readers == {"radiologist", "qa_admin"}
    assert version.cases.filter(practice=True).count() == 1
