"""`sim run --help`: the settings a run takes, with their defaults and meanings, on one screen.

Hydra's own help prints its banner and the whole composed config (hundreds of
lines) and says nothing of `out=`; this lists what a person sets. The defaults
are read from the composed baseline config, so the help cannot drift from
what a run does. `show=config` prints the composed config itself.
"""

from __future__ import annotations

import dataclasses
import textwrap

from sim.config.determinants import DETERMINANTS
from sim.config.load import compose_overrides
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO

# The settings of a run, in the order a person reaches for them. `out` and `show` are the command's own;
# the rest are fields of the run's config (their meaning is the schema's).
SETTINGS = ("scenario", "out", "replicates", "seed", "workers", "end", "branch_date", "parameters", "history",
            "start", "executor", "scheduler", "progress", "plots", "show")
OWN = {
    "scenario": (BASELINE_SCENARIO, "the named scenario (`sim list` shows each, with what it changes)"),
    "out": ("", "the run's folder, new or empty (default outputs/<scenario>/<date-time>)"),
    "show": ("", "'config': print the composed config and stop, running nothing"),
}
WIDTH = 100


def run_help() -> str:
    """The help of `sim run`: usage, what a run writes and prints, every setting with default and meaning."""
    defaults = compose_overrides([])
    meanings = {f.name: f.metadata.get("help", "") for f in dataclasses.fields(RunConfig)}
    lines = ["usage: sim run [KEY=VALUE...]        (sim -m KEY=A,B ... runs every combination)", "",
             textwrap.fill("Run an ensemble of one scenario: seeded replicates from the start date through the "
                           "observed record to the branch date, then the scenario's forecast. Prints the forecast "
                           "by year and the observed years against the record; writes tables, figures, "
                           "summary.json and a manifest into out=DIR.", WIDTH), "", "Settings (KEY=DEFAULT, meaning):"]
    for key in SETTINGS:
        default, meaning = OWN[key] if key in OWN else (_shown(getattr(defaults, key)), meanings.get(key, ""))
        lines.append(_setting_line(key, default, meaning))
    lines += ["", *textwrap.wrap(
        f"Determinant levels, from the branch date: GROUP=LEVEL with GROUP one of {', '.join(DETERMINANTS)} "
        "(`sim list` shows the levels). Any parameter: model.SECTION.NAME=VALUE (in force from the start date, so "
        "the observed years change too) or branch.SECTION.NAME=VALUE (from the branch date); docs/parameters.md "
        "lists them with units and ranges. Hydra's own options: --hydra-help.", WIDTH)]
    return "\n".join(lines)


def _setting_line(key: str, default: str, meaning: str) -> str:
    """'  key=default   meaning' on one line."""
    return f"{f'  {key}={default}':<26} {meaning}"


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
