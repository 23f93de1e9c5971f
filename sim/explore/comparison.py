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

from sim.api import EnsembleResult
from sim.config.schema import RunConfig
from sim.explore import batch, contrast
from sim.explore.choices import same_experiment
from sim.explore.explain import PARAMETER_WORDS, long_date, period_words
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


def window_summary(entry: ShelfEntry) -> str:
    """Median, 90% range and the chance of a worse year than 2024, over the comparison window, in words."""
    low, high = entry.range90
    period = period_words(*entry.window)
    return (f"{period} a median of **{entry.median:.1f} attacks a month** (90% of replicates between {low:.1f} and "
            f"{high:.1f}); in {entry.worse_than_reference:.0%} of replicates more than in the 2024 record "
            f"({entry.reference_rate:.1f} a month)")


def verdict(entry: ShelfEntry) -> str:
    """The ensemble against its baseline over time, in one line of words (Markdown)."""
    base = entry.baseline
    if base is None:
        return (f"**{entry.name}** is the baseline itself, so there is nothing to set beside it: "
                f"{window_summary(entry)}.")
    start = entry.departs or base.departs or entry.branch_date
    c = contrast.paired(base.months, base.attacks, entry.months, entry.attacks, start, entry.end)
    overlap = contrast.overlap_share(base.rates(start, entry.end), entry.rates(start, entry.end))
    return (f"From {long_date(start)}, when your choices take effect, to {long_date(entry.end)}: "
            f"**{contrast.amount_words(c, 'the baseline')}**; {contrast.overlap_words(overlap)}, "
            f"and {contrast.certainty_words(c)}.")


def describe(entry: ShelfEntry) -> str:
    """The ensemble in words, in Markdown: what it is, the verdict over time, each side's year."""
    parameters = PARAMETER_WORDS.get(entry.parameters, f"parameters: {entry.parameters}")
    lines = [f"**{entry.name}**: {entry.replicates} replicates from {long_date(entry.start)} to "
             f"{long_date(entry.end)} (seed {entry.seed}; {parameters}).", verdict(entry)]
    if entry.baseline is not None:
        lines += [f"*Your choices:* {window_summary(entry)}.", f"*Baseline:* {window_summary(entry.baseline)}."]
    return "\n\n".join(lines)




def save(c: Comparison, root: Path = EXPLORER_OUTPUTS, now: dt.datetime | None = None) -> list[Path]:
    """Write the scenario's run directory (and the baseline's, when it differs); return their paths.

    Each goes into a folder named by the date and time that this call creates, so two saves in the
    same second, from two pages or two processes, never share one.
    """
    now = now or dt.datetime.now()
    results = [c.scenario] if c.same_as_baseline else [c.scenario, c.baseline]
    return [r.save(new_folder(root / plain_name(r.config.scenario.name, "The scenario name"), now)) for r in results]
