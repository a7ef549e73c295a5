"""The text that ``ganbench search`` prints: its trials, the answer and the answer's support."""

from __future__ import annotations

import math

from tabulate import tabulate

from ganbench.search.bisection import SearchOutcome
from ganbench.search.trials import Trial


def render_search(outcome: SearchOutcome, *, method: str, dataset: str, model: str, target: str,
                  seeds: tuple[int, ...], tolerance: float, dense_fids: list[float],
                  results: str) -> str:
    """Return the trials table, the answer and a statement of its confidence."""
    dense_mean = sum(dense_fids) / len(dense_fids)
    limit = (1 + tolerance) * dense_mean
    lines = [
        f"search: {method} on {dataset}/{model}, target {target}, seed(s) "
        f"{', '.join(map(str, seeds))}",
        f"within tolerance: mean FID at most {1 + tolerance:g} × the mean dense FID "
        f"{dense_mean:.4g}, that is at most {limit:.4g}",
        "",
        _trial_table(outcome.trials),
        "",
        _answer(outcome, tolerance),
        _confidence(outcome, seeds, tolerance),
        f"Every trial is recorded in {results}.",
    ]
    return "\n".join(lines) + "\n"


def _trial_table(trials: tuple[Trial, ...]) -> str:
    rows = []
    for number, trial in enumerate(trials, start=1):
        if trial.problem:
            rows.append([number, f"{trial.sparsity:.2f}", "", "", "", "", "beyond", trial.problem])
            continue
        rows.append([
            number, f"{trial.sparsity:.2f}", f"{trial.achieved:.3f}",
            f"{sum(trial.fids) / len(trial.fids):.4g}", f"{trial.ratio:.3f}", _interval(trial),
            "within" if trial.within else "beyond", "; ".join(trial.notes),
        ])
    headers = ["trial", "sparsity", "achieved", "FID", "× dense", "margin (95% CI)", "decision", "notes"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def _interval(trial: Trial) -> str:
    mean = sum(trial.margins) / len(trial.margins)
    low, high = trial.margin_interval
    if math.isnan(low):
        return f"{mean:+.4g}"
    return f"{mean:+.4g} ({low:+.4g} to {high:+.4g})"


def _answer(outcome: SearchOutcome, tolerance: float) -> str:
    percent = f"{tolerance * 100:g} %"
    if outcome.failing is None:
        text = (f"Answer: {outcome.answer:.2f}, the largest sparsity searched, is within {percent} "
                "of the dense FID.")
    elif outcome.answer == 0:
        text = (f"Answer: no sparsity tried is within {percent} of the dense FID; the smallest "
                f"tried, {outcome.failing:.2f}, is beyond it.")
    else:
        text = (f"Answer: {outcome.answer:.2f} is the largest sparsity tried within {percent} of "
                f"the dense FID; {outcome.failing:.2f} is beyond it.")
    return f"{text} The search stopped because {outcome.stopped}."


def _confidence(outcome: SearchOutcome, seeds: tuple[int, ...], tolerance: float) -> str:
    if len(seeds) == 1:
        return (
            f"Confidence: one seed ({seeds[0]}), so every decision rests on a single run and the "
            "answer has no statistical support; FID differs between seeds, and another seed "
            "may move the answer. Run with several seeds (--seeds 0 1 2 ...) for 95 % bootstrap "
            "intervals."
        )
    decisive = [trial for trial in outcome.trials
                if trial.sparsity in (outcome.answer, outcome.failing) and not trial.problem]
    parts = []
    for trial in decisive:
        low, high = trial.margin_interval
        if math.isnan(low):
            parts.append(f"at {trial.sparsity:.2f} no interval could be computed")
            continue
        if high <= 0:
            verdict = "clearly within"
        elif low > 0:
            verdict = "clearly beyond"
        else:
            verdict = "uncertain, because the interval contains 0"
        parts.append(
            f"at {trial.sparsity:.2f} the 95 % bootstrap interval of the mean margin "
            f"(FID − {1 + tolerance:g} × dense FID, paired by seed) is {low:+.4g} to {high:+.4g}: "
            f"{verdict}"
        )
    clear = all(
        (trial.margin_interval[1] <= 0) if trial.within else (trial.margin_interval[0] > 0)
        for trial in decisive
    ) and bool(decisive)
    summary = "every decision that brackets the answer is clear at 95 %" if clear else (
        "the answer is not established at 95 %: a decision that brackets it is within "
        "seed-to-seed noise"
    )
    text = f"Confidence: {len(seeds)} seeds; " + "; ".join(parts) + f". So {summary}."
    if len(seeds) <= 3:
        text += (" With so few seeds the percentile bootstrap is crude (3 values have only 10 "
                 "distinct resample means).")
    return text
