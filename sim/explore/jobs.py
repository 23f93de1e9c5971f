"""Long runs that belong to the browser session, not to the page: they go on through a reload.

An ensemble or a "what matters most" run takes seconds to minutes. Started from a page, it runs in a
thread of the server and reports to a `Job` kept with the session's shelf, so a reloaded page (or
another tab of the same browser) finds it still running, with its progress, or finished, with its
result. It holds one of the server's ensemble places while it runs (sim/explore/limits.py), and stops,
its worker processes with it, once no page of its browser has looked at it for the grace period: a
reload reconnects well within it, a closed browser does not. A job that failed or was stopped says
why; one the server lost (the explorer was stopped) is not there, and the page says plainly that it
was stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.config.errors import ConfigError
from sim.explore import limits
from sim.explore.batch import Progress, duration_words


@dataclass
class Job:
    """One run in the background: what it is, how far it has got, and how it ended."""

    kind: str                       # "ensemble" or "importance"
    label: str                      # what it runs, in words
    estimate_s: float | None        # the time the page said it would take
    started: float = field(default_factory=time.monotonic)
    progress: Progress | None = None
    finished_s: float | None = None  # seconds it took, once done
    error: str | None = None
    result: object | None = None
    seen: float = field(default_factory=time.monotonic)    # when a page of its browser last looked at it

    @property
    def running(self) -> bool:
        return self.finished_s is None

    def look(self) -> None:
        """A page of the job's browser is open and showing it."""
        self.seen = time.monotonic()

    def abandoned(self) -> bool:
        return time.monotonic() - self.seen > limits.DISCONNECTED_GRACE_S

    def elapsed_s(self) -> float:
        return self.finished_s if self.finished_s is not None else time.monotonic() - self.started

    def took_words(self) -> str:
        """How long it took, set beside the estimate the page gave before it started."""
        took = f"took {duration_words(self.elapsed_s())}"
        if self.estimate_s is None:
            return took
        return f"{took} (estimated {duration_words(self.estimate_s)})"


class Jobs:
    """A session's latest job of each kind (thread-safe). A new job of a kind replaces the finished one."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, kind: str) -> Job | None:
        with self._lock:
            return self._jobs.get(kind)

    def look(self) -> None:
        """A page of this browser is open: every running job has been seen."""
        with self._lock:
            for job in self._jobs.values():
                if job.running:
                    job.look()

    def start(self, owner: str, kind: str, label: str, estimate_s: float | None,
              work: Callable[[Callable[[Progress], None]], object],
              on_done: Callable[[object], None] = lambda result: None) -> Job:
        """Run `work(on_progress)` in a thread, in one of the server's ensemble places for `owner` (the browser
        session); keep its result (after `on_done`) or why it failed or stopped on the job. Refused (the
        running job returned) while a job of the same kind runs."""
        with self._lock:
            current = self._jobs.get(kind)
            if current is not None and current.running:
                return current
            job = self._jobs[kind] = Job(kind, label, estimate_s)

        def progress(p: Progress) -> None:
            job.progress = p

        def run() -> None:
            try:
                with limits.ensemble_slot(progress, (f"{owner} {kind}", job.abandoned)) as report:
                    job.result = work(report)
                on_done(job.result)
            except limits.PageClosed:
                job.error = (f"it was stopped because no page of this browser was open to see it for "
                             f"{limits.DISCONNECTED_GRACE_S:.0f} s")
            except ConfigError as err:          # refused: too many at once, or a value the page does not offer
                job.error = str(err)
            except Exception as err:            # shown on the page: a run that fails must say so, not vanish
                job.error = f"{type(err).__name__}: {err}"
            finally:
                job.finished_s = time.monotonic() - job.started

        threading.Thread(target=run, name=f"explorer-{kind}", daemon=True).start()
        return job
