"""Watch one replicate day by day: the same replicate `sim run` computes, stepped on demand.

Replicate i is built exactly as the ensemble runner builds it (the model from
the config and the generator of replicate i of the root seed), then stepped
one day at a time, so stepping it to the end gives the outcome of replicate i
of `sim run` with the same config and seed, bit for bit.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np

from sim.config.schema import RunConfig
from sim.explore.narrate import Event, day_events
from sim.model import ReplicateOutcome
from sim.geography import load_geography
from sim.model.snapshot import ModelSnapshot
from sim.runs.replicate import replicate_model

# Events kept for the page's list (the newest of all, and apart the newest of those that matter most, so
# that routine raids and crossings cannot push a breakout or a dated change out); the run's own tables
# keep every attack.
MAX_EVENTS = 500
# The map marks the attacks of the last this many days.
RECENT_DAYS = 30


@dataclass(frozen=True, eq=False)
class ReplicateView:
    """What the page shows of a watched replicate at one moment; never changes once made.

    Compared by identity, so a page can redraw only when a new view has been made.
    """

    index: int
    snapshot: ModelSnapshot
    total_days: int
    month_starts: tuple[str, ...]
    attacks_by_month: np.ndarray     # attacks so far in each month of the horizon
    killed: int                      # killed and wounded in attacks so far
    wounded: int
    events: tuple[Event, ...]        # oldest first, at most MAX_EVENTS
    key_events: tuple[Event, ...]    # the events that matter most (Event.key), oldest first, at most MAX_EVENTS
    recent_attacks: np.ndarray       # area index of each attack in the last RECENT_DAYS days

    @property
    def finished(self) -> bool:
        return self.snapshot.days_simulated >= self.total_days

    @property
    def started(self) -> bool:
        return self.snapshot.days_simulated > 0

    @property
    def months_done(self) -> int:
        """Months of the horizon begun so far (the current month included)."""
        if not self.started:
            return 0
        return self.month_starts.index(f"{self.snapshot.date:%Y-%m}") + 1


class WatchedReplicate:
    """Replicate `index` of the ensemble `cfg` describes, advanced a few days at a time.

    A lock lets a play loop in a background thread and a step button take turns.
    """

    def __init__(self, cfg: RunConfig, index: int):
        self.cfg = cfg
        self.index = index
        self.model = replicate_model(cfg, index)
        self.geography = load_geography()
        self._lock = threading.Lock()
        self._last = self.model.snapshot()
        self._events: list[Event] = []
        self._key_events: list[Event] = []
        self._view = self._make_view()

    @property
    def total_days(self) -> int:
        return self.model.n_days

    @property
    def finished(self) -> bool:
        return self._last.days_simulated >= self.total_days

    def days_through(self, date: str) -> int:
        """Days to simulate until `date` is the last day simulated (0 once it is)."""
        target = (dt.date.fromisoformat(date) - self.model.start_date).days + 1
        return max(0, min(target, self.total_days) - self._last.days_simulated)

    def advance(self, days: int) -> ReplicateView:
        """Simulate up to `days` more days (fewer at the end of the horizon) and return the view."""
        with self._lock:
            for _ in range(max(0, min(days, self.total_days - self._last.days_simulated))):
                self.model.step()
                now = self.model.snapshot()
                happened = day_events(self._last, now, self.model.attacks, self.geography)
                self._events.extend(happened)
                self._key_events.extend(e for e in happened if e.key)
                self._last = now
            del self._events[:-MAX_EVENTS]
            del self._key_events[:-MAX_EVENTS]
            self._view = self._make_view()
            return self._view

    def view(self) -> ReplicateView:
        """The latest view (the same object until the replicate advances)."""
        return self._view

    def _make_view(self) -> ReplicateView:
        log = self.model.attacks
        days = np.asarray(log.day, dtype=np.int64)
        recent = np.asarray(log.area, dtype=np.int64)[days > self._last.days_simulated - 1 - RECENT_DAYS]
        return ReplicateView(self.index, self._last, self.total_days, tuple(self.model.month_starts),
                             self._attacks_by_month(), sum(log.killed), sum(log.wounded), tuple(self._events),
                             tuple(self._key_events),
                             recent)

    def _attacks_by_month(self) -> np.ndarray:
        days = np.asarray(self.model.attacks.day, dtype="timedelta64[D]")
        months = (np.datetime64(self.cfg.start) + days).astype("datetime64[M]")
        index = (months - np.datetime64(self.cfg.start, "M")).astype(np.int64)
        return np.bincount(index, minlength=len(self.model.month_starts))

    def outcome(self) -> ReplicateOutcome:
        """The replicate's outcome once every day has been simulated."""
        if not self.finished:
            raise RuntimeError(f"replicate {self.index} has {self.total_days - self._last.days_simulated} "
                               "days left to simulate")
        return self.model.outcome()
