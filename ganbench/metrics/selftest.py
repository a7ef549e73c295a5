"""The metric self-test: recompute metrics on fixed inputs and compare with committed values.

A new numerical library (torch, NumPy, SciPy) or a changed feature network can shift FID
and the other metrics. Before a sweep records anything, the runner recomputes

* every built-in metric on fixed float64 feature arrays drawn from a seeded generator, and
* the features of each shipped feature network on fixed seeded images,

and compares them with ``ganbench/assets/metric-selftest.json``. Metric values may differ by
``METRIC_TOLERANCE`` (relative), feature summaries, which pass through float32 networks, by
``FEATURE_TOLERANCE``; anything more stops the sweep with ``SelfTestFailed``. The reference
file is written by ``scripts/compute_metric_selftest.py``.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from pathlib import Path

import numpy as np
import torch

from ganbench.errors import SelfTestFailed
from ganbench.metrics.features import FeatureExtractor, asset_path
from ganbench.metrics.fid import features_to_fid
from ganbench.metrics.kid import features_to_kid
from ganbench.metrics.mode_coverage import class_coverage, mixture_coverage, uniform_mode_coverage
from ganbench.metrics.prdc import features_to_prdc
from ganbench.metrics.protocol import library_versions

logger = logging.getLogger(__name__)

REFERENCE_FILE = "metric-selftest.json"
SEED = 20_240_601
METRIC_TOLERANCE = 1e-9
FEATURE_TOLERANCE = 1e-5
IMAGES_PER_SET = 512


def fixed_features() -> tuple[np.ndarray, np.ndarray]:
    """Return fixed (real, generated) float64 feature arrays of shapes (600, 16) and (500, 16)."""
    rng = np.random.default_rng(SEED)
    real = rng.normal(size=(600, 16))
    generated = 0.8 * rng.normal(size=(500, 16)) @ np.diag(np.linspace(0.5, 1.5, 16)) + 0.25
    return real, generated


def metric_values() -> dict[str, float]:
    """Return every built-in metric computed on the fixed inputs."""
    real, generated = fixed_features()
    kid = features_to_kid(real, generated, subsets=20, subset_size=200, seed=0)
    prdc = features_to_prdc(real, generated, k=5)
    rng = np.random.default_rng(SEED + 1)
    centers = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    points = centers[rng.integers(0, 6, 400)] + 0.02 * rng.normal(size=(400, 2))
    mixture = mixture_coverage(points, centers, 0.01)
    classes = class_coverage(rng.integers(0, 10, 1000) % 9, np.full(10, 0.1))
    stacked = uniform_mode_coverage(rng.integers(0, 1000, 2600), 1000)
    return {
        "fid": features_to_fid(real, generated),
        "kid": kid.mean,
        "kid_std": kid.std,
        "precision": prdc.precision,
        "recall": prdc.recall,
        "density": prdc.density,
        "coverage": prdc.coverage,
        "mixture_high_quality_share": mixture.high_quality_share,
        "mixture_mode_kl": mixture.mode_kl,
        "class_mode_kl": classes.mode_kl,
        "stacked_modes_covered": float(stacked.modes_covered),
        "stacked_mode_kl": stacked.mode_kl,
    }


def fixed_images(sample_shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Return ``IMAGES_PER_SET`` seeded images in [-1, 1]: smooth blobs plus noise."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(IMAGES_PER_SET, sample_shape[0], 7, 7, generator=generator)
    smooth = torch.nn.functional.interpolate(coarse, size=sample_shape[1:], mode="bilinear", align_corners=False)
    noise = torch.rand(IMAGES_PER_SET, *sample_shape, generator=generator)
    return (0.8 * smooth + 0.2 * noise) * 2.0 - 1.0


def feature_values(extractor: FeatureExtractor, sample_shape: tuple[int, ...]) -> dict[str, float]:
    """Return summaries of the extractor's features of two fixed image sets, and their FID."""
    first = extractor.features(fixed_images(sample_shape, SEED))
    second = extractor.features(fixed_images(sample_shape, SEED + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fid = features_to_fid(first, second)
    return {
        "feature_mean": float(first.mean()),
        "feature_mean_square": float((first**2).mean()),
        "fid": fid,
    }


def load_reference(path: Path | None = None) -> dict:
    path = path or asset_path(REFERENCE_FILE)
    if not path.exists():
        raise SelfTestFailed(
            f"metric self-test reference {path} is missing; create it with: "
            "python scripts/compute_metric_selftest.py"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def run_self_test(extractors: dict[str, tuple[FeatureExtractor, tuple[int, ...]]], path: Path | None = None) -> None:
    """Recompute the fixed metrics and the features of ``extractors``; raise on any difference.

    ``extractors`` maps fingerprints to (extractor, sample shape). Extractors without
    committed values (for example Inception weights the user supplied) are skipped with a
    log line. Raises ``SelfTestFailed`` listing every value outside its tolerance.
    """
    reference = load_reference(path)
    failures = _compare("metric", reference["metrics"], metric_values(), METRIC_TOLERANCE)
    checked, skipped = 0, []
    for fingerprint, (extractor, shape) in sorted(extractors.items()):
        expected = reference["features"].get(fingerprint)
        if expected is None:
            skipped.append(fingerprint)
            continue
        failures += _compare(fingerprint, expected, feature_values(extractor, shape), FEATURE_TOLERANCE)
        checked += 1
    if failures:
        raise SelfTestFailed(
            "metric self-test failed, so the sweep was stopped before recording anything: "
            + "; ".join(failures)
            + f". Reference computed with {reference.get('libraries')}, now {library_versions()}. "
            "If the change is expected (a new library version), review it, then recompute the "
            "reference with: python scripts/compute_metric_selftest.py"
        )
    unchecked = f"; without committed values, not checked: {', '.join(skipped)}" if skipped else ""
    logger.info("metric self-test passed (fixed metric values and %d feature network(s) checked%s)",
                checked, unchecked)


def _compare(scope: str, expected: dict, actual: dict, tolerance: float) -> list[str]:
    failures = []
    for name, value in expected.items():
        got = actual.get(name)
        if got is None or not math.isclose(got, value, rel_tol=tolerance, abs_tol=tolerance * 1e-3):
            failures.append(f"{scope} {name} is {got!r}, committed {value!r} (relative tolerance {tolerance:g})")
    return failures
