"""Training: BraTS targets per label scheme, normalization, the patient-level split, NODE and
U-Net training with checkpoints and artifacts, and the train_segmentation command. One tiny 2 mm
cohort of three patients (two gliomas, one MS patient) is shared; runs train on 32×32 crops."""

import hashlib
import json

import nibabel as nib
import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from imaging.brats import discover_exam_folders
from imaging.labels import LabelScheme
from imaging.synthetic import build_cohort
from segmentation.engine import data
from segmentation.engine.artifacts import REQUIRED_KEYS, read_artifact
from segmentation.engine.checkpoint import CHECKPOINT
from segmentation.engine.targets import Target, target_labels, target_mask
from segmentation.engine.training import train
from segmentation.models import ModelVersion

TINY = {"crop": 32, "batch_size": 16, "steps": 1, "seed": 5, "validation_slices": "wt"}


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One thread for the whole module, module fixtures included: on two shared cores a second
    OpenMP thread mostly waits, and runs compared for identical weights must share the count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    build_cohort(out, patients=3, seed=23, resolution=2, formats=("brats",))
    return out / "brats"


@pytest.fixture(scope="module")
def node_run(cohort, tmp_path_factory):
    """One NODE epoch, then the same run resumed for a second epoch, in one folder."""
    out = tmp_path_factory.mktemp("node")
    first = train(target="WT", data_dir=cohort, epochs=1, out_dir=out, progress=False, **TINY)
    after_first = torch.load(out / CHECKPOINT, weights_only=False)
    second = train(target="WT", data_dir=cohort, epochs=2, out_dir=out, progress=False, **TINY)
    return first, after_first, second


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("brats2020", {"ET": {4}, "TC": {1, 4}, "WT": {1, 2, 4}}),
        ("brats2023", {"ET": {3}, "TC": {1, 3}, "WT": {1, 2, 3}}),
    ],
)
def test_targets_are_the_brats_unions_of_each_label_scheme(scheme, expected):
    labels = np.array([0, 1, 2, 3, 4])
    for target, values in expected.items():
        assert target_labels(target, scheme) == values
        assert set(labels[target_mask(labels, target, scheme)]) == values


def test_the_lesion_scheme_has_no_glioma_target():
    with pytest.raises(ValueError, match="no glioma targets"):
        target_mask(np.zeros(3), Target.WT, LabelScheme.LESION)


def test_normalization_maps_each_sequence_of_the_brain_onto_the_unit_interval(cohort):
    folder = next(
        f for f in discover_exam_folders(cohort) if f.label_scheme == LabelScheme.BRATS2020
    )
    exam = data.load_exam(folder, folder.label_scheme)
    brain = exam.image.any(axis=0)
    assert exam.image.dtype == np.float32 and exam.image.shape[0] == 4
    for channel, (sequence, limits) in enumerate(exam.normalization.items()):
        values = exam.image[channel][brain]
        assert values.min() == 0.0 and values.max() == 1.0, sequence
        assert 0.004 < np.mean(values == 1.0) < 0.006  # above the 99.5th percentile
        assert limits["low"] < limits["high"]
    assert not exam.image[:, ~brain].any()


def test_the_split_puts_every_patient_on_one_side_only():
    patients = [f"P{n:02d}" for n in range(10) for _ in range(3)]  # three exams each
    training, validation = data.split_patients(patients, seed=4)
    assert not set(training) & set(validation)
    assert set(training) | set(validation) == set(patients)
    assert len(validation) == 2
    assert data.split_patients(list(reversed(patients)), seed=4) == (training, validation)
    assert data.split_patients(patients, seed=5) != (training, validation)


def test_training_data_leave_out_ms_patients_and_split_by_patient(cohort):
    prepared = data.prepare(
        cohort, seed=0, slice_rule=data.SliceRule.WT, default_scheme=LabelScheme.BRATS2020
    )
    manifest = prepared.manifest
    assert manifest["patients"] == {"training": ["SYN-00001"], "validation": ["SYN-00003"]} or (
        manifest["patients"] == {"training": ["SYN-00003"], "validation": ["SYN-00001"]}
    )
    assert all(name.startswith("BraTS-SYN-00002") for name in manifest["excluded"])
    for name, folder in manifest["cases"].items():  # the manifest's key for its exam folders
        expected_split = (
            "validation" if folder["patient"] in manifest["patients"]["validation"] else "training"
        )
        assert folder["split"] == expected_split
        assert len(folder["sha256"]) == 5, name
    assert manifest["slices"]["training"] == sum(len(s.labels) for s in prepared.training) > 0
    for exam in prepared.training:  # the WT > 0 rule
        assert target_mask(exam.labels, "WT", exam.scheme).any(axis=(1, 2)).all()


def test_brats_2023_folders_are_read_with_label_3_as_enhancing_tumour(cohort, tmp_path):
    suffixes = {"flair": "t2f", "t1": "t1n", "t1ce": "t1c", "t2": "t2w", "seg": "seg"}
    enhancing = {}
    for folder in discover_exam_folders(cohort):
        if folder.label_scheme != LabelScheme.BRATS2020:
            continue
        name = folder.name.replace("BraTS-SYN-", "BraTS-GLI-")  # patient-timepoint, as in 2023
        (tmp_path / name).mkdir()
        for path in [*folder.images.values(), folder.segmentation]:
            image = nib.load(path)
            array = np.asanyarray(image.dataobj)
            if path == folder.segmentation:
                array = np.where(array == 4, 3, array).astype(array.dtype)
                enhancing[name] = int((array == 3).sum())
            suffix = suffixes[path.name.split("_")[-1].removesuffix(".nii.gz")]
            nib.save(
                nib.Nifti1Image(array, image.affine), tmp_path / name / f"{name}-{suffix}.nii.gz"
            )
    usable, _ = data.glioma_exam_folders(tmp_path, LabelScheme.BRATS2020)  # no exams.csv: detected
    assert {scheme for _, scheme in usable} == {LabelScheme.BRATS2023}
    assert len({folder.patient_key for folder, _ in usable}) == 2
    folder, scheme = usable[0]
    exam = data.load_exam(folder, scheme)
    assert target_mask(exam.labels, Target.ET, scheme).sum() == enhancing[folder.name] > 0


def test_node_training_writes_an_artifact_whose_hash_is_its_weights(node_run):
    _, _, artifact = node_run
    card = json.loads((artifact.folder / "model.json").read_text())
    assert set(REQUIRED_KEYS) <= set(card)
    weights = (artifact.folder / "weights.pt").read_bytes()
    assert read_artifact(artifact.folder).sha256 == hashlib.sha256(weights).hexdigest()
    assert card["version"] == artifact.sha256[:12]
    assert (card["name"], card["kind"], card["target"]) == ("node-wt-small", "node", "WT")
    assert card["label_scheme"] == "brats2020"
    assert card["config"]["steps"] == card["training"]["n_steps_train"] == 1
    assert card["training"]["sensitivity"] == "adjoint" and card["training"]["seed"] == 5
    assert 0.0 <= card["validation"]["dice"] <= 1.0
    assert card["validation"]["cases"] == 3 and card["validation"]["patients"] == 1
    assert card["validation"]["grid_agreement_steps"] == [1, 100]


def test_node_training_resumes_from_the_checkpoint_epoch_and_lowers_the_loss(node_run):
    first, after_first, second = node_run
    assert after_first["epoch"] == 1
    losses = second.card["training"]["loss_per_epoch"]
    assert losses[0] == first.card["training"]["loss_per_epoch"][0]  # not trained again
    assert len(losses) == 2 and losses[1] < losses[0]
    assert torch.load(second.folder / CHECKPOINT, weights_only=False)["epoch"] == 2


def test_a_resumed_run_gives_the_weights_of_an_uninterrupted_one(cohort, node_run, tmp_path):
    _, _, resumed = node_run
    again = train(target="WT", data_dir=cohort, epochs=2, out_dir=tmp_path, progress=False, **TINY)
    assert again.sha256 == resumed.sha256


def test_a_checkpoint_of_another_configuration_is_refused(cohort, node_run):
    _, _, artifact = node_run
    with pytest.raises(ValueError, match="another training configuration"):
        train(
            target="TC", data_dir=cohort, epochs=3, out_dir=artifact.folder, progress=False, **TINY
        )


def test_a_unet_on_two_sequences_has_two_input_channels(cohort, tmp_path):
    artifact = train(
        kind="unet",
        target="WT",
        sequences=["T2", "FLAIR"],
        data_dir=cohort,
        epochs=1,
        out_dir=tmp_path,
        progress=False,
        **TINY,
    )
    assert artifact.card["sequences"] == ["FLAIR", "T2"]  # channel order
    assert artifact.card["config"]["network"]["in_channels"] == 2
    state = torch.load(artifact.weights_path, weights_only=True)
    assert next(iter(state.values())).shape[1] == 2  # the first convolution's input channels


def test_the_node_refuses_a_subset_of_sequences(cohort, tmp_path):
    with pytest.raises(ValueError, match="all four sequences"):
        train(target="ET", sequences=["T1CE"], data_dir=cohort, epochs=1, out_dir=tmp_path)


@pytest.mark.django_db
def test_the_command_trains_and_registers_a_model_version(cohort, tmp_path):
    out = tmp_path / "unet-tc"
    call_command(
        *("train_segmentation", "--target", "TC", "--data", str(cohort), "--epochs", "1"),
        *("--kind", "unet", "--crop", "32", "--batch-size", "16", "--seed", "2"),
        *("--validation-slices", "wt", "--out", str(out)),
    )
    artifact = read_artifact(out)
    version = ModelVersion.objects.get(sha256=artifact.sha256)
    assert (version.kind, version.target, version.name) == ("unet", "TC", "unet-tc-small")
    command = version.training_manifest["training"]["command"]
    assert command.startswith("python manage.py train_segmentation --target TC --data ")
    assert "--seed 2" in command and "--kind unet" in command
    assert version.validation_metrics["cases"] == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--target", "XX"), "invalid choice: 'XX'"),
        (("--target", "ET", "--sequences", "T1CE,DWI"), "--sequences"),
        (("--target", "ET", "--sequences", "T1CE"), "all four sequences"),
    ],
)
def test_the_command_refuses_bad_arguments(cohort, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "train_segmentation",
            *arguments,
            *("--data", str(cohort), "--epochs", "1", "--out", str(tmp_path), "--no-register"),
        )
