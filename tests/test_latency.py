"""The latency metric: recorded with its thread count, leaving the process as it was."""

import torch

from ganbench import schema
from ganbench.metrics.latency import THREADS, GeneratorLatency, generator_latency_ms


def test_latency_restores_threads_and_mode():
    torch.set_num_threads(2)
    network = torch.nn.Sequential(torch.nn.Linear(8, 8))
    generator = type("G", (torch.nn.Module,), {"forward": lambda self, z, y: network(z)})()
    generator.train()
    value = generator_latency_ms(generator, torch.randn(64, 8), None, repeats=3, warmup=1)
    assert value > 0
    assert torch.get_num_threads() == 2
    assert generator.training
    torch.set_num_threads(1)


def test_latency_columns_declared():
    metric = GeneratorLatency()
    assert set(metric.columns) == {schema.G_LATENCY_MS, schema.LATENCY_THREADS}
    assert THREADS == 1
