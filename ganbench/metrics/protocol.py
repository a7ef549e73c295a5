"""The metric protocol: a fingerprint of how a run's metrics were computed.

Two results are comparable only when their metrics were computed the same way: with the same
feature network and weights, the same number of generated and reference samples, in the same
precision and with the same numerical libraries. Every result row stores this fingerprint in
its ``metric_protocol`` column, for example::

    metrics-v2;features=mnist-lenet@0123456789abcdef;generated=10000;reference=train:4000;
    dtype=float64;torch=2.14.1;numpy=2.4.6;scipy=1.17.1

(one line in the file). The leaderboard ranks only rows with equal fingerprints in one table
(``protocol_conflicts``). The torch build suffix (``+cu130``, ``+cpu``) is left out, because
the build flavour does not change CPU results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy
import torch

from ganbench import METRICS_VERSION, schema
from ganbench.data.base import Dataset
from ganbench.metrics.features import FeatureExtractor
from ganbench.settings import EvalSettings

# Shown for rows written before the column existed.
NOT_RECORDED = "(not recorded)"


def library_versions() -> str:
    """Return the versions of the libraries that compute features and metrics."""
    torch_version = torch.__version__.split("+", 1)[0]
    return f"torch={torch_version};numpy={np.__version__};scipy={scipy.__version__}"


def metric_protocol(extractor: FeatureExtractor, settings: EvalSettings, dataset: Dataset) -> str:
    """Return the fingerprint of metrics computed with ``extractor`` under ``settings`` on ``dataset``."""
    return ";".join(
        [
            f"metrics-v{METRICS_VERSION}",
            f"features={extractor.fingerprint()}",
            f"generated={settings.samples}",
            f"reference=train:{len(dataset.train)}",
            "dtype=float64",
            library_versions(),
        ]
    )


def protocol_conflicts(rows: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Return, for every (dataset, model) whose rows differ in metric protocol, the protocols.

    ``rows`` are successful result rows; a missing ``metric_protocol`` counts as the protocol
    ``NOT_RECORDED``. Pairs whose rows agree are absent from the result.
    """
    if rows.empty:
        return {}
    protocols = rows.get(schema.METRIC_PROTOCOL, pd.Series(index=rows.index, dtype=object))
    protocols = protocols.fillna(NOT_RECORDED).astype(str)
    conflicts = {}
    for (dataset, model), group in protocols.groupby([rows[schema.DATASET], rows[schema.MODEL]]):
        distinct = sorted(group.unique())
        if len(distinct) > 1:
            conflicts[(dataset, model)] = distinct
    return conflicts
