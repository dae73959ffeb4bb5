"""A preprocessing run on an exam's acquired series: what it stores, what it keeps, and how it
fails."""

import numpy as np
import pytest

from imaging.sequences import Sequence
from reviewer.cases.models import Series
from reviewer.core.storage import read_nifti
from reviewer.preprocessing import runs
from reviewer.preprocessing.models import BrainMask
from tests.imaging.synthetic_heads import extract_the_known_brain
from tests.reviewer.preprocessing.clinical_builders import acquired_exam

pytestmark = pytest.mark.django_db


def finished(run):
    runs.run(run)
    run.refresh_from_db()
    return run


def test_a_run_makes_the_four_series_on_one_grid_and_keeps_the_originals(monkeypatch):
    extract_the_known_brain(monkeypatch)
    exam, run = acquired_exam(thick=(Sequence.T2,))

    run = finished(run)

    assert run.status == run.Status.SUCCEEDED, run.error
    series = list(exam.series.all())
    assert sorted(s.sequence for s in series) == ["FLAIR", "T1", "T1CE", "T2"]
    assert len({(tuple(s.shape), str(s.affine)) for s in series}) == 1
    assert exam.acquired_series.get(sequence="T2").spacing[2] == pytest.approx(6.0)


def test_a_run_stores_the_brain_mask_on_the_series_grid(monkeypatch):
    extract_the_known_brain(monkeypatch)
    exam, run = acquired_exam()

    run = finished(run)

    mask = read_nifti(BrainMask.objects.get(run=run).file.name)
    assert list(mask.shape) == exam.series.first().shape
    assert set(np.unique(np.asanyarray(mask.dataobj))) == {0, 1}


def test_the_record_lists_every_step_done_or_skipped_with_why(monkeypatch):
    extract_the_known_brain(monkeypatch)
    exam, run = acquired_exam(thick=(Sequence.FLAIR,))

    run = finished(run)

    assert [s["step"] for s in run.steps] == [
        "coregistration",
        "brain_extraction",
        "bias_correction",
    ]
    assert run.steps[2]["skipped"] == "not asked for"
    assert [f["code"] for f in run.flags] == ["thick_slices"]


def test_a_finished_run_run_again_changes_nothing(monkeypatch):
    extract_the_known_brain(monkeypatch)
    exam, run = acquired_exam()
    run = finished(run)
    stored = list(Series.objects.values_list("pk", "sha256"))

    run = finished(run)

    assert list(Series.objects.values_list("pk", "sha256")) == stored


def test_a_run_that_cannot_be_done_fails_with_the_reason_and_stores_nothing():
    exam, run = acquired_exam(sequences=(Sequence.T1, Sequence.FLAIR))
    run.parameters = {**run.parameters, "reference": "T1CE"}
    run.save(update_fields=["parameters"])

    run = finished(run)

    assert run.status == run.Status.FAILED
    assert run.error == "the reference T1CE is not one of the exam's sequences"
    assert not exam.series.exists()
    assert not BrainMask.objects.exists()
