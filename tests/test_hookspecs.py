"""Every hook specification is documented and exercised by a test."""

import inspect
from pathlib import Path

import pytest

from ganbench import hookspecs

HOOKS = [
    name for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("ganbench_")
]


def test_hooks_exist():
    assert set(HOOKS) == {
        "ganbench_register_datasets",
        "ganbench_register_models",
        "ganbench_register_methods",
        "ganbench_register_metrics",
        "ganbench_run_finished",
    }


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented(name):
    doc = " ".join((inspect.getdoc(getattr(hookspecs, name)) or "").split())
    assert doc, f"{name} has no docstring"
    assert "Called" in doc, f"{name} does not say when it is called"
    assert "return value" in doc.lower(), f"{name} does not say what its return value means"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_implemented_in_a_test_or_builtin(name):
    root = Path(__file__).resolve().parent.parent
    sources = [p for p in (root / "tests").glob("test_*.py") if p.name != Path(__file__).name]
    sources += list((root / "ganbench").rglob("plugin.py")) + list((root / "plugins").glob("*.py"))
    assert any(f"def {name}(" in p.read_text() for p in sources), f"no implementation of {name}"
