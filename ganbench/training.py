"""The adversarial training loop used for dense baselines and for fine-tuning.

One loop serves both so that every method's fine-tuning budget means the same work. Mask
enforcement is not part of the loop: it is attached to the optimizers (see
``ganbench.pruning.enforce``), which keeps this hot path free of pruning logic.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from ganbench.data.base import Dataset
from ganbench.errors import GanbenchError
from ganbench.models.family import GAN, GANFamily
from ganbench.settings import TrainSettings

logger = logging.getLogger(__name__)

LOG_INTERVAL = 100
# The start of the message of ``TrainingDiverged``, which a failed run records as its error.
DIVERGED_MESSAGE = "training diverged"


class TrainingDiverged(GanbenchError):
    """A loss became NaN or infinite; the message gives the step and both losses."""


@dataclass
class TrainingLog:
    """Mean losses over every ``LOG_INTERVAL`` generator steps, and the wall time in seconds."""

    steps: list[int] = field(default_factory=list)
    discriminator_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "steps": list(self.steps),
            "discriminator_loss": list(self.discriminator_loss),
            "generator_loss": list(self.generator_loss),
            "seconds": self.seconds,
        }


def make_optimizers(gan: GAN, settings: TrainSettings) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Return (generator optimizer, discriminator optimizer), both Adam."""
    betas = (settings.beta1, settings.beta2)
    generator_optimizer = torch.optim.Adam(
        gan.generator.parameters(),
        lr=settings.lr_generator,
        betas=betas,
        weight_decay=settings.weight_decay,
    )
    discriminator_optimizer = torch.optim.Adam(
        gan.discriminator.parameters(),
        lr=settings.lr_discriminator,
        betas=betas,
        weight_decay=settings.weight_decay,
    )
    return generator_optimizer, discriminator_optimizer


class BatchSampler:
    """Draw training batches without replacement, reshuffling every epoch with ``rng``."""

    def __init__(self, dataset: Dataset, batch_size: int, rng: torch.Generator):
        if batch_size > len(dataset.train):
            raise ValueError(
                f"batch size {batch_size} exceeds the {len(dataset.train)} training samples "
                f"of {dataset.name!r}; lower batch_size"
            )
        self.samples = dataset.train
        self.labels = dataset.train_labels
        self.batch_size = batch_size
        self.rng = rng
        self.order = torch.randperm(len(self.samples), generator=rng)
        self.position = 0

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.position + self.batch_size > len(self.order):
            self.order = torch.randperm(len(self.samples), generator=self.rng)
            self.position = 0
        index = self.order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return self.samples[index], self.labels[index]


def train(
    gan: GAN,
    family: GANFamily,
    dataset: Dataset,
    settings: TrainSettings,
    steps: int,
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    rng: torch.Generator,
    on_step: Callable[[int], None] | None = None,
) -> TrainingLog:
    """Train ``gan`` in place for ``steps`` generator updates.

    Each generator update is preceded by ``settings.critic_steps`` discriminator updates on
    fresh real and generated batches. ``on_step(step)`` is called after every generator
    update with the 1-based step number. Raises ``TrainingDiverged`` as soon as a loss is
    not finite.
    """
    generator_optimizer, discriminator_optimizer = optimizers
    sampler = BatchSampler(dataset, settings.batch_size, rng)
    frequencies = dataset.class_frequencies()
    device = next(gan.generator.parameters()).device
    batch = settings.batch_size
    log = TrainingLog()
    d_sum = g_sum = 0.0
    interval = 0
    gan.train()
    started = time.perf_counter()

    for step in range(1, steps + 1):
        # Discriminator updates on real data and detached generated samples.
        for _ in range(settings.critic_steps):
            real, real_labels = sampler.next()
            real, real_labels = real.to(device), real_labels.to(device)
            fake_labels = gan.sample_labels(batch, rng, frequencies)
            with torch.no_grad():
                fake = gan.generator(gan.sample_latent(batch, rng), fake_labels)
            d_loss = family.discriminator_loss(
                gan,
                real,
                real_labels if gan.conditional else None,
                fake,
                fake_labels,
                rng,
                settings.gradient_penalty,
            )
            discriminator_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            discriminator_optimizer.step()

        # Generator update through the discriminator.
        fake_labels = gan.sample_labels(batch, rng, frequencies)
        fake = gan.generator(gan.sample_latent(batch, rng), fake_labels)
        g_loss = family.generator_loss(gan, fake, fake_labels)
        generator_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        generator_optimizer.step()

        d_value = d_loss.item()
        g_value = g_loss.item()
        if not (math.isfinite(d_value) and math.isfinite(g_value)):
            raise TrainingDiverged(
                f"{DIVERGED_MESSAGE} at step {step}: discriminator loss {d_value}, "
                f"generator loss {g_value}"
            )
        d_sum += d_value
        g_sum += g_value
        interval += 1
        if interval == LOG_INTERVAL or step == steps:
            log.steps.append(step)
            log.discriminator_loss.append(d_sum / interval)
            log.generator_loss.append(g_sum / interval)
            logger.debug(
                "step %d/%d  d_loss %.4f  g_loss %.4f", step, steps, d_sum / interval, g_sum / interval
            )
            d_sum = g_sum = 0.0
            interval = 0
        if on_step is not None:
            on_step(step)

    log.seconds = time.perf_counter() - started
    return log
