"""Latency against FLOPs of every image generator after structured 50 % channel pruning.

For each GAN family on each image dataset (``digits``, ``mnist-5k``, ``stacked-mnist-5k`` by
default), builds the generator with the default architecture, removes channels with
``channel-l1`` (layer scope) to sparsity 0.5, and measures the median CPU latency of batch-64
forward passes (one torch thread) of the dense and the pruned generator, alternating between
them. Prints the FLOPs ratio, the latency ratio and the speed-up as a fraction of the FLOPs
reduction. With ``--layers``, also prints the median time of every leaf layer of each dense
and pruned generator, timed with forward hooks. With ``--widths``,
measures generators of those widths (channels at the image resolution; deeper stages double
them) instead of the default architecture's, to show how the fraction depends on size.
With ``--upsampling subpixel``, times both generators after replacing every stride-2
transposed convolution by the equivalent sub-pixel convolution (a 3 × 3 convolution to four
times the channels, then a pixel shuffle); the script checks that the outputs agree.

    python benchmarks/structured_latency.py --repeats 300
    python benchmarks/structured_latency.py --datasets mnist-5k --layers
    python benchmarks/structured_latency.py --models dcgan --widths 8 16 32 64
    python benchmarks/structured_latency.py --upsampling subpixel
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import itertools
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

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
    parser.add_argument("--models", nargs="+", default=["dcgan", "cgan", "wgan-gp"],
                        help="GAN families whose generators are measured")
    parser.add_argument("--widths", nargs="+", type=int, default=None,
                        help="generator widths to measure instead of the default architecture's")
    parser.add_argument("--upsampling", choices=["transposed", "subpixel"], default="transposed",
                        help="implementation of the stride-2 upsampling layers during timing")
    parser.add_argument("--layers", action="store_true", help="also time every leaf layer")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = load_registry()

    print("| dataset | model | width | G FLOPs dense | G FLOPs pruned | FLOPs ratio | latency dense (ms) | latency pruned (ms) | latency ratio | speed-up / FLOPs reduction |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    layers = []
    for dataset, model, width in itertools.product(args.datasets, args.models, args.widths or [None]):
        spec = registry.dataset(dataset)
        arch = defaults.architecture(spec.kind)
        if width is not None:
            arch = dataclasses.replace(arch, width=width)
        torch.manual_seed(0)
        gan = registry.model(model).build(spec, arch)
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
        pruned = gan.generator

        latent = torch.randn(64, gan.z_dim)
        labels = torch.randint(0, spec.num_classes, (64,)) if gan.conditional else None
        one = (latent[:1], None if labels is None else labels[:1])
        flops_dense = count_flops(dense, one)[0]
        flops_pruned = count_flops(pruned, one)[0]
        if args.upsampling == "subpixel":
            dense = with_subpixel_upsampling(dense, latent, labels)
            pruned = with_subpixel_upsampling(pruned, latent, labels)
        dense_times, pruned_times = [], []
        for _ in range(args.rounds):
            dense_times.append(generator_latency_ms(dense, latent, labels, repeats=args.repeats))
            pruned_times.append(generator_latency_ms(pruned, latent, labels, repeats=args.repeats))
        latency_dense = sorted(dense_times)[len(dense_times) // 2]
        latency_pruned = sorted(pruned_times)[len(pruned_times) // 2]
        flops_ratio = flops_pruned / flops_dense
        latency_ratio = latency_pruned / latency_dense
        fraction = (1 / latency_ratio) / (1 / flops_ratio)
        print(f"| {dataset} | {model} | {arch.width} | {flops_dense:,} | {flops_pruned:,} | {flops_ratio:.3f} | {latency_dense:.3f} | "
              f"{latency_pruned:.3f} | {latency_ratio:.3f} | {fraction:.2f} |")
        if args.layers:
            label = f"{dataset} / {model} / width {arch.width}"
            layers.append((label, layer_times_ms(dense, latent, labels, args.repeats),
                           layer_times_ms(pruned, latent, labels, args.repeats)))

    for label, dense_times, pruned_times in layers:
        print(f"\n{label}, median time per layer (ms)\n")
        print("| layer | dense (ms) | pruned (ms) | time ratio |")
        print("| --- | --- | --- | --- |")
        for name, dense_ms in dense_times.items():
            pruned_ms = pruned_times[name]
            print(f"| {name} | {dense_ms:.3f} | {pruned_ms:.3f} | {pruned_ms / dense_ms:.2f} |")


class SubpixelUpsampling(nn.Module):
    """A stride-2 transposed convolution (kernel 4, padding 1) computed as a sub-pixel convolution.

    Output pixel (2i + a, 2j + b) of the transposed convolution sums input pixels (i + dy,
    j + dx) for dy, dx in {-1, 0, 1} with kernel tap (a + 1 - 2 dy, b + 1 - 2 dx) where that
    tap exists. So one 3 × 3 convolution with four output channels per original channel, one
    per phase (a, b), followed by a pixel shuffle gives the same map. The taps a phase does not
    use are zeros, so the convolution does 36 multiply-adds per input pixel and channel pair
    where the transposed convolution does 16.
    """

    def __init__(self, layer: nn.ConvTranspose2d):
        super().__init__()
        if (layer.kernel_size, layer.stride, layer.padding, layer.output_padding, layer.groups,
                layer.dilation) != ((4, 4), (2, 2), (1, 1), (0, 0), 1, (1, 1)):
            raise ValueError(f"only stride-2 transposed convolutions with kernel 4 and padding 1 "
                             f"have a sub-pixel form here, got {layer}")
        weight = layer.weight.detach()
        in_channels, out_channels = weight.shape[:2]
        kernel = weight.new_zeros(out_channels, 2, 2, in_channels, 3, 3)
        for a, b, dy, dx in itertools.product((0, 1), (0, 1), (-1, 0, 1), (-1, 0, 1)):
            row, column = a + 1 - 2 * dy, b + 1 - 2 * dx
            if 0 <= row < 4 and 0 <= column < 4:
                kernel[:, a, b, :, dy + 1, dx + 1] = weight[:, :, row, column].t()
        # pixel_shuffle reads channel c * 4 + a * 2 + b as phase (a, b) of output channel c.
        self.register_buffer("kernel", kernel.reshape(out_channels * 4, in_channels, 3, 3))
        bias = None if layer.bias is None else layer.bias.detach().repeat_interleave(4)
        self.register_buffer("bias", bias)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(F.conv2d(inputs, self.kernel, self.bias, padding=1), 2)


def with_subpixel_upsampling(generator: nn.Module, latent: torch.Tensor, labels) -> nn.Module:
    """Return a copy of ``generator`` whose stride-2 transposed convolutions are sub-pixel ones.

    Raises ``RuntimeError`` when the copy's output differs from the original's by more than
    1e-5. The two forms sum the same products in another order, so they differ only by
    float32 rounding, about 3e-8 on the default generators.
    """
    converted = copy.deepcopy(generator).eval()
    for block in converted.blocks:
        if isinstance(block, nn.Sequential) and type(block[0]) is nn.ConvTranspose2d:
            block[0] = SubpixelUpsampling(block[0])
    generator = copy.deepcopy(generator).eval()
    with torch.no_grad():
        difference = (converted(latent, labels) - generator(latent, labels)).abs().max().item()
    if difference > 1e-5:
        raise RuntimeError(f"the sub-pixel generator's output differs from the original's by "
                           f"{difference:.3g}; the conversion of the upsampling layers is wrong")
    return converted


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
