"""Time each method spends computing its masks against the time its training takes.

For every registered method, in name order, and every (dataset, model) pair of the quick
suite, runs the method once at sparsity 0.8 through ``prune_and_train`` on a dense baseline
trained for ``--baseline-steps`` steps (the cost of scoring and training does not depend on
how well the baseline is trained), with the quick suite's fine-tuning budget. Pruning time is
the wall time spent in the pruner (scoring, masks, channel or block removal, every event of
the schedule); training time is the rest of the run. Methods that train from scratch train
for ``--baseline-steps`` here, not for the real baseline budget. A method that declines the
model gets a row marked "declined".

    python benchmarks/method_cost.py --baseline-steps 200
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import torch

import ganbench.pruning.procedure as procedure
from ganbench import defaults
from ganbench.baselines import BaselineCache, BaselineConfig
from ganbench.errors import MethodDeclined
from ganbench.registry import load_registry



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-steps", type=int, default=200)
    parser.add_argument("--sparsity", type=float, default=0.8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = load_registry()
    spent = {"pruning": 0.0}
    original = procedure.make_pruner

    def timed_pruner(method, context, plugin):
        pruner = original(method, context, plugin)
        prune_to = pruner.prune_to

        def timed(sparsity):
            started = time.perf_counter()
            try:
                prune_to(sparsity)
            finally:
                spent["pruning"] += time.perf_counter() - started

        pruner.prune_to = timed
        return pruner

    procedure.make_pruner = timed_pruner
    print("| dataset | model | method | pruning (s) | training (s) | training steps |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        cache = BaselineCache(Path(folder))
        for dataset in ("ring8", "digits"):
            spec = registry.dataset(dataset)
            for model in ("dcgan", "cgan", "wgan-gp"):
                family = registry.model(model)
                train = dataclasses.replace(defaults.training(spec.kind, model), steps=args.baseline_steps)
                config = BaselineConfig(dataset, model, 0, defaults.architecture(spec.kind), train)
                baseline = cache.get(config, family, spec)
                finetune = dataclasses.replace(train, steps=defaults.finetune_steps(spec.kind))
                for name in registry.names("method"):
                    torch.manual_seed(0)
                    gan, optimizers = baseline.build(family, spec)
                    spent["pruning"] = 0.0
                    started = time.perf_counter()
                    try:
                        outcome = procedure.prune_and_train(
                            registry.method(name), {}, name, baseline=baseline, gan=gan,
                            optimizers=optimizers, family=family, spec=spec, dataset=spec.load(),
                            target="generator", sparsity=args.sparsity, seed=0, finetune=finetune,
                            rng=torch.Generator().manual_seed(1),
                        )
                    except MethodDeclined:
                        print(f"| {dataset} | {model} | {name} | declined | | |", flush=True)
                        continue
                    total = time.perf_counter() - started
                    print(f"| {dataset} | {model} | {name} | {spent['pruning']:.3f} | "
                          f"{total - spent['pruning']:.2f} | {outcome.steps} |", flush=True)


if __name__ == "__main__":
    main()
