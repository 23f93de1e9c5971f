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
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf.errors import OmegaConfBaseException
from omegaconf.nodes import BooleanNode, FloatNode, IntegerNode, StringNode

from sim.config.determinants import GROUP_SECTIONS, NO_CHANGE
from sim.config.errors import ConfigError
from sim.config.paths import field_of, read
from sim.config.scenario_files import read_yaml
from sim.config.schema import (
    IMPULSE_AMOUNTS,
    IMPULSE_KINDS,
    BranchParams,
    Impulse,
    ModelParams,
    RunConfig,
    TimelineChange,
)
from sim.geography import load_geography


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
    data = read_yaml(path, "The level file") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"The level file '{path}' holds a {type(data).__name__}; a level is a mapping of the "
                          "parameters it sets (name: value lines).")
    section = GROUP_SECTIONS[group]
    return {f"{section}.{name}": value for name, value in data.items()}


def typed_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Check that each 'section.name' is a parameter a dated change may set, and convert its value to the
    parameter's type (OmegaConf's own value nodes, as composition converts them); raise a ConfigError
    naming `where` otherwise."""
    out = {}
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
            out[path] = _converted(f.type, value)
        except (OmegaConfBaseException, TypeError, ValueError) as err:
            reason = (str(err).strip().splitlines()[0] if isinstance(err, TypeError)
                      else f"it must be of type {f.type}")
            raise ConfigError(f"{where} sets '{path}' to {value!r}, a value of the wrong type: {reason}.") from None
    return out


_NODES = {"float": FloatNode, "int": IntegerNode, "bool": BooleanNode, "str": StringNode}


def _converted(annotation: str, value: Any) -> Any:
    """A value converted to the schema type written as `annotation` (float, int, list[float], dict[str, float])."""
    if annotation in _NODES:
        return _NODES[annotation](value)._value()
    if annotation == "list[float]":
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list of numbers, got {type(value).__name__}")
        return [FloatNode(v)._value() for v in value]
    if annotation == "dict[str, float]":
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping of names to numbers, got {type(value).__name__}")
        return {str(k): FloatNode(v)._value() for k, v in value.items()}
    raise TypeError(f"parameters of type {annotation} cannot change on a date")


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
    if cfg.resolved:
        return dataclasses.replace(cfg, changes=_typed_resolved(cfg.changes))
    history = [_expanded(parse_change(c, f"history change {i}"), f"history change {i}", root, "history")
               for i, c in enumerate(history_events(cfg.history, root))]
    _check_order(history, "the observed history")
    history = [c for c in history if parse_date(c.date, "date") < branch_day]
    branch = _branch_change(cfg, branch_day, end)
    timeline = [_expanded(parse_change(c, f"scenario change {i}"), f"scenario change {i}", root, "scenario")
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
    changes = [*_typed_resolved(cfg.changes), *history, *branch, *timeline]
    for c in changes:
        _check_impulses(c, _change_source(c, cfg))
    changes.sort(key=lambda c: c.date)
    _check_not_overwritten(cfg.model, changes, start)
    return dataclasses.replace(cfg, branch=BranchParams(), branch_levels={}, timeline=[], changes=changes,
                               branch_date=branch_day.isoformat(), resolved=True)


def _typed_resolved(changes: list) -> list[TimelineChange]:
    out = []
    for i, c in enumerate(changes):
        change = parse_change(c, f"change {i}")
        out.append(dataclasses.replace(change, params=typed_values(change.params, f"change {i} ({change.date})")))
    return out


def history_events(name: str, root: Callable[[], Path]) -> list:
    """The dated changes of the named history (scenarios/events/NAME.yaml); none for 'none'."""
    if name == "none":
        return []
    path = root() / "events" / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"The history '{name}' has no events file '{path}'; a history names one in "
                          "scenarios/events/ (or use history=none).")
    data = read_yaml(path, "The events file") or {}
    changes = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(changes, list):
        raise ConfigError(f"The events file '{path}' must hold a list under 'changes'.")
    return changes


CHANGE_KEYS = {f.name for f in dataclasses.fields(TimelineChange)}
IMPULSE_KEYS = {f.name for f in dataclasses.fields(Impulse)}


def parse_change(data: Any, where: str) -> TimelineChange:
    """A dated change from its mapping (as YAML or a stored config gives it), checked key by key."""
    if isinstance(data, TimelineChange):
        return data
    if not isinstance(data, dict):
        raise ConfigError(f"{where} is {data!r}; a dated change is a mapping such as "
                          "{date: 2027-03-01, label: ..., levels: {syria: collapse}}.")
    unknown = sorted(set(data) - CHANGE_KEYS)
    if unknown or "date" not in data:
        problem = f"has unknown key(s) {unknown}" if unknown else "has no date"
        raise ConfigError(f"{where} {problem}; a change has: {', '.join(sorted(CHANGE_KEYS))}.")
    where = f"{where} ({data.get('date')}, {data.get('label') or 'no label'})"
    for key, kind in (("levels", dict), ("params", dict), ("impulses", list)):
        if not isinstance(data.get(key, kind()), kind):
            raise ConfigError(f"{where}: '{key}' must be a {'mapping' if kind is dict else 'list'}.")
    impulses = []
    for item in data.get("impulses", []):
        if not isinstance(item, dict) or set(item) - IMPULSE_KEYS:
            raise ConfigError(f"{where}: an impulse is a mapping with {', '.join(sorted(IMPULSE_KEYS))}; got {item!r}.")
        try:
            impulses.append(Impulse(kind=str(item.get("kind", "")), amount=float(item.get("amount", 0.0)),
                                    target=str(item.get("target", ""))))
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}: an impulse's amount must be a number; got {item.get('amount')!r}.") from None
    return TimelineChange(
        date=str(data["date"]), label=str(data.get("label", "")),
        levels={str(g): str(lvl) for g, lvl in data.get("levels", {}).items()},
        params=dict(data.get("params", {})), impulses=impulses, source=" ".join(str(data.get("source", "")).split()),
        estimated=bool(data.get("estimated", False)), confidence=str(data.get("confidence", "")),
        origin=str(data.get("origin", "")))


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
    for before, after in itertools.pairwise(changes):
        if after.date < before.date:
            raise ConfigError(f"The changes of {what} must be in date order: '{after.label}' ({after.date}) comes "
                              f"after '{before.label}' ({before.date}).")


def _check_impulses(change: TimelineChange, source: str) -> None:
    """Each impulse of a change: a known kind, a known target where it needs one, an amount in its declared
    range (`source` says which file or part of the config the change comes from)."""
    geo = load_geography()
    posts = (*geo.wilaya_ids, "centre")
    for impulse in change.impulses:
        where = f"The change '{change.label}' ({change.date}){source}"
        if impulse.kind not in IMPULSE_KINDS:
            raise ConfigError(f"{where} has an impulse of kind '{impulse.kind}'; the kinds are: "
                              f"{', '.join(IMPULSE_KINDS)}.")
        if impulse.kind == "leader_killed" and impulse.target not in posts:
            raise ConfigError(f"{where} kills the leader of '{impulse.target}'; the posts are: {', '.join(posts)}.")
        iraqi_areas = [a for a, inside in zip(geo.area_ids, geo.in_iraq, strict=True) if inside]
        if impulse.kind == "arrivals" and impulse.target not in iraqi_areas:
            raise ConfigError(f"{where} places arrivals in '{impulse.target}'; arrivals enter one of Iraq's areas: "
                              f"{', '.join(iraqi_areas)}.")
        unit, (low, high), meaning = IMPULSE_AMOUNTS[impulse.kind]
        if not low <= impulse.amount <= high:          # NaN fails every comparison
            raise ConfigError(f"{where} has an impulse '{impulse.kind}' of amount {_number(impulse.amount)}, outside "
                              f"its allowed range [{_number(low)}, {_number(high)}]{f' ({unit})' if unit else ''}: "
                              f"{meaning}.")


def _number(value: float) -> str:
    """A whole number with thousands separators, else as Python writes it (inf, nan, 0.5)."""
    return f"{int(value):,}" if math.isfinite(value) and value == int(value) else f"{value:g}"


def _change_source(change: TimelineChange, cfg: RunConfig) -> str:
    """Where a dated change was written, in words."""
    if change.origin == "history":
        return f" in scenarios/events/{cfg.history}.yaml"
    if change.origin == "scenario":
        return f" in the timeline of scenario {cfg.scenario.name} (scenarios/scenario/{cfg.scenario.name}.yaml)"
    return ""


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
