"""Class-conditional GAN (Mirza & Osindero, 2014) with the DCGAN loss and backbones."""

from __future__ import annotations

from ganbench.models.dcgan import DCGAN


class ConditionalGAN(DCGAN):
    """DCGAN whose generator and discriminator both receive the class label.

    The label (a digit class, or the mode index of a mixture) goes through a learned
    embedding that is concatenated to the latent vector and to the discriminator's input.
    """

    name = "cgan"
    description = "class-conditional generator and discriminator, non-saturating BCE loss"
    conditional = True
