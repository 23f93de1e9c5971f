"""Range and consistency checks on a composed RunConfig, before anything runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from sim.config.errors import ConfigError
from sim.config.schema import EXECUTORS, PARAMETER_MODES, RunConfig
from sim.model.geography import load_geography

N_ATTACK_TYPES = 5
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str, where: str) -> dt.date:
    """Parse YYYY-MM-DD, or raise a ConfigError naming the key.

    Only this one form is accepted: Python's parser also takes 20240630 and
    2024-W26-7, which would be stored as written and then sort wrongly as text.
    """
    text = str(value)
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"'{where}' is '{value}', which is not a date; write dates as YYYY-MM-DD, "
            f"for example {where}=2024-01-01."
        ) from None


def _check_bounds(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _check_bounds(value, key + ".")
            continue
        if isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                _check_bounds(item, f"{key}[{i}].")
            continue
        bounds = f.metadata.get("bounds")
        if bounds is None:
            continue
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        lo, hi = bounds
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not (lo <= v <= hi) or v != v:
                unit = f.metadata.get("unit", "")
                raise ConfigError(
                    f"'{key}' is {value!r}, outside its allowed range [{lo}, {hi}]"
                    f"{' (' + unit + ')' if unit else ''}: {f.metadata.get('help', '')}."
                )


def validate(cfg: RunConfig) -> RunConfig:
    """Check every declared range and the cross-field rules; return cfg unchanged."""
    _check_bounds(cfg, "")
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
    if cfg.parameters == "posterior":
        from sim.calibration.posterior import check_usable

        check_usable(cfg)
    attacks = cfg.model.attacks
    for key in ("type_weights", "severity_log_mean"):
        if len(getattr(attacks, key)) != N_ATTACK_TYPES:
            raise ConfigError(
                f"'model.attacks.{key}' has {len(getattr(attacks, key))} entries; it needs "
                f"{N_ATTACK_TYPES}, one per attack type (IED, ambush, assassination, "
                "checkpoint raid, complex attack)."
            )
    if sum(attacks.type_weights) <= 0:
        raise ConfigError("'model.attacks.type_weights' must have a positive sum.")
    ins = cfg.model.insurgents
    if ins.max_cell_size < ins.mean_cell_size:
        raise ConfigError(
            f"'model.insurgents.max_cell_size' ({ins.max_cell_size}) is below "
            f"'mean_cell_size' ({ins.mean_cell_size}); cells would split at once."
        )
    _validate_phases(cfg)
    return cfg


def _validate_phases(cfg: RunConfig) -> None:
    phases = cfg.model.coalition.phases
    if not phases:
        raise ConfigError(
            "'model.coalition.phases' is empty; a drawdown level must give at least one "
            "posture phase (choose one with drawdown=NAME; `sim list` shows the levels)."
        )
    base_ids = set(load_geography().base_ids)
    previous = None
    for i, phase in enumerate(phases):
        day = parse_date(phase.start, f"model.coalition.phases[{i}].start")
        if previous is not None and day <= previous:
            raise ConfigError(
                f"Coalition posture phases must be in calendar order; phase {i} starts "
                f"{phase.start}, not after the phase before it."
            )
        previous = day
        unknown = sorted(set(phase.bases) - base_ids)
        if unknown:
            raise ConfigError(
                f"'model.coalition.phases[{i}].bases' names unknown base(s) {unknown}; "
                f"known bases: {', '.join(sorted(base_ids))}."
            )
