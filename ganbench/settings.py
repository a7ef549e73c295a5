"""Settings dataclasses: network architecture, training and evaluation.

Every field is part of the key of a dense baseline or a run, so two runs with equal settings
are interchangeable and a changed field always produces a new key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ganbench.errors import UsageError


@dataclass(frozen=True)
class ArchSettings:
    """Size of the generator and discriminator.

    ``width`` is the hidden units of MLP layers, or the channels at the image resolution for
    convolutional backbones (deeper stages double them). ``depth`` is the number of hidden
    layers of MLP backbones; convolutional depth follows from the image size.
    """

    z_dim: int
    width: int
    depth: int
    embed_dim: int


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings shared by baseline training and fine-tuning.

    ``steps`` counts generator updates; the discriminator is updated ``critic_steps`` times
    before each of them. Both networks use Adam with the given learning rates, betas and L2
    ``weight_decay``. ``gradient_penalty`` is the WGAN-GP coefficient λ, ignored by other
    losses.
    """

    steps: int
    batch_size: int
    lr_generator: float
    lr_discriminator: float
    beta1: float
    beta2: float
    critic_steps: int = 1
    gradient_penalty: float = 10.0
    weight_decay: float = 0.0


@dataclass(frozen=True)
class EvalSettings:
    """The number of generated samples that every metric is computed on, and the features.

    ``features`` is ``"dataset"`` for the feature network the dataset declares, or
    ``"inception"`` for the FID Inception-v3 network from local weights
    (``ganbench.metrics.inception``).
    """

    samples: int
    features: str = "dataset"


def replace_checked(settings: Any, overrides: dict[str, Any], where: str) -> Any:
    """Return ``settings`` with ``overrides`` applied, rejecting unknown fields and bad types.

    ``where`` names the source of the overrides (a suite file table) for the error message.
    """
    fields = {field.name: field for field in dataclasses.fields(settings)}
    for key, value in overrides.items():
        if key not in fields:
            raise UsageError(
                f"unknown setting {key!r} in {where}; valid settings are: {', '.join(fields)}"
            )
        current = getattr(settings, key)
        expected = type(current)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or isinstance(value, bool) != isinstance(current, bool):
            raise UsageError(
                f"setting {key!r} in {where} must be of type {expected.__name__}, got {value!r}"
            )
        if isinstance(value, (int, float)) and value < 0:
            raise UsageError(f"setting {key!r} in {where} must not be negative, got {value!r}")
    converted = {
        key: float(value) if isinstance(getattr(settings, key), float) else value
        for key, value in overrides.items()
    }
    return dataclasses.replace(settings, **converted)
