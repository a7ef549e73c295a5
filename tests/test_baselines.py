"""The baseline cache: damaged checkpoints are retrained, failures are shared within a sweep."""

import json
import logging
import multiprocessing

import pytest
import torch

from ganbench.baselines import BaselineCache, state_digest
from ganbench.errors import BaselineUnavailable
from ganbench.suite import expand, load_suite
from ganbench.training import TrainingDiverged

from conftest import write_suite


@pytest.fixture
def baseline(tmp_path, registry):
    """(config, family, dataset spec) of the tiny suite's ring8/dcgan baseline."""
    suite = write_suite(tmp_path)
    run = expand(load_suite(str(suite)), registry)[0]
    return run.baseline, registry.model(run.model), registry.dataset(run.dataset)


def trainings(caplog):
    return [r for r in caplog.records if r.getMessage().startswith("training dense baseline")]


def weights(baseline_object):
    return {name: tensor.clone() for name, tensor in baseline_object.state["generator"].items()}


def assert_same_weights(first, second):
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def damage_and_reload(tmp_path, baseline, caplog, damage):
    """Train, damage the checkpoint with ``damage(path)``, load again; return both weights."""
    config, family, spec = baseline
    cache = BaselineCache(tmp_path / "cache")
    trained = weights(cache.get(config, family, spec))
    path = cache.path(config)
    damage(path)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ganbench.baselines"):
        reloaded = weights(BaselineCache(tmp_path / "cache").get(config, family, spec))
    return trained, reloaded, path


def test_truncated_checkpoint_is_retrained(tmp_path, baseline, caplog):
    def truncate(path):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    trained, reloaded, path = damage_and_reload(tmp_path, baseline, caplog, truncate)
    assert any("is unreadable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert len(trainings(caplog)) == 1
    assert_same_weights(trained, reloaded)
    torch.load(path, weights_only=True)  # replaced by a whole checkpoint


def test_flipped_tensor_byte_is_detected(tmp_path, baseline, caplog):
    def flip(path):
        state = torch.load(path, weights_only=True)
        tensor = next(iter(state["generator"].values()))
        needle = tensor.reshape(-1)[:4].numpy().tobytes()
        data = bytearray(path.read_bytes())
        position = data.find(needle)
        assert position > 0
        data[position] ^= 0xFF
        path.write_bytes(bytes(data))
        torch.load(path, weights_only=True)  # torch itself does not notice

    trained, reloaded, _ = damage_and_reload(tmp_path, baseline, caplog, flip)
    assert any("digest of its tensors does not match" in r.getMessage() for r in caplog.records)
    assert len(trainings(caplog)) == 1
    assert_same_weights(trained, reloaded)


def test_checkpoint_with_other_config_is_retrained(tmp_path, baseline, caplog):
    def rewrite_config(path):
        state = torch.load(path, weights_only=True)
        config = json.loads(state["config"])
        config["seed"] += 1
        state["config"] = json.dumps(config, sort_keys=True)
        state["digest"] = state_digest(state)
        torch.save(state, path)

    trained, reloaded, _ = damage_and_reload(tmp_path, baseline, caplog, rewrite_config)
    assert any("stored configuration differs" in r.getMessage() for r in caplog.records)
    assert len(trainings(caplog)) == 1
    assert_same_weights(trained, reloaded)


def test_checkpoint_without_digest_is_retrained(tmp_path, baseline, caplog):
    def drop_digest(path):
        state = torch.load(path, weights_only=True)
        del state["digest"]
        torch.save(state, path)

    _, _, _ = damage_and_reload(tmp_path, baseline, caplog, drop_digest)
    assert any("has no digest" in r.getMessage() for r in caplog.records)
    assert len(trainings(caplog)) == 1


def test_stale_temporary_files_are_removed(tmp_path, baseline):
    config, family, spec = baseline
    cache = BaselineCache(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    stale = tmp_path / "cache" / f"{config.key()}.ptx1y2z3.tmp"
    stale.write_bytes(b"partial")
    cache.get(config, family, spec)
    assert not stale.exists()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        f"{config.key()}.lock", f"{config.key()}.pt",
    ]


def test_digest_ignores_list_or_tuple():
    assert state_digest({"a": [1, 2], "t": torch.ones(2)}) == state_digest({"a": (1, 2), "t": torch.ones(2)})
    assert state_digest({"t": torch.ones(2)}) != state_digest({"t": torch.zeros(2)})
    assert state_digest({"t": torch.ones(2)}) != state_digest({"t": torch.ones(1, 2)})


def test_failure_is_shared_within_one_sweep(tmp_path, baseline, monkeypatch):
    config, family, spec = baseline
    calls = []

    def diverge(*args, **kwargs):
        calls.append(1)
        raise TrainingDiverged("training diverged at step 3: discriminator loss nan, generator loss nan")

    monkeypatch.setattr("ganbench.baselines.train", diverge)
    with pytest.raises(TrainingDiverged):
        BaselineCache(tmp_path / "cache", sweep_id="one").get(config, family, spec)
    # Another process of the same sweep: same reason, no second training.
    with pytest.raises(BaselineUnavailable, match="training diverged at step 3"):
        BaselineCache(tmp_path / "cache", sweep_id="one").get(config, family, spec)
    assert len(calls) == 1
    # A new sweep tries again.
    with pytest.raises(TrainingDiverged):
        BaselineCache(tmp_path / "cache", sweep_id="two").get(config, family, spec)
    assert len(calls) == 2


def _get_and_report(cache_dir, suite_path, start, result):
    from ganbench.registry import load_registry

    registry = load_registry()
    run = expand(load_suite(str(suite_path)), registry)[0]
    counter = []
    handler = logging.Handler()
    handler.emit = lambda record: counter.append(record.getMessage())
    logger = logging.getLogger("ganbench.baselines")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    start.wait(60)
    baseline = BaselineCache(cache_dir).get(run.baseline, registry.model(run.model), registry.dataset(run.dataset))
    trained = sum(message.startswith("training dense baseline") for message in counter)
    result.put((trained, state_digest(baseline.state)))


def test_concurrent_processes_train_once(tmp_path):
    suite = write_suite(tmp_path)
    context = multiprocessing.get_context("spawn")
    start, result = context.Event(), context.Queue()
    processes = [
        context.Process(target=_get_and_report, args=(tmp_path / "cache", suite, start, result))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    start.set()
    outcomes = [result.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(60)
    assert sorted(trained for trained, _ in outcomes) == [0, 1]
    assert outcomes[0][1] == outcomes[1][1]


def test_memory_serves_unchanged_checkpoint(tmp_path, baseline, monkeypatch):
    config, family, spec = baseline
    cache = BaselineCache(tmp_path / "cache")
    cache.get(config, family, spec)
    loads = []
    real_load = torch.load
    monkeypatch.setattr("ganbench.baselines.torch.load", lambda *a, **k: loads.append(1) or real_load(*a, **k))

    first = cache.get(config, family, spec)
    assert loads == []
    assert cache.get(config, family, spec) is first

    path = cache.path(config)
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data)  # a new file with the same content: loaded and verified again
    cache.get(config, family, spec)
    assert loads == [1]
