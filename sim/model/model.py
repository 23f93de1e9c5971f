"""The insurgency model: one replicate, daily steps on real calendar dates.

`InsurgencyModel` is a Mesa model that holds one world (sim/model/world.py):
the state of every part, built from the replicate's parameters, dated changes
and random streams. Its days run compiled (sim/model/day.py), one at a time
through Mesa's `step()` for viewers that watch a replicate, or a whole
horizon at once through `run()`. All randomness comes from `streams`, one
numpy Generator per mechanism built by the caller from the replicate's seed
(sim/runs/seeds.py); nothing here reads a global random state.

Mesa agents stand for what can be inspected: the Iraqi force units, the
coalition bases and the border crossings, and the IS cells as they are at the
moment of asking (`model.agents` makes them from the world's arrays).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.schema import ModelParams, TimelineChange
from sim.model import day as days
from sim.model import network
from sim.model.attacks import LOG_FIELDS, AttackLog
from sim.model.geography import load_geography
from sim.model.part import FLOW
from sim.model.parts import PARTS, monthly_records
from sim.model.snapshot import ModelSnapshot, take_snapshot
from sim.model.world import World, build_world, plan

# What the model records at the end of each month, in the columns' order.
MONTHLY_OUTPUTS = tuple(record.name for _, record in monthly_records())


@dataclass
class ReplicateOutcome:
    """What one replicate produced: its attacks, end-of-month records and running totals."""

    attacks: dict[str, np.ndarray]
    monthly_state: dict[str, np.ndarray]
    month_starts: list[str]
    counters: dict[str, int]


class InsurgentCell(mesa.Agent):
    """An IS cell as it stands when the model is inspected (its numbers are a copy)."""

    def __init__(self, model: InsurgencyModel, uid: int, slot: int, area: int, members: int, active: bool,
                 funds: float, links: tuple[int, ...]):
        super().__init__(model)
        self.uid, self.slot, self.area, self.members = uid, slot, area, members
        self.active, self.funds, self.links = active, funds, links


class ForceUnit(mesa.Agent):
    """An Iraqi unit committed against IS in one area."""

    def __init__(self, model: InsurgencyModel, name: str, branch: str, area: int, strength: float):
        super().__init__(model)
        self.name, self.branch, self.area, self.strength = name, branch, area, strength


class CoalitionBase(mesa.Agent):
    """A base from which the coalition flies ISR and strikes, with its share of 2024 capacity now."""

    def __init__(self, model: InsurgencyModel, base_id: str, name: str, capacity: float):
        super().__init__(model)
        self.base_id, self.name, self.capacity = base_id, name, capacity


class BorderCrossing(mesa.Agent):
    """A named crossing or open desert route, with its permeability now and the fighters through it so far."""

    def __init__(self, model: InsurgencyModel, name: str, iraq_side: int, syria_side: int, permeability: float,
                 crossed: int, left: int):
        super().__init__(model)
        self.name, self.iraq_side, self.syria_side = name, iraq_side, syria_side
        self.permeability, self.crossed, self.left = permeability, crossed, left


class InsurgencyModel(mesa.Model):
    """IS cells against Iraqi forces, with coalition air cover, the Syrian arena and the border."""

    def __init__(self, params: ModelParams, start: str, end: str, streams: Mapping[str, np.random.Generator],
                 changes: Sequence[TimelineChange] = (), world: World | None = None):
        """A new replicate on its start date; or, with `world` (a branch: sim.model.world.branch_world, whose
        streams are `streams`), one that continues that world."""
        super().__init__(rng=streams["start"])
        self.streams = dict(streams)
        self.geography = load_geography()
        self.start_date = dt.date.fromisoformat(start)
        self.end_date = dt.date.fromisoformat(end)
        self.n_days = (self.end_date - self.start_date).days + 1
        made = plan(params, changes, start, end)
        self.timeline, self.month_starts = made.timeline, list(made.month_starts)
        if world is None:
            self.world = build_world(made, self.streams)
            first = self.timeline.first_day_impulses()
            days.begin(self.world, self.timeline.impulse_kind[first], self.timeline.impulse_amount[first],
                       self.timeline.impulse_target[first])
        else:
            self.world = world
            self.steps = self.time = int(world.clock.day)
        self._inspected: list[mesa.Agent] = []

    # ----- time -----------------------------------------------------------------------------
    @property
    def day(self) -> int:
        """Index of the last day simulated (0 = start date; -1 before the first)."""
        return int(self.world.clock.day) - 1

    @property
    def date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=max(self.day, 0))

    def step(self) -> None:
        """One day (Mesa counts it in `steps` and `time`)."""
        days.run_days(self.world, self.world.clock.day + 1)

    def run_until_day(self, until: int) -> None:
        """Simulate up to, not including, day index `until` at once (compiled), keeping Mesa's count."""
        days.run_days(self.world, until)
        self.steps = self.time = int(self.world.clock.day)

    def run(self) -> ReplicateOutcome:
        """Run every day of the horizon and return the outcome."""
        self.run_until_day(self.n_days)
        return self.outcome()

    # ----- records ----------------------------------------------------------------------------
    @property
    def attacks(self) -> AttackLog:
        """Every attack so far (a copy)."""
        return AttackLog(**attack_log(self.world))

    def outcome(self) -> ReplicateOutcome:
        """The attack log, the monthly records (flows as changes over each month) and the running totals."""
        return ReplicateOutcome(attack_log(self.world), monthly(self.world), list(self.month_starts),
                                counters(self.world))

    def snapshot(self) -> ModelSnapshot:
        """A read-only copy of the state, for watching a replicate day by day."""
        return take_snapshot(self)

    def applied_changes(self) -> tuple[str, ...]:
        """Labels of the dated changes in force so far, oldest first."""
        regime = int(self.world.clock.regime)
        return tuple(label for labels in self.timeline.regime_labels[: regime + 1] for label in labels)

    # ----- Mesa agents for inspection ---------------------------------------------------------
    @property
    def agents(self):
        """Every agent as the state stands now: units, bases, crossings and the live cells."""
        self._inspect()
        return super().agents

    def _inspect(self) -> None:
        for agent in self._inspected:
            agent.remove()
        w, geo = self.world, self.geography
        regime = int(w.clock.regime)
        cells = w.cells
        n = int(cells.n)
        uid, area, members = cells.uid[:n], cells.area[:n], cells.members[:n]
        active, funds = cells.active[:n], cells.funds[:n]
        link_a, link_b = cells.link_a[: cells.n_links], cells.link_b[: cells.n_links]
        self._inspected = [ForceUnit(self, u.id, u.branch, u.area, u.strength) for u in geo.units]
        capacity = w.coalition.capacity[regime]
        self._inspected += [CoalitionBase(self, b, name, float(capacity[k]))
                            for k, (b, name) in enumerate(zip(geo.base_ids, geo.base_names, strict=True))]
        permeability, crossed, left = w.border.permeability[regime], w.border.crossed, w.border.left
        self._inspected += [BorderCrossing(self, c.id, c.iraq_side, c.syria_side, float(permeability[k]),
                                           int(crossed[k]), int(left[k])) for k, c in enumerate(geo.crossings)]
        for slot in range(n):
            links = tuple(sorted(int(b) for a, b in zip(link_a, link_b, strict=True) if a == uid[slot])
                          + sorted(int(a) for a, b in zip(link_a, link_b, strict=True) if b == uid[slot]))
            self._inspected.append(InsurgentCell(self, int(uid[slot]), slot, int(area[slot]), int(members[slot]),
                                                 bool(active[slot]), float(funds[slot]), tuple(sorted(links))))


def attack_log(world: World) -> dict[str, np.ndarray]:
    """Every attack so far, by column (integers; `directed` as 0 or 1)."""
    attacks = world.attacks
    count = int(attacks.logged)
    return {name: np.asarray(getattr(attacks, name)[:count], dtype=np.int64) for name in LOG_FIELDS}


def monthly(world: World) -> dict[str, np.ndarray]:
    """Each monthly record by name: states as they stood at each month's end, flows as each month's change."""
    table = world.monthly
    out = {}
    for column, (_, record) in enumerate(monthly_records()):
        values = table[:, column]
        if record.kind == FLOW:
            values = np.diff(values, prepend=0.0)
        if record.decimals is not None:
            values = np.round(values, record.decimals)
        out[record.name] = values.copy()
    return out


def counters(world: World) -> dict[str, int]:
    """Running totals of raids, strikes, breakouts, crossings, leaders killed, fighters; and whether the
    insurgency massed enough fighters in one area to hold ground (the territorial threshold in force)."""
    totals = {name: int(read(getattr(world, part.name))) for part in PARTS for name, read in part.counters.items()}
    threshold = int(world.params.insurgents[int(world.clock.regime)]["territorial_fighters"])
    totals["territorial"] = int(totals["peak_area_fighters"] >= threshold)
    return totals


def fighters_by_area(world: World) -> np.ndarray:
    """IS members in each area now."""
    return network.fighters_by_area(world.cells, int(world.places.n_areas))
