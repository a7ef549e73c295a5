"""A quality proxy for pruning decisions: the adversarial loss of one network on fixed batches.

Methods that compare candidate pruning decisions (``sensitivity`` prunes one layer at a time,
``layer-drop`` bypasses one block at a time) need a number that measures how much a change
hurt, computed without the test metrics. ``AdversarialLossProxy`` returns the loss that the
network of ``role`` minimises during training, against its trained opponent. The batches are
drawn once at construction from the context's seeded random generator. They are generated
samples for the generator, and real and generated samples for the discriminator. A higher value after a
change means the change hurt more.
"""

from __future__ import annotations

import torch

from ganbench.pruning.context import PruningContext, preserved_buffers


class AdversarialLossProxy:
    """The adversarial loss of the ``role`` network on batches fixed at construction.

    Construction draws ``samples`` latent vectors (and labels), a real batch of up to
    ``samples`` training samples and a seed for the gradient penalty from ``context.rng``,
    in that order. Each call evaluates the loss with the networks in training mode, as during
    training, and restores BatchNorm statistics and modes afterwards.
    """

    def __init__(self, context: PruningContext, role: str, samples: int):
        self.context = context
        self.role = role
        gan = context.gan
        frequencies = context.dataset.class_frequencies()
        self.labels = gan.sample_labels(samples, context.rng, frequencies)
        self.latent = gan.sample_latent(samples, context.rng)
        size = min(samples, len(context.dataset.train))
        self.real, self.real_labels = context.real_batch(size)
        self.penalty_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=context.rng))

    def __call__(self) -> float:
        context, gan = self.context, self.context.gan
        with preserved_buffers(gan):
            gan.train()
            if self.role == "generator":
                with torch.no_grad():
                    fake = gan.generator(self.latent, self.labels)
                    return float(context.family.generator_loss(gan, fake, self.labels))
            with torch.no_grad():
                fake = gan.generator(self.latent, self.labels)
            # The gradient penalty of WGAN-GP needs autograd, so no no_grad() here.
            loss = context.family.discriminator_loss(
                gan, self.real, self.real_labels if gan.conditional else None, fake, self.labels,
                torch.Generator().manual_seed(self.penalty_seed), context.settings.gradient_penalty,
            )
            return float(loss.detach())
