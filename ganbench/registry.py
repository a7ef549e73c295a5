"""The plugin manager and the registry of datasets, models, methods and metrics.

``load_registry`` builds a pluggy plugin manager, loads every plugin of the ``ganbench``
entry-point group and any plugin files given on the command line or in a suite, calls the
registration hooks once, and records which plugin provided each item. Built-in items arrive
through entry points like everything else.

Set the environment variable ``GANBENCH_TRACE=1`` to log every hook call (pluggy tracing).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pluggy

from ganbench import hookspecs
from ganbench.data.base import DatasetSpec
from ganbench.errors import UsageError
from ganbench.metrics.base import Metric
from ganbench.models.family import GANFamily
from ganbench.pruning.method import PruningMethod

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ganbench"
KINDS = ("dataset", "model", "method", "metric")


@dataclass(frozen=True)
class Provider:
    """Where a plugin came from: its plugin name and, if installed, its distribution."""

    plugin: str
    distribution: str = ""

    def __str__(self) -> str:
        return f"{self.plugin} ({self.distribution})" if self.distribution else self.plugin


@dataclass(frozen=True)
class Entry:
    """A registered item with its name and provider."""

    name: str
    item: Any
    provider: Provider


@dataclass(frozen=True)
class Problem:
    """A plugin that could not be loaded or an item that was rejected, with the reason."""

    plugin: str
    reason: str


@dataclass
class Registry:
    """Registered items by kind and name, plus the plugins that could not be used."""

    plugin_manager: pluggy.PluginManager
    entries: dict[str, dict[str, Entry]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    problems: list[Problem] = field(default_factory=list)
    # The plugin files and folders the registry was built from, as absolute paths, so that
    # worker processes can build the same registry.
    plugin_paths: tuple[str, ...] = ()

    def names(self, kind: str) -> list[str]:
        return sorted(self.entries[kind])

    def get(self, kind: str, name: str) -> Entry:
        """Return the entry ``name`` of ``kind`` or raise ``UsageError`` listing valid names."""
        entry = self.entries[kind].get(name)
        if entry is None:
            valid = ", ".join(self.names(kind)) or "(none)"
            hint = ""
            if self.problems:
                hint = "; some plugins could not be loaded, see 'ganbench list'"
            raise UsageError(f"unknown {kind} {name!r}; valid {kind}s are: {valid}{hint}")
        return entry

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("dataset", name).item

    def model(self, name: str) -> GANFamily:
        return self.get("model", name).item

    def method(self, name: str) -> type[PruningMethod]:
        return self.get("method", name).item

    def metrics(self) -> dict[str, tuple[Metric, str]]:
        """Return every metric with the name of its plugin, in registration order."""
        return {
            name: (entry.item, entry.provider.plugin)
            for name, entry in self.entries["metric"].items()
        }

    def provider(self, kind: str, name: str) -> Provider:
        return self.get(kind, name).provider


_VALIDATORS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "dataset": (lambda item: isinstance(item, DatasetSpec), "a ganbench.data.DatasetSpec"),
    "model": (lambda item: isinstance(item, GANFamily), "a ganbench.models.GANFamily instance"),
    "method": (
        lambda item: isinstance(item, type) and issubclass(item, PruningMethod),
        "a subclass of ganbench.pruning.PruningMethod",
    ),
    "metric": (lambda item: isinstance(item, Metric), "a ganbench.metrics.base.Metric instance"),
}

_HOOKS = {
    "dataset": "ganbench_register_datasets",
    "model": "ganbench_register_models",
    "method": "ganbench_register_methods",
    "metric": "ganbench_register_metrics",
}


def build_plugin_manager(
    plugin_paths: tuple[str, ...] = (),
) -> tuple[pluggy.PluginManager, dict[str, Provider], list[Problem]]:
    """Create the plugin manager and load entry-point and file plugins.

    Returns (manager, provider of each plugin by plugin name, problems). An entry point that
    fails to import is recorded as a problem rather than raised. A ``plugin_paths`` entry
    that does not exist raises ``UsageError``.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    providers: dict[str, Provider] = {}
    problems: list[Problem] = []

    for entry_point in sorted(_entry_points(), key=lambda ep: ep.name):
        distribution = ""
        if entry_point.dist is not None:
            distribution = f"{entry_point.dist.name} {entry_point.dist.version}"
        try:
            plugin = entry_point.load()
        except Exception as error:  # a broken plugin must not break the others
            logger.warning("plugin %r could not be loaded: %s", entry_point.name, error)
            problems.append(Problem(entry_point.name, f"{type(error).__name__}: {error}"))
            continue
        _register(manager, plugin, entry_point.name, Provider(entry_point.name, distribution),
                   providers, problems)

    for path in plugin_paths:
        for module_path in _plugin_files(path):
            name = f"file:{module_path}"
            try:
                plugin = _import_file(module_path)
            except Exception as error:
                logger.warning("plugin file %s could not be loaded: %s", module_path, error)
                problems.append(Problem(name, f"{type(error).__name__}: {error}"))
                continue
            _register(manager, plugin, name, Provider(name), providers, problems)

    if os.environ.get("GANBENCH_TRACE"):
        manager.trace.root.setwriter(lambda message: logger.info("pluggy: %s", message.rstrip()))
        manager.enable_tracing()
    return manager, providers, problems


def load_registry(plugin_paths: tuple[str, ...] = ()) -> Registry:
    """Build the registry from installed plugins and ``plugin_paths`` (files or folders)."""
    manager, providers, problems = build_plugin_manager(tuple(plugin_paths))
    absolute = tuple(str(Path(path).expanduser().resolve()) for path in plugin_paths)
    registry = Registry(manager, problems=problems, plugin_paths=absolute)
    for kind, hook_name in _HOOKS.items():
        for implementation in getattr(manager.hook, hook_name).get_hookimpls():
            provider = providers[implementation.plugin_name]
            register = _registrar(registry, kind, provider)
            arguments = {"register": register}
            try:
                implementation.function(*[arguments[name] for name in implementation.argnames])
            except Exception as error:
                logger.warning("plugin %r failed in %s: %s", provider.plugin, hook_name, error)
                registry.problems.append(
                    Problem(provider.plugin, f"{hook_name} raised {type(error).__name__}: {error}")
                )
    return registry


def _registrar(registry: Registry, kind: str, provider: Provider) -> Callable[[Any], None]:
    is_valid, expected = _VALIDATORS[kind]

    def register(item: Any) -> None:
        if not is_valid(item):
            raise TypeError(f"register() expects {expected}, got {item!r}")
        name = getattr(item, "name", "")
        if not isinstance(name, str) or not name:
            raise TypeError(f"{kind} {item!r} has no name; set its 'name' attribute")
        existing = registry.entries[kind].get(name)
        if existing is not None:
            registry.problems.append(
                Problem(
                    provider.plugin,
                    f"{kind} {name!r} is already registered by {existing.provider}; "
                    "the second registration was ignored",
                )
            )
            return
        registry.entries[kind][name] = Entry(name, item, provider)

    return register


def _register(manager, plugin, name, provider, providers, problems) -> None:
    if manager.has_plugin(name):
        problems.append(Problem(name, "a plugin with this name is already loaded; ignored"))
        return
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        problems.append(Problem(name, f"invalid hook implementation: {error}"))
        return
    providers[name] = provider


def _entry_points():
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def _plugin_files(path: str) -> list[Path]:
    """Return the plugin module files that ``path`` names: the file itself, or a folder's.

    A folder contributes its ``*.py`` files except private ones (``_*.py``) and pytest's
    files (``test_*.py``, ``*_test.py``, ``conftest.py``), so a plugin's tests can sit beside it.
    """
    location = Path(path).expanduser()
    if location.is_file():
        return [location.resolve()]
    if location.is_dir():
        return sorted(p.resolve() for p in location.glob("*.py") if not _is_skipped_in_folder(p.name))
    raise UsageError(f"plugin path {path!r} does not exist; pass a .py file or a folder of them")


def _is_skipped_in_folder(filename: str) -> bool:
    return (
        filename.startswith(("_", "test_"))
        or filename.endswith("_test.py")
        or filename == "conftest.py"
    )


def _import_file(path: Path) -> ModuleType:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    module_name = f"ganbench_file_plugin_{digest}_{path.stem}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
