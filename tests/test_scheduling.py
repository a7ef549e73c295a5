"""The dispatch order: dense runs before their pruned runs, one training per baseline."""

import pytest

from ganbench.scheduling import RunQueue, order_runs
from ganbench.suite import expand, load_suite

from conftest import write_suite


@pytest.fixture
def runs(tmp_path, registry):
    suite = write_suite(tmp_path, models=["dcgan", "cgan"], methods=["random", "magnitude"], sparsities=[0.5])
    return expand(load_suite(str(suite)), registry)


def describe(run):
    return f"{run.model} {run.method}"


def test_one_slot_groups_by_baseline(runs):
    assert [describe(r) for r in order_runs(runs, dense_first=False)] == [
        "dcgan dense", "dcgan random", "dcgan magnitude", "cgan dense", "cgan random", "cgan magnitude",
    ]


def test_several_slots_put_dense_first(runs):
    assert [describe(r) for r in order_runs(runs, dense_first=True)] == [
        "dcgan dense", "cgan dense", "dcgan random", "dcgan magnitude", "cgan random", "cgan magnitude",
    ]


def test_pruned_runs_wait_for_dense(runs):
    queue = RunQueue(runs, slots=2, is_cached=lambda config: False)
    first, second = queue.next_ready(), queue.next_ready()
    assert [describe(first), describe(second)] == ["dcgan dense", "cgan dense"]
    assert queue.next_ready() is None

    queue.finished(second)
    assert [describe(queue.next_ready()), describe(queue.next_ready())] == ["cgan random", "cgan magnitude"]
    assert queue.next_ready() is None
    queue.finished(first)
    assert describe(queue.next_ready()) == "dcgan random"
    assert len(queue) == 1


def test_recorded_dense_lets_one_run_train(tmp_path, registry):
    suite = write_suite(tmp_path, methods=["random", "magnitude"], sparsities=[0.5])
    pruned = [run for run in expand(load_suite(str(suite)), registry) if not run.is_dense]

    queue = RunQueue(pruned, slots=2, is_cached=lambda config: False)
    first = queue.next_ready()
    queue.started(first)
    assert queue.next_ready() is None  # the baseline is being trained by the first run
    queue.finished(first)
    assert queue.next_ready() is not None

    cached = RunQueue(pruned, slots=2, is_cached=lambda config: True)
    queue.started(cached.next_ready())
    assert cached.next_ready() is not None


def test_deferred_run_returns_after_its_time(runs):
    queue = RunQueue(runs, slots=1, is_cached=lambda config: True)
    dense = queue.next_ready(now=0.0)
    queue.defer(dense, until=10.0)
    assert queue.next_wakeup() == 10.0
    assert describe(queue.next_ready(now=5.0)) == "cgan dense"
    assert queue.next_ready(now=5.0) is None  # dcgan's pruned runs wait for its dense run
    assert queue.next_ready(now=10.0) is dense
    queue.finished(dense)
    assert queue.next_wakeup() is None
    assert describe(queue.next_ready(now=10.0)) == "dcgan random"
