"""Recompute the committed reference values of the metric self-test.

Computes every built-in metric on the self-test's fixed feature arrays and the feature
summaries of every shipped feature network on its fixed images, and writes them to
``ganbench/assets/metric-selftest.json`` with the library versions used. Run it after a
deliberate change to a metric, a feature network or a numerical library, and review the diff
of the JSON file before committing it.

Usage: python scripts/compute_metric_selftest.py
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from ganbench.metrics.digits_classifier import load_digits_classifier
from ganbench.metrics.mnist_classifier import load_mnist_classifier, load_stacked_mnist_classifier
from ganbench.metrics.protocol import library_versions
from ganbench.metrics.selftest import REFERENCE_FILE, feature_values, metric_values

ASSETS = Path(__file__).resolve().parent.parent / "ganbench" / "assets"

# Every shipped feature network with the shape of the samples it reads.
SHIPPED = [
    (load_digits_classifier, (1, 8, 8)),
    (load_mnist_classifier, (1, 28, 28)),
    (load_stacked_mnist_classifier, (3, 28, 28)),
]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(1)
    features = {}
    for load, shape in SHIPPED:
        extractor = load()
        features[extractor.fingerprint()] = feature_values(extractor, shape)
    record = {
        "libraries": library_versions(),
        "script": "scripts/compute_metric_selftest.py",
        "metrics": metric_values(),
        "features": features,
    }
    path = ASSETS / REFERENCE_FILE
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    logging.info("wrote %s", path)


if __name__ == "__main__":
    main()
