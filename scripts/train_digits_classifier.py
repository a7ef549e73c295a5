"""Train the digits classifier whose features and predictions evaluate digit GANs.

Trains ``ganbench.metrics.digits_classifier.DigitsClassifier`` on the training split of the
``digits`` dataset only (1,437 images), measures its accuracy on the 360 held-out images,
and writes ``ganbench/assets/digits-classifier.pt`` with a JSON record of the data, seed,
epochs, accuracy and the weights' SHA-256 beside it.

Usage: python scripts/train_digits_classifier.py [--epochs 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging

import torch
import torch.nn.functional as F
from classifier_training import fit, write_asset

from ganbench.data.digits import HELDOUT_FRACTION, SPLIT_SEED, split_digits
from ganbench.metrics.digits_classifier import NAME, DigitsClassifier

MIN_ACCURACY = 0.95
BATCH_SIZE = 64


def shift_images(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Shift every image by up to one pixel in each direction, filling with background (-1)."""
    padded = F.pad(images, (1, 1, 1, 1), value=-1.0)
    offsets = torch.randint(0, 3, (len(images), 2), generator=generator)
    rows = torch.arange(8)
    shifted = torch.empty_like(images)
    for index, (dy, dx) in enumerate(offsets.tolist()):
        shifted[index] = padded[index, :, rows + dy][:, :, rows + dx]
    return shifted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60, help="passes over the training split")
    parser.add_argument("--seed", type=int, default=0, help="seed of initialisation and batches")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    splits = tuple(torch.from_numpy(array) for array in split_digits())
    model = DigitsClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    heldout_accuracy = fit(model, optimizer, splits, shift_images, generator, args.epochs, BATCH_SIZE)

    record = {
        "network": "ganbench.metrics.digits_classifier.DigitsClassifier",
        "data": "sklearn.datasets.load_digits, training split "
        f"(stratified, test_size={HELDOUT_FRACTION}, random_state={SPLIT_SEED})",
        "train_samples": len(splits[0]),
        "heldout_samples": len(splits[2]),
        "augmentation": "random shifts of up to one pixel",
        "seed": args.seed,
        "epochs": args.epochs,
        "optimizer": f"Adam, lr 1e-3, batch {BATCH_SIZE}",
        "script": "scripts/train_digits_classifier.py",
    }
    write_asset(model, NAME, record, heldout_accuracy, MIN_ACCURACY)


if __name__ == "__main__":
    main()
