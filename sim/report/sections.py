"""The report's sections as plain data for the template: text, HTML tables and embedded figures.

Each function takes what the report read (runs, attributions) and returns a
dict the template lays out; figures are data URIs, tables HTML made by pandas.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.plots import compare_distributions
from sim.analysis.run_figures import RUN_FIGURES
from sim.calibration.parameters_doc import provenance, schema_paths
from sim.cli import COMMANDS
from sim.report.build import RunInput, manifest_sha256, paired_rows, png_uri, reference_rate, run_figure_pngs
from sim.report.figures import exceedance_curves, paired_differences_figure
from sim.runs import record
from sim.sweeps.attribution import AttributionRecord, reproducing_command
from sim.sweeps.spec import Window


def figure(png: bytes, caption: str) -> dict:
    """A figure as the template draws it."""
    return {"src": png_uri(png), "caption": caption}


def table_html(frame: pd.DataFrame, digits: int = 2) -> str:
    """A table as HTML (pandas escapes the text)."""
    return frame.to_html(index=False, border=0, classes="data", float_format=lambda v: f"{v:.{digits}f}",
                         na_rep="")


def command_line(argv) -> str:
    """The command that wrote a record, as a person would type it (`sim ...` for the command line)."""
    if not isinstance(argv, list) or not argv:
        return "not recorded"
    head = "sim" if Path(str(argv[0])).name in ("sim", "__main__.py") else str(argv[0])
    rest = [str(a) for a in argv[1:]]
    if head == "sim" and rest and rest[0] not in COMMANDS:
        rest.insert(0, "run")          # inside Hydra's app the arguments are the run's overrides alone
    return " ".join([head, *(shlex.quote(a) for a in rest)])


def run_section(run: RunInput) -> dict:
    """What was run, how to reproduce it, what it changes and when, and its own figures."""
    cfg, manifest = run.record.config, run.record.manifest
    settings = pd.DataFrame([
        ("scenario", cfg.scenario.name), ("seed", cfg.seed), ("replicates", cfg.replicates),
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
    return {
        "label": run.label, "anchor": anchor(run.label), "description": cfg.scenario.description,
        "settings": table_html(settings), "changes": table_html(changes) if len(changes) else "",
        "reproduce": f"sim reproduce {shlex.quote(str(run.record.path))}",
        "made_with": command_line(manifest.get("execution", {}).get("command")),
        "figures": [figure(pngs[name], f"{run.label}: {meaning}") for name, meaning in RUN_FIGURES.items()],
    }


def anchor(label: str) -> str:
    """An HTML id from a label."""
    return "run-" + "".join(ch if ch.isalnum() else "-" for ch in label).strip("-")


def distribution_figures(runs: list[RunInput], window: str) -> list[dict]:
    """The attack-rate distributions side by side and the exceedance curves in the window."""
    rates = {r.label: r.replicates["attacks_per_month"].to_numpy() for r in runs}
    in_window = {r.label: r.window_rates.to_numpy() for r in runs}
    above = reference_rate()
    probabilities = ", ".join(f"{label} {np.mean(values > above):.0%}" for label, values in in_window.items())
    return [
        figure(record.figure_png(compare_distributions(rates, above)),
               "Attacks per month over each run's horizon: one value per replicate."),
        figure(record.figure_png(exceedance_curves(in_window, above, window)),
               f"Share of replicates whose attack rate in {window} exceeds each value. Above the 2024 rate "
               f"({above:.1f} a month): {probabilities}."),
    ]


def paired_section(runs: list[RunInput], window: Window, window_text: str) -> dict:
    """Each run against the first, replicate by replicate, or why the runs cannot be paired."""
    if len(runs) < 2:
        return {"note": "One run: there is nothing to pair.", "table": "", "figures": []}
    rows = paired_rows(runs, window)
    if not rows:
        return {"note": "The runs do not share their seed, replicate count and start date, so they cannot be "
                        "paired replicate by replicate; compare their distributions above instead.",
                "table": "", "figures": []}
    first = runs[0]
    differences = {r.label: (r.window_rates - first.window_rates).to_numpy() for r in runs[1:]}
    table = pd.DataFrame(rows)[["run", "against", "mean_a", "mean_b", "difference", "ci95_low", "ci95_high",
                                "share_b_higher", "variance_reduction"]]
    return {"note": f"Each run minus {first.label}, attacks per month in {window_text}. Runs with the same seed "
                    "share their chance events wherever their mechanisms agree, so the differences are paired "
                    "(variance_reduction: the unpaired variance over the paired one).",
            "table": table_html(table),
            "figures": [figure(record.figure_png(paired_differences_figure(differences, first.label, window_text)),
                               "Paired differences, replicate by replicate.")]}


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
        "title": f"{s['scenario_b']} against {s['scenario_a']}: {s['outcome_label']}",
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


def parameters_section(runs: list[RunInput]) -> dict:
    """Every model parameter on the start date: value in each run, unit, range, source, basis and certainty."""
    sources, entries = provenance()["sources"], provenance()["parameters"]
    rows = []
    for path, f in schema_paths():
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
    posterior = sorted({r.label for r in runs if r.record.config.parameters == "posterior"})
    return {"table": table_html(table),
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
