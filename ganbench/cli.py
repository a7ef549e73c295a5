"""The ``ganbench`` command line: run, search, list, leaderboard, check, findings.

Exit codes: 0 success; 1 a run failed or the regression check found a regression; 2 invalid
input (unknown names, values out of range, unreadable files, missing dataset files), in which
case no results file was changed; 3 the metric self-test failed before the sweep, so nothing
was recorded; 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from ganbench import __version__, schema
from ganbench.atomic import write_atomic
from ganbench.baselines import BaselineCache
from ganbench.check import (
    TOLERANCES, compare, parse_tolerance, render_regressions, replace_reference, report_json,
)
from ganbench.data.location import DATA_DIR_VARIABLE
from ganbench.device import DEFAULT_DEVICE, resolve_device
from ganbench.errors import GanbenchError, SelfTestFailed, UsageError
from ganbench.findings import findings_page
from ganbench.preflight import download_datasets
from ganbench.registry import KINDS, Registry, load_registry
from ganbench.progress import ConsoleHandler, stream_is_terminal
from ganbench.reports import write_leaderboard
from ganbench.reports.board import DEFAULT_RESULTS_DIR
from ganbench.runner import Execution, SweepSummary, run_suite
from ganbench.samples import SampleGrids, samples_dir
from ganbench.search import SEARCH_SUFFIX, search_description
from ganbench.search.command import (
    DEFAULT_MAX_SPARSITY, DEFAULT_MAX_TRIALS, DEFAULT_RESOLUTION, SearchRequest, run_search,
)
from ganbench.store import ResultStore
from ganbench.suite import Suite, builtin_suites, load_suite

logger = logging.getLogger("ganbench")

DEFAULT_SUITE = "quick"
FINDINGS_SUITE = "findings"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_SELF_TEST = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's convention for a process ended by SIGINT


def default_cache_dir() -> Path:
    """``$GANBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/ganbench``, else ``~/.cache/ganbench``."""
    if os.environ.get("GANBENCH_CACHE_DIR"):
        return Path(os.environ["GANBENCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganbench"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--plugin", action="append", default=[], metavar="PATH",
                        help="load a plugin file or a folder of plugin files (repeatable)")
    common.add_argument("-v", "--verbose", action="store_true", help="log debugging details")
    common.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")

    parser = argparse.ArgumentParser(prog="ganbench", description="Benchmark pruning methods for GANs.")
    parser.add_argument("--version", action="version", version=f"ganbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="run a suite and print its leaderboard",
                              description="Run every unrecorded run of a suite, then write and print its leaderboard.")
    _add_suite(run)
    run.add_argument("--datasets", nargs="+", metavar="NAME", help="only these datasets")
    run.add_argument("--models", nargs="+", metavar="NAME", help="only these model families")
    run.add_argument("--methods", nargs="+", metavar="METHOD",
                     help="only these methods, as NAME or NAME:OPTION=VALUE,...")
    run.add_argument("--sparsities", nargs="+", type=_float, metavar="S",
                     help="only these target sparsities, each in [0, 1)")
    run.add_argument("--seeds", nargs="+", type=_int, metavar="N", help="only these seeds")
    run.add_argument("--target", nargs="+", dest="targets", metavar="NETWORK",
                     help="network(s) to prune: generator, discriminator or both")
    _add_dirs(run)
    _add_sweep(run)
    run.add_argument("--download", action="store_true",
                     help="download the suite's datasets that are not shipped (MNIST, Fashion-MNIST) "
                          "into the data directory before running")

    search = commands.add_parser(
        "search", parents=[common], help="find the largest sparsity within a FID tolerance",
        description="Bisect over sparsity for the largest sparsity whose mean FID stays within "
                    "TOLERANCE of the dense row. Every trial is an ordinary run recorded in "
                    "RESULTS_DIR/<suite>-search.csv; runs that RESULTS_DIR/<suite>.csv records "
                    "are copied, not rerun.")
    _add_suite(search)
    search.add_argument("--method", required=True, metavar="METHOD",
                        help="the method to search, as NAME or NAME:OPTION=VALUE,...")
    search.add_argument("--model", required=True, metavar="NAME", help="the model family")
    search.add_argument("--dataset", required=True, metavar="NAME", help="the dataset")
    search.add_argument("--tolerance", required=True, type=_float, metavar="FRACTION",
                        help="allowed FID increase as a fraction of the dense FID, e.g. 0.1 for 10 %%")
    search.add_argument("--target", default="generator", metavar="NETWORK",
                        help="network to prune: generator (default), discriminator or both")
    search.add_argument("--seeds", nargs="+", type=_int, metavar="N",
                        help="seeds of every trial (default: the suite's seeds)")
    search.add_argument("--max-sparsity", type=_float, default=DEFAULT_MAX_SPARSITY, metavar="S",
                        help=f"largest sparsity searched, tried first (default {DEFAULT_MAX_SPARSITY})")
    search.add_argument("--resolution", type=_float, default=DEFAULT_RESOLUTION, metavar="STEP",
                        help=f"grid step of trial sparsities; the search stops when the answer is "
                             f"bracketed this closely (default {DEFAULT_RESOLUTION})")
    search.add_argument("--max-trials", type=_int, default=DEFAULT_MAX_TRIALS, metavar="N",
                        help=f"most trials (sparsities) to run, each with every seed "
                             f"(default {DEFAULT_MAX_TRIALS})")
    _add_dirs(search)
    _add_sweep(search)

    listing = commands.add_parser("list", parents=[common], help="list methods, models, datasets and metrics",
                                  description="List every registered item with the plugin that provided it.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of tables")

    board = commands.add_parser(
        "leaderboard", parents=[common], help="write and print a suite's leaderboard",
        description="Turn results/<suite>.csv into leaderboard/<suite>.md, .csv, -scores.csv, .tex, "
                    ".html and the plots in leaderboard/<suite>/.")
    _add_suite(board)
    _add_dirs(board)

    findings = commands.add_parser(
        "findings", parents=[common], help="write the findings page from a suite's results",
        description="Answer, from RESULTS_DIR/<suite>.csv alone, whether pruning changes mode "
                    "coverage and stability, whether pruning the discriminator hurts more than "
                    "pruning the generator, and which methods beat the random and small-dense "
                    "baselines; write the page to OUTPUT.")
    _add_suite(findings, default=FINDINGS_SUITE)
    findings.add_argument("--results-dir", type=Path, default=Path("results"), metavar="DIR",
                          help="folder of result tables (default ./results)")
    findings.add_argument("--output", type=Path, default=Path("docs/findings.md"), metavar="FILE",
                          help="the page to write (default docs/findings.md)")
    findings.add_argument("--check", action="store_true",
                          help="write nothing; exit 1 when OUTPUT differs from the page the results give")

    check = commands.add_parser("check", parents=[common], help="rerun a suite and compare with committed results",
                                description="Run a suite into a temporary file and compare it with the reference.")
    _add_suite(check, default="smoke")
    check.add_argument("--against", type=Path, metavar="FILE",
                       help="reference results (default: RESULTS_DIR/<suite>.csv)")
    check.add_argument("--fresh", type=Path, metavar="FILE",
                       help="compare these results instead of rerunning the suite")
    check.add_argument("--tolerance", action="append", default=[], metavar="[DATASET:]COLUMN=SPEC",
                       help="override a tolerance, e.g. fid=50%%, digits:mode_kl=0.1, fid=exact (repeatable)")
    check.add_argument("--json", action="store_true", help="print the outcome as JSON instead of a table")
    check.add_argument("--update", action="store_true",
                       help="replace the reference with the fresh results (and their sample pictures)")
    _add_dirs(check)
    _add_execution(check)
    return parser


def _add_suite(parser: argparse.ArgumentParser, default: str = DEFAULT_SUITE) -> None:
    parser.add_argument("--suite", default=default, metavar="NAME",
                        help=f"built-in suite ({', '.join(builtin_suites())}) or a .toml file (default {default})")


def default_leaderboard_dir(results_dir: Path, leaderboard_dir: Path | None) -> Path:
    """Return the leaderboard folder: the one given, else next to the results it shows.

    With the default results folder that is ./leaderboard, the committed leaderboards. With
    another results folder it is RESULTS_DIR/leaderboard, so that results kept apart from the
    committed ones never overwrite the committed leaderboards.
    """
    if leaderboard_dir is not None:
        return leaderboard_dir
    if results_dir == Path(DEFAULT_RESULTS_DIR):
        return Path("leaderboard")
    return results_dir / "leaderboard"


def _add_dirs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", type=Path, default=Path(DEFAULT_RESULTS_DIR), metavar="DIR",
                        help="folder of result tables (default ./results)")
    parser.add_argument("--leaderboard-dir", type=Path, default=None, metavar="DIR",
                        help="folder for generated leaderboards (default ./leaderboard, or "
                             "RESULTS_DIR/leaderboard when --results-dir is given)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="folder of cached dense baselines (default $GANBENCH_CACHE_DIR or ~/.cache/ganbench)")


def _add_sweep(parser: argparse.ArgumentParser) -> None:
    """Add the options of commands that execute runs: threads, workers, Dask, logs, device."""
    parser.add_argument("--threads", type=_int, default=1, metavar="N",
                        help="torch threads per run (default 1; other values may change the last digits)")
    _add_execution(parser)
    parser.add_argument("--workers", type=_int, default=1, metavar="N",
                        help="execute runs in N local worker processes (default 1: in this process)")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="execute runs on the Dask distributed cluster whose scheduler is at "
                             "ADDRESS, for example tcp://127.0.0.1:8786 (needs ganbench[dask])")
    parser.add_argument("--retry-failed", action="store_true",
                        help="also rerun the runs whose latest recorded row has status failed")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), metavar="DIR",
                        help="folder for per-run log files, DIR/<suite>/<run key>.log (default ./runs)")


def _add_execution(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=DEFAULT_DEVICE, metavar="DEVICE",
                        help="torch device for training and evaluation: cpu (default), cuda or cuda:N")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                        help=f"folder of downloaded datasets (default ${DATA_DIR_VARIABLE} or "
                             "~/.local/share/ganbench)")
    parser.add_argument("--no-self-test", dest="self_test", action="store_false",
                        help="skip the metric self-test that runs before a sweep")


def _apply_execution(args: argparse.Namespace) -> str:
    """Apply --data-dir for this process and its workers; return the checked device."""
    if args.data_dir is not None:
        os.environ[DATA_DIR_VARIABLE] = str(args.data_dir)
    return resolve_device(args.device)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.console_level = _configure_logging(args.verbose, args.quiet)
    if hasattr(args, "leaderboard_dir"):
        args.leaderboard_dir = default_leaderboard_dir(args.results_dir, args.leaderboard_dir)
    handlers = {"run": command_run, "search": command_search, "list": command_list,
                "leaderboard": command_leaderboard, "check": command_check,
                "findings": command_findings}
    try:
        return handlers[args.command](args)
    except UsageError as error:
        print(f"ganbench: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SelfTestFailed as error:
        print(f"ganbench: error: {error}", file=sys.stderr)
        return EXIT_SELF_TEST
    except GanbenchError as error:
        print(f"ganbench: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("ganbench: interrupted; finished runs are recorded, and the same command resumes "
              "the sweep", file=sys.stderr)
        return EXIT_INTERRUPTED


# Libraries whose DEBUG records (font matching, PNG chunks) would bury ganbench's own under -v.
QUIET_LIBRARIES = ("matplotlib", "PIL")


def _configure_logging(verbose: bool, quiet: bool) -> int:
    """Send log records of the chosen level to stderr; return that level.

    The level is set on the handler as well as on the root logger, because per-run log
    capture lowers the root logger's level to DEBUG while a run executes. The loggers of
    ``QUIET_LIBRARIES`` pass INFO and above only, also under ``-v``.
    """
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.INFO)

    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    handler = ConsoleHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s" if verbose else "%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return level


def _suite_and_registry(args: argparse.Namespace) -> tuple[Suite, Registry]:
    suite = load_suite(args.suite)
    registry = load_registry(tuple(args.plugin) + suite.plugins)
    return suite, registry


def command_run(args: argparse.Namespace) -> int:
    suite, registry = _suite_and_registry(args)
    suite = suite.restricted(
        datasets=args.datasets, models=args.models, methods=args.methods,
        sparsities=args.sparsities, seeds=args.seeds, targets=args.targets,
    )
    execution = _sweep_execution(args)
    if args.download:
        download_datasets(set(suite.datasets), registry)
    results = ResultStore(args.results_dir / f"{suite.name}.csv")
    cache = BaselineCache(args.cache_dir or default_cache_dir())
    summary = run_suite(suite, registry, results, cache, execution=execution)
    _log_summary(summary)
    _write_and_print_leaderboard(results, args.leaderboard_dir, suite)
    return EXIT_FAILURE if summary.failed or summary.earlier_failed_rows else EXIT_OK


def _sweep_execution(args: argparse.Namespace) -> Execution:
    """Check the sweep options of ``args`` and return the execution settings they give."""
    if args.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {args.threads}")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.dask_scheduler is not None and args.workers != 1:
        raise UsageError("--workers and --dask-scheduler exclude each other; the Dask cluster's "
                         "workers execute the runs, so drop --workers")
    device = _apply_execution(args)
    return Execution(
        workers=args.workers, dask_scheduler=args.dask_scheduler, threads=args.threads,
        retry_failed=args.retry_failed, runs_dir=args.runs_dir,
        progress_bar=not args.quiet and stream_is_terminal(sys.stderr),
        console_level=args.console_level, device=device, self_test=args.self_test,
    )


def command_search(args: argparse.Namespace) -> int:
    base, registry = _suite_and_registry(args)
    execution = _sweep_execution(args)
    request = SearchRequest(
        method=args.method, dataset=args.dataset, model=args.model, target=args.target,
        tolerance=args.tolerance, seeds=tuple(args.seeds) if args.seeds else None,
        max_sparsity=args.max_sparsity, resolution=args.resolution, max_trials=args.max_trials,
    )
    cache = BaselineCache(args.cache_dir or default_cache_dir())
    result = run_search(request, base, registry, args.results_dir, cache, execution)
    grids = SampleGrids(samples_dir(result.results.path))
    trials = result.results.read()
    paths = write_leaderboard(trials, args.leaderboard_dir, result.suite.name,
                              search_description(trials, base.name), grids, args.results_dir.as_posix())
    logger.info("wrote the trials' leaderboard to %s", paths[0])
    sys.stdout.write(result.text)
    failed = sum(trial.failed for trial in result.outcome.trials)
    if failed:
        logger.error("%d trial run(s) failed and were counted as beyond the tolerance; see the "
                     "trials above, and rerun them with --retry-failed", failed)
        return EXIT_FAILURE
    return EXIT_OK


def _write_and_print_leaderboard(results: ResultStore, directory: Path, suite: Suite) -> None:
    """Write every leaderboard format of ``suite`` and print its Markdown to stdout."""
    grids = SampleGrids(samples_dir(results.path))
    paths = write_leaderboard(results.read(), directory, suite.name, suite.description, grids,
                              results.path.parent.as_posix())
    logger.info("wrote %d leaderboard files to %s (%s)", len(paths), directory,
                ", ".join(path.name for path in paths if path.parent == directory))
    sys.stdout.write(paths[0].read_text(encoding="utf-8"))


def _log_summary(summary: SweepSummary) -> None:
    logger.info(
        "sweep finished in %.1f s: %d runs, %d run now, %d skipped (already recorded), "
        "%d failed, %d declined, %d collapsed",
        summary.seconds, summary.total, summary.done, summary.skipped, summary.failed,
        len(summary.declined_rows), len(summary.collapsed_rows),
    )
    if summary.failed_rows:
        logger.error("%d run(s) failed in this sweep:", summary.failed)
        for row in summary.failed_rows:
            logger.error("  %s: %s", _describe_row(row), row[schema.ERROR])
    if summary.earlier_failed_rows:
        logger.error(
            "%d run(s) failed in an earlier sweep and were not rerun; rerun them with "
            "ganbench run --retry-failed:", len(summary.earlier_failed_rows),
        )
        for row in summary.earlier_failed_rows:
            logger.error("  %s: %s", _describe_row(row), row[schema.ERROR])


def _describe_row(row: dict) -> str:
    return (
        f"{row[schema.DATASET]}/{row[schema.MODEL]} {row[schema.METHOD]} sparsity "
        f"{float(row[schema.SPARSITY]):g} {row[schema.TARGET]} seed {row[schema.SEED]}"
    )


def command_list(args: argparse.Namespace) -> int:
    registry = load_registry(tuple(args.plugin))
    if args.json:
        listing = {
            f"{kind}s": [
                {"name": entry.name, "plugin": entry.provider.plugin,
                 "distribution": entry.provider.distribution, "description": _description(entry.item)}
                for entry in sorted(registry.entries[kind].values(), key=lambda e: e.name)
            ]
            for kind in KINDS
        }
        listing["unavailable"] = [{"plugin": p.plugin, "reason": p.reason} for p in registry.problems]
        print(json.dumps(listing, indent=2))
        return EXIT_OK

    from tabulate import tabulate

    for kind, title in (("method", "Pruning methods"), ("model", "Models"), ("dataset", "Datasets"), ("metric", "Metrics")):
        entries = sorted(registry.entries[kind].values(), key=lambda e: e.name)
        print(f"{title} ({len(entries)})")
        rows = [[entry.name, str(entry.provider), _description(entry.item)] for entry in entries]
        print(tabulate(rows, headers=["name", "plugin", "description"], tablefmt="simple"))
        print()
    if registry.problems:
        print(f"Unavailable plugins ({len(registry.problems)})")
        print(tabulate([[p.plugin, p.reason] for p in registry.problems], headers=["plugin", "reason"],
                       tablefmt="simple"))
    return EXIT_OK


def _description(item) -> str:
    return getattr(item, "description", "") or ""


def command_leaderboard(args: argparse.Namespace) -> int:
    path = args.results_dir / f"{args.suite}.csv"
    if args.suite not in builtin_suites() and not args.suite.endswith(".toml") and path.exists():
        # Results without a suite file of their own, such as the trials of ganbench search.
        description = ""
        if args.suite.endswith(SEARCH_SUFFIX):
            description = search_description(ResultStore(path).read(), args.suite[: -len(SEARCH_SUFFIX)])
        suite = Suite(name=args.suite, description=description, datasets=(), models=(), methods=(),
                      sparsities=(), seeds=(), targets=())
    else:
        suite = load_suite(args.suite)
        path = args.results_dir / f"{suite.name}.csv"
    if not path.exists():
        raise UsageError(f"no results for suite {suite.name!r} at {path}; run: ganbench run --suite {args.suite}")
    _write_and_print_leaderboard(ResultStore(path), args.leaderboard_dir, suite)
    return EXIT_OK


def command_findings(args: argparse.Namespace) -> int:
    name = Path(args.suite).stem if args.suite.endswith(".toml") else args.suite
    path = args.results_dir / f"{name}.csv"
    if not path.exists():
        raise UsageError(
            f"no results for suite {name!r} at {path}; run: ganbench run --suite {args.suite}"
        )
    command = "ganbench findings" + ("" if args.suite == FINDINGS_SUITE else f" --suite {args.suite}")
    page = findings_page(ResultStore(path).read(), path.as_posix(), command)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != page:
            print(f"ganbench findings: {args.output} is not the page that {path} gives; "
                  f"regenerate it with: {command}")
            return EXIT_FAILURE
        print(f"ganbench findings: {args.output} matches {path}")
        return EXIT_OK
    write_atomic(args.output, page.encode("utf-8"))
    logger.info("wrote %s from %s", args.output, path)
    return EXIT_OK


def _reference_hint(args: argparse.Namespace) -> str:
    """Return how to create the missing reference file that ``args`` name."""
    if args.against is not None:
        return (f"pass an existing results file, or write this one from a fresh run with "
                f"ganbench check --suite {args.suite} --against {args.against} --update")
    results_dir = "" if args.results_dir == Path(DEFAULT_RESULTS_DIR) else f" --results-dir {args.results_dir}"
    return f"create them with ganbench run --suite {args.suite}{results_dir} and commit them"


def command_check(args: argparse.Namespace) -> int:
    suite, registry = _suite_and_registry(args)
    tolerances = TOLERANCES
    for text in args.tolerance:
        tolerances = parse_tolerance(text, tolerances)
    reference_path = args.against or args.results_dir / f"{suite.name}.csv"
    if not reference_path.exists() and not args.update:
        raise UsageError(f"reference results {reference_path} do not exist; {_reference_hint(args)}")
    reference = ResultStore(reference_path).read()
    if args.fresh is not None and not args.fresh.exists():
        raise UsageError(f"fresh results {args.fresh} do not exist; pass an existing results file")

    with tempfile.TemporaryDirectory(prefix="ganbench-check-") as folder:
        if args.fresh is not None:
            fresh_path = args.fresh
        else:
            fresh_path = Path(folder) / f"{suite.name}.csv"
            device = _apply_execution(args)
            cache = BaselineCache(args.cache_dir or default_cache_dir())
            execution = Execution(console_level=args.console_level, device=device,
                                  self_test=args.self_test)
            summary = run_suite(suite, registry, ResultStore(fresh_path), cache, execution=execution)
            _log_summary(summary)
        fresh = ResultStore(fresh_path).read()
        regressions = compare(fresh, reference, tolerances)
        if args.update:
            replace_reference(fresh_path, reference_path)

    if args.json:
        print(report_json(regressions, tolerances, suite=suite.name, reference=str(reference_path),
                          fresh_runs=len(fresh), reference_runs=len(reference), updated=args.update))
    elif args.update:
        print(f"ganbench check: replaced {reference_path} with {len(fresh)} fresh runs "
              f"({len(regressions)} difference(s) beyond tolerance accepted)")
        if regressions:
            print(render_regressions(regressions))
    elif regressions:
        print(f"ganbench check: {len(regressions)} regression(s) against {reference_path}:")
        print(render_regressions(regressions))
    else:
        print(f"ganbench check: {len(fresh)} runs of suite {suite.name!r} match {reference_path}")
    return EXIT_FAILURE if regressions and not args.update else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
