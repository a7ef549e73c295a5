"""Checks that run before a sweep records anything: data present, metrics unchanged.

``preflight`` loads every dataset that pending runs need, so that missing MNIST files stop
the sweep with a ``UsageError`` naming the folder to put them in, instead of failing every
run. It then runs the metric self-test (``ganbench.metrics.selftest``) on the feature
networks that those runs use.
"""

from __future__ import annotations

import logging

from ganbench.metrics.evaluate import feature_extractor
from ganbench.metrics.selftest import run_self_test
from ganbench.registry import Registry
from ganbench.suite import RunSpec

logger = logging.getLogger(__name__)


def preflight(runs: list[RunSpec], registry: Registry, self_test: bool = True) -> None:
    """Load the datasets of ``runs`` and, when ``self_test`` is true, run the metric self-test.

    Raises ``UsageError`` when a dataset's files or requested Inception weights are missing,
    and ``SelfTestFailed`` when a metric differs from its committed value.
    """
    extractors = {}
    for name, settings in sorted({(run.dataset, run.eval) for run in runs}, key=str):
        spec = registry.dataset(name)
        spec.load()
        extractor = feature_extractor(spec, settings)
        extractors[extractor.fingerprint()] = (extractor, spec.sample_shape)
    if self_test:
        run_self_test(extractors)
    else:
        logger.warning("metric self-test skipped (--no-self-test)")


def download_datasets(datasets: set[str], registry: Registry) -> None:
    """Download every dataset in ``datasets`` that has a download function."""
    for name in sorted(datasets):
        spec = registry.dataset(name)
        if spec.download is None:
            logger.info("dataset %s needs no download", name)
            continue
        spec.download()
