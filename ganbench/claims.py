"""Run claims: which sweep is executing which run of a shared results file.

A sweep claims a run before it starts executing it and releases the claim after the run's
row has been appended. A claim is an exclusive, non-blocking ``flock`` on a file named by the
run key in a folder beside the results (``.<results name>.claims/``). The kernel releases a
claim when its holder's file is closed or the process dies, so a killed sweep never leaves a
stale claim behind, and a second sweep started by hand on the same suite skips the runs the
first one is executing instead of executing them twice.

Claims are advisory and only as reliable as ``flock`` on the file system holding the results
(reliable on local file systems; on NFS only where the server supports locks).
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


class RunClaims:
    """The claims one sweep holds on the runs of one results file."""

    def __init__(self, results_path: Path):
        results_path = Path(results_path)
        self.directory = results_path.with_name(f".{results_path.name}.claims")
        self._held: dict[str, int] = {}

    def try_claim(self, key: str) -> bool:
        """Claim run ``key``; return False when another sweep holds its claim."""
        if key in self._held:
            return True
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.directory / key, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        self._held[key] = descriptor
        return True

    def release(self, key: str) -> None:
        """Release the claim on ``key`` if this sweep holds it."""
        descriptor = self._held.pop(key, None)
        if descriptor is not None:
            # Closing the only descriptor of the file releases the flock.
            os.close(descriptor)

    def release_all(self) -> None:
        for key in list(self._held):
            self.release(key)

    def held(self) -> set[str]:
        return set(self._held)
