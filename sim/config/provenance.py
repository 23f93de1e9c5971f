"""Where each parameter's value comes from: its source or basis and how sure we are of it.

sim/data/parameter_sources.yaml gives every model parameter a source (or the
basis of its estimate) and a certainty; a test checks that none is missing.
The parameters page, the report's parameter table and the sensitivity
analyses (whose default ranges widen with uncertainty) read it from here.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def provenance() -> dict:
    """The file's contents: `sources` (cited works by key) and `parameters` (by path: source, basis,
    certainty)."""
    text = resources.files("sim.data").joinpath("parameter_sources.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def parameter_certainty(path: str) -> str:
    """The certainty the file gives a parameter's value ('' when it gives none)."""
    return str(provenance()["parameters"].get(path, {}).get("certainty", ""))
