"""The page's state in its address: the choices, the tab, the replicate counts and the shelf's selection.

Everything a student would want to send to someone else, or get back after a reload, is in the query
string (`?scenario=full_exit&syria=collapse&tab=ensemble&show=2`): Solara's router keeps it in the
browser's history, so back, forward and reload restore it. Only what differs from the defaults is
written. A value the page cannot use (a scenario that does not exist, a seed out of range) is left
out, and the page says what was wrong and what is allowed instead of failing.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlencode

from sim.config.determinants import DETERMINANTS
from sim.config.load import list_levels, list_scenarios
from sim.config.schema import RunConfig
from sim.explore.choices import BASELINE, Choices, horizon_ends, scenario_levels

TABS = ("watch", "ensemble", "importance")
ENSEMBLE_REPLICATES = (10, 20, 30, 40)
IMPORTANCE_REPLICATES = (10, 20, 40)
SEED_BOUNDS = RunConfig.__dataclass_fields__["seed"].metadata.get("bounds", (0, 2**63 - 1))


@dataclasses.dataclass(frozen=True)
class PageState:
    """What the address holds. `levels` are the determinants changed from the scenario's own choices."""

    scenario: str = BASELINE
    levels: tuple[tuple[str, str], ...] = ()
    end: str | None = None
    seed: int | None = None
    tab: str = "watch"
    replicates: int = 30
    variant_replicates: int = 20
    show: int | None = None                 # the shelf entry on show (None: the newest)
    compare: tuple[int, int] | None = None  # the two shelf entries set side by side
    window: str = ""                        # the period a result is read over ("": the comparison window)
    running: str = ""                       # the kind of run this page started and has not seen finish

    @property
    def choices(self) -> Choices:
        chosen = Choices.of(self.scenario, self.end, self.seed)
        for group, level in self.levels:
            chosen = chosen.with_level(group, level)
        return chosen

    def with_choices(self, choices: Choices) -> PageState:
        return dataclasses.replace(self, scenario=choices.scenario, levels=tuple(choices.changed.items()),
                                   end=choices.end, seed=choices.seed)


DEFAULT = PageState()


def to_query(state: PageState) -> str:
    """The query string of a state: only what differs from the defaults, in a fixed order."""
    pairs = []
    if state.scenario != DEFAULT.scenario:
        pairs.append(("scenario", state.scenario))
    pairs += list(state.levels)
    for key in ("end", "seed", "tab", "replicates", "variant_replicates", "show", "window", "running"):
        value = getattr(state, key)
        if value != getattr(DEFAULT, key) and value is not None:
            pairs.append((key, str(value)))
    if state.compare is not None:
        pairs.append(("compare", f"{state.compare[0]},{state.compare[1]}"))
    return urlencode(pairs)


def from_query(search: str | None) -> tuple[PageState, list[str]]:
    """The state a query string asks for, and a sentence for each value left out (what was wrong, what is
    allowed)."""
    problems: list[str] = []
    values = dict(parse_qsl(search or "", keep_blank_values=True))
    scenarios = [s.name for s in list_scenarios()]
    scenario = values.pop("scenario", BASELINE)
    if scenario not in scenarios:
        problems.append(f"The address names the scenario '{scenario}', which does not exist; showing the baseline. "
                        f"Scenarios: {', '.join(scenarios)}.")
        scenario = BASELINE
    own = scenario_levels(scenario)
    levels = []
    for group in DETERMINANTS:
        if group not in values:
            continue
        level = values.pop(group)
        allowed = [lv.name for lv in list_levels()[group]]
        if level not in allowed:
            problems.append(f"The address sets {group} to '{level}', which is not one of its levels "
                            f"({', '.join(allowed)}); the scenario's own level is kept.")
        elif level != own[group]:
            levels.append((group, level))
    state = PageState(scenario, tuple(levels))
    state = _setting(state, values, problems)
    for key in values:
        problems.append(f"The address holds '{key}', which the page does not use; it was ignored.")
    return state, problems


def _setting(state: PageState, values: dict[str, str], problems: list[str]) -> PageState:
    """The settings besides the choices, each checked against what the page offers."""
    checks = {
        "end": (lambda v: v if v in horizon_ends() else None, f"one of {', '.join(horizon_ends())}"),
        "seed": (lambda v: _int_in(v, *SEED_BOUNDS), f"a whole number from {SEED_BOUNDS[0]} to {SEED_BOUNDS[1]}"),
        "tab": (lambda v: v if v in TABS else None, f"one of {', '.join(TABS)}"),
        "replicates": (lambda v: _int_among(v, ENSEMBLE_REPLICATES), f"one of {ENSEMBLE_REPLICATES}"),
        "variant_replicates": (lambda v: _int_among(v, IMPORTANCE_REPLICATES), f"one of {IMPORTANCE_REPLICATES}"),
        "show": (lambda v: _int_in(v, 1, 10**9), "a result's number on the shelf"),
        "compare": (_pair, "two results' numbers, such as 1,2"),
        "window": (lambda v: v if v.isalnum() else None, "a year such as 2028, or all"),
        "running": (lambda v: v if v in ("ensemble", "importance") else None, "ensemble or importance"),
    }
    for key, (read, allowed) in checks.items():
        if key not in values:
            continue
        raw = values.pop(key)
        value = read(raw)
        if value is None:
            problems.append(f"The address sets {key} to '{raw}', which the page cannot use ({key} must be "
                            f"{allowed}); the default is kept.")
        else:
            state = dataclasses.replace(state, **{key: value})
    return state


def _int_in(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _int_among(text: str, allowed: tuple[int, ...]) -> int | None:
    value = _int_in(text, min(allowed), max(allowed))
    return value if value in allowed else None


def _pair(text: str) -> tuple[int, int] | None:
    parts = [_int_in(p, 1, 10**9) for p in text.split(",")]
    return (parts[0], parts[1]) if len(parts) == 2 and None not in parts else None
