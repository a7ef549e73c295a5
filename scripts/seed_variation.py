"""Measure seed-to-seed variation of a suite's metrics and derive regression tolerances.

Runs the suite with several seeds (runs already recorded in the results file are reused),
then, for every run configuration (dataset, model, method, sparsity, target), takes the
sample standard deviation of each quality metric across the seeds. FID varies in proportion
to its size, so its spread is taken relative to the configuration's mean FID; the other
metrics are taken in their own units. The spreads are pooled over configurations as a root
mean square, over every dataset and per dataset, and the tolerance printed for each metric is

    tolerance = Z × √2 × pooled standard deviation,

because a fresh value and the reference are two draws, whose difference has √2 times the
spread of one draw, and Z = 3 keeps false alarms rare (about 0.1 % per comparison for
normally distributed values). ``ganbench.check.TOLERANCES`` holds the figures this script
printed; docs/leaderboards.md records the command and its output.

Usage: python scripts/seed_variation.py [--suite smoke] [--seeds 0 1 2 3 4 5 6 7]
       [--results-dir DIR] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from ganbench import schema
from ganbench.baselines import BaselineCache
from ganbench.cli import default_cache_dir
from ganbench.leaderboard import latest_rows
from ganbench.registry import load_registry
from ganbench.runner import run_suite
from ganbench.store import ResultStore
from ganbench.suite import load_suite

Z = 3.0

# (column, "relative" or "absolute"): how each metric's spread is measured.
METRICS = [
    (schema.FID, "relative"),
    (schema.MODES_COVERED, "absolute"),
    (schema.HIGH_QUALITY_SHARE, "absolute"),
    (schema.MODE_KL, "absolute"),
]

CONFIGURATION = [schema.DATASET, schema.MODEL, schema.METHOD, schema.SPARSITY, schema.TARGET]


def spreads(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per configuration with n and each metric's (relative) standard deviation."""
    frame = latest_rows(results)
    frame = frame[frame[schema.STATUS] == schema.STATUS_OK]
    rows = []
    for configuration, group in frame.groupby(CONFIGURATION, sort=True):
        row = dict(zip(CONFIGURATION, configuration))
        row["n"] = len(group)
        for column, kind in METRICS:
            values = pd.to_numeric(group[column], errors="coerce").dropna()
            if len(values) < 2:
                row[column] = float("nan")
                continue
            deviation = values.std(ddof=1)
            row[column] = deviation / values.mean() if kind == "relative" else deviation
        rows.append(row)
    return pd.DataFrame(rows)


def tolerances(table: pd.DataFrame) -> dict[str, float]:
    """Return Z × √2 × the root mean square of each metric's spread over configurations."""
    derived: dict[str, float] = {}
    for column, _ in METRICS:
        values = table[column].dropna()
        if values.empty:
            continue
        pooled = math.sqrt(float((values**2).mean()))
        derived[column] = Z * math.sqrt(2) * pooled
    return derived


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="smoke")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(8)))
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="folder for the results file (default: a temporary folder)")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    suite = load_suite(args.suite).restricted(seeds=tuple(args.seeds))
    registry = load_registry(suite.plugins)
    cache = BaselineCache(args.cache_dir or default_cache_dir())
    with tempfile.TemporaryDirectory(prefix="ganbench-seeds-") as scratch:
        folder = args.results_dir or Path(scratch)
        store = ResultStore(folder / f"{suite.name}-seeds.csv")
        run_suite(suite, registry, store, cache)
        table = spreads(store.read())

    print(f"Seed-to-seed spread of suite {suite.name!r} over seeds {args.seeds}")
    print("(fid: standard deviation / mean; other metrics: standard deviation in their units)")
    print(tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".4g"))
    print()
    print(f"Tolerances = {Z:g} × √2 × root mean square spread:")
    scopes = [("every dataset", table)] + [
        (f"dataset {name}", group) for name, group in table.groupby(schema.DATASET, sort=True)
    ]
    for scope, rows in scopes:
        print(f"  {scope}:")
        for column, value in tolerances(rows).items():
            unit = "relative" if dict(METRICS)[column] == "relative" else "absolute"
            print(f"    {column}: {value:.4g} ({unit})")


if __name__ == "__main__":
    main()
