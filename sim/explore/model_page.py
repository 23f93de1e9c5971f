"""The model's description (docs/model.md) as a page of the explorer, where the reasons' links lead.

Each heading carries the anchor a Markdown renderer gives it ("4.11 The Syrian arena, both ways" is
`#411-the-syrian-arena-both-ways`, sim/explore/reasons.py), so a link opens the page at its section.
The description is read from the project's docs folder; an installed copy without it says where to
find it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import markdown
import solara

from sim.explore.reasons import anchor

MODEL_DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


@cache
def model_html(doc: Path = MODEL_DOC) -> str | None:
    """The description as HTML with an anchor on every heading; None when it is not there."""
    if not doc.is_file():
        return None
    return markdown.markdown(doc.read_text(encoding="utf-8"), extensions=["tables", "toc"],
                             extension_configs={"toc": {"slugify": lambda text, separator: anchor(text)}})


@solara.component
def ModelPage():
    solara.Title("How the model works: the scenario explorer's model")
    html = model_html()
    with solara.Div(classes=["explorer-page", "model-page"], style={"padding": "12px 20px", "max-width": "60em"}):
        solara.HTML(tag="a", unsafe_innerHTML="Back to the explorer", attributes={"href": "/"})
        if html is None:
            solara.HTML(tag="p", unsafe_innerHTML="The model's description is in docs/model.md of the project.")
        else:
            solara.HTML(tag="div", unsafe_innerHTML=html, classes=["prose"])
