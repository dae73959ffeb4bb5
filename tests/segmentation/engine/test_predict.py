"""predict: whole exams and slabs of axial slices through a model, on the CPU here."""

import numpy as np
import torch
from torch import nn

from segmentation.engine import predict
from segmentation.engine.nets import UNet, UNetConfig
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


class Recording(nn.Module):
    """A pointwise model that notes the shape of every batch it is given."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 1, kernel_size=1)
        self.shapes = []

    def forward(self, batch):
        self.shapes.append(tuple(batch.shape))
        return self.conv(batch)


def head_phantom() -> np.ndarray:
    """A (4, 96, 80, 12) exam whose head, a box of noise, fills part of slices 2–8."""
    channels = np.zeros((4, 96, 80, 12), dtype=np.float32)
    channels[:, 30:60, 20:45, 2:9] = np.random.default_rng(1).random((4, 30, 25, 7)) + 0.1
    return channels


def test_only_the_head_is_computed_and_the_background_stays_empty():
    model = Recording()
    channels = head_phantom()
    with torch.no_grad():
        model.conv.bias.fill_(1.0)  # positive everywhere: what is not computed must stay empty

    mask = predict.predict_exam(model, channels, CHANNELS, device=torch.device("cpu"))

    assert sum(shape[0] for shape in model.shapes) == 7  # the slices with head, no others
    assert all(shape[2] < 96 and shape[3] < 80 for shape in model.shapes)
    assert mask[30:60, 20:45, 2:9].all()
    assert not mask[..., :2].any() and not mask[..., 9:].any()
    assert mask.sum() < mask[..., 2:9].size  # far background of the head's slices: empty


def test_the_head_is_segmented_as_on_the_whole_slice():
    torch.manual_seed(0)
    model = UNet(UNetConfig.from_preset("small", in_channels=4, out_channels=1)).eval()
    channels = head_phantom()
    slices = torch.as_tensor(np.moveaxis(channels, -1, 0)[2:9])
    with torch.inference_mode():
        logits = model(slices)[:, 0]
        # half the head's voxels on either side of the threshold: any change at all shows
        model.out.bias -= logits[:, 30:60, 20:45].median()
        whole = np.moveaxis(model(slices)[:, 0].numpy() > 0, 0, -1)

    mask = predict.predict_exam(model, channels, CHANNELS, device=torch.device("cpu"))

    np.testing.assert_array_equal(mask[30:60, 20:45, 2:9], whole[30:60, 20:45])
