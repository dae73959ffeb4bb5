"""Flow frames for the viewer: the contract's binary body decodes to slice_flow's frames, in
display orientation (vol[::-1, ::-1, k].T), beside the reference; computed once per key."""

import gzip
import json
import os
import struct

import numpy as np
import pytest
import torch
from django.core.files.storage import default_storage

from reviewer.core.storage import read_nifti
from segmentation import flow_frames
from segmentation.engine import predict
from segmentation.engine.flow import FlowCache, slice_flow, stage_grid
from segmentation.engine.targets import target_mask
from segmentation.flow_frames import FlowRequestError
from segmentation.models import Segmentation
from tests.segmentation.flow_builders import normalized_exam, segmented_exam
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db
SLICE, STAGES = 4, 6


@pytest.fixture(autouse=True)
def flow_dir(settings, tmp_path):
    settings.NEUROREVIEW_FLOW_DIR = tmp_path / "flows"


@pytest.fixture
def exam(tmp_path):
    return segmented_exam(tmp_path)


def decode(body: bytes) -> dict:
    """The viewer contract's reader: header, then the arrays in their order and shapes."""
    (length,) = struct.unpack_from("<I", body)
    header = json.loads(body[4 : 4 + length].decode())
    T, H, W = len(header["t"]), header["height"], header["width"]
    shapes = {"I_t": (T, 4, H, W), "J_t": (T, H, W), "bcf": (T, H, W), "gamma": (H, W)}
    if header["has_reference"]:
        shapes["reference"] = (H, W)
    arrays, offset = {}, 4 + length
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        arrays[name] = np.frombuffer(body, np.uint8, size, offset).reshape(shape)
        offset += size
    assert offset == len(body), "no bytes beyond the arrays"
    return {"header": header, **arrays}


def read_frames(path) -> dict:
    return decode(gzip.decompress(path.read_bytes()))


def shown(axial: np.ndarray) -> np.ndarray:
    """The contract's display orientation of one (X, Y) slice."""
    return axial[::-1, ::-1].T


def node_model(segmentation: Segmentation):
    version = segmentation.model_version
    with default_storage.open(version.weights.name, "rb") as handle:
        weights = handle.read()
    config = version.configuration["config"]
    return predict.load_model(version.kind, config, weights, torch.device("cpu"))


def undefined_as_nan(rows: list) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def test_the_header_carries_the_slice_shares_of_gamma_and_background_beside_mu(exam):
    _, node, _ = exam
    plan = flow_frames.plan(node, SLICE, STAGES)
    flow_frames.render(plan)
    header = read_frames(plan.path)["header"]
    expected = slice_flow(node_model(node), normalized_exam(node.exam)[..., SLICE], STAGES)
    for share in ("gamma_share", "background_share"):
        assert len(header[share]) == STAGES
        np.testing.assert_allclose(
            undefined_as_nan(header[share]), getattr(expected, share), atol=1e-6
        )


def test_the_frames_are_the_slice_flow_in_display_orientation(exam):
    _, node, _ = exam
    plan = flow_frames.plan(node, SLICE, STAGES)
    flow_frames.render(plan)
    frames = read_frames(plan.path)
    x0 = normalized_exam(node.exam)[..., SLICE]
    model = node_model(node)
    expected = slice_flow(model, x0, STAGES)

    header = frames["header"]
    assert header["t"] == pytest.approx(stage_grid(STAGES))
    assert (header["height"], header["width"]) == (10, 12)  # H = Y, W = X
    assert header["channels"] == ["FLAIR", "T1", "T1CE", "T2"]
    assert header["weights"] == pytest.approx(model.weights.tolist())
    assert (header["slice"], header["segmentation"]) == (SLICE, node.pk)
    assert header["orientation"] == "radiological" and header["has_reference"]
    mu = np.array([[np.nan if m is None else m for m in row] for row in header["mu"]])
    np.testing.assert_allclose(mu, expected.mu, atol=1e-6)
    for channel, (low, high) in enumerate(header["image_range"]):
        quantum = (high - low) / 255
        images = low + frames["I_t"][:, channel].astype(float) * quantum
        for stage in range(STAGES):
            truth = shown(expected.I_t[stage, channel].astype(float))
            assert np.abs(images[stage] - truth).max() <= quantum
        # I_0 is the normalized exam itself: the orientation is checked against the series
        assert np.abs(images[0] - shown(x0[channel])).max() <= quantum + 1e-3
    for stage in range(STAGES):
        J = frames["J_t"][stage] / 255
        assert np.abs(J - shown(expected.J_t[stage].astype(float))).max() <= 1 / 255
        for channel in range(4):
            bits = (frames["bcf"][stage] >> channel) & 1
            np.testing.assert_array_equal(bits, shown(expected.eta[stage, channel]))
    np.testing.assert_array_equal(frames["gamma"], shown(expected.gamma))


def test_the_reference_is_the_target_mask_of_the_exams_reference(exam):
    _, node, _ = exam
    plan = flow_frames.plan(node, SLICE, 2)
    flow_frames.render(plan)
    reference = Segmentation.objects.get(exam=node.exam, source="reference")
    labels = np.asanyarray(read_nifti(reference.file.name).dataobj)[..., SLICE]

    mask = target_mask(labels, node.target, reference.label_scheme)

    assert mask.any()
    np.testing.assert_array_equal(read_frames(plan.path)["reference"], shown(mask))


def test_one_slice_of_the_exam_normalizes_as_the_whole_exam_does(exam):
    _, node, _ = exam
    plan = flow_frames.plan(node, SLICE, 2)
    x0 = flow_frames.exam_channels(plan).axial_slice(SLICE)

    np.testing.assert_array_equal(x0, normalized_exam(node.exam)[..., SLICE])


def test_a_computed_flow_is_served_again_without_recomputing(exam):
    _, node, _ = exam
    first = flow_frames.plan(node, SLICE, STAGES)
    stages_reported = []
    key = flow_frames.render(first, lambda done, total: stages_reported.append(done))
    written = first.path.stat().st_ino  # a recomputation would replace the file
    assert stages_reported == list(range(1, STAGES + 1))
    stages_reported.clear()

    again = flow_frames.plan(node, SLICE, STAGES)

    assert flow_frames.render(again, lambda done, total: stages_reported.append(done)) == key
    assert stages_reported == [] and again.path.stat().st_ino == written
    assert flow_frames.plan(node, SLICE + 1, STAGES).digest != key
    assert flow_frames.plan(node, SLICE, STAGES + 1).digest != key


def test_a_prepared_exam_is_not_read_again_by_its_first_flow(exam, monkeypatch):
    _, node, _ = exam
    monkeypatch.setattr(flow_frames, "_exams", FlowCache(flow_frames.EXAM_CACHE_BYTES))
    monkeypatch.setattr(flow_frames, "_models", {})
    reads = []
    read_voxels = flow_frames._read_voxels
    monkeypatch.setattr(
        flow_frames, "_read_voxels", lambda name: reads.append(name) or read_voxels(name)
    )
    flow_frames.prepare(flow_frames.plan(node, 0, 2))
    assert len(reads) == 4 and node.model_version.sha256 in flow_frames._models

    flow_frames.render(flow_frames.plan(node, SLICE, STAGES))

    assert len(reads) == 4


def test_the_least_recently_asked_frames_are_pruned_beyond_the_disk_budget(exam, monkeypatch):
    _, node, _ = exam
    plans = [flow_frames.plan(node, k, 2) for k in range(3)]
    sizes = []
    for plan in plans:
        flow_frames.render(plan)
        sizes.append(plan.path.stat().st_size)
    plans[2].path.unlink()
    os.utime(plans[0].path, (1, 1))
    os.utime(plans[1].path, (2, 2))
    flow_frames.render(plans[0])  # asked again: now the most recent
    monkeypatch.setattr(flow_frames, "FRAMES_DISK_BYTES", sum(sizes) - 1)

    flow_frames.render(plans[2])

    assert [plan.path.exists() for plan in plans] == [True, False, True]


def test_the_key_changes_with_the_reference(exam):
    _, node, _ = exam
    before = flow_frames.plan(node, SLICE, STAGES).digest

    Segmentation.objects.filter(exam=node.exam, source="reference").delete()

    after = flow_frames.plan(node, SLICE, STAGES)
    assert after.digest != before and after.reference is None
    flow_frames.render(after)
    assert not read_frames(after.path)["header"]["has_reference"]


def test_a_unet_segmentation_has_no_flow(exam):
    _, _, unet = exam
    with pytest.raises(FlowRequestError, match=rf"segmentation {unet.pk} comes from model .*unet"):
        flow_frames.plan(unet, SLICE)


def test_a_reference_segmentation_has_no_flow(exam):
    _, node, _ = exam
    reference = Segmentation.objects.get(exam=node.exam, source="reference")
    with pytest.raises(FlowRequestError, match="comes from reference: only NODE"):
        flow_frames.plan(reference, SLICE)


@pytest.mark.parametrize("slice_index", [-1, 8])
def test_a_slice_outside_the_exam_is_refused(exam, slice_index):
    _, node, _ = exam
    with pytest.raises(FlowRequestError, match=rf"slice {slice_index} is outside 0…7"):
        flow_frames.plan(node, slice_index)


@pytest.mark.parametrize("stages", [1, 102, 0])
def test_stages_outside_2_to_101_are_refused(exam, stages):
    _, node, _ = exam
    with pytest.raises(FlowRequestError, match=rf"stages must be in 2…101, got {stages}"):
        flow_frames.plan(node, SLICE, stages)


def test_fields_that_are_not_integers_are_refused(exam):
    _, node, _ = exam
    with pytest.raises(FlowRequestError, match="slice must be an integer, got '4'"):
        flow_frames.plan(node, "4", STAGES)
    with pytest.raises(FlowRequestError, match="stages must be an integer, got 2.5"):
        flow_frames.plan(node, SLICE, 2.5)


def test_an_exam_lacking_a_series_is_refused(exam):
    _, node, _ = exam
    node.exam.series.filter(sequence="T1CE").delete()

    with pytest.raises(FlowRequestError, match="lacks the T1CE series"):
        flow_frames.plan(node, SLICE)
