"""The report's sections as plain data for the template: text, HTML tables and embedded figures.

Each function takes what the report read (runs, attributions) and returns a
dict the template lays out; figures are data URIs, tables HTML made by pandas.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.contrast import PAIRED_COLUMNS, comparison_table, paired_table, pairing_obstacles
from sim.analysis.plots import compare_distributions
from sim.analysis.run_figures import RUN_FIGURES
from sim.analysis.run_name import label_from_summary
from sim.analysis.targets import reference_rate_2024
from sim.analysis.windows import FORECAST, NamedWindow, calendar_years, common_window, headline_window, window_rates
from sim.attribution.record import AttributionRecord, reproducing_command
from sim.config.load import override_value
from sim.config.paths import all_fields
from sim.config.provenance import provenance
from sim.config.schema import POSTERIOR_MODES
from sim.files import figure_png, sha256_file
from sim.report.figures import exceedance_curves, paired_differences_figure, png_uri, run_figure_pngs
from sim.runs import record
from sim.runs.run_tables import RunTables, configs_of

# Hydra's name for the run's folder in records made before `out=` was recorded as typed.
HYDRA_RUN_DIR = "hydra.run.dir="


def figure(png: bytes, caption: str) -> dict:
    """A figure as the template draws it."""
    return {"src": png_uri(png), "caption": caption}


def table_html(frame: pd.DataFrame, digits: int = 2) -> str:
    """A table as HTML (pandas escapes the text)."""
    return frame.to_html(index=False, border=0, classes="data", float_format=lambda v: f"{v:.{digits}f}",
                         na_rep="")


def command_line(argv) -> str:
    """The command that wrote a record, as a person would type it (`sim ...` for the command line);
    Hydra's `hydra.run.dir=` of older records shown as the `out=` it stood for."""
    if not isinstance(argv, list) or not argv:
        return "not recorded"
    head = "sim" if Path(str(argv[0])).name in ("sim", "__main__.py") else str(argv[0])
    rest = [_as_typed(str(a)) for a in argv[1:]]
    if head == "sim" and rest and ("=" in rest[0] or rest[0].startswith("-")):
        rest.insert(0, "run")          # inside Hydra's app the arguments are the run's overrides alone, which
                                       # `sim` runs as `sim run` (a subcommand is a bare name)
    return " ".join([head, *(shlex.quote(a) for a in rest)])


def _as_typed(argument: str) -> str:
    if not argument.startswith(HYDRA_RUN_DIR):
        return argument
    return f"out={override_value(argument)}"


def run_section(run: RunTables) -> dict:
    """What was run, how to reproduce it, what it changes and when, whether it still fits the record, and its
    own figures."""
    cfg, manifest = run.record.config, run.record.manifest
    label = label_from_summary(run.summary)
    settings = pd.DataFrame([
        ("scenario", cfg.scenario.name),
        ("overrides", ", ".join(o.setting for o in label.overrides) or "none"),
        ("seed", cfg.seed), ("replicates", cfg.replicates),
        ("horizon", f"{cfg.start} to {cfg.end}"), ("observed history", f"{cfg.history} (through "
                                                                        f"{cfg.observed_through or 'none'})"),
        ("branch date", cfg.branch_date or "none"), ("parameters", cfg.parameters),
        ("made", manifest.get("created_utc", "not recorded")), ("code", manifest.get("git_commit") or "not in git"),
    ], columns=["setting", "value"]).astype(str)
    changes = pd.DataFrame([{"date": c.date, "from": c.origin, "change": c.label,
                             "levels": ", ".join(f"{g}={lvl}" for g, lvl in c.levels.items()),
                             "estimated": "yes" if c.estimated else ""}
                            for c in cfg.changes if c.origin in ("branch", "scenario")],
                           columns=["date", "from", "change", "levels", "estimated"])
    pngs = run_figure_pngs(run)
    headline = headline_window(cfg.start, cfg.end, cfg.branch_date).heading
    return {
        "label": run.label, "name": label.name, "anchor": anchor(run.label), "description": label.full_description,
        "settings": table_html(settings), "changes": table_html(changes) if len(changes) else "",
        "reproduce": f"sim reproduce {shlex.quote(str(run.record.path))}",
        "made_with": command_line(manifest.get("execution", {}).get("command")),
        "fit_warning": run.summary.get("fit", {}).get("warning", ""),
        "figures": [figure(pngs[name], f"{label.name}: {meaning} "
                                       f"({'whole run' if 'fan_chart' in name else headline}).")
                    for name, meaning in RUN_FIGURES.items()],
    }


def anchor(label: str) -> str:
    """An HTML id from a label."""
    return "run-" + "".join(ch if ch.isalnum() else "-" for ch in label).strip("-")


def record_section(runs: list[RunTables]) -> dict:
    """Each run's observed years against the record: every window of the record its horizon covers."""
    rows = [{"run": r.label, "record window": c["quantity"], "role": c["role"], "observed": c["observed"],
             "simulated median": c["simulated"]["q50"],
             "simulated 90% range": f"{c['simulated']['q05']:.0f}-{c['simulated']['q95']:.0f}",
             "inside": "yes" if c["inside_90_interval"] else "no", "counter": c["counter"]}
            for r in runs for c in r.summary.get("targets", [])]
    windows = [c["quantity"].rsplit(", ", 1)[-1] for r in runs for c in r.summary.get("targets", [])]
    starts, ends = [w.split(" to ")[0] for w in windows], [w.split(" to ")[-1] for w in windows]
    span = f"{min(starts)} to {max(ends)}" if windows else "none of the record's windows"
    return {"heading": f"The observed years against the record, {span}",
            "table": table_html(pd.DataFrame(rows), digits=0) if rows else "",
            "warnings": [{"label": r.label, "text": r.summary["fit"]["warning"]} for r in runs
                         if r.summary.get("fit", {}).get("warning")]}


def headline_section(runs: list[RunTables], window: NamedWindow) -> dict:
    """Medians and 90% intervals of attacks and casualties per month in the report's window."""
    rates = {r.label: window_rates(r.monthly, window.window) for r in runs}
    return {"heading": f"Headline numbers: {window.heading}",
            "table": table_html(comparison_table(rates, {r.label: r.name for r in runs}))}


def by_year_section(runs: list[RunTables]) -> dict:
    """The forecast cut into calendar years, each run's figures per year, beside the whole forecast."""
    forecast = common_window(FORECAST, configs_of(runs))
    if forecast.name != FORECAST:
        return {"heading": "The forecast year by year", "table": "",
                "note": "Not every run reaches its branch date, so there is no forecast to cut into years."}
    years = calendar_years(forecast.window)
    parts = []
    for year in [forecast, *years]:
        table = comparison_table({r.label: window_rates(r.monthly, year.window) for r in runs},
                                 {r.label: r.name for r in runs})
        table.insert(1, "window", year.heading)
        parts.append(table)
    names = ", ".join(f"{y.name} ({y.window.text})" for y in years)
    return {"heading": f"The forecast year by year: {names}",
            "note": "Each year of the forecast beside the whole forecast; the first year starts at the branch.",
            "table": table_html(pd.concat(parts, ignore_index=True).drop(columns="name"))}


def distribution_section(runs: list[RunTables], window: NamedWindow) -> dict:
    """The attack-rate distributions side by side and the exceedance curves, in the report's window."""
    in_window = {r.label: window_rates(r.monthly, window.window)["attacks_per_month"].to_numpy() for r in runs}
    above = reference_rate_2024()
    probabilities = ", ".join(f"{label} {np.mean(values > above):.0%}" for label, values in in_window.items())
    return {"heading": f"Distributions and exceedance: {window.heading}", "figures": [
        figure(figure_png(compare_distributions(in_window, above, window.heading)),
               f"Attacks per month, {window.heading}: one value per replicate."),
        figure(figure_png(exceedance_curves(in_window, above, window.heading)),
               f"Share of replicates whose attack rate in {window.heading} exceeds each value. Above the 2024 "
               f"rate ({above:.1f} a month): {probabilities}."),
    ]}


def paired_section(runs: list[RunTables], window: NamedWindow) -> dict:
    """Each run against the first, replicate by replicate, or what stops the runs from pairing."""
    heading = f"Paired differences: {window.heading}"
    obstacles = pairing_obstacles([r.config for r in runs])
    if len(runs) < 2:
        return {"heading": heading, "note": "One run: there is nothing to pair.", "table": "", "figures": [],
                "columns": []}
    if obstacles:
        return {"heading": heading, "note": f"The runs cannot be paired replicate by replicate: "
                                            f"{'; '.join(obstacles)}. Compare their distributions above instead.",
                "table": "", "figures": [], "columns": []}
    table = paired_table({r.label: r.monthly for r in runs}, window)
    first = runs[0]
    differences = {r.label: (window_rates(r.monthly, window.window) - window_rates(first.monthly, window.window))
                   ["attacks_per_month"].to_numpy() for r in runs[1:]}
    return {"heading": heading,
            "note": f"Each run minus {first.label}, attacks per month. Runs with the same seed share their chance "
                    "events wherever their mechanisms agree, so the differences are paired.",
            "table": table_html(table[["run", "against", "mean_a", "mean_b", *PAIRED_COLUMNS]]),
            "columns": [{"name": k, "meaning": v} for k, v in PAIRED_COLUMNS.items()],
            "figures": [figure(figure_png(paired_differences_figure(differences, first.label,
                                                                           window.heading)),
                               f"Paired differences, replicate by replicate, {window.heading}.")]}


def attribution_section(rec: AttributionRecord) -> dict:
    """The attribution's headline, its shares and interactions, and its own figure."""
    s = rec.summary
    d = s["difference"]
    interactions = rec.interactions
    orders = interactions.groupby("size")["interaction"].agg(["count", "sum"]).reset_index()
    orders.columns = ["order", "combinations", "sum of interactions"]
    largest = interactions.reindex(interactions["interaction"].abs().sort_values(ascending=False).index).head(10)
    players = pd.DataFrame(s["players"]).rename(columns={"a": s["scenario_a"], "b": s["scenario_b"]})
    return {
        "title": f"{s['scenario_b']} against {s['scenario_a']}: {s['outcome_label']}, {s['window'][0]} to "
                 f"{s['window'][1]}",
        "headline": (f"{s['outcome_label'].capitalize()} in {s['window'][0]} to {s['window'][1]}: "
                     f"{s['scenario_a']} {s['value_a']:.2f}, {s['scenario_b']} {s['value_b']:.2f}; the difference "
                     f"{d['mean']:+.2f} ({s['confidence']:.0%} interval {d['low']:+.2f} to {d['high']:+.2f}), of "
                     f"which the players' effects alone sum to {s['sum_alone']:+.2f} and their interactions to "
                     f"{d['mean'] - s['sum_alone']:+.2f}. {s['replicates']} replicates per combination, seed "
                     f"{s['seed']}; {s['method']}."),
        "players": table_html(players),
        "shares": table_html(rec.shares),
        "orders": table_html(orders),
        "largest": table_html(largest[["players", "size", "interaction", "interaction_low", "interaction_high"]]),
        "reproduce": reproducing_command(rec),
        "figures": [figure(rec.figure_png, "Left: each player switched alone from A, and its Shapley value. "
                                           "Middle: interactions summed by order. Right: the largest pairs.")],
    }


def parameters_section(runs: list[RunTables]) -> dict:
    """Every model parameter on the start date: value in each run, unit, range, source, basis and certainty."""
    sources, entries = provenance()["sources"], provenance()["parameters"]
    rows = []
    for path, f in all_fields().items():
        section, name = path.split(".")
        entry = entries.get(path, {})
        bounds = f.metadata.get("bounds")
        rows.append({"parameter": path,
                     **{r.label: _value(getattr(getattr(r.record.config.model, section), name)) for r in runs},
                     "unit": f.metadata.get("unit", ""),
                     "range": f"{bounds[0]:g} to {bounds[1]:g}" if bounds else "",
                     "meaning": f.metadata.get("help", ""),
                     "source": entry.get("source", "not recorded"),
                     "basis": " ".join(str(entry.get("basis", "")).split()),
                     "certainty": entry.get("certainty", "not recorded")})
    table = pd.DataFrame(rows)
    values = [r.label for r in runs]
    if len(runs) > 1 and (table[values].nunique(axis=1) == 1).all():
        table = table.drop(columns=values[1:]).rename(columns={values[0]: "value"})
    counts = table["certainty"].value_counts()
    posterior = sorted({r.label for r in runs if r.record.config.parameters in POSTERIOR_MODES})
    starts = ", ".join(dict.fromkeys(r.record.config.start for r in runs))
    return {"heading": f"Parameters and their sources, on the start date ({starts})", "table": table_html(table),
            "certainty": ", ".join(f"{n} {level}" for level, n in counts.items()),
            "count": len(table),
            "sources": [{"key": k, "text": " ".join(str(v).split())} for k, v in sources.items()],
            "posterior": ", ".join(posterior)}


def _value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(f"{v:g}" for v in value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else f"{value:g}"


def hashes_section(label: str, path: Path, manifest: dict) -> dict:
    """A record's manifest hash, its fingerprint and the sha256 of every file it lists."""
    fingerprint = pd.DataFrame(
        [("manifest.json", manifest_sha256(path)),
         *((key, manifest[key]) for key in ("config_sha256", "sweep_sha256", "source_sha256", "git_commit",
                                            "python") if manifest.get(key)),
         *((f"version of {name}", version) for name, version in sorted(manifest.get("versions", {}).items())),
         *((f"data file {name}", digest) for name, digest in sorted(manifest.get("data_files", {}).items()))],
        columns=["what", "value"]).astype(str)
    files = pd.DataFrame(sorted(manifest["files"].items()), columns=["file", "sha256"])
    return {"label": label, "path": str(path), "fingerprint": table_html(fingerprint), "files": table_html(files),
            "count": len(files)}


def manifest_sha256(path: Path) -> str:
    """The sha256 of a folder's manifest: one hash that pins every file it lists."""
    return sha256_file(path / record.MANIFEST)
