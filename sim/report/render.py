"""The report's HTML from its sections, through a Jinja2 template that escapes every text it is given."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

TEMPLATE = "report.html"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Templates from the package; a name the template uses but the context lacks is an error, not a blank."""
    return Environment(loader=PackageLoader("sim.report", "templates"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(context: dict) -> str:
    """The whole report as one HTML document."""
    return environment().get_template(TEMPLATE).render(**context)
