"""Feature extractors: what FID and mode coverage compare.

Vector data (the 2-D mixtures) is compared on its raw coordinates. Image datasets name a
classifier network that ganbench ships; FID uses its penultimate-layer activations and class
coverage uses its predictions.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn


class FeatureExtractor(ABC):
    """Map samples to float64 feature vectors, and optionally to predicted classes."""

    name: str = ""

    @abstractmethod
    def features(self, samples: torch.Tensor) -> np.ndarray:
        """Return an (N, D) float64 array of features for N samples."""

    def predict(self, samples: torch.Tensor) -> np.ndarray:
        """Return the predicted class of each sample as an int64 array."""
        raise NotImplementedError(f"feature extractor {self.name!r} does not predict classes")

    def extract(self, samples: torch.Tensor) -> tuple[np.ndarray, np.ndarray | None]:
        """Return (features, predicted classes) in one pass; predictions are ``None`` when the
        extractor does not predict classes. Subclasses that compute both together override it."""
        try:
            predictions = self.predict(samples)
        except NotImplementedError:
            predictions = None
        return self.features(samples), predictions

    def fingerprint(self) -> str:
        """Return a string that changes whenever the extracted features would change."""
        return self.name

    def to(self, device: str) -> "FeatureExtractor":
        """Move any network to ``device`` (a torch device string); returns ``self``."""
        return self


class CoordinateFeatures(FeatureExtractor):
    """Use the samples' own coordinates, flattened, as features."""

    name = "coordinates"

    def features(self, samples: torch.Tensor) -> np.ndarray:
        return samples.detach().reshape(len(samples), -1).to(torch.float64).cpu().numpy()


class ClassifierFeatures(FeatureExtractor):
    """Penultimate activations and predictions of a trained classifier in evaluation mode.

    The classifier must provide ``features(x)`` (the penultimate activations) and
    ``classify(features)`` (logits). Samples are processed in batches of ``batch_size`` on the
    network's device; the result does not depend on the batch size beyond float32 rounding.
    """

    def __init__(self, name: str, network: nn.Module, weights_sha256: str, batch_size: int = 2048):
        self.name = name
        self.network = network.eval()
        self.weights_sha256 = weights_sha256
        self.batch_size = batch_size
        self.device = "cpu"

    def features(self, samples: torch.Tensor) -> np.ndarray:
        return self.extract(samples)[0]

    def predict(self, samples: torch.Tensor) -> np.ndarray:
        return self.extract(samples)[1]

    def fingerprint(self) -> str:
        return f"{self.name}@{self.weights_sha256[:16]}"

    def to(self, device: str) -> "ClassifierFeatures":
        self.network.to(device)
        self.device = device
        return self

    def extract(self, samples: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        features, predictions = [], []
        with torch.inference_mode():
            for start in range(0, len(samples), self.batch_size):
                batch = samples[start : start + self.batch_size].to(self.device, torch.float32)
                hidden = self.network.features(batch)
                features.append(hidden.double().cpu())
                predictions.append(self.network.classify(hidden).argmax(dim=1).cpu())
        return torch.cat(features).numpy(), torch.cat(predictions).numpy()


def asset_path(filename: str) -> Path:
    """Return the path of a file shipped in ``ganbench/assets``."""
    return Path(str(resources.files("ganbench") / "assets" / filename))


def load_classifier(name: str, network: nn.Module, batch_size: int = 2048) -> ClassifierFeatures:
    """Load committed weights ``assets/<name>.pt`` into ``network`` and wrap it.

    Raises FileNotFoundError naming the training script when the weights are missing, and
    ValueError when the file's SHA-256 differs from the one recorded in ``<name>.json``.
    """
    weights_file = asset_path(f"{name}.pt")
    record_file = asset_path(f"{name}.json")
    if not weights_file.exists() or not record_file.exists():
        raise FileNotFoundError(
            f"classifier weights {weights_file} or record {record_file} are missing; "
            f"train them with: python scripts/train_{name.replace('-', '_')}.py"
        )
    payload = weights_file.read_bytes()
    digest = hashlib.sha256(payload).hexdigest()
    record = json.loads(record_file.read_text())
    if record.get("weights_sha256") != digest:
        raise ValueError(
            f"{weights_file} has SHA-256 {digest}, but {record_file} records "
            f"{record.get('weights_sha256')}; retrain with the script named in the record"
        )
    state = torch.load(weights_file, map_location="cpu", weights_only=True)
    network.load_state_dict(state)
    return ClassifierFeatures(name, network, digest, batch_size)
