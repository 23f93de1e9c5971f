"""Every parameter of the simulator, declared once: type, unit, allowed range, meaning.

Scenario YAML only sets values; these dataclasses are Hydra structured configs,
so a wrong type or unknown key fails at composition, and `validate` checks the
declared ranges afterwards. `docs/model.md` and `docs/parameters.md` give each
parameter's source or the reasoning behind its estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bounds for probabilities and shares.
UNIT_INTERVAL = (0.0, 1.0)


def param(default: Any, unit: str, bounds: tuple[float, float] | None, help: str,
          uncertainty: float | None = None) -> Any:
    """Declare a parameter with its unit, closed range and one-line meaning.

    `bounds` are what the model accepts, usually far wider than what is
    credible. `uncertainty`, given for estimated parameters that calibration
    does not fit, is the factor within which the value is believed to lie:
    the plausible range is the value divided or multiplied by it. Sensitivity
    analyses take their ranges from it (calibrated parameters from their priors).
    """
    if uncertainty is not None and uncertainty <= 1.0:
        raise ValueError(f"uncertainty must be a factor above 1, not {uncertainty}")
    metadata = {"unit": unit, "bounds": bounds, "help": help, "uncertainty": uncertainty}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ScenarioInfo:
    name: str = param("custom", "", None, "scenario name, used for the run directory")
    description: str = param("", "", None, "one paragraph shown by `sim list`")


@dataclass
class InsurgentParams:
    """Size, shape, money and behaviour of IS cells in Iraq (determinant 1)."""

    initial_fighters_iraq: int = param(800, "persons", (0, 20000),
        "IS members in Iraq on the start date, split into cells", uncertainty=1.5)
    mean_cell_size: float = param(6.0, "persons", (1.0, 50.0),
        "mean members per cell at the start")
    max_cell_size: int = param(14, "persons", (2, 100),
        "a cell above this size splits in two")
    initial_active_share: float = param(0.35, "share", UNIT_INTERVAL,
        "share of cells active (not dormant) at the start")
    hideout_start_share: float = param(0.6, "share", UNIT_INTERVAL,
        "share of cells that start in hideout terrain rather than settled areas")
    lateral_links_per_cell: float = param(1.5, "links", (0.0, 10.0),
        "mean links from a cell to other cells of its wilaya")
    leadership_intact: float = param(1.0, "share", UNIT_INTERVAL,
        "share of wilaya leader posts filled at the start (the centre counts as one)")
    leader_replacement_days: float = param(180.0, "days", (1.0, 3650.0),
        "mean time to appoint a replacement for a killed leader")
    leader_exposure_per_capture: float = param(0.15, "probability", UNIT_INTERVAL,
        "chance that each member captured in a raid exposes the wilaya leader to targeting")
    central_direction_share: float = param(0.10, "share", (0.0, 0.15),
        "share of attacks directed by the centre (fewer than 15%, Al-Batakoshi 2025)")
    activation_rate_per_day: float = param(0.012, "1/day", UNIT_INTERVAL,
        "chance a dormant cell turns active, with intact coordination and money", uncertainty=1.5)
    dormancy_rate_per_day: float = param(0.006, "1/day", UNIT_INTERVAL,
        "chance an active cell goes dormant when not under pressure", uncertainty=1.5)
    pressure_dormancy_gain: float = param(6.0, "multiplier", (0.0, 100.0),
        "how much being tracked by intelligence raises the chance of going dormant")
    attack_rate_per_day: float = param(0.0066, "1/day", UNIT_INTERVAL,
        "attack hazard of an active cell of mean size, armed and funded")
    hideout_staging_share: float = param(0.85, "share", UNIT_INTERVAL,
        "share of attacks by hideout cells carried out in a neighbouring settled area")
    recruit_rate_per_member_per_day: float = param(0.0012, "1/day", UNIT_INTERVAL,
        "recruits per member per day with a fully supportive community and ample money")
    desertion_rate_per_day: float = param(0.002, "1/day", UNIT_INTERVAL,
        "chance per member per day of leaving a cell that has run out of money")
    move_rate_when_pressed: float = param(0.08, "1/day", UNIT_INTERVAL,
        "chance per day that a tracked cell moves to safer neighbouring terrain")
    hideout_crowding: float = param(0.03, "safety/cell", (0.0, 1.0),
        "loss of an area's safety for each cell already hiding there")
    initial_funds_per_member_usd: float = param(1500.0, "USD", (0.0, 1e6),
        "cash a cell holds per member at the start")
    income_per_member_usd_per_day: float = param(6.0, "USD/day", (0.0, 1000.0),
        "extortion, kidnapping and smuggling income per member in a populated area", uncertainty=2.0)
    upkeep_per_member_usd_per_day: float = param(5.0, "USD/day", (0.0, 1000.0),
        "salary and upkeep per member (recruitment is money-driven, Al-Batakoshi 2025)")
    central_reserves_usd: float = param(25e6, "USD", (0.0, 1e9),
        "reserves held by intermediaries (US Treasury 2023: 25-50 million)")
    central_share_for_iraq: float = param(0.1, "share", UNIT_INTERVAL,
        "share of the reserves that can reach Iraqi cells over the horizon")
    central_transfer_days: float = param(1460.0, "days", (1.0, 36500.0),
        "time over which the centre would spend Iraq's share, when intact")
    funds_half_saturation_usd: float = param(3000.0, "USD", (1.0, 1e7),
        "cell funds at which money-driven recruitment runs at half its ceiling")
    attack_cost_usd: float = param(800.0, "USD", (0.0, 1e6),
        "money spent per attack")
    weapons_per_member: float = param(1.5, "weapons/person", (0.0, 20.0),
        "arms per member at the start")
    weapons_per_attack: float = param(1.0, "weapons", (0.0, 100.0),
        "arms and explosives used up per attack")
    weapon_price_usd: float = param(600.0, "USD", (1.0, 1e6),
        "price of one weapon or explosive charge bought by a cell")


@dataclass
class AttackParams:
    """Attack types and the heavy-tailed severity of each (casualties per attack)."""

    type_weights: list[float] = param([0.42, 0.24, 0.16, 0.14, 0.04], "weights", (0.0, 100.0),
        "relative frequency of IED, ambush, assassination, checkpoint raid, complex attack")
    complex_min_members: int = param(8, "persons", (1, 100),
        "a cell needs at least this many members to mount a complex attack")
    severity_log_mean: list[float] = param([0.25, 0.7, -0.15, 0.5, 1.55], "log casualties",
        (-5.0, 5.0), "log-scale mean casualties by type, before capability")
    severity_log_sd: float = param(0.85, "log casualties", (0.0, 3.0),
        "spread of the lognormal severity: sets how heavy the tail is")
    capability_severity_gain: float = param(0.35, "log casualties", (0.0, 3.0),
        "increase in log severity per unit of log capability (size, arms)")
    killed_share: float = param(0.45, "share", UNIT_INTERVAL,
        "share of casualties killed rather than wounded")


@dataclass
class IraqiForceParams:
    """Readiness of Iraqi forces to fight alone (determinant 2)."""

    readiness: float = param(0.7, "share", UNIT_INTERVAL,
        "trained, equipped and motivated share of nominal strength")
    detection_rate_per_day: float = param(0.018, "1/day", UNIT_INTERVAL,
        "chance per day that ground forces of unit strength detect an active cell in open terrain")
    neighbour_presence_share: float = param(0.25, "share", UNIT_INTERVAL,
        "share of a unit's presence felt in adjacent areas")
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
    raid_removal_share: float = param(0.6, "share", UNIT_INTERVAL,
        "share of members killed or captured in a successful raid")
    capture_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of removed members captured alive (and interrogated)")
    network_exposure_per_capture: float = param(0.25, "probability", UNIT_INTERVAL,
        "chance each captured member exposes one linked cell")
    exposure_intel: float = param(1.5, "intel units", (0.0, 100.0),
        "intelligence gained on a cell exposed through the network")
    sweep_rate_per_day: float = param(0.05, "sweeps/day", UNIT_INTERVAL,
        "pre-emptive sweeps per day nationwide at full readiness, each of a random hideout area")
    sweep_detection: float = param(0.5, "probability", UNIT_INTERVAL,
        "chance a sweep detects each cell in the swept area")
    reaction_boost: float = param(0.5, "presence multiplier", (0.0, 20.0),
        "surge of presence in an area after an attack there")
    reaction_decay_days: float = param(21.0, "days", (1.0, 365.0),
        "time constant over which a surge fades")
    attack_deterrence: float = param(0.35, "share", UNIT_INTERVAL,
        "share of attacks deterred at the highest presence")
    border_fortification: float = param(0.7, "share", UNIT_INTERVAL,
        "share of crossing attempts stopped by Iraq's fortified border")


@dataclass
class PosturePhase:
    """Coalition posture from `start` until the next phase."""

    start: str = param("2024-01-01", "date", None, "first day of this posture (YYYY-MM-DD)")
    label: str = param("", "", None, "what this phase is")
    bases: dict[str, float] = param({}, "share of 2024 capacity", UNIT_INTERVAL,
        "open bases and the share of their 2024 ISR and strike capacity")
    over_the_horizon_isr: float = param(0.0, "share", UNIT_INTERVAL,
        "ISR coverage from outside Iraq (Gulf bases), everywhere")


@dataclass
class CoalitionParams:
    """Coalition air cover and the drawdown (the drawdown toggle)."""

    phases: list[PosturePhase] = param([], "", None, "posture phases in calendar order")
    isr_radius_km: float = param(450.0, "km", (1.0, 3000.0),
        "distance over which a base's ISR coverage falls to zero")
    strike_rate_per_day: float = param(0.04, "1/day", UNIT_INTERVAL,
        "chance per day of a strike on a located cell under full coverage")
    strike_removal_share: float = param(0.5, "share", UNIT_INTERVAL,
        "share of a struck cell's members killed")
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


@dataclass
class SyriaParams:
    """The Syrian arena: reservoir, detainees, breakouts, the Syrian side of the border (determinant 4)."""

    free_fighters: int = param(1800, "persons", (0, 100000),
        "IS fighters at large in Syria (CENTCOM 2024: about 2,500 across Iraq and Syria)")
    detainees: int = param(9000, "persons", (0, 100000),
        "IS members held in north-east Syrian prisons (CENTCOM 2024: more than 9,000)")
    breakouts_per_year: float = param(0.2, "1/year", (0.0, 50.0),
        "rate of prison or camp breakouts (Ghweiran/al-Sina'a, January 2022)")
    breakout_escape_share: float = param(0.04, "share", UNIT_INTERVAL,
        "mean share of detainees freed by one breakout", uncertainty=2.0)
    syrian_border_control: float = param(0.5, "share", UNIT_INTERVAL,
        "share of crossing attempts stopped on the Syrian side")
    crossing_attempt_rate_per_day: float = param(0.0004, "1/day", UNIT_INTERVAL,
        "chance per day that a free fighter tries to cross into Iraq", uncertainty=2.0)
    attrition_rate_per_day: float = param(0.0004, "1/day", UNIT_INTERVAL,
        "removal of free fighters in Syria by coalition and Syrian operations")
    recruitment_rate_per_day: float = param(0.0004, "1/day", UNIT_INTERVAL,
        "growth of the Syrian reservoir per fighter per day")
    arrival_funds_per_member_usd: float = param(1000.0, "USD", (0.0, 1e6),
        "cash a fighter brings across from IS's Syrian network")


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
    insurgents: InsurgentParams = field(default_factory=InsurgentParams)
    attacks: AttackParams = field(default_factory=AttackParams)
    iraqi_forces: IraqiForceParams = field(default_factory=IraqiForceParams)
    coalition: CoalitionParams = field(default_factory=CoalitionParams)
    relations: RelationsParams = field(default_factory=RelationsParams)
    syria: SyriaParams = field(default_factory=SyriaParams)
    regional: RegionalParams = field(default_factory=RegionalParams)


@dataclass
class RunConfig:
    """A run: a scenario's model parameters plus how to run the ensemble."""

    scenario: ScenarioInfo = field(default_factory=ScenarioInfo)
    seed: int = param(20240101, "", (0, 2**63 - 1), "root seed of the ensemble")
    replicates: int = param(100, "runs", (1, 10_000_000), "number of seeded replicates")
    workers: int = param(1, "processes", (1, 1024), "local worker processes (or Dask workers to start)")
    executor: str = param("local", "", None, "'local': this machine's processes; 'dask': a Dask cluster")
    scheduler: str = param("", "", None, "Dask scheduler address (tcp://host:port); empty starts a local cluster")
    start: str = param("2024-01-01", "date", None, "first simulated day (YYYY-MM-DD)")
    end: str = param("2027-12-31", "date", None, "last simulated day (YYYY-MM-DD)")
    parameters: str = param("point", "", None,
        "'point': the stated point estimates; 'posterior': each replicate draws the calibrated parameters")
    progress: bool = param(True, "", None, "show a progress bar on a terminal")
    plots: bool = param(True, "", None, "draw the plots into the run directory")
    model: ModelParams = field(default_factory=ModelParams)


PARAMETER_MODES = ("point", "posterior")
EXECUTORS = ("local", "dask")
