"""The training loop and asset writing shared by the evaluation classifiers' training scripts.

``train_digits_classifier.py`` and ``train_mnist_classifier.py`` differ in their network,
data, augmentation and learning-rate schedule. Both fit with Adam on shuffled mini-batches,
log the accuracies every ten epochs, and write the weights with a JSON record of how they
were made to ``ganbench/assets``, only when the held-out accuracy reaches the script's bound.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

ASSETS = Path(__file__).resolve().parent.parent / "ganbench" / "assets"
LOG_EVERY_EPOCHS = 10

logger = logging.getLogger(__name__)


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Return the fraction of ``images`` that ``model`` classifies as ``labels``, in eval mode."""
    model.eval()
    with torch.no_grad():
        predictions = model(images).argmax(dim=1)
    model.train()
    return float((predictions == labels).float().mean())


def fit(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    splits: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    generator: torch.Generator,
    epochs: int,
    batch_size: int,
    schedule: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> float:
    """Train ``model`` with cross-entropy for ``epochs`` passes; return the held-out accuracy.

    ``splits`` is (training images, training labels, held-out images, held-out labels).
    ``generator`` draws the batch order and is passed to ``augment`` with every batch.
    ``schedule``, when given, steps once per epoch.
    """
    train_x, train_y, heldout_x, heldout_y = splits
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(train_x), generator=generator)
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            images = augment(train_x[index], generator)
            loss = F.cross_entropy(model(images), train_y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if schedule is not None:
            schedule.step()
        if epoch % LOG_EVERY_EPOCHS == 0:
            logger.info(
                "epoch %d: train accuracy %.4f, held-out accuracy %.4f",
                epoch, accuracy(model, train_x, train_y), accuracy(model, heldout_x, heldout_y),
            )
    return accuracy(model, heldout_x, heldout_y)


def write_asset(
    model: torch.nn.Module, name: str, record: dict, heldout_accuracy: float, min_accuracy: float
) -> None:
    """Write ``name``.pt and ``name``.json to the assets folder, or exit when accuracy is low.

    The JSON file contains ``record`` with the held-out accuracy, the torch version and the
    weights' SHA-256 added. Raises ``SystemExit``, and writes nothing, when
    ``heldout_accuracy`` is below ``min_accuracy``.
    """
    if heldout_accuracy < min_accuracy:
        raise SystemExit(
            f"held-out accuracy {heldout_accuracy:.4f} is below {min_accuracy}; "
            "nothing was written. Train longer (--epochs) or change the seed"
        )

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    payload = buffer.getvalue()
    ASSETS.mkdir(parents=True, exist_ok=True)
    (ASSETS / f"{name}.pt").write_bytes(payload)
    record = {
        **record,
        "heldout_accuracy": round(heldout_accuracy, 4),
        "torch_version": torch.__version__,
        "weights_sha256": hashlib.sha256(payload).hexdigest(),
    }
    (ASSETS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    logger.info("held-out accuracy %.4f, wrote %s", heldout_accuracy, ASSETS / f"{name}.pt")
