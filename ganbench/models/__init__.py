"""GAN families and their generator/discriminator backbones."""

from ganbench.models.family import GAN, GANFamily

__all__ = ["GAN", "GANFamily"]
