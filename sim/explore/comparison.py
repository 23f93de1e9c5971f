"""An ensemble of the chosen scenario beside the baseline: run, described in words, saved as run directories.

The page runs this in a background thread; the replicates themselves run in
the project's worker processes (`run_ensemble`), and each finished replicate
moves the progress bar. Saving writes ordinary run directories through
`EnsembleResult.save`, so `sim reproduce` verifies them like any other run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis.targets import reference_rate_2024
from sim.api import EnsembleResult
from sim.config.schema import RunConfig
from sim.explore.choices import same_experiment
from sim.explore.drawing import comparison_figure
from sim.runs.ensemble import run_ensemble
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
                   on_progress: Callable[[int, int], None] = lambda done, total: None) -> Comparison:
    """Run both ensembles (the baseline only once when the scenario is the baseline)."""
    same = same_experiment(cfg, baseline)
    total = cfg.replicates * (1 if same else 2)
    done = 0

    def one_more(_index, _outcome) -> None:
        nonlocal done
        done += 1
        on_progress(done, total)

    scenario = EnsembleResult(cfg, run_ensemble(cfg, workers=workers, progress=False, on_result=one_more))
    if same:
        return Comparison(scenario, scenario)
    base = EnsembleResult(baseline, run_ensemble(baseline, workers=workers, progress=False, on_result=one_more))
    return Comparison(scenario, base)


def _median_and_interval(summary: dict) -> str:
    a = summary["attacks_per_month"]
    return f"{a['q50']:.1f} attacks a month (90% of replicates between {a['q05']:.1f} and {a['q95']:.1f})"


def _months(window: dict) -> int:
    """Calendar months from the window's first to its last (YYYY-MM), both included."""
    (y0, m0), (y1, m1) = (map(int, window[k].split("-")) for k in ("window_start", "window_end"))
    return 12 * (y1 - y0) + m1 - m0 + 1


def describe(c: Comparison) -> str:
    """The comparison in words, in Markdown."""
    s, b = c.scenario.summary, c.baseline.summary
    reference = reference_rate_2024()
    exceed, base_exceed = s["exceeds_2024_rate"], b["exceeds_2024_rate"]
    window = f"from {exceed['window_start']} to {exceed['window_end']}"
    lines = [
        f"**{s['scenario']}**, {s['replicates']} replicates from {s['start']} to {s['end']} (seed {s['seed']}): "
        f"a median of {_median_and_interval(s)} over the whole period.",
    ]
    if not c.same_as_baseline:
        lines.append(f"**Baseline** ({b['scenario']}, same period, seed and number of replicates): "
                     f"{_median_and_interval(b)}.")
    lines.append(
        f"**Worse than 2024?** In {exceed['probability']:.0%} of replicates the attack rate over the last "
        f"{_months(exceed)} months of the period ({window}) is above the 2024 rate of {reference:.1f} attacks a month "
        f"(the attacks the Islamic State claimed in Iraq in January–August 2024)"
        + ("." if c.same_as_baseline else f"; in the baseline, {base_exceed['probability']:.0%}."))
    return "\n\n".join(lines)


def figure(c: Comparison) -> Figure:
    rates = {c.scenario.config.scenario.name: c.scenario.replicates["attacks_per_month"].to_numpy()}
    if not c.same_as_baseline:
        rates[f"baseline ({c.baseline.config.scenario.name})"] = c.baseline.replicates["attacks_per_month"].to_numpy()
    return comparison_figure(rates, reference_rate_2024())


def save(c: Comparison, root: Path = EXPLORER_OUTPUTS, now: dt.datetime | None = None) -> list[Path]:
    """Write the scenario's run directory (and the baseline's, when it differs); return their paths.

    Each goes into a folder named by the date and time that this call creates, so two saves in the
    same second, from two pages or two processes, never share one.
    """
    now = now or dt.datetime.now()
    results = [c.scenario] if c.same_as_baseline else [c.scenario, c.baseline]
    return [r.save(new_folder(root / plain_name(r.config.scenario.name, "The scenario name"), now)) for r in results]
