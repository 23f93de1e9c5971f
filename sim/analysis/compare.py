"""Side-by-side comparison of complete runs: a table and the attack-rate distributions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.config.errors import ConfigError
from sim.runs import record


def load_run_tables(run_dir: str | Path) -> tuple[record.RunRecord, pd.DataFrame, dict]:
    """A complete run's replicates table and summary, checked against the manifest's hashes."""
    rec = record.load_run(run_dir)
    for name in ("replicates.csv", "monthly.csv", "summary.json"):
        checked_file(rec, name)
    replicates = pd.read_csv(rec.path / "replicates.csv")
    summary = json.loads((rec.path / "summary.json").read_text(encoding="utf-8"))
    return rec, replicates, summary


def checked_file(rec: record.RunRecord, name: str) -> Path:
    """The path of a file of the run, once its sha256 is found equal to the manifest's."""
    expected = rec.manifest["files"].get(name)
    path = rec.path / name
    if expected is None or not path.exists() or record.sha256_file(path) != expected:
        raise ConfigError(f"'{path}' is missing or differs from the run's manifest; the run cannot be "
                          "compared until it is reproduced (`sim reproduce`).")
    return path


def comparison_table(summaries: dict[str, dict]) -> pd.DataFrame:
    """One row per run: median and 90% interval of the headline rates, exceedance, fighters."""
    rows = []
    for label, s in summaries.items():
        a, c, f = s["attacks_per_month"], s["casualties_per_month"], s["fighters_end"]
        rows.append({
            "run": label,
            "scenario": s["scenario"],
            "replicates": s["replicates"],
            "attacks/month median": a["q50"],
            "attacks/month 90%": f"{a['q05']:.2f}-{a['q95']:.2f}",
            "casualties/month median": c["q50"],
            "casualties/month 90%": f"{c['q05']:.2f}-{c['q95']:.2f}",
            "P(last year > 2024 rate)": s["exceeds_2024_rate"]["probability"],
            "fighters at end, median": f["q50"],
        })
    return pd.DataFrame(rows)


def run_labels(paths: list[Path]) -> list[str]:
    """Short unique labels: the scenario folder and run folder names."""
    labels = [f"{p.resolve().parent.name}/{p.resolve().name}" for p in paths]
    return [f"{label} ({k})" if labels.count(label) > 1 else label for k, label in enumerate(labels)]


def window_rates(monthly: pd.DataFrame, start: str, end: str) -> pd.Series:
    """Attacks per month in [start, end] (whole months) for each replicate, from a monthly table."""
    months = monthly["month"].astype(str)
    inside = monthly[(months >= start[:7]) & (months <= end[:7])]
    n_months = inside["month"].nunique()
    if n_months == 0:
        raise ConfigError(f"The window {start} to {end} lies outside the runs' horizon.")
    return inside.groupby("replicate")["attacks"].sum() / n_months


def paired_difference(monthly_a: pd.DataFrame, monthly_b: pd.DataFrame, start: str, end: str) -> dict:
    """The difference B - A in attacks per month over the window, replicate by replicate.

    Runs with the same seed share their chance events wherever their mechanisms agree (each mechanism
    draws from its own stream), so the paired differences vary much less than the difference of two
    independent ensembles; `variance_reduction` is the unpaired variance over the paired one (NaN where the
    paired differences do not vary: there is nothing to reduce, and no ratio to give).
    """
    from scipy import stats

    a, b = window_rates(monthly_a, start, end), window_rates(monthly_b, start, end)
    if list(a.index) != list(b.index):
        raise ConfigError("The runs do not hold the same replicates; pair runs made with the same seed and count.")
    diff = (b - a).to_numpy(dtype=float)
    n = diff.size
    paired_sd = float(diff.std(ddof=1)) if n > 1 else 0.0
    unpaired_var = float(a.var(ddof=1) + b.var(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * paired_sd / n ** 0.5) if n > 1 else float("nan")
    mean = float(diff.mean())
    return {"window": f"{start} to {end}", "replicates": n, "mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "difference": mean, "ci95_low": mean - half, "ci95_high": mean + half,
            "share_b_higher": float((diff > 0).mean()),
            "variance_reduction": unpaired_var / paired_sd ** 2 if paired_sd > 0 else float("nan")}


def pairable(records: list[record.RunRecord]) -> bool:
    """Whether runs can be paired replicate by replicate: the same seed, replicate count and start date."""
    first = records[0].config
    return len(records) > 1 and all((r.config.seed, r.config.replicates, r.config.start)
                                    == (first.seed, first.replicates, first.start) for r in records)


def paired_table(paths: list[Path], labels: list[str], records: list[record.RunRecord], start: str,
                 end: str) -> pd.DataFrame | None:
    """Each run against the first, replicate by replicate (None when the runs cannot be paired)."""
    if not pairable(records):
        return None
    monthly = {label: pd.read_csv(path / "monthly.csv") for label, path in zip(labels, paths, strict=True)}
    rows = [{"run": label, "against": labels[0], **paired_difference(monthly[labels[0]], monthly[label], start, end)}
            for label in labels[1:]]
    return pd.DataFrame(rows)
