"""The results shelf: every ensemble a student has run, kept with its choices, to look at again and compare.

An entry keeps what the page shows of an ensemble (attacks in Iraq per replicate
and month, the dated changes, the settings that say whether two entries can be
paired) and not the replicates themselves, so a shelf stays small. The newest
entries also keep their full runs, so they can still be saved as run
directories. Shelves live on the server, one per browser session (Solara's
session cookie), so they survive a reload of the page; they go when the server
stops.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np

from sim.analysis.plots import Marker, change_markers
from sim.runs.result import EnsembleResult
from sim.defaults import COMPARISON_WINDOW
from sim.analysis import contrast
from sim.explore.jobs import Jobs
from sim.explore.reasons import RECORDS

# Entries kept per shelf, and how many of the newest keep their full runs for saving.
SHELF_SIZE = 24
RUNS_KEPT = 3
# Browser sessions whose shelves the server keeps (the least recently used go first).
SESSIONS_KEPT = 200
# Watched histories a session keeps, so that a reload goes on where it was.
WATCHED_KEPT = 4
# The origins of a config's dated changes that are a scenario's own (not the observed history).
OWN_CHANGES = ("branch", "scenario")


@dataclass(frozen=True, eq=False)
class ShelfEntry:
    """One ensemble as the page shows it; `baseline` is the baseline ensemble it was run beside."""

    number: int
    name: str                      # the choices in words
    scenario: str
    changed: tuple[tuple[str, str], ...]
    start: str
    end: str
    branch_date: str
    seed: int
    replicates: int
    parameters: str
    months: tuple[str, ...]
    attacks: np.ndarray            # attacks in Iraq, replicates x months
    markers: tuple[Marker, ...]
    reference_rate: float          # the 2024 record, attacks a month
    departs: str = ""              # the first date the choices act (their branch or timeline); "" for none
    baseline: ShelfEntry | None = None
    window: tuple[str, str] = COMPARISON_WINDOW
    run: object | None = field(default=None, repr=False)   # the full runs, while kept
    # The monthly records the reasons read (sim/explore/reasons.py): name -> replicates x months.
    records: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def month_indices(self, start: str, end: str) -> list[int]:
        """The positions of the whole months from `start` to `end` among the entry's months."""
        return [k for k, m in enumerate(self.months) if start[:7] <= m <= end[:7]]

    def rates(self, start: str, end: str) -> np.ndarray:
        """Each replicate's attacks a month over the whole months from `start` to `end`."""
        inside = self.month_indices(start, end)
        return self.attacks[:, inside].mean(axis=1) if inside else np.full(self.replicates, np.nan)

    @property
    def window_rates(self) -> np.ndarray:
        """Each replicate's attacks a month over the comparison window."""
        return self.rates(*self.window)

    @property
    def median(self) -> float:
        return float(np.median(self.window_rates))

    @property
    def range90(self) -> tuple[float, float]:
        low, high = np.quantile(self.window_rates, [0.05, 0.95])
        return float(low), float(high)

    @property
    def worse_than_reference(self) -> float:
        """The share of replicates with more attacks a month in the window than in the 2024 record."""
        return float((self.window_rates > self.reference_rate).mean())

    @property
    def covers_window(self) -> bool:
        return self.start <= self.window[0] and self.window[1] <= self.end

    def pairs_with(self, other: ShelfEntry) -> bool:
        """True when the two share their random numbers replicate by replicate (common random numbers)."""
        return ((self.seed, self.replicates, self.start, self.parameters)
                == (other.seed, other.replicates, other.start, other.parameters))


def window_for(start: str, end: str) -> tuple[str, str]:
    """The window results are read over: the comparison window when the horizon covers it, else the
    horizon's last twelve months (a short run, as in the tests)."""
    if start <= COMPARISON_WINDOW[0] and COMPARISON_WINDOW[1] <= end:
        return COMPARISON_WINDOW
    last = dt.date.fromisoformat(end)
    months = last.year * 12 + last.month - 12        # the twelve months that end with the end's month
    first = max(dt.date.fromisoformat(start), dt.date(months // 12, months % 12 + 1, 1))
    return first.isoformat(), end


def entry_of(result: EnsembleResult, name: str, changed: dict[str, str], reference_rate: float,
             baseline: ShelfEntry | None = None, number: int = 0) -> ShelfEntry:
    """A shelf entry from a finished ensemble."""
    cfg = result.config
    months = tuple(result.outcomes[0].month_starts)
    per_month = result.monthly.groupby(["replicate", "month"])["attacks"].sum().unstack("month")
    attacks = per_month.reindex(columns=list(months), fill_value=0).to_numpy(dtype=float)
    own = [c.date for c in cfg.changes if c.origin in OWN_CHANGES]
    records = {name: np.array([o.monthly_state[name] for o in result.outcomes], dtype=float)
               for name in RECORDS if name in result.outcomes[0].monthly_state}
    return ShelfEntry(number, name, cfg.scenario.name, tuple(changed.items()), cfg.start, cfg.end, cfg.branch_date,
                      cfg.seed, cfg.replicates, cfg.parameters, months, attacks,
                      tuple(change_markers(cfg.changes, cfg.start)), reference_rate, min(own, default=""), baseline,
                      window_for(cfg.start, cfg.end), records=records)


def compare(a: ShelfEntry, b: ShelfEntry) -> contrast.Contrast:
    """B - A in attacks a month over the comparison window: paired when they share their random numbers."""
    if a.pairs_with(b):
        return contrast.paired(a.months, a.attacks, b.months, b.attacks, *a.window)
    return contrast.unpaired(a.window_rates, b.window_rates)


class Shelf:
    """One browser session's entries, oldest first, its latest "what matters most" answer, its runs in
    progress (sim/explore/jobs.py) and the histories it is watching, so that a reload finds them all."""

    def __init__(self):
        self._entries: list[ShelfEntry] = []
        self._numbers = itertools.count(1)
        self.importance = None
        self.jobs = Jobs()
        self._watched: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def watched(self, key, make, fresh: bool = False):
        """The history this session watches under `key` (the choices and the replicate), made by `make()`
        the first time or when `fresh`; the WATCHED_KEPT most recently used are kept."""
        with self._lock:
            runner = None if fresh else self._watched.pop(key, None)
            self._watched[key] = runner = runner or make()
            while len(self._watched) > WATCHED_KEPT:
                self._watched.popitem(last=False)
            return runner

    @property
    def entries(self) -> tuple[ShelfEntry, ...]:
        return tuple(self._entries)

    def add(self, entry: ShelfEntry) -> ShelfEntry:
        """Shelve an entry under the next number; drop the oldest beyond SHELF_SIZE and old full runs."""
        with self._lock:
            entry = replace(entry, number=next(self._numbers))
            self._entries = [*self._entries, entry][-SHELF_SIZE:]
            keep_runs = self._entries[-RUNS_KEPT:]
            self._entries = [e if e in keep_runs or e.run is None else replace(e, run=None) for e in self._entries]
            return self._entries[-1]

    def clear(self) -> None:
        with self._lock:
            self._entries = []


class ShelfStore:
    """Shelves by browser session, the least recently used dropped beyond `sessions` (thread-safe)."""

    def __init__(self, sessions: int = SESSIONS_KEPT):
        self._shelves: OrderedDict[str, Shelf] = OrderedDict()
        self._sessions = sessions
        self._lock = threading.Lock()

    def shelf(self, session: str) -> Shelf:
        with self._lock:
            shelf = self._shelves.pop(session, None) or Shelf()
            self._shelves[session] = shelf
            while len(self._shelves) > self._sessions:
                self._shelves.popitem(last=False)
            return shelf


STORE = ShelfStore()
