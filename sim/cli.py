"""The `sim` command: a thin layer over the Python API.

    sim run [KEY=VALUE...]               run an ensemble into out=DIR (a Hydra app: -m for multirun)
    sim list                             scenarios and determinant levels
    sim compare RUN_DIR... [KEY=VALUE]   side-by-side table, distributions, paired differences
    sim report RUN_DIR... [KEY=VALUE]    one self-contained HTML report of runs and attributions
    sim attribute A B [KEY=VALUE...]     split the difference between two scenarios (Shapley values)
    sim reproduce RUN_DIR [KEY=VALUE]    re-run from the record and verify every file
    sim sweep NAME|FILE [KEY=VALUE...]   a grid of scenario variants into one Parquet dataset
    sim sensitivity [KEY=VALUE...]       Morris screening or Sobol indices of the attack rate
    sim calibrate [KEY=VALUE...]         fit the estimated parameters to the record (ABC-SMC)
    sim backtest [KEY=VALUE...]          fit at past origins, forecast the next window, score against baselines
    sim validate REPORT [KEY=VALUE...]   re-make one table and figure of docs/validation.md
    sim retrodict [KEY=VALUE...]         run the 2011 withdrawal through 2012-2014 against that record
    sim explore [KEY=VALUE...]           the scenario explorer page in a browser

Every command takes its settings as KEY=VALUE (replicates=50 seed=7 workers=2
window=2027-01-01:2027-12-31 out=DIR); those that compose scenarios also take
any config override (group=level, model.SECTION.NAME=VALUE, end=2027-12-31).
`sim COMMAND --help` lists a command's settings with their defaults. Bad input
exits with status 2 and one paragraph on stderr, and writes nothing. Headline
numbers cover the forecast (from the branch date, the end of the observed
record) unless a window is given; every table and figure names its window.
"""

from __future__ import annotations

import sys

from sim.commands.errors import fail, reported_errors
from sim.commands.registry import COMMANDS, SUBCOMMANDS, command_function

USAGE = __doc__.split("\n\n")[1] + "\n\n" + __doc__.split("\n\n")[2]
HELP = ("-h", "--help", "help")


def main(argv: list[str] | None = None) -> None:
    """Dispatch to the subcommand the arguments name (sim/commands/registry.py); the command's errors end as
    its own module says (sim/commands/errors.py)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command not in COMMANDS and ("=" in command or command.startswith("-")) and command not in HELP:
        command, args = "run", argv          # `sim key=value ...` and `sim -m ...` run too
    with reported_errors(command):
        if command in ("", *HELP):
            print(USAGE)
            return
        if command not in COMMANDS:
            fail(f"unknown command '{command}'; the commands are: {', '.join(SUBCOMMANDS)}.")
        command_function(command)(args)
        sys.stdout.flush()          # a reader gone by now is met here, where it is handled, not at exit
