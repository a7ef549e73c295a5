"""Evaluating one trained (and possibly pruned) GAN with every applicable metric."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import torch

from ganbench.data.base import Dataset, DatasetSpec
from ganbench.errors import PluginError, UsageError
from ganbench.metrics.base import Evaluation, Metric
from ganbench.metrics.features import CoordinateFeatures, FeatureExtractor
from ganbench.metrics.inception import inception_weights_path, load_inception_features
from ganbench.models.family import GAN
from ganbench.settings import EvalSettings

# Evaluation samples use their own stream so that they do not depend on how many random
# numbers training consumed.
EVAL_SEED_OFFSET = 1_000_003


FEATURE_CHOICES = ("dataset", "inception")


def feature_extractor(spec: DatasetSpec, settings: EvalSettings | None = None) -> FeatureExtractor:
    """Return the feature extractor that ``settings.features`` selects for ``spec``.

    ``"dataset"`` (the default) is the extractor the dataset declares, or raw coordinates;
    ``"inception"`` loads the FID Inception network from ``GANBENCH_INCEPTION_WEIGHTS``.
    """
    choice = settings.features if settings is not None else "dataset"
    if choice == "inception":
        return _inception_features(str(inception_weights_path()))
    if choice != "dataset":
        raise UsageError(f"unknown features {choice!r}; valid choices are: {', '.join(FEATURE_CHOICES)}")
    return spec.features() if spec.features is not None else CoordinateFeatures()


@functools.lru_cache(maxsize=1)
def _inception_features(path: str) -> FeatureExtractor:
    return load_inception_features(Path(path))


def evaluate(
    gan: GAN,
    spec: DatasetSpec,
    dataset: Dataset,
    metrics: dict[str, tuple[Metric, str]],
    settings: EvalSettings,
    seed: int,
    masks: dict[str, torch.Tensor] | None = None,
) -> dict[str, float | int]:
    """Generate ``settings.samples`` samples and compute every metric that applies.

    ``metrics`` maps metric names to (metric, providing plugin). Returns the merged columns of
    all metrics. Raises ``PluginError`` naming the metric's plugin when a metric raises or
    returns columns other than those it declares.
    """
    rng = torch.Generator().manual_seed(seed + EVAL_SEED_OFFSET)
    samples, labels = gan.generate(settings.samples, rng, dataset.class_frequencies())
    evaluation = Evaluation(
        dataset=dataset,
        spec=spec,
        gan=gan,
        samples=samples.cpu(),
        labels=None if labels is None else labels.cpu(),
        extractor=feature_extractor(spec, settings),
        masks=masks or {},
    )
    row: dict[str, float | int] = {}
    for name, (metric, plugin) in metrics.items():
        if not metric.applies_to(spec):
            continue
        try:
            values = metric.compute(evaluation)
        except Exception as error:
            raise PluginError(plugin, f"metric {name!r} raised {type(error).__name__}: {error}") from error
        if set(values) != set(metric.columns):
            raise PluginError(
                plugin,
                f"metric {name!r} returned columns {sorted(values)}, "
                f"but declares {sorted(metric.columns)}",
            )
        for column, value in values.items():
            if isinstance(value, float) and math.isinf(value):
                raise PluginError(plugin, f"metric {name!r} returned {value} for {column!r}")
        row.update(values)
    return row
