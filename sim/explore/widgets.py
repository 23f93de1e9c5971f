"""Small pieces the explorer's panels share: text, drop-down lists, progress, the glossary.

Text is turned from Markdown into HTML on the server: Solara's own Markdown
component would fetch a maths font from the web, and the page must work offline.
"""

from __future__ import annotations

import markdown
import solara

from sim.explore.batch import Progress, duration_words
from sim.explore.explain import ABBREVIATIONS, GLOSSARY


def Prose(text: str, style: str = "", css: str = ""):  # noqa: N802
    """Markdown rendered on the server, in a div with the class `prose` (and `css`)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), style=style,
                       classes=["prose", css] if css else ["prose"])


def LabelledSelect(label: str, options: dict, value, on_value, css: str):  # noqa: N802
    """A drop-down list that shows readable labels for the values it sets."""
    return solara.v.Select(label=label, items=[{"text": t, "value": v} for v, t in options.items()],
                           v_model=value, on_v_model=on_value, class_=css, dense=True, hide_details=True)


@solara.component
def RunProgress(progress: Progress | None, css: str):
    """A progress bar and a line of words: replicates done, time so far and time left."""
    if progress is None:
        solara.ProgressLinear(True)
        solara.Text("Starting…", classes=[css])
        return
    solara.ProgressLinear(100.0 * progress.done / max(progress.total, 1))
    solara.Text(progress.words() + ". The page keeps working meanwhile.", classes=[css])


def estimate_words(seconds: float, measured: bool, at_most: bool = False) -> str:
    """How long a batch should take, and where the figure comes from."""
    source = "at the speed measured on this computer" if measured else "on a two-core laptop"
    return f"Takes {'at most ' if at_most else ''}about {duration_words(seconds)} {source}."


@solara.component
def Glossary():
    with solara.Details("Words used on this page", expand=False):
        Prose("\n".join(f"- **{word}**: {meaning}" for word, meaning in GLOSSARY.items()), "font-size: 0.9em",
              css="glossary")
    with solara.Details("Abbreviations", expand=False):
        Prose("\n".join(f"- **{k}**: {v}" for k, v in ABBREVIATIONS.items()), "font-size: 0.9em")
