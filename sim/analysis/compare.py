"""Side-by-side comparison of complete runs over one window: a table, the distributions, paired differences.

Every number of a comparison covers the same window: by default the forecast
(from the runs' branch date to their end), else the window given. Runs pair
replicate by replicate only when they share their seed, replicate count and
start date; otherwise the comparison says which of these differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.run_name import label_from_summary
from sim.analysis.summary import QUANTILES
from sim.analysis.targets import reference_rate_2024
from sim.analysis.windows import (
    FORECAST,
    WHOLE_RUN,
    NamedWindow,
    Window,
    attack_rates,
    forecast_window,
    parse_window,
    whole_months,
    window_rates,
)
from sim.config.errors import ConfigError
from sim.files import sha256_file
from sim.runs import record

# What the paired columns mean, for the printed table, the report and the docs.
PAIRED_COLUMNS = {
    "difference": "mean over replicates of B minus A, attacks per month",
    "ci95_low": "lower end of the difference's 95% confidence interval",
    "ci95_high": "upper end of the difference's 95% confidence interval",
    "share_b_higher": "share of replicates in which B's rate is above A's, chance events shared",
    "variance_reduction": "how many times smaller the paired differences' variance is than that of two "
                          "independent ensembles of the same size: what pairing gains (1: nothing)",
}


@dataclass
class RunTables:
    """A complete run as a comparison reads it: its record, label and hash-checked tables."""

    label: str
    record: record.RunRecord
    replicates: pd.DataFrame
    monthly: pd.DataFrame        # attacks, killed and wounded per replicate and month
    area_months: pd.DataFrame    # the same per month and area, summed over replicates
    summary: dict

    @property
    def name(self) -> str:
        """The run's name: its scenario plus every override."""
        return label_from_summary(self.summary).name


def load_run_tables(run_dir: str | Path, label: str = "") -> RunTables:
    """A complete run's replicates and monthly tables and summary, checked against the manifest's hashes."""
    rec = record.load_run(run_dir)
    # Both forms of a table (Parquet and CSV) are checked where the run wrote both: a damaged copy is a damaged record.
    read = {record.table_file(rec.path, "replicates").name, record.table_file(rec.path, "monthly").name, "summary.json"}
    for name in read | {n for n in rec.manifest["files"] if n.split(".")[0] in ("replicates", "monthly")}:
        checked_file(rec, name)
    summary = json.loads((rec.path / "summary.json").read_text(encoding="utf-8"))
    monthly, area_months = record.read_monthly(rec.path)
    return RunTables(label or rec.path.name, rec, record.read_table(rec.path, "replicates"), monthly, area_months,
                     summary)


def load_runs(paths: list[Path]) -> list[RunTables]:
    """Several runs, each labelled by its folder (`run_labels`)."""
    return [load_run_tables(p, label) for label, p in zip(run_labels(paths), paths, strict=True)]


def checked_file(rec: record.RunRecord, name: str) -> Path:
    """The path of a file of the run, once its sha256 is found equal to the manifest's."""
    expected = rec.manifest["files"].get(name)
    path = rec.path / name
    if expected is None or not path.exists() or sha256_file(path) != expected:
        raise ConfigError(f"'{path}' is missing or differs from the run's manifest; the run cannot be "
                          "compared until it is reproduced (`sim reproduce`).")
    return path


def run_labels(paths: list[Path]) -> list[str]:
    """Short unique labels: the scenario folder and run folder names."""
    labels = [f"{p.resolve().parent.name}/{p.resolve().name}" for p in paths]
    return [f"{label} ({k})" if labels.count(label) > 1 else label for k, label in enumerate(labels)]


def common_window(text: str, runs: list[RunTables]) -> NamedWindow:
    """The one window of a comparison: `forecast` (from the latest branch date among the runs to the
    earliest end; the runs' common horizon, named 'whole run', when one of them ends before its branch), or
    START:END inside every run's horizon, widened to whole months."""
    configs = [(r.label, r.record.config) for r in runs]
    if text == FORECAST:
        forecasts = [forecast_window(c.start, c.end, c.branch_date) for _, c in configs]
        if None in forecasts:       # a run that ends before its branch: the runs' common horizon, named so
            first, last = max(c.start for _, c in configs), min(c.end for _, c in configs)
            if first > last:
                raise ConfigError("The runs' horizons do not overlap; compare runs that share some months.")
            return NamedWindow(WHOLE_RUN, Window(first, last))
        start, end = max(w.start for w in forecasts), min(w.end for w in forecasts)
        if start > end:
            raise ConfigError("The runs' forecasts do not overlap; give window=START:END inside every run's horizon.")
        return NamedWindow(FORECAST, Window(start, end))
    window = parse_window(text)
    for label, cfg in configs:
        if window.start < cfg.start or window.end > cfg.end:
            raise ConfigError(f"window={window.start}:{window.end} lies outside the horizon of {label} "
                              f"({cfg.start} to {cfg.end}); give window=START:END inside every run's horizon, or "
                              "window=forecast.")
    start = max(c.start for _, c in configs)
    end = min(c.end for _, c in configs)
    return NamedWindow("", whole_months(window, start, end))


def comparison_table(rates: dict[str, pd.DataFrame], names: dict[str, str]) -> pd.DataFrame:
    """One row per run over one window: median and 90% interval of attacks and casualties per month, and
    the share of replicates above the 2024 record's rate. `rates` are `window_rates` per run label."""
    rows = []
    for label, r in rates.items():
        a, c = r["attacks_per_month"], r["casualties_per_month"]
        rows.append({
            "run": label,
            "name": names[label],
            "replicates": len(r),
            "attacks/month median": a.quantile(QUANTILES["q50"]),
            "attacks/month 90%": f"{a.quantile(QUANTILES['q05']):.2f}-{a.quantile(QUANTILES['q95']):.2f}",
            "casualties/month median": c.quantile(QUANTILES["q50"]),
            "casualties/month 90%": f"{c.quantile(QUANTILES['q05']):.2f}-{c.quantile(QUANTILES['q95']):.2f}",
            "P(above 2024 rate)": float((a > reference_rate_2024()).mean()),
        })
    return pd.DataFrame(rows)


def paired_difference(monthly_a: pd.DataFrame, monthly_b: pd.DataFrame, start: str, end: str) -> dict:
    """The difference B - A in attacks per month over [start, end], replicate by replicate, from two monthly
    tables (which may count attacks alone)."""
    window = Window(start, end)
    return paired_rates(attack_rates(monthly_a, window), attack_rates(monthly_b, window))


def paired_rates(rates_a: pd.Series, rates_b: pd.Series) -> dict:
    """The difference B - A in a rate, replicate by replicate (both indexed by replicate).

    Runs with the same seed share their chance events wherever their mechanisms agree (each mechanism
    draws from its own stream), so the paired differences vary much less than the difference of two
    independent ensembles; `variance_reduction` is the unpaired variance over the paired one (NaN where the
    paired differences do not vary: there is nothing to reduce, and no ratio to give).
    """
    from scipy import stats

    if list(rates_a.index) != list(rates_b.index):
        raise ConfigError("The runs do not hold the same replicates; pair runs made with the same seed and count.")
    diff = (rates_b - rates_a).to_numpy(dtype=float)
    n = diff.size
    paired_sd = float(diff.std(ddof=1)) if n > 1 else 0.0
    unpaired_var = float(rates_a.var(ddof=1) + rates_b.var(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * paired_sd / n ** 0.5) if n > 1 else float("nan")
    mean = float(diff.mean())
    return {"replicates": n, "mean_a": float(rates_a.mean()), "mean_b": float(rates_b.mean()),
            "difference": mean, "ci95_low": mean - half, "ci95_high": mean + half,
            "share_b_higher": float((diff > 0).mean()),
            "variance_reduction": unpaired_var / paired_sd ** 2 if paired_sd > 0 else float("nan")}


def pairing_obstacles(records: list[record.RunRecord]) -> list[str]:
    """What stops the runs from pairing replicate by replicate (empty when they pair): which of the seed,
    the replicate count and the start date differ, with each run's value."""
    if len(records) < 2:
        return ["there is only one run"]
    out = []
    for key, what in (("seed", "seed"), ("replicates", "replicate count"), ("start", "start date")):
        values = [getattr(r.config, key) for r in records]
        if len(set(values)) > 1:
            out.append(f"the {what} differs ({', '.join(str(v) for v in values)})")
    return out


def paired_table(runs: list[RunTables], window: NamedWindow) -> pd.DataFrame | None:
    """Each run against the first, replicate by replicate, in `window` (None when the runs do not pair)."""
    if pairing_obstacles([r.record for r in runs]):
        return None
    first = window_rates(runs[0].monthly, window.window)["attacks_per_month"]
    rows = [{"run": r.label, "against": runs[0].label, "window": window.window.text,
             **paired_rates(first, window_rates(r.monthly, window.window)["attacks_per_month"])}
            for r in runs[1:]]
    return pd.DataFrame(rows)
