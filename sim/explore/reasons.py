"""Why two results differ: the mechanism that moved, read from the runs' own monthly records.

A difference in attacks between two results is the net of the model's mechanisms. Each replicate
records, at the end of every month, IS's effort share turned to Iraq, the fighters crossing each way,
the fighters removed, its fighters, active cells and leaders (`MONTHLY_STATE` and `MONTHLY_FLOWS` in
sim/model/model.py). Set side by side over the same window, those records say which mechanism moved
with the difference (a Syrian collapse that lowers attacks in Iraq does it by drawing IS's effort,
and with it money, into Syria) and which one pulled the other way (more fighters crossing). The
reason is that mechanism in one sentence, with the section of docs/model.md that describes it: the
model's own account of its result, not a new claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

# The monthly records a shelf entry keeps so that its reasons can be read (names as the model records them).
RECORDS = ("iraq_effort_share", "crossed_into_iraq", "left_iraq", "removed_iraq", "fighters_iraq", "active_cells",
           "leaders_alive")
# A mechanism must move by at least this share of its value in the other result to be named.
NOTABLE = 0.05

Records = Mapping[str, np.ndarray]          # record name -> replicates x months


@dataclass(frozen=True)
class Mechanism:
    """A channel from the records to attacks in Iraq: how to read it and how to say it moved."""

    key: str
    more_attacks: int              # +1 when a rise brings more attacks in Iraq, -1 when it brings fewer
    section: str                   # its heading in docs/model.md
    read: Callable[[Records, list[int]], float]
    rise: str                      # words, with {a} (the other result) and {b} (this one)
    fall: str
    driver: bool = True            # a cause the model declares; False for a state the causes move


def _mean(name: str) -> Callable[[Records, list[int]], float]:
    return lambda r, months: float(np.mean(r[name][:, months]))


def _net_crossings(r: Records, months: list[int]) -> float:
    return float(np.mean(r["crossed_into_iraq"][:, months] - r["left_iraq"][:, months]))


def _removed_per_hundred(r: Records, months: list[int]) -> float:
    fighters = float(np.mean(r["fighters_iraq"][:, months]))
    return 100.0 * float(np.mean(r["removed_iraq"][:, months])) / fighters if fighters > 0 else 0.0


MECHANISMS = (
    Mechanism("effort", +1, "4.11 The Syrian arena, both ways", _mean("iraq_effort_share"),
              "IS turned more of its effort to Iraq ({b:.0%} of it instead of {a:.0%}), which in the model means "
              "larger stipends for its cells there and more fighters sent across",
              "IS turned its effort towards Syria ({b:.0%} of it went to Iraq instead of {a:.0%}), which in the "
              "model means smaller stipends for its cells in Iraq and more of them leaving for Syria"),
    Mechanism("crossings", +1, "4.11 The Syrian arena, both ways", _net_crossings,
              "more fighters came across from Syria ({b:.1f} a month, net, instead of {a:.1f})",
              "fewer fighters came across from Syria ({b:.1f} a month, net, instead of {a:.1f})"),
    Mechanism("pressure", -1, "4.10 Iraqi forces", _removed_per_hundred,
              "Iraqi forces and the coalition killed or captured more of IS's fighters ({b:.1f} in every 100 a "
              "month instead of {a:.1f})",
              "Iraqi forces and the coalition killed or captured fewer of IS's fighters ({b:.1f} in every 100 a "
              "month instead of {a:.1f})"),
    Mechanism("leaders", +1, "4.3 Leadership and coordination", _mean("leaders_alive"),
              "more of IS's leaders were alive ({b:.1f} instead of {a:.1f})",
              "fewer of IS's leaders were alive ({b:.1f} instead of {a:.1f})"),
    Mechanism("active", +1, "4.5 Dormant and active: \"strategic silence\"", _mean("active_cells"),
              "more of its cells were active ({b:.1f} instead of {a:.1f})",
              "fewer of its cells were active ({b:.1f} instead of {a:.1f})", driver=False),
    Mechanism("fighters", +1, "4.2 Cells: seeding, links, new cells, regrouping and splitting", _mean("fighters_iraq"),
              "IS had more fighters in Iraq ({b:.0f} instead of {a:.0f})",
              "IS had fewer fighters in Iraq ({b:.0f} instead of {a:.0f})", driver=False),
)


@dataclass(frozen=True)
class Move:
    """One mechanism's value in the two results (A: the one compared against; B: this one)."""

    mechanism: Mechanism
    a: float
    b: float

    @property
    def relative(self) -> float:
        """The change as a share of A's value (of B's when A is zero)."""
        scale = abs(self.a) or abs(self.b)
        return (self.b - self.a) / scale if scale > 0 else 0.0

    @property
    def push(self) -> float:
        """Which way, and how strongly, the move pushes attacks in Iraq (positive: more)."""
        return self.mechanism.more_attacks * self.relative

    def words(self) -> str:
        template = self.mechanism.rise if self.b > self.a else self.mechanism.fall
        return template.format(a=self.a, b=self.b)


@dataclass(frozen=True)
class Reason:
    """The mechanism behind a difference, the strongest one against it (if any), and where both are described."""

    cause: Move
    against: Move | None

    @property
    def section(self) -> str:
        return self.cause.mechanism.section

    def sentence(self) -> str:
        but = f", even though {self.against.words()}" if self.against is not None else ""
        return f"Why, in the model: {self.cause.words()}{but}."

    def linked(self) -> str:
        """The sentence and a link (Markdown) to the section of the model's description that explains it,
        as the explorer serves it (its page `model`), opened beside the page."""
        return f'{self.sentence()} [How the model does this: {self.section}](model#{anchor(self.section)}){{target="_blank"}}'


def moves(a: Records, b: Records, months: list[int]) -> list[Move]:
    """Every mechanism's mean over the replicates and the months, in result A and result B."""
    return [Move(m, m.read(a, months), m.read(b, months)) for m in MECHANISMS]


def reason(a: Records, b: Records, months: list[int], attack_difference: float) -> Reason | None:
    """The mechanism that moved with B - A in attacks: among those that moved by at least NOTABLE in the
    direction of the difference, a declared cause before a state, then the largest move; None when
    no mechanism moved with it (or the records are missing)."""
    if attack_difference == 0 or not months or any(name not in a or name not in b for name in RECORDS):
        return None
    direction = np.sign(attack_difference)
    notable = [mv for mv in moves(a, b, months) if abs(mv.relative) >= NOTABLE]
    agreeing = [mv for mv in notable if np.sign(mv.push) == direction]
    if not agreeing:
        return None
    cause = min(agreeing, key=lambda mv: (not mv.mechanism.driver, -abs(mv.relative)))
    opposing = [mv for mv in notable if np.sign(mv.push) == -direction and mv.mechanism.driver]
    return Reason(cause, max(opposing, key=lambda mv: abs(mv.relative)) if opposing else None)


def anchor(heading: str) -> str:
    """The heading's anchor as Markdown renderers write it ("4.11 The Syrian arena" -> "411-the-syrian-arena")."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
