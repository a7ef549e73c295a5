"""Feature extraction: batch-size invariance, determinism, per-channel Stacked MNIST features."""

import numpy as np
import pytest
import torch

from ganbench.metrics.features import ClassifierFeatures
from ganbench.metrics.mnist_classifier import load_mnist_classifier, load_stacked_mnist_classifier


@pytest.fixture(scope="module")
def digits(registry):
    return registry.dataset("mnist-5k").load().heldout[:300]


@pytest.mark.parametrize("batch_size", [1, 7, 64, 4096])
def test_features_batch_size_invariant(digits, batch_size):
    shipped = load_mnist_classifier()
    reference_features, reference_predictions = shipped.extract(digits)
    other = ClassifierFeatures(shipped.name, shipped.network, shipped.weights_sha256, batch_size)
    features, predictions = other.extract(digits)
    np.testing.assert_allclose(features, reference_features, rtol=1e-5, atol=1e-5)
    assert np.array_equal(predictions, reference_predictions)


def test_features_deterministic(digits):
    extractor = load_mnist_classifier()
    first = extractor.extract(digits)
    second = extractor.extract(digits)
    assert np.array_equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[0].dtype == np.float64
    assert first[0].shape == (300, 84)


def test_features_do_not_depend_on_neighbours(digits):
    """A sample's features are the same alone and inside a batch (evaluation mode)."""
    extractor = load_mnist_classifier()
    batch = extractor.features(digits[:50])
    alone = extractor.features(digits[10:11])
    np.testing.assert_allclose(alone[0], batch[10], rtol=1e-5, atol=1e-5)


def test_channelwise_features_concatenate_channels(digits):
    base = load_mnist_classifier()
    stacked = torch.cat([digits[:100], digits[100:200], digits[200:300]], dim=1)
    features, modes = load_stacked_mnist_classifier().extract(stacked)
    parts = [base.extract(stacked[:, channel : channel + 1]) for channel in range(3)]
    np.testing.assert_allclose(features, np.concatenate([part[0] for part in parts], axis=1), rtol=1e-6)
    expected = parts[0][1] * 100 + parts[1][1] * 10 + parts[2][1]
    assert np.array_equal(modes, expected)


def test_stacked_modes_match_labels(registry):
    data = registry.dataset("stacked-mnist-5k").load()
    predicted = load_stacked_mnist_classifier().predict(data.heldout[:2000])
    accuracy = float((torch.from_numpy(predicted) == data.heldout_labels[:2000]).double().mean())
    # Three digits right at about 98 % each: about 0.94; 0.9 leaves room for sampling noise.
    assert accuracy > 0.9


def test_cached_metrics_match_direct_computation(registry):
    """KID and PRDC reuse reference terms across runs; the values equal a fresh computation."""
    from ganbench.defaults import architecture
    from ganbench.metrics.base import reference_features
    from ganbench.metrics.builtin import KID_SEED, KID_SUBSETS, prdc_inputs
    from ganbench.metrics.evaluate import EVAL_SEED_OFFSET, evaluate
    from ganbench.metrics.kid import features_to_kid
    from ganbench.metrics.prdc import features_to_prdc
    from ganbench.settings import EvalSettings

    spec = registry.dataset("mnist-5k")
    data = spec.load()
    torch.manual_seed(0)
    gan = registry.model("dcgan").build(spec, architecture("mnist"))
    metrics = {name: registry.metrics()[name] for name in ("kid", "prdc")}
    settings = EvalSettings(samples=1500)
    first = evaluate(gan, spec, data, metrics, settings, seed=3)
    second = evaluate(gan, spec, data, metrics, settings, seed=3)
    assert first == second

    rng = torch.Generator().manual_seed(3 + EVAL_SEED_OFFSET)
    samples, _ = gan.generate(1500, rng, data.class_frequencies())
    generated = load_mnist_classifier().features(samples)
    reference = np.array(reference_features(data, load_mnist_classifier()))  # a writable copy
    kid = features_to_kid(reference, generated, KID_SUBSETS, 1000, seed=KID_SEED)
    assert first["kid"] == kid.mean
    assert first["kid_std"] == kid.std
    prdc = features_to_prdc(*prdc_inputs(reference, generated))
    assert first["precision"] == prdc.precision
    assert first["recall"] == prdc.recall
    assert first["density"] == prdc.density
    assert first["coverage"] == prdc.coverage
