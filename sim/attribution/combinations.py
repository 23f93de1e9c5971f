"""`sim attribute A B`: run every combination of what scenario B changes from A, and attribute the difference.

Scenarios branch from the observed history: each sets determinant levels on
the branch date and may add dated changes after it. The players are the
determinant groups whose branch level differs between A and B and the dated
changes only one of them has. Combination S is scenario A with the groups in S
set to B's levels, B's changes in S added and A's changes in S removed; all
2^k combinations are composed and checked before anything runs, and the one
with every player switched must be B itself (apart from its name), else the
scenarios differ in something the attribution cannot split (start values,
raw branch values, the branch date) and it says so.

Every combination runs with the same seed and replicates, so replicate i of
each shares its chance events wherever the mechanisms agree (each mechanism
has its own random stream: sim/runs/seeds.py), and the combinations run as
the points of a sweep: resumable, on any executor, sealed by a manifest. The
arithmetic is in sim/attribution/shapley.py, the reading of a finished one in
sim/attribution/record.py.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.attribution.record import RESULT_FILE
from sim.attribution.shapley import Attribution, attribute, attribution_figure, combination_players
from sim.config.determinants import DETERMINANTS, NO_CHANGE
from sim.config.errors import ConfigError
from sim.config.load import compose_many
from sim.config.schema import RunConfig, ScenarioInfo, TimelineChange
from sim.defaults import ATTRIBUTION_OUTCOME, ATTRIBUTION_REPLICATES, COMPARISON_WINDOW, DEFAULT_SEED
from sim.files import csv_text, figure_png
from sim.runs import record
from sim.sweeps.engine import Execution, run_sweep, sweep_folder, sweep_yaml
from sim.sweeps.spec import SweepPoint, SweepSpec, Window, check_inside, parse_window, with_horizon

# Outcomes by name: the replicate column they are read from and how they are written.
OUTCOMES = {
    "attacks_per_month": ("window_attacks_per_month", "attacks per month"),
    "casualties_per_month": ("window_casualties_per_month", "casualties per month"),
    "p_exceeds_2024_rate": ("exceeds_2024_rate", "probability the attack rate exceeds 2024's"),
}
# 2^8 = 256 combinations; beyond that the exact attribution costs more than it tells.
MAX_PLAYERS = 8
ABSENT, PRESENT = "absent", "present"


@dataclass
class AttributionSettings:
    """What an attribution compares and how many runs it makes; every field decides its numbers."""

    outcome: str = field(default=ATTRIBUTION_OUTCOME, metadata={"help": f"one of: {', '.join(OUTCOMES)}"})
    window: str = field(default=":".join(COMPARISON_WINDOW), metadata={"help": "START:END of the outcome"})
    replicates: int = field(default=ATTRIBUTION_REPLICATES, metadata={"help": "replicates per combination"})
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the one seed every combination runs with"})

    def check(self) -> Window:
        """The window, once every setting is checked (a ConfigError names the wrong one)."""
        if self.outcome not in OUTCOMES:
            raise ConfigError(f"outcome={self.outcome}; choose one of: {', '.join(OUTCOMES)}.")
        if self.replicates < 2:
            raise ConfigError(f"replicates={self.replicates}; intervals need at least 2 replicates.")
        if not 0 <= self.seed < 2 ** 63:
            raise ConfigError(f"seed={self.seed}; it must be a whole number from 0 to 2^63 - 1.")
        return parse_window(self.window)


@dataclass(frozen=True)
class Player:
    """One thing B changes from A: a determinant group's branch level, or a dated change."""

    key: str              # a column name: the group, or change_<date>[_n]
    name: str             # as people read it
    setting_a: str
    setting_b: str
    group: str = ""
    change: TimelineChange | None = None


def branch_levels(cfg: RunConfig) -> dict[str, str]:
    """The level each determinant group takes at the branch (as_observed where the scenario sets none)."""
    branch = next((c for c in cfg.changes if c.origin == "branch"), None)
    levels = dict(branch.levels) if branch is not None else {}
    return {group: levels.get(group, NO_CHANGE) for group in DETERMINANTS}


def change_key(change: TimelineChange) -> str:
    """What a dated change does, as text: two changes are the same player when it is equal."""
    plain = dataclasses.asdict(change)
    return json.dumps({k: plain[k] for k in ("date", "params", "impulses")}, sort_keys=True, default=str)


def scenario_changes(cfg: RunConfig) -> dict[str, TimelineChange]:
    """The scenario's own dated changes after the branch, by what they do."""
    return {change_key(c): c for c in cfg.changes if c.origin == "scenario"}


def find_players(a: RunConfig, b: RunConfig) -> list[Player]:
    """Every group whose branch level differs, then every dated change only one scenario has (by date)."""
    levels_a, levels_b = branch_levels(a), branch_levels(b)
    players = [Player(g, g, levels_a[g], levels_b[g], group=g) for g in DETERMINANTS if levels_a[g] != levels_b[g]]
    changes_a, changes_b = scenario_changes(a), scenario_changes(b)
    only = [(c, PRESENT, ABSENT) for key, c in changes_a.items() if key not in changes_b]
    only += [(c, ABSENT, PRESENT) for key, c in changes_b.items() if key not in changes_a]
    used: set[str] = set()
    for change, in_a, in_b in sorted(only, key=lambda item: item[0].date):
        stem = key = "change_" + change.date.replace("-", "_")
        while key in used:          # two changes on one date
            key = f"{stem}_{len([u for u in used if u.startswith(stem)])}"
        used.add(key)
        players.append(Player(key, f"{change.date} {change.label}", in_a, in_b, change=change))
    return players


def combination_config(base: RunConfig, players: list[Player], mask: int) -> RunConfig:
    """`base` (A with the switched groups' levels composed in) with the switched dated changes added or removed."""
    changes = list(base.changes)
    for i, player in enumerate(players):
        if player.change is None or not mask >> i & 1:
            continue
        if player.setting_b == PRESENT:
            changes.append(dataclasses.replace(player.change))
        else:
            gone = change_key(player.change)
            changes = [c for c in changes if not (c.origin == "scenario" and change_key(c) == gone)]
    changes.sort(key=lambda c: c.date)
    return dataclasses.replace(base, changes=changes)


def what_runs(cfg: RunConfig) -> str:
    """The config without its names: what decides the numbers, to check that every player switched is B."""
    unnamed = [dataclasses.replace(c, label="", source="") for c in cfg.changes]
    return record.config_yaml(dataclasses.replace(cfg, scenario=ScenarioInfo(), changes=unnamed))


@dataclass
class AttributionPlan:
    """The two scenarios, the players and every combination's config, composed and checked."""

    scenario_a: str
    scenario_b: str
    players: list[Player]
    configs: list[RunConfig]
    end: str                  # the last day every combination runs to


def plan(scenario_a: str, scenario_b: str, settings: AttributionSettings, overrides: list[str]) -> AttributionPlan:
    """Compose A and B with the shared overrides, find the players, and compose every combination."""
    window = settings.check()
    shared = [*with_horizon(overrides, window), f"replicates={settings.replicates}", f"seed={settings.seed}"]
    a, b = compose_many([[f"scenario={scenario_a}", *shared], [f"scenario={scenario_b}", *shared]],
                        name=lambda k, _: f"Scenario {(scenario_a, scenario_b)[k]}")
    check_inside(window, a, f"the runs of {scenario_a} and {scenario_b}")
    players = find_players(a, b)
    if not players:
        raise ConfigError(f"Scenarios {scenario_a} and {scenario_b} set the same determinant levels and dated "
                          "changes; there is no difference to attribute.")
    if len(players) > MAX_PLAYERS:
        raise ConfigError(f"{scenario_a} and {scenario_b} differ in {len(players)} things "
                          f"({', '.join(p.name for p in players)}); the exact attribution runs 2^k combinations and "
                          f"takes at most {MAX_PLAYERS}. Compare scenarios that differ less, or set some groups "
                          "for both with GROUP=LEVEL.")
    masks = range(2 ** len(players))
    lists = [[f"scenario={scenario_a}", *shared,
              *(f"{p.group}={p.setting_b}" for i, p in enumerate(players) if p.group and mask >> i & 1)]
             for mask in masks]
    names = [p.name for p in players]
    composed = compose_many(lists, name=lambda k, _: f"Combination {k} "
                                                     f"({', '.join(combination_players(k, names)) or 'none'})")
    configs = [combination_config(cfg, players, mask) for mask, cfg in zip(masks, composed, strict=True)]
    if what_runs(configs[-1]) != what_runs(b):
        raise ConfigError(f"{scenario_b} differs from {scenario_a} in more than determinant levels and dated changes "
                          "(start values, raw branch values, the branch date or the history), which the attribution "
                          "cannot split into players. Compare scenarios built from levels and dated changes only.")
    return AttributionPlan(scenario_a, scenario_b, players, configs, a.end)


def attribution_spec(p: AttributionPlan, settings: AttributionSettings, overrides: list[str]) -> SweepSpec:
    """The sweep that runs the combinations: one axis per player, its two settings A then B."""
    return SweepSpec(name=f"{p.scenario_a}_vs_{p.scenario_b}",
                     description=f"attribution of {settings.outcome}, {p.scenario_b} against {p.scenario_a}",
                     scenario=p.scenario_a, overrides=with_horizon(overrides, settings.check()),
                     axes={pl.key: [pl.setting_a, pl.setting_b] for pl in p.players},
                     replicates=settings.replicates, seed=settings.seed, window=settings.check())


def sweep_points_of(p: AttributionPlan, settings: AttributionSettings) -> list[SweepPoint]:
    """Combination k as sweep point k, every one with the attribution's seed (common random numbers)."""
    return [SweepPoint(mask, {pl.key: (pl.setting_b if mask >> i & 1 else pl.setting_a)
                              for i, pl in enumerate(p.players)}, settings.seed, cfg)
            for mask, cfg in enumerate(p.configs)]


def outcome_matrix(reps: pd.DataFrame, outcome: str, combinations: int) -> np.ndarray:
    """Replicates x combinations of the outcome, from a sweep's replicate dataset."""
    column = OUTCOMES[outcome][0]
    table = reps.pivot(index="replicate", columns="point", values=column).astype(float)
    return table.reindex(columns=range(combinations)).to_numpy()


def result_files(result: Attribution, p: AttributionPlan, settings: AttributionSettings) -> dict[str, bytes]:
    """The tables, the figure and attribution.json (what the report and people read first)."""
    window = settings.check()
    label = OUTCOMES[settings.outcome][1]
    title = (f"{p.scenario_b} against {p.scenario_a}: {label}, {window.start} to {window.end} "
             f"({result.replicates} replicates per combination, seed {settings.seed})")
    summary = {
        "scenario_a": p.scenario_a, "scenario_b": p.scenario_b, "outcome": settings.outcome,
        "outcome_label": label, "window": [window.start, window.end], "end": p.end, "seed": settings.seed,
        "replicates": result.replicates, "confidence": result.confidence,
        "value_a": result.value_a, "value_b": result.value_b,
        "difference": dict(zip(("mean", "low", "high"), result.difference, strict=True)),
        "players": [{"key": pl.key, "name": pl.name, "a": pl.setting_a, "b": pl.setting_b} for pl in p.players],
        "sum_alone": float(result.shares["alone"].sum()),
        "method": "exact Shapley values and Harsanyi dividends over all 2^k combinations; percentile bootstrap "
                  "intervals over replicates",
    }
    return {
        "attribution.csv": csv_text(result.shares).encode(),
        "interactions.csv": csv_text(result.interactions).encode(),
        "combinations.csv": csv_text(result.combinations).encode(),
        RESULT_FILE: (json.dumps(summary, indent=2) + "\n").encode(),
        "attribution.png": figure_png(attribution_figure(result, title, label)),
    }


def run_attribution(scenario_a: str, scenario_b: str, settings: AttributionSettings, execution: Execution,
                    overrides: list[str], progress: bool = True) -> Path:
    """Plan, run every combination (resumably) and write the attribution; returns the folder written."""
    execution.check()
    p = plan(scenario_a, scenario_b, settings, overrides)
    spec = attribution_spec(p, settings, overrides)
    points = sweep_points_of(p, settings)
    out = sweep_folder(execution.out, Path("outputs/attribution") / spec.name, sweep_yaml(spec, points))
    if progress:
        print(f"attribution of {settings.outcome}, {scenario_b} against {scenario_a}: {len(p.players)} players "
              f"({', '.join(pl.name for pl in p.players)}), {len(points)} combinations x {settings.replicates} "
              f"replicates = {len(points) * settings.replicates} runs, into {out}")

    def analysis(reps: pd.DataFrame) -> dict[str, bytes]:
        values = outcome_matrix(reps, settings.outcome, len(points))
        result = attribute(values, [pl.name for pl in p.players], settings.seed)
        return result_files(result, p, settings)

    return run_sweep(spec, out, executor=execution.executor, workers=execution.workers,
                     scheduler=execution.scheduler, progress=progress, points=points, analysis=analysis)


