"""`sim list`: the observed history, every scenario with what it changes, and every determinant level."""

from __future__ import annotations

import textwrap

from sim.config.errors import ConfigError
from sim.config.load import list_levels, scan_scenarios, scenario_timeline


def list_command(args: list[str] = ()) -> None:
    """`sim list`: the observed history, every scenario with what it changes, and every determinant level.

    A scenario file that cannot be read or composed is left out of the list and named at the end (exit 2)."""
    if any(arg in ("-h", "--help") for arg in args):
        print("usage: sim list\n\nThe observed history, every scenario with what it changes from its branch date, "
              "and every\ndeterminant level. It takes no settings.")
        return
    if args:
        raise ConfigError(f"`sim list` takes no arguments (given: {' '.join(args)}).")
    history = scenario_timeline(None)
    print(f"The observed history (every scenario follows it to {history.observed_through}, then branches):\n")
    for change in history.changes:
        print(textwrap.indent(textwrap.fill(_change_line(change), width=92, subsequent_indent="      "), "  "))
    print("\nScenarios (sim run scenario=NAME), with what each changes from the branch on:\n")
    entries, problems = scan_scenarios()
    for entry in entries:
        try:
            changes = scenario_timeline(entry.name).changes
        except ConfigError as err:
            problems[entry.name] = str(err)
            continue
        print(f"  {entry.name}")
        print(textwrap.indent(textwrap.fill(entry.description, width=92), "      "))
        for change in changes:
            print(textwrap.indent(textwrap.fill(_change_line(change), width=88, subsequent_indent="    "), "      "))
        print()
    print("Determinant levels (sim run GROUP=LEVEL):\n")
    for group, levels in list_levels().items():
        print(f"  {group}")
        for level in levels:
            print(textwrap.indent(textwrap.fill(f"{level.name}: {level.description}", width=92,
                                                subsequent_indent="    "), "      "))
        print()
    if problems:
        raise ConfigError(f"{len(problems)} scenario file(s) could not be used and are not listed above (`sim run "
                          "scenario=NAME` gives the whole message): "
                          + " ".join(f"{name}: {textwrap.shorten(problem, 180)}" for name, problem in
                                     sorted(problems.items())))


def _change_line(change) -> str:
    """One dated change in words: its date, label, levels and raw parameters, and whether it is estimated."""
    parts = [f"{change.date}  {change.label}"]
    if change.origin != "branch" and change.levels:
        parts.append("(" + ", ".join(f"{g}={lvl}" for g, lvl in change.levels.items()) + ")")
    elif change.origin != "branch" and change.params:
        parts.append("(" + ", ".join(change.params) + ")")
    if change.estimated:
        parts.append("[estimated]")
    return " ".join(parts)
