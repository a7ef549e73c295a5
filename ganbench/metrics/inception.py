"""Inception-v3 features for FID, KID and precision/recall, from weights the user supplies.

The FID Inception network (the TensorFlow 2015-12-05 graph that Heusel et al. used) is
available when the user points ganbench at a local copy of its weights: set
``GANBENCH_INCEPTION_WEIGHTS`` to the file and ``features = "inception"`` in a suite's
``[eval]`` table. Both published PyTorch conversions work: torch-fidelity's
``weights-inception-2015-12-05-6726825d.pth`` and pytorch-fid's
``pt_inception-2015-12-05-6726825d.pth`` hold the same state-dict layout. ganbench never
downloads weights. The network comes from torch-fidelity (``pip install torch-fidelity``),
which runs it at 299 × 299 with TensorFlow-compatible bilinear resizing.

Samples in [-1, 1] are quantised to 8-bit RGB as images would be saved: grey-scale images are
repeated over the three channels. Features are the 2,048 pool3 activations; the network's
ImageNet classes are not dataset classes, so the extractor predicts nothing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import torch

from ganbench.errors import UsageError
from ganbench.metrics.features import FeatureExtractor

WEIGHTS_VARIABLE = "GANBENCH_INCEPTION_WEIGHTS"
NAME = "inception-v3-fid"
FEATURE_DIM = 2048
# A tensor that both conversions of the FID Inception weights contain, with its shape.
SIGNATURE = ("fc.weight", (1008, 2048))


def inception_weights_path() -> Path:
    """Return the weights file named by ``GANBENCH_INCEPTION_WEIGHTS`` or raise ``UsageError``."""
    configured = os.environ.get(WEIGHTS_VARIABLE)
    if not configured:
        raise UsageError(
            f"Inception features need local weights: set {WEIGHTS_VARIABLE} to the path of "
            "torch-fidelity's weights-inception-2015-12-05-6726825d.pth or pytorch-fid's "
            "pt_inception-2015-12-05-6726825d.pth; ganbench does not download them"
        )
    path = Path(configured).expanduser()
    if not path.is_file():
        raise UsageError(f"{WEIGHTS_VARIABLE} names {path}, which is not a file")
    return path


class InceptionFeatures(FeatureExtractor):
    """Pool3 features of the FID Inception-v3 network, computed in batches on ``device``."""

    name = NAME

    def __init__(self, network: torch.nn.Module, weights_sha256: str, batch_size: int = 64):
        self.network = network.eval()
        self.weights_sha256 = weights_sha256
        self.batch_size = batch_size
        self.device = "cpu"

    def features(self, samples: torch.Tensor) -> np.ndarray:
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(samples), self.batch_size):
                batch = to_rgb_uint8(samples[start : start + self.batch_size]).to(self.device)
                outputs.append(self.network(batch)[0].double().cpu())
        return torch.cat(outputs).numpy()

    def fingerprint(self) -> str:
        return f"{self.name}@{self.weights_sha256[:16]}"

    def to(self, device: str) -> "InceptionFeatures":
        self.network.to(device)
        self.device = device
        return self


def to_rgb_uint8(samples: torch.Tensor) -> torch.Tensor:
    """Map (N, C, H, W) samples in [-1, 1] with C = 1 or 3 to uint8 RGB in 0..255."""
    if samples.dim() != 4 or samples.shape[1] not in (1, 3):
        raise ValueError(f"Inception features need (N, 1 or 3, H, W) images, got shape {tuple(samples.shape)}")
    pixels = ((samples.float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)
    return pixels.expand(-1, 3, -1, -1) if pixels.shape[1] == 1 else pixels


def load_inception_features(path: Path) -> InceptionFeatures:
    """Load FID Inception weights from ``path`` (either published format) without downloading.

    Raises ``UsageError`` when torch-fidelity is not installed or the file is not a state
    dict of the FID Inception network.
    """
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError:
        raise UsageError(
            "Inception features need torch-fidelity: pip install torch-fidelity"
        ) from None
    payload = Path(path).read_bytes()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise UsageError(f"{path} is not a PyTorch weights file: {error}") from None
    key, shape = SIGNATURE
    if not isinstance(state, dict) or key not in state or tuple(state[key].shape) != shape:
        raise UsageError(
            f"{path} is not a state dict of the FID Inception-v3 network (expected {key} of "
            f"shape {shape}); use torch-fidelity's or pytorch-fid's converted weights"
        )
    try:
        network = FeatureExtractorInceptionV3(NAME, ["2048"], feature_extractor_weights_path=str(path))
    except RuntimeError as error:
        raise UsageError(f"{path} does not match the FID Inception-v3 network: {error}") from None
    return InceptionFeatures(network, hashlib.sha256(payload).hexdigest())
