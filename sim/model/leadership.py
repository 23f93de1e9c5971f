"""Wilaya leaders and the centre: who coordinates the cells, and what losing them costs.

Qashta (2025) lists the 2023-2025 losses (a deputy caliph, the wali of Iraq,
the wali of Kirkuk, Fallujah wilaya chiefs); Bakhtiari & Taheri (2025) name the
loss of experienced commanders among the causes of decline. Here a killed
leader cuts the coordination of the cells under them until a replacement is
appointed after a random delay, scheduled as a Mesa event; the replacement
starts with little experience and grows into the post over months, so
repeated losses keep coordination low long after every post is filled again. Leaders die two
ways: exposed by captures and then struck (sim/model/forces.py, coalition.py),
or on the dated kills of the observed history (the caliphs killed in 2022 and
2023, the deputy caliph in March 2025).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.config.schema import InsurgentParams
    from sim.model.model import InsurgencyModel

CENTRE = "centre"


class Leadership:
    """Leader posts: one per wilaya, and the centre as the last post."""

    def __init__(self, model: InsurgencyModel, area_wilaya: np.ndarray):
        self.model = model
        self._area_wilaya = area_wilaya
        n_wilayas = int(area_wilaya.max()) + 1
        self.centre = n_wilayas
        n_posts = n_wilayas + 1
        p = model.params.insurgents
        self.alive = model.streams["start"].random(n_posts) < p.leadership_intact
        # Leaders in post at the start are seasoned; a successor starts at `successor_experience`.
        self.experience = self.alive.astype(float)
        self.exposure = np.zeros(n_posts)
        self.replacement_due = np.full(n_posts, np.inf)
        self.killed = 0
        self.configure(p)
        for post in np.flatnonzero(~self.alive):
            self._schedule_replacement(int(post))

    def configure(self, p: InsurgentParams) -> None:
        self.replacement_days = p.leader_replacement_days
        self.wali_share = p.wali_coordination_share
        self.seasoning_days = p.leader_seasoning_days
        self.successor_experience = p.successor_experience
        self._refresh()

    def _refresh(self) -> None:
        # Coordination of cells in each area: part from their wali, the rest from the centre, each
        # as good as the leader's experience.
        led = self.alive * self.experience
        self.area_coordination = (self.wali_share * led[self._area_wilaya]
                                  + (1.0 - self.wali_share) * led[self.centre])

    def centre_factor(self, leaderless_share: float) -> float:
        """How much of its full activity a force led by the centre alone keeps (1 with a seasoned centre)."""
        led = float(self.alive[self.centre] * self.experience[self.centre])
        return leaderless_share + (1.0 - leaderless_share) * led

    def season(self, days: int) -> None:
        """Leaders in post gain experience over `days` days."""
        gain = 1.0 - np.exp(-days / self.seasoning_days)
        self.experience = np.where(self.alive, self.experience + (1.0 - self.experience) * gain, self.experience)
        self._refresh()

    def post_index(self, name: str) -> int:
        """The post of a wilaya (by id) or of the centre."""
        return self.centre if name == CENTRE else self.model.geography.wilaya_ids.index(name)

    def expose(self, post: int, amount: float = 1.0) -> None:
        if self.alive[post]:
            self.exposure[post] += amount

    def any_exposed(self) -> bool:
        return bool((self.exposure >= 1.0).any())

    def target(self, kill_probability: np.ndarray) -> None:
        """Try to kill exposed leaders; `kill_probability` is per post for this day."""
        exposed = self.alive & (self.exposure >= 1.0)
        if not exposed.any():
            return
        hit = exposed & (self.model.streams["strikes"].random(self.alive.size) < kill_probability)
        for post in np.flatnonzero(hit):
            self.kill(int(post))

    def kill(self, post: int) -> None:
        """The leader of `post` is killed; a successor is due later. Killing a post the model holds vacant
        (a dated kill of the history, when the model has not yet appointed the successor the record says
        was in post) restarts the wait for the next one."""
        if not self.alive[post]:
            self.killed += 1
            self._schedule_replacement(post)
            return
        self.alive[post] = False
        self.exposure[post] = 0.0
        self.killed += 1
        self._schedule_replacement(post)
        self._refresh()

    def _schedule_replacement(self, post: int) -> None:
        delay = self.model.streams["leadership"].exponential(self.replacement_days)
        due = self.model.time + max(delay, 1.0)
        self.replacement_due[post] = due
        self.model.schedule_event(self._appoint_due, at=due)

    def _appoint_due(self) -> None:
        due = self.replacement_due <= self.model.time
        self.alive[due] = True
        self.experience[due] = self.successor_experience
        self.replacement_due[due] = np.inf
        self._refresh()
