"""Assemble the report: read the runs and attributions, check them against their manifests, render one HTML file.

Everything the report shows comes from files whose sha256 the folders'
manifests list (tables, summaries, the runs' own figures), or is drawn here
from them; the report lists those hashes so that a reader can check each
number against its record. Figures are embedded as PNG data, styles inline:
the file opens anywhere, offline, and says the same thing for every reader.
The same inputs give the same bytes (no clock time, no random numbers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.analysis.windows import NamedWindow, common_window
from sim.attribution.record import AttributionRecord, is_attribution, load_attribution
from sim.config.errors import ConfigError
from sim.files import atomic_write_text
from sim.report import sections
from sim.report.render import render
from sim.runs.run_tables import RunTables, configs_of, load_runs

REPORT_FOLDER = Path("outputs/reports")


def read_inputs(paths: list[Path]) -> tuple[list[RunTables], list[AttributionRecord]]:
    """The runs and the attributions among `paths`, each read and checked (a ConfigError names a bad one)."""
    run_paths = [p for p in paths if not is_attribution(p)]
    attributions = [load_attribution(p) for p in paths if is_attribution(p)]
    if not run_paths:
        raise ConfigError("give at least one run folder (written by `sim run`); attributions are shown beside runs.")
    return load_runs(run_paths), attributions


def write_report(paths: list[Path], window_text: str, out: str = "") -> Path:
    """Read, check, draw and render; write the HTML file atomically and return its path."""
    runs, attributions = read_inputs(paths)
    window = common_window(window_text, configs_of(runs))
    html = render(report_context(runs, attributions, window))
    target = Path(out) if out else default_path(runs)
    if target.is_dir():
        raise ConfigError(f"out={target} is a folder; give the report's file name, such as out=report.html.")
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, html)
    return target


def default_path(runs: list[RunTables]) -> Path:
    """One run: `<run folder>.html` beside it. Several: a new file under outputs/reports/."""
    if len(runs) == 1:
        return runs[0].record.path.with_name(runs[0].record.path.name + ".html")
    stem = REPORT_FOLDER / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    path, k = stem.with_suffix(".html"), 1
    while path.exists():
        path, k = stem.with_name(f"{stem.name}_{k}.html"), k + 1
    return path


def report_context(runs: list[RunTables], attributions: list[AttributionRecord], window: NamedWindow) -> dict:
    """Everything the template shows, section by section, each section under the one window it covers."""
    return {
        "title": "Scenario report: " + ", ".join(dict.fromkeys(r.name for r in runs)),
        "runs": [sections.run_section(r) for r in runs],
        "record": sections.record_section(runs),
        "headline": sections.headline_section(runs, window),
        "by_year": sections.by_year_section(runs),
        "distributions": sections.distribution_section(runs, window),
        "paired": sections.paired_section(runs, window),
        "attributions": [sections.attribution_section(a) for a in attributions],
        "parameters": sections.parameters_section(runs),
        "hashes": [sections.hashes_section(r.label, r.record.path, r.record.manifest) for r in runs]
                  + [sections.hashes_section(a.path.name, a.path, a.manifest) for a in attributions],
    }
