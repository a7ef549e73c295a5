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
        if "generated" not in self._cache:
            self._cache["generated"] = self.extractor.features(self.samples)
        return self._cache["generated"]

    def reference_features(self) -> np.ndarray:
        """Return features of the real reference samples (the training split), float64."""
        if "reference" not in self._cache:
            self._cache["reference"] = self.extractor.features(self.dataset.train)
        return self._cache["reference"]

    def generated_predictions(self) -> np.ndarray:
        """Return the class the dataset's classifier predicts for each generated sample."""
        if "predictions" not in self._cache:
            self._cache["predictions"] = self.extractor.predict(self.samples)
        return self._cache["predictions"]


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
