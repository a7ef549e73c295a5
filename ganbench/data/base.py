"""The dataset contract shared by every built-in and plugin dataset."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import torch

DatasetKind = Literal["mixture", "image"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Loaded samples of one dataset, split into a training and a held-out part.

    Samples are float32 tensors of shape ``(N, *sample_shape)``. Mixture samples are raw
    coordinates; image samples are scaled to [-1, 1], the range of a tanh generator. Labels
    are int64 class indices (the mode index for mixtures) in ``range(num_classes)``.
    """

    name: str
    kind: DatasetKind
    train: torch.Tensor
    train_labels: torch.Tensor
    heldout: torch.Tensor
    heldout_labels: torch.Tensor
    num_classes: int
    mode_centers: torch.Tensor | None = None
    mode_std: float | None = None

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.train.shape[1:])

    def class_frequencies(self) -> torch.Tensor:
        """Return the share of each class in the training split, float64, summing to 1."""
        counts = torch.bincount(self.train_labels, minlength=self.num_classes).double()
        return counts / counts.sum()


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: its declared shape and classes, a loader and a feature extractor.

    ``features`` returns the ``ganbench.metrics.features.FeatureExtractor`` that metrics use
    for this dataset; ``None`` means the raw coordinates of the samples.

    ``load`` must return the same samples every time it is called in any process: the
    training/held-out split and any sampling are seeded by the dataset itself, never by the
    run's seed, so that every run of a suite sees the same data.
    """

    name: str
    kind: DatasetKind
    sample_shape: tuple[int, ...]
    num_classes: int
    description: str
    loader: Callable[[], Dataset] = field(repr=False, compare=False)
    features: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    def load(self) -> Dataset:
        return _load_cached(self)


@functools.lru_cache(maxsize=8)
def _load_cached(spec: DatasetSpec) -> Dataset:
    dataset = spec.loader()
    if dataset.sample_shape != spec.sample_shape:
        raise ValueError(
            f"dataset {spec.name!r} declares sample shape {spec.sample_shape} but its loader "
            f"returned samples of shape {dataset.sample_shape}; fix the declaration or the loader"
        )
    return dataset
