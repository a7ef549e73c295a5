"""The conformance kit passes every shipped method and reports broken ones clearly."""

import pytest
import torch

from ganbench.pruning import PruningMethod
from ganbench.testing import ConformanceError, check_method

SHIPPED = [
    "random", "magnitude", "gradient", "taylor", "sensitivity", "snip", "channel-l1",
    "channel-taylor", "channel-bn", "hierarchical", "gradual", "lottery", "small-dense",
    "layer-drop",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("conformance-cache")


def test_every_shipped_method_is_listed(registry):
    assert set(registry.names("method")) >= set(SHIPPED)
    assert len(SHIPPED) == 14


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_method_conforms(name, registry, cache_dir):
    report = check_method(name, registry=registry, cache_dir=cache_dir)
    names = {check.name for check in report.checks}
    assert names == {
        "target sparsity", "pruned stay zero", "deterministic", "output shapes",
        "sparsity 0", "sparsity 0.99", "baseline untouched",
    }
    assert {(check.dataset, check.model) for check in report.checks} == {
        (dataset, model) for dataset in ("ring8", "digits") for model in ("dcgan", "cgan", "wgan-gp")
    }


class DriftingScores(PruningMethod):
    """Scores that change from call to call: not reproducible under a fixed seed."""

    name = "drifting"
    calls = 0

    def score(self, context):
        DriftingScores.calls += 1
        generator = torch.Generator().manual_seed(DriftingScores.calls)
        return {n: torch.rand(w.shape, generator=generator) for n, w in context.weights.items()}


class Exploding(PruningMethod):
    name = "exploding"

    def score(self, context):
        raise RuntimeError("score exploded")


def test_nondeterministic_method_fails_with_message(registry, cache_dir):
    with pytest.raises(ConformanceError) as caught:
        check_method(DriftingScores, registry=registry, cache_dir=cache_dir, models=("dcgan",),
                     datasets=("ring8",))
    message = str(caught.value)
    assert "pruning method 'drifting'" in message
    assert "FAIL  ring8/dcgan  deterministic" in message
    assert "differs between two runs with the same seed" in message
    assert "pass  ring8/dcgan  target sparsity" in message


def test_raising_method_fails_every_check_it_reaches(registry, cache_dir):
    with pytest.raises(ConformanceError) as caught:
        check_method(Exploding, registry=registry, cache_dir=cache_dir, models=("dcgan",),
                     datasets=("ring8",))
    message = str(caught.value)
    assert "FAIL  ring8/dcgan  target sparsity: PluginError" in message
    assert "score exploded" in message
    assert "test_conformance (method 'exploding')" in message
    assert "declined or failed on every model" in message
    for name in ("pruned stay zero", "deterministic", "output shapes"):
        assert f"skip  ring8/dcgan  {name}: not run, because the run at sparsity 0.5 failed" in message


class ThreadRecorder(PruningMethod):
    """Magnitude scores that record the torch thread count they were computed with."""

    name = "thread-recorder"
    seen: set[int] = set()

    def score(self, context):
        ThreadRecorder.seen.add(torch.get_num_threads())
        return {n: w.detach().abs() for n, w in context.weights.items()}


def test_kit_runs_on_one_thread(registry, cache_dir):
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        check_method(ThreadRecorder, registry=registry, cache_dir=cache_dir, models=("dcgan",),
                     datasets=("ring8",))
        assert ThreadRecorder.seen == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)
