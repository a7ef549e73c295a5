"""What a pruning method may look at: the trained GAN, its data and its losses."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn

from ganbench.data.base import Dataset
from ganbench.models.family import GAN, GANFamily
from ganbench.pruning.blocks import removable_blocks
from ganbench.pruning.parameters import prunable_weights, target_roles
from ganbench.pruning.structure import ChannelGroup, channel_groups
from ganbench.settings import TrainSettings


class PruningContext:
    """The state handed to a pruning method.

    Attributes:
        gan: the dense GAN after baseline training (the method must not modify it, except
            through the masks it returns).
        family: its ``GANFamily``, which defines the adversarial losses.
        dataset: the loaded training and held-out data.
        target: ``"generator"``, ``"discriminator"`` or ``"both"``.
        weights: the prunable weights of the target network(s), by qualified name.
        settings: the training settings (batch size, gradient-penalty coefficient).
        rng: a ``torch.Generator`` seeded from the run's seed; use it for all randomness so
            that runs are reproducible.
        masks: the current bool mask per prunable weight (True = kept); all True before the
            first pruning round of a schedule.
        initial_weight_count: the number of prunable weights before any pruning; target
            sparsities are fractions of it, also after channels or blocks have been removed.
        initial_role_counts: the same count per network role (``"generator"``,
            ``"discriminator"``), for methods that let each network reach the target alone.
        channel_groups: the hidden layers' output channels and their coupled tensors (see
            ``ganbench.pruning.structure``); computed on first use.
        removable_blocks: the qualified names of the blocks the target network(s) declare
            removable and still contain (see ``ganbench.pruning.blocks``).
        trained_steps: optimizer steps a method trains for itself while scoring, outside the
            schedule's budget, starting at 0. A method that trains adds its steps here, so
            that the run's compute columns count them.
        sparsity_note: why the latest pruning event missed its target sparsity, for methods
            that may miss it (``PruningMethod.may_miss_target``); empty otherwise. The pruner
            sets it.
    """

    def __init__(
        self,
        gan: GAN,
        family: GANFamily,
        dataset: Dataset,
        target: str,
        settings: TrainSettings,
        seed: int,
    ):
        self.gan = gan
        self.family = family
        self.dataset = dataset
        self.target = target
        self.settings = settings
        self.weights: dict[str, nn.Parameter] = prunable_weights(gan, target)
        self.rng = torch.Generator().manual_seed(seed)
        self.seed = seed
        self.masks: dict[str, torch.Tensor] = {
            name: torch.ones(weight.shape, dtype=torch.bool) for name, weight in self.weights.items()
        }
        self.initial_weight_count = sum(weight.numel() for weight in self.weights.values())
        self.initial_role_counts = {
            role: sum(weight.numel() for name, weight in self.weights.items() if name.startswith(role + "."))
            for role in target_roles(target)
        }
        self._channel_groups: list[ChannelGroup] | None = None
        self.trained_steps = 0
        self.sparsity_note = ""

    @property
    def channel_groups(self) -> list[ChannelGroup]:
        """Return the channel groups of the target network(s); raises ``UnsupportedStructure``."""
        if self._channel_groups is None:
            self._channel_groups = channel_groups(self.gan, self.target)
        return self._channel_groups

    @property
    def removable_blocks(self) -> list[str]:
        """Return the removable blocks the target network(s) still contain, in declared order."""
        return removable_blocks(self.gan, self.target)

    def real_batch(self, batch_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw a batch of training samples and labels without replacement, on the GAN's device."""
        size = batch_size or self.settings.batch_size
        index = torch.randperm(len(self.dataset.train), generator=self.rng)[:size]
        device = next(self.gan.generator.parameters()).device
        return self.dataset.train[index].to(device), self.dataset.train_labels[index].to(device)

    def loss_gradients(self, batches: int = 1, batch_size: int | None = None) -> dict[str, torch.Tensor]:
        """Return ∂L/∂w for every target weight, averaged over ``batches`` fresh batches.

        L is the adversarial loss of the network that owns the weight: the generator loss for
        generator weights, the discriminator loss (real and generated batch) for
        discriminator weights. The networks run in training mode, as during training, and
        their BatchNorm statistics are restored afterwards; ``.grad`` fields are untouched.
        """
        return self.parameter_gradients(self.weights, batches, batch_size)

    def parameter_gradients(
        self, parameters: dict[str, torch.Tensor], batches: int = 1, batch_size: int | None = None
    ) -> dict[str, torch.Tensor]:
        """Return ∂L/∂p for any parameters of the target network(s), like ``loss_gradients``.

        Keys of ``parameters`` are qualified names starting with the owning network's role
        (``generator.`` or ``discriminator.``); the result has the same keys.
        """
        size = batch_size or self.settings.batch_size
        frequencies = self.dataset.class_frequencies()
        totals = {name: torch.zeros_like(parameter) for name, parameter in parameters.items()}
        with preserved_buffers(self.gan):
            self.gan.train()
            for _ in range(batches):
                for role in target_roles(self.target):
                    names = [name for name in parameters if name.startswith(role + ".")]
                    if not names:
                        continue
                    loss = self._loss(role, size, frequencies)
                    grads = torch.autograd.grad(loss, [parameters[name] for name in names])
                    for name, grad in zip(names, grads):
                        totals[name] += grad
        return {name: total / batches for name, total in totals.items()}

    def _loss(self, role: str, size: int, frequencies: torch.Tensor) -> torch.Tensor:
        gan = self.gan
        fake_labels = gan.sample_labels(size, self.rng, frequencies)
        latent = gan.sample_latent(size, self.rng)
        if role == "generator":
            fake = gan.generator(latent, fake_labels)
            return self.family.generator_loss(gan, fake, fake_labels)
        real, real_labels = self.real_batch(size)
        with torch.no_grad():
            fake = gan.generator(latent, fake_labels)
        return self.family.discriminator_loss(
            gan,
            real,
            real_labels if gan.conditional else None,
            fake,
            fake_labels,
            self.rng,
            self.settings.gradient_penalty,
        )


@contextlib.contextmanager
def preserved_buffers(module: nn.Module) -> Iterator[None]:
    """Restore every buffer of ``module`` (BatchNorm running statistics) and its mode on exit."""
    saved = {name: buffer.clone() for name, buffer in module.named_buffers()}
    modes = {name: sub.training for name, sub in module.named_modules()}
    try:
        yield
    finally:
        with torch.no_grad():
            for name, buffer in module.named_buffers():
                buffer.copy_(saved[name])
        for name, sub in module.named_modules():
            sub.training = modes[name]
