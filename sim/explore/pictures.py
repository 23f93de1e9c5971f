"""Figures for the page: drawn for the width they are shown at, sent as inline SVG or PNG.

A figure is `width_px / DPI` inches wide at DPI dots per inch, so one of its pixels is one CSS pixel
of the page when it is shown `width_px` wide, and a font of `pt` points shows at `pt * DPI / 72`
pixels. Every font on a chart is at least MIN_TEXT_PT (12.5 pixels), whatever the width. SVG keeps
text as text (`svg.fonttype: none`), so the browser draws it at that size and a test can measure it;
each chart's element ids get a prefix of their own, since several charts share one page.
"""

from __future__ import annotations

import io
import itertools
import re

import matplotlib
from matplotlib.figure import Figure

DPI = 100
PX_PER_PT = DPI / 72
# Chart text: never under 12 pixels on the page (9 points at DPI is 12.5 pixels).
MIN_TEXT_PT = 9.0
TEXT_PT = 9.5
TITLE_PT = 10.5
# Pixel density of PNG pictures (maps), so that they stay sharp on screens with two pixels per CSS pixel.
PNG_DENSITY = 2
_ids = itertools.count(1)


def figure(width_px: int, height_px: int) -> Figure:
    """An empty figure of that size in CSS pixels, laid out so that nothing is cut at its edges."""
    return Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="constrained")


def svg_markup(fig: Figure) -> str:
    """The figure as an `<svg>` element to place in the page: as wide as its box, text as text, ids its own."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format="svg")
    text = out.getvalue()
    text = text[text.index("<svg"):]
    prefix = f"c{next(_ids)}-"
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', text)
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"',
                  r'<svg\1 width="100%" aria-hidden="true" focusable="false"', text, count=1)


def png_bytes(fig: Figure, density: float = 1) -> bytes:
    """The figure as PNG at `density` image pixels per CSS pixel."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI * density)
    return out.getvalue()


def smallest_text_pt(fig: Figure) -> float:
    """The smallest font among the figure's visible texts, in points (inf when it has none)."""
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=float("inf"))
