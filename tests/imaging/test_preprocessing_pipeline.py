"""The preprocessing pipeline on a 2 mm synthetic exam: what it does to each exam, which steps it
skips and says why, and which sequences it flags. Brain extraction on a head with its skull is
measured in test_brain_extraction and, end to end, on the clinical variant."""

import numpy as np
import pytest

from imaging.preprocessing.pipeline import AcquiredVolume, Parameters, preprocess
from imaging.sequences import Sequence
from imaging.synthetic.anatomy import load_anatomy
from tests.imaging.synthetic_heads import extract_the_known_brain, healthy_exam

RESOLUTION = 2
AT_2_MM = Parameters(spacing_mm=2.0)


@pytest.fixture(scope="module")
def stripped():
    """The cohort's exam as BraTS gives it: four sequences on one 2 mm grid, skull-stripped."""
    affine = load_anatomy(RESOLUTION).affine
    return {s: AcquiredVolume(v, affine) for s, v in healthy_exam(RESOLUTION).items()}


def step(prepared, name: str) -> dict:
    return next(s for s in prepared.steps if s["step"] == name)


def thick(volume: AcquiredVolume, every: int) -> AcquiredVolume:
    """Every ``every``-th axial slice: a 2D acquisition with slices ``every`` times as thick."""
    affine = volume.affine.copy()
    affine[:3, 2] *= every
    return AcquiredVolume(volume.array[:, :, ::every], affine)


def test_an_exam_on_one_grid_of_the_asked_spacing_is_not_registered(stripped):
    prepared = preprocess(stripped, AT_2_MM)

    assert step(prepared, "coregistration")["skipped"] == (
        "the sequences share one 2 mm grid already"
    )
    np.testing.assert_array_equal(prepared.volumes[Sequence.T2], stripped[Sequence.T2].array)


def test_a_brain_stripped_already_is_not_stripped_again(stripped):
    prepared = preprocess(stripped, AT_2_MM)

    assert step(prepared, "brain_extraction")["skipped"].startswith("already skull-stripped: ")
    assert prepared.brain is None


def test_an_exam_on_one_grid_of_another_spacing_is_resampled_without_registration(stripped):
    prepared = preprocess(stripped, Parameters(spacing_mm=3.0))

    record = step(prepared, "coregistration")
    assert record["method"] == "none: the sequences share one grid"
    assert record["grid"]["spacing_mm"] == 3.0
    assert np.allclose(np.linalg.norm(prepared.affine[:3, :3], axis=0), 3.0)


def test_sequences_on_different_grids_come_out_on_the_reference_grid(stripped):
    exam = {**stripped, Sequence.T2: thick(stripped[Sequence.T2], 3)}

    prepared = preprocess(exam, AT_2_MM)

    assert step(prepared, "coregistration")["reference"] == "T1CE"
    shapes = {v.shape for v in prepared.volumes.values()}
    assert len(shapes) == 1


def test_a_2d_sequence_with_slices_of_5_mm_or_more_is_flagged(stripped):
    exam = {**stripped, Sequence.FLAIR: thick(stripped[Sequence.FLAIR], 3)}

    prepared = preprocess(exam, AT_2_MM)

    [flag] = prepared.flags
    assert flag["code"] == "thick_slices"
    assert flag["sequence"] == "FLAIR"
    assert flag["reason"].startswith("FLAIR has 6.0 mm slices")


def test_an_exam_without_contrast_enhanced_t1_is_flagged(stripped):
    exam = {s: v for s, v in stripped.items() if s is not Sequence.T1CE}

    prepared = preprocess(exam, AT_2_MM)

    assert [f["code"] for f in prepared.flags] == ["no_contrast"]


def test_a_field_of_view_that_misses_part_of_the_brain_is_flagged(stripped, monkeypatch):
    t2 = stripped[Sequence.T2]
    top_cut = AcquiredVolume(t2.array[:, :, : t2.array.shape[2] * 2 // 3], t2.affine)
    extract_the_known_brain(monkeypatch)

    prepared = preprocess({**stripped, Sequence.T2: top_cut}, AT_2_MM)

    [flag] = prepared.flags
    assert (flag["code"], flag["sequence"]) == ("field_of_view", "T2")
    assert flag["reason"].startswith("the field of view of T2 misses ")


def test_voxels_outside_the_extracted_brain_are_set_to_0(stripped, monkeypatch):
    monkeypatch.setattr(
        "imaging.preprocessing.pipeline.extract_brain",
        lambda volume, affine, **_: (volume > volume.mean(), {"step": "brain_extraction"}),
    )
    monkeypatch.setattr("imaging.preprocessing.pipeline._stripped_already", lambda *_: "")

    prepared = preprocess(stripped, AT_2_MM)

    assert prepared.brain is not None
    assert not prepared.volumes[Sequence.FLAIR][~prepared.brain].any()


def test_bias_correction_runs_only_when_asked(stripped):
    skipped = preprocess(stripped, AT_2_MM)
    corrected = preprocess(stripped, Parameters(spacing_mm=2.0, bias_correction=True))

    assert step(skipped, "bias_correction") == {
        "step": "bias_correction",
        "skipped": "not asked for",
    }
    assert "N4BiasFieldCorrection" in step(corrected, "bias_correction")["tool"]


def test_a_reference_the_exam_lacks_is_refused(stripped):
    exam = {s: v for s, v in stripped.items() if s is not Sequence.T1CE}

    with pytest.raises(ValueError, match="the reference T1CE is not one of the exam's sequences"):
        preprocess(exam, Parameters(reference="T1CE"))
