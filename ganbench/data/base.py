"""The dataset contract shared by every built-in and plugin dataset."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import torch

# "mixture": 2-D vectors; "image": small images such as 8 x 8 digits; "mnist": 28 x 28 images
# with one or three channels. Default settings are chosen per kind (ganbench.defaults).
DatasetKind = Literal["mixture", "image", "mnist"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Loaded samples of one dataset, split into a training and a held-out part.

    Samples are float32 tensors of shape ``(N, *sample_shape)``. Mixture samples are raw
    coordinates; image samples are scaled to [-1, 1], the range of a tanh generator. Labels
    are int64 class indices (the mode index for mixtures) in ``range(num_classes)``.

    ``modes_uniform`` marks data whose classes are equally likely by construction (Stacked
    MNIST's 1,000 digit triples): mode coverage then counts every mode with at least one
    sample and measures KL divergence from the uniform distribution.
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
    modes_uniform: bool = False

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

    ``download`` fetches the data into the data directory (``ganbench run --download``); it
    is ``None`` for data that ships with an installed package or is generated.
    ``classifier_predicts_classes`` is false when the feature extractor's predictions are not
    this dataset's classes (Fashion-MNIST evaluated with the MNIST classifier), so class
    coverage is not computed. ``eval_samples`` overrides the default number of generated
    samples that metrics use, for datasets whose protocol fixes it.

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
    download: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    classifier_predicts_classes: bool = True
    eval_samples: int | None = None

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
