"""Precision, recall, density and coverage of generated features (Naeem et al., ICML 2020).

Pipeline: features → k-nearest-neighbour radii → the four values. With real features
X = {x₁ … x_N}, generated features Y = {y₁ … y_M}, and NND_k(x) the distance from x to its
k-th nearest neighbour in its own set (itself excluded), B(x, r) the open ball of radius r:

* precision = (1/M) Σⱼ 1[yⱼ ∈ ∪ᵢ B(xᵢ, NND_k(xᵢ))]: the share of generated samples that fall
  in the real manifold (fidelity);
* recall = (1/N) Σᵢ 1[xᵢ ∈ ∪ⱼ B(yⱼ, NND_k(yⱼ))]: the share of real samples that fall in the
  generated manifold (diversity), so a collapsed generator scores low recall;
* density = (1/(kM)) Σⱼ Σᵢ 1[yⱼ ∈ B(xᵢ, NND_k(xᵢ))], which may exceed 1;
* coverage = (1/N) Σᵢ 1[minⱼ ‖xᵢ − yⱼ‖ < NND_k(xᵢ)]: the share of real neighbourhoods that
  contain a generated sample.

Distances are Euclidean in float64 and the balls are open (strict ``<``), as in the authors'
``prdc`` package. k = 5 by default, the authors' recommendation. Distance matrices are built
in blocks of ``BLOCK`` rows, so memory stays O(BLOCK × max(N, M)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DEFAULT_K = 5
BLOCK = 1024


@dataclass(frozen=True)
class PRDC:
    precision: float
    recall: float
    density: float
    coverage: float


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return the (len(a), len(b)) Euclidean distance matrix in float64.

    Uses ‖a‖² − 2 aᵀb + ‖b‖², as scikit-learn's ``euclidean_distances`` does, in place.
    """
    distances = a @ b.T
    distances.mul_(-2.0).add_((a * a).sum(1)[:, None]).add_((b * b).sum(1)[None, :])
    return distances.clamp_(min=0.0).sqrt_()


def nearest_neighbour_radii(features: torch.Tensor, k: int) -> torch.Tensor:
    """Return each sample's distance to its k-th nearest neighbour in ``features``, itself excluded.

    The sample itself is at distance 0 and is the first neighbour, so this is the (k+1)-th
    smallest distance of its row (with duplicates, a copy at distance 0 counts as a neighbour).
    """
    radii = torch.empty(len(features), dtype=torch.float64)
    for start in range(0, len(features), BLOCK):
        block = pairwise_distances(features[start : start + BLOCK], features)
        nearest = block.topk(k + 1, dim=1, largest=False, sorted=True).values
        radii[start : start + BLOCK] = nearest[:, k]
    return radii


def features_to_prdc(
    real: np.ndarray, generated: np.ndarray, k: int = DEFAULT_K, real_radii: torch.Tensor | None = None
) -> PRDC:
    """Return precision, recall, density and coverage of ``generated`` against ``real``.

    Both are (N, D) and (M, D) feature arrays with more than k rows each. Raises ValueError
    otherwise, or when they contain NaN or infinity. ``real_radii`` may pass the result of
    ``nearest_neighbour_radii(real, k)`` computed earlier for the same real features.
    """
    real_t = _checked(real, "real", k)
    generated_t = _checked(generated, "generated", k)
    if real_t.shape[1] != generated_t.shape[1]:
        raise ValueError(
            f"real and generated features differ in dimension: {real_t.shape[1]} and {generated_t.shape[1]}"
        )
    if real_radii is None:
        real_radii = nearest_neighbour_radii(real_t, k)
    elif real_radii.shape != (len(real_t),):
        raise ValueError(f"real_radii must have shape ({len(real_t)},), got {tuple(real_radii.shape)}")
    generated_radii = nearest_neighbour_radii(generated_t, k)

    in_real_manifold = torch.zeros(len(generated_t), dtype=torch.bool)
    in_generated_manifold = torch.zeros(len(real_t), dtype=torch.bool)
    neighbourhood_counts = torch.zeros(len(generated_t), dtype=torch.float64)
    nearest_generated = torch.full((len(real_t),), float("inf"), dtype=torch.float64)
    for start in range(0, len(generated_t), BLOCK):
        stop = start + BLOCK
        distances = pairwise_distances(real_t, generated_t[start:stop])  # (N, block)
        inside_real_balls = distances < real_radii[:, None]
        in_real_manifold[start:stop] = inside_real_balls.any(dim=0)
        neighbourhood_counts[start:stop] = inside_real_balls.sum(dim=0)
        in_generated_manifold |= (distances < generated_radii[None, start:stop]).any(dim=1)
        nearest_generated = torch.minimum(nearest_generated, distances.min(dim=1).values)

    return PRDC(
        precision=float(in_real_manifold.double().mean()),
        recall=float(in_generated_manifold.double().mean()),
        density=float(neighbourhood_counts.sum() / (k * len(generated_t))),
        coverage=float((nearest_generated < real_radii).double().mean()),
    )


def _checked(features: np.ndarray, role: str, k: int) -> torch.Tensor:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{role} features must be a 2-D (samples, dimensions) array, got shape {array.shape}")
    if array.shape[0] <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} {role} samples, got {array.shape[0]}")
    if not np.isfinite(array).all():
        raise ValueError(f"{role} features contain NaN or infinite values")
    return torch.from_numpy(np.array(array, order="C", copy=True))
