"""WGAN-GP: Wasserstein loss with a per-sample gradient penalty (Gulrajani et al., 2017)."""

from __future__ import annotations

from ganbench.models.family import GANFamily
from ganbench.models.losses import gradient_penalty as penalty


class WGANGP(GANFamily):
    """Wasserstein GAN whose critic has no BatchNorm, as the gradient penalty requires.

    The penalty is computed per sample, and BatchNorm would couple samples in a batch.
    """

    name = "wgan-gp"
    description = "Wasserstein loss with per-sample gradient penalty, critic without BatchNorm"
    conditional = False

    def uses_batch_norm(self, role, spec):
        return role == "generator"

    def discriminator_loss(self, gan, real, real_labels, fake, fake_labels, rng, gradient_penalty):
        critic = gan.discriminator
        wasserstein = critic(fake, fake_labels).mean() - critic(real, real_labels).mean()
        return wasserstein + gradient_penalty * penalty(critic, real, fake, real_labels, rng)

    def generator_loss(self, gan, fake, fake_labels):
        return -gan.discriminator(fake, fake_labels).mean()
