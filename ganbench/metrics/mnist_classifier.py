"""The LeNet-style classifier whose features and predictions evaluate GANs on MNIST data.

``MnistLeNet`` follows LeNet-5 (LeCun et al., 1998) for 1 × 28 × 28 images in [-1, 1]: two
5 × 5 convolutions with 6 and 16 channels, each followed by 2 × 2 max pooling and ReLU, then
fully connected layers of 120 and 84 units and 10 outputs. Pooling comes before ReLU (the two
commute) and the first convolution is unpadded, which halves the cost of feature extraction.
The 84 pre-activations of the penultimate layer are the features of FID, KID and
precision/recall/density/coverage; its predictions give class coverage.

Weights are trained by ``scripts/train_mnist_classifier.py`` on the training split of
``mnist-5k`` only; the held-out accuracy is recorded in ``ganbench/assets/mnist-lenet.json``.
Stacked MNIST applies the same network to each of its three channels.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from ganbench.metrics.features import ClassifierFeatures, FeatureExtractor, load_classifier

NAME = "mnist-lenet"
FEATURE_DIM = 84


class MnistLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Conv2d(6, 16, 5),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),
            nn.ReLU(),
            nn.Linear(120, FEATURE_DIM),
        )
        self.output = nn.Linear(FEATURE_DIM, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the penultimate layer's pre-activations, shape (N, 84).

        Pre-activations rather than ReLU outputs, because units that are never active would
        give constant features and a singular covariance.
        """
        return self.body(x)

    def classify(self, features: torch.Tensor) -> torch.Tensor:
        """Return class logits, shape (N, 10), from penultimate pre-activations."""
        return self.output(torch.relu(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x))


class ChannelwiseFeatures(FeatureExtractor):
    """Apply a single-channel classifier to every channel of multi-channel images.

    Features are the per-channel features concatenated in channel order (3 × 84 = 252 for
    Stacked MNIST). The predicted mode of an image with per-channel predictions
    (c₀, c₁, …) is the number whose base-``classes`` digits they are: 100·c₀ + 10·c₁ + c₂.
    """

    def __init__(self, base: ClassifierFeatures, channels: int, classes: int = 10):
        self.base = base
        self.channels = channels
        self.classes = classes
        self.name = f"channelwise-{base.name}"

    def features(self, samples: torch.Tensor) -> np.ndarray:
        return self.extract(samples)[0]

    def predict(self, samples: torch.Tensor) -> np.ndarray:
        return self.extract(samples)[1]

    def extract(self, samples: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.base.extract(samples[:, channel : channel + 1]) for channel in range(self.channels)]
        modes = np.zeros(len(samples), dtype=np.int64)
        for _, predictions in parts:
            modes = modes * self.classes + predictions
        return np.concatenate([features for features, _ in parts], axis=1), modes

    def fingerprint(self) -> str:
        return f"channelwise-{self.base.fingerprint()}"

    def to(self, device: str) -> "ChannelwiseFeatures":
        self.base.to(device)
        return self


@functools.lru_cache(maxsize=1)
def load_mnist_classifier() -> ClassifierFeatures:
    """Return the shipped MNIST LeNet as a feature extractor (loaded once)."""
    return load_classifier(NAME, MnistLeNet(), batch_size=256)


@functools.lru_cache(maxsize=1)
def load_stacked_mnist_classifier() -> ChannelwiseFeatures:
    """Return the MNIST LeNet applied per channel of 3-channel Stacked MNIST images."""
    return ChannelwiseFeatures(load_mnist_classifier(), channels=3)
