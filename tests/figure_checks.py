"""What a reader needs of a figure, measured on the drawn figure itself.

Each check renders the figure with Agg and reads the window extent (the box in
pixels) of every text, legend and legend handle that is drawn: nothing may
leave the canvas, no two texts may meet, no legend handle may meet another or
a text, and every kind of marker plotted must have a legend entry. Tick
labels count only where their tick is inside the axes' view (matplotlib keeps
labels of ticks it does not draw).
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

from sim.analysis.labels import renderer_of

# Boxes may touch: they must overlap by more than this many pixels to count as meeting.
TOUCH_PX = 1.0
NO_MARKER = ("None", "none", "", " ", None)


def rendered(fig: Figure):
    """Draw the figure once (as saving it would) and return its renderer."""
    renderer = renderer_of(fig)
    fig.draw(renderer)
    return renderer


def drawn_texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text the figure draws, tick labels of ticks in view included."""
    every_tick_label, shown_tick_labels = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                every_tick_label.update({id(tick.label1), id(tick.label2)})
                for label in (tick.label1, tick.label2):
                    if low - 1e-9 <= tick.get_loc() <= high + 1e-9 and label.get_visible() and label.get_text():
                        shown_tick_labels.append(label)
    others = [t for t in fig.findobj(Text) if id(t) not in every_tick_label and t.get_visible()
              and t.get_text().strip()]
    return others + shown_tick_labels


def legends(fig: Figure) -> list[Legend]:
    """The figure's legends and those of its axes."""
    return [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]


def legend_labels(fig: Figure) -> list[str]:
    """Every legend entry's text."""
    return [t.get_text() for leg in legends(fig) for t in leg.get_texts()]


def _box(artist, renderer) -> np.ndarray:
    return np.asarray(artist.get_window_extent(renderer).extents, dtype=float)


def handle_box(handle, renderer) -> np.ndarray:
    """A legend handle's box: for a marker without a line, the marker itself (a handle's line spans its
    whole slot, undrawn, on both sides of the one marker drawn)."""
    if not isinstance(handle, Line2D) or handle.get_marker() in NO_MARKER or handle.get_linestyle() not in NO_MARKER:
        return _box(handle, renderer)
    marked = np.column_stack([handle.get_xdata(), handle.get_ydata()])
    every = handle.get_markevery()
    marked = marked[every] if every is not None else marked
    centres = handle.get_transform().transform(marked)
    half = handle.get_markersize() / 2 * handle.figure.dpi / 72
    return np.array([centres[:, 0].min() - half, centres[:, 1].min() - half,
                     centres[:, 0].max() + half, centres[:, 1].max() + half])


def outside_canvas(fig: Figure) -> list[str]:
    """What is drawn (wholly or partly) outside the figure: texts, legends, axes with their labels."""
    renderer = rendered(fig)
    width, height = fig.bbox.width, fig.bbox.height
    things = [(f"text {t.get_text()!r}", _box(t, renderer)) for t in drawn_texts(fig)]
    things += [(f"legend {legend_labels_of(leg)}", _box(leg, renderer)) for leg in legends(fig)]
    things += [(f"axes {ax.get_title()!r}", np.asarray(ax.get_tightbbox(renderer).extents)) for ax in fig.axes]
    return [name for name, (x0, y0, x1, y1) in things
            if x0 < -TOUCH_PX or y0 < -TOUCH_PX or x1 > width + TOUCH_PX or y1 > height + TOUCH_PX]


def legend_labels_of(leg: Legend) -> list[str]:
    return [t.get_text() for t in leg.get_texts()]


def meeting(boxes: list[tuple[str, np.ndarray]]) -> list[tuple[str, str]]:
    """Pairs of named boxes that overlap by more than TOUCH_PX both ways."""
    out = []
    for (a, p), (b, q) in itertools.combinations(boxes, 2):
        if min(p[2], q[2]) - max(p[0], q[0]) > TOUCH_PX and min(p[3], q[3]) - max(p[1], q[1]) > TOUCH_PX:
            out.append((a, b))
    return out


def overlapping_texts(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts that meet."""
    renderer = rendered(fig)
    return meeting([(t.get_text(), _box(t, renderer)) for t in drawn_texts(fig)])


def overlapping_legend_items(fig: Figure) -> list[tuple[str, str]]:
    """Within each legend, a handle that meets another handle or any of the legend's texts."""
    renderer = rendered(fig)
    out = []
    for leg in legends(fig):
        handles = [(f"handle {k}", handle_box(h, renderer)) for k, h in enumerate(leg.legend_handles)
                   if h is not None and h.get_visible()]
        texts = [(t.get_text(), _box(t, renderer)) for t in leg.get_texts()]
        out += [pair for pair in meeting(handles + texts) if pair[0].startswith("handle ")]
    return out


def plotted_marker_kinds(fig: Figure) -> set[str]:
    """The marker symbols of every plotted line with data (outside legends)."""
    return {line.get_marker() for ax in fig.axes for line in ax.get_lines()
            if line.get_marker() not in NO_MARKER and len(line.get_xdata()) > 0}


def legend_marker_kinds(fig: Figure) -> set[str]:
    """The marker symbols among the legends' handles."""
    return {h.get_marker() for leg in legends(fig) for h in leg.legend_handles
            if isinstance(h, Line2D) and h.get_marker() not in NO_MARKER}


def check_publishable(fig: Figure, title_parts: tuple[str, ...] = ()) -> None:
    """Every check at once, with a message that names what fails."""
    titles = " ".join([fig.get_suptitle(), *(ax.get_title() for ax in fig.axes)])
    missing = [part for part in title_parts if part not in titles]
    assert not missing, f"the title lacks {missing}: {titles!r}"
    assert outside_canvas(fig) == [], outside_canvas(fig)
    assert overlapping_texts(fig) == [], overlapping_texts(fig)
    assert overlapping_legend_items(fig) == [], overlapping_legend_items(fig)
    unlabelled = plotted_marker_kinds(fig) - legend_marker_kinds(fig)
    assert not unlabelled, f"markers {unlabelled} have no legend entry"
