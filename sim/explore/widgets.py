"""Small pieces the explorer's panels share: text, drop-down lists, folds, charts, progress, the glossary.

Text is turned from Markdown into HTML on the server: Solara's own Markdown
component would fetch a maths font from the web, and the page must work offline.
Drop-down lists are the browser's own (`<select>` with its `<label>`) and folds
are buttons that say whether they are open: both are what keyboards, screen
readers and phones handle best. Charts are inline SVG drawn for the width they
are shown at, so their text has the size it was drawn with.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import markdown
import solara

from sim.explore.batch import Progress, duration_words
from sim.explore.explain import ABBREVIATIONS, GLOSSARY


def Prose(text: str, style: str = "", css: str = "", attributes: dict | None = None):  # noqa: N802
    """Markdown rendered on the server, in a div with the class `prose` (and `css`)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["attr_list"]), style=style,
                       classes=["prose", css] if css else ["prose"], attributes=attributes)


@solara.component_vue("vue/native_select.vue", vuetify=False)
def NativeSelect(label: str, items: list, value: str, on_value: Callable[[str], None] | None = None,  # noqa: N802
                 disabled: bool = False):
    pass


def LabelledSelect(label: str, options: dict, value, on_value, css: str, disabled: bool = False):  # noqa: N802
    """A drop-down list with a visible label that shows readable texts for the values it sets."""
    by_text = {str(v): v for v in options}
    with solara.Div(classes=["labelled-select", css]):
        NativeSelect(label=label, items=[{"text": t, "value": str(v)} for v, t in options.items()], value=str(value),
                     on_value=lambda text: on_value(by_text.get(text, value)), disabled=disabled)


@solara.component
def Disclosure(title: str, children: list = [], css: str = "", open_at_first: bool = False):  # noqa: B006
    """A fold: a button that says whether it is open (aria-expanded), and what it holds when it is."""
    is_open = solara.use_reactive(open_at_first)
    with solara.Div(classes=["disclosure", css] if css else ["disclosure"]):
        solara.Button(title, icon_name="mdi-chevron-up" if is_open.value else "mdi-chevron-down", text=True,
                      on_click=lambda: is_open.set(not is_open.value), classes=["disclosure-button"],
                      attributes={"aria-expanded": "true" if is_open.value else "false"})
        if is_open.value:
            solara.Div(classes=["disclosure-body"], children=children)


def Note(text: str, kind: str = "info", css: str = ""):  # noqa: N802
    """A note in dark text on a pale ground with a coloured edge (Vuetify's coloured alerts fail contrast);
    `kind` is info, warning, error or success. Errors are announced at once (role alert), others politely."""
    role = "alert" if kind == "error" else "status"
    return Prose(text, css=f"note note-{kind} {css}".strip(), attributes={"role": role})


def use_refresh_while(active: bool, every_s: float = 0.5) -> None:
    """Draw the component again every `every_s` seconds while `active` (a run in the background)."""
    _, set_tick = solara.use_state(0)

    def loop(cancel) -> None:
        while active and not cancel.wait(every_s):
            set_tick(lambda n: n + 1)

    solara.use_thread(loop, dependencies=[active], intrusive_cancel=False)


@solara.component_vue("vue/viewport.vue", vuetify=False)
def Viewport(column_width: int = 0, on_column_width: Callable[[int], None] | None = None,  # noqa: N802
             window_width: int = 0, on_window_width: Callable[[int], None] | None = None):
    """Reports the width of the page's main column and of the window (nothing to see)."""


@solara.component_vue("vue/chart.vue", vuetify=False)
def ChartFrame(svg: str, label: str, event_enlarge: Callable[[object], None] | None = None):  # noqa: N802
    pass


@solara.component
def Chart(draw: Callable[[int], str], key: object, width: int, label: str, css: str,
          enlarged_width: int | None = None):
    """A chart drawn by `draw(width)` as inline SVG (drawn again only when `key` or the width changes);
    pressing it shows it larger in a dialog (a phone's tap to enlarge), drawn for that width and slid
    sideways where the screen is narrower."""
    svg = solara.use_memo(lambda: draw(width), dependencies=[key, width])
    enlarged = solara.use_reactive(False)
    with solara.Div(classes=["chart", css], style={"width": f"{width}px", "max-width": "100%"}):
        ChartFrame(svg=svg, label=label, event_enlarge=lambda _: enlarged.set(True))
    if enlarged.value:
        big = enlarged_width or max(2 * width, 900)
        dialog = solara.v.Dialog(v_model=True, fullscreen=True, on_v_model=lambda _: enlarged.set(False))
        with dialog, solara.Card(label, classes=["enlarged-chart"]):
            solara.Button("Close", icon_name="mdi-close", on_click=lambda: enlarged.set(False),
                          classes=["close-enlarged"])
            BigChart(draw, key, big)


@solara.component
def BigChart(draw: Callable[[int], str], key: object, width: int):
    svg = solara.use_memo(lambda: draw(width), dependencies=[key, width])
    with solara.Div(classes=["enlarged-scroll"], attributes={"tabindex": "0", "role": "region",
                                                           "aria-label": "The enlarged chart; slide it sideways"}):
        solara.HTML(tag="div", unsafe_innerHTML=svg, style={"width": f"{width}px"})


def MapPicture(png: bytes, drawn_px: int, box_px: int, alt: str, css: str):  # noqa: N802
    """A PNG shown at the width it was drawn for, with its words for those who cannot see it; wider than its
    box (zoomed in), it slides inside the box, which a keyboard can reach and scroll."""
    scrolls = drawn_px > box_px
    attributes = {"tabindex": "0", "role": "region", "aria-label": f"{alt}, enlarged: slide to move around"} \
        if scrolls else {}
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    with solara.Div(classes=["map-box", "map-box-slides" if scrolls else "map-box-fits", css],
                    style={"max-width": f"{box_px}px"}, attributes=attributes):
        solara.HTML(tag="img", attributes={"src": uri, "alt": alt, "width": str(drawn_px)},
                    style=f"width: {drawn_px}px; max-width: none; height: auto", classes=[f"{css}-picture"])


@solara.component
def RunProgress(progress: Progress | None, css: str):
    """A progress bar and a line of words: replicates done, time so far and time left."""
    if progress is None:
        solara.ProgressLinear(True)
        solara.Text("Starting…", classes=[css])
        return
    solara.ProgressLinear(100.0 * progress.done / max(progress.total, 1))
    solara.Text(progress.words() + ". The page keeps working meanwhile.", classes=[css])


def estimate_words(seconds: float | None, measured: bool, at_most: bool = False) -> str:
    """How long a batch should take, and where the figure comes from."""
    if seconds is None:
        return "Measuring how fast this computer runs the model…"
    source = "from a run just timed on this computer" if measured else "on a two-core laptop"
    return f"Takes {'at most ' if at_most else ''}about {duration_words(seconds)} ({source})."


@solara.component
def Glossary():
    with Disclosure("Words used on this page"):
        Prose("\n".join(f"- **{word}**: {meaning}" for word, meaning in GLOSSARY.items()), css="glossary")
    with Disclosure("Abbreviations"):
        Prose("\n".join(f"- **{k}**: {v}" for k, v in ABBREVIATIONS.items()))
