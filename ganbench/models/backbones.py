"""Generator and discriminator backbones: MLPs for vector data, convolutions for images.

Every backbone has the same layout so that pruning code can walk it without special cases:

* ``embedding``: ``nn.Embedding`` of class labels for conditional models, else ``None``.
  Generators concatenate the embedding to the latent vector; discriminators concatenate it
  to the input (as constant feature maps for images).
* ``stem``: the first ``nn.Sequential`` (layer, optional BatchNorm, activation).
* ``blocks``: an ``nn.ModuleList`` of further ``nn.Sequential`` blocks of the same form.
* ``head``: the output layer, never followed by BatchNorm.

All generator and discriminator ``forward`` methods take ``(inputs, labels=None)``;
``labels`` are int64 class indices and are required exactly when the model is conditional.

A backbone may declare blocks that layer removal (``ganbench.pruning.blocks``) can take out:
its ``removable_blocks()`` method returns their qualified names, such as ``"blocks.1"``. A
declared block maps its input to an output of the same shape, and ``forward`` applies it as
``h = block(h)``, so replacing it by ``nn.Identity`` leaves a working network. The MLP
backbones declare their equal-width hidden blocks. The convolutional backbones declare none,
because each of their blocks changes the resolution or the channel count.
"""

from __future__ import annotations

import torch
from torch import nn


def _check_labels(module: nn.Module, labels: torch.Tensor | None) -> None:
    conditional = module.embedding is not None
    if conditional and labels is None:
        raise ValueError(f"{type(module).__name__} is conditional: pass class labels")
    if not conditional and labels is not None:
        raise ValueError(f"{type(module).__name__} is unconditional: do not pass labels")


def _embedding(num_classes: int, embed_dim: int) -> nn.Embedding | None:
    if num_classes <= 0:
        return None
    return nn.Embedding(num_classes, embed_dim)


class MLPGenerator(nn.Module):
    """Map a latent vector (and a label) to a flat sample through ``depth`` hidden layers.

    Hidden layers have ``width`` units with optional BatchNorm and ReLU; the output layer is
    linear, because mixture coordinates are unbounded.
    """

    def __init__(
        self,
        z_dim: int,
        out_features: int,
        width: int,
        depth: int,
        batch_norm: bool,
        num_classes: int = 0,
        embed_dim: int = 0,
    ):
        super().__init__()
        self.z_dim = z_dim
        self.embedding = _embedding(num_classes, embed_dim)
        in_features = z_dim + (embed_dim if self.embedding is not None else 0)
        self.stem = _linear_block(in_features, width, batch_norm, nn.ReLU())
        self.blocks = nn.ModuleList(
            _linear_block(width, width, batch_norm, nn.ReLU()) for _ in range(depth - 1)
        )
        self.head = nn.Linear(width, out_features)

    def removable_blocks(self) -> list[str]:
        """Return the names of the width → width hidden blocks that have not been removed."""
        return _remaining_blocks(self.blocks)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        _check_labels(self, labels)
        if self.embedding is not None:
            z = torch.cat([z, self.embedding(labels)], dim=1)
        h = self.stem(z)
        for block in self.blocks:
            h = block(h)
        return self.head(h)


class MLPDiscriminator(nn.Module):
    """Score flat samples (and labels) with ``depth`` LeakyReLU hidden layers; one logit each."""

    def __init__(
        self,
        in_features: int,
        width: int,
        depth: int,
        batch_norm: bool,
        num_classes: int = 0,
        embed_dim: int = 0,
    ):
        super().__init__()
        self.embedding = _embedding(num_classes, embed_dim)
        total_in = in_features + (embed_dim if self.embedding is not None else 0)
        self.stem = _linear_block(total_in, width, False, nn.LeakyReLU(0.2))
        self.blocks = nn.ModuleList(
            _linear_block(width, width, batch_norm, nn.LeakyReLU(0.2)) for _ in range(depth - 1)
        )
        self.head = nn.Linear(width, 1)

    def removable_blocks(self) -> list[str]:
        """Return the names of the width → width hidden blocks that have not been removed."""
        return _remaining_blocks(self.blocks)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        _check_labels(self, labels)
        x = x.flatten(1)
        if self.embedding is not None:
            x = torch.cat([x, self.embedding(labels)], dim=1)
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
        return self.head(h).squeeze(1)


def _remaining_blocks(blocks: nn.ModuleList) -> list[str]:
    # A removed block has been replaced by nn.Identity and has nothing left to remove.
    return [f"blocks.{index}" for index, block in enumerate(blocks) if not isinstance(block, nn.Identity)]


def _linear_block(
    in_features: int, out_features: int, batch_norm: bool, activation: nn.Module
) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(in_features, out_features)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(out_features))
    layers.append(activation)
    return nn.Sequential(*layers)


def upsampling_stages(image_size: int) -> tuple[int, int]:
    """Return (stages, start size): the number of ×2 stages and the smallest feature map.

    Uses the largest number of stages that keeps the start size an integer of at least 4:
    8 → (1, 4), 28 → (2, 7), 32 → (3, 4).
    """
    stages = 0
    size = image_size
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
        stages += 1
    if stages == 0:
        raise ValueError(
            f"image size {image_size} cannot be reached by doubling from a map of at least "
            "4 x 4; use an even size of 8 or more"
        )
    return stages, size


class LatentProjection(nn.ConvTranspose2d):
    """Transposed convolution of a 1 × 1 input to a ``size × size`` map, as one matrix product.

    With stride 1 and no padding, a transposed convolution of a 1 × 1 input multiplies the
    input vector by the weight viewed as an ``(in, out · size²)`` matrix, which is the
    "project and reshape" first layer of DCGAN. The matrix product gives the same result as
    the general kernel and runs several times faster on the CPU. Other input sizes use the
    general kernel.
    """

    def __init__(self, in_channels: int, out_channels: int, size: int):
        super().__init__(in_channels, out_channels, size, stride=1, padding=0)

    def forward(self, inputs: torch.Tensor, output_size=None) -> torch.Tensor:
        if inputs.shape[2:] != (1, 1) or output_size is not None:
            return super().forward(inputs, output_size)
        batch = inputs.shape[0]
        projected = inputs.flatten(1) @ self.weight.flatten(1)
        maps = projected.view(batch, self.out_channels, *self.kernel_size)
        if self.bias is not None:
            maps = maps + self.bias.view(1, -1, 1, 1)
        return maps


class ConvGenerator(nn.Module):
    """DCGAN-style generator: transposed convolutions with BatchNorm and ReLU, tanh output.

    The latent vector is projected to a ``start × start`` map with ``width · 2^stages``
    channels, then each stage doubles the size and halves the channels, ending with ``width``
    channels at the image size; a 3 × 3 convolution maps them to the image channels.
    """

    def __init__(
        self,
        z_dim: int,
        image_shape: tuple[int, int, int],
        width: int,
        batch_norm: bool,
        num_classes: int = 0,
        embed_dim: int = 0,
    ):
        super().__init__()
        channels, height, width_px = image_shape
        if height != width_px:
            raise ValueError(f"ConvGenerator needs square images, got {height} x {width_px}")
        stages, start = upsampling_stages(height)
        self.z_dim = z_dim
        self.embedding = _embedding(num_classes, embed_dim)
        in_channels = z_dim + (embed_dim if self.embedding is not None else 0)

        top = width * 2**stages
        self.stem = _conv_block(LatentProjection(in_channels, top, start), top, batch_norm, nn.ReLU())
        blocks = []
        for stage in range(stages):
            c_in = top // 2**stage
            c_out = c_in // 2
            blocks.append(
                _conv_block(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), c_out, batch_norm, nn.ReLU())
            )
        self.blocks = nn.ModuleList(blocks)
        # A 3 x 3 convolution maps features to pixels. A transposed convolution with one output
        # channel computes the same kind of map but runs several times slower on the CPU.
        self.head = nn.Conv2d(width, channels, 3, 1, 1)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        _check_labels(self, labels)
        if self.embedding is not None:
            z = torch.cat([z, self.embedding(labels)], dim=1)
        h = self.stem(z[:, :, None, None])
        for block in self.blocks:
            h = block(h)
        return torch.tanh(self.head(h))


class ConvDiscriminator(nn.Module):
    """DCGAN-style discriminator: strided convolutions with LeakyReLU; one logit per image.

    Each stride-2 stage halves the size and doubles the channels, starting from ``width``;
    a 3 × 3 convolution at the smallest size doubles them once more, and a convolution with the
    size of that map produces the logit. BatchNorm, when enabled, follows every convolution
    except the first and the last.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        width: int,
        batch_norm: bool,
        num_classes: int = 0,
        embed_dim: int = 0,
    ):
        super().__init__()
        channels, height, width_px = image_shape
        if height != width_px:
            raise ValueError(f"ConvDiscriminator needs square images, got {height} x {width_px}")
        stages, start = upsampling_stages(height)
        self.embedding = _embedding(num_classes, embed_dim)
        in_channels = channels + (embed_dim if self.embedding is not None else 0)

        self.stem = _conv_block(nn.Conv2d(in_channels, width, 4, 2, 1), width, False, _lrelu())
        blocks = []
        c_in = width
        for _ in range(stages - 1):
            blocks.append(_conv_block(nn.Conv2d(c_in, 2 * c_in, 4, 2, 1), 2 * c_in, batch_norm, _lrelu()))
            c_in *= 2
        blocks.append(_conv_block(nn.Conv2d(c_in, 2 * c_in, 3, 1, 1), 2 * c_in, batch_norm, _lrelu()))
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(2 * c_in, 1, start, 1, 0)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        _check_labels(self, labels)
        if self.embedding is not None:
            maps = self.embedding(labels)[:, :, None, None].expand(-1, -1, *x.shape[2:])
            x = torch.cat([x, maps], dim=1)
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
        return self.head(h).flatten(1).squeeze(1)


def _lrelu() -> nn.Module:
    return nn.LeakyReLU(0.2)


def _conv_block(
    layer: nn.Module, out_channels: int, batch_norm: bool, activation: nn.Module
) -> nn.Sequential:
    layers: list[nn.Module] = [layer]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(activation)
    return nn.Sequential(*layers)
