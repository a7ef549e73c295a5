"""Executors: local worker processes and a Dask LocalCluster give the sequential numbers."""

import logging
import textwrap

import pandas as pd
import pytest

from ganbench import schema
from ganbench.baselines import BaselineCache
from ganbench.errors import UsageError
from ganbench.executors import DaskExecutor, WorkerSetup
from ganbench.registry import load_registry
from ganbench.runner import Execution, run_suite
from ganbench.store import ResultStore
from ganbench.suite import load_suite

from conftest import write_suite

# Every column that a run's result determines; wall-time measurements differ.
COMPARED = [
    column for column in schema.ORDERED_COLUMNS if column not in schema.TIMING_COLUMNS
]


def sweep(folder, suite_path, execution, plugins=()):
    suite = load_suite(str(suite_path))
    registry = load_registry(tuple(plugins) + suite.plugins)
    store = ResultStore(folder / "results" / f"{suite.name}.csv")
    summary = run_suite(suite, registry, store, BaselineCache(folder / "cache"), execution=execution)
    return summary, store.read()


def by_key(frame):
    return frame.set_index(schema.RUN_KEY).sort_index()[[c for c in COMPARED if c != schema.RUN_KEY]]


@pytest.fixture(scope="module")
def small_suite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("suite")
    return write_suite(
        folder, datasets=["ring8", "digits"], models=["dcgan"],
        methods=["magnitude", "gradient"], sparsities=[0.5, 0.9],
    )


@pytest.fixture(scope="module")
def sequential(small_suite, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sequential")
    summary, frame = sweep(folder, small_suite, Execution())
    assert summary.done == 10
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
    return frame


def test_workers_match_sequential(small_suite, sequential, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="ganbench.baselines"):
        summary, frame = sweep(tmp_path, small_suite, Execution(workers=2))
    assert summary.done == 10
    assert summary.executor == "2 local worker processes"
    pd.testing.assert_frame_equal(by_key(frame), by_key(sequential))
    trainings = [r for r in caplog.records if r.getMessage().startswith("training dense baseline")]
    assert len(trainings) == 2  # forwarded from the workers, one per dataset


def test_dask_cluster_matches_sequential(small_suite, sequential, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, protocol="tcp",
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary, frame = sweep(tmp_path, small_suite, Execution(dask_scheduler=cluster.scheduler_address))
    assert summary.done == 10
    assert summary.executor.startswith("Dask cluster at tcp://127.0.0.1:")
    pd.testing.assert_frame_equal(by_key(frame), by_key(sequential))


def test_unreachable_dask_scheduler_is_usage_error(tmp_path):
    pytest.importorskip("distributed")
    setup = WorkerSetup((), str(tmp_path), 1, "sweep", logging.INFO)
    with pytest.raises(UsageError, match="cannot connect to the Dask scheduler at 'tcp://127.0.0.1:9'"):
        DaskExecutor("tcp://127.0.0.1:9", setup, connect_timeout=1.0)


SELF_KILLING = textwrap.dedent(
    '''
    import os
    import signal
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class SelfKilling(PruningMethod):
        name = "self-killing"
        def score(self, context):
            os.kill(os.getpid(), signal.SIGKILL)

    @hookimpl
    def ganbench_register_methods(register):
        register(SelfKilling)
    '''
)


def test_dead_worker_fails_only_its_run(tmp_path):
    plugin = tmp_path / "self_killing.py"
    plugin.write_text(SELF_KILLING)
    suite = write_suite(tmp_path, methods=["magnitude", "self-killing", "random"], sparsities=[0.5])
    summary, frame = sweep(tmp_path, suite, Execution(workers=2), plugins=[str(plugin)])

    assert len(frame) == 4
    killed = frame[frame[schema.METHOD] == "self-killing"]
    assert (killed[schema.STATUS] == schema.STATUS_FAILED).all()
    assert killed[schema.ERROR].str.contains(
        "the worker process executing this run died (killed by SIGKILL)", regex=False
    ).all()
    others = frame[frame[schema.METHOD] != "self-killing"]
    assert (others[schema.STATUS] == schema.STATUS_OK).all()
    assert summary.failed == 1


def test_dead_dask_worker_fails_only_its_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    plugin = tmp_path / "self_killing.py"
    plugin.write_text(SELF_KILLING)
    suite = write_suite(tmp_path, methods=["magnitude", "self-killing"], sparsities=[0.5])
    # Without retries on other workers, the first death fails the task with KilledWorker.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, protocol="tcp",
        ) as cluster:
            summary, frame = sweep(tmp_path, suite, Execution(dask_scheduler=cluster.scheduler_address),
                                   plugins=[str(plugin)])

    status = dict(zip(frame[schema.METHOD], frame[schema.STATUS]))
    assert status == {"dense": "ok", "magnitude": "ok", "self-killing": "failed"}
    error = frame.loc[frame[schema.METHOD] == "self-killing", schema.ERROR].iloc[0]
    assert error.startswith("the Dask workers executing this run died")
    assert summary.failed == 1
