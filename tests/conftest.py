"""Shared fixtures: tiny suites that train in seconds, and isolated result and cache folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from ganbench.registry import load_registry


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def registry():
    return load_registry()


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
