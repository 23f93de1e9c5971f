"""The estimated parameters that calibration fits, their priors, and how a draw enters a run.

Only parameters that no scenario level sets are calibrated: a posterior draw
then changes the model's unobserved rates without overriding any determinant a
scenario chooses (tests check this against the scenario files). Each prior is
stated from reasoning about the quantity itself (what a cell can do in a year,
how many fighters a UN range allows), not from the figures the calibration
fits; its median is the value point-estimate runs use, set in the schema or the
history file, and `reason` says why the prior is where it is and that wide.

One calibrated quantity is not a model parameter: `removals_reported`, the
factor between the model's removals and those US Central Command reports
(partnered operations only, counting supporters as well as fighters). It enters
the comparison with the record, not the model. A second, `reported_per_claim`
(reported attacks per claimed attack), is fitted only where another counter's
counts are (the backtest's origins inside 2020).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.config.paths import read, with_params
from sim.config.schema import ModelParams

# A prior's stated 90% interval runs from the 5% to the 95% quantile: the standard normal's 95%
# quantile, written out as scipy.stats.norm.ppf(0.95) gives it.
Z90 = 1.6448536269514722
KINDS = ("scale", "shift", "share", "observation")


@dataclass(frozen=True)
class CalibratedParameter:
    """One estimated quantity: where it lives, its prior, and why the prior is that wide.

    kind 'scale': a positive rate with a log-normal prior whose median is
    `prior_median` and whose 90% interval runs from median / spread to median x
    spread; a draw replaces the value.
    kind 'shift': a normal prior with mean 0 and standard deviation `spread`; a
    draw is added to every entry of a list-valued parameter.
    kind 'share': a share in (0, 1) with a logit-normal prior centred on
    `prior_median`, `spread` the standard deviation on the logit scale.
    kind 'observation': a log-normal factor of the observation model (median 1,
    90% interval ÷/× spread); no model parameter, `path` is empty.

    The prior is stated here once; the value a point-estimate run uses is the
    schema's (or the history file's), which after calibration is the posterior
    median, so point runs are calibrated runs.

    `state`: the quantity is the state of the fitted history on its start date
    (fighters on 1 January 2020), not a rate or a rule; a run of another history
    keeps that history's own value and draws only the others (sim/config/posterior.py).
    """

    name: str
    path: str
    kind: str
    spread: float
    reason: str
    prior_median: float = 0.0
    state: bool = False

    @property
    def prior_name(self) -> str:
        """The name of the sampled quantity (the log of a rate, the logit of a share, or the shift)."""
        return {"scale": f"log_{self.name}", "observation": f"log_{self.name}",
                "share": f"logit_{self.name}"}.get(self.kind, self.name)

    def point_value(self, model: ModelParams) -> float:
        """The value a point-estimate run uses."""
        if self.kind == "observation":
            return 1.0
        return float(read(model, self.path)) if self.kind != "shift" else 0.0

    def prior_location(self) -> float:
        """The centre of the prior on the sampled scale (a log for scales, a logit for shares), where the
        sampler works with a normal."""
        return self.to_sampled(self.prior_median) if self.kind != "shift" else 0.0

    def prior_scale(self) -> float:
        """The prior's standard deviation on the sampled scale: its 90% interval spans ÷/× `spread`."""
        return math.log(self.spread) / Z90 if self.kind in ("scale", "observation") else self.spread

    def prior_interval(self) -> str:
        """The prior's 90% interval in words, on the scale it is drawn on."""
        if self.kind in ("scale", "observation"):
            return f"÷/× {self.spread:g}"
        return f"logit ± {Z90 * self.spread:.2f}" if self.kind == "share" else f"± {Z90 * self.spread:.2f}"

    def to_sampled(self, value: float) -> float:
        """From a value to the quantity the sampler draws (the inverse of `to_value`)."""
        if self.kind in ("scale", "observation"):
            return math.log(value)
        return math.log(value / (1.0 - value)) if self.kind == "share" else float(value)

    def to_value(self, sampled: float) -> float:
        """From the sampled quantity to the value stored in the posterior table."""
        if self.kind in ("scale", "observation"):
            return math.exp(sampled)
        return 1.0 / (1.0 + math.exp(-sampled)) if self.kind == "share" else float(sampled)


CALIBRATED: tuple[CalibratedParameter, ...] = (
    CalibratedParameter(
        "initial_fighters_iraq", "insurgents.initial_fighters_iraq", "scale", 2.0,
        "No source gives fighters in Iraq alone for January 2020. CJTF-OIR counted 14,000-18,000 members "
        "in Iraq and Syria together (January-March 2020), the UN more than 10,000 active (August 2020); in "
        "2018 the UN found them roughly equally split, and most were not armed fighters in cells. A median "
        "of 2,500 within a factor of two (1,250-5,000) spans a share of the half in Iraq.",
        prior_median=2500, state=True),
    CalibratedParameter(
        "syria_fighters", "syria.free_fighters", "scale", 2.0,
        "IS fighters at large in Syria on 1 January 2020 are not reported apart from Iraq's: the other half "
        "of the figures above, of which the armed fighters at large are a share. A median of 4,000 within "
        "a factor of two.",
        prior_median=4000, state=True),
    CalibratedParameter(
        "attack_rate_per_day", "insurgents.attack_rate_per_day", "scale", 4.0,
        "An active cell of mean size, armed, funded and at full tempo. Today's attacks are 'sporadic' "
        "(Qashta 2025), one a month to one a year for a cell; in 2020 IS claimed 1,422 attacks in Iraq from a "
        "force of perhaps 300-500 cells, several a year for each, more for the active ones. A median of one in "
        "50 days (0.02 a day) within a factor of four (0.005-0.08) spans both.",
        prior_median=0.02),
    CalibratedParameter(
        "severity_log_shift", "attacks.severity_log_mean", "shift", 0.3,
        "The ordering of casualties by attack type is estimated; their common level is not known. A "
        "shift of all five with sd 0.3 moves the mean casualties per attack by a factor of about 1.6 "
        "either way (90%)."),
    CalibratedParameter(
        "detection_rate_per_day", "iraqi_forces.detection_rate_per_day", "scale", 3.0,
        "A unit of ground forces in open terrain detecting an active cell of mean size about once in "
        "two months (0.015 a day) describes the capable intelligence bank Qashta (2025) credits Iraq "
        "with; nothing measures it, hence a factor of three either way.",
        prior_median=0.015),
    CalibratedParameter(
        "recruit_rate_per_member_per_day", "insurgents.recruit_rate_per_member_per_day", "scale", 3.0,
        "Sources say IS fails to recruit (Hassan 2023) and that recruitment is money-driven "
        "(Al-Batakoshi 2025) but give no rate. A median of 0.001 a day per member where the community "
        "supports IS fully (about 4% a year at today's hostile stance) within a factor of three.",
        prior_median=0.001),
    CalibratedParameter(
        "inflow_per_year", "insurgents.inflow_per_year", "scale", 3.0,
        "Members also join whatever the cells' size: men released from Iraqi prisons at the end of their "
        "sentences, returnees from the Syrian camps, kin of members. No source counts them; a few hundred "
        "a year is the order of the crossings from Syria in the years they were heaviest. A median of 150 "
        "a year within a factor of three (50-450).",
        prior_median=150),
    CalibratedParameter(
        "leaderless_share", "insurgents.leaderless_share", "share", 1.0,
        "How much a cell's activity depends on its leaders is unknown: loss of experienced commanders "
        "is named among the causes of decline (Bakhtiari & Taheri 2025), while most operations are not "
        "directed by the centre (Al-Batakoshi 2025). A logit-normal prior centred on 0.4 with sd 1 puts "
        "90% of its weight between about 0.12 and 0.76.",
        prior_median=0.4),
    CalibratedParameter(
        "syria_attack_rate", "syria.attack_rate_per_fighter_per_day", "scale", 3.0,
        "IS in Syria operates as a larger, looser force than its Iraqi cells: about one attack per ten "
        "fighters a year with full room and all its effort there (0.0003 a day), within a factor of "
        "three.",
        prior_median=0.0003),
    CalibratedParameter(
        "attack_excitation", "insurgents.attack_excitation", "scale", 2.0,
        "The branching ratio: further attacks each attack triggers. Lewis et al. (2012) attribute roughly "
        "37-50% of events in Iraq to earlier ones, a ratio of about 0.4-0.5 (a branching ratio is the share "
        "of events triggered by others). A median of 0.35 within a factor of two (0.18-0.7).",
        prior_median=0.35),
    CalibratedParameter(
        "tempo_floor", "insurgents.tempo_floor", "share", 1.0,
        "How far IS holds back in Iraq when it cannot replace its losses ('strategic silence', Qashta "
        "2025): unknown; a logit-normal prior centred on 0.3 with sd 1 puts 90% of its weight between "
        "about 0.08 and 0.67.",
        prior_median=0.3),
    CalibratedParameter(
        "restraint_loss_rate_per_year", "insurgents.restraint_loss_rate_per_year", "scale", 3.0,
        "The loss rate at which IS holds back half of what it can: of the order of the removal rates "
        "Central Command's operations imposed (about 0.4-0.8 of the force a year in 2022-2024); a median "
        "of 0.5 a year within a factor of three.",
        prior_median=0.5),
    CalibratedParameter(
        "effort_substitution", "syria.effort_substitution", "share", 1.5,
        "Whether Iraq and Syria compete for IS's effort or complement each other is the question, not an "
        "assumption: a logit-normal prior centred on 0.5 with sd 1.5 puts 90% of its weight between about "
        "0.08 and 0.92.",
        prior_median=0.5),
    CalibratedParameter(
        "removals_reported", "", "observation", 3.0,
        "US Central Command reports removals from partnered operations only (fewer than the model's "
        "removals) and counts supporters as well as fighters (more): the factor between the two is "
        "unknown, so a median of 1 within a factor of three.",
        prior_median=1.0),
)


# Fitted only by a calibration that fits another counter's counts (an origin inside 2020, before ITIC's count
# of the year is complete): not in CALIBRATED, so the fits of later origins and the shipped posterior do not
# draw it.
REPORTED_PER_CLAIM = CalibratedParameter(
    "reported_per_claim", "", "observation", 3.0,
    "Knights and Almeida count attacks reported by the coalition, private security firms and the media, "
    "geolocated: they include attacks IS never claimed and miss claimed attacks no report recorded. Which "
    "counter is the larger was not known in 2020 (their counts overlap IS's claims only from 2020 on), so a "
    "median of 1 within a factor of three.",
    prior_median=1.0)


def model_parameters() -> tuple[CalibratedParameter, ...]:
    """The calibrated quantities that are model parameters (not observation factors)."""
    return tuple(p for p in CALIBRATED if p.kind != "observation")


def with_values(model: ModelParams, values: dict[str, float]) -> ModelParams:
    """A copy of `model` with calibrated parameters set from posterior-table values."""
    changes: dict[str, Any] = {}
    for p in model_parameters():
        if p.name not in values:
            continue
        value = float(values[p.name])
        if p.kind == "shift":
            changes[p.path] = [float(x) + value for x in read(model, p.path)]
        elif isinstance(read(model, p.path), int):
            changes[p.path] = round(value)
        else:
            changes[p.path] = value
    return with_params(model, changes)
