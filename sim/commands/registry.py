"""Every subcommand of `sim`: the module and function that run it, and what Ctrl-C leaves behind.

A new command is a module under sim/commands/ (its settings as a grammar
`Command`, sim/commands/grammar.py, and a function that takes the arguments
after the command's name) and one entry here; `sim` dispatches by this table
and nothing else needs to know the command's name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

# What Ctrl-C leaves behind (what the same command does next), shared by several commands.
RESUMES = ("interrupted. The finished replicates are kept in the folder, which is not marked complete; the same "
           "command finishes it (interrupted before its folder was made, nothing was written).")
ONLY_READ = "interrupted. The runs were only read, and nothing was written."


@dataclass(frozen=True)
class Subcommand:
    """Where a subcommand's code lives (sim/commands/MODULE.py, FUNCTION(args)) and what an interruption
    of it leaves behind, in one sentence."""

    module: str
    function: str
    interrupted: str


COMMANDS = {
    "run": Subcommand("run", "run_command", RESUMES),
    "list": Subcommand("listing", "list_command", "interrupted."),
    "compare": Subcommand("records", "compare_command", ONLY_READ),
    "report": Subcommand("records", "report_command", ONLY_READ),
    "attribute": Subcommand("sweeps", "attribute_command", RESUMES),
    "reproduce": Subcommand("records", "reproduce_command",
                            "interrupted. The run was only read, and nothing was written; `sim reproduce` starts its "
                            "check again from the beginning."),
    "sweep": Subcommand("sweeps", "sweep_command", RESUMES),
    "sensitivity": Subcommand("sweeps", "sensitivity_command", RESUMES),
    "calibrate": Subcommand("calibration", "calibrate_command",
                            "interrupted. A fit writes its posterior only at the end, so nothing was written; run it "
                            "again."),
    "backtest": Subcommand("calibration", "backtest_command",
                           "interrupted. A backtest does not resume: what it had written was removed; run it again."),
    "validate": Subcommand("calibration", "validate_command",
                           "interrupted. A report writes its table and figure only at the end; run it again."),
    "retrodict": Subcommand("retrodict", "retrodict_command",
                            "interrupted. A retrodiction writes its files only at the end, so nothing was written; "
                            "run it again."),
    "explore": Subcommand("explore", "explore_command", "the explorer has stopped."),
}
SUBCOMMANDS = tuple(COMMANDS)


def command_function(name: str) -> Callable[[list[str]], None]:
    """The function that runs subcommand `name`. Its module is imported only now: importing every command's
    module (and with them the model, pandas, matplotlib and Hydra) takes about 2.7 s, where `sim --help`
    takes 0.5 s in all (`python -X importtime`, and /usr/bin/time on `sim --help`)."""
    entry = COMMANDS[name]
    return getattr(importlib.import_module(f"sim.commands.{entry.module}"), entry.function)


def interrupted_message(name: str) -> str:
    """What Ctrl-C left behind for command `name` (a bare 'interrupted.' for an unknown one)."""
    entry = COMMANDS.get(name)
    return entry.interrupted if entry else "interrupted."
