"""Progress on stderr and per-run log files."""

import io
import logging

import pytest

from ganbench.cli import main
from ganbench.progress import ConsoleHandler, SweepProgress, format_duration
from ganbench.runlog import FINISHED_MARK, STARTED_MARK

from conftest import write_suite


@pytest.mark.parametrize(
    "seconds, text", [(None, "--"), (0.4, "0s"), (59.6, "1m00s"), (245, "4m05s"), (3720, "1h02m")]
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_eta_from_wall_time_per_finished_run(monkeypatch):
    clock = iter([100.0, 130.0])
    monkeypatch.setattr("ganbench.progress.time.monotonic", lambda: next(clock))
    progress = SweepProgress(pending=10, skipped=2, bar=False, stream=io.StringIO())
    assert progress.eta_seconds() is None
    for _ in range(3):
        progress.finished(failed=False)
    # 30 s for 3 runs, 7 runs left.
    assert progress.eta_seconds() == pytest.approx(70.0)


def test_bar_stays_below_log_lines():
    stream = io.StringIO()
    handler = ConsoleHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("test_progress_bar")
    log.addHandler(handler)
    log.propagate = False
    try:
        with SweepProgress(pending=4, skipped=1, bar=True, stream=stream) as progress:
            progress.dispatched()
            progress.finished(failed=True)
            log.warning("a log line")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "[######..................] done 1/4, failed 1, skipped 1, ETA" in text
    # The bar is erased before the log line and drawn again after it.
    assert "\r\x1b[2Ka log line\n\r\x1b[2K[######" in text
    assert text.endswith("\r\x1b[2K")  # erased when the sweep ends


def test_plain_lines_when_not_a_terminal(workdir, capsys):
    suite = write_suite(workdir)
    assert main(["run", "--suite", str(suite)]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert "[done 1/3, failed 0, skipped 0, ETA" in err
    assert "[done 3/3, failed 0, skipped 0, ETA 0s]" in err


def test_quiet_hides_progress_and_verbose_shows_debug(workdir, capsys):
    suite = write_suite(workdir)
    assert main(["run", "--suite", str(suite), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["run", "--suite", str(suite), "-v", "--sparsities", "0.7"]) == 0
    err = capsys.readouterr().err
    assert "ganbench.training: step 10/10" in err
    assert "skipped (already recorded)" in err


def test_run_logs_record_each_attempt(workdir, capsys):
    suite = write_suite(workdir, methods=["random"])
    assert main(["run", "--suite", str(suite), "-q"]) == 0
    logs = sorted((workdir / "runs" / "tiny").glob("*.log"))
    assert len(logs) == 2
    text = logs[0].read_text()
    assert text.count(STARTED_MARK) == 1
    assert text.count(FINISHED_MARK) == 1
    assert "DEBUG   ganbench.training: step 10/10" in text  # captured below the console level
    assert f"{FINISHED_MARK} " in text.splitlines()[-1]
    assert " ok in " in text.splitlines()[-1]


def test_runs_dir_option(workdir, capsys):
    suite = write_suite(workdir, methods=["random"])
    assert main(["run", "--suite", str(suite), "-q", "--runs-dir", "elsewhere"]) == 0
    assert len(list((workdir / "elsewhere" / "tiny").glob("*.log"))) == 2
    assert not (workdir / "runs").exists()
