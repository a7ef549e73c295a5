"""The entry point of local worker processes, kept free of heavy imports.

A worker process imports this module first, so it arms its parent-death guard before it
spends seconds importing torch. A worker whose driver was killed during that time exits as
soon as the guard is armed, instead of living on as an orphan.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass

from ganbench import __version__


@dataclass(frozen=True)
class WorkerSetup:
    """The settings a worker needs to execute runs exactly as the driver would.

    ``plugin_paths`` are absolute. ``cache_dir`` and ``samples_dir`` (where runs store their
    sample pictures; None for none) must be the same folders for every worker (a shared file
    system on a cluster). ``forward_level`` is the driver's console log level. ``device`` is
    the torch device of the runs; ``data_dir`` the dataset folder the driver uses (None: the
    worker's default).
    """

    plugin_paths: tuple[str, ...]
    cache_dir: str
    threads: int
    sweep_id: str
    forward_level: int
    device: str = "cpu"
    samples_dir: str | None = None
    data_dir: str | None = None
    version: str = __version__


def worker_main(connection, setup: WorkerSetup, driver_pid: int) -> None:
    """Receive runs from the driver and send back their outcomes until the driver sends None."""
    _exit_with_parent(driver_pid)
    logging.captureWarnings(True)
    from ganbench.executors import perform  # imports torch: after the parent-death guard

    try:
        while True:
            spec = connection.recv()
            if spec is None:
                return
            connection.send(perform(spec, setup))
    except (EOFError, OSError, KeyboardInterrupt):
        return


def _exit_with_parent(driver_pid: int) -> None:
    """Make this worker exit when the driver process dies, even by SIGKILL."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the watchdog thread below still applies

    if os.getppid() != driver_pid:
        os._exit(1)  # the driver died before the signal was armed

    def watch() -> None:
        while os.getppid() == driver_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="ganbench-parent-watch", daemon=True).start()
