"""A run's name and what it changes: its scenario plus every override, read from its resolved config.

`sim run scenario=full_exit syria=collapse relations=sanctions` is not the
full_exit scenario, and a title that says only "full_exit" misleads whoever
reads the figure. The name is the scenario plus each override
("full_exit + syria=collapse + relations=sanctions"), found by comparing the
run's config with its scenario composed afresh, so that a run made from the
Python API is named as one made on the command line. The comparison, not the
command typed, says what was run.
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass
from typing import Any

from hydra.core.singleton import Singleton

from sim.config.calibrated import model_parameters
from sim.config.determinants import DETERMINANTS
from sim.config.errors import ConfigError
from sim.config.load import compose_many, list_levels
from sim.config.paths import all_fields, read
from sim.config.schema import RunConfig

# Settings of the run itself that change what it computes (the seed and replicate count are shown apart).
RUN_SETTINGS = ("start", "end", "history", "branch_date", "parameters")
# Those that reach back before the branch date, into the years the model was fitted to.
FITTED_YEARS_SETTINGS = ("start", "history", "branch_date")
SEPARATOR = " + "


@dataclass(frozen=True)
class Override:
    """One way a run departs from its scenario, as a KEY=VALUE, with what it changes.

    `moves_fit`: it acts before the branch date (a model parameter holds from the start date; the start,
    the history or the branch date move the observed years), so the fitted years are no longer the fit's.
    """

    setting: str
    meaning: str
    moves_fit: bool = False


@dataclass(frozen=True)
class RunLabel:
    """What a run is called in every title, header and report, and what its overrides change."""

    scenario: str
    description: str
    overrides: tuple[Override, ...] = ()

    @property
    def name(self) -> str:
        """The scenario plus every override: 'full_exit + syria=collapse + relations=sanctions'."""
        return SEPARATOR.join([self.scenario, *(o.setting for o in self.overrides)])

    @property
    def full_description(self) -> str:
        """The scenario's own description, then what each override changes."""
        if not self.overrides:
            return self.description
        changes = "; ".join(f"{o.setting}: {o.meaning.rstrip('.')}" for o in self.overrides)
        return f"{self.description} Overrides: {changes}."

    def as_dict(self) -> dict:
        """The label as summary.json stores it."""
        return {"scenario": self.scenario, "name": self.name, "description": self.full_description,
                "scenario_description": self.description,
                "overrides": [dataclasses.asdict(o) for o in self.overrides]}


def wrapped(name: str, width: int) -> str:
    """A run name broken into lines (at spaces, never inside a KEY=VALUE) where it is wider than `width`."""
    return "\n".join(textwrap.wrap(name, width=width, break_long_words=False, break_on_hyphens=False))


def label_from_summary(summary: dict) -> RunLabel:
    """The label a run's summary.json stored (a record from before names were stored: the scenario alone)."""
    overrides = tuple(Override(**o) for o in summary.get("overrides", []))
    return RunLabel(summary["scenario"], summary.get("scenario_description", summary.get("description", "")),
                    overrides)


def run_label(cfg: RunConfig) -> RunLabel:
    """The run's scenario and every override, found by composing the scenario afresh and comparing.

    A scenario that cannot be composed (a config built by hand, or a scenario file since removed) is
    named alone: nothing is known to compare it with.
    """
    name = cfg.scenario.name
    try:
        [reference] = composed_apart([[f"scenario={name}"]])
        levels = level_overrides(cfg, reference)
        with_levels = composed_apart([[f"scenario={name}", *(o.setting for o in levels)]])[0] if levels else reference
    except ConfigError:
        return RunLabel(name, cfg.scenario.description)
    overrides = [*levels, *branch_overrides(cfg, with_levels), *model_overrides(cfg, reference),
                 *setting_overrides(cfg, reference)]
    if _scenario_changes(cfg) != _scenario_changes(reference):
        overrides.append(Override("timeline=changed", "the scenario's own dated changes differ from its file's"))
    return RunLabel(name, reference.scenario.description, tuple(overrides))


def composed_apart(override_lists: list[list[str]]) -> list[RunConfig]:
    """Configs composed without disturbing a Hydra app this may run inside (`sim run` names its run from
    within the app): composing re-initialises Hydra's global state, which would rename the app's next job
    and its log, so that state is put back afterwards."""
    state = Singleton.get_state()
    try:
        return compose_many(override_lists)
    finally:
        Singleton.set_state(state)


def setting_overrides(cfg: RunConfig, reference: RunConfig) -> list[Override]:
    """Start, end, history, branch date and parameter mode where they differ from the scenario's."""
    meaning = {f.name: f.metadata.get("help", "") for f in dataclasses.fields(RunConfig)}
    return [Override(f"{key}={getattr(cfg, key)}", f"{meaning[key]} (the scenario's: {getattr(reference, key)})",
                     key in FITTED_YEARS_SETTINGS)
            for key in RUN_SETTINGS if getattr(cfg, key) != getattr(reference, key)]


def level_overrides(cfg: RunConfig, reference: RunConfig) -> list[Override]:
    """Determinant levels chosen other than the scenario's, each with what the level represents."""
    branch = _branch(cfg)
    if branch is not None and branch.params and not branch.levels:
        return []       # a record that kept the branch's values but not its levels: its values are compared
    mine, theirs = branch.levels if branch else {}, _branch(reference).levels if _branch(reference) else {}
    comments = {group: {entry.name: entry.description for entry in entries}
                for group, entries in list_levels().items()}
    out = []
    for group in DETERMINANTS:
        level = mine.get(group, "as_observed")
        if level != theirs.get(group, "as_observed"):
            out.append(Override(f"{group}={level}", comments.get(group, {}).get(level, "")))
    return out


def branch_overrides(cfg: RunConfig, reference: RunConfig) -> list[Override]:
    """Raw branch values (branch.SECTION.NAME=VALUE) beyond what the chosen levels set."""
    mine = _branch(cfg).params if _branch(cfg) else {}
    theirs = _branch(reference).params if _branch(reference) else {}
    return [Override(f"branch.{path}={_shown(value)}",
                     f"{_help(path)}, from the branch date (the scenario's: "
                     f"{_shown(theirs[path]) if path in theirs else 'as observed'})")
            for path, value in sorted(mine.items()) if theirs.get(path) != value]


def model_overrides(cfg: RunConfig, reference: RunConfig) -> list[Override]:
    """Model parameters (model.SECTION.NAME=VALUE) other than the scenario's: in force from the start date."""
    calibrated = {p.path for p in model_parameters()}
    out = []
    for path in all_fields():
        value, was = read(cfg.model, path), read(reference.model, path)
        if value != was:
            fitted = "a calibrated parameter, " if path in calibrated else ""
            out.append(Override(f"model.{path}={_shown(value)}",
                                f"{_help(path)} ({fitted}the scenario's: {_shown(was)}; in force from the start "
                                "date, so the observed years change too)", moves_fit=True))
    return out


def _branch(cfg: RunConfig):
    return next((c for c in cfg.changes if c.origin == "branch"), None)


def _scenario_changes(cfg: RunConfig) -> list:
    return [(c.date, c.params) for c in cfg.changes if c.origin == "scenario"]


def _help(path: str) -> str:
    f = all_fields().get(path)
    return f.metadata.get("help", path) if f is not None else path


def _shown(value: Any) -> str:
    """A value as it would be typed: 0.008, true, a list or mapping shortened."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | dict):
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return str(value)
