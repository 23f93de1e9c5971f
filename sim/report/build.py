"""Assemble the report: read the runs and attributions, check them against their manifests, render one HTML file.

Everything the report shows comes from files whose sha256 the folders'
manifests list (tables, summaries, the runs' own figures), or is drawn here
from them; the report lists those hashes so that a reader can check each
number against its record. Figures are embedded as PNG data, styles inline:
the file opens anywhere, offline, and says the same thing for every reader.
The same inputs give the same bytes (no clock time, no random numbers).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.compare import (
    checked_file,
    comparison_table,
    load_run_tables,
    paired_difference,
    run_labels,
    window_rates,
)
from sim.analysis.run_figures import RUN_FIGURES, run_figures
from sim.analysis.targets import reference_rate_2024
from sim.config.errors import ConfigError
from sim.runs import record
from sim.sweeps.attribution import AttributionRecord, is_attribution, load_attribution
from sim.sweeps.spec import Window, parse_window

REPORT_FOLDER = Path("outputs/reports")


@dataclass
class RunInput:
    """One run as the report reads it: its record and its hash-checked tables."""

    label: str
    record: record.RunRecord
    replicates: pd.DataFrame
    monthly: pd.DataFrame
    summary: dict
    window_rates: pd.Series = field(repr=False, default=None)


def read_inputs(paths: list[Path]) -> tuple[list[RunInput], list[AttributionRecord]]:
    """The runs and the attributions among `paths`, each read and checked (a ConfigError names a bad one)."""
    run_paths = [p for p in paths if not is_attribution(p)]
    attributions = [load_attribution(p) for p in paths if is_attribution(p)]
    if not run_paths:
        raise ConfigError("give at least one run folder (written by `sim run`); attributions are shown beside runs.")
    runs = []
    for label, path in zip(run_labels(run_paths), run_paths, strict=True):
        rec, replicates, summary = load_run_tables(path)
        runs.append(RunInput(label, rec, replicates, pd.read_csv(path / "monthly.csv"), summary))
    return runs, attributions


def checked_window(text: str, runs: list[RunInput]) -> Window:
    """The window, checked to lie inside every run's horizon."""
    window = parse_window(text)
    for run in runs:
        cfg = run.record.config
        if window.start < cfg.start or window.end > cfg.end:
            raise ConfigError(f"window={window.start}:{window.end} lies outside the horizon of {run.label} "
                              f"({cfg.start} to {cfg.end}); give window=START:END inside every run's horizon.")
    return window


def write_report(paths: list[Path], window_text: str, out: str = "") -> Path:
    """Read, check, draw and render; write the HTML file atomically and return its path."""
    from sim.report.render import render

    runs, attributions = read_inputs(paths)
    window = checked_window(window_text, runs)
    for run in runs:
        run.window_rates = window_rates(run.monthly, window.start, window.end)
    html = render(report_context(runs, attributions, window))
    target = Path(out) if out else default_path(runs)
    if target.is_dir():
        raise ConfigError(f"out={target} is a folder; give the report's file name, such as out=report.html.")
    target.parent.mkdir(parents=True, exist_ok=True)
    record.atomic_write_text(target, html)
    return target


def default_path(runs: list[RunInput]) -> Path:
    """One run: `<run folder>.html` beside it. Several: a new file under outputs/reports/."""
    if len(runs) == 1:
        return runs[0].record.path.with_name(runs[0].record.path.name + ".html")
    stem = REPORT_FOLDER / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    path, k = stem.with_suffix(".html"), 1
    while path.exists():
        path, k = stem.with_name(f"{stem.name}_{k}.html"), k + 1
    return path


def report_context(runs: list[RunInput], attributions: list[AttributionRecord], window: Window) -> dict:
    """Everything the template shows, section by section."""
    from sim.report import sections

    window_text = f"{window.start} to {window.end}"
    return {
        "title": "Scenario report: " + ", ".join(dict.fromkeys(r.record.config.scenario.name for r in runs)),
        "window": window_text,
        "runs": [sections.run_section(r) for r in runs],
        "headline": sections.table_html(comparison_table({r.label: r.summary for r in runs})),
        "distributions": sections.distribution_figures(runs, window_text),
        "paired": sections.paired_section(runs, window, window_text),
        "attributions": [sections.attribution_section(a) for a in attributions],
        "parameters": sections.parameters_section(runs),
        "hashes": [sections.hashes_section(r.label, r.record.path, r.record.manifest) for r in runs]
                  + [sections.hashes_section(a.path.name, a.path, a.manifest) for a in attributions],
    }


def png_uri(data: bytes) -> str:
    """A PNG as a data URI, for an <img> that needs no file beside the report."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def run_figure_pngs(run: RunInput) -> dict[str, bytes]:
    """The run's own figures as its folder holds them (hash-checked), drawn from its tables where it has none."""
    listed = run.record.manifest["files"]
    pngs = {name: checked_file(run.record, name).read_bytes() for name in RUN_FIGURES if name in listed}
    missing = [name for name in RUN_FIGURES if name not in listed]
    if missing:
        drawn = run_figures(run.record.config, run.replicates, run.monthly, run.summary)
        pngs.update({name: record.figure_png(drawn[name]) for name in missing})
    return {name: pngs[name] for name in RUN_FIGURES}


def paired_rows(runs: list[RunInput], window: Window) -> list[dict]:
    """Each run against the first, replicate by replicate (empty when the runs cannot be paired)."""
    from sim.analysis.compare import pairable

    if not pairable([r.record for r in runs]):
        return []
    first = runs[0]
    return [{"run": r.label, "against": first.label,
             **paired_difference(first.monthly, r.monthly, window.start, window.end)} for r in runs[1:]]


def reference_rate() -> float:
    """The 2024 claimed attack rate every comparison is read against."""
    return reference_rate_2024()


def manifest_sha256(path: Path) -> str:
    """The sha256 of a folder's manifest: one hash that pins every file it lists."""
    return record.sha256_file(path / record.MANIFEST)


def pretty_json(value) -> str:
    """Compact, readable JSON for small manifest entries."""
    return json.dumps(value, indent=1, sort_keys=True)
