"""Compose scenarios with Hydra and turn them into validated RunConfig objects.

The command line (`sim run`, a Hydra app) and the Python API (`compose_run_config`)
share `to_run_config`, so both reject the same mistakes with the same words.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, OverrideParseException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.config.determinants import DETERMINANTS, NO_CHANGE
from sim.config.errors import ConfigError
from sim.config.resolve import resolve
from sim.config.scenario_files import check_composition, describe_yaml_error, read_text, read_yaml
from sim.config.schema import RunConfig
from sim.config.validate import validate
from sim.defaults import BASELINE_SCENARIO

SCHEMA_NAME = "run_schema"
# The defaults list of the determinant groups, built from their declaration (sim/config/determinants.py).
DETERMINANT_DEFAULTS = "determinants"
PRIMARY_CONFIG = "config"
# Taken while Hydra is initialised (`hydra_session`); re-entrant, since a run names itself by composing its
# scenario afresh from inside the session that composed it.
_HYDRA = threading.RLock()
# Names used by the previous release, and what they are called now. They keep working, with a
# warning, for one release. (Scenarios now branch from the observed history, so the old drawdown
# timetables are either history or a posture at the branch.)
RENAMED = {
    ("scenario", "status_quo_2024"): "baseline",
    ("scenario", "accelerated_2025"): "baseline",
    ("scenario", "agreed_timetable"): "agreed_exit",
    ("scenario", "residual_kurdistan"): "residual_presence",
    ("scenario", "regional_war"): "regional_escalation",
    ("drawdown", "status_quo_2024"): "posture_2024",
    ("drawdown", "agreed_timetable"): "training_only",
    ("drawdown", "accelerated_2025"): "erbil_and_gulf",
    ("drawdown", "full_exit"): "complete_exit",
    ("drawdown", "residual_kurdistan"): "kurdistan_residual",
    ("syria", "fragile_2024"): "post_assad_chaos",
    ("relations", "strained_2024"): "strained",
    ("iraqi_forces", "capable_2024"): "capable",
    ("insurgents", "weakened_2024"): "as_observed",
    ("insurgents", "weakened_2025"): "as_observed",
}
REMOVED = {
    ("scenario", "conditions_2025"): "its hand-set restart in January 2025 is replaced by the sealed forecast of "
                                     "2025 that `sim backtest` makes from the observed history (docs/validation.md)",
}


def scenario_dir() -> Path:
    """The folder of scenario YAML: $SIM_SCENARIO_DIR, else `scenarios/` beside the package."""
    env = os.environ.get("SIM_SCENARIO_DIR")
    path = Path(env).resolve() if env else Path(__file__).resolve().parents[2] / "scenarios"
    if not (path / f"{PRIMARY_CONFIG}.yaml").is_file():
        raise ConfigError(
            f"No scenario folder with {PRIMARY_CONFIG}.yaml at '{path}'. Run from a checkout of "
            "the project (installed with `pip install -e .`), or point SIM_SCENARIO_DIR at a "
            "folder laid out like the project's scenarios/."
        )
    return path


def register_schema() -> None:
    """Make the typed schema the base of the primary config, and the declared determinant groups its defaults
    (each at the level that changes nothing), once per process: storing the schema builds the whole structured
    config, a quarter of a second."""
    store = ConfigStore.instance()
    if f"{SCHEMA_NAME}.yaml" not in store.repo:
        store.store(name=SCHEMA_NAME, node=RunConfig)
    if f"{DETERMINANT_DEFAULTS}.yaml" not in store.repo:
        store.store(name=DETERMINANT_DEFAULTS, node={"defaults": [{group: NO_CHANGE} for group in DETERMINANTS]})


def to_run_config(cfg: DictConfig, choices: dict[str, str] | None = None) -> RunConfig:
    """Convert a composed config (or a run's stored config) to a resolved, validated RunConfig.

    `choices` are the levels Hydra picked for each group (composing with the Hydra config
    attached supplies them itself); they name the branch's levels.
    """
    try:
        if "hydra" in cfg:
            choices = choices or OmegaConf.to_container(cfg.hydra.runtime.choices)
            with open_dict(cfg):
                cfg.pop("hydra")
        choices = dict(choices or {})
        if OmegaConf.get_type(cfg) is not RunConfig:       # a stored record, not a composition on the schema
            cfg = OmegaConf.merge(OmegaConf.structured(RunConfig), OmegaConf.to_container(cfg, resolve=True))
        reject_unknown_keys(cfg, "")
        run_cfg = OmegaConf.to_object(cfg)
    except (OmegaConfBaseException, HydraException, TypeError) as err:
        raise ConfigError(describe_config_error(err)) from None
    run_cfg.branch_levels = {group: str(choices[group]) for group in DETERMINANTS if choices.get(group)}
    return validate(resolve(run_cfg, scenario_dir))


def checked_config(cfg: RunConfig) -> RunConfig:
    """`cfg` checked as strictly as the command line checks overrides: every value of its declared type,
    every range and rule; the checked copy is returned."""
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"expected a RunConfig (from load_scenario), got {type(cfg).__name__}")
    try:
        plain = OmegaConf.create(dataclasses.asdict(cfg))
    except OmegaConfBaseException as err:
        raise ConfigError(describe_config_error(err)) from None
    return to_run_config(plain)


def reject_unknown_keys(node: DictConfig, prefix: str) -> None:
    """Refuse keys the schema does not declare (Hydra's `+key=value` adds them even to a typed config)."""
    schema = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(schema):
        known = {f.name for f in dataclasses.fields(schema)}
        unknown = [k for k in node if k not in known]
        if unknown:
            raise ConfigError(f"Invalid configuration: '{prefix}{unknown[0]}' is not a setting of the simulator "
                              f"(the settings of '{prefix.rstrip('.') or 'the run'}' are: {', '.join(sorted(known))}). "
                              "Parameters are listed with units and ranges in docs/parameters.md.")
    for key in node:
        child = node._get_node(key)
        if isinstance(child, DictConfig) and dataclasses.is_dataclass(OmegaConf.get_type(child)):
            reject_unknown_keys(child, f"{prefix}{key}.")


def rename_deprecated(overrides: list[str]) -> list[str]:
    """Old scenario and level names replaced by their new ones, with a warning; removed ones refused."""
    out = []
    for override in overrides:
        key, sep, value = override.partition("=")
        group = key.lstrip("+~")
        if not sep or group not in (*DETERMINANTS, "scenario"):
            out.append(override)
            continue
        names = []
        for name in value.split(","):
            if (group, name) in REMOVED:
                raise ConfigError(f"The {group} '{name}' was removed: {REMOVED[(group, name)]}.")
            new = RENAMED.get((group, name))
            if new is not None:
                warnings.warn(f"{group} '{name}' is now called '{new}'; the old name works until the next release.",
                              FutureWarning, stacklevel=3)
            names.append(new or name)
        out.append(f"{key}={','.join(names)}")
    return out


def describe_config_error(err: Exception) -> str:
    """Turn an OmegaConf/Hydra exception into one paragraph with what is allowed."""
    if isinstance(err, OverrideParseException):
        problem = str(err.message).strip().splitlines()[0].rstrip(".")
        return (f"'{err.override}' is not a valid override ({problem}). Write KEY=VALUE, such as "
                "seed=7 or drawdown=full_exit; multirun (-m) also takes lists (seed=1,2,3) and ranges "
                "(seed=range(1,10)). A value with spaces or commas needs quotes.")
    lines = [str(e).strip().splitlines()[0] for e in (err, err.__cause__) if e is not None and str(e).strip()]
    text = " ".join(line.rstrip(".") + "." for line in dict.fromkeys(lines)) or type(err).__name__
    key = getattr(err, "full_key", None) or getattr(err.__cause__, "full_key", None)
    missing = re.search(r"Could not (?:find|load) '(\w+)/([^']+)'", text)
    if missing and missing.group(1) in (*DETERMINANTS, "scenario"):
        group = missing.group(1)
        folder = scenario_dir() / group
        choices = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        return f"Unknown {group} '{missing.group(2)}'; choose one of: {choices}."
    hint = (" Parameters are listed with units and ranges in docs/parameters.md; "
            "`sim list` shows scenarios and determinant levels.")
    where = f" at '{key}'" if key else ""
    return f"Invalid configuration{where}: {text}{hint}"


def describe_group_misuse(overrides: list[str], err: Exception) -> str:
    """A group (drawdown=..., scenario=...) given something other than one of its level names."""
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        plain_name = re.fullmatch(r"[A-Za-z_][\w-]*", value or "") and value.lower() not in ("true", "false", "null")
        if key in (*DETERMINANTS, "scenario") and not plain_name:
            folder = scenario_dir() / key
            choices = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
            return (f"'{override}' gives the {key} group something other than a level name; "
                    f"choose one of: {choices}.")
    return f"Invalid override in {' '.join(overrides)}: {' '.join(str(err).split()) or type(err).__name__}."


def compose_run_config(scenario: str = BASELINE_SCENARIO, overrides: list[str] | None = None) -> RunConfig:
    """Compose a named scenario plus Hydra-style overrides, as `sim run` would."""
    if isinstance(overrides, str) or not all(isinstance(o, str) for o in overrides or []):
        raise TypeError(f"overrides must be a list of 'key=value' strings, such as ['seed=7', 'syria=collapse']; "
                        f"got {overrides!r}")
    return compose_overrides([f"scenario={scenario}", *(overrides or [])])


def compose_overrides(overrides: list[str]) -> RunConfig:
    """Compose the primary config with command-line style overrides and validate it."""
    return compose_many([overrides])[0]


def compose_many(override_lists: list[list[str]],
                 name: Callable[[int, list[str]], str] | None = None) -> list[RunConfig]:
    """Compose several override lists under one Hydra initialisation (sweeps compose many points).

    `name(k, overrides)` says which list an error belongs to, so that a mistake in one of many
    jobs is reported with the job it is in.
    """
    configs = []
    with hydra_session():
        for k, overrides in enumerate(override_lists):
            try:
                configs.append(to_run_config(compose_checked(overrides)))
            except ConfigError as err:
                if name is None:
                    raise
                raise ConfigError(f"{name(k, list(overrides))}: {err}") from None
    return configs


@contextmanager
def hydra_session() -> Iterator[None]:
    """Hydra initialised on the scenario folder with the schema registered, for the duration of the block.
    Hydra keeps one global state, so threads that compose (the explorer's sessions and saves) take turns."""
    with _HYDRA:
        register_schema()
        GlobalHydra.instance().clear()
        try:
            with initialize_config_dir(config_dir=str(scenario_dir()), version_base="1.3"):
                yield
        finally:
            GlobalHydra.instance().clear()


def compose_checked(overrides: list[str]) -> DictConfig:
    """The primary config composed with `overrides` (inside `hydra_session`), Hydra's own node included, once
    the scenario files it reads are checked against the schema; not yet converted or validated."""
    check_composition(scenario_dir(), group_choices(overrides))
    return _compose(overrides)


def override_value(override: str):
    """The value Hydra reads from one `key=value` override (its quotes and escapes undone)."""
    try:
        return OverridesParser.create().parse_overrides([override])[0].value()
    except HydraException as err:
        raise ConfigError(describe_config_error(err)) from None


def group_choices(overrides: list[str]) -> dict[str, str]:
    """The option each config group is given on the command line (group=option), old names renamed."""
    choices = {}
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if sep and key in (*DETERMINANTS, "scenario", "history"):
            choices[key] = RENAMED.get((key, value), value)
    return choices


def _compose(overrides: list[str]) -> DictConfig:
    try:
        return compose(config_name=PRIMARY_CONFIG, overrides=rename_deprecated(list(overrides)),
                       return_hydra_config=True)
    except ConfigError:
        raise
    except yaml.YAMLError as err:
        raise ConfigError(describe_yaml_error(err)) from None
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(describe_config_error(err)) from None
    except (ValueError, TypeError, AssertionError) as err:
        # Hydra raises these bare when a config group is given a number, a list or null.
        raise ConfigError(describe_group_misuse(overrides, err)) from None
    except AttributeError:
        # OmegaConf cannot merge into a mapping that is unset: the branch's open bases.
        raise ConfigError(
            f"Invalid override in {' '.join(overrides)}: the branch's coalition bases cannot be set item by item on "
            "the command line; choose a posture with drawdown=LEVEL (`sim list` shows them), or give the bases "
            "in a scenario's timeline.") from None


def multirun_jobs(overrides: list[str]) -> list[list[str]]:
    """The overrides of each job that Hydra's multirun (`sim -m`) launches, in its order.

    Hydra's basic sweeper runs the cartesian product of the comma lists and ranges, the
    last override varying fastest; expanding them here lets every job be checked before
    Hydra creates any folder.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as err:
        raise ConfigError(describe_config_error(err)) from None
    choices = []
    for override in parsed:
        key = override.get_key_element()
        if not override.is_sweep_override():
            choices.append([f"{key}={override.get_value_element_as_str()}"])
        elif override.is_discrete_sweep():
            choices.append([f"{key}={value}" for value in override.sweep_string_iterator()])
        else:
            raise ConfigError(f"'{override.input_line}' is an interval, which multirun cannot enumerate; give "
                              "the values as a list (a,b,c) or a range (range(start,stop,step)), or use "
                              "`sim sweep` with a {range, steps} axis.")
    return [list(job) for job in itertools.product(*choices)]


@dataclass(frozen=True)
class ScenarioEntry:
    """A scenario or level as `sim list` and the explorer show it: its name and its one-paragraph description."""

    name: str
    description: str


def _description(path: Path) -> str:
    """A scenario file's description (a ConfigError names the file if it cannot be read as a scenario)."""
    data = read_yaml(path) or {}
    scenario = data.get("scenario", {}) if isinstance(data, dict) else None
    if not isinstance(scenario, dict):
        raise ConfigError(f"The scenario file '{path}' must be a mapping with a 'scenario' section "
                          "(scenario: {name: ..., description: ...}).")
    return " ".join(str(scenario.get("description", "")).split())


def _level_comment(path: Path) -> str:
    """First comment line after the package header: what the level represents."""
    for line in read_text(path, "The level file").splitlines():
        if line.startswith("#") and "@package" not in line:
            return line.lstrip("# ").strip()
    return ""


@dataclass(frozen=True)
class Timeline:
    """What a scenario changes, and when: the observed history's changes, or a scenario's own (branch
    levels and later dated changes)."""

    observed_through: str
    branch_date: str
    changes: tuple


def scenario_timeline(name: str | None) -> Timeline:
    """The observed history's dated changes (name None), or those a named scenario adds to it."""
    cfg = compose_run_config(name or BASELINE_SCENARIO)
    origin = ("history",) if name is None else ("branch", "scenario")
    return Timeline(cfg.observed_through, cfg.branch_date, tuple(c for c in cfg.changes if c.origin in origin))


def list_scenarios() -> list[ScenarioEntry]:
    """Named scenarios with their one-paragraph descriptions (those whose file can be read; see
    `unreadable_scenarios`)."""
    return scan_scenarios()[0]


def unreadable_scenarios() -> dict[str, str]:
    """Scenario files that cannot be read as scenarios, by name, with what is wrong with each."""
    return scan_scenarios()[1]


def scan_scenarios() -> tuple[list[ScenarioEntry], dict[str, str]]:
    """Every scenario file read: the readable ones as entries, the others' problems by name."""
    entries, problems = [], {}
    for path in sorted((scenario_dir() / "scenario").glob("*.yaml")):
        try:
            entries.append(ScenarioEntry(path.stem, _description(path)))
        except ConfigError as err:
            problems[path.stem] = str(err)
    return entries, problems


def list_levels() -> dict[str, list[ScenarioEntry]]:
    """Each determinant's named levels with the comment saying what each represents."""
    root = scenario_dir()
    return {
        group: [ScenarioEntry(p.stem, _level_comment(p)) for p in sorted((root / group).glob("*.yaml"))]
        for group in DETERMINANTS
    }
