"""A sweep killed with SIGKILL at random moments and restarted records every run exactly once.

The sweep is killed at least 10 times, at a random delay after its start or as soon as it has
recorded a random number of new rows, alternating between sequential execution and two
local workers. Each run's log file gets a ``started`` line whenever the run is dispatched, so
the test also checks that no run recorded before a kill was started again after it.
"""

import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd

from ganbench import schema
from ganbench.runlog import STARTED_MARK

from conftest import write_suite

KILLS = 10
DEADLINE_SECONDS = 240


def recorded_keys(path):
    """Keys of the complete rows in the results file (a torn last line is left out)."""
    if not path.exists():
        return set()
    lines = path.read_text().split("\n")[1:-1]
    return {line.split(",", 1)[0] for line in lines if line}


def start_counts(log_dir, keys):
    counts = {}
    for key in keys:
        path = log_dir / f"{key}.log"
        text = path.read_text() if path.exists() else ""
        counts[key] = sum(line.startswith(STARTED_MARK) for line in text.splitlines())
    return counts


def workers_in(folder):
    """Live worker processes started by sweeps in ``folder`` (their working directory)."""
    result = subprocess.run(["pgrep", "-f", "multiprocessing.spawn"], capture_output=True, text=True)
    pids = set()
    for pid in result.stdout.split():
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(folder):
                pids.add(int(pid))
        except OSError:
            pass  # exited meanwhile
    return pids


def test_killed_sweep_resumes_without_duplicates(tmp_path):
    suite = write_suite(
        tmp_path, methods=["random", "magnitude", "taylor"], sparsities=[0.2, 0.4, 0.6, 0.8],
        seeds=[0, 1, 2, 3],
    )
    # Enough runs that ten attempts, each killed after at most 3 new rows (4 when a row
    # lands between the check and the kill), cannot finish the sweep.
    expected_runs = 4 * (1 + 3 * 4)
    results = tmp_path / "results" / "tiny.csv"
    log_dir = tmp_path / "runs" / "tiny"
    env = dict(os.environ, GANBENCH_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "ganbench", "run", "--suite", str(suite), "-q"]
    rng = random.Random(20240611)
    deadline = time.monotonic() + DEADLINE_SECONDS

    kills = 0
    completed_before_kill: dict[str, int] = {}
    while kills < KILLS and time.monotonic() < deadline:
        workers = ["--workers", "2"] if kills % 2 else []
        rows_before = len(recorded_keys(results))
        kill_after_seconds = rng.uniform(0.5, 6.0)
        kill_after_rows = rows_before + rng.randint(1, 3)
        process = subprocess.Popen(command + workers, cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        while (
            process.poll() is None
            and time.monotonic() - started < kill_after_seconds
            and len(recorded_keys(results)) < kill_after_rows
        ):
            time.sleep(0.01)
        if process.poll() is not None:
            break  # the sweep finished before this kill: too few runs left
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        kills += 1

        keys = recorded_keys(results)
        completed_before_kill.update(
            {key: count for key, count in start_counts(log_dir, keys).items() if key not in completed_before_kill}
        )

    assert kills >= KILLS, f"only {kills} kills before the sweep finished or the deadline passed"
    final = subprocess.run(command + ["--workers", "2"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert final.returncode == 0, final.stderr

    frame = pd.read_csv(results, dtype={schema.RUN_KEY: str})
    assert len(frame) == expected_runs
    assert frame[schema.RUN_KEY].is_unique
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()

    # A run recorded before a kill was never dispatched again.
    assert start_counts(log_dir, completed_before_kill) == completed_before_kill
    # Workers of killed sweeps died with their driver.
    deadline = time.monotonic() + 10
    while workers_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not workers_in(tmp_path)


def test_two_sweeps_share_one_results_file(tmp_path):
    suite = write_suite(tmp_path, methods=["random", "magnitude", "taylor"], sparsities=[0.3, 0.6, 0.9])
    env = dict(os.environ, GANBENCH_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "ganbench", "run", "--suite", str(suite), "-q"]
    sweeps = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for sweep in sweeps:
        _, err = sweep.communicate(timeout=300)
        assert sweep.returncode == 0, err

    frame = pd.read_csv(tmp_path / "results" / "tiny.csv", dtype={schema.RUN_KEY: str})
    assert len(frame) == 10
    assert frame[schema.RUN_KEY].is_unique
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
    starts = start_counts(tmp_path / "runs" / "tiny", set(frame[schema.RUN_KEY]))
    assert set(starts.values()) == {1}  # no run was executed by both sweeps
