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
from pathlib import Path

from sim.analysis.compare import RunTables, checked_file, common_window, load_runs
from sim.analysis.run_figures import RUN_FIGURES, run_figures
from sim.analysis.windows import NamedWindow
from sim.config.errors import ConfigError
from sim.files import atomic_write_text, figure_png, sha256_file
from sim.runs import record
from sim.sweeps.attribution import AttributionRecord, is_attribution, load_attribution

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
    from sim.report.render import render

    runs, attributions = read_inputs(paths)
    window = common_window(window_text, runs)
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
    from sim.report import sections

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


def png_uri(data: bytes) -> str:
    """A PNG as a data URI, for an <img> that needs no file beside the report."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def run_figure_pngs(run: RunTables) -> dict[str, bytes]:
    """The run's own figures as its folder holds them (hash-checked), drawn from its tables where it has none."""
    listed = run.record.manifest["files"]
    pngs = {name: checked_file(run.record, name).read_bytes() for name in RUN_FIGURES if name in listed}
    missing = [name for name in RUN_FIGURES if name not in listed]
    if missing:
        drawn = run_figures(run.record.config, run.monthly, run.area_months, run.summary)
        pngs.update({name: figure_png(drawn[name]) for name in missing})
    return {name: pngs[name] for name in RUN_FIGURES}


def manifest_sha256(path: Path) -> str:
    """The sha256 of a folder's manifest: one hash that pins every file it lists."""
    return sha256_file(path / record.MANIFEST)
