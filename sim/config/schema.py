"""Every parameter of the simulator, declared once: type, unit, allowed range, meaning.

Scenario YAML only sets values; these dataclasses are Hydra structured configs,
so a wrong type or unknown key fails at composition, and `validate` checks the
declared ranges afterwards. Where each value comes from (a source, or the
reasoning behind an estimate) and how sure we are of it is kept beside the
schema in `sim/data/parameter_sources.yaml`, one entry per parameter (a test
checks that none is missing); `docs/parameters.md` is generated from both.

Three kinds of parameter, by when they act:
- state (`start_only=True`): the world on the start date (fighters, detainees,
  cash). They are read once, when a replicate starts; a dated change cannot
  set them (a one-off event, an `Impulse`, changes the state instead).
- determinants: what the scenario levels set (posture, relations, Syria,
  regional tension, Iraqi forces' readiness); they change on dates.
- behaviour: how cells, forces and the coalition act. Constant unless a dated
  change sets them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

# Bounds for probabilities and shares.
UNIT_INTERVAL = (0.0, 1.0)


def param(default: Any, unit: str, bounds: tuple[float, float] | None, help: str,
          uncertainty: float | None = None, start_only: bool = False,
          plausible: tuple[float, float] | None = None) -> Any:
    """Declare a parameter with its unit, closed range and one-line meaning.

    `bounds` are what the model accepts, usually far wider than what is
    credible. `uncertainty`, where given, is the factor within which the value
    is believed to lie: the plausible range is the value divided or multiplied
    by it. Where it is not given, sensitivity analyses derive the factor from
    the parameter's stated certainty (sim/data/parameter_sources.yaml), and
    calibrated parameters take their ranges from their priors. `plausible`
    is an absolute range instead, for a mechanism switched off at 0, which no
    factor can widen. `start_only` marks state on the start date, which dated
    changes may not set.
    """
    if uncertainty is not None and uncertainty <= 1.0:
        raise ValueError(f"uncertainty must be a factor above 1, not {uncertainty}")
    if plausible is not None and not plausible[0] < plausible[1]:
        raise ValueError(f"a plausible range must run from low to high, not {plausible}")
    metadata = {"unit": unit, "bounds": bounds, "help": help, "uncertainty": uncertainty,
                "start_only": start_only, "plausible": plausible}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ScenarioInfo:
    """What a scenario calls itself: the name its runs are filed under, and what `sim list` says of it."""

    name: str = param("custom", "", None, "scenario name, used for the run directory")
    description: str = param("", "", None, "one paragraph shown by `sim list`")


@dataclass
class InsurgentParams:
    """Size, shape, money and behaviour of IS cells in Iraq (determinant 1)."""

    initial_fighters_iraq: int = param(800, "persons", (0, 20000),
        "IS members in Iraq on the start date, split into cells", uncertainty=1.5, start_only=True)
    mean_cell_size: float = param(6.0, "persons", (1.0, 50.0),
        "mean members per cell at the start", start_only=True)
    max_cell_size: int = param(14, "persons", (2, 100),
        "a cell above this size splits in two")
    min_cell_size: int = param(3, "persons", (1, 100),
        "a cell depleted below this size joins another cell in its area")
    initial_active_share: float = param(0.35, "share", UNIT_INTERVAL,
        "share of cells active (not dormant) at the start", start_only=True)
    hideout_start_share: float = param(0.6, "share", UNIT_INTERVAL,
        "share of cells that start in hideout terrain rather than settled areas", start_only=True)
    no_start_cells_above_population_k: float = param(3000.0, "thousand persons", (0.0, 1e5),
        "IS keeps no standing cells at the start in settled areas more populous than this", start_only=True)
    lateral_links_per_cell: float = param(1.5, "links", (0.0, 10.0),
        "mean links from a cell to other cells of its wilaya", start_only=True)
    leadership_intact: float = param(1.0, "share", UNIT_INTERVAL,
        "share of wilaya leader posts filled at the start (the centre counts as one)", start_only=True)
    leader_replacement_days: float = param(180.0, "days", (1.0, 3650.0),
        "mean time to appoint a replacement for a killed leader")
    leader_seasoning_days: float = param(365.0, "days", (1.0, 3650.0),
        "time constant over which a new leader gains the experience of a seasoned one")
    successor_experience: float = param(0.3, "share", UNIT_INTERVAL,
        "experience of a newly appointed leader relative to a seasoned one")
    wali_coordination_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of a cell's coordination that comes from its wali; the rest comes from the centre")
    leaderless_share: float = param(0.6683, "share", UNIT_INTERVAL,
        "share of its waking and attacking a cell keeps with no coordination at all")
    leader_exposure_per_capture: float = param(0.15, "probability", UNIT_INTERVAL,
        "chance that each member captured in a raid exposes the wilaya leader to targeting")
    centre_exposure_per_lead: float = param(0.25, "exposure", (0.0, 1.0),
        "exposure of the centre added whenever a capture exposes a wali (1 makes it a target)")
    central_direction_share: float = param(0.10, "share", (0.0, 0.15),
        "share of attacks directed by the centre (fewer than 15%, Al-Batakoshi 2025)")
    activation_rate_per_day: float = param(0.012, "1/day", UNIT_INTERVAL,
        "chance a dormant cell turns active, with intact coordination and money", uncertainty=1.5)
    dormancy_rate_per_day: float = param(0.006, "1/day", UNIT_INTERVAL,
        "chance an active cell goes dormant when not under pressure", uncertainty=1.5)
    pressure_dormancy_gain: float = param(6.0, "multiplier", (0.0, 100.0),
        "how much being tracked by intelligence raises the chance of going dormant")
    wake_pressure_limit: float = param(0.5, "share of locating intelligence", UNIT_INTERVAL,
        "a dormant cell tracked this closely (intelligence held on it over what locates it) does not wake")
    attack_rate_per_day: float = param(0.06853, "1/day", UNIT_INTERVAL,
        "attack hazard of an active cell of mean size, armed and funded")
    attack_excitation: float = param(0.5169, "attacks per attack", (0.0, 20.0),
        "further attacks each attack triggers in its wilaya over the following weeks (the branching ratio; "
        "at 1 or more the attacks would grow without bound); with excitation_shared false, the rise in the "
        "hazard of every active cell of the wilaya instead")
    excitation_shared: bool = param(True, "", None,
        "an attack's excitation is shared among its wilaya's active cells, so that it triggers "
        "attack_excitation further attacks whatever their number; false: every active cell's hazard rises "
        "by all of it (the earlier rule, kept to reproduce runs made with it)")
    excitation_decay_days: float = param(21.0, "days", (1.0, 365.0),
        "time constant over which the excitation after an attack fades")
    hideout_staging_share: float = param(0.85, "share", UNIT_INTERVAL,
        "share of attacks by hideout cells carried out in a neighbouring settled area")
    recruit_rate_per_member_per_day: float = param(0.001031, "1/day", UNIT_INTERVAL,
        "recruits per member per day with a fully supportive community and ample money")
    inflow_per_year: float = param(129.6, "persons/year", (0.0, 1e5),
        "members who join IS's cells in Iraq whatever the cells' size (released prisoners, returnees, kin)")
    desertion_rate_per_day: float = param(0.002, "1/day", UNIT_INTERVAL,
        "chance per member per day of leaving a cell that has run out of money")
    move_rate_when_pressed: float = param(0.08, "1/day", UNIT_INTERVAL,
        "chance per day that a tracked cell moves to safer neighbouring terrain")
    trail_kept_after_move: float = param(0.5, "share", UNIT_INTERVAL,
        "share of the intelligence on a cell that follows it to a new area")
    hideout_crowding: float = param(0.03, "safety/cell", (0.0, 1.0),
        "loss of an area's safety for each cell already hiding there")
    presence_danger: float = param(0.1, "safety per unit presence", (0.0, 10.0),
        "weight of standing force presence against ruggedness when cells judge how safe an area is")
    initial_funds_per_member_usd: float = param(1500.0, "USD", (0.0, 1e6),
        "cash a cell holds per member at the start", start_only=True)
    income_per_member_usd_per_day: float = param(6.0, "USD/day", (0.0, 1000.0),
        "extortion, kidnapping and smuggling income per member in a populated area", uncertainty=2.0)
    income_half_population_k: float = param(200.0, "thousand persons", (1.0, 1e5),
        "population of an area at which it yields half a city's extortion income")
    upkeep_per_member_usd_per_day: float = param(5.0, "USD/day", (0.0, 1000.0),
        "salary and upkeep per member (recruitment is money-driven, Al-Batakoshi 2025)")
    dormant_upkeep_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of its members a dormant cell keeps on salary")
    cash_target_days: float = param(180.0, "days of upkeep", (0.0, 3650.0),
        "the centre pays its stipend to cells holding less cash than this many days of their members' upkeep")
    central_reserves_usd: float = param(25e6, "USD", (0.0, 1e9),
        "reserves held by intermediaries (US Treasury 2023: 25-50 million)", start_only=True)
    central_stipend_usd_per_day: float = param(3.0, "USD/day", (0.0, 1000.0),
        "what the centre pays per member per day to cells short of cash, with IS's effort split evenly "
        "between Iraq and Syria")
    stipend_effort_elasticity: float = param(0.5, "elasticity", (0.0, 3.0),
        "how strongly the stipend follows the share of IS's effort turned to Iraq (0: not at all, 1: in proportion)")
    reserve_spending_days: float = param(1460.0, "days", (1.0, 36500.0),
        "time constant over which the centre spends its reserves on its other theatres")
    funds_half_saturation_usd: float = param(3000.0, "USD", (1.0, 1e7),
        "cell funds at which money-driven recruitment runs at half its ceiling")
    attack_cost_usd: float = param(800.0, "USD", (0.0, 1e6),
        "money spent per attack")
    unfunded_share: float = param(0.3, "share", UNIT_INTERVAL,
        "share of what a cell can do (wake, attack) when it has no money")
    weapons_per_member: float = param(1.5, "weapons/person", (0.0, 20.0),
        "arms per member at the start, and the standard a cell buys up to")
    weapons_per_attack: float = param(1.0, "weapons", (0.0, 100.0),
        "arms and explosives used up per attack")
    weapon_price_usd: float = param(600.0, "USD", (1.0, 1e6),
        "price of one weapon or explosive charge bought by a cell")
    territorial_fighters: int = param(1000, "persons", (1, 100000),
        "fighters massed in one area that could take and hold ground, 2014-style (an outcome threshold)")
    tempo_floor: float = param(0.3684, "share", UNIT_INTERVAL,
        "share of its attack hazard IS keeps in Iraq under the heaviest losses (1: it never holds back)")
    restraint_loss_rate_per_year: float = param(0.5982, "1/year", (1e-3, 100.0),
        "members removed in Iraq per member per year at which IS holds back half of what it can hold back")
    loss_memory_days: float = param(180.0, "days", (7.0, 3650.0),
        "time constant over which IS weighs the losses it has suffered")
    tempo_shift_days: float = param(90.0, "days", (7.0, 3650.0),
        "time constant over which IS's tempo in Iraq follows the target its losses set")
    initial_tempo: float = param(1.0, "share", UNIT_INTERVAL,
        "IS's tempo in Iraq on the start date", start_only=True)


@dataclass
class AttackParams:
    """Attack types and the heavy-tailed severity of each (casualties per attack)."""

    type_weights: list[float] = param([0.42, 0.24, 0.16, 0.14, 0.04], "weights", (0.0, 100.0),
        "relative frequency of IED, ambush, assassination, checkpoint raid, complex attack")
    complex_min_members: int = param(8, "persons", (1, 100),
        "a cell needs at least this many members to mount a complex attack")
    directed_complex_gain: float = param(4.0, "multiplier", (1.0, 100.0),
        "how much likelier a complex attack is when the centre directs the attack")
    severity_log_mean: list[float] = param([0.2413, 0.6913, -0.1587, 0.4913, 1.5413], "log casualties",
        (-5.0, 5.0), "log-scale mean casualties by type, before capability")
    severity_log_sd: float = param(0.85, "log casualties", (0.0, 3.0),
        "spread of the lognormal severity: sets how heavy the tail is")
    capability_severity_gain: float = param(0.35, "log casualties", (0.0, 3.0),
        "increase in log severity per unit of log capability (size, arms)")
    killed_share: float = param(0.45, "share", UNIT_INTERVAL,
        "share of casualties killed rather than wounded")
    mass_casualty_share: float = param(0.0056, "share", UNIT_INTERVAL,
        "share of attacks that are mass-casualty bombings (a suicide bomber or car bomb in a crowd)",
        plausible=(0.002, 0.015))
    mass_casualty_minimum: float = param(20.0, "casualties", (1.0, 1000.0),
        "the smallest casualty count of a mass-casualty bombing: where its power-law tail begins")
    mass_casualty_tail: float = param(1.4, "exponent", (0.2, 5.0),
        "tail exponent of mass-casualty bombings: the chance of at least x casualties falls as x to this power")


@dataclass
class IraqiForceParams:
    """Readiness of Iraqi forces to fight alone (determinant 2)."""

    readiness: float = param(0.7, "share", UNIT_INTERVAL,
        "trained, equipped and motivated share of nominal strength")
    detection_rate_per_day: float = param(0.02347, "1/day", UNIT_INTERVAL,
        "chance per day that ground forces of unit strength detect an active cell in open terrain")
    cells_followed_per_area: float = param(20.0, "cells", (1.0, 10000.0),
        "cells in one area at which its intelligence network gives each half the attention it gives a lone "
        "cell (attention per cell: 1 / (1 + cells / this))")
    neighbour_presence_share: float = param(0.25, "share", UNIT_INTERVAL,
        "share of a unit's presence felt in adjacent areas")
    pmf_strength: float = param(1.0, "multiplier", (0.0, 5.0),
        "strength of Popular Mobilization Forces units relative to their 2024 deployment")
    pmf_grievance: float = param(0.05, "stance", (0.0, 1.0),
        "rise in community stance towards IS in an area where PMF units provide all the presence")
    seam_coordination: float = param(0.5, "share", UNIT_INTERVAL,
        "coordination between federal and Kurdistan Region forces in the disputed territories (1 = seamless)")
    seam_presence_gap: float = param(0.5, "share", UNIT_INTERVAL,
        "share of presence lost in the disputed territories where the two forces do not coordinate at all")
    own_isr_coverage: float = param(0.25, "share", UNIT_INTERVAL,
        "ISR coverage from Iraq's own drones and aircraft, everywhere in Iraq")
    substitute_isr_coverage: float = param(0.0, "share", UNIT_INTERVAL,
        "ISR coverage from regional partners filling the coalition gap")
    isr_detection_gain: float = param(2.5, "multiplier", (0.0, 50.0),
        "extra detection at full ISR coverage, relative to ground forces alone", uncertainty=1.5)
    dormant_exposure: float = param(0.25, "share", UNIT_INTERVAL,
        "how visible a dormant cell is relative to an active one")
    hostile_community_gain: float = param(1.0, "multiplier", (0.0, 10.0),
        "extra detection from tips where the community is fully hostile to IS")
    post_attack_intel: float = param(0.7, "intel units", (0.0, 100.0),
        "intelligence gained on a cell from investigating its attack")
    intel_to_locate: float = param(2.0, "intel units", (0.1, 100.0),
        "intelligence needed to locate a cell for a raid or strike", uncertainty=1.5)
    intel_decay_per_day: float = param(0.02, "1/day", UNIT_INTERVAL,
        "daily decay of intelligence on a cell that is not refreshed")
    raids_per_day: float = param(0.35, "raids/day", (0.0, 100.0),
        "raids Iraq can mount per day nationwide at full readiness and budget", uncertainty=1.5)
    raid_success: float = param(0.7, "probability", UNIT_INTERVAL,
        "chance a raid on a located cell in open terrain reaches it")
    raid_terrain_penalty: float = param(0.5, "share", UNIT_INTERVAL,
        "share of raid success lost in the most rugged terrain")
    trail_kept_after_failed_raid: float = param(0.5, "share", UNIT_INTERVAL,
        "share of the intelligence on a cell left after a raid that misses it")
    raid_removal_share: float = param(0.6, "share", UNIT_INTERVAL,
        "share of members killed or captured in a successful raid")
    capture_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of removed members captured alive (and interrogated)")
    network_exposure_per_capture: float = param(0.25, "probability", UNIT_INTERVAL,
        "chance each captured member exposes one linked cell")
    exposure_intel: float = param(1.5, "intel units", (0.0, 100.0),
        "intelligence gained on a cell exposed through the network")
    own_strike_rate_per_day: float = param(0.02, "1/day", UNIT_INTERVAL,
        "chance per day of an Iraqi air or drone strike on a located cell, at full readiness and full own ISR")
    own_strike_removal_share: float = param(0.4, "share", UNIT_INTERVAL,
        "share of a cell's members killed by an Iraqi strike")
    own_leader_strike_rate_per_day: float = param(0.01, "1/day", UNIT_INTERVAL,
        "chance per day that Iraq kills an exposed leader, at full readiness and full own ISR")
    sweep_rate_per_day: float = param(0.05, "sweeps/day", UNIT_INTERVAL,
        "pre-emptive sweeps per day nationwide at full readiness, each of a random hideout area")
    sweep_detection: float = param(0.5, "probability", UNIT_INTERVAL,
        "chance a sweep detects each cell in the swept area")
    sweep_terrain_penalty: float = param(0.5, "share", UNIT_INTERVAL,
        "share of a sweep's chance to find a cell lost in the most rugged terrain")
    reaction_boost: float = param(0.5, "presence multiplier", (0.0, 20.0),
        "surge of presence in an area after an attack there")
    reaction_limit: float = param(3.0, "presence multiplier", (0.0, 100.0),
        "the largest surge an area can get, however many attacks (forces to send are finite)")
    reaction_decay_days: float = param(21.0, "days", (1.0, 365.0),
        "time constant over which a surge fades")
    attack_deterrence: float = param(0.35, "share", UNIT_INTERVAL,
        "share of attacks deterred at the highest presence")
    border_fortification: float = param(0.7, "share", UNIT_INTERVAL,
        "share of crossing attempts stopped by Iraq's fortified border")
    raid_collateral_chance: float = param(0.05, "probability", UNIT_INTERVAL,
        "chance that a raid in a settled area harms civilians or is heavy-handed")
    own_strike_collateral_chance: float = param(0.08, "probability", UNIT_INTERVAL,
        "chance that an Iraqi strike causes civilian casualties")
    backlash_stance_per_incident: float = param(0.02, "stance", UNIT_INTERVAL,
        "rise in an area's community stance towards IS after one incident of collateral damage")
    backlash_decay_days: float = param(180.0, "days", (1.0, 3650.0),
        "time constant over which the backlash from collateral damage fades")
    prison_detainees: int = param(20000, "persons", (0, 200000),
        "IS members held in Iraqi prisons on the start date", start_only=True)
    prison_breaks_per_year: float = param(0.02, "1/year", (0.0, 50.0),
        "rate of escapes from Iraqi prisons")
    prison_break_escape_share: float = param(0.01, "share", UNIT_INTERVAL,
        "mean share of Iraq's IS detainees freed by one escape")


@dataclass
class CoalitionParams:
    """Coalition air cover and the drawdown (the drawdown toggle)."""

    bases: dict[str, float] = param({"ain_al_asad": 1.0, "victoria": 1.0, "erbil": 1.0, "harir": 1.0},
        "share of 2024 capacity", UNIT_INTERVAL,
        "open coalition bases and the share of their 2024 ISR and strike capacity")
    over_the_horizon_isr: float = param(0.0, "share", UNIT_INTERVAL,
        "ISR coverage for Iraq from outside it (Gulf bases), everywhere")
    isr_radius_km: float = param(450.0, "km", (1.0, 3000.0),
        "distance over which a base's ISR coverage falls to zero")
    strike_rate_per_day: float = param(0.04, "1/day", UNIT_INTERVAL,
        "chance per day of a strike on a located cell under full coverage")
    strike_capacity_per_month: float = param(20.0, "strikes/month", (0.0, 1e12),
        "most coalition strikes on IS in Iraq in a month (the sorties flown); unused sorties carry over "
        "up to one month's worth")
    strike_removal_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of a struck cell's members killed")
    strike_collateral_chance: float = param(0.02, "probability", UNIT_INTERVAL,
        "chance that a coalition strike causes civilian casualties")
    leader_strike_rate_per_day: float = param(0.02, "1/day", UNIT_INTERVAL,
        "chance per day of killing an exposed leader under full coverage")


@dataclass
class RelationsParams:
    """Baghdad-Washington relations (determinant 3)."""

    intelligence_sharing: float = param(1.0, "share", UNIT_INTERVAL,
        "share of the coalition's ISR product passed to Iraqi forces")
    security_budget: float = param(1.0, "index, 2024 = 1", (0.2, 1.5),
        "real budget of the security forces")
    budget_readiness_elasticity: float = param(0.6, "elasticity", (0.0, 3.0),
        "readiness scales as budget to this power (maintenance, pay, fuel)")
    reconstruction_stance_drift_per_year: float = param(0.05, "stance/year", (0.0, 1.0),
        "rise in community stance towards IS per year per unit of budget shortfall")
    community_estrangement: float = param(0.0, "stance", UNIT_INTERVAL,
        "rise in the stance towards IS of every area in Iraq from Baghdad's treatment of Sunni communities "
        "(arrests of their leaders, crackdowns on protest); 0 from 2020, set by dated changes of a history",
        plausible=(0.0, 0.4))


@dataclass
class SyriaParams:
    """The Syrian arena: IS in Syria, detainees and camps, the Syrian side of the border (determinant 4)."""

    free_fighters: int = param(1800, "persons", (0, 100000),
        "IS fighters at large in Syria on the start date", start_only=True)
    detainees: int = param(9000, "persons", (0, 100000),
        "IS members held in north-east Syrian prisons on the start date", start_only=True)
    camp_population: int = param(43000, "persons", (0, 200000),
        "people held in the al-Hol and Roj camps on the start date", start_only=True)
    iraq_effort_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of IS's central effort (money, leaders' attention, fighters) turned to Iraq on the start "
        "date", start_only=True)
    permissiveness: float = param(0.5, "share", UNIT_INTERVAL,
        "room IS has to operate in Syria: 0 under a state and partners that hunt it, 1 in a collapse")
    iraq_symbolic_weight: float = param(0.65, "share", UNIT_INTERVAL,
        "weight IS gives Iraq against Syria at equal opportunity (it calls Iraq its symbolic centre)")
    room_fighters: float = param(2000.0, "persons", (1.0, 1e6),
        "IS's force in Syria at which the room Syria offers is shared so that each fighter finds half of it")
    effort_shift_days: float = param(120.0, "days", (1.0, 3650.0),
        "time constant over which IS moves effort towards the theatre that offers more room")
    effort_substitution: float = param(0.4401, "share", UNIT_INTERVAL,
        "how far IS moves its effort from the even split towards the theatre with more room (0: not at all, so "
        "a collapse in Syria only sends Iraq fighters and money; 1: wholly, the theatres compete)")
    breakouts_per_year: float = param(0.2, "1/year", (0.0, 50.0),
        "rate of prison or camp breakouts (Ghweiran/al-Sina'a, January 2022)")
    breakout_escape_share: float = param(0.04, "share", UNIT_INTERVAL,
        "mean share of detainees freed by one breakout", uncertainty=2.0)
    camp_security: float = param(0.8, "share", UNIT_INTERVAL,
        "share of smuggling out of the camps that their guards stop")
    camp_recruits_per_thousand_per_year: float = param(2.0, "persons/1000/year", (0.0, 1000.0),
        "fighters IS draws from the camps per thousand residents per year, with no guard at all")
    syrian_border_control: float = param(0.5, "share", UNIT_INTERVAL,
        "share of crossing attempts stopped on the Syrian side")
    crossing_attempt_rate_per_day: float = param(0.0004, "1/day", UNIT_INTERVAL,
        "chance per day that a free fighter in Syria tries to cross into Iraq, with effort split evenly",
        uncertainty=2.0)
    redeployment_rate_per_day: float = param(0.001, "1/day", UNIT_INTERVAL,
        "chance per day that a cell near the border leaves Iraq for Syria, with effort split evenly")
    attrition_rate_per_day: float = param(0.0004, "1/day", UNIT_INTERVAL,
        "removal of free fighters in Syria by coalition and Syrian operations")
    recruitment_rate_per_day: float = param(0.0003, "1/day", UNIT_INTERVAL,
        "growth of the Syrian reservoir per fighter per day, where IS has full room")
    inflow_per_year: float = param(0.0, "persons/year", (0.0, 1e5),
        "recruits who join IS in Syria whatever the size of its force there (foreign fighters arriving, as "
        "in their thousands in 2012-2014); 0 from 2020, when the flow had stopped, set by dated changes of a "
        "history", plausible=(0.0, 1000.0))
    attack_rate_per_fighter_per_day: float = param(0.0004119, "1/day", UNIT_INTERVAL,
        "attacks in Syria per free fighter per day, where IS has full room and all its effort there")
    arrival_funds_per_member_usd: float = param(1000.0, "USD", (0.0, 1e6),
        "cash a fighter brings across from IS's Syrian network")
    income_per_fighter_usd_per_day: float = param(2.0, "USD/day", (0.0, 1000.0),
        "income IS raises in Syria (extortion, smuggling) per fighter there, with full room, into its reserves")


@dataclass
class RegionalParams:
    """Regional tension: Gaza war, Iran-Israel confrontation (determinant 5)."""

    force_diversion: float = param(0.0, "share", (0.0, 0.9),
        "share of Iraqi counter-IS effort diverted to factions and regional crises")
    coalition_diversion: float = param(0.0, "share", (0.0, 0.9),
        "share of coalition ISR diverted to force protection and Iran")
    recruitment_boost: float = param(0.0, "multiplier", (0.0, 5.0),
        "extra recruitment from propaganda on the regional conflict")


@dataclass
class ModelParams:
    """Every parameter of the model, by section: what a run's config holds under `model`."""

    insurgents: InsurgentParams = field(default_factory=InsurgentParams)
    attacks: AttackParams = field(default_factory=AttackParams)
    iraqi_forces: IraqiForceParams = field(default_factory=IraqiForceParams)
    coalition: CoalitionParams = field(default_factory=CoalitionParams)
    relations: RelationsParams = field(default_factory=RelationsParams)
    syria: SyriaParams = field(default_factory=SyriaParams)
    regional: RegionalParams = field(default_factory=RegionalParams)


# The Python types behind the schema's annotations (written as strings under `from __future__ import annotations`).
_TYPES = {"float": float, "int": int, "bool": bool, "str": str, "list[float]": list[float],
          "dict[str, float]": dict[str, float]}


def _branch_section(cls: type) -> type:
    """A copy of a parameter section with every parameter optional and unset (None), start-only ones left out.

    A scenario's branch sets only what it changes; the rest stays as the history left it.
    """
    fields = [(f.name, Optional[_TYPES[f.type]], field(default=None, metadata=f.metadata))  # noqa: UP045
              for f in dataclasses.fields(cls) if not f.metadata.get("start_only")]
    return dataclasses.make_dataclass(f"Branch{cls.__name__}", fields)


_BRANCH_SECTIONS = {f.name: _branch_section(type(getattr(ModelParams(), f.name)))
                    for f in dataclasses.fields(ModelParams)}
# What a scenario's levels set on its branch date: ModelParams' shape, every entry optional.
BranchParams = dataclasses.make_dataclass(
    "BranchParams", [(name, cls, field(default_factory=cls)) for name, cls in _BRANCH_SECTIONS.items()])
# Module attributes, so that configs holding them pickle (worker processes receive configs by pickle).
globals().update({cls.__name__: cls for cls in _BRANCH_SECTIONS.values()})


@dataclass
class Impulse:
    """A one-off change of the state on a change's date (state parameters cannot change on a date).

    Kinds: 'breakout' frees `amount` detainees in north-east Syria; 'detainee_transfer' moves
    `amount` of them to Iraqi prisons; 'camp_transfer' moves `amount` camp residents out of the
    camps (repatriation or transfer); 'leader_killed' kills the leader of post `target` (a wilaya,
    or 'centre'); 'reserves' adds `amount` US dollars to the central reserves (negative: seized);
    'arrivals' places `amount` fighters in Iraqi area `target`.
    """

    kind: str = param("", "", None, "what happens: breakout, detainee_transfer, camp_transfer, "
                      "leader_killed, reserves or arrivals")
    amount: float = param(0.0, "", None, "how many persons, or US dollars for reserves")
    target: str = param("", "", None, "the leader post (wilaya or 'centre') or the area, where the kind needs one")


@dataclass
class TimelineChange:
    """What changes on one date: determinant levels, raw parameters, and one-off events.

    `levels` name determinant levels (group -> level); `params` set raw parameters by their
    path under `model` (section.name -> value). In a resolved config every level has been
    expanded into `params`, and the level names are kept for people to read.
    """

    date: str = param("", "date", None, "the day the change takes effect (YYYY-MM-DD)")
    label: str = param("", "", None, "what happens, in a few words")
    levels: dict[str, str] = param({}, "", None, "determinant group -> level from this date")
    params: dict[str, Any] = param({}, "", None, "raw parameters (section.name -> value) from this date")
    impulses: list[Impulse] = param([], "", None, "one-off events on this date")
    source: str = param("", "", None, "where the date and the change come from")
    estimated: bool = param(False, "", None, "true where the date or the change is estimated, not sourced")
    confidence: str = param("", "", None, "confirmed, date estimated, size estimated or weakly sourced")
    origin: str = param("", "", None, "history, branch or scenario: which part of the config it came from")


@dataclass
class RunConfig:
    """A run: a scenario's model parameters, its dated changes, and how to run the ensemble.

    `model` holds the parameters in force on the start date. The observed history
    (`history`: its dated changes up to `observed_through`) changes them on its
    dates; the scenario's branch levels (`branch`, section -> {name: value}) take
    effect on `branch_date` (empty: the day after the history ends), and its own
    dated changes (`timeline`) after that. Resolving a config merges all three
    into `changes`, the one list the model reads, and marks it `resolved`, so a
    resolved config (as a run directory stores it) resolves to itself.
    """

    scenario: ScenarioInfo = field(default_factory=ScenarioInfo)
    seed: int = param(20240101, "", (0, 2**63 - 1), "root seed of the ensemble")
    replicates: int = param(100, "runs", (1, 10_000_000), "number of seeded replicates")
    workers: int = param(1, "processes", (1, 1024), "local worker processes (or Dask workers to start)")
    executor: str = param("local", "", None, "'local': this machine's processes; 'dask': a Dask cluster")
    scheduler: str = param("", "", None, "Dask scheduler address (tcp://host:port); empty starts a local cluster")
    start: str = param("2022-01-01", "date", None, "first simulated day (YYYY-MM-DD)")
    end: str = param("2028-12-31", "date", None, "last simulated day (YYYY-MM-DD)")
    parameters: str = param("point", "", None,
        "point, posterior (fitted draws) or uncertain (weak ones drawn too)")
    replicates_per_draw: int = param(1, "replicates", (1, 10_000),
        "consecutive replicates that share one parameter draw (posterior, uncertain)")
    progress: bool = param(True, "", None, "show progress: a bar on a terminal, else a line on stderr every 30 s")
    plots: bool = param(True, "", None, "draw the figures into the run's folder")
    csv: bool = param(True, "", None,
        "write each table as CSV beside its Parquet file (false for very large ensembles)")
    history: str = param("none", "", None,
        "the observed history the run follows to its end ('none': no history)")
    observed_through: str = param("", "date", None, "the last date the observed history covers")
    branch_date: str = param("", "date", None,
        "the day the scenario's levels take effect (empty: after the history)")
    branch_levels: dict[str, str] = param({}, "", None, "the scenario's determinant levels by group (names)")
    branch: BranchParams = field(default_factory=BranchParams, metadata={
        "help": "what the scenario's levels set from the branch date: section -> {parameter: value}"})
    # Dated changes are kept as plain mappings while a config is composed (structured nodes for dozens of
    # changes would make composing several times slower); resolving checks each and makes it a TimelineChange.
    timeline: list[Any] = param([], "", None, "the scenario's own dated changes, after the branch date")
    changes: list[Any] = param([], "", None, "every dated change, resolved (TimelineChange): what the model reads")
    resolved: bool = param(False, "", None, "true once `changes` holds the history, the branch and the timeline")
    model: ModelParams = field(default_factory=ModelParams)


PARAMETER_MODES = ("point", "posterior", "uncertain")
# The modes that draw parameters from the shipped posterior.
POSTERIOR_MODES = ("posterior", "uncertain")
EXECUTORS = ("local", "dask")


def _upper(section: type, name: str) -> float:
    """The upper bound declared for a parameter above (an impulse may not move more than the state can hold)."""
    return next(f for f in dataclasses.fields(section) if f.name == name).metadata["bounds"][1]


# What an impulse's amount counts, by kind: its unit, the range accepted (that of the state it changes), and
# its meaning. Without a bound one scenario line could place a million fighters (or an infinite number).
IMPULSE_AMOUNTS = {
    "breakout": ("persons", (0, _upper(SyriaParams, "detainees")), "detainees freed in north-east Syria"),
    "detainee_transfer": ("persons", (0, _upper(SyriaParams, "detainees")),
                          "detainees moved from north-east Syria to Iraqi prisons"),
    "camp_transfer": ("persons", (0, _upper(SyriaParams, "camp_population")), "camp residents moved out of the camps"),
    "leader_killed": ("", (0, 0), "none: the kind kills one leader, its target"),
    "reserves": ("USD", (-_upper(InsurgentParams, "central_reserves_usd"), _upper(InsurgentParams,
                 "central_reserves_usd")), "US dollars added to the central reserves (negative: seized)"),
    "arrivals": ("persons", (0, _upper(InsurgentParams, "initial_fighters_iraq")),
                 "fighters placed in the target area"),
}
IMPULSE_KINDS = tuple(IMPULSE_AMOUNTS)
