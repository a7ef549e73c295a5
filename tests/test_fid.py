"""FID against closed forms, an independent reference and degenerate inputs."""

import warnings

import numpy as np
import pytest
import scipy.linalg

from ganbench.metrics.fid import (
    NearSingularCovarianceWarning,
    features_to_fid,
    features_to_statistics,
    statistics_to_fid,
)


def reference_fid(mean1, cov1, mean2, cov2):
    """Textbook formula with scipy's general matrix square root."""
    root = scipy.linalg.sqrtm(cov1 @ cov2)
    root = np.real(root)
    return float(np.sum((mean1 - mean2) ** 2) + np.trace(cov1 + cov2 - 2 * root))


def random_covariance(rng, dim):
    matrix = rng.normal(size=(dim, dim))
    return matrix @ matrix.T + 0.1 * np.eye(dim)


def test_equal_covariances_reduce_to_mean_distance():
    rng = np.random.default_rng(0)
    cov = random_covariance(rng, 6)
    mean1, mean2 = rng.normal(size=6), rng.normal(size=6)
    expected = float(np.sum((mean1 - mean2) ** 2))
    assert statistics_to_fid(mean1, cov, mean2, cov) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_one_dimensional_gaussians():
    # d² = (μ1 − μ2)² + σ1² + σ2² − 2σ1σ2 = (μ1 − μ2)² + (σ1 − σ2)²
    mean1, std1, mean2, std2 = 1.5, 2.0, -0.5, 0.5
    fid = statistics_to_fid(
        np.array([mean1]), np.array([[std1**2]]), np.array([mean2]), np.array([[std2**2]])
    )
    assert fid == pytest.approx((mean1 - mean2) ** 2 + (std1 - std2) ** 2, rel=1e-12)


def test_scaled_identity_covariances():
    dim, var1, var2 = 5, 4.0, 0.25
    mean1, mean2 = np.zeros(dim), np.full(dim, 0.5)
    expected = dim * 0.25 + dim * (np.sqrt(var1) - np.sqrt(var2)) ** 2
    fid = statistics_to_fid(mean1, var1 * np.eye(dim), mean2, var2 * np.eye(dim))
    assert fid == pytest.approx(expected, rel=1e-12)


def test_matches_sqrtm_reference():
    rng = np.random.default_rng(1)
    for dim in (2, 16, 64):
        mean1, mean2 = rng.normal(size=dim), rng.normal(size=dim)
        cov1, cov2 = random_covariance(rng, dim), random_covariance(rng, dim)
        ours = statistics_to_fid(mean1, cov1, mean2, cov2)
        assert ours == pytest.approx(reference_fid(mean1, cov1, mean2, cov2), rel=1e-8)


def test_identical_inputs_give_zero():
    features = np.random.default_rng(2).normal(size=(500, 8))
    assert abs(features_to_fid(features, features)) < 1e-6


def test_statistics_are_float64_unbiased():
    features = np.random.default_rng(3).normal(size=(50, 3)).astype(np.float32)
    mean, cov = features_to_statistics(features)
    assert mean.dtype == np.float64
    assert cov.dtype == np.float64
    centered = features.astype(np.float64) - features.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(cov, centered.T @ centered / 49, rtol=1e-12)


def test_singular_covariance_is_finite_with_warning():
    rng = np.random.default_rng(4)
    few = rng.normal(size=(5, 20))  # fewer samples than dimensions
    many = rng.normal(size=(200, 20))
    with pytest.warns(NearSingularCovarianceWarning):
        fid = features_to_fid(few, many)
    assert np.isfinite(fid)
    assert fid >= 0


def test_duplicated_samples_are_finite():
    row = np.random.default_rng(5).normal(size=(1, 4))
    duplicated = np.repeat(row, 10, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NearSingularCovarianceWarning)
        fid = features_to_fid(duplicated, np.random.default_rng(6).normal(size=(100, 4)))
    assert np.isfinite(fid)


@pytest.mark.parametrize("bad", [np.zeros((1, 3)), np.zeros(4), np.array([[np.nan, 1.0], [0.0, 1.0]])])
def test_invalid_features_raise(bad):
    with pytest.raises(ValueError):
        features_to_statistics(bad)
