"""Wilaya leaders and the centre: who coordinates the cells, and what losing them costs (docs/model.md 4.3).

Qashta (2025) lists the 2023-2025 losses (a deputy caliph, the wali of Iraq,
the wali of Kirkuk, Fallujah wilaya chiefs); Bakhtiari & Taheri (2025) name the
loss of experienced commanders among the causes of decline. Here a killed
leader cuts the coordination of the cells under them until a replacement is
appointed after a random delay; the replacement starts with little experience
and grows into the post over months, so repeated losses keep coordination low
long after every post is filled again. Leaders die two ways: exposed by
captures and then struck (sim/model/forces.py, coalition.py), or on the dated
kills of the observed history (the caliphs killed in 2022 and 2023, the deputy
caliph in March 2025). Posts: one per wilaya, and the centre as the last.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import IMPULSE_KINDS
from sim.model.part import STATE, Part, Record, Stream
from sim.model.state import FLOAT, FLOATS, FLAGS, INT, declare, kernel

LEADERSHIP = Stream("leadership", 8, "delays before killed leaders are replaced")
LEADER_KILLED = "leader_killed"
_LEADER_KILLED = IMPULSE_KINDS.index(LEADER_KILLED)

LeadershipType, Leadership = declare("Leadership", __name__, {
    "alive": FLAGS,
    "experience": FLOATS,        # seasoned leaders 1; a successor starts at `successor_experience`
    "exposure": FLOATS,          # a post at 1 or more is a target
    "replacement_due": FLOATS,   # when a vacant post is filled (Mesa's time); inf when filled
    "killed": INT,
    "area_coordination": FLOATS,  # coordination of the cells in each area
    "centre": INT,
    "wali_share": FLOAT,         # the wali's part of coordination in the regime in force
})


@kernel
def refresh_coordination(leaders, area_wilaya) -> None:
    """Coordination of cells in each area: part from their wali, the rest from the centre, each as good as
    the leader's experience."""
    led = leaders.alive * leaders.experience
    leaders.area_coordination = (leaders.wali_share * led[area_wilaya]
                                 + (1.0 - leaders.wali_share) * led[leaders.centre])


@kernel
def centre_factor(leaders, leaderless_share) -> float:
    """How much of its full activity a force led by the centre alone keeps (1 with a seasoned centre)."""
    led = leaders.alive[leaders.centre] * leaders.experience[leaders.centre]
    return leaderless_share + (1.0 - leaderless_share) * led


@kernel
def season(leaders, days, seasoning_days, area_wilaya) -> None:
    """Leaders in post gain experience over `days` days."""
    gain = 1.0 - np.exp(-days / seasoning_days)
    for post in range(leaders.alive.size):
        if leaders.alive[post]:
            leaders.experience[post] = leaders.experience[post] + (1.0 - leaders.experience[post]) * gain
    refresh_coordination(leaders, area_wilaya)


@kernel
def expose(leaders, post, amount) -> None:
    """Add to a filled post's exposure (at 1 or more it is a target)."""
    if leaders.alive[post]:
        leaders.exposure[post] += amount


@kernel
def schedule_replacement(leaders, post, now, replacement_days, rng) -> None:
    """The successor of `post` is due at least a day after `now`, after an exponential wait."""
    delay = rng.exponential(replacement_days)
    leaders.replacement_due[post] = now + max(delay, 1.0)


@kernel
def kill(leaders, post, now, replacement_days, rng, area_wilaya) -> None:
    """The leader of `post` is killed; a successor is due later. Killing a post the model holds vacant
    (a dated kill of the history, when the model has not yet appointed the successor the record says
    was in post) restarts the wait for the next one."""
    leaders.killed += 1
    if leaders.alive[post]:
        leaders.alive[post] = False
        leaders.exposure[post] = 0.0
        schedule_replacement(leaders, post, now, replacement_days, rng)
        refresh_coordination(leaders, area_wilaya)
    else:
        schedule_replacement(leaders, post, now, replacement_days, rng)


@kernel
def appoint_due(leaders, now, successor_experience, area_wilaya) -> None:
    """Fill the posts whose successor is due by `now`."""
    appointed = False
    for post in range(leaders.alive.size):
        if leaders.replacement_due[post] <= now:
            leaders.alive[post] = True
            leaders.experience[post] = successor_experience
            leaders.replacement_due[post] = np.inf
            appointed = True
    if appointed:
        refresh_coordination(leaders, area_wilaya)


@kernel
def best_cover_by_post(cover, area_wilaya, n_posts) -> np.ndarray:
    """The best coverage over each wilaya's areas; the centre (last post) is reached through the best anywhere."""
    best = np.zeros(n_posts)
    for area in range(cover.size):
        best[area_wilaya[area]] = max(best[area_wilaya[area]], cover[area])
    best[n_posts - 1] = cover.max()
    return best


@kernel
def target_exposed(leaders, kill_chance, now, replacement_days, strikes, delays, area_wilaya) -> None:
    """Try to kill exposed leaders; `kill_chance` is per post for this day. Whether a strike lands is
    drawn from `strikes`, the successor's delay from `delays`."""
    exposed = leaders.alive & (leaders.exposure >= 1.0)
    if not exposed.any():
        return
    draws = np.empty(leaders.alive.size)
    for post in range(draws.size):
        draws[post] = strikes.random()
    for post in range(draws.size):
        if exposed[post] and draws[post] < kill_chance[post]:
            kill(leaders, post, now, replacement_days, delays, area_wilaya)


# ----- the part's place in the day -----------------------------------------------------------
@kernel
def _due(w) -> None:
    appoint_due(w.leadership, w.clock.now, w.params.insurgents[w.clock.regime].successor_experience,
                w.places.wilaya)


@kernel
def _conditions(w) -> None:
    w.leadership.wali_share = w.params.insurgents[w.clock.regime].wali_coordination_share
    refresh_coordination(w.leadership, w.places.wilaya)


@kernel
def _week(w) -> None:
    season(w.leadership, 7, w.params.insurgents[w.clock.regime].leader_seasoning_days, w.places.wilaya)


@kernel
def _strike_exposed(w) -> None:
    """Leader strikes by the coalition and by Iraq, on posts exposed by captures (docs/model.md 4.3)."""
    leaders = w.leadership
    if not (leaders.exposure >= 1.0).any():
        return
    r = w.clock.regime
    n_posts = leaders.alive.size
    coalition = (w.params.coalition[r].leader_strike_rate_per_day
                 * best_cover_by_post(w.coalition.cover[r], w.places.wilaya, n_posts))
    iraq = ((w.params.iraqi_forces[r].own_leader_strike_rate_per_day * w.forces.readiness[r])
            * best_cover_by_post(w.forces.own_isr[r], w.places.wilaya, n_posts))
    target_exposed(leaders, 1.0 - (1.0 - coalition) * (1.0 - iraq), w.clock.now,
                   w.params.insurgents[r].leader_replacement_days, w.streams.strikes, w.streams.leadership,
                   w.places.wilaya)


@kernel
def _record(w, values) -> None:
    values[0] = w.leadership.alive.sum()


@kernel
def _impulse(w, kind, amount, target) -> None:
    if kind != _LEADER_KILLED:
        return
    kill(w.leadership, target, w.clock.now, w.params.insurgents[w.clock.regime].leader_replacement_days,
         w.streams.leadership, w.places.wilaya)


def _start(setup, tables) -> Leadership:
    geo, p = setup.geography, setup.params.insurgents
    n_posts = len(geo.wilaya_ids) + 1
    alive = setup.streams["start"].random(n_posts) < p.leadership_intact
    leaders = Leadership(alive, alive.astype(float), np.zeros(n_posts), np.full(n_posts, np.inf), 0,
                         np.zeros(geo.n_areas), n_posts - 1, p.wali_coordination_share)
    for post in np.flatnonzero(~alive):
        schedule_replacement(leaders, int(post), 0.0, p.leader_replacement_days, setup.streams["leadership"])
    refresh_coordination(leaders, geo.wilaya)
    return leaders


PART = Part(
    name="leadership",
    doc="4.3",
    struct=Leadership,
    state=Leadership.fields,
    sections=("insurgents",),
    streams=(LEADERSHIP,),
    start=_start,
    hooks={"due": _due, "conditions": _conditions, "leaders_week": _week, "leaders": _strike_exposed},
    monthly=(Record("leaders_alive", STATE, "leader posts filled (wilayas and the centre)"),),
    record=_record,
    impulses=(LEADER_KILLED,),
    impulse=_impulse,
    counters={"leaders_killed": lambda leaders: leaders.killed},
)
