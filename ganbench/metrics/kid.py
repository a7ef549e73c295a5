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


def within_set_mean(x: torch.Tensor, degree: int, gamma: float, coef0: float) -> float:
    """Return Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) for an (m, D) set."""
    m = len(x)
    kernel = polynomial_kernel(x, x, degree, gamma, coef0)
    return float((kernel.sum() - kernel.diagonal().sum()) / (m * (m - 1)))


def unbiased_mmd2(
    real: torch.Tensor,
    generated: torch.Tensor,
    degree: int = DEFAULT_DEGREE,
    gamma: float | None = None,
    coef0: float = DEFAULT_COEF0,
    real_term: float | None = None,
) -> float:
    """Return the unbiased MMD² estimate between two equally sized (m, D) sets, m ≥ 2.

    ``real_term`` may pass ``within_set_mean(real, ...)`` computed earlier.
    """
    m = len(real)
    if len(generated) != m or m < 2:
        raise ValueError(f"unbiased MMD² needs two sets of equal size m >= 2, got {m} and {len(generated)}")
    gamma = 1.0 / real.shape[1] if gamma is None else gamma
    if real_term is None:
        real_term = within_set_mean(real, degree, gamma, coef0)
    generated_term = within_set_mean(generated, degree, gamma, coef0)
    cross = polynomial_kernel(real, generated, degree, gamma, coef0).sum() / (m * m)
    return float(real_term + generated_term - 2.0 * cross)


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

    gamma = 1.0 / real_t.shape[1] if gamma is None else gamma
    rng = np.random.default_rng(seed)
    draws = [
        (rng.choice(len(real_t), size, replace=False), rng.choice(len(generated_t), size, replace=False))
        for _ in range(subsets)
    ]
    key = (len(generated_t), size, subsets, seed, degree, gamma, coef0)
    real_terms = _cached_real_terms(real, key)
    if real_terms is None:
        real_terms = [
            within_set_mean(real_t[torch.from_numpy(index)], degree, gamma, coef0) for index, _ in draws
        ]
        _remember_real_terms(real, key, real_terms)

    values = np.empty(subsets)
    for number, (real_index, generated_index) in enumerate(draws):
        values[number] = unbiased_mmd2(
            real_t[torch.from_numpy(real_index)], generated_t[torch.from_numpy(generated_index)],
            degree, gamma, coef0, real_terms[number],
        )
    return KID(mean=float(values.mean()), std=float(values.std()), subsets=subsets, subset_size=size)


# The real-set kernel means of the last read-only real array: every run of a sweep compares
# with the same reference features and draws the same real subsets, so they are reused.
_REAL_TERMS: dict[str, tuple[np.ndarray, tuple, list[float]]] = {}


def _cached_real_terms(real: np.ndarray, key: tuple) -> list[float] | None:
    cached = _REAL_TERMS.get("last")
    if cached is not None and cached[0] is real and cached[1] == key:
        return cached[2]
    return None


def _remember_real_terms(real: np.ndarray, key: tuple, terms: list[float]) -> None:
    # Only arrays that cannot change are cached, such as the evaluation's reference features.
    if isinstance(real, np.ndarray) and not real.flags.writeable:
        _REAL_TERMS["last"] = (real, key, terms)


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
