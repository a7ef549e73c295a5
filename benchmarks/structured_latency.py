"""Latency against FLOPs of every image generator after structured 50 % channel pruning.

For each GAN family on each image dataset (``digits``, ``mnist-5k``, ``stacked-mnist-5k`` by
default), builds the generator with the default architecture, removes
channels with ``channel-l1`` (layer scope) to sparsity 0.5, and measures the median CPU
latency of batch-64 forward passes (one torch thread) of the dense and the pruned generator,
alternating between them. Prints the FLOPs ratio, the latency ratio and the speed-up as a
fraction of the FLOPs reduction. With ``--layers``, also prints the median time of every
leaf layer of each dense and pruned generator, timed with forward hooks.

    python benchmarks/structured_latency.py --repeats 300
    python benchmarks/structured_latency.py --datasets mnist-5k --layers
"""

from __future__ import annotations

import argparse
import copy
import itertools
import statistics
import time

import torch

from ganbench import defaults
from ganbench.metrics.complexity import count_flops
from ganbench.metrics.latency import generator_latency_ms
from ganbench.pruning.channels import allocate_channels
from ganbench.pruning.parameters import prunable_weights
from ganbench.pruning.structure import channel_groups, output_dim, remove_channels
from ganbench.registry import load_registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed passes per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="alternating dense/pruned measurements")
    parser.add_argument("--sparsity", type=float, default=0.5)
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist-5k", "stacked-mnist-5k"],
                        help="image datasets whose generators are measured")
    parser.add_argument("--layers", action="store_true", help="also time every leaf layer")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = load_registry()

    print("| dataset | model | G FLOPs dense | G FLOPs pruned | FLOPs ratio | latency dense (ms) | latency pruned (ms) | latency ratio | speed-up / FLOPs reduction |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    layers = []
    for dataset, model in itertools.product(args.datasets, ("dcgan", "cgan", "wgan-gp")):
        spec = registry.dataset(dataset)
        torch.manual_seed(0)
        gan = registry.model(model).build(spec, defaults.architecture(spec.kind))
        dense = copy.deepcopy(gan.generator)
        weights = prunable_weights(gan, "generator")
        groups = channel_groups(gan, "generator")
        scores = {
            group.name: group.producer.weight.detach().abs().transpose(0, output_dim(group.producer)).flatten(1).sum(1).double()
            for group in groups
        }
        initial = sum(weight.numel() for weight in weights.values())
        keep = allocate_channels(groups, weights, scores, args.sparsity, initial, "layer")
        remove_channels(groups, keep)

        latent = torch.randn(64, gan.z_dim)
        labels = torch.randint(0, spec.num_classes, (64,)) if gan.conditional else None
        one = (latent[:1], None if labels is None else labels[:1])
        flops_dense = count_flops(dense, one)[0]
        flops_pruned = count_flops(gan.generator, one)[0]
        dense_times, pruned_times = [], []
        for _ in range(args.rounds):
            dense_times.append(generator_latency_ms(dense, latent, labels, repeats=args.repeats))
            pruned_times.append(generator_latency_ms(gan.generator, latent, labels, repeats=args.repeats))
        latency_dense = sorted(dense_times)[len(dense_times) // 2]
        latency_pruned = sorted(pruned_times)[len(pruned_times) // 2]
        flops_ratio = flops_pruned / flops_dense
        latency_ratio = latency_pruned / latency_dense
        fraction = (1 / latency_ratio) / (1 / flops_ratio)
        print(f"| {dataset} | {model} | {flops_dense:,} | {flops_pruned:,} | {flops_ratio:.3f} | {latency_dense:.3f} | "
              f"{latency_pruned:.3f} | {latency_ratio:.3f} | {fraction:.2f} |")
        if args.layers:
            layers.append((dataset, model, layer_times_ms(dense, latent, labels, args.repeats),
                           layer_times_ms(gan.generator, latent, labels, args.repeats)))

    for dataset, model, dense_times, pruned_times in layers:
        print(f"\n{dataset} / {model}, median time per layer (ms)\n")
        print("| layer | dense (ms) | pruned (ms) | time ratio |")
        print("| --- | --- | --- | --- |")
        for name, dense_ms in dense_times.items():
            pruned_ms = pruned_times[name]
            print(f"| {name} | {dense_ms:.3f} | {pruned_ms:.3f} | {pruned_ms / dense_ms:.2f} |")


def layer_times_ms(network: torch.nn.Module, latent: torch.Tensor, labels, repeats: int) -> dict[str, float]:
    """Return the median wall time in milliseconds of every leaf module over ``repeats`` passes.

    Each leaf is timed from its forward pre-hook to its forward hook, so the figures include
    the hooks' own small cost and leave out work done outside modules, such as the final tanh.
    """
    started: dict[str, float] = {}
    times: dict[str, list[float]] = {}
    handles = []
    for name, module in network.named_modules():
        if next(module.children(), None) is not None:
            continue
        times[name] = []

        def before(module, inputs, name=name):
            started[name] = time.perf_counter()

        def after(module, inputs, output, name=name):
            times[name].append(1000 * (time.perf_counter() - started[name]))

        handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]

    network.eval()
    with torch.no_grad():
        for _ in range(repeats):
            network(latent, labels)
    for handle in handles:
        handle.remove()
    return {name: statistics.median(values) for name, values in times.items() if values}


if __name__ == "__main__":
    main()
