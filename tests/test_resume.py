"""A sweep killed with SIGKILL and started again records every run exactly once."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd

from ganbench import schema

from conftest import write_suite


def count_rows(path):
    if not path.exists():
        return 0
    return max(path.read_text().count("\n") - 1, 0)


def test_killed_sweep_resumes_without_duplicates(tmp_path):
    suite = write_suite(tmp_path, methods=["random", "magnitude", "taylor"], sparsities=[0.3, 0.6, 0.9])
    expected_runs = 1 + 3 * 3
    results = tmp_path / "results" / "tiny.csv"
    env = dict(os.environ, GANBENCH_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "ganbench", "run", "--suite", str(suite), "-q"]

    kills = 0
    for kill_after in (2, 5, 8):
        process = subprocess.Popen(command, cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while count_rows(results) < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
        rows_after_kill = count_rows(results)
        assert rows_after_kill >= kill_after or process.returncode == 0

    assert kills >= 1
    final = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    frame = pd.read_csv(results, dtype={schema.RUN_KEY: str})
    assert len(frame) == expected_runs
    assert frame[schema.RUN_KEY].is_unique
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
