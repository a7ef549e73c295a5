"""Layer removal: declared blocks, scores by the sensitivity proxy, whole-block removal, stop reasons."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench import defaults, schema
from ganbench.errors import MethodDeclined, PluginError
from ganbench.execute import FINETUNE_SEED_OFFSET
from ganbench.metrics.complexity import count_flops, count_parameters
from ganbench.pruning.block_method import BlockPruningMethod, BlockSelection
from ganbench.pruning.blocks import bypassed, remove_block, removable_blocks
from ganbench.pruning.context import PruningContext
from ganbench.pruning.procedure import prune_and_train
from ganbench.reports.board import build_board
from ganbench.reports.markdown import render_markdown

from conftest import write_suite
from test_runner import sweep

SEED = 0
# ring8 generator (MLP, z 16, width 64, depth 3, output 2): prunable weights per layer.
STEM, BLOCK, HEAD = 16 * 64, 64 * 64, 64 * 2
G_WEIGHTS = STEM + 2 * BLOCK + HEAD
ONE_BLOCK = BLOCK / G_WEIGHTS            # 0.4384
TWO_BLOCKS = 2 * BLOCK / G_WEIGHTS       # 0.8767


def context_for(registry, baselines, dataset="ring8", model="dcgan", target="generator"):
    spec = registry.dataset(dataset)
    baseline = baselines(dataset, model)
    gan, _ = baseline.build(registry.model(model), spec)
    return PruningContext(gan, registry.model(model), spec.load(), target, baseline.config.train, seed=SEED)


def run(registry, baselines, method, sparsity, dataset="ring8", model="dcgan", target="generator", **options):
    spec = registry.dataset(dataset)
    baseline = baselines(dataset, model)
    family = registry.model(model)
    gan, optimizers = baseline.build(family, spec)
    method_class = registry.method(method) if isinstance(method, str) else method
    outcome = prune_and_train(
        method_class, options, "test", baseline=baseline, gan=gan, optimizers=optimizers,
        family=family, spec=spec, dataset=spec.load(), target=target, sparsity=sparsity,
        seed=SEED, finetune=dataclasses.replace(baseline.config.train, steps=3),
        rng=torch.Generator().manual_seed(SEED + FINETUNE_SEED_OFFSET),
    )
    return outcome, optimizers


class FixedScores(BlockPruningMethod):
    """Scores set by the test: blocks.1 is the least important in every network."""

    name = "fixed-blocks"

    def score_blocks(self, context):
        return {name: (0.0 if name.endswith("blocks.1") else 1.0) for name in context.removable_blocks}


class SilentMiss(BlockPruningMethod):
    """Removes nothing and gives no reason, whatever the target."""

    name = "silent-miss"

    def select_blocks(self, context, sparsity):
        return BlockSelection(remove=())


def test_mlp_declares_hidden_blocks_conv_none(registry, baselines):
    mlp = context_for(registry, baselines, target="both")
    assert removable_blocks(mlp.gan, "both") == [
        "generator.blocks.0", "generator.blocks.1", "discriminator.blocks.0", "discriminator.blocks.1",
    ]
    conv = context_for(registry, baselines, dataset="digits")
    assert removable_blocks(conv.gan, "both") == []


def test_bad_declaration_is_rejected(registry, baselines):
    context = context_for(registry, baselines)
    context.gan.generator.removable_blocks = lambda: ["blocks.7"]
    with pytest.raises(ValueError, match="'blocks.7', which is not a submodule"):
        removable_blocks(context.gan, "generator")


def test_scores_are_generator_loss_increase(registry, baselines):
    context = context_for(registry, baselines)
    scores = registry.method("layer-drop")(samples=256).score_blocks(context)

    # Direct computation: the same fixed latent batch (the proxy's first draw from the
    # run's seeded generator), the forward pass written out with a block skipped, and the
    # non-saturating loss -log sigmoid(D(G(z))).
    gan = context.gan
    latent = torch.randn(256, 16, generator=torch.Generator().manual_seed(SEED))
    generator = gan.generator
    saved = {name: buffer.clone() for name, buffer in gan.named_buffers()}

    def loss(skip):
        gan.train()
        with torch.no_grad():
            h = generator.stem(latent)
            for index, block in enumerate(generator.blocks):
                if index != skip:
                    h = block(h)
            logits = gan.discriminator(generator.head(h))
            value = float(F.softplus(-logits).mean())
        for name, buffer in gan.named_buffers():
            buffer.copy_(saved[name])
        return value

    base = loss(None)
    assert scores.keys() == {"generator.blocks.0", "generator.blocks.1"}
    assert scores["generator.blocks.0"] == pytest.approx(loss(0) - base, rel=1e-5, abs=1e-6)
    assert scores["generator.blocks.1"] == pytest.approx(loss(1) - base, rel=1e-5, abs=1e-6)


def test_scoring_leaves_network_unchanged(registry, baselines):
    context = context_for(registry, baselines, target="both")
    before = {name: tensor.clone() for name, tensor in context.gan.state_dict().items()}
    registry.method("layer-drop")(samples=64).score_blocks(context)
    after = context.gan.state_dict()
    assert before.keys() == after.keys()
    for name, tensor in before.items():
        assert torch.equal(tensor, after[name]), name


def test_lowest_scored_block_goes_first(registry, baselines):
    outcome, _ = run(registry, baselines, FixedScores, 0.45)
    blocks = outcome.gan.generator.blocks
    assert isinstance(blocks[1], nn.Identity)
    assert isinstance(blocks[0], nn.Sequential)
    assert outcome.sparsity_note == ""  # 0.4384 is within 0.02 of 0.45


def test_removal_shrinks_params_and_flops(registry, baselines):
    outcome, optimizers = run(registry, baselines, "layer-drop", 0.8)
    generator = outcome.gan.generator
    assert all(isinstance(block, nn.Identity) for block in generator.blocks)

    # Each block held a 64 x 64 Linear with bias and a BatchNorm of 64 features.
    block_params = BLOCK + 64 + 2 * 64
    dense_params = count_parameters(registry.model("dcgan").build(
        registry.dataset("ring8"), defaults.architecture("mixture")).generator)[0]
    assert count_parameters(generator)[0] == dense_params - 2 * block_params
    # FLOPs = 2 x MACs of the remaining linear layers, one sample.
    dense_flops, effective = count_flops(generator, (torch.zeros(1, 16),))
    assert dense_flops == effective == 2 * (STEM + HEAD)

    kept = {id(p) for p in generator.parameters()}
    in_optimizer = {id(p) for group in optimizers[0].param_groups for p in group["params"]}
    assert in_optimizer == kept
    assert all(id(p) in kept for p in optimizers[0].state)


def test_closest_count_with_stop_reason(registry, baselines):
    cases = {
        0.0: (0, ""),
        0.5: (1, "removing 2 of 2 would give 0.8767, further from the target"),
        0.7: (2, "removing 1 of 2 would give 0.4384, further from the target"),
        0.9: (2, "no removable block remains (2 of 2 removed)"),
    }
    for target, (removed, reason) in cases.items():
        outcome, _ = run(registry, baselines, FixedScores, target)
        identities = sum(isinstance(block, nn.Identity) for block in outcome.gan.generator.blocks)
        assert identities == removed, target
        if reason:
            assert reason in outcome.sparsity_note, target
            assert f"stopped at sparsity {removed * BLOCK / G_WEIGHTS:.4f}" in outcome.sparsity_note
        else:
            assert outcome.sparsity_note == "", target


def test_both_networks_reach_target_alone(registry, baselines):
    outcome, _ = run(registry, baselines, FixedScores, 0.5, target="both")
    # The discriminator has 2·64 + 2·64·64 + 64 = 8,384 weights: losing blocks.1 gives 0.4885,
    # within 0.02 of 0.5. The generator stops at 0.4384 and states why.
    assert isinstance(outcome.gan.discriminator.blocks[1], nn.Identity)
    assert isinstance(outcome.gan.generator.blocks[1], nn.Identity)
    assert outcome.sparsity_note.startswith("generator stopped at sparsity 0.4384")
    assert "discriminator" not in outcome.sparsity_note


def test_conv_model_declines(registry, baselines):
    with pytest.raises(MethodDeclined, match=r"generator \(ConvGenerator\) declares no removable block"):
        run(registry, baselines, "layer-drop", 0.5, dataset="digits")


def test_miss_without_reason_fails(registry, baselines):
    with pytest.raises(PluginError, match="must say why"):
        run(registry, baselines, SilentMiss, 0.5)


def test_iterative_schedule_removes_in_rounds(registry, baselines):
    outcome, _ = run(registry, baselines, "layer-drop", 0.9, schedule="iterative", rounds=2)
    assert all(isinstance(block, nn.Identity) for block in outcome.gan.generator.blocks)
    assert "no removable block remains" in outcome.sparsity_note


def test_bypassed_restores_block(registry, baselines):
    context = context_for(registry, baselines)
    block = context.gan.generator.blocks[0]
    with bypassed(context.gan, "generator.blocks.0"):
        assert isinstance(context.gan.generator.blocks[0], nn.Identity)
    assert context.gan.generator.blocks[0] is block
    remove_block(context.gan, "generator.blocks.0")
    assert context.removable_blocks == ["generator.blocks.1"]


def test_sweep_records_note_and_lists_it(tmp_path):
    suite = write_suite(tmp_path, datasets=["ring8", "digits"], methods=["layer-drop"],
                        sparsities=[0.5, 0.9])
    _, frame = sweep(tmp_path, suite)
    ring = frame[(frame[schema.DATASET] == "ring8") & (frame[schema.METHOD] == "layer-drop")]
    ring = ring.set_index(schema.SPARSITY)
    assert set(ring[schema.STATUS]) == {"ok"}
    assert ring.loc[0.5, schema.SPARSITY_ACHIEVED] == pytest.approx(ONE_BLOCK)
    assert ring.loc[0.9, schema.SPARSITY_ACHIEVED] == pytest.approx(TWO_BLOCKS)
    assert "no removable block remains" in ring.loc[0.9, schema.SPARSITY_NOTE]
    dense = frame[(frame[schema.DATASET] == "ring8") & (frame[schema.METHOD] == "dense")].iloc[0]
    assert ring.loc[0.9, schema.G_FLOPS] == 2 * (STEM + HEAD)
    assert dense[schema.G_FLOPS] == 2 * G_WEIGHTS

    digits = frame[(frame[schema.DATASET] == "digits") & (frame[schema.METHOD] == "layer-drop")]
    assert set(digits[schema.STATUS]) == {"declined"}
    assert digits[schema.ERROR].str.contains("declares no removable block").all()

    text = render_markdown(build_board(frame, "tiny"))
    assert "Runs that missed their target sparsity" in text
    assert "no removable block remains (2 of 2 removed)" in text
