"""The example plugin package installs with pip, shows up in a run and passes its own tests."""

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganbench.testing import check_method

from conftest import write_suite

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ganbench-example-plugin"


def install(folder):
    target = folder / "site"
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation,
         "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    return target


def test_example_plugin_installs_and_runs(tmp_path, monkeypatch):
    target = install(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(target), GANBENCH_CACHE_DIR=str(tmp_path / "cache"))

    listing = subprocess.run([sys.executable, "-m", "ganbench", "list", "--json"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert listing.returncode == 0, listing.stderr
    methods = {entry["name"]: entry for entry in json.loads(listing.stdout)["methods"]}
    assert methods["scaled-magnitude"]["distribution"] == "ganbench-example-plugin 0.1.0"

    suite = write_suite(tmp_path, methods=["scaled-magnitude"], sparsities=[0.5])
    run = subprocess.run([sys.executable, "-m", "ganbench", "run", "--suite", str(suite), "-q"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "scaled-magnitude" in run.stdout
    results = (tmp_path / "results" / "tiny.csv").read_text()
    assert ",ok,,ring8,dcgan,scaled-magnitude,0.5,generator," in results

    # The installed module passes the conformance kit (its own test runs it the same way).
    monkeypatch.syspath_prepend(str(target))
    module = importlib.import_module("ganbench_example_plugin")
    check_method(module.ScaledMagnitude, cache_dir=tmp_path / "cache")


@pytest.mark.slow
def test_example_plugin_own_tests_pass(tmp_path):
    target = install(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(target), GANBENCH_CACHE_DIR=str(tmp_path / "cache"))
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout
