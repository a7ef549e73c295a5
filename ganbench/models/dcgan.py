"""DCGAN: non-saturating BCE loss, BatchNorm generator (Radford et al., ICLR 2016)."""

from __future__ import annotations

from ganbench.models.family import GANFamily
from ganbench.models.losses import bce_discriminator_loss, non_saturating_generator_loss


class DCGAN(GANFamily):
    """Unconditional GAN with the non-saturating loss.

    Image generators use transposed convolutions with BatchNorm; the discriminator uses
    BatchNorm after its inner convolutions. MLP discriminators use none, which is unstable on
    two-dimensional data.
    """

    name = "dcgan"
    description = "non-saturating BCE loss, BatchNorm transposed-convolution generator"
    conditional = False
    # Binary cross-entropy of real and generated batches is zero only for perfect separation.
    discriminator_loss_floor = 0.0

    def discriminator_loss(self, gan, real, real_labels, fake, fake_labels, rng, gradient_penalty):
        real_logits = gan.discriminator(real, real_labels)
        fake_logits = gan.discriminator(fake, fake_labels)
        return bce_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, gan, fake, fake_labels):
        return non_saturating_generator_loss(gan.discriminator(fake, fake_labels))
