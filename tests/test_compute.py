"""Training compute: the FLOP counter, one training step by hand, and each run's compute columns."""

import dataclasses
import textwrap

import torch
from torch import nn

from ganbench import defaults, schema
from ganbench.baselines import BaselineCache
from ganbench.compute import FlopCounter, step_flops
from ganbench.metrics.complexity import count_flops
from ganbench.registry import load_registry
from ganbench.runner import run_suite
from ganbench.store import ResultStore
from ganbench.suite import load_suite

from conftest import write_suite


def forward_flops(gan):
    """Return (generator, discriminator) dense FLOPs per sample for a 2-D mixture GAN."""
    f_g, _ = count_flops(gan.generator, (torch.zeros(1, gan.z_dim), None))
    f_d, _ = count_flops(gan.discriminator, (torch.zeros(1, 2), None))
    return f_g, f_d


def test_counter_triples_passes_with_gradients():
    layer = nn.Linear(4, 3)
    inputs = torch.ones(5, 4)
    with FlopCounter() as counter, torch.no_grad():
        layer(inputs)
    assert counter.flops == 2 * 4 * 3 * 5
    with FlopCounter() as counter:
        layer(inputs).sum().backward()
    assert counter.flops == 3 * 2 * 4 * 3 * 5


def test_counter_counts_only_while_active():
    layer = nn.Linear(4, 3)
    with FlopCounter() as counter:
        pass
    layer(torch.ones(2, 4))
    assert counter.flops == 0


def test_dcgan_step_flops_by_hand(registry):
    spec, family = registry.dataset("ring8"), registry.model("dcgan")
    gan = family.build(spec, defaults.architecture("mixture"))
    settings = dataclasses.replace(defaults.training("mixture", "dcgan"), batch_size=32)
    f_g, f_d = forward_flops(gan)
    # Discriminator update: D on real and fake with gradients (2 × 3 F_D), G without (F_G).
    # Generator update: G and D with gradients (3 F_G + 3 F_D).
    expected = 32 * (9 * f_d + 4 * f_g)
    assert step_flops(gan, family, spec.load(), settings) == expected


def test_wgan_gp_step_counts_critic_steps_and_penalty(registry):
    spec, family = registry.dataset("ring8"), registry.model("wgan-gp")
    gan = family.build(spec, defaults.architecture("mixture"))
    settings = dataclasses.replace(defaults.training("mixture", "wgan-gp"), batch_size=16)
    assert settings.critic_steps == 5
    f_g, f_d = forward_flops(gan)
    # Each critic step: D on fake, real and the penalty's interpolates with gradients, G without.
    critic = 3 * 3 * f_d + f_g
    expected = 16 * (5 * critic + 3 * f_g + 3 * f_d)
    assert step_flops(gan, family, spec.load(), settings) == expected


def test_step_flops_changes_nothing(registry):
    spec, family = registry.dataset("ring8"), registry.model("dcgan")
    gan = family.build(spec, defaults.architecture("mixture"))
    before = {name: value.clone() for name, value in gan.state_dict().items()}
    rng_state = torch.random.get_rng_state()
    step_flops(gan, family, spec.load(), defaults.training("mixture", "dcgan"))
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    for name, value in gan.state_dict().items():
        assert torch.equal(value, before[name]), name


REPORTING_METHODS = textwrap.dedent(
    '''
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class Retrains(PruningMethod):
        name = "retrains"
        def score(self, context):
            context.trained_steps += 7
            return {n: w.detach().abs() for n, w in context.weights.items()}

    class FromScratch(PruningMethod):
        name = "from-scratch"
        starts_from = "initialization"
        def score(self, context):
            return {n: w.detach().abs() for n, w in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        register(Retrains)
        register(FromScratch)
    '''
)


def test_run_rows_record_compute(tmp_path, registry):
    plugin = tmp_path / "reporting.py"
    plugin.write_text(REPORTING_METHODS)
    suite_path = write_suite(
        tmp_path, methods=["magnitude", "gradient", "retrains", "from-scratch"], sparsities=[0.5]
    )
    suite = load_suite(str(suite_path))
    store = ResultStore(tmp_path / "results" / "tiny.csv")
    run_suite(suite, load_registry((str(plugin),)), store, BaselineCache(tmp_path / "cache"))
    rows = store.read().set_index(schema.METHOD)
    assert (rows[schema.STATUS] == schema.STATUS_OK).all()

    spec, family = registry.dataset("ring8"), registry.model("dcgan")
    gan = family.build(spec, defaults.architecture("mixture"))
    settings = defaults.training("mixture", "dcgan")
    per_step = step_flops(gan, family, spec.load(), settings)
    f_g, f_d = forward_flops(gan)

    dense = rows.loc["dense"]
    assert dense[schema.PRETRAIN_STEPS] == 40  # write_suite's baseline steps
    assert dense[schema.FINETUNE_STEPS] == 10
    assert dense[schema.TRAIN_STEPS] == 10
    assert dense[schema.PRETRAIN_FLOPS] == 40 * per_step
    assert dense[schema.FINETUNE_FLOPS] == 10 * per_step
    assert dense[schema.PRUNE_FLOPS] == 0
    assert dense[schema.TRAIN_FLOPS] == 50 * per_step
    assert dense[schema.PRETRAIN_SECONDS] > 0
    assert dense[schema.FINETUNE_SECONDS] > 0

    assert rows.loc["magnitude", schema.PRUNE_FLOPS] == 0
    assert rows.loc["magnitude", schema.PRUNE_STEPS] == 0
    # One batch of generator-loss gradients: G and D forward and backward.
    batch = settings.batch_size
    assert rows.loc["gradient", schema.PRUNE_FLOPS] == 3 * batch * (f_g + f_d)
    assert rows.loc["gradient", schema.TRAIN_FLOPS] == 50 * per_step + 3 * batch * (f_g + f_d)

    assert rows.loc["retrains", schema.PRUNE_STEPS] == 7
    assert rows.loc["from-scratch", schema.PRETRAIN_STEPS] == 0
    assert rows.loc["from-scratch", schema.PRETRAIN_FLOPS] == 0
    # Training from scratch spends the baseline's whole budget (40 steps) as its schedule.
    assert rows.loc["from-scratch", schema.TRAIN_STEPS] == 40
    assert rows.loc["from-scratch", schema.TRAIN_FLOPS] == 40 * per_step
