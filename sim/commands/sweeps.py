"""Commands that run many configurations into one dataset: `sim sweep`, `sim sensitivity`, `sim attribute`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.attribution.combinations import AttributionSettings, run_attribution
from sim.commands.grammar import Command, parse
from sim.config.errors import ConfigError
from sim.sensitivity.indices import SensitivitySettings, run_sensitivity
from sim.sensitivity.ranges import RANGE_PREFIX, parse_ranges
from sim.sweeps.engine import Execution, run_sweep, sweep_folder, sweep_yaml
from sim.sweeps.spec import axes_and_fixed, parse_window, spec_from_options, sweep_points

EXECUTION_FLAGS = {"--workers": "workers", "--executor": "executor", "--scheduler": "scheduler", "--out": "out"}


@dataclass
class SweepSettings:
    """What `sim sweep` replaces in the sweep file (empty: the file's value, else the defaults)."""

    scenario: str | None = field(default=None, metadata={"help": "base scenario (default: the file's, else "
                                                                 "the baseline)"})
    replicates: int | None = field(default=None, metadata={"help": "replicates per point (default: the file's)"})
    seed: int | None = field(default=None, metadata={"help": "sweep seed (default: the file's)"})
    window: str | None = field(default=None, metadata={"help": "START:END of the compared attack rate "
                                                               "(default: the file's, else the comparison window)"})


SWEEP = Command(
    "sweep", "sim sweep [NAME|FILE] [KEY=V1,V2,...] [KEY=VALUE...]",
    "Run a grid of scenario variants into one Parquet dataset. An override with a list of values "
    "(syria=contained,collapse, or model.iraqi_forces.raids_per_day=range(0.2,0.5,0.1)) is an axis and replaces "
    "the file's axes; a single value is fixed for every point.",
    (SweepSettings, Execution), overrides=True,
    flags={"--axis": None, "--set": None, "--scenario": "scenario", "--replicates": "replicates", "--seed": "seed",
           "--window": "window", **EXECUTION_FLAGS})
SENSITIVITY = Command(
    "sensitivity", "sim sensitivity [method=morris|sobol] [range.PARAM=LOW:HIGH...] [KEY=VALUE...]",
    "Morris screening or Sobol indices of the attack rate in the window to model parameters. "
    "range.PARAM=LOW:HIGH gives a parameter's range (default: its prior or its declared plausible range).",
    (SensitivitySettings, Execution), overrides=True,
    flags={"--method": "method", "--scenario": "scenario", "--params": "params", "--range": RANGE_PREFIX,
           "--samples": "samples", "--replicates": "replicates", "--window": "window", "--seed": "seed",
           "--set": None, **EXECUTION_FLAGS})
ATTRIBUTE = Command(
    "attribute", "sim attribute SCENARIO_A SCENARIO_B [outcome=...] [window=START:END] [KEY=VALUE...]",
    "Split the difference in an outcome between two scenarios into the contribution of each determinant group "
    "and dated change that differs: Shapley values over every combination of them, each run with the same seed "
    "(common random numbers), with bootstrap intervals and the interactions. Other overrides apply to both.",
    (AttributionSettings, Execution), overrides=True)


def sweep_command(args: list[str]) -> None:
    """`sim sweep`: compose every point, run them into one dataset, print the summary."""
    parsed = parse(SWEEP, args)
    settings, execution = parsed.setting(SweepSettings), parsed.setting(Execution)
    execution.check()
    if len(parsed.positional) > 1:
        raise ConfigError(f"give at most one sweep (a name or a file), not {' '.join(parsed.positional)}.")
    name = parsed.positional[0] if parsed.positional else None
    axes, fixed = axes_and_fixed(parsed.overrides)
    if not name and not axes:
        raise ConfigError("give a sweep (a name under scenarios/sweeps/ or a YAML file) or at least one axis "
                          "KEY=V1,V2 (for example syria=contained,collapse).")
    window = parse_window(settings.window) if settings.window else None
    spec = spec_from_options(name, axes, settings.scenario, settings.replicates, settings.seed, fixed, window)
    try:
        points = sweep_points(spec)
    except KeyboardInterrupt:
        print("interrupted while composing the sweep's points; nothing was run and nothing was written.",
              file=sys.stderr)
        raise SystemExit(130) from None
    out = sweep_folder(execution.out, Path("outputs/sweeps") / spec.name, sweep_yaml(spec, points))
    print(f"sweep {spec.name}: {len(points)} points x {spec.replicates} replicates into {out}")
    run_sweep(spec, out, executor=execution.executor, workers=execution.workers, scheduler=execution.scheduler,
              points=points)
    summary = pd.read_csv(out / "summary.csv")
    columns = ["point", *[k.split(".")[-1] for k in spec.axes], "attacks_per_month_q50", "attacks_per_month_q05",
               "attacks_per_month_q95", "p_exceeds_2024_rate"]
    print(f"attacks per month, {spec.window.start} to {spec.window.end}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"written to {out}")


def sensitivity_command(args: list[str]) -> None:
    """`sim sensitivity`: the indices, written and printed."""
    parsed = parse(SENSITIVITY, args)
    if parsed.positional:
        raise ConfigError(f"`sim sensitivity` takes no names ({' '.join(parsed.positional)}); write settings as "
                          "KEY=VALUE, such as method=sobol.")
    settings = parsed.setting(SensitivitySettings)
    given = [o for o in parsed.overrides if o.startswith(RANGE_PREFIX)]
    ranges = parse_ranges({o[len(RANGE_PREFIX):].partition("=")[0]: o.partition("=")[2] for o in given},
                          settings.names())
    out = run_sensitivity(settings, parsed.setting(Execution), ranges,
                          [o for o in parsed.overrides if o not in given])
    table = pd.read_csv(out / "indices.csv")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"written to {out}")


def attribute_command(args: list[str]) -> None:
    """`sim attribute A B`: run every combination, print each player's share and the interactions."""
    parsed = parse(ATTRIBUTE, args)
    if len(parsed.positional) != 2:
        raise ConfigError(f"give two scenarios, A then B (the difference B - A is attributed): {ATTRIBUTE.usage}")
    out = run_attribution(*parsed.positional, parsed.setting(AttributionSettings), parsed.setting(Execution),
                          parsed.overrides)
    print_attribution(out)


def print_attribution(out: Path) -> None:
    """The attribution's numbers as tables on the terminal."""
    summary = json.loads((out / "attribution.json").read_text(encoding="utf-8"))
    shares = pd.read_csv(out / "attribution.csv")
    orders = pd.read_csv(out / "interactions.csv").groupby("size")["interaction"].agg(["count", "sum"])
    d = summary["difference"]
    print(f"{summary['outcome_label']}, {summary['window'][0]} to {summary['window'][1]}: "
          f"{summary['scenario_a']} {summary['value_a']:.2f}, {summary['scenario_b']} {summary['value_b']:.2f}, "
          f"difference {d['mean']:+.2f} ({summary['confidence']:.0%} interval {d['low']:+.2f} to {d['high']:+.2f})")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(shares[["player", "alone", "shapley", "shapley_low", "shapley_high", "from_interactions"]]
              .to_string(index=False, float_format=lambda v: f"{v:+.2f}"))
        print(f"\neffects alone sum to {summary['sum_alone']:+.2f}; interactions by order (count, sum):")
        print(orders.rename_axis("order").to_string(float_format=lambda v: f"{v:+.2f}"))
    print(f"written to {out}")
