"""An ensemble of the chosen scenario beside the baseline: run, shelved, described in words, saved.

The page runs this in a background thread; both ensembles run as one batch in
the project's worker processes (sim/explore/batch.py), and each finished
replicate moves the progress bar. With the same seed the two ensembles share
their chance events wherever their mechanisms agree, so the verdict compares
them replicate by replicate. Saving writes ordinary run directories through
`EnsembleResult.save`, so `sim reproduce` verifies them like any other run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.runs.result import EnsembleResult
from sim.config.schema import RunConfig
from sim.analysis import contrast
from sim.explore import batch, reasons
from sim.explore.choices import same_experiment
from sim.explore.explain import PARAMETER_WORDS, REFERENCE_WORDS, long_date, period_words
from sim.explore.shelf import ShelfEntry, entry_of
from sim.runs.folders import new_folder, plain_name

EXPLORER_OUTPUTS = Path("outputs/explorer")


@dataclass(frozen=True)
class Comparison:
    """The scenario's ensemble and the baseline's, over the same horizon, seed and replicate count."""

    scenario: EnsembleResult
    baseline: EnsembleResult

    @property
    def same_as_baseline(self) -> bool:
        return same_experiment(self.scenario.config, self.baseline.config)


def run_comparison(cfg: RunConfig, baseline: RunConfig, workers: int,
                   on_progress: Callable[[batch.Progress], None] = lambda progress: None) -> Comparison:
    """Run both ensembles as one batch (the baseline only once when the scenario is the baseline)."""
    runs = batch.run_ensembles({"scenario": cfg, "baseline": baseline}, workers, on_progress)
    return Comparison(EnsembleResult(cfg, runs["scenario"]), EnsembleResult(baseline, runs["baseline"]))


def shelve(c: Comparison, name: str, changed: dict[str, str], reference_rate: float) -> ShelfEntry:
    """The comparison as a shelf entry: the scenario, with the baseline beside it unless they are one."""
    base = None if c.same_as_baseline else entry_of(c.baseline, "baseline", {}, reference_rate)
    return replace(entry_of(c.scenario, name, changed, reference_rate, base), run=c)


def reading_windows(entry: ShelfEntry) -> dict[str, tuple[str, str]]:
    """The periods a result can be read over, the comparison window first: each whole forecast year the
    run covers, then everything from the date the choices take effect to the end. Keyed by a short name
    the page's address uses ("2027", "2028", "all")."""
    first = entry.window
    out = {first[0][:4] if period_words(*first).startswith("in ") else "window": first}
    for year in range(int(first[1][:4]) + 1, int(entry.end[:4]) + 1):
        if f"{year}-12-31" <= entry.end:
            out[str(year)] = (f"{year}-01-01", f"{year}-12-31")
    start = entry.departs or (entry.baseline.departs if entry.baseline else "") or entry.branch_date
    if start and start < entry.end:
        out["all"] = (start, entry.end)
    return out


def window_summary(entry: ShelfEntry, window: tuple[str, str] | None = None) -> str:
    """Median, 90% range and how many runs were worse than 2024, over a window, in words."""
    window = window or entry.window
    rates = entry.rates(*window)
    low, high = np.quantile(rates, [0.05, 0.95])
    worse = int((rates > entry.reference_rate).sum())
    return (f"{period_words(*window)} a median of **{np.median(rates):.1f} attacks a month** over its "
            f"{entry.replicates} runs (90% of them between {low:.1f} and {high:.1f}); more than in 2024 "
            f"({entry.reference_rate:.1f} a month) in {worse} of {entry.replicates} runs")


def runs_words(differences: np.ndarray) -> str:
    """Natural frequencies: in how many of the paired runs the choices gave more attacks, and fewer."""
    n, more, fewer = differences.size, int((differences > 0).sum()), int((differences < 0).sum())
    same = n - more - fewer
    tail = f", the same in {same}" if same else ""
    return f"more attacks in {more} of {n} runs, fewer in {fewer}{tail}"


def headline(entry: ShelfEntry, window: tuple[str, str] | None = None) -> str:
    """The answer first: your choices minus the baseline over the window, its interval, and a verdict in
    plain words with natural frequencies (Markdown). The runs are paired: same seed, same replicates."""
    base = entry.baseline
    window = window or entry.window
    period = period_words(*window)
    if base is None:
        return (f"**{entry.name}** is the baseline itself, so there is nothing to set beside it: "
                f"{window_summary(entry, window)}.")
    c = contrast.paired(base.months, base.attacks, entry.months, entry.attacks, *window)
    frequencies = runs_words(entry.rates(*window) - base.rates(*window))
    if c.clear:
        which = "worse" if c.difference > 0 else "calmer"
        verdict = f"Your choices make {period_phrase(period)} {which} than the baseline: {frequencies}."
    else:
        verdict = (f"The model cannot tell your choices from the baseline {period}: {frequencies}; the interval "
                   "includes zero, so more runs might tell them apart.")
    return (f"**{period[0].upper()}{period[1:]}, your choices minus the baseline: {contrast.signed(c.difference)} "
            f"attacks a month on average (95% interval {contrast.signed(c.low)} to {contrast.signed(c.high)}).** "
            f"{verdict}")


def period_phrase(period: str) -> str:
    """"in 2027" -> "2027"; "from 1 August 2026 to ..." -> "the months from 1 August 2026 to ..."."""
    return period[3:] if period.startswith("in ") else f"the months {period}"


def why(entry: ShelfEntry, window: tuple[str, str] | None = None) -> reasons.Reason | None:
    """The model's own reason for the difference from the baseline over the window (None when there is
    no baseline, no difference or no mechanism that moved with it)."""
    base = entry.baseline
    window = window or entry.window
    if base is None or not entry.records or not base.records:
        return None
    difference = float(np.mean(entry.rates(*window) - base.rates(*window)))
    if abs(difference) < contrast.NEGLIGIBLE:
        return None
    return reasons.reason(base.records, entry.records, entry.month_indices(*window), difference)


def describe(entry: ShelfEntry, window: tuple[str, str] | None = None) -> str:
    """The ensemble in words, in Markdown: the answer over the window, then each side over it, then what it is."""
    window = window or entry.window
    parameters = PARAMETER_WORDS.get(entry.parameters, f"parameters: {entry.parameters}")
    lines = [headline(entry, window)]
    if entry.baseline is not None:
        lines += [f"*Your choices:* {window_summary(entry, window)}.",
                  f"*Baseline:* {window_summary(entry.baseline, window)}."]
    lines.append(f"{entry.replicates} runs of **{entry.name}** from {long_date(entry.start)} to "
                 f"{long_date(entry.end)}, each beside the baseline's run with the same random numbers "
                 f"(seed {entry.seed}; {parameters}). {REFERENCE_WORDS.format(rate=entry.reference_rate)}.")
    return "\n\n".join(lines)


def save(c: Comparison, root: Path = EXPLORER_OUTPUTS, now: dt.datetime | None = None) -> list[Path]:
    """Write the scenario's run directory (and the baseline's, when it differs); return their paths.

    Each goes into a folder named by the date and time that this call creates, so two saves in the
    same second, from two pages or two processes, never share one.
    """
    now = now or dt.datetime.now()
    results = [c.scenario] if c.same_as_baseline else [c.scenario, c.baseline]
    return [r.save(new_folder(root / plain_name(r.config.scenario.name, "The scenario name"), now)) for r in results]
