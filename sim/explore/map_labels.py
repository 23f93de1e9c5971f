"""Labels on the explorer's maps at their places: beside their marker, or at the end of a short leader
line that crosses no other line and no other label.

The placement itself is the project's exact one (sim/analysis/labels.py: the first free spot on
widening rings, no overlaps). Here each label may try only the rings whose leader line stays within
LEADER_KM at the map's scale, so that a name never ends up a hundred kilometres from its place, beside
another town; and a label whose leader would cross another leader or another label is left off, as
is one that a leader drawn before it would cross. What was drawn comes back as `PlacedLabel`s, in
pixels, so that a test can measure every label against its point.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from matplotlib.text import Text

from sim.analysis.labels import Label, draw_labels, renderer_of
from sim.analysis.maps import KM_PER_DEGREE_LATITUDE

# The longest leader line, in kilometres on the ground.
LEADER_KM = 60.0
# A label without a leader comes at most this many pixels beyond its marker's edge (or, centred on a
# region, its box at most this far from the region's label point).
NEAR_PX = 4.0
CENTRED_NEAR_PX = 30.0
STEP_PX = 9.0


@dataclass(frozen=True)
class PlacedLabel:
    """A drawn label: its text, its point and box in display pixels, and how it is tied to the point."""

    text: str
    point: tuple[float, float]
    box: tuple[float, float, float, float]     # left, bottom, right, top
    clearance_px: float                        # its marker's radius and a little
    centred: bool
    leader: bool

    @property
    def gap_px(self) -> float:
        """Distance from the point to the nearest edge of the box (0 when the point is inside it)."""
        (x, y), (left, bottom, right, top) = self.point, self.box
        dx, dy = max(left - x, 0.0, x - right), max(bottom - y, 0.0, y - top)
        return float(np.hypot(dx, dy))

    @property
    def centre(self) -> tuple[float, float]:
        left, bottom, right, top = self.box
        return (left + right) / 2, (bottom + top) / 2


def km_per_px(ax) -> float:
    """Kilometres on the ground per display pixel, north to south (the axes keep a true aspect)."""
    south, north = ax.get_ylim()
    return abs(north - south) * KM_PER_DEGREE_LATITUDE / ax.get_window_extent(renderer_of(ax.figure)).height


def _rings_within(label: Label, leader_px: float) -> int:
    if label.centred:
        return label.rings
    return max(1, min(label.rings, int((leader_px - label.clearance_px) // STEP_PX) + 1))


def segments_cross(p1, p2, q1, q2) -> bool:
    """Whether segment p1-p2 and segment q1-q2 cross (touching at an end point counts)."""
    def side(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    d1, d2, d3, d4 = side(q1, q2, p1), side(q1, q2, p2), side(p1, p2, q1), side(p1, p2, q2)
    return (d1 * d2 <= 0) and (d3 * d4 <= 0)


def segment_meets_box(p1, p2, box) -> bool:
    """Whether a segment passes through a box (or ends inside it)."""
    left, bottom, right, top = box
    for x, y in (p1, p2):
        if left <= x <= right and bottom <= y <= top:
            return True
    corners = [(left, bottom), (right, bottom), (right, top), (left, top)]
    return any(segments_cross(p1, p2, corners[k], corners[(k + 1) % 4]) for k in range(4))


def _conflicts(new: PlacedLabel, kept: list[PlacedLabel]) -> bool:
    """A leader of `new` that crosses a kept leader or label, or a kept leader that crosses `new`'s box."""
    for other in kept:
        if new.leader and segment_meets_box(new.point, new.centre, other.box):
            return True
        if new.leader and other.leader and segments_cross(new.point, new.centre, other.point, other.centre):
            return True
        if other.leader and segment_meets_box(other.point, other.centre, new.box):
            return True
    return False


def draw_near_labels(ax, labels: list[Label], obstacles: np.ndarray,
                     placed_before: list[PlacedLabel] = ()) -> list[PlacedLabel]:
    """Draw `labels` (most important first) at their places, clear of `placed_before`; return those
    and what was drawn now."""
    leader_px = LEADER_KM / km_per_px(ax)
    limited = [dataclasses.replace(lb, rings=_rings_within(lb, leader_px)) for lb in labels]
    taken = np.vstack([np.asarray(obstacles, dtype=float).reshape(-1, 4),
                       np.array([p.box for p in placed_before], dtype=float).reshape(-1, 4)])
    drawn = draw_labels(ax, limited, taken, step_px=STEP_PX)
    renderer = renderer_of(ax.figure)
    kept: list[PlacedLabel] = list(placed_before)
    for label, text in zip(limited, drawn, strict=True):
        if text is None:
            continue
        patch = text.get_bbox_patch()
        pad = 0.0 if patch is None else patch.get_boxstyle().pad * text.get_fontsize() * ax.figure.dpi / 72
        text.update_positions(renderer)
        extent = Text.get_window_extent(text, renderer).padded(pad)     # the text alone, not its leader
        placed = PlacedLabel(label.text, tuple(ax.transData.transform((label.lon, label.lat))), tuple(extent.extents),
                             label.clearance_px, label.centred, text.arrow_patch is not None)
        if (placed.leader and placed.gap_px > leader_px) or _conflicts(placed, kept):
            text.remove()
            continue
        kept.append(placed)
    return kept


def draw_first_fitting(ax, alternatives: list[list[Label]], obstacles: np.ndarray,
                       placed_before: list[PlacedLabel]) -> list[PlacedLabel]:
    """For each name, its labels tried one after another (a river at several points along its course)
    until one fits; return `placed_before` and what was drawn."""
    kept = list(placed_before)
    for options in alternatives:
        for label in options:
            now = draw_near_labels(ax, [label], obstacles, kept)
            if len(now) > len(kept):
                kept = now
                break
    return kept
