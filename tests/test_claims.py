"""Run claims: exclusive across processes, released on release and on process death."""

import multiprocessing
import os
import signal

from ganbench.claims import RunClaims


def _try_claim(path, key, result):
    result.put(RunClaims(path).try_claim(key))


def _claim_and_wait(path, key, ready, done):
    claims = RunClaims(path)
    assert claims.try_claim(key)
    ready.set()
    done.wait(60)


def claim_elsewhere(path, key):
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    process = context.Process(target=_try_claim, args=(path, key, result))
    process.start()
    process.join(60)
    return result.get(timeout=5)


def test_claim_excludes_other_processes(tmp_path):
    path = tmp_path / "suite.csv"
    claims = RunClaims(path)
    assert claims.try_claim("abc")
    assert claims.try_claim("abc")  # holding it already
    assert claim_elsewhere(path, "abc") is False
    assert claim_elsewhere(path, "other") is True
    claims.release("abc")
    assert claim_elsewhere(path, "abc") is True
    assert claims.held() == set()


def test_claim_of_killed_process_is_released(tmp_path):
    path = tmp_path / "suite.csv"
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    holder = context.Process(target=_claim_and_wait, args=(path, "abc", ready, done))
    holder.start()
    assert ready.wait(60)
    assert RunClaims(path).try_claim("abc") is False
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    assert RunClaims(path).try_claim("abc") is True
