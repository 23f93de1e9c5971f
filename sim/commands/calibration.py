"""Commands that fit the model and check it: `sim calibrate`, `sim backtest`, `sim validate`."""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from sim.commands.grammar import HELP_WIDTH, Command, key_value, parse, refuse_repeated, setting_line, wants_help
from sim.commands.outputs import FORCE_HELP, all_or_nothing, emptied_on_failure, output_folder, refuse_record
from sim.config.errors import ConfigError
from sim.config.posterior import CSV_NAME, META_NAME
from sim.runs.executors import ExecutionSettings
from sim.runs.folders import new_folder

# The fitting, the backtest and the validation reports are imported inside the commands that run them: at the
# top they made `import sim.commands.calibration` take 2.3 s instead of 1.3 s (measured on a shared two-core
# machine), which every `--help` and every refused setting of the three commands would wait for.

# What a fit and a backtest write at the top of their folders.
POSTERIOR_FILES = (CSV_NAME, META_NAME)
BACKTEST_FILES = ("backtest.csv", "backtest.png", "forecasts.csv", "summary.yaml", "settings.yaml")
# Where `sim validate` writes: the figures folder and the parameters page.
VALIDATE_WRITES = ("figures", "parameters_doc")
# Validation reports that are commands of their own, with settings of their own and a folder of files
# written all or none: report name -> (module under sim/commands/, function).
VALIDATE_COMMANDS = {"spatial": ("spatial", "spatial_command")}

FIT_FLAGS = {"--seed": "seed", "--particles": "particles", "--generations": "generations",
             "--min-epsilon": "min_epsilon",
             "--max-simulations": "max_simulations", "--out": "out"}


@dataclass
class OutputSettings:
    """Where a fit writes, and whether it reports progress."""

    out: str = field(default="", metadata={"help": "the folder written (default outputs/<command>/<date-time>)"})
    quiet: bool = field(default=False, metadata={"help": "no progress output"})
    force: bool = field(default=False, metadata={"help": FORCE_HELP})


def calibrate_command(args: list[str]) -> None:
    """`sim calibrate`: fit the estimated parameters to the record and write the posterior."""
    from sim.calibration.abc_smc import CalibrationSettings, calibrate

    command = Command("calibrate", "sim calibrate [KEY=VALUE...]",
                      "Fit the estimated parameters to the observed record with ABC-SMC and write posterior.csv and "
                      "posterior.yaml (the shipped posterior is in sim/data). origin=YYYY-MM-DD fits only the "
                      "figures complete by that date. The fit is the same with any workers or executor.",
                      (CalibrationSettings, ExecutionSettings, OutputSettings),
                      flags={**FIT_FLAGS, "--origin": "origin"}, switches={"--quiet": "quiet"})
    parsed = no_names(parse(command, args), command)
    settings, output = parsed.setting(CalibrationSettings), parsed.setting(OutputSettings)
    execution = parsed.setting(ExecutionSettings)
    settings.check()
    execution.check()
    given = output_folder(output.out, "calibrate", POSTERIOR_FILES, output.force)
    if not output.quiet:
        from sim.calibration.abc_smc import base_config
        from sim.runs.ensemble import announce_duration

        announce_duration("each generation", base_config(settings)[0], settings.simulations_per_generation()[1],
                          execution.workers, bound="at most")
    posterior = calibrate(settings, progress=not output.quiet, workers=execution.workers, executor=execution.executor,
                          scheduler=execution.scheduler)
    out = given or new_folder(Path("outputs/calibration"))
    with all_or_nothing(out, POSTERIOR_FILES):
        posterior.save(out)
    print(posterior.describe())
    print(f"written to {out}")


def backtest_command(args: list[str]) -> None:
    """`sim backtest`: fit at past origins, forecast the next window, score against baselines."""
    from sim.calibration.backtest import BacktestSettings
    from sim.calibration.backtest_report import run_and_write

    command = Command("backtest", "sim backtest [KEY=VALUE...]",
                      "Rolling-origin backtest: at each origin fit the record up to it (ABC-SMC), forecast claimed "
                      "attacks and casualties in the next window, and score the forecasts against persistence and "
                      "a log-linear trend.", (BacktestSettings, OutputSettings),
                      flags={**FIT_FLAGS, "--replicates": "replicates", "--workers": "workers"},
                      switches={"--quiet": "quiet"})
    parsed = no_names(parse(command, args), command)
    settings, output = parsed.setting(BacktestSettings), parsed.setting(OutputSettings)
    settings.check()
    if output.force:
        raise ConfigError("`sim backtest` writes a folder of its own (one folder per origin among its files) and "
                          "replaces nothing: give out= a new or empty folder instead of force=true.")
    out = output_folder(output.out, "backtest", BACKTEST_FILES, force=False) or new_folder(Path("outputs/backtest"))
    if not output.quiet:
        _announce_backtest(settings)
    with emptied_on_failure(out):
        table = run_and_write(settings, out, progress=not output.quiet)
    from sim.calibration.backtest import summary

    columns = ["origin", "counter", "quantity", "forecaster", "observed", "median", "q05", "q95", "in_50", "in_90",
               "crps", "log_score", "pit"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(yaml.safe_dump(summary(table), sort_keys=False).rstrip())
    print(f"written to {out}")


def _announce_backtest(settings) -> None:
    """The backtest's time: each origin's fit (at most max_simulations runs) and forecast, origins side by side."""
    from sim.calibration.abc_smc import base_config
    from sim.calibration.backtest import origins
    from sim.runs.ensemble import announce_duration

    count = len(origins())
    last = settings.calibration(origins()[-1])
    announce_duration("backtest", base_config(last)[0], count * (settings.max_simulations + settings.replicates),
                      min(settings.workers, count), bound="at most")


def validate_command(args: list[str]) -> None:
    """`sim validate REPORT [KEY=VALUE...]`: the validation reports, whose options are written KEY=VALUE as
    everywhere else and handed to the report maker as its options (key_name=V as --key-name V); a report of
    VALIDATE_COMMANDS is a command of its own, with its own settings."""
    from sim.calibration.report import main as validate_main

    if args and args[0] in VALIDATE_COMMANDS:
        module, function = VALIDATE_COMMANDS[args[0]]
        return getattr(importlib.import_module(f"sim.commands.{module}"), function)(args[1:])
    refuse_repeated(args, "sim validate")
    if wants_help(args):
        print(validate_help())
        return
    options = []
    for argument in args:
        pair = key_value(argument)
        options += [argument] if pair is None else [f"--{pair[0].replace('_', '-')}", pair[1]]
        if pair is not None and pair[0] in VALIDATE_WRITES:       # it regenerates its own files, never a record
            refuse_record(Path(pair[1]) if pair[0] == "figures" else Path(pair[1]).parent, Path(pair[1]), pair[0])
    validate_main(options, others=tuple(VALIDATE_COMMANDS))


def validate_help() -> str:
    """The reports and their options as KEY=VALUE settings, one line each, as every command's help lists them."""
    from sim.calibration.report import REPORTS, argument_parser

    parser = argument_parser()
    own = "; ".join(f"{name} has settings of its own (`sim validate {name} --help`)" for name in VALIDATE_COMMANDS)
    lines = ["usage: sim validate REPORT [KEY=VALUE...]", "",
             textwrap.fill(f"{parser.description} REPORT is one of: {', '.join([*REPORTS, *VALIDATE_COMMANDS])}. "
                           f"The settings below are those of {', '.join(REPORTS)}; {own}.", HELP_WIDTH), ""]
    for action in parser._actions:          # argparse keeps its options there; no public accessor exists
        if not action.option_strings or action.dest == "help":
            continue
        default = "" if action.default is None or isinstance(action.default, list) else str(action.default)
        lines.append(setting_line(action.dest, default, action.help or ""))
    return "\n".join(lines)


def no_names(parsed, command: Command):
    """The parsed settings of a command that takes no names, or a refusal naming the names given."""
    if parsed.positional:
        raise ConfigError(f"`sim {command.name}` takes no names ({' '.join(parsed.positional)}); write settings as "
                          f"KEY=VALUE: {command.usage}.")
    return parsed


def checked_settings(command: Command, args: list[str], settings_class: type):
    """A command that takes no names and runs an ensemble: its own settings, where it runs and where it
    writes, each checked before anything runs."""
    parsed = no_names(parse(command, args), command)
    settings, execution = parsed.setting(settings_class), parsed.setting(ExecutionSettings)
    settings.check()
    execution.check()
    return settings, execution, parsed.setting(OutputSettings)
