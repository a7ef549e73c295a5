"""Measure ganbench's training step against a bare PyTorch loop doing the same work.

Both loops train the same DCGAN, by default the 28 × 28 ``mnist-5k`` one (the largest image
model ganbench ships), from the same initial weights with the same batches, losses and Adam
settings. ganbench's loop adds the
batch sampler, the family's loss methods, the finite-loss check and loss logging. The loops
alternate for several repeats and the median steps per second of each is printed.

Usage: python benchmarks/training_overhead.py [--dataset mnist-5k] [--steps 200] [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F

from ganbench.defaults import architecture, training
from ganbench.registry import load_registry
from ganbench.training import make_optimizers, train

MODEL = "dcgan"


def bare_loop(gan, dataset, settings, steps, seed):
    """Train with a plain DCGAN loop, as a researcher would write it without ganbench."""
    generator, discriminator = gan.generator, gan.discriminator
    g_opt, d_opt = make_optimizers(gan, settings)
    rng = torch.Generator().manual_seed(seed)
    data = dataset.train
    batch = settings.batch_size
    order = torch.randperm(len(data), generator=rng)
    position = 0
    for _ in range(steps):
        if position + batch > len(order):
            order = torch.randperm(len(data), generator=rng)
            position = 0
        real = data[order[position : position + batch]]
        position += batch
        with torch.no_grad():
            fake = generator(torch.randn(batch, gan.z_dim, generator=rng))
        real_logits = discriminator(real)
        fake_logits = discriminator(fake)
        d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        fake_logits = discriminator(generator(torch.randn(batch, gan.z_dim, generator=rng)))
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="generator steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats of each loop")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--dataset", default="mnist-5k", help="image dataset whose DCGAN is trained")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    registry = load_registry()
    spec = registry.dataset(args.dataset)
    dataset = spec.load()
    family = registry.model(MODEL)
    settings = training(spec.kind, MODEL)
    torch.manual_seed(0)
    initial = family.build(spec, architecture(spec.kind))

    timings = {"ganbench": [], "bare": []}
    for repeat in range(args.repeats + 1):
        for name in ("ganbench", "bare"):
            gan = copy.deepcopy(initial)
            started = time.perf_counter()
            if name == "ganbench":
                optimizers = make_optimizers(gan, settings)
                train(gan, family, dataset, settings, args.steps, optimizers, torch.Generator().manual_seed(repeat))
            else:
                bare_loop(gan, dataset, settings, args.steps, repeat)
            elapsed = time.perf_counter() - started
            if repeat > 0:  # the first pass warms up allocators and kernels
                timings[name].append(args.steps / elapsed)

    ours = statistics.median(timings["ganbench"])
    bare = statistics.median(timings["bare"])
    print(f"model: {args.dataset}/{MODEL}, batch {settings.batch_size}, {args.steps} steps x {args.repeats} repeats, "
          f"{args.threads} thread(s)")
    print(f"ganbench loop: {ours:.1f} steps/s (median)")
    print(f"bare loop:     {bare:.1f} steps/s (median)")
    print(f"ratio ganbench / bare: {ours / bare:.3f}")


if __name__ == "__main__":
    main()
