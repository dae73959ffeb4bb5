"""The 2D U-Net of [1], Figure 3(A), as a plain segmenter and as the NODE vector field f(I, t).

The encoder has ``depth`` levels of two 3×3 convolutions with ReLU, joined by 2×2 max pooling;
the decoder mirrors it with 2×2 up-convolutions and skip concatenations; a 1×1 convolution maps
the top level to ``out_channels``. Widths double per level from ``base_width``: the ``paper``
preset is the standard U-Net (64…1024, five levels, four poolings; ambiguity A5 of the spec), the
``small`` preset is for CPUs and tests. There is no normalisation layer: BatchNorm inside an ODE
would update its statistics on every function evaluation and couple the slices of a batch.

Inputs of any height and width are zero-padded at the bottom and right to a multiple of
2^(depth−1) and cropped back. Zero is the background of a skull-stripped MR slice, so the margin
reads as more background, where reflection would mirror anatomy into it.

References
----------
[1] Yang Z., Hu Z., Ji H., et al. "A neural ordinary differential equation model for visualizing
    deep neural network behaviors in multi-parametric MRI-based glioma segmentation."
    Medical Physics 50(8), 2023 (seeds/000_f96c462993bbedc4.txt).
"""

from dataclasses import asdict, dataclass
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Widths and depths only: the channel counts depend on the use (NODE field 4→4, baselines n→1).
PRESETS: dict[str, dict] = {
    "small": {"base_width": 8, "depth": 3},
    "paper": {"base_width": 64, "depth": 5},
}


@dataclass(frozen=True)
class UNetConfig:
    """Shape of a U-Net.

    Parameters
    ----------
    in_channels, out_channels
        Channels of the image in and of the map out; the NODE field has 4 and 4, in the order
        [FLAIR, T1, T1CE, T2] of [1].
    base_width
        Channels of the top level; level i has ``base_width · 2**i``.
    depth
        Number of resolution levels (poolings + 1).
    time_aware
        Whether the stage t enters as one more constant input channel (the vector field of eq. 1
        as f(I, t)); when false the field is autonomous, f(I).
    """

    in_channels: int = 4
    out_channels: int = 4
    base_width: int = 64
    depth: int = 5
    time_aware: bool = False

    def __post_init__(self):
        for name in ("in_channels", "out_channels", "base_width", "depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    @classmethod
    def from_preset(cls, preset: str, **fields) -> "UNetConfig":
        """The named preset of :data:`PRESETS`, with ``fields`` overriding it."""
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
        return cls(**{**PRESETS[preset], **fields})

    @property
    def input_width(self) -> int:
        """Channels of the first convolution: the image, plus the stage t when time-aware."""
        return self.in_channels + int(self.time_aware)

    @property
    def multiple(self) -> int:
        """Height and width are padded to a multiple of this, 2^(depth−1)."""
        return 2 ** (self.depth - 1)

    def to_dict(self) -> dict:
        return asdict(self)


def _double_conv(in_width: int, out_width: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_width, out_width, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_width, out_width, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """The U-Net of [1], Figure 3(A): ``forward(x)`` maps (B, input_width, H, W) → (B, out, H, W).

    Every parameter takes part in every forward pass: torchdyn's adjoint fails on unused ones
    (torchdyn issue #206).
    """

    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        widths = [config.base_width * 2**level for level in range(config.depth)]
        self.down = nn.ModuleList([_double_conv(config.input_width, widths[0])])
        self.down.extend(_double_conv(w_in, w_out) for w_in, w_out in pairwise(widths))
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(w_in, w_out, kernel_size=2, stride=2)
            for w_in, w_out in pairwise(widths[::-1])
        )
        self.merge = nn.ModuleList(_double_conv(2 * w, w) for w in widths[-2::-1])
        self.out = nn.Conv2d(widths[0], config.out_channels, kernel_size=1)
        self.merge_in_parts = False  # see _merge; set for CPU inference

    def forward(self, x: Tensor) -> Tensor:
        height, width = x.shape[-2:]
        x = pad_to_multiple(x, self.config.multiple)
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        skips.pop()
        for up, merge in zip(self.up, self.merge, strict=True):
            x = self._merge(merge, skips.pop(), up(x))
        return self.out(x)[..., :height, :width]

    def _merge(self, block: nn.Sequential, skip: Tensor, up: Tensor) -> Tensor:
        """``block`` on the concatenation [skip, up]. With ``merge_in_parts`` the block's first
        convolution is split along its input channels, W·[skip, up] = W_skip·skip + W_up·up:
        the same sum without writing the concatenation, which on the CPU (channels-last) costs
        more than a second convolution call (a stage of the small preset ≈10 % faster)."""
        if not self.merge_in_parts:
            return block(torch.cat([skip, up], dim=1))
        first, width = block[0], skip.shape[1]
        x = F.conv2d(skip, first.weight[:, :width], None, padding=first.padding)
        x = x + F.conv2d(up, first.weight[:, width:], first.bias, padding=first.padding)
        return block[1:](x)


class TimeAwareUNet(nn.Module):
    """The vector field f(I(t), t, θ) of eq. (1) of [1]: a U-Net from the state I_t to dI/dt.

    With ``config.time_aware`` the stage t is concatenated to I_t as a constant channel (the
    issue's choice over the spec's autonomous default, ambiguity A6); otherwise t is ignored.
    ``forward(t, x, args=None)`` is the signature torchdyn calls.
    """

    def __init__(self, config: UNetConfig):
        super().__init__()
        if config.in_channels != config.out_channels:
            raise ValueError("a vector field maps the state onto its own shape: in == out channels")
        self.config = config
        self.unet = UNet(config)

    def forward(self, t: Tensor | float, x: Tensor, args: dict | None = None) -> Tensor:
        if self.config.time_aware:
            shape = (x.shape[0], 1, *x.shape[2:])
            if isinstance(t, Tensor):  # torchdyn's t; its adjoint differentiates through it
                stage = t.to(x).reshape(1, 1, 1, 1).expand(shape)
            else:  # a number: filled on the device, no host-to-device copy per evaluation
                stage = x.new_full(shape, t)
            x = torch.cat([x, stage], dim=1)
        return self.unet(x)


def pad_to_multiple(x: Tensor, multiple: int) -> Tensor:
    """Zero-pad the last two axes at their end up to a multiple of ``multiple``."""
    pad_h, pad_w = (-size % multiple for size in x.shape[-2:])
    return F.pad(x, (0, pad_w, 0, pad_h)) if pad_h or pad_w else x


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
