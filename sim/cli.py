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

import importlib
import signal
import sys
import textwrap
import threading
import warnings

from sim.config.errors import ConfigError

USAGE = __doc__.split("\n\n")[1] + "\n\n" + __doc__.split("\n\n")[2]
# Each subcommand: the module under sim/commands and the function that runs it with the arguments after it.
COMMANDS = {
    "run": ("run", "run_command"),
    "list": ("listing", "list_command"),
    "compare": ("records", "compare_command"),
    "report": ("records", "report_command"),
    "attribute": ("sweeps", "attribute_command"),
    "reproduce": ("records", "reproduce_command"),
    "sweep": ("sweeps", "sweep_command"),
    "sensitivity": ("sweeps", "sensitivity_command"),
    "calibrate": ("calibration", "calibrate_command"),
    "backtest": ("calibration", "backtest_command"),
    "validate": ("calibration", "validate_command"),
    "retrodict": ("retrodict", "retrodict_command"),
    "explore": ("explore", "explore_command"),
}
SUBCOMMANDS = tuple(COMMANDS)
# What Ctrl-C leaves behind, command by command (what the same command does next).
RESUMES = ("interrupted. The finished replicates are kept in the folder, which is not marked complete; the same "
           "command finishes it (interrupted before its folder was made, nothing was written).")
ONLY_READ = "interrupted. The runs were only read, and nothing was written."
INTERRUPTED = {
    "run": RESUMES, "sweep": RESUMES, "attribute": RESUMES, "sensitivity": RESUMES,
    "compare": ONLY_READ, "report": ONLY_READ,
    "reproduce": "interrupted. The run was only read, and nothing was written; `sim reproduce` starts its check "
                 "again from the beginning.",
    "calibrate": "interrupted. A fit writes its posterior only at the end, so nothing was written; run it again.",
    "backtest": "interrupted. A backtest does not resume: what it had written was removed; run it again.",
    "validate": "interrupted. A report writes its table and figure only at the end; run it again.",
    "retrodict": "interrupted. A retrodiction writes its files only at the end, so nothing was written; run it "
                 "again.",
    "list": "interrupted.",
    "explore": "the explorer has stopped.",
}


class CtrlC:
    """Whether Ctrl-C was pressed in this command. An interrupt that lands inside a library can surface as
    another error (a half-built config that cannot be read); that error is then not the input's fault."""

    pressed = False

    @classmethod
    def handler(cls, signum, frame) -> None:
        """Python's own answer to Ctrl-C (KeyboardInterrupt), remembered."""
        cls.pressed = True
        raise KeyboardInterrupt

    @classmethod
    def watch(cls):
        """Start watching (in the main thread; elsewhere Ctrl-C is not delivered anyway); returns what to restore."""
        cls.pressed = False
        if threading.current_thread() is not threading.main_thread():
            return None
        return signal.signal(signal.SIGINT, cls.handler)
SIGPIPE_STATUS = 141


def fail(message: str) -> None:
    """Print one paragraph on stderr and exit with status 2: how every bad input ends."""
    print(textwrap.fill(f"error: {message}", width=100), file=sys.stderr)
    raise SystemExit(2)


def note_warning(message, category, filename, lineno, file=None, line=None) -> str:
    """Warnings for people at a terminal: one line, no source location."""
    return f"note: {message}\n"


def main(argv: list[str] | None = None) -> None:
    """Dispatch to the subcommand; turn its ConfigError, OS error or Ctrl-C into a message and an exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.formatwarning = note_warning
    command = ""
    previous = CtrlC.watch()
    try:
        if not argv or argv[0] in ("-h", "--help", "help"):
            print(USAGE)
            return
        command, args = argv[0], argv[1:]
        if command not in COMMANDS and ("=" in command or command.startswith("-")):
            command, args = "run", argv          # `sim key=value ...` and `sim -m ...` run too
        if command not in COMMANDS:
            fail(f"unknown command '{command}'; the commands are: {', '.join(SUBCOMMANDS)}.")
        module, function = COMMANDS[command]
        run = getattr(importlib.import_module(f"sim.commands.{module}"), function)
        run(args)
        sys.stdout.flush()          # a reader gone by now is met here, where it is handled, not at exit
    except KeyboardInterrupt:
        interrupted(command)
    except BrokenPipeError:
        end_quietly_on_closed_pipe()
    except (ConfigError, OSError) as err:
        if CtrlC.pressed:
            interrupted(command)
        if isinstance(err, ConfigError):
            fail(str(err))
        from sim.runs.folders import describe_os_error

        fail(describe_os_error(err))
    except Exception:
        if CtrlC.pressed:
            interrupted(command)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def interrupted(command: str) -> None:
    """Say in one sentence what Ctrl-C left behind for this command, and exit with status 130."""
    print(INTERRUPTED.get(command, "interrupted."), file=sys.stderr)
    raise SystemExit(130) from None


def end_quietly_on_closed_pipe() -> None:
    """The reader of our output stopped early (`sim list | head -1`): end without a message, with the status
    a command stopped by SIGPIPE has (128 + 13), and keep Python from failing again when it flushes stdout."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(SIGPIPE_STATUS)


def hydra_task(cfg) -> None:
    """The task Hydra's app runs (`sim run`). Defined here because Hydra names the run's log after the
    task's file: run folders hold cli.log."""
    from sim.commands.run import run_task

    run_task(cfg)
