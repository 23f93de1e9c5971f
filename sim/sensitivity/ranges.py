"""The factors of a sensitivity analysis and the ranges they are sampled over.

A factor is a numeric model parameter ('section.name') or a determinant group
(`group:NAME`, whose value in [0, 1] picks one of its levels in their declared
order, scenarios/orderings.yaml). A parameter's range is the one given with
`range.PARAM=LOW:HIGH`; else, around the value the scenario uses, the
calibration prior's 90% interval for a calibrated parameter (on the logit scale
for a share), or the plausible
range the schema declares (an absolute `plausible` range, or a factor
`uncertainty`); else a factor set by the certainty its source gives it
(CERTAINTY_FACTORS: a low-certainty estimate within a factor of two, a sourced
figure within 25%). Every range is clipped to the parameter's bounds, which
are what the model accepts, far wider than what is plausible.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import yaml

from sim.config.calibrated import CALIBRATED, Z90
from sim.config.determinants import DETERMINANTS
from sim.config.errors import ConfigError
from sim.config.load import scenario_dir
from sim.config.paths import NUMERIC_TYPES, all_fields, numeric_field, read, with_params
from sim.config.provenance import parameter_certainty
from sim.config.resolve import level_values
from sim.config.schema import ModelParams, RunConfig, TimelineChange
from sim.config.uncertain import CERTAINTY_FACTORS
from sim.config.validate import validate

RELATIVE_RANGE = 0.5


# The setting that gives a parameter's range: range.insurgents.attack_rate_per_day=0.005:0.02
RANGE_PREFIX = "range."


@dataclass(frozen=True)
class ParameterRange:
    """The range a parameter is sampled over and where it comes from."""

    low: float
    high: float
    basis: str


GROUP_PREFIX = "group:"


def default_range(path: str, value: float) -> tuple[float, float, str]:
    """The plausible range around `value` and where it comes from (see the module docstring)."""
    if path.startswith(GROUP_PREFIX):
        return 0.0, 1.0, "the group's levels in their declared order"
    prior = next((p for p in CALIBRATED if p.path == path and p.kind in ("scale", "share")), None)
    basis = f"calibration prior, 90% interval ({prior.prior_interval()})" if prior is not None else ""
    if prior is not None and prior.kind == "scale":
        return value / prior.spread, value * prior.spread, basis
    if prior is not None and 0.0 < value < 1.0:
        # A share's prior is normal on the logit scale: its 90% half-width there, around the value.
        centre, half = prior.to_sampled(value), Z90 * prior.prior_scale()
        return prior.to_value(centre - half), prior.to_value(centre + half), basis
    plausible = numeric_field(path).metadata.get("plausible")
    if plausible:
        return plausible[0], plausible[1], f"declared plausible range [{plausible[0]:g}, {plausible[1]:g}]"
    factor = numeric_field(path).metadata.get("uncertainty")
    if factor:
        return value / factor, value * factor, f"declared plausible range (÷/× {factor:g})"
    certainty = parameter_certainty(path)
    if certainty in CERTAINTY_FACTORS:
        factor = CERTAINTY_FACTORS[certainty]
        return value / factor, value * factor, f"{certainty} certainty (÷/× {factor:g})"
    return (value * (1 - RELATIVE_RANGE), value * (1 + RELATIVE_RANGE),
            f"no declared range: value ±{RELATIVE_RANGE:.0%}")


# Parameters that sim/config/validate.py checks against each other: drawn independently over their ranges,
# some samples would break the relation (a largest cell below the mean cell), so `params=all` holds them at
# their values. Name them in params= with ranges that keep the relation to screen them.
JOINTLY_BOUNDED = ("insurgents.min_cell_size", "insurgents.mean_cell_size", "insurgents.max_cell_size")


def all_factors() -> list[str]:
    """Every determinant group, and every numeric model parameter that no determinant level sets (lists,
    the open bases and JOINTLY_BOUNDED aside): a parameter a level sets moves with its group's factor."""
    root = scenario_dir()
    by_levels = {path for group in DETERMINANTS for level in (root / group).glob("*.yaml")
                 for path in level_values(group, level.stem, root)}
    return [*(f"{GROUP_PREFIX}{g}" for g in DETERMINANTS),
            *(p for p, f in all_fields().items()
              if f.type in NUMERIC_TYPES and p not in by_levels and p not in JOINTLY_BOUNDED)]


def group_levels(group: str) -> list[str]:
    """A determinant group's levels from best to worst for Iraq (scenarios/orderings.yaml)."""
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
        f = numeric_field(path)
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
        typed = int(np.rint(value)) if numeric_field(path).type in ("int", int) else float(value)
        (branch_values if path in dated else start_values)[path] = typed
    model = with_params(cfg.model, start_values)
    changes = list(cfg.changes)
    if branch_values:
        branch = TimelineChange(date=cfg.branch_date, label="sensitivity sample", levels=levels,
                                params=branch_values, origin="branch")
        changes = sorted([*changes, branch], key=lambda c: c.date)
    return validate(dataclasses.replace(cfg, model=model, changes=changes))


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
