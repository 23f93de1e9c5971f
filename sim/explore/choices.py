"""From what a student picks on the page to a validated run config, through the project's own Hydra.

A scenario picks one level of each determinant; the page shows those choices
and lets the student change any of them, the horizon and the seed. The result
is the config `sim run scenario=NAME GROUP=LEVEL ... end=... seed=...` would use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from functools import lru_cache

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim.config.load import DETERMINANTS, PRIMARY_CONFIG, compose_run_config, register_schema, scenario_dir
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO
from sim.explore.explain import level_label

BASELINE = BASELINE_SCENARIO
# Hydra keeps one global state; page sessions compose from several threads, so they take turns.
_HYDRA = threading.Lock()


@lru_cache(maxsize=64)
def scenario_levels(name: str) -> dict[str, str]:
    """The level the named scenario picks for each determinant (Hydra's own record of its choices)."""
    with _HYDRA:
        register_schema()
        GlobalHydra.instance().clear()
        try:
            with initialize_config_dir(config_dir=str(scenario_dir()), version_base="1.3"):
                cfg = compose(config_name=PRIMARY_CONFIG, overrides=[f"scenario={name}"], return_hydra_config=True)
        finally:
            GlobalHydra.instance().clear()
    choices = cfg.hydra.runtime.choices
    return {group: str(choices[group]) for group in DETERMINANTS}


def changes(name: str, levels: dict[str, str]) -> dict[str, str]:
    """The determinants set differently from the scenario's own choice."""
    own = scenario_levels(name)
    return {group: level for group, level in levels.items() if own.get(group) != level}


def horizon_ends(start: str, last_year: int) -> list[str]:
    """Ends of the calendar years a run may stop at: from the start's year to `last_year`."""
    first = dt.date.fromisoformat(start).year
    return [f"{year}-12-31" for year in range(first, max(first, last_year) + 1)]


def explorer_config(name: str, levels: dict[str, str], end: str | None = None, seed: int | None = None,
                    replicates: int | None = None) -> RunConfig:
    """The validated config for a scenario with the page's choices; the description names the changes."""
    overrides = [f"{group}={level}" for group, level in sorted(changes(name, levels).items())]
    overrides += [f"{key}={value}" for key, value in (("end", end), ("seed", seed), ("replicates", replicates))
                  if value is not None]
    return _compose(name, tuple(overrides))


@lru_cache(maxsize=64)
def _compose(name: str, overrides: tuple[str, ...]) -> RunConfig:
    with _HYDRA:
        cfg = compose_run_config(name, list(overrides))
    changed = [o.split("=", 1) for o in overrides if o.split("=", 1)[0] in DETERMINANTS]
    if not changed:
        return cfg
    note = "Changed in the explorer: " + "; ".join(f"{g} set to {level_label(g, v)} ({v})" for g, v in changed) + "."
    scenario = dataclasses.replace(cfg.scenario, description=f"{cfg.scenario.description} {note}".strip())
    return dataclasses.replace(cfg, scenario=scenario)


def baseline_for(cfg: RunConfig) -> RunConfig:
    """The baseline scenario over the same horizon, seed and replicate count, to compare against."""
    overrides = (f"start={cfg.start}", f"end={cfg.end}", f"seed={cfg.seed}", f"replicates={cfg.replicates}")
    return _compose(BASELINE, overrides)


def same_experiment(a: RunConfig, b: RunConfig) -> bool:
    """True when two configs would compute the same numbers (names and descriptions aside)."""
    return ((a.model, a.changes, a.start, a.end, a.seed, a.replicates)
            == (b.model, b.changes, b.start, b.end, b.seed, b.replicates))
