"""Shared fixtures: tiny suites that train in seconds, and isolated result and cache folders."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import torch

from ganbench import defaults, schema
from ganbench.baselines import BaselineCache, BaselineConfig
from ganbench.registry import load_registry


def pytest_collection_modifyitems(items):
    """Mark the performance benchmarks in tests/benchmarks ``perf``; the default run skips them."""
    for item in items:
        if item.path.parent.name == "benchmarks":
            item.add_marker(pytest.mark.perf)


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def baselines(tmp_path_factory, registry):
    """Return ``get(dataset, model)``: a dense baseline of seed 0 trained for 30 steps, cached per module."""
    cache = BaselineCache(tmp_path_factory.mktemp("cache"))
    loaded = {}

    def get(dataset, model):
        if (dataset, model) not in loaded:
            spec = registry.dataset(dataset)
            train = dataclasses.replace(defaults.training(spec.kind, model), steps=30)
            config = BaselineConfig(dataset, model, 0, defaults.architecture(spec.kind), train)
            loaded[dataset, model] = cache.get(config, registry.model(model), spec)
        return loaded[dataset, model]

    return get


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh working folder with its own baseline cache; the CLI's relative paths land here."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GANBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def write_suite(folder: Path, name: str = "tiny", **fields) -> Path:
    """Write a suite file that trains for a few steps; ``fields`` override top-level keys."""
    values = {
        "datasets": ["ring8"],
        "models": ["dcgan"],
        "methods": ["random", "magnitude"],
        "sparsities": [0.0, 0.5],
        "seeds": [0],
        "targets": ["generator"],
    }
    values.update(fields)
    lines = [f'name = "{name}"']
    for key, value in values.items():
        rendered = ", ".join(f'"{v}"' if isinstance(v, str) else repr(v) for v in value)
        lines.append(f"{key} = [{rendered}]")
    lines.append(
        textwrap.dedent(
            """
            [baseline]
            steps = 40
            [finetune]
            steps = 10
            [eval]
            samples = 400
            """
        )
    )
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines))
    return path


def synthetic_results(fids: dict, seeds=(0,), dataset: str = "ring8", model: str = "dcgan",
                      extra_steps: dict | None = None) -> pd.DataFrame:
    """Return a results table without training: one ok row per (method, sparsity) and seed.

    ``fids`` maps (method, sparsity) to the FID of seed 0; seed k adds k to it. The dense
    row is ``("dense", 0.0)``. ``extra_steps`` maps a method to pruning steps it reports.
    Compute columns follow a dense budget of 100 pretraining and 10 fine-tuning steps.
    """
    extra_steps = extra_steps or {}
    rows = []
    for (method, sparsity), fid in fids.items():
        for seed in seeds:
            dense = method == schema.DENSE_METHOD
            rows.append({
                schema.RUN_KEY: f"{dataset}-{model}-{method}-{sparsity}-{seed}",
                schema.SUITE: "synthetic", schema.STATUS: schema.STATUS_OK, schema.ERROR: "",
                schema.DATASET: dataset, schema.MODEL: model, schema.METHOD: method,
                schema.SPARSITY: sparsity, schema.TARGET: schema.DENSE_TARGET if dense else "generator",
                schema.SEED: seed, schema.SPARSITY_ACHIEVED: sparsity, schema.FINETUNE_STEPS: 10,
                schema.TRAIN_STEPS: 10,
                schema.BASELINE_KEY: "b", schema.METRICS_VERSION: 1, schema.FEATURES: "coordinates",
                schema.DURATION: 1.0, schema.FID: fid + seed, schema.MODES_COVERED: 8,
                schema.MODES_TOTAL: 8, schema.HIGH_QUALITY_SHARE: 0.9, schema.MODE_KL: 0.01,
                schema.G_PARAMS: 1000, schema.G_PARAMS_NONZERO: round(1000 * (1 - sparsity)),
                schema.G_FLOPS: 2000, schema.G_FLOPS_EFFECTIVE: round(2000 * (1 - sparsity)),
                schema.D_PARAMS: 500, schema.D_PARAMS_NONZERO: 500, schema.D_FLOPS: 900,
                schema.D_FLOPS_EFFECTIVE: 900,
                schema.PRETRAIN_STEPS: 100, schema.PRETRAIN_SECONDS: 5.0, schema.PRETRAIN_FLOPS: 1e9,
                schema.PRUNE_STEPS: extra_steps.get(method, 0), schema.PRUNE_SECONDS: 0.5,
                schema.PRUNE_FLOPS: 0, schema.FINETUNE_SECONDS: 1.0, schema.FINETUNE_FLOPS: 1e8,
                schema.TRAIN_FLOPS: 1.1e9,
            })
    return pd.DataFrame(rows)
