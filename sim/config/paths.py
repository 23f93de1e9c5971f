"""Model parameters by path ('section.name' under `model`): look one up, read it, replace some.

Dated changes, calibrated parameters, sweeps and sensitivity analyses all name
parameters this way; this module is the one place that knows how a path maps
onto the schema.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from sim.config.errors import ConfigError
from sim.config.schema import ModelParams

NUMERIC_TYPES = ("float", "int", float, int)


@lru_cache(maxsize=1)
def all_fields() -> dict[str, dataclasses.Field]:
    """Every model parameter's schema field, by path, in schema order."""
    model = ModelParams()
    return {f"{section.name}.{f.name}": f
            for section in dataclasses.fields(ModelParams)
            for f in dataclasses.fields(getattr(model, section.name))}


def field_of(path: str) -> dataclasses.Field:
    """The schema field of a model parameter, or a ConfigError naming the sections."""
    f = all_fields().get(path)
    if f is None:
        sections = ", ".join(s.name for s in dataclasses.fields(ModelParams))
        raise ConfigError(f"'{path}' is not a model parameter; parameters are named SECTION.NAME with SECTION one "
                          f"of {sections} (docs/parameters.md lists them all).")
    return f


def numeric_field(path: str) -> dataclasses.Field:
    """The schema field for a numeric scalar parameter, or a ConfigError listing the numeric ones."""
    f = all_fields().get(path)
    if f is None or f.type not in NUMERIC_TYPES:
        numeric = [p for p, g in all_fields().items() if g.type in NUMERIC_TYPES]
        raise ConfigError(f"'{path}' is not a numeric model parameter; choose from: {', '.join(numeric)}.")
    return f


def read(model: ModelParams, path: str) -> Any:
    """The value of parameter 'section.name': the one way code outside the schema reads a parameter by path."""
    section, name = path.split(".", 1)
    return getattr(getattr(model, section), name)


def with_params(model: ModelParams, values: dict[str, Any]) -> ModelParams:
    """A copy of `model` with the 'section.name' entries of `values` replaced (the rest shared)."""
    sections: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        section, name = path.split(".", 1)
        sections.setdefault(section, {})[name] = value
    return dataclasses.replace(model, **{
        section: dataclasses.replace(getattr(model, section), **fields) for section, fields in sections.items()})
