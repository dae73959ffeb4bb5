"""predict: whole exams and slabs of axial slices through a model, on the CPU here."""

import numpy as np
import torch
from torch import nn

from segmentation.engine import predict
from segmentation.engine.node import CHANNELS
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)


def test_a_slab_is_segmented_as_in_the_whole_exam_and_left_empty_around_it():
    model = nn.Conv2d(4, 1, kernel_size=1, bias=False)  # logit FLAIR − T1: both signs on noise
    with torch.no_grad():
        model.weight.copy_(torch.tensor([1.0, -1.0, 0.0, 0.0]).view(1, 4, 1, 1))
    channels = np.random.default_rng(0).random((4, 16, 12, 10), dtype=np.float32)
    cpu = torch.device("cpu")

    whole = predict.predict_exam(model, channels, CHANNELS, device=cpu)
    slab = predict.predict_slab(model, channels, CHANNELS, slice(3, 7), device=cpu)

    assert whole[..., 3:7].any()
    np.testing.assert_array_equal(slab[..., 3:7], whole[..., 3:7])
    assert not slab[..., :3].any() and not slab[..., 7:].any()
