"""A BraTS folder comes prepared: its exams get a run that did nothing, and says why."""

import pytest

from reviewer.imports.services import import_brats
from tests.reviewer.imports import brats_builders as build

pytestmark = pytest.mark.django_db


def test_a_brats_exam_is_recorded_as_prepared_with_every_step_skipped(tmp_path):
    build.write_exam_folder(tmp_path / "in", "BraTS-GLI-00001-000", layout="2023", enhancing=3)

    [patient] = import_brats(tmp_path / "in")

    run = patient.exams.get().preprocessing_runs.get()
    assert run.status == run.Status.SUCCEEDED
    assert {s["step"]: s["skipped"] for s in run.steps} == {
        "coregistration": "prepared already (BraTS folder)",
        "brain_extraction": "prepared already (BraTS folder)",
        "bias_correction": "prepared already (BraTS folder)",
    }
    assert not patient.exams.get().acquired_series.exists()
