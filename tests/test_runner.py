"""The runner end to end on tiny suites: recording, caching, isolation of broken plugins."""

import hashlib
import logging
import textwrap

import pandas as pd
import pytest
import torch

from ganbench import schema
from ganbench.baselines import BaselineCache
from ganbench.registry import load_registry
from ganbench.runner import run_suite
from ganbench.store import ResultStore
from ganbench.suite import load_suite

from conftest import write_suite


def sweep(folder, suite_path, plugins=(), cache=None):
    suite = load_suite(str(suite_path))
    registry = load_registry(tuple(plugins) + suite.plugins)
    store = ResultStore(folder / "results" / f"{suite.name}.csv")
    summary = run_suite(suite, registry, store, cache or BaselineCache(folder / "cache"))
    return summary, store.read()


def test_rerun_skips_recorded_runs(tmp_path):
    suite = write_suite(tmp_path)
    summary, frame = sweep(tmp_path, suite)
    assert summary.done == 3  # dense + random + magnitude at 0.5
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
    summary, again = sweep(tmp_path, suite)
    assert summary.done == 0
    assert summary.skipped == 3
    assert len(again) == 3


def test_changed_setting_is_new_run(tmp_path):
    suite = write_suite(tmp_path)
    sweep(tmp_path, suite)
    suite.write_text(suite.read_text().replace("steps = 10", "steps = 11"))
    summary, frame = sweep(tmp_path, suite)
    assert summary.done == 3
    assert len(frame) == 6
    assert frame[schema.RUN_KEY].is_unique
    assert sorted(frame[schema.FINETUNE_STEPS].unique()) == [10, 11]


def test_baseline_trained_once_per_pair(tmp_path, caplog):
    suite = write_suite(tmp_path, models=["dcgan", "cgan"], sparsities=[0.3, 0.6])
    with caplog.at_level(logging.INFO, logger="ganbench.baselines"):
        sweep(tmp_path, suite)
    trainings = [r.message for r in caplog.records if r.message.startswith("training dense baseline")]
    assert len(trainings) == 2
    caplog.clear()
    suite.write_text(suite.read_text().replace("0.3, 0.6", "0.7"))
    with caplog.at_level(logging.INFO, logger="ganbench.baselines"):
        sweep(tmp_path, suite)
    assert not [r for r in caplog.records if r.message.startswith("training dense baseline")]


def test_cached_baseline_is_not_modified(tmp_path):
    suite = write_suite(tmp_path, sparsities=[0.0])
    cache = BaselineCache(tmp_path / "cache")
    sweep(tmp_path, suite, cache=cache)
    (checkpoint,) = (tmp_path / "cache").glob("*.pt")
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    modified = checkpoint.stat().st_mtime_ns

    suite.write_text(suite.read_text().replace("sparsities = [0.0]", "sparsities = [0.5, 0.9]"))
    summary, _ = sweep(tmp_path, suite, cache=cache)
    assert summary.done == 4
    assert hashlib.sha256(checkpoint.read_bytes()).hexdigest() == digest
    assert checkpoint.stat().st_mtime_ns == modified


MASK_PROBE = textwrap.dedent(
    '''
    from ganbench import hookimpl
    from ganbench.metrics.base import Metric

    class PrunedNonzero(Metric):
        name = "pruned-nonzero"
        columns = {"pruned_nonzero": "non-zero weights at pruned positions after fine-tuning"}

        def compute(self, evaluation):
            weights = dict(evaluation.gan.named_parameters())
            count = 0
            for name, mask in evaluation.masks.items():
                count += int((weights[name][~mask] != 0).sum())
            return {"pruned_nonzero": count}

    @hookimpl
    def ganbench_register_metrics(register):
        register(PrunedNonzero())
    '''
)


def test_masks_hold_through_finetuning(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(MASK_PROBE)
    suite = write_suite(
        tmp_path, models=["dcgan", "wgan-gp"], methods=["magnitude", "taylor"],
        sparsities=[0.5, 0.9], targets=["generator", "discriminator", "both"],
    )
    _, frame = sweep(tmp_path, suite, plugins=[str(probe)])
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
    assert (frame["pruned_nonzero"] == 0).all()
    pruned = frame[frame[schema.METHOD] != schema.DENSE_METHOD]
    gap = (pruned[schema.SPARSITY_ACHIEVED] - pruned[schema.SPARSITY]).abs()
    assert (gap <= 0.005).all()


BROKEN_METHODS = textwrap.dedent(
    '''
    import torch
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class Raises(PruningMethod):
        name = "raises"
        def score(self, context):
            raise RuntimeError("scoring exploded")

    class WrongShape(PruningMethod):
        name = "wrong-shape"
        def score(self, context):
            return {n: torch.zeros(3) for n in context.weights}

    class NanScores(PruningMethod):
        name = "nan-scores"
        def score(self, context):
            return {n: torch.full(w.shape, float("nan")) for n, w in context.weights.items()}

    class MissesTarget(PruningMethod):
        name = "misses-target"
        def prune(self, context, sparsity):
            return {n: torch.ones(w.shape, dtype=torch.bool) for n, w in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        for method in (Raises, WrongShape, NanScores, MissesTarget):
            register(method)
    '''
)


def test_broken_methods_fail_only_their_runs(tmp_path):
    plugin = tmp_path / "broken_methods.py"
    plugin.write_text(BROKEN_METHODS)
    suite = write_suite(
        tmp_path, methods=["raises", "magnitude", "wrong-shape", "nan-scores", "misses-target", "random"],
        sparsities=[0.5],
    )
    summary, frame = sweep(tmp_path, suite, plugins=[str(plugin)])
    status = dict(zip(frame[schema.METHOD], frame[schema.STATUS]))
    errors = dict(zip(frame[schema.METHOD], frame[schema.ERROR]))
    assert status == {
        "dense": "ok", "raises": "failed", "magnitude": "ok", "wrong-shape": "failed",
        "nan-scores": "failed", "misses-target": "failed", "random": "ok",
    }
    assert summary.failed == 4
    plugin_name = f"file:{plugin.resolve()}"
    for method in ("raises", "wrong-shape", "nan-scores", "misses-target"):
        assert plugin_name in errors[method]
        assert f"method {method!r}" in errors[method]
    assert "scoring exploded" in errors["raises"]
    assert "shape" in errors["wrong-shape"]
    assert "NaN or infinite" in errors["nan-scores"]
    assert "reached sparsity 0.0000 instead of the target 0.5000" in errors["misses-target"]


def test_diverged_baseline_fails_its_runs(tmp_path):
    suite = write_suite(tmp_path, datasets=["ring8"], models=["wgan-gp"], sparsities=[0.5])
    suite.write_text(suite.read_text().replace("[baseline]\n", "[baseline]\nlr_discriminator = 1e30\nlr_generator = 1e30\n"))
    summary, frame = sweep(tmp_path, suite)
    assert (frame[schema.STATUS] == schema.STATUS_FAILED).all()
    assert frame[schema.ERROR].str.contains("diverged").all()
    assert summary.failed == 3


RUN_LOGGER = textwrap.dedent(
    '''
    import json
    from ganbench import hookimpl

    @hookimpl
    def ganbench_run_finished(row, suite):
        with open(__file__ + ".log", "a") as handle:
            handle.write(json.dumps({"suite": suite, "method": row["method"], "status": row["status"]}) + "\\n")
    '''
)


def test_run_finished_hook_sees_every_run(tmp_path):
    logger_file = tmp_path / "run_logger.py"
    logger_file.write_text(RUN_LOGGER)
    suite = write_suite(tmp_path)
    sweep(tmp_path, suite, plugins=[str(logger_file)])
    lines = (tmp_path / "run_logger.py.log").read_text().splitlines()
    assert len(lines) == 3
    assert all('"suite": "tiny"' in line for line in lines)


def test_same_command_reproduces_numbers(tmp_path):
    suite = write_suite(tmp_path, datasets=["digits"], models=["cgan"], methods=["gradient"])
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _, a = sweep(first, suite)
    _, b = sweep(second, suite)
    columns = [schema.RUN_KEY, schema.FID, schema.MODES_COVERED, schema.MODE_KL, schema.G_PARAMS_NONZERO]
    pd.testing.assert_frame_equal(a[columns], b[columns])


BROKEN_STRUCTURED = textwrap.dedent(
    '''
    import torch
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod
    from ganbench.pruning.channels import ChannelPruningMethod

    class ChannelRaises(ChannelPruningMethod):
        name = "channel-raises"
        def score_channels(self, context):
            raise RuntimeError("channel scoring exploded")

    class ChannelWrongShape(ChannelPruningMethod):
        name = "channel-wrong-shape"
        def score_channels(self, context):
            return {g.name: torch.ones(g.channels + 1) for g in context.channel_groups}

    class ChannelInfinite(ChannelPruningMethod):
        name = "channel-infinite"
        def score_channels(self, context):
            return {g.name: torch.full((g.channels,), float("inf")) for g in context.channel_groups}

    class ChannelKeepsNothing(ChannelPruningMethod):
        name = "channel-keeps-nothing"
        def select_channels(self, context, sparsity):
            return {g.name: torch.zeros(g.channels, dtype=torch.bool) for g in context.channel_groups}

    class ChannelMissesTarget(ChannelPruningMethod):
        name = "channel-misses-target"
        def select_channels(self, context, sparsity):
            return {g.name: torch.ones(g.channels, dtype=torch.bool) for g in context.channel_groups}

    class GradualNan(PruningMethod):
        name = "gradual-nan"
        schedule = "gradual"
        calls = 0
        def score(self, context):
            GradualNan.calls += 1
            value = float("nan") if GradualNan.calls > 2 else 1.0
            return {n: torch.full(w.shape, value) for n, w in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        for method in (ChannelRaises, ChannelWrongShape, ChannelInfinite, ChannelKeepsNothing,
                       ChannelMissesTarget, GradualNan):
            register(method)
    '''
)


def test_broken_structured_and_scheduled_methods_fail_only_their_runs(tmp_path):
    plugin = tmp_path / "broken_structured.py"
    plugin.write_text(BROKEN_STRUCTURED)
    methods = ["channel-raises", "channel-l1", "channel-wrong-shape", "channel-infinite",
               "channel-keeps-nothing", "channel-misses-target", "gradual-nan:update_every=2", "gradual"]
    suite = write_suite(tmp_path, methods=methods, sparsities=[0.5])
    summary, frame = sweep(tmp_path, suite, plugins=[str(plugin)])
    status = dict(zip(frame[schema.METHOD], frame[schema.STATUS]))
    errors = dict(zip(frame[schema.METHOD], frame[schema.ERROR]))
    assert status == {"dense": "ok", "channel-l1": "ok", "gradual": "ok",
                      **{method: "failed" for method in methods if method not in ("channel-l1", "gradual")}}
    assert summary.failed == 6
    plugin_name = f"file:{plugin.resolve()}"
    for method in methods:
        if status[method] == "failed":
            name = method.split(":")[0]
            assert f"{plugin_name} (method {name!r})" in errors[method]
    assert "channel scoring exploded" in errors["channel-raises"]
    assert "shape (65,), but the layer has 64 output channels" in errors["channel-wrong-shape"]
    assert "NaN or infinite" in errors["channel-infinite"]
    assert "removes every channel" in errors["channel-keeps-nothing"]
    assert "reached sparsity 0.0000 instead of the target 0.5000 (allowed difference 0.02)" in errors["channel-misses-target"]
    # The third mask update, at fine-tuning step 6, gets NaN scores.
    assert "NaN or infinite" in errors["gradual-nan:update_every=2"]
