"""The GAN family contract: how a family builds its networks and defines its losses."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from ganbench.data.base import DatasetSpec
from ganbench.models.backbones import (
    ConvDiscriminator,
    ConvGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from ganbench.settings import ArchSettings


class GAN(nn.Module):
    """A generator and a discriminator, with what is needed to sample from the generator.

    ``num_classes`` is the number of classes (or mixture modes) of the data; a conditional GAN
    needs a label for every sample, an unconditional one ignores labels.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        z_dim: int,
        num_classes: int,
        conditional: bool,
    ):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.conditional = conditional

    def network(self, role: str) -> nn.Module:
        """Return the ``"generator"`` or ``"discriminator"``."""
        if role == "generator":
            return self.generator
        if role == "discriminator":
            return self.discriminator
        raise ValueError(f"unknown network {role!r}; expected 'generator' or 'discriminator'")

    def sample_latent(self, count: int, rng: torch.Generator) -> torch.Tensor:
        device = next(self.generator.parameters()).device
        return torch.randn(count, self.z_dim, generator=rng).to(device)

    def sample_labels(
        self, count: int, rng: torch.Generator, frequencies: torch.Tensor
    ) -> torch.Tensor | None:
        """Draw class labels with the given frequencies for a conditional GAN, else ``None``."""
        if not self.conditional:
            return None
        device = next(self.generator.parameters()).device
        return torch.multinomial(frequencies, count, replacement=True, generator=rng).to(device)

    def generate(
        self, count: int, rng: torch.Generator, frequencies: torch.Tensor, batch_size: int = 256
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Generate ``count`` samples in evaluation mode without gradients, ``batch_size`` at a time.

        Batches of 256 generate 28 x 28 images about a quarter faster than batches of 1,024 on
        a CPU, where the transposed convolutions' working set then fits the caches.

        Returns (samples, labels); labels are ``None`` for unconditional GANs. The generator's
        train/eval mode is restored afterwards.
        """
        was_training = self.generator.training
        self.generator.eval()
        samples, labels = [], []
        with torch.no_grad():
            for start in range(0, count, batch_size):
                n = min(batch_size, count - start)
                z = self.sample_latent(n, rng)
                y = self.sample_labels(n, rng, frequencies)
                samples.append(self.generator(z, y))
                if y is not None:
                    labels.append(y)
        self.generator.train(was_training)
        return torch.cat(samples), (torch.cat(labels) if labels else None)


class GANFamily(ABC):
    """A GAN family: networks for any registered dataset and the adversarial losses.

    Subclasses set ``name`` and ``description``, choose whether the networks are
    ``conditional`` and use BatchNorm, and implement the two losses. ``build`` picks the MLP
    backbone for vector data and the convolutional one for images.
    """

    name: str = ""
    description: str = ""
    conditional: bool = False
    # The discriminator loss of a discriminator that separates every real sample from every
    # generated one, or None when the loss has no such floor (a Wasserstein critic's loss is
    # unbounded below). Collapse detection flags fine-tuning that ends near this value.
    discriminator_loss_floor: float | None = None

    def uses_batch_norm(self, role: str, spec: DatasetSpec) -> bool:
        """Whether the ``role`` network for ``spec`` has BatchNorm after its hidden layers.

        By default generators have it, and discriminators only for images: BatchNorm in an
        MLP discriminator destabilises training on two-dimensional data.
        """
        return role == "generator" or len(spec.sample_shape) == 3

    def build(self, spec: DatasetSpec, arch: ArchSettings) -> GAN:
        """Build freshly initialised networks for samples of ``spec.sample_shape``."""
        num_classes = spec.num_classes if self.conditional else 0
        shape = spec.sample_shape
        g_norm = self.uses_batch_norm("generator", spec)
        d_norm = self.uses_batch_norm("discriminator", spec)
        if len(shape) == 1:
            generator = MLPGenerator(
                arch.z_dim, shape[0], arch.width, arch.depth, g_norm,
                num_classes, arch.embed_dim,
            )
            discriminator = MLPDiscriminator(
                shape[0], arch.width, arch.depth, d_norm,
                num_classes, arch.embed_dim,
            )
        elif len(shape) == 3:
            generator = ConvGenerator(
                arch.z_dim, shape, arch.width, g_norm,
                num_classes, arch.embed_dim,
            )
            discriminator = ConvDiscriminator(
                shape, arch.width, d_norm, num_classes, arch.embed_dim,
            )
        else:
            raise ValueError(
                f"family {self.name!r} supports vectors (D,) and images (C, H, W), "
                f"not samples of shape {shape}"
            )
        return GAN(generator, discriminator, arch.z_dim, spec.num_classes, self.conditional)

    @abstractmethod
    def discriminator_loss(
        self,
        gan: GAN,
        real: torch.Tensor,
        real_labels: torch.Tensor | None,
        fake: torch.Tensor,
        fake_labels: torch.Tensor | None,
        rng: torch.Generator,
        gradient_penalty: float,
    ) -> torch.Tensor:
        """Return the scalar loss the discriminator minimises on one batch.

        ``fake`` is detached from the generator. ``rng`` drives any randomness in the loss.
        """

    @abstractmethod
    def generator_loss(
        self, gan: GAN, fake: torch.Tensor, fake_labels: torch.Tensor | None
    ) -> torch.Tensor:
        """Return the scalar loss the generator minimises on one batch of its samples."""
