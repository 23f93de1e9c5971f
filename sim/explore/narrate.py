"""What happened on a day of a watched replicate, in plain words.

The page lists events such as "an ambush in Wadi al-Shay, 3 killed". They are
read from the difference between two snapshots (raids, strikes, breakouts,
crossings, leaders killed, a change of coalition posture, a dated change coming
into force) and from the attacks logged in between. Places are named as the
map labels them (`map_name`), so an event can be found on the map.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sim.analysis.maps import short_name
from sim.model.attacks import ATTACK_TYPES, AttackLog
from sim.geography import Geography
from sim.model.snapshot import ModelSnapshot

ATTACK_WORDS = {
    "ied": "a roadside bomb",
    "ambush": "an ambush",
    "assassination": "an assassination",
    "checkpoint_raid": "an attack on a checkpoint",
    "complex_attack": "a complex attack (several attackers and weapons at once)",
}
# Area names that read as "the Hamrin mountains", "the Jazira desert", and so on.
_COMMON_NOUNS = ("desert", "belt", "mountains", "region", "valley", "areas", "plains")
KEY_EVENTS = ("attack", "breakout", "leader", "posture", "change")


@dataclass(frozen=True)
class Event:
    """One line of the event list."""

    date: dt.date
    kind: str          # attack, raid, strike, breakout, crossing, leader, posture, change
    text: str

    @property
    def key(self) -> bool:
        """True for the events a student looks for first (attacks, breakouts, leaders killed, posture and
        dated changes); routine raids, strikes and crossings are shown on request."""
        return self.kind in KEY_EVENTS

    def line(self) -> str:
        return f"{self.date.day} {self.date:%B %Y}: {self.text}"


def map_name(geo: Geography, area: int) -> str:
    """An area's name as the map labels it: its first place ("Tikrit" for "Tikrit, Samarra and Baiji")."""
    return short_name(geo.area_names[area])


def place(geo: Geography, area: int) -> str:
    """An area's map name as it reads inside a sentence ("in the Hamrin mountains", "in the Tikrit area"
    for an area named after several towns)."""
    name = map_name(geo, area)
    full = re.sub(r"\s*\(.*?\)", "", geo.area_names[area]).strip()
    if any(word in _COMMON_NOUNS for word in name.lower().split()):
        return "the " + name
    return name if name == full else f"the {name} area"


def casualties(killed: int, wounded: int) -> str:
    if killed and wounded:
        return f"{killed} killed and {wounded} wounded"
    if killed:
        return f"{killed} killed"
    if wounded:
        return f"{wounded} wounded"
    return "no one killed or wounded"


def attack_text(geo: Geography, attack_type: int, area: int, killed: int, wounded: int, directed: bool) -> str:
    words = ATTACK_WORDS[ATTACK_TYPES[attack_type]]
    text = f"{words} in {place(geo, area)}, {casualties(killed, wounded)}"
    return text + (" (ordered by the group's central leadership)" if directed else "")


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _losses(removed: int, how: str, operations: int) -> str:
    if removed:
        return f"{plural(removed, 'insurgent', 'insurgents')} {how}"
    return "the cell escapes" if operations == 1 else "the cells escape"


def day_events(before: ModelSnapshot, after: ModelSnapshot, attacks: AttackLog, geo: Geography) -> list[Event]:
    """Everything that happened between two snapshots, dated on the later one's day."""
    date, out = after.date, []

    def add(kind: str, text: str) -> None:
        out.append(Event(date, kind, text[0].upper() + text[1:] + "."))

    for label in after.changes_applied[len(before.changes_applied):]:
        add("change", f"dated change: {label}")
    if after.posture != before.posture:
        add("posture", f"the coalition changes its posture: {after.posture}")
    for k in range(before.attacks_logged, after.attacks_logged):
        add("attack", attack_text(geo, attacks.type[k], attacks.area[k], attacks.killed[k], attacks.wounded[k],
                                  bool(attacks.directed[k])))
    change = {key: after.counters[key] - before.counters[key] for key in after.counters}
    if change["raids"]:
        add("raid", f"Iraqi forces raid {plural(change['raids'], 'located cell', 'located cells')}: "
                    + _losses(change["removed_by_raids"], "killed or captured", change["raids"]))
    if change["strikes"]:
        add("strike", f"{plural(change['strikes'], 'coalition air strike', 'coalition air strikes')} on located cells: "
                      + _losses(change["removed_by_strikes"], "killed", change["strikes"]))
    if change["leaders_killed"]:
        add("leader", f"{plural(change['leaders_killed'], 'Islamic State leader', 'Islamic State leaders')} killed")
    if change["breakouts"]:
        add("breakout", f"breakout from prisons and camps in north-east Syria: "
                        f"{plural(change['escaped'], 'detainee', 'detainees')} escape")
    if change["crossed"]:
        add("crossing", f"{plural(change['crossed'], 'fighter crosses', 'fighters cross')} from Syria into Iraq")
    return out
