"""The built-in metrics, registered through the same hook as any plugin."""

from ganbench.hookspecs import hookimpl
from ganbench.metrics.builtin import (
    FID,
    Complexity,
    KernelInceptionDistance,
    ModeCoverage,
    PrecisionRecall,
)
from ganbench.metrics.latency import GeneratorLatency


@hookimpl
def ganbench_register_metrics(register):
    register(FID())
    register(KernelInceptionDistance())
    register(PrecisionRecall())
    register(ModeCoverage())
    register(Complexity())
    register(GeneratorLatency())
