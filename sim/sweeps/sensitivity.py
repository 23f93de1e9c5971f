"""Global sensitivity of the attack rate to the model's estimated parameters (SALib).

Morris screening ranks many parameters cheaply (elementary effects along
random trajectories); Sobol indices apportion the variance of the output to
each parameter, alone (S1) and with its interactions (ST). Each parameter
sample is a sweep point run for several replicates, through the same
resumable, executor-independent engine as any sweep, so the indices can be
reproduced by seed. Two outputs are analysed: the mean attack rate in the
window, and the share of replicates whose rate exceeds the 2024 record.

A parameter's range is the one given with `range.PARAM=LOW:HIGH`; else, around the value the
scenario uses, the calibration prior's 90% interval for a calibrated
parameter, or the plausible range the schema declares (`uncertainty`); else a
factor set by the certainty its source gives it (CERTAINTY_FACTORS: a low-
certainty estimate within a factor of two, a sourced figure within 25%). Every
range is clipped to the parameter's bounds, which are what the model accepts,
far wider than what is plausible. Each range is written with its basis beside
the indices.

`--params all` screens every numeric parameter and every determinant group.
A determinant group is one factor whose value picks one of its levels in their
declared order (scenarios/orderings.yaml), from best to worst for Iraq; like a
determinant parameter (one the observed history sets by date), it takes effect
on the branch date, so the screen asks how much each matters for the forecast.
A behavioural parameter holds from the start.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.config.calibrated import CALIBRATED
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.paths import numeric_field, read
from sim.config.schema import ModelParams, RunConfig
from sim.config.validate import validate
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW, DEFAULT_SEED
from sim.files import csv_text, figure_png
from sim.sweeps.engine import Execution
from sim.sweeps.spec import SweepPoint, SweepSpec, check_inside, parse_window, point_seed, with_horizon

# The estimated parameters most likely to move the attack rate (docs/model.md says how each was set).
DEFAULT_PARAMETERS = (
    "insurgents.attack_rate_per_day",
    "insurgents.recruit_rate_per_member_per_day",
    "insurgents.activation_rate_per_day",
    "insurgents.income_per_member_usd_per_day",
    "iraqi_forces.detection_rate_per_day",
    "iraqi_forces.raids_per_day",
    "coalition.strike_rate_per_day",
    "syria.crossing_attempt_rate_per_day",
)
RELATIVE_RANGE = 0.5
METHODS = ("morris", "sobol")
# The setting that gives a parameter's range: range.insurgents.attack_rate_per_day=0.005:0.02
RANGE_PREFIX = "range."
OUTPUTS = {"attack_rate": "mean attacks per month in the window",
           "p_exceeds_2024": "share of replicates above the 2024 attack rate"}


def parameter_field(path: str) -> dataclasses.Field:
    """The schema field for 'group.name' under `model`, if it is a numeric scalar."""
    return numeric_field(path)


@dataclass(frozen=True)
class ParameterRange:
    """The range a parameter is sampled over and where it comes from."""

    low: float
    high: float
    basis: str


# Plausible factor by stated certainty (sim/data/parameter_sources.yaml), where the schema declares none.
CERTAINTY_FACTORS = {"low": 2.0, "medium": 1.5, "high": 1.25}
GROUP_PREFIX = "group:"


def default_range(path: str, value: float) -> tuple[float, float, str]:
    """The plausible range around `value` and where it comes from (see the module docstring)."""
    if path.startswith(GROUP_PREFIX):
        return 0.0, 1.0, "the group's levels in their declared order"
    prior = next((p for p in CALIBRATED if p.path == path and p.kind == "scale"), None)
    if prior is not None:
        return value / prior.spread, value * prior.spread, f"calibration prior, 90% interval (÷/× {prior.spread:g})"
    factor = parameter_field(path).metadata.get("uncertainty")
    if factor:
        return value / factor, value * factor, f"declared plausible range (÷/× {factor:g})"
    certainty = parameter_certainty(path)
    if certainty in CERTAINTY_FACTORS:
        factor = CERTAINTY_FACTORS[certainty]
        return value / factor, value * factor, f"{certainty} certainty (÷/× {factor:g})"
    return (value * (1 - RELATIVE_RANGE), value * (1 + RELATIVE_RANGE),
            f"no declared range: value ±{RELATIVE_RANGE:.0%}")


def parameter_certainty(path: str) -> str:
    """The certainty sim/data/parameter_sources.yaml gives a parameter's value ('' when it gives none)."""
    from sim.calibration.parameters_doc import provenance

    return str(provenance()["parameters"].get(path, {}).get("certainty", ""))


# Parameters that sim/config/validate.py checks against each other: drawn independently over their ranges,
# some samples would break the relation (a largest cell below the mean cell), so `params=all` holds them at
# their values. Name them in params= with ranges that keep the relation to screen them.
JOINTLY_BOUNDED = ("insurgents.min_cell_size", "insurgents.mean_cell_size", "insurgents.max_cell_size")


def all_factors() -> list[str]:
    """Every determinant group, and every numeric model parameter that no determinant level sets (lists,
    the open bases and JOINTLY_BOUNDED aside): a parameter a level sets moves with its group's factor."""
    from sim.config.load import scenario_dir
    from sim.config.paths import NUMERIC_TYPES, all_fields
    from sim.config.resolve import GROUP_SECTIONS, level_values

    root = scenario_dir()
    by_levels = {path for group in GROUP_SECTIONS for level in (root / group).glob("*.yaml")
                 for path in level_values(group, level.stem, root)}
    return [*(f"{GROUP_PREFIX}{g}" for g in GROUP_SECTIONS),
            *(p for p, f in all_fields().items()
              if f.type in NUMERIC_TYPES and p not in by_levels and p not in JOINTLY_BOUNDED)]


def group_levels(group: str) -> list[str]:
    """A determinant group's levels from best to worst for Iraq (scenarios/orderings.yaml)."""
    import yaml

    from sim.config.load import scenario_dir

    orderings = yaml.safe_load((scenario_dir() / "orderings.yaml").read_text(encoding="utf-8"))
    for section in orderings.values():
        if group in section:
            return list(section[group])
    raise ConfigError(f"the determinant group '{group}' has no declared order in scenarios/orderings.yaml.")


def parameter_ranges(paths: list[str], ranges: dict[str, tuple[float, float]],
                     model: ModelParams | None = None) -> dict[str, ParameterRange]:
    """Each parameter's range: as given, else its default range around its value in `model`;
    clipped to the declared bounds."""
    model = ModelParams() if model is None else model
    out = {}
    for path in paths:
        if path.startswith(GROUP_PREFIX):
            group_levels(path.removeprefix(GROUP_PREFIX))
            out[path] = ParameterRange(0.0, 1.0, "the group's levels in their declared order")
            continue
        f = parameter_field(path)
        lo_bound, hi_bound = f.metadata["bounds"]
        if path in ranges:
            lo, hi = ranges[path]
            basis = "given with range.PARAM="
        else:
            lo, hi, basis = default_range(path, float(read(model, path)))
        if lo < lo_bound or hi > hi_bound:
            lo, hi = max(lo, lo_bound), min(hi, hi_bound)
            basis += f", clipped to the bounds [{lo_bound:g}, {hi_bound:g}]"
        if not lo < hi:
            raise ConfigError(f"the range of '{path}' is empty after clipping to its bounds "
                              f"[{lo_bound}, {hi_bound}]; give one with {RANGE_PREFIX}{path}=LOW:HIGH.")
        out[path] = ParameterRange(float(lo), float(hi), basis)
    return out


def with_parameters(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """`cfg` with some factors set, validated: a behavioural parameter from the start (integers rounded);
    a determinant parameter (one a dated change of the config sets) or a group's level from the branch date."""
    from sim.config.load import scenario_dir
    from sim.config.paths import with_params
    from sim.config.resolve import level_values
    from sim.config.schema import TimelineChange

    dated = {path for change in cfg.changes for path in change.params}
    start_values, branch_values, levels = {}, {}, {}
    for path, value in values.items():
        if path.startswith(GROUP_PREFIX):
            group = path.removeprefix(GROUP_PREFIX)
            names = group_levels(group)
            level = names[min(int(value * len(names)), len(names) - 1)]
            levels[group] = level
            branch_values.update(level_values(group, level, scenario_dir()) if level != "as_observed" else {})
            continue
        typed = int(np.rint(value)) if parameter_field(path).type in ("int", int) else float(value)
        (branch_values if path in dated else start_values)[path] = typed
    model = with_params(cfg.model, start_values)
    changes = list(cfg.changes)
    if branch_values:
        branch = TimelineChange(date=cfg.branch_date, label="sensitivity sample", levels=levels,
                                params=branch_values, origin="branch")
        changes = sorted([*changes, branch], key=lambda c: c.date)
    return validate(dataclasses.replace(cfg, model=model, changes=changes))


def sample(method: str, problem: dict, samples: int, seed: int) -> np.ndarray:
    """The parameter samples of the method (SALib), seeded."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=samples, num_levels=4, seed=seed)
    from SALib.sample import sobol

    if samples < 2 or samples & (samples - 1):
        raise ConfigError(f"samples={samples}; Sobol sampling needs a power of 2 (8, 16, 32, ...).")
    return sobol.sample(problem, samples, calc_second_order=False, seed=seed)


def analyse(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Indices with 95% confidence intervals (bootstrap), one row per parameter."""
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95, seed=seed)
        return pd.DataFrame({"parameter": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
                             "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]})


def sensitivity_points(base: RunConfig, names: list[str], x: np.ndarray, seed: int) -> list[SweepPoint]:
    """Each sample as a sweep point: the base config with the sample's values.

    Every point runs with the same seed (common random numbers): replicate i of each point draws each
    mechanism's chance events from the same stream, so the difference between two points is the
    parameters' effect and not two independent draws of chance. With a few replicates per point this
    removes most of the noise from the elementary effects and the variance shares."""
    points = []
    common = point_seed(seed, 0)
    for k, row in enumerate(x):
        values = dict(zip(names, row.tolist(), strict=True))
        cfg = with_parameters(dataclasses.replace(base, seed=common), values)
        points.append(SweepPoint(k, {n: repr(v) for n, v in values.items()}, cfg.seed, cfg))
    return points


def outputs_per_point(reps: pd.DataFrame, n_points: int) -> dict[str, np.ndarray]:
    """The analysed outputs of every sample: the mean window attack rate and the share above 2024's."""
    grouped = reps.groupby("point", sort=True)
    rate = grouped["window_attacks_per_month"].mean().reindex(range(n_points)).to_numpy()
    exceed = grouped["exceeds_2024_rate"].mean().reindex(range(n_points)).to_numpy()
    return {"attack_rate": rate, "p_exceeds_2024": exceed}


def indices_figure(table: pd.DataFrame, method: str, title: str) -> Figure:
    """Horizontal bars per parameter and output, with 95% confidence intervals."""
    value, conf = ("mu_star", "mu_star_conf") if method == "morris" else ("ST", "ST_conf")
    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(6 * len(outputs), 0.45 * table["parameter"].nunique() + 2), dpi=110)
    axes = np.atleast_1d(fig.subplots(1, len(outputs)))
    for ax, output in zip(axes, outputs, strict=True):
        part = table[table["output"] == output].sort_values(value)
        ax.barh(part["parameter"], part[value], xerr=part[conf], color="#4575b4", alpha=0.8, capsize=3)
        label = ("mean |elementary effect| (μ*), " if method == "morris" else "total-order Sobol index (ST), ")
        ax.set_xlabel(label + ("attacks per month" if output == "attack_rate" and method == "morris" else
                               "share" if method == "morris" else "share of variance"))
        ax.set_title(OUTPUTS[output], fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


@dataclass
class SensitivitySettings:
    """What a sensitivity analysis samples and how many runs it makes; every field decides its numbers."""

    method: str = field(default="morris", metadata={"help": "morris (screening) or sobol (variance shares)"})
    scenario: str = field(default=BASELINE_SCENARIO, metadata={"help": "the scenario whose parameters vary"})
    params: str = field(default=",".join(DEFAULT_PARAMETERS),
                        metadata={"help": "comma-separated parameter paths (e.g. insurgents.attack_rate_per_day), "
                                          "group:NAME for a determinant group, or all"})
    samples: int = field(default=8, metadata={"help": "Morris trajectories, or the Sobol base sample (a power of 2)"})
    replicates: int = field(default=10, metadata={"help": "replicates per parameter sample"})
    window: str = field(default=":".join(COMPARISON_WINDOW), metadata={"help": "START:END of the attack rate"})
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the analysis seed (samples and point seeds)"})

    def names(self) -> list[str]:
        """The factors, in the order given; `all` is every determinant group and unlevelled numeric parameter."""
        if self.params.strip() == "all":
            return all_factors()
        return [p.strip() for p in self.params.split(",") if p.strip()]

    def check(self) -> None:
        """Refuse settings that cannot give indices, naming the setting."""
        if self.method not in METHODS:
            raise ConfigError(f"method={self.method}; choose one of: {', '.join(METHODS)}.")
        if self.samples < 2 or self.replicates < 1:
            raise ConfigError("samples must be at least 2 and replicates at least 1.")


def parse_ranges(texts: dict[str, str], names: list[str]) -> dict[str, tuple[float, float]]:
    """Ranges given as PARAM -> 'LOW:HIGH' text, as numbers; each must name a chosen parameter."""
    ranges = {}
    for path, span in texts.items():
        lo, sep, hi = span.partition(":")
        try:
            ranges[path] = (float(lo), float(hi))
        except ValueError:
            raise ConfigError(f"{RANGE_PREFIX}{path}={span} must look like {RANGE_PREFIX}PARAM=LOW:HIGH with "
                              "numbers.") from None
        if not sep or path not in names:
            raise ConfigError(f"{RANGE_PREFIX}{path}={span} must name one of the chosen parameters "
                              f"({', '.join(names)}) as {RANGE_PREFIX}PARAM=LOW:HIGH.")
    return ranges


def run_sensitivity(settings: SensitivitySettings, execution: Execution, ranges: dict[str, tuple[float, float]],
                    overrides: list[str]) -> Path:
    """Sample, run every sample as a sweep point, analyse, write; returns the folder written."""
    from sim.analysis.targets import reference_rate_2024
    from sim.sweeps.engine import run_sweep, sweep_folder, sweep_yaml

    settings.check()
    execution.check()
    method, scenario, names = settings.method, settings.scenario, settings.names()
    window = parse_window(settings.window)
    overrides = with_horizon(overrides, window)
    base = compose_run_config(scenario, [*overrides, f"replicates={settings.replicates}"])
    check_inside(window, base, f"the runs of {scenario}")
    bounds = parameter_ranges(names, ranges, base.model)
    problem = {"num_vars": len(names), "names": names, "bounds": [[bounds[n].low, bounds[n].high] for n in names]}
    x = sample(method, problem, settings.samples, settings.seed)
    points = sensitivity_points(base, names, x, settings.seed)
    spec = SweepSpec(name=f"{method}_{scenario}", description=f"{method} sensitivity of {scenario}",
                     scenario=scenario, overrides=overrides,
                     axes={n: [f"{r.low}:{r.high}"] for n, r in bounds.items()},
                     replicates=settings.replicates, seed=settings.seed, window=window)
    out = sweep_folder(execution.out, Path("outputs/sensitivity") / spec.name, sweep_yaml(spec, points))
    print(f"{method}: {len(names)} parameters, {len(points)} samples x {settings.replicates} replicates "
          f"= {len(points) * settings.replicates} runs, into {out}")
    for name, r in bounds.items():
        print(f"  {name}: {r.low:.4g} to {r.high:.4g} ({r.basis})")

    def analysis(reps: pd.DataFrame) -> dict[str, bytes]:
        y = outputs_per_point(reps, len(points))
        table = pd.concat([analyse(method, problem, x, y[o], settings.seed).assign(output=o) for o in OUTPUTS])
        table = table[["output", *[c for c in table.columns if c != "output"]]]
        samples = pd.DataFrame(x, columns=names).assign(**{o: y[o] for o in OUTPUTS})
        samples.insert(0, "point", range(len(points)))
        title = (f"{method} sensitivity, {scenario}, attacks {window.start} to {window.end} "
                 f"(2024 rate {reference_rate_2024():.1f}/month)")
        spans = pd.DataFrame([{"parameter": n, "low": r.low, "high": r.high, "basis": r.basis}
                              for n, r in bounds.items()])
        return {"indices.csv": csv_text(table).encode(), "samples.csv": csv_text(samples).encode(),
                "ranges.csv": csv_text(spans).encode(),
                "sensitivity.png": figure_png(indices_figure(table, method, title))}

    run_sweep(spec, out, executor=execution.executor, workers=execution.workers, scheduler=execution.scheduler,
              points=points, analysis=analysis)
    return out
