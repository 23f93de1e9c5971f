"""Range and consistency checks on a composed RunConfig, before anything runs."""

from __future__ import annotations

import dataclasses
from typing import Any

from sim.config.errors import ConfigError
from sim.config.paths import field_of, with_params
from sim.config.posterior import check_usable
from sim.config.resolve import parse_date
from sim.config.schema import EXECUTORS, PARAMETER_MODES, POSTERIOR_MODES, ModelParams, RunConfig, TimelineChange
from sim.geography import load_geography

N_ATTACK_TYPES = 5

__all__ = ["parse_date", "validate"]


def _check_value(f: dataclasses.Field, value: Any, key: str, where: str = "") -> None:
    """One parameter's value against its declared range (every entry of a list or dict); None is unset."""
    bounds = f.metadata.get("bounds")
    if bounds is None or value is None:
        return
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    lo, hi = bounds
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not (lo <= v <= hi) or v != v:
            unit = f.metadata.get("unit", "")
            raise ConfigError(
                f"'{key}'{where} is {value!r}, outside its allowed range [{lo}, {hi}]"
                f"{' (' + unit + ')' if unit else ''}: {f.metadata.get('help', '')}."
            )


def _check_bounds(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _check_bounds(value, f"{prefix}{f.name}.")
        elif not (isinstance(value, list) and value and dataclasses.is_dataclass(value[0])):
            _check_value(f, value, f"{prefix}{f.name}")


def _check_change_values(changes: list[TimelineChange]) -> None:
    for c in changes:
        for path, value in c.params.items():
            _check_value(field_of(path), value, path, f" in the change '{c.label}' ({c.date})")


def validate(cfg: RunConfig) -> RunConfig:
    """Check every declared range and the cross-field rules of a resolved config; return cfg unchanged."""
    _check_bounds(cfg, "")
    _check_change_values(cfg.changes)
    start, end = parse_date(cfg.start, "start"), parse_date(cfg.end, "end")
    if end < start:
        raise ConfigError(
            f"The horizon ends ({cfg.end}) before it starts ({cfg.start}); "
            "'end' must be on or after 'start'."
        )
    if cfg.parameters not in PARAMETER_MODES:
        raise ConfigError(
            f"'parameters' is '{cfg.parameters}'; allowed: {', '.join(PARAMETER_MODES)}."
        )
    if cfg.executor not in EXECUTORS:
        raise ConfigError(
            f"'executor' is '{cfg.executor}'; allowed: {', '.join(EXECUTORS)} "
            "(local processes, or a Dask cluster given by scheduler=tcp://host:port)."
        )
    if cfg.scheduler and cfg.executor != "dask":
        raise ConfigError(
            f"'scheduler' is set ({cfg.scheduler}) but 'executor' is '{cfg.executor}'; a scheduler "
            "address is used only with executor=dask."
        )
    if cfg.parameters in POSTERIOR_MODES:
        check_usable(cfg)
    model = cfg.model
    _check_model(model, "")
    for c in cfg.changes:
        if c.params:
            model = with_params(model, c.params)
            _check_model(model, f" (after the change '{c.label}' on {c.date})")
    return cfg


def _check_model(model: ModelParams, when: str) -> None:
    """The relations between parameters that no single range can state."""
    attacks = model.attacks
    for key in ("type_weights", "severity_log_mean"):
        if len(getattr(attacks, key)) != N_ATTACK_TYPES:
            raise ConfigError(
                f"'model.attacks.{key}' has {len(getattr(attacks, key))} entries{when}; it needs "
                f"{N_ATTACK_TYPES}, one per attack type (IED, ambush, assassination, "
                "checkpoint raid, complex attack)."
            )
    if sum(attacks.type_weights) <= 0:
        raise ConfigError(f"'model.attacks.type_weights' must have a positive sum{when}.")
    ins = model.insurgents
    if ins.min_cell_size > ins.max_cell_size:
        raise ConfigError(
            f"'model.insurgents.min_cell_size' ({ins.min_cell_size}) is above 'max_cell_size' "
            f"({ins.max_cell_size}){when}; remnants would regroup into cells that must split at once."
        )
    if ins.max_cell_size < ins.mean_cell_size:
        raise ConfigError(
            f"'model.insurgents.max_cell_size' ({ins.max_cell_size}) is below "
            f"'mean_cell_size' ({ins.mean_cell_size}){when}; cells would split at once."
        )
    _check_starting_areas(ins, load_geography(), when)
    unknown = sorted(set(model.coalition.bases) - set(load_geography().base_ids))
    if unknown:
        raise ConfigError(
            f"'model.coalition.bases' names unknown base(s) {unknown}{when}; known bases: "
            f"{', '.join(load_geography().base_ids)}."
        )


def _check_starting_areas(ins, geo, when: str) -> None:
    """Cells that do not start in a hideout start in a settled Iraqi area below the population limit:
    there must be one."""
    if ins.initial_fighters_iraq == 0 or ins.hideout_start_share >= 1:
        return
    settled = geo.in_iraq & ~geo.hideout & (geo.population_k < ins.no_start_cells_above_population_k)
    if not settled.any():
        smallest = float(geo.population_k[geo.in_iraq & ~geo.hideout].min())
        raise ConfigError(
            f"'model.insurgents.no_start_cells_above_population_k' ({ins.no_start_cells_above_population_k:g}) "
            f"leaves no settled Iraqi area for the cells that start outside the hideouts{when} "
            f"('hideout_start_share' is {ins.hideout_start_share:g}); the smallest settled area has "
            f"{smallest:g} thousand people, so set it above that, or set hideout_start_share=1."
        )
