"""Summary statistics: what a replicate says about each fitted figure of the record, and how far it is.

One statistic per figure of sim/data/targets.yaml whose role is 'target': claimed
attacks in Iraq (2022, 2023, January-August 2024) and the 2024 casualties, claimed
attacks in Syria (2022, 2023), fighters in Iraq (March 2023, August 2025) and in
Iraq and Syria (July 2024), and removals in Iraq reported by US Central Command
(2022 and three windows of 2023-2024). Each figure is used once: 'check' and
'input' figures never enter here.

A calibration up to an origin date uses only the statistics whose figure was
complete by then (window or month ended on or before the origin), which is how
the rolling-origin backtest keeps later figures out of earlier fits. Before the
first count of claims is complete (inside 2020), the only counts known are Knights
and Almeida's quarterly counts of reported attacks (role 'interim'): a fit up to
such an origin fits them, each the model's attacks in the quarter times the
factor between the two counters (`reported_per_claim`), and a fit up to a later
origin fits the year's count of claims in their place.

The distance is a weighted Euclidean norm, each difference divided by a stated
scale: how precisely the observed figure measures the quantity (counting noise
and the counter's completeness, or half the width of a range). A replicate that
matches the record then has distances of the order of one per statistic.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.analysis.targets import load_targets, reported_attack_targets, superseded
from sim.model import ReplicateOutcome

# Counters of claims disagree by more than counting noise (CENTCOM's and BBC Monitoring's counts for
# 2023 differ by a factor of about two): a count is taken to be known to within 15% of itself as well.
COUNTER_SHARE = 0.15
# Central Command's removal counts mix partnered operations and supporters: 25% of themselves.
REMOVALS_SHARE = 0.25


@dataclass(frozen=True)
class Statistic:
    """One fitted figure: which model quantity, over which window, its value and its scale."""

    id: str
    quantity: str     # attacks_iraq, casualties_iraq, attacks_syria, fighters_iraq, fighters_iraq_syria, removals_iraq,
                      # reported_attacks_iraq (another counter's, an interim figure)
    start: str        # first day of the window (for a stock: the first day of its month)
    end: str          # last day of the window (for a stock: the last day of its month)
    observed: float
    scale: float
    reason: str

    @property
    def is_stock(self) -> bool:
        return self.quantity.startswith("fighters")


def _month_bounds(month: str) -> tuple[str, str]:
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - dt.timedelta(days=1)).isoformat()


def _count_scale(observed: float, share: float) -> float:
    return math.sqrt(observed + (share * observed) ** 2)


def statistics() -> tuple[Statistic, ...]:
    """Every fitted statistic, in date order of the end of its window."""
    record = load_targets()
    out: list[Statistic] = []
    for section, quantity in (("claimed_attacks_iraq", "attacks_iraq"), ("claimed_attacks_syria", "attacks_syria")):
        for t in record[section]:
            if t["role"] != "target":
                continue
            start, end = str(t["window"]["start"]), str(t["window"]["end"])
            out.append(Statistic(t["id"], quantity, start, end, float(t["attacks"]),
                                 _count_scale(t["attacks"], COUNTER_SHARE),
                                 f"counting noise and a counter known to {COUNTER_SHARE:.0%}"))
            if t.get("casualties") is not None:
                out.append(Statistic(f"{t['id']}_casualties", "casualties_iraq", start, end, float(t["casualties"]),
                                     _casualty_scale(t["casualties"], t["attacks"]),
                                     "compound-Poisson noise of a heavy-tailed total"))
    for t in record["fighters"]:
        if t["role"] != "target":
            continue
        start, end = _month_bounds(str(t["date"]))
        quantity = "fighters_iraq" if t["area"] == "iraq" else "fighters_iraq_syria"
        out.append(Statistic(t["id"], quantity, start, end, (t["low"] + t["high"]) / 2, (t["high"] - t["low"]) / 2,
                             "half the width of the estimate's range"))
    for t in record["removals_iraq"]:
        if t["role"] != "target":
            continue
        removed = float(t["killed"] + t["detained"])
        out.append(Statistic(t["id"], "removals_iraq", str(t["window"]["start"]), str(t["window"]["end"]), removed,
                             _count_scale(removed, REMOVALS_SHARE), "counting noise and a reporting share known "
                             f"to {REMOVALS_SHARE:.0%}"))
    return tuple(sorted(out, key=lambda s: (s.end, s.id)))


def _casualty_scale(casualties: int, attacks: int) -> float:
    """Casualties per attack are heavy-tailed (a lognormal with log-sd about 0.85 per attack), so a total
    measures its expectation far less precisely than a Poisson count: var = n * E[c^2]."""
    per_attack = casualties / attacks
    second_moment = per_attack ** 2 * math.exp(0.85 ** 2) + per_attack
    return math.sqrt(attacks * second_moment)


def _interim_statistic(t) -> Statistic:
    return Statistic(t.id, "reported_attacks_iraq", t.start, t.end, float(t.attacks),
                     _count_scale(t.attacks, COUNTER_SHARE), f"counting noise and a counter known to {COUNTER_SHARE:.0%}")


def interim_statistics() -> tuple[Statistic, ...]:
    """Every interim figure as the statistic a fit up to an origin before its superseding figure uses."""
    return tuple(_interim_statistic(t) for t in reported_attack_targets())


def interim(origin: str) -> tuple[Statistic, ...]:
    """The interim figures a fit up to `origin` uses: complete by then, their superseding figure not yet."""
    return tuple(_interim_statistic(t) for t in reported_attack_targets() if t.end <= origin and not superseded(t, origin))


def up_to(origin: str | None) -> tuple[Statistic, ...]:
    """The statistics whose figure was complete by `origin`, with the interim figures still standing then
    (every target, and no interim figure, when None)."""
    if origin is None:
        return statistics()
    chosen = [s for s in statistics() if s.end <= origin] + list(interim(origin))
    return tuple(sorted(chosen, key=lambda s: (s.end, s.id)))


def first_end() -> str:
    """The day the first fitted figure of any origin is complete (an interim one, or a target)."""
    return min([statistics()[0].end, *(t.end for t in reported_attack_targets())])


def needs_reported_per_claim(stats: tuple[Statistic, ...]) -> bool:
    """Whether `stats` include another counter's figure, and so the factor between the counters."""
    return any(s.quantity == "reported_attacks_iraq" for s in stats)


def last_day(stats: tuple[Statistic, ...]) -> str:
    """The last day a run must cover to compute `stats`."""
    return max(s.end for s in stats)


def replicate_statistics(outcome: ReplicateOutcome, start: str, stats: tuple[Statistic, ...],
                         factors: Mapping[str, float] | None = None) -> dict[str, float]:
    """The simulated value of each statistic for one replicate run from `start`. `factors` holds the
    observation factors by name (a particle's values will do): `removals_reported`, Central Command's removals
    per removal, and `reported_per_claim`, reported attacks per claimed attack; each missing one is 1."""
    factors = factors or {}
    removals_reported = factors.get("removals_reported", 1.0)
    reported_per_claim = factors.get("reported_per_claim", 1.0)
    origin = dt.date.fromisoformat(start)
    day = outcome.attacks["day"]
    casualties = outcome.attacks["killed"] + outcome.attacks["wounded"]
    months = outcome.month_starts
    values = {}
    for s in stats:
        if s.quantity in ("attacks_iraq", "casualties_iraq", "reported_attacks_iraq"):
            first = (dt.date.fromisoformat(s.start) - origin).days
            last = (dt.date.fromisoformat(s.end) - origin).days
            inside = (day >= first) & (day <= last)
            if s.quantity == "casualties_iraq":
                values[s.id] = float(casualties[inside].sum())
            elif s.quantity == "reported_attacks_iraq":
                values[s.id] = float(inside.sum()) * reported_per_claim
            else:
                values[s.id] = float(inside.sum())
            continue
        first_month, last_month = months.index(s.start[:7]), months.index(s.end[:7])
        state = outcome.monthly_state
        if s.quantity == "fighters_iraq":
            values[s.id] = float(state["fighters_iraq"][last_month])
        elif s.quantity == "fighters_iraq_syria":
            values[s.id] = float(state["fighters_iraq"][last_month] + state["syria_free_fighters"][last_month])
        elif s.quantity == "attacks_syria":
            values[s.id] = float(state["attacks_syria"][first_month:last_month + 1].sum())
        elif s.quantity == "removals_iraq":
            values[s.id] = float(state["removed_iraq"][first_month:last_month + 1].sum()) * removals_reported
    return values


def observed(stats: tuple[Statistic, ...]) -> dict[str, float]:
    return {s.id: s.observed for s in stats}


def weights(stats: tuple[Statistic, ...]) -> dict[str, float]:
    """Per-statistic weights of the Euclidean distance (one over the stated scale)."""
    return {s.id: 1.0 / s.scale for s in stats}


def distance(simulated: dict[str, float], stats: tuple[Statistic, ...]) -> float:
    """sqrt(sum(((simulated - observed) / scale)^2)) over `stats`."""
    return float(np.sqrt(sum(((simulated[s.id] - s.observed) / s.scale) ** 2 for s in stats)))
