"""The Python API: load a scenario, run an ensemble, get tables, write a run directory.

    from sim.api import load_scenario, run
    cfg = load_scenario("full_exit", ["syria=collapse", "replicates=50"])
    result = run(cfg, workers=2)
    result.replicates.head(); result.summary["headline"]["attacks_per_month"]   # over the forecast
    result.save("outputs/my_run")

The command line is a thin layer over these functions. The result's type lives
with the run machinery (sim/runs/result.py) and is handed on from here.
"""

from __future__ import annotations

import dataclasses
import numbers

from sim.config.errors import ConfigError
from sim.config.load import checked_config, compose_run_config, list_scenarios
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO
from sim.runs.ensemble import check_memory, run_ensemble, run_replicate
from sim.runs.result import EnsembleResult

__all__ = ["EnsembleResult", "list_scenarios", "load_scenario", "run", "run_replicate"]


def load_scenario(name: str = BASELINE_SCENARIO, overrides: list[str] | None = None) -> RunConfig:
    """A named scenario with Hydra-style overrides (`key=value`, `group=level`), validated."""
    return compose_run_config(name, overrides)


def whole_number(value, key: str) -> int:
    """An int, or a numpy integer, as an int; anything else (2.5, True, '7') is refused as on the command line."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise ConfigError(f"'{key}' is {value!r} ({type(value).__name__}); it must be a whole number, such as "
                      f"{key}=7 (an int, or a numpy integer).")


def run(cfg: RunConfig, *, replicates: int | None = None, seed: int | None = None, workers: int | None = None,
        progress: bool = False) -> EnsembleResult:
    """Run an ensemble of `cfg` (optionally with another replicate count, seed or worker count)."""
    changes = {k: whole_number(v, k) for k, v in (("replicates", replicates), ("seed", seed), ("workers", workers))
               if v is not None}
    if not isinstance(progress, bool):
        raise ConfigError(f"'progress' is {progress!r}; it must be True or False.")
    cfg = checked_config(dataclasses.replace(cfg, **changes, progress=progress))
    check_memory(cfg)
    return EnsembleResult(cfg, run_ensemble(cfg))
