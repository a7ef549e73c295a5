"""Mode and class coverage on samples whose coverage is known by construction."""

import math

import numpy as np
import pytest

from ganbench.data.mixtures import grid_centers, ring_centers
from ganbench.metrics.mode_coverage import class_coverage, kl_divergence, mixture_coverage


def test_samples_on_three_modes():
    centers = ring_centers(8).numpy()
    # 30 samples exactly on modes 0, 1, 2 and 10 far from every mode (at the origin).
    samples = np.concatenate([np.repeat(centers[:3], 10, axis=0), np.zeros((10, 2))])
    result = mixture_coverage(samples, centers, std=0.01)
    assert result.modes_covered == 3
    assert result.modes_total == 8
    assert result.high_quality_share == pytest.approx(30 / 40)


def test_high_quality_radius_is_three_std():
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.029, 0.0], [0.031, 0.0]])
    result = mixture_coverage(samples, centers, std=0.01)
    assert result.high_quality_share == pytest.approx(0.5)
    assert result.modes_covered == 1


def test_mode_kl_matches_hand_value():
    centers = grid_centers().numpy()
    # Half of the samples on mode 0, half on mode 1: KL(p || U25) = log(25 / 2).
    samples = np.concatenate([np.repeat(centers[:1], 50, axis=0), np.repeat(centers[1:2], 50, axis=0)])
    result = mixture_coverage(samples, centers, std=0.05)
    assert result.mode_kl == pytest.approx(math.log(25 / 2))


def test_uniform_samples_have_zero_kl():
    centers = ring_centers(8).numpy()
    result = mixture_coverage(np.repeat(centers, 5, axis=0), centers, std=0.01)
    assert result.mode_kl == pytest.approx(0.0, abs=1e-12)
    assert result.modes_covered == 8


def test_class_coverage_threshold_and_kl():
    """A class is covered from 10 % of its expected count; KL is of generated from data."""
    frequencies = np.full(10, 0.1)
    # 1,000 samples: classes 0-8 get 111 each, class 9 gets 1 (< 10 % of the expected 100).
    predicted = np.concatenate([np.repeat(np.arange(9), 111), np.full(1, 9)])
    result = class_coverage(predicted, frequencies)
    assert result.modes_covered == 9
    assert math.isnan(result.high_quality_share)
    p = np.array([0.111] * 9 + [0.001])
    assert result.mode_kl == pytest.approx(float(np.sum(p * np.log(p / 0.1))))


def test_kl_rejects_zero_reference():
    with pytest.raises(ValueError):
        kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
