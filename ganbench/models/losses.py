"""Adversarial losses shared by the GAN families."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def bce_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of real samples labelled 1 and generated samples labelled 0."""
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)), the non-saturating generator loss of Goodfellow et al. (NeurIPS 2014)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor | None,
    rng: torch.Generator,
) -> torch.Tensor:
    """Return mean over samples of (‖∇x̂ D(x̂)‖₂ − 1)², Gulrajani et al. (NeurIPS 2017).

    x̂ = α·real + (1 − α)·fake with one α ~ U(0, 1) per sample, and the gradient norm is taken
    per sample over all of its dimensions.
    """
    alpha_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(alpha_shape, generator=rng).to(real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed, labels)
    (gradients,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = gradients.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
