"""Which weights are prunable, and how sparse they are.

The prunable weights of a network are the ``weight`` tensors of its ``nn.Linear``,
``nn.Conv*d`` and ``nn.ConvTranspose*d`` layers. Biases, BatchNorm affine parameters and
label embeddings are never pruned. Sparsity is always measured over these weights.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.models.family import GAN

PRUNABLE_LAYERS = (
    nn.Linear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)

TARGETS = ("generator", "discriminator", "both")


def target_roles(target: str) -> tuple[str, ...]:
    """Return the network roles a target names: ``both`` is generator and discriminator."""
    if target == "both":
        return ("generator", "discriminator")
    if target in ("generator", "discriminator"):
        return (target,)
    raise ValueError(f"unknown target network {target!r}; expected one of {', '.join(TARGETS)}")


def prunable_weights(gan: GAN, target: str) -> dict[str, nn.Parameter]:
    """Return the prunable weights of the target network(s), in module order.

    Keys are qualified names such as ``generator.blocks.0.0.weight``.
    """
    weights: dict[str, nn.Parameter] = {}
    for role in target_roles(target):
        for module_name, module in gan.network(role).named_modules():
            if isinstance(module, PRUNABLE_LAYERS):
                weights[f"{role}.{module_name}.weight"] = module.weight
    return weights


def sparsity(weights: dict[str, torch.Tensor]) -> float:
    """Return the fraction of entries that are exactly zero across all ``weights``."""
    total = sum(weight.numel() for weight in weights.values())
    if total == 0:
        return 0.0
    zeros = sum(int((weight == 0).sum()) for weight in weights.values())
    return zeros / total


def achieved_sparsity(weights: dict[str, torch.Tensor], initial_count: int) -> float:
    """Return the fraction of ``initial_count`` prunable weights that are gone or zero.

    For masked networks this equals ``sparsity(weights)``. After channels were removed,
    ``weights`` has fewer entries than ``initial_count`` and the removed ones count as pruned.
    """
    if initial_count == 0:
        return 0.0
    nonzero = sum(int((weight != 0).sum()) for weight in weights.values())
    return 1.0 - nonzero / initial_count
