"""FID, KID and precision/recall/density/coverage against reference implementations.

pytorch-fid, torch-fidelity and prdc are test-only dependencies; each comparison feeds the
same float64 feature arrays to ganbench and to the reference.
"""

import itertools
import warnings

import numpy as np
import pytest
import torch

from ganbench.metrics.fid import features_to_statistics, statistics_to_fid
from ganbench.metrics.kid import SubsetSizeWarning, features_to_kid, unbiased_mmd2
from ganbench.metrics.mode_coverage import uniform_mode_coverage
from ganbench.metrics.prdc import features_to_prdc


def correlated_features(rng, count, dim, shift=0.0, scale=1.0):
    mixing = np.eye(dim) + 0.5 * rng.normal(size=(dim, dim)) / np.sqrt(dim)
    return scale * rng.normal(size=(count, dim)) @ mixing + shift


@pytest.mark.parametrize("dim", [2, 16, 64, 256])
def test_fid_matches_pytorch_fid(dim):
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(dim)
    real = correlated_features(rng, 4 * dim + 50, dim)
    generated = correlated_features(rng, 4 * dim + 80, dim, shift=0.3, scale=1.2)
    statistics = (*features_to_statistics(real), *features_to_statistics(generated))
    ours = statistics_to_fid(*statistics)
    reference = calculate_frechet_distance(*statistics)
    assert abs(ours - reference) <= 1e-6 * abs(reference)


@pytest.mark.parametrize("dim", [8, 64])
def test_fid_matches_torch_fidelity(dim):
    from torch_fidelity.metric_fid import fid_statistics_to_metric

    rng = np.random.default_rng(100 + dim)
    mean1, cov1 = features_to_statistics(correlated_features(rng, 500, dim))
    mean2, cov2 = features_to_statistics(correlated_features(rng, 600, dim, shift=-0.2))
    reference = fid_statistics_to_metric(
        {"mu": mean1, "sigma": cov1}, {"mu": mean2, "sigma": cov2}, False
    )["frechet_inception_distance"]
    assert statistics_to_fid(mean1, cov1, mean2, cov2) == pytest.approx(reference, rel=1e-6)


def test_fid_identical_network_features_zero():
    rng = np.random.default_rng(7)
    features = correlated_features(rng, 3000, 84)
    statistics = features_to_statistics(features)
    assert abs(statistics_to_fid(*statistics, *statistics)) < 1e-6


def test_fid_duplicated_rows_warn_and_finite():
    from ganbench.metrics.fid import NearSingularCovarianceWarning

    rng = np.random.default_rng(8)
    real = correlated_features(rng, 400, 32)
    duplicated = np.repeat(real[:10], 40, axis=0)  # rank at most 9 in 32 dimensions
    with pytest.warns(NearSingularCovarianceWarning):
        value = statistics_to_fid(*features_to_statistics(real), *features_to_statistics(duplicated))
    assert np.isfinite(value)
    assert value > 0


def test_unbiased_mmd_by_hand():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 3)) + 0.5

    def kernel(a, b):
        return (a @ b / 3 + 1) ** 3

    same_x = sum(kernel(x[i], x[j]) for i, j in itertools.permutations(range(5), 2)) / 20
    same_y = sum(kernel(y[i], y[j]) for i, j in itertools.permutations(range(5), 2)) / 20
    cross = sum(kernel(x[i], y[j]) for i in range(5) for j in range(5)) / 25
    expected = same_x + same_y - 2 * cross
    assert unbiased_mmd2(torch.from_numpy(x), torch.from_numpy(y)) == pytest.approx(expected, rel=1e-12)


def test_kid_matches_torch_fidelity():
    from torch_fidelity.metric_kid import kid_features_to_metric

    rng = np.random.default_rng(10)
    real = correlated_features(rng, 300, 20)
    generated = correlated_features(rng, 300, 20, shift=0.1)
    # One subset of every sample: both estimates are then the full-sample unbiased MMD².
    reference = kid_features_to_metric(
        torch.from_numpy(real), torch.from_numpy(generated),
        kid_subsets=1, kid_subset_size=300, verbose=False,
    )["kernel_inception_distance_mean"]
    ours = features_to_kid(real, generated, subsets=1, subset_size=300)
    assert ours.mean == pytest.approx(reference, rel=1e-6)
    assert ours.std == 0.0


def test_kid_subsets_mean_and_std():
    rng = np.random.default_rng(11)
    real = correlated_features(rng, 400, 10)
    generated = correlated_features(rng, 500, 10, shift=0.5)
    result = features_to_kid(real, generated, subsets=5, subset_size=100, seed=3)

    draws = np.random.default_rng(3)
    values = []
    for _ in range(5):
        x = real[draws.choice(400, 100, replace=False)]
        y = generated[draws.choice(500, 100, replace=False)]
        values.append(unbiased_mmd2(torch.from_numpy(x), torch.from_numpy(y)))
    assert result.mean == pytest.approx(np.mean(values), rel=1e-12)
    assert result.std == pytest.approx(np.std(values), rel=1e-12)
    assert result.mean > 0


def test_kid_large_subset_clamped_with_warning():
    rng = np.random.default_rng(12)
    real = rng.normal(size=(50, 4))
    generated = rng.normal(size=(80, 4))
    with pytest.warns(SubsetSizeWarning, match="using subsets of 50"):
        result = features_to_kid(real, generated, subsets=3, subset_size=1000)
    assert result.subset_size == 50


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("counts", [(300, 300), (200, 450), (1500, 1200)])
def test_prdc_matches_package(k, counts):
    import prdc

    rng = np.random.default_rng(k * 1000 + counts[0])
    real = correlated_features(rng, counts[0], 12)
    generated = correlated_features(rng, counts[1], 12, shift=0.2, scale=0.9)
    ours = features_to_prdc(real, generated, k=k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = prdc.compute_prdc(real, generated, nearest_k=k)
    for name in ("precision", "recall", "density", "coverage"):
        assert abs(getattr(ours, name) - float(reference[name])) <= 1e-6, name


def test_prdc_collapsed_generator_scores_low_recall():
    rng = np.random.default_rng(13)
    real = rng.normal(size=(1000, 8))
    collapsed = real[0] + 0.01 * rng.normal(size=(1000, 8))
    result = features_to_prdc(real, collapsed, k=5)
    assert result.precision > 0.9       # every sample is realistic ...
    assert result.recall < 0.02         # ... but the real data is barely reached
    assert result.coverage < 0.02
    swapped = features_to_prdc(collapsed, real, k=5)
    assert swapped.precision < 0.05     # roles matter: the metric is not symmetric


def test_prdc_identical_sets():
    rng = np.random.default_rng(14)
    features = rng.normal(size=(500, 6))
    result = features_to_prdc(features, features, k=5)
    assert result.precision == 1.0
    assert result.recall == 1.0
    assert result.coverage == 1.0


def test_uniform_mode_coverage_by_hand():
    predicted = np.array([0, 0, 1, 999, 999, 999])
    result = uniform_mode_coverage(predicted, 1000)
    assert result.modes_covered == 3
    p = np.array([2, 1, 3]) / 6
    assert result.mode_kl == pytest.approx(float(np.sum(p * np.log(p * 1000))))
    with pytest.raises(ValueError):
        uniform_mode_coverage(np.array([1000]), 1000)
