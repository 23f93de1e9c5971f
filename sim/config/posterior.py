"""The posterior sample: stored with the package, read back, and drawn from per replicate.

`posterior.csv` holds one row per particle of the last ABC-SMC generation
(the calibrated values, the particle's simulated statistics, its distance and
its normalised weight); `posterior.yaml` beside it records the seed, settings,
library versions, date, priors, statistics, distance and the sha256 of the
CSV, so a half-written or hand-edited pair is refused.

With `parameters=posterior` each replicate draws one particle, by weight, from
a stream of its own (sim/runs/parameters.py), so its chance events follow the
same streams whatever parameters it gets, and 'point' runs are unchanged.

A run of the history the sample was fitted to draws every calibrated parameter;
a run of another history (the 2011 withdrawal) draws only the rates and rules,
and keeps its own starting state (the parameters marked `state`).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.calibrated import CALIBRATED, CalibratedParameter
from sim.config.errors import ConfigError
from sim.config.paths import read
from sim.config.schema import ModelParams, RunConfig
from sim.files import atomic_write_text, sha256_text

CSV_NAME = "posterior.csv"
META_NAME = "posterior.yaml"


@dataclass
class Posterior:
    """A weighted sample of the calibrated parameters and the record of how it was made."""

    table: pd.DataFrame
    metadata: dict

    @property
    def weights(self) -> np.ndarray:
        """The particles' importance weights, which the draws follow."""
        return self.table["weight"].to_numpy(dtype=float)

    def values(self, draw: int, parameters: tuple[CalibratedParameter, ...] = CALIBRATED) -> dict[str, float]:
        """The calibrated quantities of particle `draw`, by name, for a replicate that runs with them."""
        row = self.table.iloc[draw]
        return {p.name: float(row[p.name]) for p in parameters}

    @property
    def fitted_history(self) -> str:
        """The history the sample was fitted to: as its record names it, or, for a sample made before the
        record named it, the history its scenario composes to (what the calibration composed)."""
        run = self.metadata.get("run") or {}
        return run.get("history") or composed_history(run.get("scenario", "baseline"))

    def drawn(self, history: str) -> tuple[CalibratedParameter, ...]:
        """What a replicate of `history` draws: every calibrated parameter under the history fitted; under
        another, only the rates and rules, for the state parameters describe the fitted history's start."""
        return CALIBRATED if history == self.fitted_history else tuple(p for p in CALIBRATED if not p.state)

    def quantiles(self, column: str, qs=(0.05, 0.5, 0.95)) -> list[float]:
        """Weighted quantiles of one column over the particles."""
        values = self.table[column].to_numpy(dtype=float)
        return [float(np.quantile(values, q, weights=self.weights, method="inverted_cdf")) for q in qs]

    def describe(self) -> str:
        """Prior median against posterior median and 90% interval, one line per parameter."""
        points = {p["name"]: p.get("prior_median") for p in self.metadata.get("priors", [])}
        lines = [f"{'parameter':34s} {'prior median':>13s} {'posterior median':>17s}   90% interval"]
        for p in CALIBRATED:
            lo, mid, hi = self.quantiles(p.name)
            lines.append(f"{p.name:34s} {points.get(p.name, float('nan')):13.4g} {mid:17.4g}   {lo:.4g} to {hi:.4g}")
        gens = [g for g in self.metadata.get("generations", []) if g["generation"] >= 0]
        if gens:
            lines.append(f"{len(gens)} generations, {self.metadata.get('total_simulations')} simulations in all, "
                         f"final epsilon {gens[-1]['epsilon']:.3g}, {self.metadata.get('wall_time_s')} s")
        return "\n".join(lines)

    def csv_text(self) -> str:
        """The table as it is stored (ten significant digits, one line end), which the metadata's hash covers."""
        return self.table.to_csv(index=False, lineterminator="\n", float_format="%.10g")

    def metadata_text(self) -> str:
        """The metadata as stored, with the table's hash, so that a table edited by hand is found out."""
        meta = {**self.metadata, "csv_sha256": sha256_text(self.csv_text())}
        return yaml.safe_dump(meta, sort_keys=False, width=100, allow_unicode=True)

    def save(self, folder: str | Path) -> Path:
        """Write the CSV, then the sidecar that seals it (each atomically)."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / CSV_NAME, self.csv_text())
        atomic_write_text(path / META_NAME, self.metadata_text())
        return path


def parse_posterior(csv_text: str, meta_text: str, where: str) -> Posterior:
    """Read a posterior pair, refusing one whose CSV is not the one its sidecar sealed."""
    try:
        meta = yaml.safe_load(meta_text)
    except yaml.YAMLError as err:
        raise ConfigError(f"The posterior record '{where}/{META_NAME}' is not valid YAML: {err}") from None
    if sha256_text(csv_text) != (meta or {}).get("csv_sha256"):
        raise ConfigError(
            f"'{where}/{CSV_NAME}' does not match the sha256 in '{META_NAME}': it was changed or only partly "
            "written. Re-run `sim calibrate` to make a new posterior.")
    table = pd.read_csv(io.StringIO(csv_text))
    missing = [p.name for p in CALIBRATED if p.name not in table.columns]
    if missing or "weight" not in table.columns or table.empty:
        raise ConfigError(
            f"The posterior in '{where}' lacks the columns {missing or ['weight']} that the calibrated parameters "
            "need; it was made for another set of parameters. Re-run `sim calibrate`.")
    return Posterior(table, meta)


def read_posterior(folder: str | Path) -> Posterior:
    """A posterior written by a fit, checked before use: a missing, damaged or edited file is a ConfigError."""
    path = Path(folder)
    try:
        csv_text, meta_text = (path / CSV_NAME).read_text(), (path / META_NAME).read_text()
    except OSError as err:
        raise ConfigError(f"No posterior at '{path}' ({err.strerror}); run `sim calibrate out={path}`.") from None
    return parse_posterior(csv_text, meta_text, str(path))


@lru_cache(maxsize=1)
def shipped_posterior() -> Posterior:
    """The posterior shipped in the package (sim/data), read once per process."""
    data = resources.files("sim.data")
    try:
        csv_text = data.joinpath(CSV_NAME).read_text(encoding="utf-8")
        meta_text = data.joinpath(META_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "parameters=posterior needs the posterior sample shipped in sim/data, which is missing; "
            "run `sim calibrate out=sim/data` or use parameters=point.") from None
    return parse_posterior(csv_text, meta_text, "sim/data")


def check_usable(cfg: RunConfig) -> None:
    """Refuse parameters=posterior when the config sets a calibrated parameter that the posterior draws.

    The posterior replaces these parameters; a value set on the command line or in a scenario would
    be silently overridden, so it is an error instead. "Set" means different from the value the
    baseline scenario composes to; a history other than the one fitted sets its own starting state,
    which the posterior leaves alone (Posterior.drawn). (A shift is added to whatever the config
    holds, so it needs no such check.)
    """
    defaults = baseline_model()
    for p in (p for p in CALIBRATED if p.kind in ("scale", "share")):
        value, expected = read(cfg.model, p.path), read(defaults, p.path)
        if value != expected and drawn_from_shipped(p, cfg.history):
            raise ConfigError(
                f"parameters=posterior draws 'model.{p.path}' from the calibrated posterior, but this config sets "
                f"it to {value} (the baseline's value is {expected}). Remove that setting, or use "
                "parameters=point to run with your own value.")
    for change in cfg.changes:
        for p in (p for p in CALIBRATED if p.path and p.path in change.params and drawn_from_shipped(p, cfg.history)):
            raise ConfigError(
                f"parameters=posterior draws 'model.{p.path}' from the calibrated posterior, but the change "
                f"'{change.label}' ({change.date}) sets it; a posterior draw would be overridden on that date. Remove "
                "the change, or use parameters=point.")


def drawn_from_shipped(p: CalibratedParameter, history: str) -> bool:
    """Whether parameters=posterior draws `p` in a run of `history`: a rate or rule always; a state parameter
    only under the history the shipped posterior was fitted to (so only then is the posterior read)."""
    return not p.state or p in shipped_posterior().drawn(history)


@lru_cache(maxsize=8)
def composed_history(scenario: str) -> str:
    """The history a scenario composes to without overrides."""
    from sim.config.load import compose_run_config  # here: composing validates, and validating reads this module

    return compose_run_config(scenario).history


@lru_cache(maxsize=1)
def baseline_model() -> ModelParams:
    """The model parameters the baseline scenario composes to, without any override."""
    from sim.config.load import compose_run_config  # here: composing validates, and validating reads this module

    return compose_run_config().model


def base_config_digest(model: ModelParams) -> str:
    """sha256 of the model parameters a calibration holds fixed: every parameter but the calibrated
    ones (whose point values become the posterior's medians after fitting). Tests use it to spot a
    posterior made for another model."""
    plain = dataclasses.asdict(model)
    for p in CALIBRATED:
        if p.path:
            section, name = p.path.split(".")
            plain[section][name] = None
    text = yaml.safe_dump(plain, sort_keys=True)
    return sha256_text(text)
