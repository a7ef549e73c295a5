"""Hook specifications of the ``ganbench`` pluggy project.

Every dataset, model family, metric and pruning method reaches ganbench through these hooks,
the built-in ones included. A plugin is any module or object with functions decorated by
``ganbench.hookimpl`` whose names match the specifications below. Installed packages expose
plugins through the ``ganbench`` entry-point group; ``--plugin PATH`` loads a file or folder.

Registration hooks receive a ``register`` callable and call it once per contributed item, so
one plugin can contribute zero, one or many items. Every registration hook is called exactly
once per process, when the registry is first built. Names must be unique across all plugins.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "ganbench"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# Registration phase: called once when the registry is built.


@hookspec
def ganbench_register_datasets(register):
    """Register datasets.

    Called once while the registry is built. Call ``register(dataset_spec)`` with a
    ``ganbench.data.DatasetSpec`` for each dataset the plugin provides. The return value is
    ignored.
    """


@hookspec
def ganbench_register_models(register):
    """Register GAN model families.

    Called once while the registry is built. Call ``register(family)`` with a
    ``ganbench.models.GANFamily`` instance for each family the plugin provides. The return
    value is ignored.
    """


@hookspec
def ganbench_register_methods(register):
    """Register pruning methods.

    Called once while the registry is built. Call ``register(method_class)`` with a subclass
    of ``ganbench.pruning.PruningMethod`` for each method the plugin provides. The class must
    set ``name``; the runner instantiates it once per run with the run's method options. The
    return value is ignored.
    """


@hookspec
def ganbench_register_metrics(register):
    """Register evaluation metrics.

    Called once while the registry is built. Call ``register(metric)`` with a
    ``ganbench.metrics.Metric`` instance for each metric the plugin provides. Every metric
    whose ``applies_to(dataset)`` is true is computed for every run, and its columns are
    added to the result row. The return value is ignored.
    """


# Run phase: called by the runner.


@hookspec
def ganbench_run_finished(row, suite):
    """Report a finished run to loggers.

    Called once after each run's result row has been written to the result store, whether
    the run succeeded, failed or was declined. It is called in the sweep's driver process,
    whichever executor (local workers, a Dask cluster) executed the run. ``row`` is a dict mapping column names to
    values (see ``ganbench.schema``); ``suite`` is the suite's name. Implementations must not
    modify ``row``. The return value is ignored, and an exception raised here is logged
    without failing the run.
    """
