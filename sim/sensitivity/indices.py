"""Global sensitivity of the attack rate to the model's estimated parameters (SALib): `sim sensitivity`.

Morris screening ranks many parameters cheaply (elementary effects along
random trajectories); Sobol indices apportion the variance of the output to
each parameter, alone (S1) and with its interactions (ST). Each parameter
sample is a sweep point run for several replicates, through the same
resumable, executor-independent engine as any sweep, so the indices can be
reproduced by seed. Two outputs are analysed: the mean attack rate in the
window, and the share of replicates whose rate exceeds the 2024 record. The
factors and their ranges are sim/sensitivity/ranges.py's; each range is
written with its basis beside the indices.

`params=all` screens every numeric parameter and every determinant group.
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

from sim.analysis.targets import reference_rate_2024
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW, DEFAULT_SEED
from sim.files import csv_text, figure_png
from sim.sensitivity.ranges import all_factors, parameter_ranges, with_parameters
from sim.sweeps.engine import Execution, run_sweep, sweep_folder, sweep_yaml
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
METHODS = ("morris", "sobol")
OUTPUTS = {"attack_rate": "mean attacks per month in the window",
           "p_exceeds_2024": "share of replicates above the 2024 attack rate"}


def sample(method: str, problem: dict, samples: int, seed: int) -> np.ndarray:
    """The parameter samples of the method (SALib), seeded."""
    # SALib takes 2 to 3 s to import (/usr/bin/time on `python -c "import SALib.sample.sobol, SALib.analyze.sobol"`),
    # and `sim sweep` and `sim attribute` read this module for its settings: it is imported when it samples.
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


def run_sensitivity(settings: SensitivitySettings, execution: Execution, ranges: dict[str, tuple[float, float]],
                    overrides: list[str]) -> Path:
    """Sample, run every sample as a sweep point, analyse, write; returns the folder written."""
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
