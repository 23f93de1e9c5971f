"""The observed history's dated changes by name, and a run's config with one of them left out.

What a run's figures owe to one recorded event is measured by running without it, all else the same
(tools/history_effects.py). A change is named by its date, with a letter after it where several fall on
one day (2020-01-05a, 2020-01-05b, in the order of the events file): short to type, and stable while the
file keeps its dates and its order.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from string import ascii_lowercase

from sim.config.errors import ConfigError
from sim.config.schema import RunConfig, TimelineChange


def history_change_ids(cfg: RunConfig) -> dict[str, TimelineChange]:
    """The observed history's changes of a resolved config by name, in date order."""
    history = [c for c in cfg.changes if c.origin == "history"]
    per_day = Counter(c.date for c in history)
    seen: Counter = Counter()
    named = {}
    for change in history:
        suffix = ascii_lowercase[seen[change.date]] if per_day[change.date] > 1 else ""
        seen[change.date] += 1
        named[change.date + suffix] = change
    return named


def without_history_change(cfg: RunConfig, change_id: str) -> RunConfig:
    """`cfg` (resolved) with the history's change `change_id` left out and every other change kept as it is."""
    named = history_change_ids(cfg)
    if change_id not in named:
        listed = ", ".join(named) or "none (the config follows no history, or is not resolved)"
        raise ConfigError(f"'{change_id}' names no dated change of the history '{cfg.history}'; a change is named "
                          f"by its date, with a letter where several share the day. The changes are: {listed}.")
    dropped = named[change_id]
    return dataclasses.replace(cfg, changes=[c for c in cfg.changes if c is not dropped])
