"""The U-Net of paper 000's Figure 3(A) and the NODE segmenter built on it: shapes, padding, the
time input, the bias-free head of eq. (3), and what torchdyn's adjoint needs from the field."""

import warnings

import pytest
import torch
from torch import nn

from segmentation.engine.flow import prepare_for_inference
from segmentation.engine.nets import (
    PRESETS,
    TimeAwareUNet,
    UNet,
    UNetConfig,
    count_parameters,
    pad_to_multiple,
)
from segmentation.engine.node import CHANNELS, NODESegmenter, build_node, torchdyn_node
from tests.segmentation.torch_threads import one_torch_thread  # noqa: F401 (autouse)


def test_paper_preset_is_the_standard_unet_with_31_million_parameters():
    config = UNetConfig.from_preset("paper")
    unet = UNet(config)
    assert (config.base_width, config.depth) == (64, 5)
    assert [block[0].out_channels for block in unet.down] == [64, 128, 256, 512, 1024]
    assert count_parameters(unet) == 31_032_516  # spec A5: 31.03 M for 4→4 channels


def test_small_preset_is_a_cpu_sized_unet():
    assert PRESETS["small"] == {"base_width": 8, "depth": 3}
    assert count_parameters(UNet(UNetConfig.from_preset("small"))) < 50_000


def test_unknown_preset_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="paper"):
        UNetConfig.from_preset("huge")


def test_config_refuses_a_depth_of_zero():
    with pytest.raises(ValueError, match="depth"):
        UNetConfig(depth=0)


@pytest.mark.parametrize("in_channels", [1, 2, 3, 4])
def test_baseline_unet_maps_any_modality_subset_to_one_channel(in_channels):
    unet = UNet(UNetConfig.from_preset("small", in_channels=in_channels, out_channels=1))
    assert unet(torch.rand(2, in_channels, 32, 40)).shape == (2, 1, 32, 40)


@pytest.mark.parametrize("height_width", [(99, 117), (197, 233), (240, 240), (5, 3)])
def test_unet_output_keeps_the_size_of_slices_not_divisible_by_its_poolings(height_width):
    unet = UNet(UNetConfig.from_preset("small", depth=4))
    assert unet(torch.rand(1, 4, *height_width)).shape == (1, 4, *height_width)


@pytest.mark.parametrize("channels_last", [False, True])
def test_merging_in_parts_equals_merging_the_concatenation(channels_last):
    torch.manual_seed(0)
    unet = UNet(UNetConfig.from_preset("small", time_aware=True)).eval()
    x = torch.rand(2, 5, 36, 44)
    if channels_last:
        unet.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        whole = unet(x)
        unet.merge_in_parts = True
        assert (unet(x) - whole).abs().max() <= 1e-6


def test_inference_on_the_cpu_merges_every_unet_in_parts():
    model = build_node("small")
    prepare_for_inference(model)
    assert model.vector_field.unet.merge_in_parts


def test_padding_round_trips_odd_sizes_through_zero_padding_and_cropping():
    x = torch.rand(1, 4, 33, 45)
    padded = pad_to_multiple(x, 8)
    assert padded.shape[-2:] == (40, 48)
    assert torch.equal(padded[..., :33, :45], x)
    assert padded[..., 33:, :].abs().sum() == 0 and padded[..., :, 45:].abs().sum() == 0
    unet = UNet(UNetConfig.from_preset("small", depth=4)).eval()
    with torch.no_grad():
        assert torch.equal(unet(x), unet(padded)[..., :33, :45])


def test_time_aware_field_reads_the_stage_t_as_a_fifth_input_channel():
    field = TimeAwareUNet(UNetConfig.from_preset("small", time_aware=True)).eval()
    x = torch.rand(2, 4, 32, 40)
    assert field.unet.down[0][0].in_channels == 5
    with torch.no_grad():
        assert not torch.allclose(field(0.0, x), field(1.0, x))
        assert torch.equal(field(0.5, x), field(torch.tensor(0.5), x))


def test_autonomous_field_ignores_the_stage_t():
    field = TimeAwareUNet(UNetConfig.from_preset("small", time_aware=False)).eval()
    x = torch.rand(2, 4, 32, 40)
    assert field.unet.down[0][0].in_channels == 4
    with torch.no_grad():
        assert torch.equal(field(0.0, x), field(1.0, x))


def test_vector_field_has_no_normalisation_layer():
    field = build_node("small").vector_field
    norms = (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d, nn.LayerNorm)
    assert not [m for m in field.modules() if isinstance(m, norms)]


def test_vector_field_must_map_the_state_onto_its_own_shape():
    with pytest.raises(ValueError, match="in == out"):
        TimeAwareUNet(UNetConfig(in_channels=4, out_channels=1))


def test_node_head_is_a_bias_free_1x1_convolution_whose_weights_are_w_k():
    model = build_node("small")
    assert isinstance(model.head, nn.Conv2d) and model.head.bias is None
    assert model.head.kernel_size == (1, 1) and model.head.in_channels == 4
    assert torch.equal(model.weights, model.head.weight.view(4))


def test_node_is_time_aware_by_default_and_records_it_in_its_config():
    model = build_node("small")
    config = model.config()
    assert config["time_aware"] is True and config["vector_field"]["time_aware"] is True
    assert config["channels"] == list(CHANNELS) == ["FLAIR", "T1", "T1CE", "T2"]
    assert build_node("small", time_aware=False).config()["time_aware"] is False


def test_node_config_rebuilds_the_same_architecture():
    model = build_node("small")
    rebuilt = NODESegmenter.from_config(model.config())
    rebuilt.load_state_dict(model.state_dict())
    assert rebuilt.config() == model.config()


def test_node_forward_returns_logits_at_t_1_for_any_slice_size():
    model = build_node("small").eval()
    with torch.no_grad():
        assert model(torch.rand(3, 4, 27, 31), steps=2).shape == (3, 1, 27, 31)


@pytest.mark.parametrize("time_aware", [True, False])
def test_every_field_parameter_gets_the_autograd_gradient_through_torchdyn_adjoint(time_aware):
    """torchdyn's adjoint crashes on unused parameters (its issue #206); and must agree."""
    torch.manual_seed(0)
    model = build_node("small", time_aware=time_aware)
    x0 = torch.rand(1, 4, 16, 20)
    gradients = {}
    for sensitivity in ("adjoint", "autograd"):
        model.zero_grad()
        node = torchdyn_node(model, steps=4, sensitivity=sensitivity)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "tolerances have no effect" per interval
            model.head(node(x0)[-1]).square().mean().backward()
        assert all(p.grad is not None for p in model.vector_field.parameters())
        gradients[sensitivity] = torch.cat([p.grad.flatten() for p in model.parameters()])
    difference = (gradients["adjoint"] - gradients["autograd"]).norm()
    assert difference / gradients["autograd"].norm() < 1e-4
