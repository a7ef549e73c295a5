"""The classifier whose features and predictions evaluate GANs trained on ``digits``.

A small convolutional network for 1 × 8 × 8 images in [-1, 1]. Its 64-dimensional
penultimate pre-activations are the FID features; its predictions give class coverage. Weights
are trained by ``scripts/train_digits_classifier.py`` on the training split only, and the
held-out accuracy is recorded in ``ganbench/assets/digits-classifier.json``.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ganbench.metrics.features import ClassifierFeatures, load_classifier

NAME = "digits-classifier"
FEATURE_DIM = 64


class DigitsClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, FEATURE_DIM),
        )
        self.dropout = nn.Dropout(0.3)
        self.output = nn.Linear(FEATURE_DIM, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the penultimate layer's pre-activations, shape (N, 64).

        Pre-activations rather than ReLU outputs, because units that are never active would
        give constant features and a singular covariance.
        """
        return self.body(x)

    def classify(self, features: torch.Tensor) -> torch.Tensor:
        """Return class logits, shape (N, 10), from penultimate pre-activations."""
        return self.output(self.dropout(torch.relu(features)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x))


@functools.lru_cache(maxsize=1)
def load_digits_classifier() -> ClassifierFeatures:
    """Return the shipped digits classifier as a feature extractor (loaded once)."""
    return load_classifier(NAME, DigitsClassifier())
