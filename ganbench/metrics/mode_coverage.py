"""Mode coverage of generated samples, for mixtures and for labelled images.

Mixtures follow the protocol of VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al.,
2018): every sample is assigned to its nearest mode centre; it is *high-quality* when it lies
within ``HIGH_QUALITY_STDS`` standard deviations of that centre; a mode is *covered* when it
receives at least one high-quality sample.

For labelled images the modes are the classes that the dataset's classifier predicts: a class
is covered when it receives at least ``CLASS_COVERAGE_SHARE`` of the number of samples that the
data's class frequencies lead one to expect.

Stacked MNIST (three digits as the channels of one image) has 1,000 equally likely modes,
the digit triples predicted by the classifier applied to each channel. As in VEEGAN and
PacGAN, a mode is covered when at least ``STACKED_MIN_COUNT`` (one) sample is predicted as it,
and the KL divergence is taken from the uniform distribution over the 1,000 modes; the
protocol uses 26,000 generated samples (``ganbench.data.stacked_mnist.EVAL_SAMPLES``).

All report the KL divergence KL(p_gen ‖ p_ref) of the histogram of assigned modes (all
samples) from the reference distribution: uniform for mixtures, the training split's class
frequencies for labelled images, uniform for Stacked MNIST. Empty generated bins contribute 0
(0 · log 0 = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIGH_QUALITY_STDS = 3.0
CLASS_COVERAGE_SHARE = 0.1
STACKED_MIN_COUNT = 1


@dataclass(frozen=True)
class ModeCoverage:
    modes_covered: int
    modes_total: int
    high_quality_share: float
    mode_kl: float


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Return KL(p ‖ q) in nats for probability vectors; q must be positive where p is."""
    p = np.asarray(p, np.float64)
    q = np.asarray(q, np.float64)
    support = p > 0
    if np.any(q[support] <= 0):
        raise ValueError("KL(p || q) is infinite: q is zero where p is positive")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def mixture_coverage(samples: np.ndarray, centers: np.ndarray, std: float) -> ModeCoverage:
    """Return the coverage of an isotropic Gaussian mixture by (N, D) ``samples``."""
    samples = np.asarray(samples, np.float64)
    centers = np.asarray(centers, np.float64)
    distances = np.sqrt(((samples[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= HIGH_QUALITY_STDS * std
    modes = len(centers)
    covered = np.unique(nearest[high_quality]).size
    histogram = np.bincount(nearest, minlength=modes) / len(samples)
    return ModeCoverage(
        modes_covered=int(covered),
        modes_total=modes,
        high_quality_share=float(high_quality.mean()),
        mode_kl=kl_divergence(histogram, np.full(modes, 1.0 / modes)),
    )


def class_coverage(predicted: np.ndarray, frequencies: np.ndarray) -> ModeCoverage:
    """Return the class coverage of samples whose predicted classes are ``predicted``.

    ``frequencies`` are the data's class frequencies, positive and summing to 1. The
    high-quality share is not defined for classes and is NaN.
    """
    frequencies = np.asarray(frequencies, np.float64)
    classes = len(frequencies)
    counts = np.bincount(np.asarray(predicted), minlength=classes)
    expected = frequencies * len(predicted)
    covered = int(np.sum(counts >= CLASS_COVERAGE_SHARE * expected))
    return ModeCoverage(
        modes_covered=covered,
        modes_total=classes,
        high_quality_share=float("nan"),
        mode_kl=kl_divergence(counts / len(predicted), frequencies),
    )


def uniform_mode_coverage(predicted: np.ndarray, modes: int) -> ModeCoverage:
    """Return the coverage of ``modes`` equally likely modes by predicted mode indices.

    A mode is covered when at least ``STACKED_MIN_COUNT`` samples are predicted as it; the KL
    divergence is of the predicted-mode histogram from uniform. The high-quality share is not
    defined and is NaN.
    """
    predicted = np.asarray(predicted)
    if predicted.size and (predicted.min() < 0 or predicted.max() >= modes):
        raise ValueError(f"predicted modes must lie in 0..{modes - 1}, got {predicted.min()}..{predicted.max()}")
    counts = np.bincount(predicted, minlength=modes)
    return ModeCoverage(
        modes_covered=int(np.sum(counts >= STACKED_MIN_COUNT)),
        modes_total=modes,
        high_quality_share=float("nan"),
        mode_kl=kl_divergence(counts / len(predicted), np.full(modes, 1.0 / modes)),
    )
