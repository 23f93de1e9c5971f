"""How a command ends when something goes wrong: one paragraph and an exit status, never a traceback.

Bad input (a ConfigError, an OS error such as a full disk) ends with one
paragraph on stderr and status 2; Ctrl-C with one sentence on what it left
behind and status 130; a reader that closed our output (`sim list | head -1`)
with no message and the status of SIGPIPE. Every command runs inside
`reported_errors`, which `sim` (sim/cli.py) wraps around it.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from sim.commands.registry import interrupted_message
from sim.config.errors import ConfigError
from sim.runs.folders import describe_os_error

SIGPIPE_STATUS = 141


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


def fail(message: str) -> None:
    """Print one paragraph on stderr and exit with status 2: how every bad input ends."""
    print(textwrap.fill(f"error: {message}", width=100), file=sys.stderr)
    raise SystemExit(2)


def note_warning(message, category, filename, lineno, file=None, line=None) -> str:
    """Warnings for people at a terminal: one line, no source location."""
    return f"note: {message}\n"


@contextmanager
def reported_errors(command: str) -> Iterator[None]:
    """Run a command's block; turn its ConfigError, OS error or Ctrl-C into a message and an exit status."""
    warnings.formatwarning = note_warning
    previous = CtrlC.watch()
    try:
        yield
    except KeyboardInterrupt:
        interrupted(command)
    except BrokenPipeError:
        end_quietly_on_closed_pipe()
    except (ConfigError, OSError) as err:
        if CtrlC.pressed:
            interrupted(command)
        fail(str(err) if isinstance(err, ConfigError) else describe_os_error(err))
    except Exception:
        if CtrlC.pressed:
            interrupted(command)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def interrupted(command: str) -> None:
    """Say in one sentence what Ctrl-C left behind for this command, and exit with status 130."""
    print(interrupted_message(command), file=sys.stderr)
    raise SystemExit(130) from None


def end_quietly_on_closed_pipe() -> None:
    """The reader of our output stopped early (`sim list | head -1`): end without a message, with the status
    a command stopped by SIGPIPE has (128 + 13), and keep Python from failing again when it flushes stdout."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(SIGPIPE_STATUS)
