"""Measure the speed of ganbench's metrics against reference implementations.

Three measurements, each printed as a table:

1. The Fréchet distance from statistics (mean and covariance) at D = 64, 512 and 2048:
   ganbench's ``statistics_to_fid`` beside pytorch-fid's ``calculate_frechet_distance`` (the
   ``scipy.linalg.sqrtm`` route) and torch-fidelity's ``fid_statistics_to_metric``, on the
   same well-conditioned statistics, with the relative differences of their values.
2. Feature extraction of 10,000 28 × 28 images with the MNIST LeNet.
3. The full evaluation of one run on mnist-5k: generating 10,000 samples with the default
   DCGAN generator, extracting features and computing every built-in metric.

Each figure is the median of ``--repeats`` timed repeats after one warm-up. pytorch-fid and
torch-fidelity are test-only dependencies: pip install -e '.[test]'.

Usage: python benchmarks/metrics_speed.py [--repeats 5] [--threads 1] [--parts fid features evaluation]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import torch


def median_seconds(function, repeats: int) -> tuple[float, object]:
    value = function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def well_conditioned_statistics(dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (mean, covariance) of 3·D samples of a random Gaussian with eigenvalues in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    scales = np.sqrt(np.linspace(0.5, 2.0, dim))
    samples = rng.normal(size=(3 * dim, dim)) * scales @ basis.T + rng.normal(size=dim)
    return samples.mean(axis=0), np.cov(samples, rowvar=False)


def frechet_distance(repeats: int) -> None:
    from pytorch_fid.fid_score import calculate_frechet_distance
    from torch_fidelity.metric_fid import fid_statistics_to_metric

    from ganbench.metrics.fid import statistics_to_fid

    print("Frechet distance from statistics (median seconds)")
    print(f"{'D':>5} {'ganbench':>9} {'pytorch-fid':>12} {'torch-fidelity':>15} "
          f"{'speed-up vs pytorch-fid':>24} {'vs torch-fidelity':>18} {'max relative difference':>24}")
    for dim in (64, 512, 2048):
        mean1, cov1 = well_conditioned_statistics(dim, 1)
        mean2, cov2 = well_conditioned_statistics(dim, 2)
        ours_time, ours = median_seconds(lambda: statistics_to_fid(mean1, cov1, mean2, cov2), repeats)
        slow_repeats = max(1, repeats // 2) if dim == 2048 else repeats
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pfid_time, pfid = median_seconds(
                lambda: calculate_frechet_distance(mean1, cov1, mean2, cov2), slow_repeats
            )
        tfid_time, tfid = median_seconds(
            lambda: fid_statistics_to_metric(
                {"mu": mean1, "sigma": cov1}, {"mu": mean2, "sigma": cov2}, False
            )["frechet_inception_distance"],
            slow_repeats,
        )
        difference = max(abs(ours - pfid) / abs(pfid), abs(ours - tfid) / abs(tfid))
        print(f"{dim:>5} {ours_time:>9.4f} {pfid_time:>12.4f} {tfid_time:>15.4f} "
              f"{pfid_time / ours_time:>23.1f}x {tfid_time / ours_time:>17.1f}x {difference:>24.2e}")
        print(f"      values: ganbench {ours!r}, pytorch-fid {pfid!r}, torch-fidelity {tfid!r}")


def feature_extraction(repeats: int) -> None:
    from ganbench.data.mnist import split_mnist_5k
    from ganbench.metrics.mnist_classifier import load_mnist_classifier

    extractor = load_mnist_classifier()
    train_x = split_mnist_5k()[0]
    images = torch.cat([train_x, train_x, train_x[:2000]])  # 10,000 real digits
    seconds, _ = median_seconds(lambda: extractor.extract(images), repeats)
    print(f"\nFeature extraction, MNIST LeNet, {len(images):,} images of 28 x 28, batch "
          f"{extractor.batch_size}: {seconds:.3f} s, {len(images) / seconds:,.0f} images per second")


def full_evaluation(repeats: int) -> None:
    from ganbench.defaults import architecture, evaluation
    from ganbench.metrics.evaluate import evaluate
    from ganbench.registry import load_registry

    registry = load_registry()
    spec = registry.dataset("mnist-5k")
    dataset = spec.load()
    torch.manual_seed(0)
    gan = registry.model("dcgan").build(spec, architecture("mnist"))
    settings = evaluation("mnist")
    started = time.perf_counter()
    row = evaluate(gan, spec, dataset, registry.metrics(), settings, seed=0)
    first = time.perf_counter() - started
    seconds, row = median_seconds(
        lambda: evaluate(gan, spec, dataset, registry.metrics(), settings, seed=0), repeats
    )
    print(f"\nFull evaluation on mnist-5k ({settings.samples:,} generated samples, metrics: "
          f"{', '.join(registry.metrics())}): {seconds:.3f} s per run "
          f"(first run of a process, with the reference features: {first:.3f} s)")
    for name, metric_seconds in time_each_metric(registry, gan, spec, dataset, settings).items():
        print(f"  {name:>14}: {metric_seconds:.3f} s")


def time_each_metric(registry, gan, spec, dataset, settings) -> dict[str, float]:
    from ganbench.metrics.base import Evaluation
    from ganbench.metrics.evaluate import EVAL_SEED_OFFSET, feature_extractor

    timings = {}
    rng = torch.Generator().manual_seed(EVAL_SEED_OFFSET)
    started = time.perf_counter()
    samples, labels = gan.generate(settings.samples, rng, dataset.class_frequencies())
    timings["generation"] = time.perf_counter() - started
    evaluation = Evaluation(dataset, spec, gan, samples, labels, feature_extractor(spec))
    started = time.perf_counter()
    evaluation.generated_features()
    timings["features"] = time.perf_counter() - started
    for name, (metric, _) in registry.metrics().items():
        started = time.perf_counter()
        metric.compute(evaluation)
        timings[name] = time.perf_counter() - started
    return timings


PARTS = {"fid": frechet_distance, "features": feature_extraction, "evaluation": full_evaluation}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a sweep uses 1)")
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS),
                        help="measurements to run (default all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), numpy {np.__version__}")
    for part in args.parts:
        PARTS[part](args.repeats)


if __name__ == "__main__":
    main()
