"""Defaults that several parts of the project share, in one place.

The command line, the Python API, the explorer, sweeps, sensitivity analyses,
calibration and the docs all start from these, so changing the baseline
scenario or the default seed is one edit.
"""

from __future__ import annotations

import dataclasses

# The scenario a command uses when none is named: the observed course continues.
BASELINE_SCENARIO = "baseline"
# The root seed of an ensemble when none is given (also the schema's default).
DEFAULT_SEED = 20240101
# The first full calendar year of forecast after the observed record ends (31 July 2026):
# the window in which scenarios are compared by default.
COMPARISON_WINDOW = ("2027-01-01", "2027-12-31")
# Replicates per combination of an attribution (`sim attribute`): 2^k combinations run, so fewer
# than a single run's; the bootstrap intervals say whether they were enough.
ATTRIBUTION_REPLICATES = 40
# The outcome an attribution splits when none is named.
ATTRIBUTION_OUTCOME = "attacks_per_month"


def settings_command(command: str, settings, leave_out: tuple[str, ...] = ()) -> str:
    """The command that makes the same numbers: `command` and every setting of the dataclass `settings` that
    differs from its default, except those in `leave_out` (settings that change only where or how it runs)."""
    default = type(settings)()
    given = [f"{f.name}={getattr(settings, f.name)}" for f in dataclasses.fields(settings)
             if f.name not in leave_out and getattr(default, f.name) != getattr(settings, f.name)]
    return " ".join([command, *given])
