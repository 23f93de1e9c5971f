"""Shared helpers: scenarios on short horizons so that tests stay fast."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from sim.api import load_scenario
from sim.defaults import BASELINE_SCENARIO
from sim.model import InsurgencyModel
from sim.runs.record import MANIFEST
from sim.runs.replicate import replicate_model

logging.getLogger("MESA").setLevel(logging.WARNING)


def scenario(name: str = BASELINE_SCENARIO, *overrides: str):
    """A validated RunConfig for a named scenario with overrides."""
    return load_scenario(name, list(overrides))


def model_for(cfg, index: int = 0) -> InsurgencyModel:
    """The model of replicate `index` of cfg, built but not yet run."""
    return replicate_model(cfg, index)


def pooled(outcomes, key: str) -> np.ndarray:
    return np.concatenate([o.attacks[key] for o in outcomes])


@pytest.fixture(scope="session")
def baseline_cfg():
    return scenario(BASELINE_SCENARIO, "end=2022-12-31", "replicates=4")


def manifest_files(record_dir: Path) -> dict[str, str]:
    """File name -> sha256 as the manifest of a finished run or sweep lists them."""
    return json.loads((record_dir / MANIFEST).read_text())["files"]
