"""Two-dimensional Gaussian mixtures from the mode-collapse literature.

``ring8``: 8 isotropic Gaussians with standard deviation 0.01 whose means lie evenly spaced on
the unit circle, at angles 2πk/8 for k = 0..7.
``grid25``: 25 isotropic Gaussians with standard deviation 0.05 whose means are the points of
the grid {-4, -2, 0, 2, 4}².

These follow the mixtures used by VEEGAN (Srivastava et al., NeurIPS 2017) and PacGAN (Lin et
al., NeurIPS 2018), with the means and deviations stated above. Each mode has probability
1/K. The training split holds 20,000 samples and the held-out split 2,500, drawn with fixed
seeds so that every run sees the same data. The label of a sample is the index of the mode it
was drawn from.
"""

from __future__ import annotations

import math

import torch

from ganbench.data.base import Dataset, DatasetSpec

TRAIN_SAMPLES = 20_000
HELDOUT_SAMPLES = 2_500
TRAIN_SEED = 1_000
HELDOUT_SEED = 2_000


def ring_centers(modes: int = 8, radius: float = 1.0) -> torch.Tensor:
    """Return ``modes`` points evenly spaced on a circle, shape ``(modes, 2)``, float32."""
    angles = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    centers = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1) * radius
    return centers.float()


def grid_centers(values: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0)) -> torch.Tensor:
    """Return the points of the grid ``values × values``, shape ``(len(values)², 2)``."""
    axis = torch.tensor(values, dtype=torch.float32)
    xs, ys = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


def sample_mixture(
    centers: torch.Tensor, std: float, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``count`` samples from the equal-weight mixture; returns (samples, mode labels)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(len(centers), (count,), generator=generator)
    noise = torch.randn(count, 2, generator=generator) * std
    return centers[labels] + noise, labels


def make_mixture(name: str, centers: torch.Tensor, std: float) -> Dataset:
    train, train_labels = sample_mixture(centers, std, TRAIN_SAMPLES, TRAIN_SEED)
    heldout, heldout_labels = sample_mixture(centers, std, HELDOUT_SAMPLES, HELDOUT_SEED)
    return Dataset(
        name=name,
        kind="mixture",
        train=train,
        train_labels=train_labels,
        heldout=heldout,
        heldout_labels=heldout_labels,
        num_classes=len(centers),
        mode_centers=centers,
        mode_std=std,
    )


RING8 = DatasetSpec(
    name="ring8",
    kind="mixture",
    sample_shape=(2,),
    num_classes=8,
    description="8 Gaussians (std 0.01) evenly spaced on the unit circle",
    loader=lambda: make_mixture("ring8", ring_centers(8, 1.0), 0.01),
)

GRID25 = DatasetSpec(
    name="grid25",
    kind="mixture",
    sample_shape=(2,),
    num_classes=25,
    description="25 Gaussians (std 0.05) on the grid {-4, -2, 0, 2, 4}^2",
    loader=lambda: make_mixture("grid25", grid_centers(), 0.05),
)
