"""The tables and figures of docs/validation.md, one command each.

    sim validate targets         observed against simulated, every figure of the record
    sim validate stylised        stylised facts and self-excitation on pooled replicates
    sim validate posterior       prior against posterior
    sim validate scenarios       every named scenario's forecast and its paired difference from the baseline
    sim validate sensitivity     one-at-a-time sensitivity of the forecast attack rate
    sim validate parameters      regenerate docs/parameters.md

Each prints its table as Markdown and writes its figure under --figures
(default docs/figures). Seeds and replicate counts are options with stated
defaults, so every number in the docs can be re-made exactly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import stylised, validation_plots
from sim.analysis.targets import attack_targets, load_targets
from sim.api import load_scenario, run
from sim.calibration import summary_statistics as calib_stats
from sim.config.calibrated import Z90
from sim.config.posterior import shipped_posterior
from sim.config.errors import ConfigError
from sim.runs.record import atomic_write_bytes, atomic_write_text, figure_png

MODES = ("point", "posterior")
# Spawn key of the stream the Knox test's permutations draw from (apart from every replicate stream).
KNOX_STREAM = 2
KNOX_WINDOWS_DAYS = (3, 7, 14, 30, 60)


def markdown(table: pd.DataFrame) -> str:
    """A pipe table (the docs are plain Markdown)."""
    def cell(v) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def interval(x: np.ndarray) -> str:
    lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return f"{mid:.0f} ({lo:.0f}–{hi:.0f})"


def percentile_of(observed: float, x: np.ndarray) -> float:
    """Where the observed value falls in the simulated distribution (mid-rank, 0-100)."""
    return float(100 * ((x < observed).mean() + 0.5 * (x == observed).mean()))


def ensemble(scenario: str, overrides: list[str], mode: str, replicates: int, seed: int, workers: int):
    cfg = load_scenario(scenario, [*overrides, f"parameters={mode}", "plots=false"])
    return run(cfg, replicates=replicates, seed=seed, workers=workers)


def target_statistics(result) -> pd.DataFrame:
    """Per replicate: the calibration statistics, and the figures checked but not fitted."""
    rows = []
    for o in result.outcomes:
        both = np.asarray(o.monthly_state["fighters_iraq"]) + np.asarray(o.monthly_state["syria_free_fighters"])
        directed = o.attacks["directed"]
        rows.append({**calib_stats.replicate_statistics(o, result.config.start),
                     "fighters_both_2024_07": float(both[o.month_starts.index("2024-07")]),
                     "fighters_both_2025_08": float(both[o.month_starts.index("2025-08")]),
                     "directed_share": float(directed.mean()) if directed.size else 0.0})
    return pd.DataFrame(rows)


def checked_list() -> list[dict]:
    """Figures in data/targets.yaml that the model produces but calibration did not use."""
    data = load_targets()
    un = next(f for f in data["fighters"] if f["area"] == "iraq_and_syria")
    centcom = data["forces_and_detainees"]["fighters_iraq_and_syria"]
    directed = data["finance_and_organisation"]["centrally_directed_share_of_operations"]
    return [
        {"name": "fighters_both_2024_07", "label": "IS fighters at large in Iraq and Syria, July 2024",
         "observed": f"about {centcom['value']:,}", "upper": None, "source": centcom["source"]},
        {"name": "fighters_both_2025_08", "label": "IS fighters in Iraq and Syria, 2025 (end of August)",
         "observed": f"up to {un['high']:,}", "upper": un["high"], "source": un["source"]},
        {"name": "directed_share", "label": "share of attacks directed by the centre, Jan 2024 to Aug 2025",
         "observed": f"under {directed['high']:.0%}", "upper": directed["high"], "source": directed["source"]},
    ]


def targets_list() -> list[dict]:
    window, fighters = attack_targets()[0], calib_stats.fighter_target()
    period = f"{window.start} to {window.end}"
    return [
        {"name": "attacks", "label": f"claimed attacks, Iraq, {period}", "observed": window.attacks,
         "source": window.source},
        {"name": "casualties", "label": f"claimed killed and wounded, Iraq, {period}", "observed": window.casualties,
         "source": window.source},
        {"name": "fighters_aug_2025", "label": f"IS fighters in Iraq, end of {fighters.month}",
         "observed": fighters.midpoint, "low": fighters.low, "high": fighters.high, "source": fighters.source},
    ]


def targets_report(ns) -> tuple[str, object]:
    simulated = {mode: target_statistics(ensemble("status_quo_2024", [f"end={calib_stats.calibration_end()}"],
                                                  mode, ns.replicates, ns.seed, ns.workers)) for mode in MODES}
    rows = []
    for t in targets_list():
        row = {"target": t["label"],
               "observed": f"{t['low']}–{t['high']}" if "low" in t else f"{t['observed']:g}"}
        for mode, table in simulated.items():
            x = table[t["name"]].to_numpy()
            lo, hi = np.quantile(x, [0.05, 0.95])
            row[f"{mode}: median (90%)"] = interval(x)
            row[f"{mode}: inside 90%"] = "yes" if lo <= t["observed"] <= hi else "no"
            row[f"{mode}: percentile of observed"] = f"{percentile_of(t['observed'], x):.0f}"
        rows.append(row)
    checked = []
    for c in checked_list():
        row = {"checked, not fitted": c["label"], "observed": c["observed"]}
        for mode, table in simulated.items():
            x = table[c["name"]].to_numpy()
            share = None if c["upper"] is None else float((x <= c["upper"]).mean())
            row[f"{mode}: median (90%)"] = (f"{np.median(x):.1%} ({np.quantile(x, 0.05):.1%}–{np.quantile(x, 0.95):.1%})"
                                            if c["name"] == "directed_share" else interval(x))
            row[f"{mode}: share of replicates within the bound"] = "" if share is None else f"{share:.2f}"
        checked.append(row)
    text = markdown(pd.DataFrame(rows)) + "\n\n" + markdown(pd.DataFrame(checked))
    return text, validation_plots.target_fit(simulated, targets_list())


def forecast_report(ns) -> tuple[str, object]:
    window = attack_targets()[0]
    simulated = {}
    for mode in MODES:
        result = ensemble("conditions_2025", ["end=2025-08-31"], mode, ns.replicates, ns.seed, ns.workers)
        simulated[mode] = result.replicates[["attacks", "casualties", "fighters_end"]]
    rows = []
    for name, label in (("attacks", "claimed attacks"), ("casualties", "claimed killed and wounded"),
                        ("fighters_end", "fighters in Iraq, 2025-08-31")):
        row = {"quantity (Iraq, 2025-01-01 to 2025-08-31)": label}
        for mode, table in simulated.items():
            x = table[name].to_numpy()
            row[f"{mode}: median (90%)"] = interval(x)
            row[f"{mode}: mean"] = f"{x.mean():.1f}"
        rows.append(row)
    row = {"quantity (Iraq, 2025-01-01 to 2025-08-31)": f"share of replicates with fewer attacks than the "
           f"{window.attacks} of January-August 2024"}
    for mode, table in simulated.items():
        row[f"{mode}: median (90%)"] = f"{(table['attacks'] < window.attacks).mean():.2f}"
    rows.append(row)
    reference = {"attacks": window.attacks, "casualties": window.casualties}
    return markdown(pd.DataFrame(rows).fillna("")), validation_plots.out_of_sample(simulated, reference)


def stylised_report(ns) -> tuple[str, object]:
    rows, figure = [], None
    for mode in MODES:
        result = ensemble("status_quo_2024", [f"end={ns.stylised_end}"], mode, ns.replicates, ns.seed, ns.workers)
        rng = np.random.default_rng(np.random.SeedSequence(ns.seed, spawn_key=(KNOX_STREAM,)))
        dispersion = stylised.overdispersion(result.monthly)
        knox = stylised.knox_test(result.events, rng)
        tail = stylised.casualty_tail(result.events)
        rows += [
            {"run": mode, "fact": "monthly attacks overdispersed",
             "measure": f"variance/mean {dispersion['dispersion_index']:.2f} (Poisson 1); chi-square p = "
                        f"{dispersion['p_value_poisson']:.2g}; {dispersion['replicates']} replicates x "
                        f"{dispersion['months']} months, mean {dispersion['mean_per_month']:.1f} a month"},
            {"run": mode, "fact": "space-time clustering",
             "measure": f"Knox ratio {knox['knox_ratio']:.2f} (same area, within {knox['window_days']} days; "
                        f"{knox['observed_pairs']} pairs against {knox['expected_pairs']:.0f} expected); "
                        f"permutation p = {knox['p_value']:.2g}"},
            {"run": mode, "fact": "heavy right tail of casualties per attack",
             "measure": f"{tail['attacks']} attacks; mean {tail['mean']:.2f}, variance/mean "
                        f"{tail['variance_to_mean']:.1f}, median {tail['median']:.0f}, 99th percentile "
                        f"{tail['q99']:.0f}, max {tail['max']:.0f}; top 10% of attacks carry "
                        f"{100 * tail['top_decile_share']:.0f}% of casualties; power-law tail alpha "
                        f"{tail['powerlaw_alpha']:.2f} from xmin {tail['powerlaw_xmin']:.0f}; lognormal vs "
                        f"exponential R = {tail['lognormal_vs_exponential_R']:.2f} (p = "
                        f"{tail['lognormal_vs_exponential_p']:.2g}), power law vs exponential R = "
                        f"{tail['power_law_vs_exponential_R']:.2f} (p = {tail['power_law_vs_exponential_p']:.2g})"},
        ]
        if mode == "posterior":
            windows = pd.DataFrame([stylised.knox_test(result.events, rng, window_days=w)
                                    for w in KNOX_WINDOWS_DAYS])
            casualties = (result.events["killed"] + result.events["wounded"]).to_numpy()
            figure = validation_plots.stylised_facts(result.monthly, windows, casualties)
    return markdown(pd.DataFrame(rows)), figure


def posterior_report(ns) -> tuple[str, object]:
    posterior = shipped_posterior()
    rows = []
    for prior in posterior.metadata["priors"]:
        lo, mid, hi = posterior.quantiles(prior["name"])
        rows.append({"parameter": prior["name"], "prior median": prior["point"],
                     "prior 90%": (f"÷/× {prior['spread']:g}" if prior["kind"] == "scale"
                                   else f"± {Z90 * prior['spread']:.2f}"),
                     "posterior median": mid, "posterior 90%": f"{lo:.3g} to {hi:.3g}"})
    figure = validation_plots.posterior_marginals(posterior.metadata["priors"], posterior.table, posterior.weights)
    return markdown(pd.DataFrame(rows)) + "\n\n" + posterior.describe(), figure


def sensitivity_report(ns) -> tuple[str, object]:
    from sim.calibration.sensitivity import YEAR, one_at_a_time

    table = one_at_a_time(ns.scenario, shipped_posterior(), ns.replicates, ns.seed, ns.workers)
    shown = table.assign(change=[f"{c:+.2f} ± {s:.2f}" for c, s in zip(table["change"], table["change_se"],
                                                                        strict=True)]).drop(columns="change_se")
    title = (f"{ns.scenario}: attacks per month in {YEAR}, one parameter at a time\n"
             f"({ns.replicates} replicates per setting, seed {ns.seed})")
    return markdown(shown), validation_plots.tornado(table, title)


def parameters_report(ns) -> tuple[str, object]:
    from sim.calibration.parameters_doc import parameters_markdown

    text = parameters_markdown()
    atomic_write_text(Path(ns.parameters_doc), text)
    return f"written {ns.parameters_doc}", None


REPORTS = {
    "targets": (targets_report, "targets.png", 200),
    "forecast-2025": (forecast_report, "out_of_sample_2025.png", 200),
    "stylised": (stylised_report, "stylised_facts.png", 40),
    "posterior": (posterior_report, "posterior.png", 0),
    "sensitivity": (sensitivity_report, "sensitivity_2026.png", 30),
    "parameters": (parameters_report, None, 0),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sim validate",
                                     description="Re-make one table and figure of docs/validation.md.")
    parser.add_argument("report", choices=list(REPORTS))
    parser.add_argument("--replicates", type=int, default=None, help="replicates per run (default depends on the report)")
    parser.add_argument("--seed", type=int, default=2024, help="root seed of every run (default 2024)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (results do not depend on it)")
    parser.add_argument("--scenario", default="accelerated_2025", help="scenario of the sensitivity sweep")
    parser.add_argument("--stylised-end", default="2026-12-31", help="last day of the stylised-facts runs")
    parser.add_argument("--figures", default="docs/figures", help="folder for the figure")
    parser.add_argument("--parameters-doc", default="docs/parameters.md", help="where `parameters` writes")
    ns = parser.parse_args(argv)
    make, figure_name, default_replicates = REPORTS[ns.report]
    ns.replicates = default_replicates if ns.replicates is None else ns.replicates
    if ns.workers < 1 or (default_replicates and ns.replicates < 2):
        parser.error("--workers must be 1 or more and --replicates 2 or more")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        text, figure = make(ns)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(text)
    if figure is not None:
        folder = Path(ns.figures)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / figure_name, figure_png(figure))
        print(f"figure: {folder / figure_name}")


if __name__ == "__main__":
    main()
