"""Sample grids: one small PNG of generated samples per run, stored beside the results.

When a run succeeds, the runner renders a picture of the final generator's samples and
stores it as ``<results folder>/samples/<run key>.png``. Leaderboards only read these files,
so they stay a pure function of stored data. Run keys do not depend on the suite, so one
folder serves every suite of a results folder.

* Image data: a grid made with ``torchvision.utils.make_grid``, ``GRID_COLUMNS`` samples per
  row. A conditional generator gets one row per class (the first ``MAX_ROWS`` classes), an
  unconditional one ``GRID_ROWS`` rows.
* Two-dimensional data: a density picture, the 2-D histogram of ``POINTS`` samples over a
  square window around the training data, darker where samples are denser, with the known
  mode centres marked by red corner pixels.

Samples are drawn from a random stream of their own, after evaluation, so storing a grid
changes no metric. Files are written to a temporary file and renamed.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganbench.atomic import write_atomic
from ganbench.data.base import Dataset
from ganbench.models.family import GAN

logger = logging.getLogger(__name__)

GRID_COLUMNS = 8
GRID_ROWS = 8
MAX_ROWS = 10
POINTS = 2000
HISTOGRAM_BINS = 64

# Grids draw from their own stream so that they do not depend on evaluation.
SAMPLE_SEED_OFFSET = 2_000_029

_INK = np.array([0.10, 0.20, 0.55])
_MODE_MARK = np.array([0.85, 0.10, 0.10])
# A mode centre is marked by four red pixels at the corners of a 5 × 5 square around it,
# leaving the samples at the centre visible.
_MODE_CORNERS = ((-2, -2), (-2, 2), (2, -2), (2, 2))


def samples_dir(results_path: Path) -> Path:
    """Return the folder of sample grids for the results file ``results_path``."""
    return Path(results_path).parent / "samples"


def sample_grid(gan: GAN, dataset: Dataset, seed: int) -> torch.Tensor | None:
    """Return a (3, H, W) float picture in [0, 1] of ``gan``'s samples, or None.

    None means the samples are neither images (C, H, W) with 1 or 3 channels nor 2-D points.
    """
    rng = torch.Generator().manual_seed(seed + SAMPLE_SEED_OFFSET)
    shape = dataset.sample_shape
    if len(shape) == 3 and shape[0] in (1, 3):
        return _image_grid(gan, rng)
    if shape == (2,):
        points, _ = gan.generate(POINTS, rng, dataset.class_frequencies())
        return density_picture(points.double().numpy(), dataset)
    logger.debug("no sample picture for samples of shape %s", shape)
    return None


def _image_grid(gan: GAN, rng: torch.Generator) -> torch.Tensor:
    labels = None
    rows = GRID_ROWS
    if gan.conditional:
        rows = min(gan.num_classes, MAX_ROWS)
        labels = torch.arange(rows).repeat_interleave(GRID_COLUMNS)
    was_training = gan.generator.training
    gan.generator.eval()
    with torch.no_grad():
        latent = gan.sample_latent(rows * GRID_COLUMNS, rng)
        images = gan.generator(latent, labels).cpu()
    gan.generator.train(was_training)
    # Imported here: importing torchvision took about 1.8 s on a 2-core Xeon VM, which every
    # command would otherwise pay.
    from torchvision.utils import make_grid

    # Generators end in tanh, so samples lie in [-1, 1].
    return make_grid(images, nrow=GRID_COLUMNS, padding=1, normalize=True,
                     value_range=(-1, 1), pad_value=1.0)


def density_picture(points: np.ndarray, dataset: Dataset) -> torch.Tensor:
    """Return the (3, bins, bins) density picture of 2-D ``points`` over ``dataset``'s window.

    The window is a square around the training data with a 10 % margin; y grows upwards.
    Colour intensity is (log(1 + count) / log(1 + largest count)) ** 0.6; the power darkens
    sparse regions so that a few stray samples stay visible.
    """
    train = dataset.train.double().numpy()
    low, high = train.min(axis=0), train.max(axis=0)
    centre = (low + high) / 2
    half = float((high - low).max()) / 2 * 1.1
    edges = [np.linspace(c - half, c + half, HISTOGRAM_BINS + 1) for c in centre]
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=edges)
    intensity = (np.log1p(counts) / max(np.log1p(counts.max()), 1e-12)) ** 0.6

    # histogram2d indexes [x, y]; a picture indexes [row from the top, column].
    intensity = intensity.T[::-1]
    picture = 1.0 - intensity[..., None] * (1.0 - _INK)
    if dataset.mode_centers is not None:
        for x, y in dataset.mode_centers.double().numpy():
            column = int(np.clip(np.searchsorted(edges[0], x) - 1, 0, HISTOGRAM_BINS - 1))
            row = HISTOGRAM_BINS - 1 - int(np.clip(np.searchsorted(edges[1], y) - 1, 0, HISTOGRAM_BINS - 1))
            for dr, dc in _MODE_CORNERS:
                r, c = row + dr, column + dc
                if 0 <= r < HISTOGRAM_BINS and 0 <= c < HISTOGRAM_BINS:
                    picture[r, c] = _MODE_MARK
    return torch.from_numpy(np.ascontiguousarray(picture.transpose(2, 0, 1))).float()


def encode_png(picture: torch.Tensor) -> bytes:
    """Return the PNG bytes of a (3, H, W) picture in [0, 1]; equal pictures give equal bytes.

    A grey picture (three equal channels) is stored as one grey channel, a third of the size.
    """
    array = (picture.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    if (array == array[..., :1]).all():
        array = array[..., 0]
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class SampleGrids:
    """A folder of sample pictures named by run key."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, run_key: str) -> Path:
        return self.directory / f"{run_key}.png"

    def write(self, run_key: str, picture: torch.Tensor) -> Path:
        """Store ``picture`` for ``run_key`` atomically and return its path."""
        path = self.path(run_key)
        write_atomic(path, encode_png(picture))
        return path

    def read(self, run_key: str) -> bytes | None:
        """Return the stored PNG bytes of ``run_key``, or None when there is none."""
        path = self.path(run_key)
        return path.read_bytes() if path.exists() else None
