"""What matters most: every determinant's other levels, one at a time, against the current choices.

For each determinant, each level other than the chosen one is set from the
branch date with everything else kept, and run with the same seed and
replicates as the current choices: the runs share their chance events wherever
their mechanisms agree (common random numbers), so each effect is a paired
difference with a narrow interval. Effects are read over the comparison window
(the first full forecast year, sim/defaults.py). A level that leaves every
parameter on every date as the current choices have it (the level the history
already reached, say) changes nothing, and is not run.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.runs.result import EnsembleResult
from sim.config.determinants import DECLARATIONS, DETERMINANTS
from sim.config.load import list_levels
from sim.config.paths import with_params
from sim.config.schema import RunConfig
from sim.defaults import COMPARISON_WINDOW
from sim.analysis import contrast
from sim.explore import batch, reasons
from sim.explore.choices import Choices, compose_choices, uncomposed
from sim.explore.explain import level_label, period_words
from sim.explore.shelf import OWN_CHANGES, entry_of

CURRENT = "current"


@dataclass(frozen=True)
class Effect:
    """One level of one determinant against the current choices (B: the level; A: the current choices)."""

    group: str
    level: str
    is_current: bool               # the level the current choices have
    same_course: bool              # sets every parameter on every date as the current choices do
    contrast: contrast.Contrast | None
    reason: reasons.Reason | None = None     # the mechanism that moved with the difference

    @property
    def difference(self) -> float:
        return 0.0 if self.contrast is None else self.contrast.difference


@dataclass(frozen=True)
class Importance:
    """The answer to "what matters most?" for one set of choices."""

    name: str
    choices: Choices
    window: tuple[str, str]
    replicates: int
    seed: int
    end: str
    current_rates: np.ndarray      # each replicate's attacks a month in the window, current choices
    effects: tuple[Effect, ...]

    def strongest(self, group: str) -> Effect:
        """The determinant's level that moves attacks the most (its current level when none does)."""
        own = [e for e in self.effects if e.group == group]
        return max(own, key=lambda e: (abs(e.difference), not e.is_current))

    def ranking(self) -> list[Effect]:
        """Each determinant's strongest level, the determinant that matters most first."""
        return sorted((self.strongest(g) for g in dict.fromkeys(e.group for e in self.effects)),
                      key=lambda e: -abs(e.difference))


def horizon_end(choices: Choices) -> str:
    """The end of the runs: the comparison window's, unless the scenario's own changes come later."""
    cfg = choices.config()
    later = [c.date for c in cfg.changes if c.origin in OWN_CHANGES and c.date > COMPARISON_WINDOW[1]]
    return cfg.end if later else COMPARISON_WINDOW[1]


def options() -> list[tuple[str, str]]:
    """Every (determinant, level) pair, in the determinants' order."""
    levels = list_levels()
    return [(group, lv.name) for group in DETERMINANTS for lv in levels[group]]


def configs(choices: Choices, replicates: int) -> dict[tuple[str, str], RunConfig]:
    """The current choices' config (key CURRENT) and one per other level, all composed at once."""
    end, current = horizon_end(choices), dict(choices.levels)
    keys = [(CURRENT, CURRENT)] + [(g, lv) for g, lv in options() if current[g] != lv]
    variants = [choices] + [choices.with_level(g, lv) for g, lv in keys[1:]]
    composed = compose_choices([(v.scenario, v.overrides(end, replicates)) for v in variants])
    return dict(zip(keys, composed, strict=True))


def course(cfg: RunConfig) -> dict[str, tuple]:
    """The parameters in force from each change date on, and that date's one-off events."""
    params, out = cfg.model, {}
    for date, group in itertools.groupby(sorted(cfg.changes, key=lambda c: c.date), key=lambda c: c.date):
        changes = list(group)
        for c in changes:
            params = with_params(params, c.params)
        out[date] = (params, tuple(i for c in changes for i in c.impulses))
    return out


def same_course(a: RunConfig, b: RunConfig) -> bool:
    """True when two configs set every parameter on every date alike and have the same one-off events,
    so that, run with the same seed, they give the same numbers."""
    if (a.model, a.start, a.end, a.seed, a.replicates, a.parameters) != (
            b.model, b.start, b.end, b.seed, b.replicates, b.parameters):
        return False
    course_a, course_b = course(a), course(b)
    in_force_a = in_force_b = (a.model, ())
    for date in sorted(set(course_a) | set(course_b)):
        in_force_a = course_a.get(date, (in_force_a[0], ()))      # no change that day: no one-off events
        in_force_b = course_b.get(date, (in_force_b[0], ()))
        if in_force_a != in_force_b:
            return False
    return True


def plan(choices: Choices, replicates: int) -> tuple[dict[tuple[str, str], RunConfig], set[tuple[str, str]]]:
    """The configs to run, and the levels that need no run because they change nothing."""
    all_configs = configs(choices, replicates)
    current = all_configs[(CURRENT, CURRENT)]
    idle = {key for key, cfg in all_configs.items() if key != (CURRENT, CURRENT) and same_course(current, cfg)}
    return {k: c for k, c in all_configs.items() if k not in idle}, idle


def run_importance(choices: Choices, replicates: int, workers: int, reference_rate: float,
                   on_progress: Callable[[batch.Progress], None] = lambda progress: None) -> Importance:
    """Run the current choices and every other level one at a time; the effects over the comparison window."""
    to_run, idle = plan(choices, replicates)
    runs = batch.run_ensembles(to_run, workers, on_progress)
    entries = {key: entry_of(EnsembleResult(cfg, runs[key]), "", {}, reference_rate) for key, cfg in to_run.items()}
    current = entries[(CURRENT, CURRENT)]
    chosen = dict(choices.levels)
    effects = []
    months = current.month_indices(*current.window)
    for group, level in options():
        key = (group, level)
        run = entries.get(key)
        measured = None if run is None else contrast.paired(current.months, current.attacks, run.months,
                                                             run.attacks, *current.window)
        why = None if measured is None else reasons.reason(current.records, run.records, months, measured.difference)
        effects.append(Effect(group, level, chosen[group] == level, key in idle, measured, why))
    cfg = to_run[(CURRENT, CURRENT)]
    return Importance(choices.name, choices, current.window, replicates, cfg.seed, cfg.end,
                      current.window_rates, tuple(effects))


def estimate_s(choices: Choices, replicates: int, workers: int) -> float:
    """At most how long `run_importance` should take here: composing every variant, then running them
    (levels that change nothing are not run, but finding them means composing every config, too slow
    for an estimate)."""
    end = horizon_end(choices)
    cfg = choices.config(end=end, replicates=replicates)
    others = [choices.with_level(g, lv) for g, lv in options() if dict(choices.levels)[g] != lv]
    variants = 1 + len(others)
    composing = batch.RATE.compose_s * uncomposed([(v.scenario, v.overrides(end, replicates)) for v in others])
    return composing + batch.RATE.estimate_s(variants * batch.replicate_years([cfg]), workers)


def _effect_words(e: Effect, than: str = "") -> str:
    level = level_label(e.group, e.level)
    return f"set to *{level}*, {contrast.amount_words(e.contrast, than)}"


def _why(e: Effect) -> str:
    """The effect's reason as a sentence, and where the model's description explains it."""
    if e.reason is None:
        return ""
    return f" {e.reason.linked()}"


def describe(result: Importance) -> str:
    """The answer in plain words (Markdown): which determinant matters most, by how much, and the rest."""
    period = period_words(*result.window)
    ranking = [e for e in result.ranking() if e.contrast is not None]
    median = float(np.median(result.current_rates))
    head = (f"With your choices (**{result.name}**) the model gives a median of {median:.1f} attacks a month "
            f"{period} over {result.replicates} runs (seed {result.seed}).")
    if not ranking:
        return head + " No other level changes anything here."
    top = ranking[0]
    relative = top.contrast.relative
    share = f", {abs(relative):.0%} {'more' if relative > 0 else 'fewer'} than now" if relative is not None else ""
    lines = [head, f"**{DECLARATIONS[top.group].title} matters most {period}**: "
                   f"{_effect_words(top, 'with your choices')}{share}; {contrast.certainty_words(top.contrast)}."
                   f"{_why(top)}"]
    if len(ranking) > 1 and _overlap(top, ranking[1]):
        lines.append(f"Close behind: **{DECLARATIONS[ranking[1].group].title}** (the two intervals overlap, so "
                     "run more replicates to tell them apart).")
    lines.append("\n".join(f"{k}. **{DECLARATIONS[e.group].title}**: {_effect_words(e)}.{_why(e)}"
                           for k, e in enumerate(ranking, start=1)))
    lines.append(f"Each level was set from the branch date with everything else as you chose, and run with the "
                 f"same {result.replicates} replicates (seed {result.seed}), so each difference comes from the "
                 "choice, not from luck (common random numbers).")
    return "\n\n".join(lines)


def _size_interval(e: Effect) -> tuple[float, float]:
    """The interval of the effect's size (its absolute value, signed as its estimate)."""
    c = e.contrast
    return (c.low, c.high) if c.difference >= 0 else (-c.high, -c.low)


def _overlap(a: Effect, b: Effect) -> bool:
    (alow, ahigh), (blow, bhigh) = _size_interval(a), _size_interval(b)
    return alow <= bhigh and blow <= ahigh


def is_for(result: Importance, choices: Choices) -> bool:
    """True when the answer was computed for these choices (seed and levels; the end plays no part)."""
    return dataclasses.replace(result.choices, end=None) == dataclasses.replace(choices, end=None)
