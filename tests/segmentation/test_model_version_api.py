"""A model version's training manifest names the exams and folders it was trained on: the data
steward reads it whole through the API, every other role its counts."""

import pytest

from segmentation.models import ModelVersion

pytestmark = pytest.mark.django_db

TRAINED_ON = "BraTS-GLI-00042-000"  # an exam folder: it carries the source patient's number


@pytest.fixture
def version():
    return ModelVersion.objects.create(
        name="unet-wt",
        version="1",
        kind="unet",
        target="WT",
        sha256="a" * 64,
        training_manifest={
            "training": {"command": "train_segmentation --target WT", "seed": 0},
            "manifest": {
                "cases": {TRAINED_ON: {"label_scheme": "brats2023"}},
                "patients": ["GLI-00042"],
                "data_dir": "/data/hospital/brats",
            },
        },
    )


def read(client, version) -> dict:
    response = client.get(f"/api/model-versions/{version.pk}/")
    assert response.status_code == 200
    return response.json()["training_manifest"]


@pytest.mark.parametrize("role", ["radiologist", "qa_admin"])
def test_other_roles_read_the_training_record_and_counts_only(version, make_user, client_for, role):
    manifest = read(client_for(make_user(role)), version)

    assert TRAINED_ON not in str(manifest) and "/data/hospital" not in str(manifest)
    assert manifest["manifest"]["cases"] == 1 and manifest["manifest"]["patients"] == 1
    assert manifest["training"]["seed"] == 0


def test_the_data_steward_reads_it_whole(version, make_user, client_for):
    manifest = read(client_for(make_user("admin")), version)

    assert TRAINED_ON in manifest["manifest"]["cases"]
    assert manifest["manifest"]["data_dir"] == "/data/hospital/brats"
