"""Stacked MNIST: three MNIST digits stacked as the channels of one 3 × 28 × 28 image.

Each image draws three digits independently and uniformly from a source split, so the
1,000 digit triples are equally likely; the label of an image is ``100·d₀ + 10·d₁ + d₂``,
where dᵢ is the digit in channel i. This is the 1,000-mode data of Metz et al. (Unrolled
GANs, 2017), used for mode counting by VEEGAN and PacGAN.

* ``stacked-mnist-5k`` stacks digits of ``mnist-5k`` (no download needed);
* ``stacked-mnist`` stacks digits of torchvision's ``mnist``.

The training split holds ``TRAIN_IMAGES`` images stacked from the source's training split and
the held-out split ``HELDOUT_IMAGES`` images from its held-out split, drawn with fixed seeds.
Features and mode predictions come from the MNIST classifier applied to each channel.
"""

from __future__ import annotations

import torch

from ganbench.data.base import Dataset, DatasetSpec
from ganbench.data.mnist import _mnist_class, download_torchvision, split_mnist_5k, torchvision_splits
from ganbench.metrics.mnist_classifier import load_stacked_mnist_classifier

TRAIN_IMAGES = 20_000
HELDOUT_IMAGES = 5_000
TRAIN_SEED = 3_000
HELDOUT_SEED = 4_000
CHANNELS = 3
MODES = 10**CHANNELS

# Mode coverage on Stacked MNIST is measured on this many generated samples, as in VEEGAN
# (Srivastava et al., 2017) and PacGAN (Lin et al., 2018).
EVAL_SAMPLES = 26_000


def stack_digits(
    images: torch.Tensor, labels: torch.Tensor, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``count`` stacked images (count, 3, 28, 28) and their mode labels in 0..999.

    ``images`` are (N, 1, 28, 28) single digits with labels 0-9; each channel of each stacked
    image is an independent uniform draw from them, seeded by ``seed``.
    """
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randint(len(images), (count, CHANNELS), generator=generator)
    stacked = images[picks.reshape(-1), 0].reshape(count, CHANNELS, *images.shape[2:])
    digits = labels[picks]
    modes = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    return stacked, modes


def make_stacked(name: str, source: tuple[torch.Tensor, ...]) -> Dataset:
    train_x, train_y, heldout_x, heldout_y = source
    train, train_labels = stack_digits(train_x, train_y, TRAIN_IMAGES, TRAIN_SEED)
    heldout, heldout_labels = stack_digits(heldout_x, heldout_y, HELDOUT_IMAGES, HELDOUT_SEED)
    return Dataset(
        name=name, kind="mnist", train=train, train_labels=train_labels,
        heldout=heldout, heldout_labels=heldout_labels, num_classes=MODES, modes_uniform=True,
    )


STACKED_MNIST_5K = DatasetSpec(
    name="stacked-mnist-5k",
    kind="mnist",
    sample_shape=(CHANNELS, 28, 28),
    num_classes=MODES,
    description="three mnist-5k digits as RGB channels, 1,000 modes (20,000 train images)",
    loader=lambda: make_stacked("stacked-mnist-5k", split_mnist_5k()),
    features=load_stacked_mnist_classifier,
    eval_samples=EVAL_SAMPLES,
)

STACKED_MNIST = DatasetSpec(
    name="stacked-mnist",
    kind="mnist",
    sample_shape=(CHANNELS, 28, 28),
    num_classes=MODES,
    description="three torchvision MNIST digits as RGB channels, 1,000 modes (20,000 train images)",
    loader=lambda: make_stacked(
        "stacked-mnist", torchvision_splits("stacked-mnist", "MNIST", _mnist_class())
    ),
    features=load_stacked_mnist_classifier,
    download=lambda: download_torchvision("mnist", _mnist_class()),
    eval_samples=EVAL_SAMPLES,
)
