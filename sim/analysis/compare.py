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
    for name in ("replicates.csv", "summary.json"):
        expected = rec.manifest["files"].get(name)
        path = rec.path / name
        if expected is None or not path.exists() or record.sha256_file(path) != expected:
            raise ConfigError(f"'{path}' is missing or differs from the run's manifest; the run cannot be "
                              "compared until it is reproduced (`sim reproduce`).")
    replicates = pd.read_csv(rec.path / "replicates.csv")
    summary = json.loads((rec.path / "summary.json").read_text(encoding="utf-8"))
    return rec, replicates, summary


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
