"""The plugin system: built-ins through entry points, plugin files, broken plugins,
and a third-party package installed with pip."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from ganbench.cli import main
from ganbench.registry import load_registry

from conftest import write_suite

BUILTIN_METHODS = {"random", "magnitude", "gradient", "taylor"}


def test_builtins_come_from_entry_points(registry):
    assert BUILTIN_METHODS <= set(registry.names("method"))
    assert {"dcgan", "cgan", "wgan-gp"} <= set(registry.names("model"))
    assert {"ring8", "grid25", "digits"} <= set(registry.names("dataset"))
    assert {"fid", "mode-coverage", "complexity"} <= set(registry.names("metric"))
    provider = registry.provider("method", "magnitude")
    assert provider.plugin == "magnitude"
    assert provider.distribution.startswith("ganbench ")


PLUGIN_FILE = textwrap.dedent(
    '''
    import torch
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class FirstWeights(PruningMethod):
        name = "first-weights"
        description = "keeps the last weights of every layer"

        def score(self, context):
            return {n: torch.arange(w.numel(), dtype=torch.float64).reshape(w.shape)
                    for n, w in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        register(FirstWeights)
    '''
)


def test_plugin_file_is_listed(tmp_path, capsys):
    path = tmp_path / "first_weights.py"
    path.write_text(PLUGIN_FILE)
    assert main(["list", "--json", "--plugin", str(path)]) == 0
    listing = json.loads(capsys.readouterr().out)
    methods = {entry["name"]: entry for entry in listing["methods"]}
    assert methods["first-weights"]["plugin"] == f"file:{path.resolve()}"


def test_plugin_folder_skips_private_and_tests(tmp_path):
    (tmp_path / "first_weights.py").write_text(PLUGIN_FILE)
    (tmp_path / "second.py").write_text(PLUGIN_FILE.replace("first-weights", "second-weights"))
    (tmp_path / "_private.py").write_text("raise RuntimeError('must not be imported')")
    for test_file in ("test_first_weights.py", "first_weights_test.py", "conftest.py"):
        (tmp_path / test_file).write_text("import first_weights  # not importable as a plugin")
    registry = load_registry((str(tmp_path),))
    assert {"first-weights", "second-weights"} <= set(registry.names("method"))
    assert not registry.problems


def test_broken_plugin_is_reported_not_raised(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import does_not_exist_anywhere\n")
    assert main(["list", "--plugin", str(broken)]) == 0
    out = capsys.readouterr().out
    assert "Unavailable plugins (1)" in out
    assert "does_not_exist_anywhere" in out
    assert "magnitude" in out


def test_duplicate_name_is_rejected(tmp_path):
    path = tmp_path / "dupe.py"
    path.write_text(PLUGIN_FILE.replace("first-weights", "magnitude"))
    registry = load_registry((str(path),))
    assert registry.provider("method", "magnitude").plugin == "magnitude"
    assert any("already registered" in problem.reason for problem in registry.problems)


def test_register_rejects_wrong_type(tmp_path):
    path = tmp_path / "wrong.py"
    path.write_text(
        "from ganbench import hookimpl\n"
        "@hookimpl\n"
        "def ganbench_register_methods(register):\n"
        "    register('not a class')\n"
    )
    registry = load_registry((str(path),))
    assert any("PruningMethod" in problem.reason for problem in registry.problems)


def test_missing_plugin_path_is_usage_error(tmp_path, capsys):
    assert main(["list", "--plugin", str(tmp_path / "nope.py")]) == 2
    assert "does not exist" in capsys.readouterr().err


THIRD_PARTY_PYPROJECT = textwrap.dedent(
    """
    [build-system]
    requires = ["setuptools>=61"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "ganbench-anti-magnitude"
    version = "0.3.0"

    [project.entry-points.ganbench]
    anti-magnitude = "ganbench_anti_magnitude"
    """
)

THIRD_PARTY_MODULE = textwrap.dedent(
    '''
    """Prunes the largest weights first: a deliberately bad method."""
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class AntiMagnitude(PruningMethod):
        name = "anti-magnitude"
        description = "prunes the largest weights first"

        def score(self, context):
            return {n: -w.detach().abs() for n, w in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        register(AntiMagnitude)
    '''
)


def test_pip_installed_package_is_listed_and_runs(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    (package / "pyproject.toml").write_text(THIRD_PARTY_PYPROJECT)
    (package / "ganbench_anti_magnitude.py").write_text(THIRD_PARTY_MODULE)
    target = tmp_path / "site"
    # Build with the installed setuptools when there is one, so no download is needed.
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation,
         "--target", str(target), str(package)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr

    env = dict(os.environ, PYTHONPATH=str(target), GANBENCH_CACHE_DIR=str(tmp_path / "cache"))
    listing = subprocess.run([sys.executable, "-m", "ganbench", "list", "--json"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert listing.returncode == 0, listing.stderr
    methods = {entry["name"]: entry for entry in json.loads(listing.stdout)["methods"]}
    assert methods["anti-magnitude"]["distribution"] == "ganbench-anti-magnitude 0.3.0"

    suite = write_suite(tmp_path, methods=["anti-magnitude"], sparsities=[0.5])
    run = subprocess.run([sys.executable, "-m", "ganbench", "run", "--suite", str(suite), "-q"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "anti-magnitude" in run.stdout
    results = (tmp_path / "results" / "tiny.csv").read_text()
    assert ",anti-magnitude,0.5,generator," in results


def test_shipped_suites_list_every_builtin_method(registry):
    from ganbench.pruning.method import parse_method_spec
    from ganbench.suite import load_suite

    builtin = {
        name for name in registry.names("method")
        if registry.provider("method", name).distribution.startswith("ganbench ")
    }
    assert len(builtin) >= 13
    for suite_name in ("quick", "mnist"):
        listed = {parse_method_spec(spec)[0] for spec in load_suite(suite_name).methods}
        assert builtin - listed == set(), suite_name
