"""A sweep: a base scenario, axes of determinant levels or parameter values, and their grid.

A sweep file (YAML under `scenarios/sweeps/`) names the axes; each point of
the grid is an ordinary run config, composed and validated before anything
runs, so a bad level or value stops the sweep with a clear message and writes
nothing. Point k's seed comes from the sweep seed and k alone, and its
replicates' seeds from that seed and their index, so a point of the sweep is
the same ensemble that `sim run` gives with the point's overrides and seed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from sim.analysis.windows import Window, parse_window  # noqa: F401 (parse_window: re-exported)
from sim.config.errors import ConfigError
from sim.config.load import compose_many, describe_config_error, scenario_dir
from sim.config.scenario_files import read_yaml
from sim.config.schema import RunConfig
from sim.config.validate import parse_date
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW, DEFAULT_SEED
from sim.runs.ensemble import progress_bar
from sim.runs.folders import plain_name

SWEEP_FOLDER = "sweeps"
KNOWN_KEYS = {"name", "description", "scenario", "overrides", "axes", "replicates", "seed", "window"}
# Settings that a sweep fixes for every point (replicates, seed) or that do not change results.
NOT_AXES = {"seed", "replicates", "workers", "executor", "scheduler", "progress", "plots", "scenario"}
# Composing a point's config takes about 0.14 s; above this many points the sweep says what it is doing.
ANNOUNCE_COMPOSING_FROM = 50
COMPOSE_CHUNK = 50


@dataclass
class SweepPoint:
    """One point of a sweep: its axis values, its seed and its composed config."""

    index: int
    values: dict[str, str]          # axis -> value, as written in overrides
    seed: int
    config: RunConfig = field(repr=False)

    @property
    def label(self) -> str:
        """The point's values as people read them."""
        return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in self.values.items())


@dataclass
class SweepSpec:
    """A sweep as declared: base scenario, fixed overrides, axes, replicates, seed and window."""

    name: str
    description: str
    scenario: str
    overrides: list[str]
    axes: dict[str, list[str]]
    replicates: int
    seed: int
    window: Window

    def as_dict(self) -> dict:
        """The spec as plain data, as sweep.yaml writes it."""
        return {"name": self.name, "description": self.description, "scenario": self.scenario,
                "overrides": list(self.overrides), "axes": {k: list(v) for k, v in self.axes.items()},
                "replicates": self.replicates, "seed": self.seed,
                "window": {"start": self.window.start, "end": self.window.end}}


def point_seed(sweep_seed: int, index: int) -> int:
    """Point `index`'s root seed: a child of the sweep seed, never the order of execution."""
    child = np.random.SeedSequence(sweep_seed, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))   # fits the schema's int64 range


def sweep_path(name_or_path: str) -> Path:
    """A sweep file by path, or by name under scenarios/sweeps/."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(f"Sweep file '{path}' does not exist.")
        return path
    folder = scenario_dir() / SWEEP_FOLDER
    candidate = folder / f"{name_or_path}.yaml"
    if not candidate.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise ConfigError(f"Unknown sweep '{name_or_path}'; the sweeps in {SWEEP_FOLDER}/ are: {known}; or give "
                          "the path of a sweep YAML file.")
    return candidate


def read_sweep_file(name_or_path: str) -> dict:
    """A sweep file's contents as a mapping, or a ConfigError naming the file and what is wrong."""
    path = sweep_path(name_or_path)
    data = read_yaml(path, "The sweep file")
    if not isinstance(data, dict):
        raise ConfigError(f"Sweep file '{path}' must be a mapping with keys: {', '.join(sorted(KNOWN_KEYS))}.")
    return data


def load_sweep(name_or_path: str) -> SweepSpec:
    """A sweep file, by name or path, checked."""
    return sweep_from_dict(read_sweep_file(name_or_path), where=str(sweep_path(name_or_path)))


def sweep_from_dict(data: dict, where: str = "sweep") -> SweepSpec:
    """Check a sweep's keys and types and expand numeric ranges; raise ConfigError naming what is wrong."""
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; a sweep has: {', '.join(sorted(KNOWN_KEYS))}.")
    axes_in = data.get("axes")
    if not isinstance(axes_in, dict) or not axes_in:
        raise ConfigError(f"{where}: 'axes' must map at least one config key or determinant to its values, "
                          "for example axes: {drawdown: [posture_2024, complete_exit]}.")
    axes = {str(k): _axis_values(str(k), v, where) for k, v in axes_in.items()}
    fixed = sorted(set(axes) & NOT_AXES)
    if fixed:
        raise ConfigError(f"{where}: {fixed} cannot be a sweep axis; axes are determinants (drawdown, syria, "
                          "...) or model parameters (model.GROUP.NAME). Set replicates and seed for the whole sweep.")
    short = [k.split(".")[-1] for k in axes]
    if len(set(short)) != len(short):
        raise ConfigError(f"{where}: two axes end in the same name ({short}); the dataset's columns would clash.")
    window = data.get("window") or dict(zip(("start", "end"), COMPARISON_WINDOW, strict=True))
    if not isinstance(window, dict) or set(window) != {"start", "end"}:
        raise ConfigError(f"{where}: 'window' must have 'start' and 'end' dates (YYYY-MM-DD).")
    start, end = (parse_date(window[k], f"window.{k}") for k in ("start", "end"))
    if end < start:
        raise ConfigError(f"{where}: the window ends ({end}) before it starts ({start}).")
    overrides = data.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"{where}: 'overrides' must be a list of key=value strings.")
    name = plain_name(str(data.get("name", "sweep")), f"{where}: the sweep's name")
    return SweepSpec(name=name, description=" ".join(str(data.get("description", "")).split()),
                     scenario=str(data.get("scenario", BASELINE_SCENARIO)), overrides=overrides, axes=axes,
                     replicates=_positive_int(data.get("replicates", 100), "replicates", where),
                     seed=_positive_int(data.get("seed", DEFAULT_SEED), "seed", where, minimum=0),
                     window=Window(str(start), str(end)))


def _positive_int(value, key: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: '{key}' is {value!r}; it must be a whole number of at least {minimum}.")
    return value


def _axis_values(key: str, spec, where: str) -> list[str]:
    """Values as override strings: a list, or {range: [low, high], steps: n} for evenly spaced numbers."""
    if isinstance(spec, dict):
        if set(spec) != {"range", "steps"} or not isinstance(spec["range"], list) or len(spec["range"]) != 2:
            raise ConfigError(f"{where}: axis '{key}' must be a list of values or {{range: [low, high], steps: n}}.")
        steps = _positive_int(spec["steps"], f"axes.{key}.steps", where, minimum=2)
        try:
            values = np.linspace(float(spec["range"][0]), float(spec["range"][1]), steps)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: axis '{key}' range must hold two numbers.") from None
        return [repr(round(float(v), 10)) for v in values]
    if not isinstance(spec, list) or not spec:
        raise ConfigError(f"{where}: axis '{key}' must be a non-empty list of values.")
    values = [str(v) for v in spec]
    if len(set(values)) != len(values):
        raise ConfigError(f"{where}: axis '{key}' repeats a value: {values}.")
    return values


def sweep_points(spec: SweepSpec, progress: bool = True) -> list[SweepPoint]:
    """Every point of the grid (the last axis varies fastest), composed and validated."""
    combos = [dict(zip(spec.axes, combo, strict=True)) for combo in itertools.product(*spec.axes.values())]
    seeds = [point_seed(spec.seed, k) for k in range(len(combos))]
    override_lists = [[f"scenario={spec.scenario}", *spec.overrides, *(f"{k}={v}" for k, v in values.items()),
                       f"replicates={spec.replicates}", f"seed={seed}"]
                      for values, seed in zip(combos, seeds, strict=True)]
    configs = compose_points(override_lists, progress)
    window_start, window_end = (dt.date.fromisoformat(d) for d in (spec.window.start, spec.window.end))
    points = []
    for k, (values, seed, cfg) in enumerate(zip(combos, seeds, configs, strict=True)):
        if dt.date.fromisoformat(cfg.end) < window_end or dt.date.fromisoformat(cfg.start) > window_start:
            raise ConfigError(f"The sweep's window {spec.window.start} to {spec.window.end} lies outside the "
                              f"horizon {cfg.start} to {cfg.end} of point {k}; choose a window inside it.")
        points.append(SweepPoint(k, values, seed, cfg))
    return points


def compose_points(override_lists: list[list[str]], progress: bool = True) -> list[RunConfig]:
    """Compose and validate every point's config, saying so first when there are many (about 0.14 s each),
    with a progress bar on a terminal; a mistake names the point it is in."""
    total = len(override_lists)
    if total >= ANNOUNCE_COMPOSING_FROM and progress:
        print(f"composing and checking the configurations of all {total} points before anything runs "
              f"(about 0.14 s each, {total * 0.14 / 60:.1f} minutes in all); nothing is written until then",
              flush=True)
    bar = progress_bar(total, "composing points", progress and total >= ANNOUNCE_COMPOSING_FROM)
    configs: list[RunConfig] = []
    try:
        for first in range(0, total, COMPOSE_CHUNK):
            chunk = override_lists[first:first + COMPOSE_CHUNK]
            configs += compose_many(chunk, name=lambda k, overrides, first=first:
                                    f"Sweep point {first + k} ({', '.join(overrides[:-2])})")
            bar.update(len(chunk))
    finally:
        bar.close()
    return configs


def spec_from_options(name_or_path: str | None, axes: dict[str, list[str]], scenario: str | None,
                      replicates: int | None, seed: int | None, overrides: list[str],
                      window: Window | None = None) -> SweepSpec:
    """A sweep from a file, from command-line axes, or a file with some of its settings replaced."""
    data = read_sweep_file(name_or_path) if name_or_path else {}
    if not name_or_path:
        data["name"] = "command_line"
    if axes:
        data["axes"] = dict(axes)
    for key, value in (("scenario", scenario), ("replicates", replicates), ("seed", seed)):
        if value is not None:
            data[key] = value
    data["overrides"] = [*(data.get("overrides") or []), *overrides]
    if window is not None:
        data["window"] = {"start": window.start, "end": window.end}
    return sweep_from_dict(data, where=name_or_path or "the command line")


def axes_and_fixed(overrides: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Split command-line overrides into axes (Hydra's sweep lists, `syria=contained,collapse`, and ranges,
    `seed=range(1,4)`) and overrides fixed for every point, as `sim -m` reads them."""
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as err:
        raise ConfigError(describe_config_error(err)) from None
    axes, fixed = {}, []
    for override, text in zip(parsed, overrides, strict=True):
        if not override.is_sweep_override():
            fixed.append(text)
        elif override.is_discrete_sweep():
            axes[override.get_key_element()] = list(override.sweep_string_iterator())
        else:
            raise ConfigError(f"'{text}' is an interval, which a sweep cannot enumerate; give the values as a list "
                              "(a,b,c) or a range (range(start,stop,step)), or a {range, steps} axis in a sweep file.")
    return axes, fixed


def with_horizon(overrides: list[str], window: Window) -> list[str]:
    """The overrides with the horizon the runs take: the end= given, else the window's end (no run goes on
    past the months it is read for). Check the composed configs with `check_inside` for a given end."""
    if any(o.lstrip("+~").partition("=")[0] == "end" for o in overrides):
        return list(overrides)
    return [*overrides, f"end={window.end}"]


def check_inside(window: Window, cfg: RunConfig, what: str) -> None:
    """Refuse a window that the runs of `cfg` do not cover: its numbers would be read from months never run."""
    if window.start < cfg.start or window.end > cfg.end:
        raise ConfigError(f"window={window.start}:{window.end} lies outside the horizon of {what} ({cfg.start} to "
                          f"{cfg.end}); choose a window inside it, or extend end=.")

