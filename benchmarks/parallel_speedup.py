"""Measure the wall time of one suite with 1 and with N local workers, from a cold cache.

Each configuration runs `ganbench run` in a fresh folder with an empty results folder and an
empty baseline cache, under `/usr/bin/time -v`, and the script prints wall time, speed-up and
peak resident memory (the largest single process, as `time -v` reports it), then checks that
every configuration recorded the same result columns (all but the wall-time columns).

    python benchmarks/parallel_speedup.py --suite quick --workers 1 2

Measure on an otherwise idle machine: other load shares the cores and the speed-up means
nothing then. The script prints the load average before and after for that reason.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from ganbench import schema


def run_once(suite: str, workers: int, folder: Path) -> dict:
    """Run the suite with ``workers`` into ``folder``; return wall seconds and peak memory."""
    folder.mkdir(parents=True)
    command = [
        "/usr/bin/time", "-v", sys.executable, "-m", "ganbench", "run", "--suite", suite,
        "--workers", str(workers), "--results-dir", "results", "--leaderboard-dir", "leaderboard",
        "--cache-dir", "cache", "-q",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"ganbench run --workers {workers} exited {completed.returncode}:\n{completed.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr)
    return {"workers": workers, "seconds": seconds, "peak_kb": int(peak.group(1)) if peak else None}


def result_columns(folder: Path, suite_name: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / "results" / f"{suite_name}.csv", dtype={schema.RUN_KEY: str})
    columns = [c for c in frame.columns if c not in schema.TIMING_COLUMNS]
    return frame[columns].set_index(schema.RUN_KEY).sort_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="quick", help="built-in suite name or .toml path")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    parser.add_argument("--keep", type=Path, help="keep the run folders here instead of a temporary folder")
    args = parser.parse_args()

    suite = str(Path(args.suite).resolve()) if args.suite.endswith(".toml") else args.suite
    suite_name = Path(suite).stem if suite.endswith(".toml") else suite
    root = args.keep or Path(tempfile.mkdtemp(prefix="ganbench-speedup-"))
    print(f"load average before: {os.getloadavg()}")
    measurements = [run_once(suite, workers, root / f"workers-{workers}") for workers in args.workers]
    print(f"load average after: {os.getloadavg()}")

    base = measurements[0]["seconds"]
    print(f"\nsuite {suite_name}, cold cache, one torch thread per process")
    print("| workers | wall time | speed-up | peak resident memory (largest process) |")
    print("| --- | --- | --- | --- |")
    for m in measurements:
        peak = f"{m['peak_kb'] / 1024:.0f} MiB" if m["peak_kb"] else "n/a"
        print(f"| {m['workers']} | {m['seconds']:.1f} s | {base / m['seconds']:.2f}x | {peak} |")

    reference = result_columns(root / f"workers-{args.workers[0]}", suite_name)
    for workers in args.workers[1:]:
        other = result_columns(root / f"workers-{workers}", suite_name)
        pd.testing.assert_frame_equal(other, reference)
    print(f"\nresult columns identical across {args.workers} workers")
    if args.keep is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
