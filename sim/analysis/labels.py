"""Map labels that never overlap: each label takes the first free spot on a fixed list around its point.

Libraries such as adjustText push labels apart step by step and stop when
the layout stops improving, with no guarantee that none overlap. Here the
placement is greedy and exact: in the order given (most important first),
each label tries spots beside its point, then on widening rings, and takes
the first whose box meets no label already placed, no marker and no edge of
the map. A label with no free spot is left off, never drawn over another.
Positions depend only on the inputs, so the same map gives the same picture.

Boxes are (left, bottom, right, top) in display pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

# Directions to try, beside the point first (right, left, above, below, then the diagonals).
_ANGLES_DEG = [0, 180, 90, 270, 45, 135, 315, 225, 22.5, 157.5, 67.5, 112.5, 337.5, 202.5, 292.5, 247.5]
DIRECTIONS = np.column_stack([np.cos(np.radians(_ANGLES_DEG)), np.sin(np.radians(_ANGLES_DEG))])
# Labels farther from their point than this many rings get a leader line.
LEADER_FROM_RING = 1


def candidate_boxes(anchor: np.ndarray, size: np.ndarray, clearance: float, step: float, rings: int,
                    centred: bool = False) -> np.ndarray:
    """Boxes of one label on `rings` rings around its point, in the order to try them.

    Beside the point (the default), ring r keeps clearance + r * step between the
    box and the point; centred, ring r moves the box's centre r * step off the point.
    """
    distance = clearance + step * np.arange(rings)[:, None, None]
    offset = DIRECTIONS[None, :, :] * (step * np.arange(rings)[:, None, None] if centred else distance + size / 2.0)
    centres = (anchor + offset).reshape(-1, 2)
    return np.hstack([centres - size / 2.0, centres + size / 2.0])


def overlaps(box: np.ndarray, boxes: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Which of `boxes` (k, 4) meet `box` when both are grown by `margin` on every side."""
    return overlap_matrix(np.asarray(box, dtype=float).reshape(1, 4), boxes, margin)[0]


def overlap_matrix(first: np.ndarray, second: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """(m, k) booleans: whether box i of `first` meets box j of `second`, both grown by `margin`."""
    a = np.asarray(first, dtype=float).reshape(-1, 1, 4)
    b = np.asarray(second, dtype=float).reshape(1, -1, 4)
    return ((b[..., 0] < a[..., 2] + margin) & (a[..., 0] < b[..., 2] + margin)
            & (b[..., 1] < a[..., 3] + margin) & (a[..., 1] < b[..., 3] + margin))


def inside(boxes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Which boxes lie wholly within `bounds`."""
    return ((boxes[:, 0] >= bounds[0]) & (boxes[:, 1] >= bounds[1])
            & (boxes[:, 2] <= bounds[2]) & (boxes[:, 3] <= bounds[3]))


def place_labels(anchors: np.ndarray, sizes: np.ndarray, obstacles: np.ndarray, bounds: np.ndarray, *,
                 clearance: np.ndarray | float, step: float, rings: np.ndarray | int,
                 centred: np.ndarray | bool = False, margin: float = 1.0,
                 leader_from: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (n, 4) for labels of `sizes` (n, 2) at `anchors` (n, 2), NaN where no spot is free, and each
    placed label's ring (-1 where none).

    No two placed boxes, nor a box and an obstacle, come closer than `margin`. A label placed on ring
    `leader_from` or further (not centred) gets a leader line to its point, and what it covers is then the
    box together with the line: the rectangle from the box to the point. That rectangle, too, keeps clear
    of every other label and its leader (the line may cross markers and its own point's marker).
    """
    n = len(anchors)
    clearance = np.broadcast_to(np.asarray(clearance, dtype=float), (n,))
    rings = np.broadcast_to(np.asarray(rings, dtype=int), (n,))
    centred = np.broadcast_to(np.asarray(centred, dtype=bool), (n,))
    taken = np.asarray(obstacles, dtype=float).reshape(-1, 4)
    covered = np.zeros((0, 4))                  # placed labels with their leaders
    placed = np.full((n, 4), np.nan)
    ring_of = np.full(n, -1)
    for i in range(n):
        anchor = np.asarray(anchors[i], float)
        candidates = candidate_boxes(anchor, np.asarray(sizes[i], float), clearance[i], step, int(rings[i]),
                                     bool(centred[i]))
        reach = candidates.copy()
        if leader_from is not None and not centred[i]:
            led = np.arange(len(candidates)) // len(DIRECTIONS) >= leader_from
            reach[led, :2] = np.minimum(reach[led, :2], anchor)
            reach[led, 2:] = np.maximum(reach[led, 2:], anchor)
        free = (inside(candidates, bounds) & ~overlap_matrix(candidates, taken, margin).any(axis=1)
                & ~overlap_matrix(reach, covered, margin).any(axis=1))
        if free.any():
            k = int(np.argmax(free))         # the first free spot in the order tried
            placed[i], ring_of[i] = candidates[k], k // len(DIRECTIONS)
            taken = np.vstack([taken, candidates[k]])
            covered = np.vstack([covered, reach[k]])
    return placed, ring_of


def overlapping_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    """Index pairs of boxes that meet (rows of NaN, labels left off, meet nothing)."""
    boxes = np.asarray(boxes, dtype=float)
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if bool(overlaps(boxes[i], boxes[j:j + 1])[0])]


@dataclass
class Label:
    """A label to place on a map: its point (degrees), text, text style and how far it may move."""

    lon: float
    lat: float
    text: str
    style: dict = field(default_factory=dict)
    clearance_px: float = 4.0        # distance kept from the point (its marker's radius and a little)
    rings: int = 12                  # how many widening rings to try before leaving the label off
    centred: bool = False            # centred on the point (a region's name) rather than beside it


def renderer_of(fig):
    """The figure's renderer, attaching a non-interactive Agg canvas to a bare `Figure` first."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def marker_boxes(ax, lon, lat, size_pt2) -> np.ndarray:
    """Boxes around scatter markers of area `size_pt2` (points squared) at the given degrees."""
    xy = ax.transData.transform(np.column_stack([np.atleast_1d(lon), np.atleast_1d(lat)]))
    half = np.sqrt(np.broadcast_to(np.asarray(size_pt2, dtype=float), (len(xy),))) / 2 * ax.figure.dpi / 72
    return np.column_stack([xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half])


def line_boxes(ax, segments: np.ndarray, width_px: float, spacing_px: float = 3.0) -> np.ndarray:
    """Small boxes along line segments (k, 2, 2) in degrees, `width_px` wide, so that a line can be an
    obstacle: a label that meets none of the boxes does not cross the line."""
    if len(segments) == 0:
        return np.zeros((0, 4))
    ends = ax.transData.transform(np.asarray(segments, dtype=float).reshape(-1, 2)).reshape(-1, 2, 2)
    points = []
    for start, stop in ends:
        steps = max(int(np.ceil(np.hypot(*(stop - start)) / spacing_px)), 1)
        points.append(start + (stop - start) * np.linspace(0.0, 1.0, steps + 1)[:, None])
    xy = np.vstack(points)
    half = max(width_px, spacing_px) / 2
    return np.column_stack([xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half])


def draw_labels(ax, labels: list[Label], obstacles: np.ndarray, step_px: float = 9.0,
                clear_leaders: bool = False) -> list:
    """Draw `labels` (most important first) where they meet no other label and no obstacle box; with
    `clear_leaders`, a label's leader line, taken as the rectangle from the label to its point, meets no
    other label either (callers that check leaders line by line afterwards leave it off).

    Call it last, once the axes' limits, aspect and position are final: boxes are
    measured in display pixels. Returns the drawn texts, None for a label left off.
    """
    renderer = renderer_of(ax.figure)
    ax.apply_aspect()
    sizes = []
    for label in labels:
        probe = ax.text(0, 0, label.text, ha="center", va="center", **label.style)
        extent = probe.get_window_extent(renderer)
        pad = _box_pad_px(probe)
        sizes.append((extent.width + 2 * pad, extent.height + 2 * pad))
        probe.remove()
    anchors = ax.transData.transform([(lb.lon, lb.lat) for lb in labels]) if labels else np.zeros((0, 2))
    bounds = np.asarray(ax.get_window_extent(renderer).extents) + [2, 2, -2, -2]
    boxes, ring_of = place_labels(anchors, np.array(sizes).reshape(-1, 2), obstacles, bounds,
                                  clearance=[lb.clearance_px for lb in labels], step=step_px,
                                  rings=[lb.rings for lb in labels], centred=[lb.centred for lb in labels],
                                  leader_from=LEADER_FROM_RING if clear_leaders else None)
    to_data = ax.transData.inverted()
    drawn = []
    for label, box, ring in zip(labels, boxes, ring_of, strict=True):
        if ring < 0:
            drawn.append(None)
            continue
        centre = to_data.transform(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        leader = ({"arrowstyle": "-", "color": "#555555", "lw": 0.6, "shrinkA": 0, "shrinkB": 2}
                  if ring >= LEADER_FROM_RING and not label.centred else None)
        drawn.append(ax.annotate(label.text, (label.lon, label.lat), xytext=tuple(centre), ha="center",
                                 va="center", arrowprops=leader, **label.style))
    return drawn


def _box_pad_px(text) -> float:
    """Room the text's background box takes beyond the text itself, in pixels."""
    patch = text.get_bbox_patch()
    if patch is None:
        return 0.0
    pad = getattr(patch.get_boxstyle(), "pad", 0.0)
    return pad * text.get_fontsize() * text.figure.dpi / 72 + 1.0
