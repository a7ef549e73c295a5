"""Metrics on the default number of evaluation samples (2,500)."""

import numpy as np
import torch

from ganbench import defaults
from ganbench.metrics.evaluate import feature_extractor
from ganbench.metrics.fid import features_to_fid
from ganbench.metrics.mode_coverage import class_coverage, mixture_coverage

SAMPLES = defaults.evaluation("image").samples


def test_fid_digits_features(benchmark, registry):
    spec = registry.dataset("digits")
    dataset, extractor = spec.load(), feature_extractor(spec)
    real = extractor.features(dataset.train)
    generated = extractor.features(dataset.heldout.repeat(8, 1, 1, 1)[:SAMPLES])
    assert benchmark(features_to_fid, real, generated) > 0


def test_digits_feature_extraction(benchmark, registry):
    spec = registry.dataset("digits")
    images = spec.load().train.repeat(2, 1, 1, 1)[:SAMPLES]
    features = benchmark(feature_extractor(spec).features, images)
    assert features.shape[0] == SAMPLES


def test_mixture_coverage(benchmark, registry):
    dataset = registry.dataset("grid25").load()
    samples = dataset.train[:SAMPLES].double().numpy()
    centers = dataset.mode_centers.double().numpy()
    coverage = benchmark(mixture_coverage, samples, centers, dataset.mode_std)
    assert coverage.modes_covered == 25


def test_class_coverage(benchmark):
    rng = np.random.default_rng(0)
    predicted = rng.integers(0, 10, SAMPLES)
    coverage = benchmark(class_coverage, predicted, np.full(10, 0.1))
    assert coverage.modes_covered == 10


def test_fid_two_dimensional(benchmark, registry):
    dataset = registry.dataset("ring8").load()
    generated = dataset.train[:SAMPLES] + 0.01 * torch.randn(SAMPLES, 2, generator=torch.Generator().manual_seed(0))
    fid = benchmark(features_to_fid, dataset.train.double().numpy(), generated.double().numpy())
    assert fid > 0
