"""`sim retrodict`: the 2011-withdrawal history run through 2012-2014 and compared with the record of those years."""

from __future__ import annotations

from pathlib import Path

from sim.commands.calibration import OutputSettings
from sim.commands.grammar import Command, parse
from sim.commands.outputs import all_or_nothing, output_folder, remove_if_empty
from sim.config.errors import ConfigError
from sim.runs.executors import ExecutionSettings
from sim.runs.folders import new_folder
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
    parsed = parse(RETRODICT, args)
    if parsed.positional:
        raise ConfigError(f"`sim retrodict` takes no names ({' '.join(parsed.positional)}); write settings as "
                          f"KEY=VALUE: {RETRODICT.usage}.")
    settings, execution = parsed.setting(RetrodictionSettings), parsed.setting(ExecutionSettings)
    output = parsed.setting(OutputSettings)
    settings.check()
    execution.check()
    given = output_folder(output.out, "retrodict", FILES, output.force)
    result = retrodict(settings, execution, progress=not output.quiet)
    out = given or new_folder(Path("outputs/retrodict"))
    try:
        with all_or_nothing(out, FILES):
            write(result, out)
    except BaseException:
        if not given:
            remove_if_empty(out)           # the folder made for this run, left with nothing in it
        raise
    print((out / "summary.md").read_text(encoding="utf-8"))
    print(f"written to {out}")
