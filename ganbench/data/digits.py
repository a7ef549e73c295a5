"""scikit-learn's handwritten digits: 1,797 real 8 × 8 grey-scale images with labels 0-9.

The images come from the UCI "Optical Recognition of Handwritten Digits" data that
scikit-learn ships (``sklearn.datasets.load_digits``), so no download is needed. Pixel values
0..16 are scaled to [-1, 1]. The split is stratified by label and seeded: 1,437 training and
360 held-out images, the same in every run and on every machine with the same scikit-learn
data.
"""

from __future__ import annotations

import numpy as np
import torch

from ganbench.data.base import Dataset, DatasetSpec
from ganbench.metrics.digits_classifier import load_digits_classifier

HELDOUT_FRACTION = 0.2
SPLIT_SEED = 0


def split_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (train images, train labels, held-out images, held-out labels) as numpy arrays.

    Images are float32 of shape (N, 1, 8, 8) in [-1, 1].
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = (bunch.images.astype(np.float32) / 16.0) * 2.0 - 1.0
    images = images[:, None, :, :]
    labels = bunch.target.astype(np.int64)
    train_x, heldout_x, train_y, heldout_y = train_test_split(
        images,
        labels,
        test_size=HELDOUT_FRACTION,
        random_state=SPLIT_SEED,
        stratify=labels,
    )
    return train_x, train_y, heldout_x, heldout_y


def load() -> Dataset:
    train_x, train_y, heldout_x, heldout_y = split_digits()
    return Dataset(
        name="digits",
        kind="image",
        train=torch.from_numpy(train_x),
        train_labels=torch.from_numpy(train_y),
        heldout=torch.from_numpy(heldout_x),
        heldout_labels=torch.from_numpy(heldout_y),
        num_classes=10,
    )


DIGITS = DatasetSpec(
    name="digits",
    kind="image",
    sample_shape=(1, 8, 8),
    num_classes=10,
    description="scikit-learn's 1,797 real 8x8 handwritten digits, 10 classes",
    loader=load,
    features=load_digits_classifier,
)
