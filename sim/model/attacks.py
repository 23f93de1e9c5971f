"""Attacks: where they happen, what type, how many killed and wounded (docs/model.md 4.9).

Severity is lognormal-Poisson (a heavy right tail) with a log-mean that rises
with the attacking cell's capability: small, poorly armed cells mostly plant
IEDs and kill few; a rare complex attack by a large, coordinated cell can
kill many. Cells hiding in rugged terrain strike in the settled areas next to
it (the brief's hideouts sit beside Kirkuk, Diyala and Salah al-Din towns).
Every attack is logged as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.part import Part, Stream
from sim.model.state import FLAGS, FLOAT_TABLE, INT, INT_TABLE, INTS, build, declare, kernel

ATTACKS = Stream("attacks", 4, "whether an active cell attacks, where, what type, how many casualties")
ATTACK_TYPES = ("ied", "ambush", "assassination", "checkpoint_raid", "complex_attack")
COMPLEX = ATTACK_TYPES.index("complex_attack")
LOG_FIELDS = ("day", "area", "cell", "type", "killed", "wounded", "directed")

@dataclass(frozen=True)
class AttackLog:
    """Every attack of a replicate so far, by column (one entry per attack, in the order they happened)."""

    day: np.ndarray
    area: np.ndarray
    cell: np.ndarray
    type: np.ndarray
    killed: np.ndarray
    wounded: np.ndarray
    directed: np.ndarray

    @classmethod
    def empty(cls) -> AttackLog:
        return cls(*(np.zeros(0, np.int64) for _ in LOG_FIELDS))

    def __len__(self) -> int:
        return len(self.day)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(getattr(self, name), dtype=np.int64) for name in LOG_FIELDS}


AttacksType, Attacks = declare("Attacks", __name__, {
    # The log, one entry per attack (the first `logged`):
    "day": INTS,
    "area": INTS,
    "cell": INTS,
    "type": INTS,
    "killed": INTS,
    "wounded": INTS,
    "directed": FLAGS,
    "logged": INT,
    "today_areas": INTS,          # where today's attacks landed (the first `n_today`)
    "n_today": INT,
    # Where hideout cells strike, restaged weekly from the community stance:
    "staging_targets": INT_TABLE,     # (area, k): settled Iraqi neighbours of a hideout, padded with -1
    "staging_cumulative": FLOAT_TABLE,  # (area, k): their cumulative odds
    "staging_count": INTS,
    "type_weights": FLOAT_TABLE,  # per regime: the types' relative frequencies, normalised
})


@kernel
def restage(attacks, places, stance) -> None:
    """Where hideout cells strike, given the community stance now.

    Odds follow population (targets, cover) times community stance (access: a hostile community reports
    strangers), so a large but hostile area such as the Kurdistan Region is a rare target.
    """
    for area in range(places.n_areas):
        count, total = 0, 0.0
        if places.hideout[area]:
            for k in range(places.neighbours.shape[1]):
                other = places.neighbours[area, k]
                if other >= 0 and places.in_iraq[other] and not places.hideout[other]:
                    total += places.population_k[other] * stance[other]
                    attacks.staging_targets[area, count] = other
                    attacks.staging_cumulative[area, count] = total
                    count += 1
        attacks.staging_count[area] = count


@kernel
def pick(cumulative, count, u) -> int:
    """The first index whose cumulative odds exceed `u` times the total (numpy's searchsorted, right)."""
    x = u * cumulative[count - 1]
    for k in range(count):
        if cumulative[k] > x:
            return k
    return count


@kernel
def place(attacks, home, staging_share, rng) -> int:
    """Where a cell at `home` attacks: staged into a settled neighbour, or at home."""
    count = attacks.staging_count[home]
    if count == 0 or rng.random() >= staging_share:
        return home
    # A hideout whose neighbours are all fully hostile (no odds at all) sends its attacks to the last of them.
    return attacks.staging_targets[home, min(pick(attacks.staging_cumulative[home], count, rng.random()), count - 1)]


@kernel
def choose_type(weights, members, coordination, directed, p, rng) -> int:
    """The attack's type: complex attacks need members and coordination, and the centre's direction."""
    w = weights.copy()
    able = members >= p.complex_min_members
    w[COMPLEX] *= coordination * (p.directed_complex_gain if directed else 1.0) * able
    return pick(np.cumsum(w), w.size, rng.random())


@kernel
def severity(attack_type, capability, p, rng) -> tuple:
    """Killed and wounded: lognormal-Poisson casualties whose log-mean rises with capability; or, for the
    share of attacks that are mass-casualty bombings (a suicide bomber needs no large cell, so any attack
    may be one), a power-law count (a Pareto tail from
    `mass_casualty_minimum` with exponent `mass_casualty_tail`), uncapped: Clauset, Young & Gleditsch (2007)
    find the severity of terrorist attacks power-law distributed, with a tail exponent near 1.4 (2.4 for
    the density), and Baghdad's two bombings of 2021 each killed or wounded about a hundred."""
    if p.mass_casualty_share > 0 and rng.random() < p.mass_casualty_share:
        casualties = int(np.floor(p.mass_casualty_minimum * (1.0 - rng.random()) ** (-1.0 / p.mass_casualty_tail)))
    else:
        log_mean = p.severity_log_mean[attack_type] + p.capability_severity_gain * np.log(max(capability, 1e-3))
        casualties = rng.poisson(np.exp(rng.normal(log_mean, p.severity_log_sd)))
    killed = rng.binomial(casualties, p.killed_share)
    return killed, casualties - killed


@kernel
def _log(attacks, day, area, cell, attack_type, killed, wounded, directed) -> None:
    k = attacks.logged
    if k == attacks.day.size:
        size = 2 * max(k, 64)
        attacks.day = _longer(attacks.day, size)
        attacks.area = _longer(attacks.area, size)
        attacks.cell = _longer(attacks.cell, size)
        attacks.type = _longer(attacks.type, size)
        attacks.killed = _longer(attacks.killed, size)
        attacks.wounded = _longer(attacks.wounded, size)
        attacks.directed = _longer(attacks.directed, size)
    attacks.day[k], attacks.area[k], attacks.cell[k] = day, area, cell
    attacks.type[k], attacks.killed[k], attacks.wounded[k], attacks.directed[k] = attack_type, killed, wounded, directed
    attacks.logged = k + 1


@kernel
def _longer(values, size):
    longer = np.zeros(size, values.dtype)
    longer[: values.size] = values
    return longer


@kernel
def carry_out(attacks, net, attackers, capability, coordination, centre_alive, day, p, weights, staging_share,
              central_share, attack_cost, weapons_per_attack, rng) -> None:
    """Log an attack for each attacking cell; each spends money and arms; note where each landed."""
    if attacks.today_areas.size < attackers.size:
        attacks.today_areas = np.empty(2 * attackers.size, np.int64)
    for k in range(attackers.size):
        slot = attackers[k]
        area = place(attacks, net.area[slot], staging_share, rng)
        directed = centre_alive and rng.random() < central_share
        attack_type = choose_type(weights, net.members[slot], coordination[slot], directed, p, rng)
        killed, wounded = severity(attack_type, capability[k], p, rng)
        _log(attacks, day, area, net.uid[slot], attack_type, killed, wounded, directed)
        attacks.today_areas[k] = area
        net.funds[slot] = max(0.0, net.funds[slot] - attack_cost)
        net.weapons[slot] = max(0.0, net.weapons[slot] - weapons_per_attack)
    attacks.n_today = attackers.size


# ----- the part's place in the day -----------------------------------------------------------
@kernel
def _restage(w) -> None:
    restage(w.attacks, w.places, w.community.stance)


@kernel
def _attack(w) -> None:
    """Today's attacking cells (chosen by sim/model/cells.py) carry out their attacks."""
    r, net, leaders = w.clock.regime, w.cells, w.leadership
    ins = w.params.insurgents[r]
    attackers = net.attackers[: net.n_attackers]
    w.attacks.n_today = 0
    if attackers.size == 0:
        return
    capability = net.capability[: net.n_attackers]
    coordination = leaders.area_coordination[net.area[: net.n]]
    carry_out(w.attacks, net, attackers, capability, coordination, leaders.alive[leaders.centre], w.clock.day,
              w.params.attacks[r], w.attacks.type_weights[r], ins.hideout_staging_share, ins.central_direction_share,
              ins.attack_cost_usd, ins.weapons_per_attack, w.streams.attacks)


def _tables(setup) -> dict:
    return {"type_weights": setup.per_regime(lambda p: np.asarray(p.attacks.type_weights, dtype=float)
                                             / np.asarray(p.attacks.type_weights, dtype=float).sum())}


def _start(setup, tables) -> Attacks:
    geo, capacity = setup.geography, 256
    width = geo.neighbours.shape[1]
    log = {name: np.zeros(capacity, np.bool_ if name == "directed" else np.int64) for name in LOG_FIELDS}
    return build(Attacks, {**log, "logged": 0, "today_areas": np.zeros(64, np.int64), "n_today": 0,
                           "staging_targets": np.full((geo.n_areas, width), -1, np.int64),
                           "staging_cumulative": np.zeros((geo.n_areas, width)),
                           "staging_count": np.zeros(geo.n_areas, np.int64), **tables})


PART = Part(
    name="attacks",
    doc="4.9",
    struct=Attacks,
    state=("day", "area", "cell", "type", "killed", "wounded", "directed", "logged", "today_areas", "n_today",
           "staging_targets", "staging_cumulative", "staging_count"),
    sections=("attacks", "insurgents"),
    streams=(ATTACKS,),
    tables=_tables,
    start=_start,
    hooks={"stance_week": _restage, "attacks": _attack},
)
