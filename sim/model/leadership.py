"""Wilaya leaders and the centre: who coordinates the cells, and what losing them costs.

Qashta (2025) lists the 2023-2025 losses (a deputy caliph, the wali of Iraq,
the wali of Kirkuk, Fallujah wilaya chiefs); Bakhtiari & Taheri (2025) name the
loss of experienced commanders among the causes of decline. Here a killed
leader cuts the coordination of the cells under them until a replacement is
appointed after a random delay, scheduled as a Mesa event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import InsurgencyModel


class Leadership:
    """Leader posts: one per wilaya, and the centre as the last post."""

    def __init__(self, model: InsurgencyModel, area_wilaya: np.ndarray, intact_share: float,
                 replacement_days: float):
        self.model = model
        self._area_wilaya = area_wilaya
        n_wilayas = int(area_wilaya.max()) + 1
        self.centre = n_wilayas
        n_posts = n_wilayas + 1
        self.alive = model.rng.random(n_posts) < intact_share
        self.exposure = np.zeros(n_posts)
        self.replacement_days = replacement_days
        self.replacement_due = np.full(n_posts, np.inf)
        self.killed = 0
        for post in np.flatnonzero(~self.alive):
            self._schedule_replacement(int(post))
        self._refresh()

    def _refresh(self) -> None:
        # Coordination of cells in each area: half from their wali, half from the centre.
        self.area_coordination = 0.5 * self.alive[self._area_wilaya] + 0.5 * self.alive[self.centre]

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
        hit = exposed & (self.model.rng.random(self.alive.size) < kill_probability)
        for post in np.flatnonzero(hit):
            self.alive[post] = False
            self.exposure[post] = 0.0
            self.killed += 1
            self._schedule_replacement(int(post))
        self._refresh()

    def _schedule_replacement(self, post: int) -> None:
        due = self.model.time + max(self.model.rng.exponential(self.replacement_days), 1.0)
        self.replacement_due[post] = due
        self.model.schedule_event(self._appoint_due, at=due)

    def _appoint_due(self) -> None:
        due = self.replacement_due <= self.model.time
        self.alive[due] = True
        self.replacement_due[due] = np.inf
        self._refresh()
