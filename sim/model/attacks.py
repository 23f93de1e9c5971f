"""Attacks: where they happen, what type, how many killed and wounded.

Severity is lognormal-Poisson (a heavy right tail) with a log-mean that rises
with the attacking cell's capability: small, poorly armed cells mostly plant
IEDs and kill few; a rare complex attack by a large, coordinated cell can
kill many. Cells hiding in rugged terrain strike in the settled areas next to
it (the brief's hideouts sit beside Kirkuk, Diyala and Salah al-Din towns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel

ATTACK_TYPES = ("ied", "ambush", "assassination", "checkpoint_raid", "complex_attack")
COMPLEX = ATTACK_TYPES.index("complex_attack")


@dataclass
class AttackLog:
    """Every attack of one replicate, appended as it happens."""

    day: list[int]
    area: list[int]
    cell: list[int]
    type: list[int]
    killed: list[int]
    wounded: list[int]
    directed: list[bool]

    @classmethod
    def empty(cls) -> AttackLog:
        return cls([], [], [], [], [], [], [])

    def __len__(self) -> int:
        return len(self.day)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(getattr(self, name), dtype=np.int64)
                for name in ("day", "area", "cell", "type", "killed", "wounded", "directed")}


class AttackPlanner:
    """Turns the day's attacking cells into logged attacks."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        self.configure()
        self.restage(model.geography.community_stance)

    def configure(self) -> None:
        params = self.model.params
        self.p = params.attacks
        self.staging_share = params.insurgents.hideout_staging_share
        self.central_share = params.insurgents.central_direction_share
        weights = np.asarray(self.p.type_weights, dtype=float)
        self.type_weights = weights / weights.sum()
        self.severity_log_mean = np.asarray(self.p.severity_log_mean, dtype=float)

    def restage(self, stance: np.ndarray) -> None:
        """Where hideout cells strike, given the community stance now."""
        self.staging_targets = _staging_targets(self.model.geography, stance)

    def carry_out(self, net: CellNetwork, slots: np.ndarray, capability: np.ndarray, day: int,
                  log: AttackLog) -> np.ndarray:
        """Log an attack for each slot; spend money and arms; return the attack areas."""
        rng = self.model.streams["attacks"]
        coordination = net.coordination()
        centre_alive = net.leadership.alive[net.leadership.centre]
        areas = np.empty(slots.size, dtype=np.int64)
        for k, slot in enumerate(slots):
            home = int(net.area[slot])
            areas[k] = self._place(home, rng)
            directed = bool(centre_alive and rng.random() < self.central_share)
            attack_type = self._choose_type(int(net.members[slot]), coordination[slot], directed, rng)
            killed, wounded = self._severity(attack_type, capability[k], rng)
            log.day.append(day)
            log.area.append(int(areas[k]))
            log.cell.append(int(net.uid[slot]))
            log.type.append(attack_type)
            log.killed.append(killed)
            log.wounded.append(wounded)
            log.directed.append(directed)
            net.funds[slot] = max(0.0, net.funds[slot] - net.p.attack_cost_usd)
            net.weapons[slot] = max(0.0, net.weapons[slot] - net.p.weapons_per_attack)
        return areas

    def _place(self, home: int, rng) -> int:
        targets, cumulative = self.staging_targets[home]
        if targets.size == 0 or rng.random() >= self.staging_share:
            return home
        return int(targets[np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")])

    def _choose_type(self, members: int, coordination: float, directed: bool, rng) -> int:
        weights = self.type_weights.copy()
        able = members >= self.p.complex_min_members
        weights[COMPLEX] *= coordination * (self.p.directed_complex_gain if directed else 1.0) * able
        cumulative = np.cumsum(weights)
        return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))

    def _severity(self, attack_type: int, capability: float, rng) -> tuple[int, int]:
        log_mean = self.severity_log_mean[attack_type] + self.p.capability_severity_gain * np.log(
            max(capability, 1e-3))
        casualties = int(rng.poisson(np.exp(rng.normal(log_mean, self.p.severity_log_sd))))
        killed = int(rng.binomial(casualties, self.p.killed_share))
        return killed, casualties - killed


def _staging_targets(geo, stance: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each hideout, the settled Iraqi neighbours and their cumulative odds as targets.

    Odds follow population (targets, cover) times community stance (access: a
    hostile community reports strangers), so a large but hostile area such as
    the Kurdistan Region is a rare target.
    """
    out = []
    for a in range(geo.n_areas):
        nbrs = geo.neighbours[a][geo.neighbours[a] >= 0]
        nbrs = nbrs[geo.in_iraq[nbrs] & ~geo.hideout[nbrs]] if geo.hideout[a] else nbrs[:0]
        out.append((nbrs, np.cumsum(geo.population_k[nbrs] * stance[nbrs])))
    return out
