"""Train the digits classifier whose features and predictions evaluate digit GANs.

Trains ``ganbench.metrics.digits_classifier.DigitsClassifier`` on the training split of the
``digits`` dataset only (1,437 images), measures its accuracy on the 360 held-out images,
and writes ``ganbench/assets/digits-classifier.pt`` with a JSON record of the data, seed,
epochs, accuracy and the weights' SHA-256 beside it.

Usage: python scripts/train_digits_classifier.py [--epochs 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
from pathlib import Path

import torch
import torch.nn.functional as F

from ganbench.data.digits import HELDOUT_FRACTION, SPLIT_SEED, split_digits
from ganbench.metrics.digits_classifier import NAME, DigitsClassifier

ASSETS = Path(__file__).resolve().parent.parent / "ganbench" / "assets"
MIN_ACCURACY = 0.95

logger = logging.getLogger("train_digits_classifier")


def shift_images(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Shift every image by up to one pixel in each direction, filling with background (-1)."""
    padded = F.pad(images, (1, 1, 1, 1), value=-1.0)
    offsets = torch.randint(0, 3, (len(images), 2), generator=generator)
    rows = torch.arange(8)
    shifted = torch.empty_like(images)
    for index, (dy, dx) in enumerate(offsets.tolist()):
        shifted[index] = padded[index, :, rows + dy][:, :, rows + dx]
    return shifted


def accuracy(model: DigitsClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        predictions = model(images).argmax(dim=1)
    model.train()
    return float((predictions == labels).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60, help="passes over the training split")
    parser.add_argument("--seed", type=int, default=0, help="seed of initialisation and batches")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    train_x, train_y, heldout_x, heldout_y = (torch.from_numpy(a) for a in split_digits())
    model = DigitsClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)

    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(train_x), generator=generator)
        for start in range(0, len(order), 64):
            index = order[start : start + 64]
            images = shift_images(train_x[index], generator)
            loss = F.cross_entropy(model(images), train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch % 10 == 0:
            logger.info(
                "epoch %d: train accuracy %.4f, held-out accuracy %.4f",
                epoch, accuracy(model, train_x, train_y), accuracy(model, heldout_x, heldout_y),
            )

    heldout_accuracy = accuracy(model, heldout_x, heldout_y)
    if heldout_accuracy < MIN_ACCURACY:
        raise SystemExit(
            f"held-out accuracy {heldout_accuracy:.4f} is below {MIN_ACCURACY}; "
            "nothing was written. Train longer (--epochs) or change the seed"
        )

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    payload = buffer.getvalue()
    ASSETS.mkdir(parents=True, exist_ok=True)
    (ASSETS / f"{NAME}.pt").write_bytes(payload)
    record = {
        "network": "ganbench.metrics.digits_classifier.DigitsClassifier",
        "data": "sklearn.datasets.load_digits, training split "
        f"(stratified, test_size={HELDOUT_FRACTION}, random_state={SPLIT_SEED})",
        "train_samples": len(train_x),
        "heldout_samples": len(heldout_x),
        "augmentation": "random shifts of up to one pixel",
        "seed": args.seed,
        "epochs": args.epochs,
        "optimizer": "Adam, lr 1e-3, batch 64",
        "heldout_accuracy": round(heldout_accuracy, 4),
        "torch_version": torch.__version__,
        "weights_sha256": hashlib.sha256(payload).hexdigest(),
        "script": "scripts/train_digits_classifier.py",
    }
    (ASSETS / f"{NAME}.json").write_text(json.dumps(record, indent=2) + "\n")
    logger.info("held-out accuracy %.4f; wrote %s", heldout_accuracy, ASSETS / f"{NAME}.pt")


if __name__ == "__main__":
    main()
