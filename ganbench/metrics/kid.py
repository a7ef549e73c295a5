"""Kernel Inception Distance as a pipeline: features → subset MMD² values → mean and std.

KID (Bińkowski et al., ICLR 2018) is the squared maximum mean discrepancy between real and
generated features under the polynomial kernel

    k(x, y) = (γ · xᵀy + c₀)^degree,  with γ = 1 / D, c₀ = 1, degree = 3 by default,

estimated without bias on random subsets: for subsets X (real) and Y (generated) of m samples,

    MMD²_u = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m².

Each subset draws m real and m generated samples without replacement from a NumPy
``default_rng(seed)`` stream. The result is the mean over subsets and their standard deviation
(population, ddof = 0, the convention of torch-fidelity). Kernel sums are float64. A subset
size larger than either sample count is clamped to it with a ``SubsetSizeWarning``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

DEFAULT_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000
DEFAULT_DEGREE = 3
DEFAULT_COEF0 = 1.0


class SubsetSizeWarning(UserWarning):
    """The requested KID subset size exceeded a sample count and was clamped to it."""


@dataclass(frozen=True)
class KID:
    """Mean and standard deviation of the unbiased MMD² over ``subsets`` subsets of ``subset_size``."""

    mean: float
    std: float
    subsets: int
    subset_size: int


def polynomial_kernel(
    x: torch.Tensor, y: torch.Tensor, degree: int, gamma: float, coef0: float
) -> torch.Tensor:
    """Return the (len(x), len(y)) matrix (γ xᵢᵀyⱼ + c₀)^degree."""
    return (x @ y.T).mul_(gamma).add_(coef0).pow_(degree)


def unbiased_mmd2(
    real: torch.Tensor,
    generated: torch.Tensor,
    degree: int = DEFAULT_DEGREE,
    gamma: float | None = None,
    coef0: float = DEFAULT_COEF0,
) -> float:
    """Return the unbiased MMD² estimate between two equally sized (m, D) sets, m ≥ 2."""
    m = len(real)
    if len(generated) != m or m < 2:
        raise ValueError(f"unbiased MMD² needs two sets of equal size m >= 2, got {m} and {len(generated)}")
    gamma = 1.0 / real.shape[1] if gamma is None else gamma
    k_rr = polynomial_kernel(real, real, degree, gamma, coef0)
    k_gg = polynomial_kernel(generated, generated, degree, gamma, coef0)
    k_rg = polynomial_kernel(real, generated, degree, gamma, coef0)
    off_diagonal = (k_rr.sum() - k_rr.diagonal().sum() + k_gg.sum() - k_gg.diagonal().sum()) / (m * (m - 1))
    return float(off_diagonal - 2.0 * k_rg.sum() / (m * m))


def features_to_kid(
    real: np.ndarray,
    generated: np.ndarray,
    subsets: int = DEFAULT_SUBSETS,
    subset_size: int = DEFAULT_SUBSET_SIZE,
    seed: int = 0,
    degree: int = DEFAULT_DEGREE,
    gamma: float | None = None,
    coef0: float = DEFAULT_COEF0,
) -> KID:
    """Return the KID between (N, D) real and (M, D) generated feature arrays.

    Raises ValueError for arrays that are not 2-D, differ in D, contain NaN or infinity, or
    have fewer than two rows, and for ``subsets`` < 1.
    """
    real_t = _checked(real, "real")
    generated_t = _checked(generated, "generated")
    if real_t.shape[1] != generated_t.shape[1]:
        raise ValueError(
            f"real and generated features differ in dimension: {real_t.shape[1]} and {generated_t.shape[1]}"
        )
    if subsets < 1:
        raise ValueError(f"KID needs at least one subset, got subsets={subsets}")
    size = clamp_subset_size(subset_size, len(real_t), len(generated_t))

    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for index in range(subsets):
        real_index = torch.from_numpy(rng.choice(len(real_t), size, replace=False))
        generated_index = torch.from_numpy(rng.choice(len(generated_t), size, replace=False))
        values[index] = unbiased_mmd2(
            real_t[real_index], generated_t[generated_index], degree, gamma, coef0
        )
    return KID(mean=float(values.mean()), std=float(values.std()), subsets=subsets, subset_size=size)


def clamp_subset_size(subset_size: int, real_count: int, generated_count: int) -> int:
    """Return ``subset_size`` limited to both sample counts, warning when it was too large."""
    if subset_size < 2:
        raise ValueError(f"KID subset size must be at least 2, got {subset_size}")
    limit = min(real_count, generated_count)
    if subset_size > limit:
        warnings.warn(
            f"KID subset size {subset_size} exceeds the sample count ({real_count} real, "
            f"{generated_count} generated); using subsets of {limit}",
            SubsetSizeWarning,
            stacklevel=3,
        )
        return limit
    return subset_size


def _checked(features: np.ndarray, role: str) -> torch.Tensor:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{role} features must be a 2-D (samples, dimensions) array, got shape {array.shape}")
    if array.shape[0] < 2:
        raise ValueError(f"KID needs at least 2 {role} samples, got {array.shape[0]}")
    if not np.isfinite(array).all():
        raise ValueError(f"{role} features contain NaN or infinite values")
    return torch.from_numpy(np.array(array, order="C", copy=True))
