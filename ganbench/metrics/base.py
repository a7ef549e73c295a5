"""The metric contract and the evaluation context every metric reads from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from ganbench.data.base import Dataset, DatasetSpec
from ganbench.metrics.features import FeatureExtractor
from ganbench.models.family import GAN


@dataclass
class Evaluation:
    """Generated samples of one run and lazily computed features.

    ``samples`` are generated in evaluation mode with a seed derived from the run's seed;
    ``labels`` are the labels they were conditioned on (``None`` for unconditional models).
    ``masks`` maps qualified weight names to the run's bool masks (empty for dense runs).
    """

    dataset: Dataset
    spec: DatasetSpec
    gan: GAN
    samples: torch.Tensor
    labels: torch.Tensor | None
    extractor: FeatureExtractor
    masks: dict[str, torch.Tensor] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def generated_features(self) -> np.ndarray:
        """Return features of the generated samples, float64 (N, D)."""
        return self._generated()[0]

    def reference_features(self) -> np.ndarray:
        """Return features of the real reference samples (the training split), float64.

        They are computed once per process for each dataset and feature extractor, because
        every run of a sweep compares with the same reference.
        """
        return reference_features(self.dataset, self.extractor)

    def generated_predictions(self) -> np.ndarray:
        """Return the class the dataset's classifier predicts for each generated sample."""
        predictions = self._generated()[1]
        if predictions is None:
            raise ValueError(f"feature extractor {self.extractor.name!r} does not predict classes")
        return predictions

    def _generated(self) -> tuple[np.ndarray, np.ndarray | None]:
        if "generated" not in self._cache:
            self._cache["generated"] = self.extractor.extract(self.samples)
        return self._cache["generated"]


_REFERENCE_CACHE: dict[tuple[str, str], tuple[Dataset, np.ndarray]] = {}


def reference_features(dataset: Dataset, extractor: FeatureExtractor) -> np.ndarray:
    """Return (and cache) the extractor's features of ``dataset.train``, float64 (N, D).

    The cache is keyed by the dataset's name and the extractor's fingerprint and is used only
    for the very same dataset object (datasets are loaded once per process and never
    modified); it keeps the last ``REFERENCE_CACHE_SIZE`` entries.
    """
    key = (dataset.name, extractor.fingerprint())
    cached = _REFERENCE_CACHE.get(key)
    if cached is not None and cached[0] is dataset:
        return cached[1]
    _REFERENCE_CACHE.pop(key, None)
    if len(_REFERENCE_CACHE) >= REFERENCE_CACHE_SIZE:
        _REFERENCE_CACHE.pop(next(iter(_REFERENCE_CACHE)))
    features = extractor.features(dataset.train)
    features.setflags(write=False)
    _REFERENCE_CACHE[key] = (dataset, features)
    return features


REFERENCE_CACHE_SIZE = 4


class Metric(ABC):
    """A metric computed for every run of every dataset it applies to.

    ``columns`` maps each result column the metric fills to a one-line description.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    columns: ClassVar[dict[str, str]] = {}

    def applies_to(self, spec: DatasetSpec) -> bool:
        """Whether this metric is computed for runs on ``spec``; default: every dataset."""
        return True

    @abstractmethod
    def compute(self, evaluation: Evaluation) -> dict[str, float | int]:
        """Return a value for every column in ``columns``."""
