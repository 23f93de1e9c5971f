"""Run the backtest and write its record: per-origin posteriors and forecasts, the scored table and figure.

Writes into a new folder: `backtest.csv` (the scored table), `forecasts.csv` (every replicate's attacks and
casualties in each origin's window), `origin-YYYY-MM-DD/posterior.csv` and `.yaml` (each origin's fit),
`backtest.png`, `summary.yaml` (the CRPS ratio to the trend, coverage and PIT over the origins), and
`settings.yaml` last (how to reproduce it). Files are written whole, then renamed.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from sim.analysis.validation_plots import backtest_intervals
from sim.calibration.backtest import BacktestSettings, origins, run_origin, score_table, summary
from sim.defaults import settings_command
from sim.files import atomic_write_bytes, atomic_write_text, csv_text, figure_png
from sim.runs.executors import worker_context


def run_and_write(settings: BacktestSettings, out: Path, progress: bool = False) -> pd.DataFrame:
    out.mkdir(parents=True, exist_ok=True)
    results = run_origins(settings, progress)
    for result in results:
        result.posterior.save(out / f"origin-{result.origin.date}")
    table = score_table(results)
    forecasts = pd.concat([r.forecast.assign(origin=r.origin.date) for r in results], ignore_index=True)
    atomic_write_text(out / "forecasts.csv", csv_text(forecasts[["origin", "replicate", "attacks", "casualties"]]))
    atomic_write_text(out / "backtest.csv", csv_text(table))
    atomic_write_bytes(out / "backtest.png", figure_png(backtest_intervals(table)))
    atomic_write_text(out / "summary.yaml", yaml.safe_dump(summary(table), sort_keys=False))
    meta = {"command": command_line(settings), "settings": dataclasses.asdict(settings),
            "origins": [dataclasses.asdict(o) for o in origins()]}
    atomic_write_text(out / "settings.yaml", yaml.safe_dump(meta, sort_keys=False))
    return table


def run_origins(settings: BacktestSettings, progress: bool) -> list:
    """Every origin's fit and forecast. The origins are independent (each has its own seeds), so with
    several workers they run side by side, one process each, with the same results as one after another."""
    count = len(origins())
    for origin in origins():
        if progress:
            print(f"origin {origin.date}: fitting the record up to it, then forecasting {origin.start} to {origin.end}")
    if settings.workers <= 1:
        return [run_origin(settings, k, progress=progress) for k in range(count)]
    alone = dataclasses.replace(settings, workers=1)
    with ProcessPoolExecutor(max_workers=min(settings.workers, count), mp_context=worker_context()) as pool:
        return list(pool.map(run_origin, [alone] * count, range(count)))


def command_line(settings: BacktestSettings) -> str:
    return settings_command("sim backtest", settings, leave_out=("workers",))
