"""From what a student picks on the page to validated run configs, through the project's own Hydra.

A scenario picks one level of each determinant; the page shows those choices
and lets the student change any of them, the horizon and the seed. The result
is the config `sim run scenario=NAME GROUP=LEVEL ... end=... seed=...` would
use: the observed history up to the branch date, then the chosen levels.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from functools import lru_cache


from sim.config.errors import ConfigError
from sim.config.determinants import DETERMINANTS
from sim.config.load import compose_checked, compose_many, hydra_session, list_levels, list_scenarios
from sim.config.schema import RunConfig
from sim.config.validate import validate
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW
from sim.explore.explain import choices_name, level_label
from sim.explore.limits import check_offered

BASELINE = BASELINE_SCENARIO
# Page sessions compose from several threads; they take turns with the caches of what they composed.
_HYDRA = threading.Lock()
_COMPOSED: dict[tuple[str, tuple[str, ...]], RunConfig] = {}
_COMPOSED_KEPT = 256
_HISTORIES: dict[str, RunConfig] = {}
HISTORY = "history"
# Overrides that leave the observed history alone: the determinants' levels (from the branch date) and
# the run's settings.
# `parameters` is not joinable: parameters=posterior is checked against the model values of the whole
# composition, which the scenario's own part (history=none) does not carry.
JOINABLE = frozenset(DETERMINANTS) | {"end", "seed", "replicates"}
SEED_BOUNDS = next(f.metadata["bounds"] for f in dataclasses.fields(RunConfig) if f.name == "seed")


@lru_cache(maxsize=64)
def scenario_levels(name: str) -> dict[str, str]:
    """The level the named scenario picks for each determinant (Hydra's own record of its choices)."""
    with hydra_session():
        cfg = compose_checked([f"scenario={name}"])
    choices = cfg.hydra.runtime.choices
    return {group: str(choices[group]) for group in DETERMINANTS}


def changes(name: str, levels: dict[str, str]) -> dict[str, str]:
    """The determinants set differently from the scenario's own choice, in the determinants' order."""
    own = scenario_levels(name)
    return {group: levels[group] for group in DETERMINANTS if group in levels and own.get(group) != levels[group]}


def horizon_ends() -> list[str]:
    """Ends the page offers: 31 December of each year from the comparison window's (results are read
    there) to the default horizon's."""
    first, last = int(COMPARISON_WINDOW[1][:4]), int(RunConfig().end[:4])
    return [f"{year}-12-31" for year in range(first, max(first, last) + 1)]


@dataclasses.dataclass(frozen=True)
class Choices:
    """What the student has picked in the side panel: a scenario, a level for each determinant,
    and (when not the defaults) the end of the horizon and the seed."""

    scenario: str
    levels: tuple[tuple[str, str], ...]
    end: str | None = None
    seed: int | None = None

    @classmethod
    def of(cls, scenario: str, end: str | None = None, seed: int | None = None) -> Choices:
        check_offered(scenario, [s.name for s in list_scenarios()], "the scenario")
        return cls(scenario, tuple(scenario_levels(scenario).items()), end, seed)

    def check(self) -> Choices:
        """These choices, once every value the page sent is found among those it offers (a ConfigError else):
        the browser can send anything, and an end in the year 3000 would run for hours."""
        check_offered(self.scenario, [s.name for s in list_scenarios()], "the scenario")
        offered = list_levels()
        for group, level in self.levels:
            check_offered(group, DETERMINANTS, "the determinant")
            check_offered(level, [lv.name for lv in offered[group]], f"the {group} level")
        if self.end is not None:
            check_offered(self.end, horizon_ends(), "the end of the runs")
        low, high = SEED_BOUNDS
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not low <= self.seed <= high):
            raise ConfigError(f"The page sent the seed {self.seed!r}; a seed is a whole number from {low} to {high}.")
        return self

    @property
    def changed(self) -> dict[str, str]:
        return changes(self.scenario, dict(self.levels))

    @property
    def name(self) -> str:
        """The choices in a few words, as every result is labelled."""
        return choices_name(self.scenario, self.changed)

    def with_level(self, group: str, level: str) -> Choices:
        return dataclasses.replace(self, levels=tuple((g, level if g == group else v) for g, v in self.levels))

    def overrides(self, end: str | None = None, replicates: int | None = None) -> tuple[str, ...]:
        """The command-line overrides that give these choices (`end` replaces the chosen end)."""
        out = [f"{group}={level}" for group, level in self.changed.items()]
        settings = (("end", end or self.end), ("seed", self.seed), ("replicates", replicates))
        return tuple(out + [f"{key}={value}" for key, value in settings if value is not None])

    def config(self, end: str | None = None, replicates: int | None = None) -> RunConfig:
        return compose_choices([(self.check().scenario, self.overrides(end, replicates))])[0]

    def command(self, cfg: RunConfig) -> str:
        changed = [f"{g}={v}" for g, v in self.changed.items()]
        return " ".join(["sim run", f"scenario={self.scenario}", *changed, f"end={cfg.end}", f"seed={cfg.seed}"])


def explorer_config(name: str, levels: dict[str, str], end: str | None = None, seed: int | None = None,
                    replicates: int | None = None) -> RunConfig:
    """The validated config for a scenario with the page's choices; the description names the changes."""
    return Choices(name, tuple(levels.items()), end, seed).config(replicates=replicates)


def compose_choices(items: Sequence[tuple[str, Sequence[str]]]) -> list[RunConfig]:
    """Validated configs for (scenario, overrides) pairs, as `sim run scenario=NAME OVERRIDES...` composes
    them; a changed determinant is named in the scenario's description.

    Resolving the observed history is most of the cost of composing a config (a second or more), and
    the page composes many that share it: the "what matters most" question alone needs one per level.
    So each scenario is composed in full once; a variant that changes only determinants and run
    settings (`JOINABLE`) composes only the scenario's own part (`history=none`, branching on the same
    date) and is joined to that history (`joined`). Any other override is composed in full.
    """
    keys = [(name, tuple(overrides)) for name, overrides in items]
    with _HYDRA:
        missing = list(dict.fromkeys(k for k in keys if k not in _COMPOSED))
        new_names = list(dict.fromkeys(name for name, _ in missing if name not in _HISTORIES))
        _HISTORIES.update(zip(new_names, compose_many([[f"scenario={name}"] for name in new_names]), strict=True))
        fast = [k for k in missing if _joinable(k[1], _HISTORIES[k[0]])]
        full = [k for k in missing if k not in fast]
        own = compose_many([[f"scenario={name}", *overrides, "history=none",
                             f"branch_date={_HISTORIES[name].branch_date}"] for name, overrides in fast])
        composed = [joined(_HISTORIES[name], cfg) for (name, _), cfg in zip(fast, own, strict=True)]
        composed += compose_many([[f"scenario={name}", *overrides] for name, overrides in full])
        if len(_COMPOSED) + len(missing) > _COMPOSED_KEPT:
            _COMPOSED.clear()
        for key, cfg in zip(fast + full, composed, strict=True):
            _COMPOSED[key] = _noted(cfg, key[1])
        return [_COMPOSED[k] for k in keys]


def uncomposed(items: Sequence[tuple[str, Sequence[str]]]) -> int:
    """How many of the (scenario, overrides) pairs `compose_choices` has not composed yet."""
    with _HYDRA:
        return sum(1 for name, overrides in items if (name, tuple(overrides)) not in _COMPOSED)


def _joinable(overrides: tuple[str, ...], history: RunConfig) -> bool:
    """True when the overrides leave the observed history as the scenario's full composition has it."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key not in JOINABLE and not (key == "start" and value == history.start):
            return False
    return True


def joined(history: RunConfig, own: RunConfig) -> RunConfig:
    """A scenario's own composition (`history=none`) on the observed history of its full composition:
    the start, the state on the start date and the dated changes before the branch, in the order
    resolving gives them (by date; the history first on a shared date)."""
    changes = [c for c in history.changes if c.origin == HISTORY] + [c for c in own.changes if c.origin != HISTORY]
    return validate(dataclasses.replace(own, history=history.history, observed_through=history.observed_through,
                                        start=history.start, model=history.model,
                                        changes=sorted(changes, key=lambda c: c.date)))


def _noted(cfg: RunConfig, overrides: tuple[str, ...]) -> RunConfig:
    changed = [o.split("=", 1) for o in overrides if o.split("=", 1)[0] in DETERMINANTS]
    if not changed:
        return cfg
    note = "Changed in the explorer: " + "; ".join(f"{g} set to {level_label(g, v)} ({v})" for g, v in changed) + "."
    scenario = dataclasses.replace(cfg.scenario, description=f"{cfg.scenario.description} {note}".strip())
    return dataclasses.replace(cfg, scenario=scenario)


def baseline_for(cfg: RunConfig) -> RunConfig:
    """The baseline scenario over the same history, horizon, seed, replicate count and parameters, to compare
    against (a baseline on another history would start from another state)."""
    overrides = (f"history={cfg.history}", f"start={cfg.start}", f"end={cfg.end}", f"seed={cfg.seed}",
                 f"replicates={cfg.replicates}", f"parameters={cfg.parameters}")
    return compose_choices([(BASELINE, overrides)])[0]


def same_experiment(a: RunConfig, b: RunConfig) -> bool:
    """True when two configs would compute the same numbers (names and descriptions aside)."""
    return ((a.model, a.changes, a.start, a.end, a.seed, a.replicates, a.parameters)
            == (b.model, b.changes, b.start, b.end, b.seed, b.replicates, b.parameters))
