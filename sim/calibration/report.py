"""The tables and figures of docs/validation.md, one command each.

    sim validate record          every figure of the observed record and its one role
    sim validate targets         observed against simulated, every figure of the record
    sim validate stylised        stylised facts and self-excitation on pooled replicates
    sim validate posterior       prior against posterior
    sim validate scenarios       every named scenario's forecast and its paired difference from the baseline
    sim validate sensitivity     one-at-a-time sensitivity of the forecast attack rate
    sim validate parameters      regenerate docs/parameters.md
    sim validate spatial         governorates against the record's weekly counts (a command of its own:
                                 sim/commands/spatial.py, with its settings and a folder of files)

Each prints its table as Markdown and writes its figure under --figures
(default docs/figures). Seeds and replicate counts are options with stated
defaults, so every number in the docs can be re-made exactly.
"""

from __future__ import annotations

import argparse
import logging
import re
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import stylised, validation_plots
from sim.api import load_scenario, run
from sim.calibration import statistics as calib_stats
from sim.calibration import sbc
from sim.calibration.sbc import SbcSettings
from sim.config.calibrated import CALIBRATED
from sim.config.posterior import read_posterior, shipped_posterior
from sim.config.errors import ConfigError
from sim.config.schema import PARAMETER_MODES, POSTERIOR_MODES
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW
from sim.files import atomic_write_bytes, atomic_write_text, figure_png
from sim.analysis.contrast import paired_difference, sign_probability
from sim.analysis.summary import percentile_of
from sim.analysis.tables import markdown_table as markdown
from sim.analysis.targets import load_targets
from sim.analysis.windows import Window, attack_rates
from sim.calibration.parameters_doc import parameters_markdown
from sim.config.load import list_scenarios
from sim.sensitivity.one_at_a_time import YEAR, one_at_a_time

MODES = PARAMETER_MODES
# The modes the fit and the stylised facts are shown in: the point values and the posterior it fitted
# (parameters=uncertain draws weakly sourced parameters the fit never saw).
FITTED_MODES = ("point", "posterior")
# Spawn key of the stream the Knox test's permutations draw from (apart from every replicate stream).
KNOX_STREAM = 2
KNOX_WINDOWS_DAYS = (3, 7, 14, 30, 60)
STYLISED_END = "2027-12-31"


def interval(x: np.ndarray) -> str:
    lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return f"{mid:.0f} ({lo:.0f}–{hi:.0f})"


def ensemble(scenario: str, overrides: list[str], mode: str, replicates: int, seed: int, workers: int,
             per_draw: int = 1):
    cfg = load_scenario(scenario, [*overrides, f"parameters={mode}", "plots=false",
                                   *([f"replicates_per_draw={per_draw}"] if mode != "point" else [])])
    return run(cfg, replicates=replicates, seed=seed, workers=workers)


def removal_factors(result) -> np.ndarray:
    """Each replicate's reporting factor for Central Command's removals (its posterior draw's, or 1)."""
    if result.config.parameters not in POSTERIOR_MODES:
        return np.ones(len(result.outcomes))
    table = shipped_posterior().table
    return table["removals_reported"].to_numpy()[result.replicates["posterior_draw"].to_numpy()]


def statistic_table(result, stats) -> pd.DataFrame:
    """Per replicate: the simulated value of each statistic."""
    factors = removal_factors(result)
    return pd.DataFrame([calib_stats.replicate_statistics(o, result.config.start, stats,
                                                          {"removals_reported": float(f)})
                         for o, f in zip(result.outcomes, factors, strict=True)])


@dataclass(frozen=True)
class Check:
    """A figure of the record compared with the model after fitting, never fitted."""

    id: str
    label: str
    observed: str
    low: float | None
    high: float | None
    value: Callable       # (replicate outcome, the run's start date) -> the model's figure


def _month_value(name: str, month: str, extra: str | None = None):
    def value(o, start: str) -> float:
        k = o.month_starts.index(month)
        return float(o.monthly_state[name][k] + (o.monthly_state[extra][k] if extra else 0))
    return value


def _in_window(o, start: str, window: dict) -> np.ndarray:
    """Which of a replicate's attacks fall in the window (its days counted from the run's start)."""
    first = (pd.Timestamp(window["start"]) - pd.Timestamp(start)).days
    last = (pd.Timestamp(window["end"]) - pd.Timestamp(start)).days
    return (o.attacks["day"] >= first) & (o.attacks["day"] <= last)


def _window_attacks(window: dict, casualties: bool = False):
    def value(o, start: str) -> float:
        inside = _in_window(o, start, window)
        if casualties:
            return float(o.attacks["killed"][inside].sum() + o.attacks["wounded"][inside].sum())
        return float(inside.sum())
    return value


def _large_attacks(window: dict, at_least: float | None):
    """Attacks in the window with at least `at_least` killed and wounded; with None, the largest one's toll."""
    def value(o, start: str) -> float:
        inside = _in_window(o, start, window)
        toll = o.attacks["killed"][inside] + o.attacks["wounded"][inside]
        if at_least is None:
            return float(toll.max()) if toll.size else 0.0
        return float((toll >= at_least).sum())
    return value


def _directed_share(o, start: str) -> float:
    return float(o.attacks["directed"].mean()) if o.attacks["directed"].size else 0.0


def _bounds_words(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:,}" if low == high else f"{low:,}-{high:,}"
    return f"more than {low:,}" if high is None else f"fewer than {high:,}"


def checks() -> list[Check]:
    """Every figure of the record with the role 'check' that the model produces, and the bound on the
    share of attacks the centre directs; the figures are read from the record, the labels name the counter."""
    record = load_targets()
    figures = {f["id"]: f for section in record.values() if isinstance(section, list) for f in section
               if isinstance(f, dict) and "id" in f}
    itic, un, joc = figures["claims_2022_itic"], figures["fighters_iraq_syria_2023_07"], figures["fighters_iraq_2024_09"]
    camps, detainees = figures["camps_2024"], figures["detainees_syria_2024"]
    directed = record["finance_and_organisation"]["centrally_directed_share_of_operations"]
    # The largest attacks of the record, against the years the claims cover (2020 to August 2024).
    largest = record["mass_casualty_attacks_iraq"]
    claims = record["claimed_attacks_iraq"]
    claimed = {"start": min(str(f["window"]["start"]) for f in claims),
               "end": max(str(f["window"]["end"]) for f in claims if str(f["window"]["end"]) < "2025")}
    tolls = [f["killed"] + f["wounded"] for f in largest]
    smallest = min(tolls)

    def check(id_: str, label: str, low, high, value) -> Check:
        return Check(id_, label, _bounds_words(low, high), low, high, value)

    return [
        check("claims_2022_itic", "claimed attacks, Iraq, 2022 (Meir Amit ITIC's count)", itic["attacks"],
              itic["attacks"], _window_attacks(itic["window"])),
        check("claims_2022_itic_casualties", "claimed killed and wounded, Iraq, 2022 (ITIC)", itic["casualties"],
              itic["casualties"], _window_attacks(itic["window"], casualties=True)),
        check(un["id"], "IS in Iraq and Syria, July 2023 (UN: members and supporters)", un["low"], un["high"],
              _month_value("fighters_iraq", un["date"], "syria_free_fighters")),
        check(joc["id"], "IS fighters in Iraq, September 2024 (Joint Operations Command)", joc.get("low"),
              joc["high"], _month_value("fighters_iraq", joc["date"])),
        check(camps["id"], "people in al-Hol and Roj, July 2024 (CENTCOM)", camps["al_hol_and_roj"], None,
              _month_value("camp_population", camps["date"])),
        check(detainees["id"], "IS detainees in north-east Syria, July 2024 (CENTCOM)", detainees["syria"], None,
              _month_value("detainees", detainees["date"])),
        check("mass_casualty_count", f"attacks with {smallest} or more killed and wounded, Iraq, "
              f"{claimed['start'][:7]} to {claimed['end'][:7]} (the record's largest)", len(tolls), len(tolls),
              _large_attacks(claimed, smallest)),
        check("largest_attack", f"killed and wounded in the largest attack, Iraq, {claimed['start'][:7]} to "
              f"{claimed['end'][:7]}", max(tolls), max(tolls), _large_attacks(claimed, None)),
        Check("directed_share", "share of attacks directed by the centre, 2022 to August 2025 (Al-Batakoshi)",
              f"under {directed['high']:.0%}", None, directed["high"], _directed_share),
    ]


def inside(x: np.ndarray, low: float | None, high: float | None) -> str:
    """Whether the observed figure (or range) meets the simulated 90% interval."""
    lo, hi = np.quantile(x, [0.05, 0.95])
    low = -np.inf if low is None else low
    high = np.inf if high is None else high
    return "yes" if low <= hi and high >= lo else "no"


def record_report(ns) -> tuple[str, object]:
    """Every figure of the observed record, its role, and (for targets) the scale the fit allows it."""
    scales = {s.id: s for s in (*calib_stats.statistics(), *calib_stats.interim_statistics())}
    rows = []
    record = load_targets()
    for section in ("claimed_attacks_iraq", "claimed_attacks_syria", "reported_attacks_iraq", "fighters",
                    "removals_iraq", "removals_syria", "detention"):
        for f in record[section]:
            when = (f"{f['window']['start']} to {f['window']['end']}" if "window" in f else str(f.get("date", "")))
            values = {k: v for k, v in f.items() if k not in ("id", "window", "date", "role", "source", "counter",
                                                                "area", "note", "superseded_by")}
            fitted = [s for s in (scales.get(f["id"]), scales.get(f"{f['id']}_casualties")) if s]
            role = f"interim (until {f['superseded_by']})" if f["role"] == "interim" else f["role"]
            rows.append({"figure": f["id"], "when": when,
                         "value": ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in values.items()),
                         "role": role,
                         "scale in the fit": ", ".join(f"{s.scale:.0f}" for s in fitted),
                         "source": " ".join(str(f["source"]).split())[:110]})
    return markdown(pd.DataFrame(rows)), None


def targets_report(ns) -> tuple[str, object]:
    """Every fitted figure and every check: observed against the simulated distribution (point and posterior)."""
    stats = calib_stats.statistics()
    end = calib_stats.last_day(stats)
    results = {mode: ensemble(BASELINE_SCENARIO, [f"end={end}"], mode, ns.replicates, ns.seed, ns.workers)
               for mode in FITTED_MODES}
    simulated = {mode: statistic_table(r, stats) for mode, r in results.items()}
    rows = []
    for s in stats:
        row = {"fitted figure": s.id, "window": f"{s.start} to {s.end}", "observed": f"{s.observed:g}"}
        for mode, table in simulated.items():
            x = table[s.id].to_numpy()
            row[f"{mode}: median (90%)"] = interval(x)
            row[f"{mode}: inside 90%"] = inside(x, s.observed - (s.scale if s.is_stock else 0),
                                                s.observed + (s.scale if s.is_stock else 0))
            row[f"{mode}: percentile"] = f"{percentile_of(s.observed, x):.0f}"
        rows.append(row)
    checked = []
    for c in checks():
        row = {"checked, not fitted": c.label, "observed": c.observed}
        for mode, result in results.items():
            x = np.array([c.value(o, result.config.start) for o in result.outcomes])
            row[f"{mode}: median (90%)"] = (f"{np.median(x):.1%} ({np.quantile(x, 0.05):.1%}–{np.quantile(x, 0.95):.1%})"
                                            if c.id == "directed_share" else interval(x))
            row[f"{mode}: meets the figure"] = inside(x, c.low, c.high)
        checked.append(row)
    text = markdown(pd.DataFrame(rows)) + "\n\n" + missed_sentence(rows) + "\n\n" + markdown(pd.DataFrame(checked))
    return text, validation_plots.target_fit(simulated, stats)


def missed_sentence(rows: list[dict], mode: str = "posterior") -> str:
    """The fitted figures outside the simulated 90% interval under `mode`, named with where the observed
    figure falls, and where the reasons are written."""
    missed = [f"{r['fitted figure']} (observed {r['observed']}, simulated {r[f'{mode}: median (90%)']}, "
              f"percentile {r[f'{mode}: percentile']})" for r in rows if r[f"{mode}: inside 90%"] == "no"]
    if not missed:
        return f"Every fitted figure lies inside the {mode} runs' 90% interval."
    return (f"Outside the {mode} runs' 90% interval: {'; '.join(missed)}. docs/validation.md section 3 says why "
            "each is missed.")


def stylised_report(ns) -> tuple[str, object]:
    """Overdispersion, space-time clustering, the casualty tail, and self-excitation fitted as a Hawkes process."""
    check_hawkes_window(ns.stylised_end)
    rows, figure = [], None
    for mode in FITTED_MODES if ns.stylised_mode == "both" else [ns.stylised_mode]:
        result = ensemble(BASELINE_SCENARIO, [f"end={ns.stylised_end}"], mode, ns.replicates, ns.seed, ns.workers)
        rng = np.random.default_rng(np.random.SeedSequence(ns.seed, spawn_key=(KNOX_STREAM,)))
        monthly, events = measured_window(result.monthly, result.events)
        dispersion = stylised.overdispersion(monthly)
        weekly = stylised.weekly_dispersion(events, STYLISED_START, result.config.end, len(result.outcomes))
        knox = stylised.knox_test(events, rng)
        tail = stylised.casualty_tail(events)
        excitation = [self_excitation_row(mode, result, "on", ns)]
        if mode == "point":
            switched_off = ensemble(BASELINE_SCENARIO, [f"end={ns.stylised_end}", NO_EXCITATION], mode,
                                    ns.replicates, ns.seed, ns.workers)
            excitation.append(self_excitation_row(mode, switched_off, "off", ns))
        rows += [
            {"run": mode, "fact": "monthly attacks overdispersed",
             "measure": f"variance/mean {dispersion['dispersion_index']:.2f} (Poisson 1); chi-square p = "
                        f"{dispersion['p_value_poisson']:.2g}; {dispersion['replicates']} replicates x "
                        f"{dispersion['months']} months, mean {dispersion['mean_per_month']:.1f} a month; weekly "
                        f"counts variance/mean {weekly:.2f}"},
            {"run": mode, "fact": "space-time clustering",
             "measure": f"Knox ratio {knox['knox_ratio']:.2f} (same area, within {knox['window_days']} days; "
                        f"{knox['observed_pairs']} pairs against {knox['expected_pairs']:.0f} expected); "
                        f"permutation p = {knox['p_value']:.2g}"},
            *excitation,
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
            windows = pd.DataFrame([stylised.knox_test(events, rng, window_days=w) for w in KNOX_WINDOWS_DAYS])
            casualties = (events["killed"] + events["wounded"]).to_numpy()
            figure = validation_plots.stylised_facts(monthly, windows, casualties)
    return markdown(pd.DataFrame(rows)), figure


def measured_window(monthly: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The months and attacks from STYLISED_START on, the span every stylised fact is measured over."""
    return (monthly[monthly["month"].astype(str) >= STYLISED_START[:7]],
            events[pd.to_datetime(events["date"]) >= pd.Timestamp(STYLISED_START)])


# Every stylised fact is measured on the observed history's later years (steadier than 2020-2022) and the
# forecast years, to the end of the runs. Over the steep fall from 2020 the facts would measure the fall:
# the monthly counts' spread around a falling mean, and a Knox null (dates shuffled) blind to areas whose
# shares change with the years. The Hawkes fit's background has a level per replicate and year, so at
# least a year.
STYLISED_START = "2023-01-01"
# The same runs with the model's self-excitation switched off: what the fit reads as excitation without it.
# Point values only: posterior draws set the calibrated attack_excitation themselves and refuse an override.
NO_EXCITATION = "model.insurgents.attack_excitation=0"
# Spawn keys of the streams the Hawkes fit's bootstrap draws from (runs with excitation on, off), apart from
# every replicate stream and the Knox test's.
HAWKES_STREAMS = {"on": 3, "off": 4}


def check_hawkes_window(end: str) -> None:
    """The Hawkes fit needs a year of attacks from STYLISED_START; say so before any run starts."""
    last_needed = pd.Timestamp(STYLISED_START) + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    try:
        short = pd.Timestamp(end) < last_needed
    except ValueError:
        raise ConfigError(f"stylised_end={end} is not a date; write it YYYY-MM-DD.") from None
    if short:
        raise ConfigError(f"stylised_end={end} leaves the Hawkes fit less than a year from {STYLISED_START}; "
                          f"set stylised_end to {last_needed.date()} or later.")


def self_excitation_row(mode: str, result, excitation: str, ns) -> dict[str, str]:
    """The Hawkes fit of one run's attacks; only the run with the model's excitation on is set beside Lewis et
    al. (2012), since with it off whatever the fit finds is clustering of another origin."""
    end = ns.stylised_end
    rng = np.random.default_rng(np.random.SeedSequence(ns.seed, spawn_key=(HAWKES_STREAMS[excitation],)))
    fit = stylised.self_excitation(result.events, len(result.outcomes), STYLISED_START, end, rng)
    setting = (NO_EXCITATION.split(".")[-1] if excitation == "off" else "attack_excitation drawn from the posterior"
               if mode == "posterior" else f"attack_excitation {result.config.model.insurgents.attack_excitation:g}")
    beside = ("Lewis et al. 2012: 0.37-0.50, two to six weeks" if excitation == "on"
              else "no excitation in the model: clustering the background cannot follow; not compared")
    corrected_scale = (f"{fit.time_scale_days:.0f} corrected" if fit.time_scale_determined
                       else "not determined by the correction (it reaches a bound of the search)")
    return {"run": mode, "fact": f"self-excitation (Hawkes), model's excitation {excitation} ({setting})",
            "measure": f"branching ratio {fit.branching_ratio:.2f} corrected for bias by bootstrap (standard "
                       f"error {fit.branching_ratio_se:.2f}), {fit.fitted.branching_ratio:.2f} by maximum "
                       f"likelihood; time scale {fit.fitted.time_scale_days:.0f} days by maximum likelihood, "
                       f"{corrected_scale}; {fit.fitted.events} attacks of {len(result.outcomes)} replicates, "
                       f"{STYLISED_START} to {end}, background a level per replicate and year times a quarterly "
                       f"shape; bias from {fit.sets} simulated sets ({beside})"}


def scenarios_report(ns) -> tuple[str, object]:
    """Every named scenario: attacks per month in the comparison window, and the paired difference from the
    baseline (the same seed: common random numbers). With parameters drawn (posterior or uncertain), each
    contrast also gets the probability of its sign over the parameter draws, and a direction only where that
    probability reaches SIGN_CERTAIN; at point values the table is the contrast at the point estimate."""
    start, end = COMPARISON_WINDOW
    per_draw = ns.per_draw if ns.mode != "point" else 1
    if ns.replicates % per_draw:
        raise ConfigError(f"--replicates ({ns.replicates}) must be a multiple of --per-draw ({per_draw}), so that "
                          "every parameter draw has the same number of replicates.")
    names = [BASELINE_SCENARIO, *(e.name for e in list_scenarios() if e.name != BASELINE_SCENARIO)]
    monthly = {name: ensemble(name, [f"end={end}"], ns.mode, ns.replicates, ns.seed, ns.workers, per_draw).monthly
               for name in names}
    window = Window(start, end)
    base_rates = attack_rates(monthly[BASELINE_SCENARIO], window)
    rows = []
    for name in names:
        d = paired_difference(monthly[BASELINE_SCENARIO], monthly[name], start, end)
        rates = attack_rates(monthly[name], window)
        row = {"scenario": name, "attacks/month median": float(np.median(rates)),
               "90% interval": f"{np.quantile(rates, 0.05):.1f}–{np.quantile(rates, 0.95):.1f}",
               "difference from baseline": d["difference"], "95% CI": f"{d['ci95_low']:+.2f} to {d['ci95_high']:+.2f}",
               "share of replicates higher": d["share_b_higher"],
               "variance reduction (pairing)": d["variance_reduction"]}
        if ns.mode != "point" and name != BASELINE_SCENARIO:
            sign = sign_probability((rates - base_rates).sort_index().to_numpy(dtype=float), per_draw)
            row |= {"probability higher": sign["probability_higher"], "direction": sign["direction"]}
        rows.append(row)
    table = pd.DataFrame(rows)
    drawn = (f"{ns.replicates // per_draw} parameter draws × {per_draw} replicates, {ns.mode} parameters"
             if ns.mode != "point" else f"{ns.replicates} paired replicates, at the point estimate")
    title = (f"attacks per month in Iraq, {start} to {end}: difference from the baseline "
             f"({drawn}, seed {ns.seed})")
    return markdown(table), validation_plots.scenario_differences(table, title)


def _number(value: float) -> str:
    """Three significant figures, whole numbers of 100 or more with thousands separators."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def posterior_report(ns) -> tuple[str, object]:
    posterior = shipped_posterior() if not ns.posterior else read_posterior(ns.posterior)
    rows = []
    others = [read_posterior(path) for path in ns.compare_posterior]
    for p in CALIBRATED:
        lo, mid, hi = posterior.quantiles(p.name)
        row = {"parameter": p.name, "prior median": _number(p.prior_median),
               "prior 90%": p.prior_interval(),
               "posterior median": _number(mid), "posterior 90%": f"{_number(lo)} to {_number(hi)}"}
        for other in others:
            o_lo, o_mid, o_hi = other.quantiles(p.name)
            row[f"seed {other.metadata['settings']['seed']}: median (90%)"] = \
                f"{_number(o_mid)} ({_number(o_lo)} to {_number(o_hi)})"
        rows.append(row)
    ess = [posterior.metadata.get("effective_sample_size")] + [o.metadata.get("effective_sample_size") for o in others]
    footer = (f"\n\nEffective sample size of the final generation: {', '.join(str(e) for e in ess)} of "
              f"{len(posterior.table)} particles.")
    figure = validation_plots.posterior_marginals(posterior.table, posterior.weights)
    return markdown(pd.DataFrame(rows)) + footer + "\n\n" + posterior.describe(), figure


def sensitivity_report(ns) -> tuple[str, object]:
    table = one_at_a_time(ns.scenario, shipped_posterior(), ns.replicates, ns.seed, ns.workers)
    shown = table.assign(change=[f"{c:+.2f} ± {s:.2f}" for c, s in zip(table["change"], table["change_se"],
                                                                        strict=True)]).drop(columns="change_se")
    title = (f"{ns.scenario}: attacks per month in {YEAR}, one parameter at a time\n"
             f"({ns.replicates} replicates per setting, seed {ns.seed})")
    return markdown(shown), validation_plots.tornado(table, title)


def parameters_report(ns) -> tuple[str, object]:
    text = parameters_markdown()
    atomic_write_text(Path(ns.parameters_doc), text)
    return f"written {ns.parameters_doc}", None


def sbc_report(ns) -> tuple[str, object]:
    """Records made by the model at prior draws, each fitted as the real one is: how often the fits' 90%
    intervals hold the truth (sim/calibration/sbc.py)."""
    settings = SbcSettings(records=ns.records, seed=ns.seed, particles=ns.particles,
                               generations=ns.generations, max_simulations=ns.max_simulations, origin=ns.origin)
    table = sbc.run_sbc(settings, workers=ns.workers,
                        progress=lambda done, n: print(f"record {done} of {n} fitted", file=sys.stderr))
    if ns.sbc_table:
        atomic_write_text(Path(ns.sbc_table), table.to_csv(index=False))
    stopped = table.drop_duplicates("record")["stopped"].value_counts()
    title = (f"{ns.records} synthetic records made at prior draws and fitted ({ns.particles} particles, at most "
             f"{ns.generations} generations and {ns.max_simulations:,} runs each; seed {ns.seed})")
    footer = "\n\nWhy the fits stopped: " + "; ".join(f"{why} ({n})" for why, n in stopped.items())
    return markdown(sbc.summary(table)) + footer, validation_plots.sbc_ranks(table, title)


REPORTS = {
    "record": (record_report, None, 0),
    "targets": (targets_report, "targets.png", 200),
    "stylised": (stylised_report, "stylised_facts.png", 40),
    "posterior": (posterior_report, "posterior.png", 0),
    "sbc": (sbc_report, "sbc.png", 0),
    "scenarios": (scenarios_report, "scenario_differences.png", 100),
    "sensitivity": (sensitivity_report, "sensitivity_2027.png", 30),
    "parameters": (parameters_report, None, 0),
}


class SettingsParser(argparse.ArgumentParser):
    """argparse, with its mistakes reported as every `sim` command reports them: one paragraph, settings
    written KEY=VALUE, and exit status 2 (instead of a usage dump)."""

    def error(self, message: str):
        settings = [f"{a.dest}={'' if a.default is None else a.default}" for a in self._actions
                    if a.option_strings and a.dest != "help"]
        reports = next(a.choices for a in self._actions if a.dest == "report")
        said = re.sub(r"--([a-z-]+)", lambda m: m.group(1).replace("-", "_"), message)
        raise ConfigError(f"`sim validate`: {said}. Usage: sim validate REPORT [KEY=VALUE...], REPORT one of "
                          f"{', '.join(reports)}; its settings (with their defaults): {', '.join(settings)}.")


def argument_parser(others: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """The reports' options (`sim validate` takes them as KEY=VALUE: key_name=V for --key-name V); `others`
    names the reports that commands of their own make, so that a mistaken name is told every report."""
    parser = SettingsParser(prog="sim validate", description="Re-make one table and figure of docs/validation.md.")
    parser.add_argument("report", choices=[*REPORTS, *others])
    parser.add_argument("--replicates", type=int, default=None, help="replicates per run (default depends on the report)")
    parser.add_argument("--seed", type=int, default=2024, help="root seed of every run (default 2024)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (results do not depend on it)")
    parser.add_argument("--scenario", default=BASELINE_SCENARIO, help="scenario of the sensitivity sweep")
    parser.add_argument("--mode", choices=MODES, default="posterior", help="parameters of the scenarios report")
    parser.add_argument("--per-draw", type=int, default=2,
                        help="replicates per parameter draw in the scenarios report (not at point values)")
    parser.add_argument("--stylised-end", default=STYLISED_END, help="last day of the stylised-facts runs")
    parser.add_argument("--stylised-mode", choices=(*MODES, "both"), default="both",
                        help="parameters of the stylised-facts runs (default both, one after the other)")
    parser.add_argument("--figures", default="docs/figures", help="folder for the figure")
    parser.add_argument("--posterior", default="", help="posterior folder to report (default: the shipped one)")
    parser.add_argument("--compare-posterior", action="append", default=[], metavar="DIR",
                        help="another fit (another seed) to set beside it (repeatable)")
    parser.add_argument("--parameters-doc", default="docs/parameters.md", help="where `parameters` writes")
    for name in ("records", "particles", "generations", "max_simulations", "origin"):
        f = next(f for f in dataclasses.fields(SbcSettings) if f.name == name)
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(f.default), default=f.default,
                            help=f"sbc report: {f.metadata['help']}")
    parser.add_argument("--sbc-table", default="", help="CSV of every (record, parameter) pair of the sbc report")
    return parser


def main(argv: list[str] | None = None, others: tuple[str, ...] = ()) -> None:
    parser = argument_parser(others)
    ns = parser.parse_args(argv)
    if ns.report in others:
        parser.error(f"the {ns.report} report is a command of its own: `sim validate {ns.report} KEY=VALUE...`")
    make, figure_name, default_replicates = REPORTS[ns.report]
    ns.replicates = default_replicates if ns.replicates is None else ns.replicates
    if ns.workers < 1 or (default_replicates and ns.replicates < 2):
        parser.error("--workers must be 1 or more and --replicates 2 or more")
    if ns.per_draw < 1:
        parser.error("--per-draw must be 1 or more")
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
