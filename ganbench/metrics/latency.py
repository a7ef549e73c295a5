"""Measured inference latency of the generator on the CPU.

FLOP counts say how much arithmetic a network needs; latency says how long it takes. A
structurally pruned generator is a smaller dense network and should run faster; a masked one
runs exactly as fast as the dense one. The figure is the median wall time of ``REPEATS``
forward passes of a batch of ``BATCH`` latent vectors, after ``WARMUP`` unmeasured passes, in
evaluation mode without gradients, on the CPU with ``THREADS`` torch thread(s). The thread
count is set only for the measurement and recorded in the ``latency_threads`` column.

Latency depends on the machine and its load, so it is not part of the regression check.
"""

from __future__ import annotations

import copy
import statistics
import time

import torch

from ganbench import schema
from ganbench.metrics.base import Evaluation, Metric

BATCH = 64
WARMUP = 5
REPEATS = 30
THREADS = 1


def generator_latency_ms(
    generator: torch.nn.Module,
    latent: torch.Tensor,
    labels: torch.Tensor | None,
    repeats: int = REPEATS,
    warmup: int = WARMUP,
    threads: int = THREADS,
) -> float:
    """Return the median milliseconds of one forward pass of ``generator`` on ``latent``.

    The generator is moved to a CPU copy only if it is elsewhere; its train/eval mode and the
    process's torch thread count are restored afterwards.
    """
    network = generator if _on_cpu(generator) else _cpu_copy(generator)
    latent = latent.cpu()
    labels = None if labels is None else labels.cpu()
    previous_threads = torch.get_num_threads()
    was_training = network.training
    network.eval()
    torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            for _ in range(warmup):
                network(latent, labels)
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                network(latent, labels)
                timings.append(time.perf_counter() - started)
    finally:
        torch.set_num_threads(previous_threads)
        network.train(was_training)
    return 1000.0 * statistics.median(timings)


def _on_cpu(module: torch.nn.Module) -> bool:
    return all(parameter.device.type == "cpu" for parameter in module.parameters())


def _cpu_copy(module: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(module).cpu()


class GeneratorLatency(Metric):
    """Median CPU latency of a batch-64 generator forward pass, with its thread count."""

    name = "latency"
    description = f"median CPU time of a batch-{BATCH} generator forward pass, {THREADS} thread(s)"
    columns = {
        schema.G_LATENCY_MS: f"median milliseconds of a batch-{BATCH} generator forward pass on the CPU",
        schema.LATENCY_THREADS: "torch threads used for the latency measurement",
    }

    def compute(self, evaluation: Evaluation) -> dict:
        gan = evaluation.gan
        rng = torch.Generator().manual_seed(0)
        latent = torch.randn(BATCH, gan.z_dim, generator=rng)
        labels = None
        if gan.conditional:
            labels = torch.randint(0, gan.num_classes, (BATCH,), generator=rng)
        return {
            schema.G_LATENCY_MS: generator_latency_ms(gan.generator, latent, labels),
            schema.LATENCY_THREADS: THREADS,
        }
