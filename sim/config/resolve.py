"""From a composed config to the one list of dated changes a replicate follows.

A composed config says three things about time: the observed history (the
`history` group: changes up to `observed_through`), the scenario's branch (the
determinant levels chosen for the branch date, plus any `branch.*` values), and
the scenario's own dated changes after the branch (`timeline`). Resolving merges
them into `changes`, with every level expanded into the raw parameters it sets,
so a run directory's config.yaml says everything the model read without the
scenario files. History after the branch date is dropped: a branch replaces it.

Every mistake is refused here with a message naming the change, before
anything runs: a date that is not YYYY-MM-DD, out of the horizon or out of
order, a scenario change dated before its branch (it would change the past), a
level or parameter that does not exist, a parameter that only the start state
sets, a value of the wrong type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.errors import ConfigError
from sim.config.paths import field_of, read
from sim.config.schema import IMPULSE_KINDS, BranchParams, ModelParams, RunConfig, TimelineChange

# Which section of `model` each determinant group's levels set.
GROUP_SECTIONS = {"drawdown": "coalition", "syria": "syria", "relations": "relations", "regional": "regional",
                  "insurgents": "insurgents", "iraqi_forces": "iraqi_forces"}
# The level that changes nothing: the state the history reached continues.
NO_CHANGE = "as_observed"


def parse_date(value: str, where: str) -> dt.date:
    """Parse YYYY-MM-DD, or raise a ConfigError naming the key.

    Only this one form is accepted: Python's parser also takes 20240630 and 2024-W26-7, which
    would be stored as written and then sort wrongly as text.
    """
    text = str(value)
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or len(text) != 10 or parsed.isoformat() != text:
        raise ConfigError(f"'{where}' is '{value}', which is not a date; write dates as YYYY-MM-DD, "
                          f"for example {where}=2024-01-01.")
    return parsed


def level_values(group: str, level: str, root: Path) -> dict[str, Any]:
    """The raw parameters a determinant level sets, as 'section.name' -> value, read from its file
    under the scenario folder `root`."""
    if group not in GROUP_SECTIONS:
        raise ConfigError(f"'{group}' is not a determinant group; the groups are: {', '.join(GROUP_SECTIONS)}.")
    path = root / group / f"{level}.yaml"
    if not path.is_file():
        choices = ", ".join(sorted(p.stem for p in (root / group).glob("*.yaml")))
        raise ConfigError(f"Unknown {group} level '{level}'; choose one of: {choices}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"The level file '{path}' is not valid YAML: {' '.join(str(err).split())}") from None
    section = GROUP_SECTIONS[group]
    return {f"{section}.{name}": value for name, value in data.items()}


def typed_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Check that each 'section.name' is a parameter a dated change may set, and convert its value to the
    parameter's type; raise a ConfigError naming `where` otherwise."""
    typed_node = OmegaConf.structured(ModelParams)
    for path, value in values.items():
        try:
            f = field_of(path)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
        if f.metadata.get("start_only"):
            raise ConfigError(f"{where} sets '{path}', which describes the state on the start date and cannot change "
                              "on a date; a one-off event (an impulse) changes the state instead, or set it for the "
                              f"start with model.{path}=VALUE.")
        try:
            # Replace, never merge: a dict value (the open bases) is the whole new value.
            OmegaConf.update(typed_node, path, value, merge=False)
        except OmegaConfBaseException as err:
            reason = str(err).strip().splitlines()[0]
            raise ConfigError(f"{where} sets '{path}' to {value!r}, a value of the wrong type: {reason}.") from None
    typed = OmegaConf.to_object(typed_node)
    return {path: read(typed, path) for path in values}


def branch_values(branch: BranchParams) -> dict[str, Any]:
    """What the branch sets: every branch entry that is not None, as 'section.name' -> value."""
    out = {}
    for section in dataclasses.fields(branch):
        values = getattr(branch, section.name)
        out.update({f"{section.name}.{f.name}": getattr(values, f.name) for f in dataclasses.fields(values)
                    if getattr(values, f.name) is not None})
    return out


def resolve(cfg: RunConfig, root: Callable[[], Path]) -> RunConfig:
    """Merge the history, the branch and the scenario's timeline into `cfg.changes` (see the module doc).

    `root()` gives the scenario folder, where named levels are read; it is asked only when a change
    names a level (a resolved config names none that still need reading).
    """
    start, end = parse_date(cfg.start, "start"), parse_date(cfg.end, "end")
    if end < start:
        raise ConfigError(f"The horizon ends ({cfg.end}) before it starts ({cfg.start}); 'end' must be on or after "
                          "'start'.")
    branch_day = _branch_day(cfg, start)
    history = [_expanded(c, f"history change {i} ({c.date}, {c.label or 'no label'})", root, "history")
               for i, c in enumerate(cfg.history_changes)]
    _check_order(history, "the observed history")
    history = [c for c in history if parse_date(c.date, "date") < branch_day]
    branch = _branch_change(cfg, branch_day, end)
    timeline = [_expanded(c, f"scenario change {i} ({c.date}, {c.label or 'no label'})", root, "scenario")
                for i, c in enumerate(cfg.timeline)]
    _check_order(timeline, f"scenario {cfg.scenario.name}'s timeline")
    for c in timeline:
        day = parse_date(c.date, "date")
        if day < branch_day:
            raise ConfigError(f"Scenario {cfg.scenario.name} changes '{c.label}' on {c.date}, before its branch "
                              f"date {branch_day}: a scenario may not change the past. Date it on or after the branch, "
                              "or set branch_date earlier.")
        if day > end:
            raise ConfigError(f"Scenario {cfg.scenario.name} changes '{c.label}' on {c.date}, after the run ends "
                              f"({cfg.end}), so the run would not show it; extend end=, or choose another scenario.")
    changes = [*cfg.changes, *history, *branch, *timeline]
    for c in changes:
        _check_impulses(c)
    changes.sort(key=lambda c: c.date)
    _check_not_overwritten(cfg.model, changes, start)
    return dataclasses.replace(cfg, history_changes=[], branch=BranchParams(), branch_levels={}, timeline=[],
                               changes=changes, branch_date=branch_day.isoformat())


def _branch_day(cfg: RunConfig, start: dt.date) -> dt.date:
    """The first day of the branch: as given, else the day after the record ends, else the start."""
    if cfg.branch_date:
        day = parse_date(cfg.branch_date, "branch_date")
    elif cfg.observed_through:
        day = parse_date(cfg.observed_through, "observed_through") + dt.timedelta(days=1)
    else:
        day = start
    if day < start:
        raise ConfigError(f"branch_date ({day}) is before the run starts ({start}); a branch starts on or after the "
                          "start date.")
    return day


def _expanded(change: TimelineChange, where: str, root: Callable[[], Path], origin: str) -> TimelineChange:
    """The change with its levels expanded into raw parameters (explicit parameters win over levels)."""
    parse_date(change.date, f"{where}: date")
    values: dict[str, Any] = {}
    for group, level in change.levels.items():
        if level != NO_CHANGE:
            values.update(level_values(group, level, root()))
    values.update(change.params)
    return dataclasses.replace(change, params=typed_values(values, where), origin=origin)


def _branch_change(cfg: RunConfig, day: dt.date, end: dt.date) -> list[TimelineChange]:
    values = branch_values(cfg.branch)
    if not values:
        return []
    levels = {g: lvl for g, lvl in cfg.branch_levels.items() if lvl != NO_CHANGE}
    if day > end:
        raise ConfigError(f"Scenario {cfg.scenario.name} takes effect on its branch date {day}, after the run ends "
                          f"({cfg.end}), so the run would not show it; extend end= (forecasts run to 2028-12-31), or "
                          "set branch_date= inside the horizon.")
    words = ", ".join(f"{group} {level}" for group, level in levels.items())
    raw = sorted(p for p in values if p.split(".")[0] not in {GROUP_SECTIONS[g] for g in levels})
    label = f"{cfg.scenario.name}: " + "; ".join(part for part in (words, ", ".join(raw) + " set" if raw else "")
                                                  if part)
    return [TimelineChange(date=day.isoformat(), label=label, levels=levels,
                           params=typed_values(values, f"the branch of scenario {cfg.scenario.name}"),
                           source="the scenario's own levels", origin="branch")]


def _check_order(changes: list[TimelineChange], what: str) -> None:
    for before, after in zip(changes, changes[1:], strict=False):
        if after.date < before.date:
            raise ConfigError(f"The changes of {what} must be in date order: '{after.label}' ({after.date}) comes after "
                              f"'{before.label}' ({before.date}).")


def _check_impulses(change: TimelineChange) -> None:
    from sim.model.geography import load_geography

    geo = load_geography()
    posts = (*geo.wilaya_ids, "centre")
    for impulse in change.impulses:
        where = f"The change '{change.label}' ({change.date})"
        if impulse.kind not in IMPULSE_KINDS:
            raise ConfigError(f"{where} has an impulse of kind '{impulse.kind}'; the kinds are: "
                              f"{', '.join(IMPULSE_KINDS)}.")
        if impulse.kind == "leader_killed" and impulse.target not in posts:
            raise ConfigError(f"{where} kills the leader of '{impulse.target}'; the posts are: {', '.join(posts)}.")
        if impulse.kind == "arrivals" and impulse.target not in geo.area_ids:
            raise ConfigError(f"{where} places arrivals in '{impulse.target}'; the areas are: {', '.join(geo.area_ids)}.")
        if impulse.kind != "reserves" and not impulse.amount >= 0:
            raise ConfigError(f"{where} has a {impulse.kind} of {impulse.amount}; it must be 0 or more.")


def _check_not_overwritten(model: ModelParams, changes: list[TimelineChange], start: dt.date) -> None:
    """Refuse a value set for the start (model.*) that a change on or before the start date replaces at once."""
    defaults = ModelParams()
    for c in changes:
        if parse_date(c.date, "date") > start:
            break
        for path in c.params:
            if read(model, path) != read(defaults, path):
                raise ConfigError(
                    f"'model.{path}' is set to {read(model, path)!r}, but '{c.label}' ({c.date}) sets it on the first "
                    f"day, so that value would never act. To change it from the branch date write branch.{path}=VALUE; "
                    "to change it on another date, add a dated change to a scenario's timeline.")
