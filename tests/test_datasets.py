"""Datasets: documented parameters, declared shapes, a fixed stratified split."""

import math

import numpy as np
import pytest
import torch


def test_ring8_parameters(registry):
    data = registry.dataset("ring8").load()
    centers = data.mode_centers
    assert centers.shape == (8, 2)
    torch.testing.assert_close(centers.norm(dim=1), torch.ones(8))
    angles = torch.atan2(centers[:, 1], centers[:, 0]) % (2 * math.pi)
    torch.testing.assert_close(angles.sort().values, torch.arange(8) * (2 * math.pi / 8), atol=1e-6, rtol=0)
    assert data.mode_std == 0.01
    residual = data.train - centers[data.train_labels]
    assert residual.std().item() == pytest.approx(0.01, rel=0.03)


def test_grid25_parameters(registry):
    data = registry.dataset("grid25").load()
    assert sorted(set(data.mode_centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in data.mode_centers.tolist()}) == 25
    residual = data.train - data.mode_centers[data.train_labels]
    assert residual.std().item() == pytest.approx(0.05, rel=0.03)
    counts = torch.bincount(data.train_labels, minlength=25).double()
    assert counts.min() / counts.max() > 0.8


def test_digits_split_is_fixed_and_stratified(registry):
    data = registry.dataset("digits").load()
    assert len(data.train) == 1437
    assert len(data.heldout) == 360
    assert data.train.min() >= -1
    assert data.train.max() <= 1
    from ganbench.data.digits import split_digits

    again = split_digits()
    np.testing.assert_array_equal(again[0], data.train.numpy())
    heldout_counts = torch.bincount(data.heldout_labels, minlength=10)
    assert heldout_counts.min() >= 35
    assert heldout_counts.max() <= 37


@pytest.mark.parametrize("name", ["ring8", "grid25", "digits"])
def test_declared_shape_and_classes(registry, name):
    spec = registry.dataset(name)
    data = spec.load()
    assert data.sample_shape == spec.sample_shape
    assert data.num_classes == spec.num_classes
    assert int(data.train_labels.max()) == spec.num_classes - 1
    assert data.class_frequencies().sum().item() == pytest.approx(1.0)
