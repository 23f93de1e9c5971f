"""Progress of long work: a bar on a terminal, a line on stderr every half minute elsewhere.

A bar redrawn in place is unreadable in a log file, a pipe or CI, and no output
at all for minutes looks like a hang. Away from a terminal, progress is a line
every LINE_EVERY_S seconds (and one at the end, if any was written), each
saying how much is done, how long it took and about how long is left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

import tqdm as tqdm_module
from tqdm import tqdm

# The bar needs no monitor thread.
tqdm_module.tqdm.monitor_interval = 0
LINE_EVERY_S = 30.0


def duration(seconds: float) -> str:
    """'45 s', '3 min 10 s', '2 h 05 min': a length of time as a person reads it."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ProgressLines:
    """What a tqdm bar offers the project's loops (update, set_postfix_str, close), as periodic lines."""

    def __init__(self, total: int, desc: str, initial: int = 0, unit: str = "done",
                 every_s: float = LINE_EVERY_S, clock: Callable[[], float] = time.monotonic,
                 stream: TextIO | None = None):
        self.total, self.desc, self.unit, self.every_s, self.clock = total, desc, unit, every_s, clock
        self.stream = stream
        self.n = self.initial = initial
        self.started = self.last = clock()
        self.postfix = ""
        self.lines = 0

    def update(self, n: int = 1) -> None:
        """Count `n` more done; write a line if the last one is LINE_EVERY_S old."""
        self.n += n
        now = self.clock()
        if now - self.last >= self.every_s:
            self._write(now)

    def set_postfix_str(self, text: str) -> None:
        """A note added to the next line (a sweep's points done)."""
        self.postfix = text

    def close(self) -> None:
        """The closing line, if any line was written before it."""
        if self.lines:
            self._write(self.clock())

    def _write(self, now: float) -> None:
        elapsed = now - self.started
        done_here = self.n - self.initial
        rate = done_here / elapsed if elapsed > 0 else 0.0
        left = f", about {duration((self.total - self.n) / rate)} left" if rate > 0 and self.n < self.total else ""
        note = f", {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {self.n} of {self.total} {self.unit} ({self.n / max(self.total, 1):.0%}){note}, "
              f"{duration(elapsed)} so far{left}", file=self.stream or sys.stderr, flush=True)
        self.last = now
        self.lines += 1


def progress_bar(total: int, desc: str, show: bool, initial: int = 0):
    """A tqdm bar on a terminal, periodic lines on stderr elsewhere, nothing when `show` is false."""
    if show and not sys.stderr.isatty():
        return ProgressLines(total, desc, initial)
    return tqdm(total=total, initial=initial, desc=desc, unit="rep", leave=False, disable=not show)
