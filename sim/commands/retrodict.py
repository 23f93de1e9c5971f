"""`sim retrodict`: the 2011-withdrawal history run through 2012-2014 and compared with the record of those years."""

from __future__ import annotations

from pathlib import Path

from sim.commands.calibration import OutputSettings, checked_settings
from sim.commands.grammar import Command
from sim.commands.outputs import output_folder, write_into_new
from sim.runs.executors import ExecutionSettings
from sim.validation.retrodiction import FILES, RetrodictionSettings, retrodict, write

RETRODICT = Command(
    "retrodict", "sim retrodict [KEY=VALUE...]",
    "Run the history of the 2011 withdrawal (the state on 1 January 2012 and the dated changes to the end of "
    "2014) with the model's rules and fitted rates, and compare it with the record of 2012-2014, which was "
    "never fitted: growth from 2012 to 2013 and 2013 to 2014 against Iraq Body Count's civilian deaths and the "
    "car bombs counted, and the month territorial control first appears against the falls of Fallujah and "
    "Mosul. Writes replicates.csv, monthly.csv, retrodiction.png, summary.yaml and summary.md.",
    (RetrodictionSettings, ExecutionSettings, OutputSettings))


def retrodict_command(args: list[str]) -> None:
    """Check every setting and the folder, run, then write all the files or none."""
    settings, execution, output = checked_settings(RETRODICT, args, RetrodictionSettings)
    given = output_folder(output.out, "retrodict", FILES, output.force)
    result = retrodict(settings, execution, progress=not output.quiet)
    out = write_into_new(given, Path("outputs/retrodict"), FILES, lambda folder: write(result, folder))
    print((out / "summary.md").read_text(encoding="utf-8"))
    print(f"written to {out}")
