"""Brain extraction with deepbet on a synthetic head (2 mm, to keep the test short; deepbet
works at 256³ whatever the grid, so a 1 mm head takes as long): the mask matches the known brain,
the input's orientation does not matter, and nothing is fetched from the network."""

import socket

import numpy as np
import pytest

from imaging.preprocessing.brain_extraction import extract_brain
from imaging.sequences import Sequence
from tests.imaging.synthetic_heads import healthy_head

RESOLUTION = 2


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * (a & b).sum() / (a.sum() + b.sum())


@pytest.fixture(scope="module")
def extracted():
    """The T1's mask and record, and every network connection tried meanwhile."""
    head = healthy_head(RESOLUTION)
    tried = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", lambda _, address: tried.append(address))
        mask, record = extract_brain(head.images[Sequence.T1], head.affine)
    return head, mask, record, tried


def test_the_mask_matches_the_known_brain_at_a_dice_of_at_least_0_9(extracted):
    head, mask, _, _ = extracted

    assert mask.shape == head.brain.shape
    assert dice(mask, head.brain) >= 0.9


def test_extraction_opens_no_network_connection(extracted):
    *_, tried = extracted

    assert tried == []


def test_the_record_names_tool_version_parameters_and_time(extracted):
    _, _, record, _ = extracted

    assert record["tool"] == "deepbet"
    assert record["version"] == "1.0.2"
    assert record["parameters"] == {"threshold": 0.5, "dilate_voxels": 0}
    assert record["seconds"] > 0


def test_a_volume_stored_in_another_orientation_gets_the_same_mask():
    """The head with its voxel axes reordered (sagittal slices first) and x flipped (LAS)."""
    head = healthy_head(RESOLUTION)
    flip = np.diag([-1.0, 1.0, 1.0, 1.0])
    flip[0, 3] = head.brain.shape[0] - 1
    order = np.eye(4)[[1, 2, 0, 3]].T  # new voxel (j, k, i) -> old voxel (i, j, k)
    affine = head.affine @ flip @ order
    volume = np.transpose(head.images[Sequence.T1][::-1], (1, 2, 0))

    mask, _ = extract_brain(volume, affine)

    assert dice(mask, np.transpose(head.brain[::-1], (1, 2, 0))) >= 0.9
