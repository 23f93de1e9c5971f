"""`sim run`: an ensemble of one scenario, a Hydra app (`-m` for multirun), and `sim list`.

`sim run` reads Hydra's own grammar, which every other command follows: KEY=VALUE
overrides (group=level, model.section.name=value, replicates=..., seed=...).
`out=DIR` names the run's folder as in every other command (Hydra's own
`hydra.run.dir=DIR`, or `hydra.sweep.dir=DIR` with -m, works too).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from sim.config.errors import ConfigError

HYDRA_FLAGS = ("-m", "--multirun", "--cfg", "-c", "--help", "-h", "--hydra-help", "--info", "-i",
               "--resolve", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
               "--config-dir", "-cd", "--shell-completion", "-sc", "--run", "-r")
MULTIRUN_FLAGS = ("-m", "--multirun")
OUT = "out"


def run_command(overrides: list[str]) -> None:
    """Validate first (so bad input writes nothing), claim the run's folder, then hand over to Hydra."""
    from sim.config.load import compose_overrides, rename_deprecated
    from sim.grammar import refuse_repeated
    from sim.runs.ensemble import check_memory
    from sim.runs.record import claimed_run_dir

    # Old scenario and level names are renamed (with a warning) before Hydra, which knows only the new files.
    refuse_repeated(overrides, "sim run")
    overrides = rename_deprecated(out_as_hydra_dir(overrides))
    refuse_repeated(overrides, "sim run")
    if not any(arg in HYDRA_FLAGS for arg in overrides):
        cfg = compose_overrides(_model_overrides(overrides))
        check_memory(cfg)
        run_dir = _run_dir(overrides, cfg)
        overrides = [*(o for o in overrides if _setting_key(o) != "hydra.run.dir"),
                     hydra_override("hydra.run.dir", run_dir)]
        with claimed_run_dir(run_dir, cfg):
            _launch_hydra(overrides)
        return
    if any(arg in MULTIRUN_FLAGS for arg in overrides):
        _check_multirun_jobs([arg for arg in overrides if arg not in MULTIRUN_FLAGS])
        overrides = _unique_multirun_dir(overrides)
    _launch_hydra(overrides)


def _launch_hydra(overrides: list[str]) -> None:
    """Run the Hydra app with these arguments; its errors reach `main` as exceptions, not as printed traces."""
    import os

    import hydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.cli import hydra_task
    from sim.config.load import PRIMARY_CONFIG, describe_config_error, register_schema, scenario_dir

    register_schema()
    app = hydra.main(version_base="1.3", config_path=str(scenario_dir()), config_name=PRIMARY_CONFIG)(hydra_task)
    saved, saved_full_error = sys.argv, os.environ.get("HYDRA_FULL_ERROR")
    sys.argv = [saved[0], *overrides]
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        app()
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(describe_config_error(err)) from None
    finally:
        sys.argv = saved
        if saved_full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved_full_error


def _setting_key(override: str) -> str:
    return override.lstrip("+~").partition("=")[0]


def out_as_hydra_dir(overrides: list[str]) -> list[str]:
    """`out=DIR`, the output folder's name in every command, as Hydra's run (or, with -m, sweep) folder."""
    key = "hydra.sweep.dir" if any(arg in MULTIRUN_FLAGS for arg in overrides) else "hydra.run.dir"
    return [f"{key}={o.partition('=')[2]}" if _setting_key(o) == OUT and not o.startswith(("+", "~")) else o
            for o in overrides]


def hydra_setting(overrides: list[str], key: str):
    """The value Hydra will read for setting `key` (quotes and escapes undone), or None if not given."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from sim.config.load import describe_config_error

    given = [o for o in overrides if _setting_key(o) == key]
    try:
        parsed = OverridesParser.create().parse_overrides(given)
    except HydraException as err:
        raise ConfigError(describe_config_error(err)) from None
    if not parsed:
        return None
    value = parsed[-1].value()
    if not isinstance(value, str) or not value:
        raise ConfigError(f"'{parsed[-1].input_line}' must name one folder; quote a path that holds spaces, "
                          f"commas or brackets: {key}='my runs/run 1'.")
    return value


def hydra_override(key: str, path: Path) -> str:
    """`key=PATH` quoted so that Hydra reads back exactly `path`, whatever characters it holds."""
    text = str(path)
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${") + "'"
    override = f"{key}={quoted}"
    if hydra_setting([override], key) != text:
        raise ConfigError(f"The folder name '{text}' cannot be passed to Hydra unchanged; choose a plainer name.")
    return override


def _run_dir(overrides: list[str], cfg) -> Path:
    """The folder given with hydra.run.dir; else this config's unfinished run to resume; else a new folder."""
    from sim.runs.folders import new_folder, plain_name
    from sim.runs.record import find_incomplete_run

    given = hydra_setting(overrides, "hydra.run.dir")
    if given is not None:
        return Path(_resolve_interpolations(given, cfg))
    parent = Path("outputs") / plain_name(cfg.scenario.name, "The scenario name (scenario.name)")
    unfinished = find_incomplete_run(parent, cfg)
    if unfinished is not None:
        print(f"found an unfinished run of the same configuration in {unfinished}; resuming it")
        return unfinished
    return new_folder(parent)


def _resolve_interpolations(value: str, cfg) -> str:
    """A folder given as `outputs/${scenario.name}/${now:%H-%M}` resolved as Hydra would resolve it."""
    if "${" not in value:
        return value
    import dataclasses

    from hydra.core.utils import setup_globals
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    setup_globals()
    try:
        return str(OmegaConf.create({**dataclasses.asdict(cfg), "folder": value}).folder)
    except OmegaConfBaseException as err:
        raise ConfigError(f"hydra.run.dir '{value}' cannot be resolved: {' '.join(str(err).split())}") from None


def _unique_multirun_dir(overrides: list[str]) -> list[str]:
    """Without hydra.sweep.dir, a multirun gets a new folder of its own, never another one's."""
    from sim.runs.folders import new_folder

    if hydra_setting(overrides, "hydra.sweep.dir") is not None:
        return overrides
    return [*overrides, hydra_override("hydra.sweep.dir", new_folder(Path("outputs/multirun")))]


def _model_overrides(overrides: list[str]) -> list[str]:
    """The overrides that make the experiment, without Hydra's own settings (its run folder, its plugins)."""
    return [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]


def _check_multirun_jobs(arguments: list[str]) -> None:
    """Compose and validate every job of `sim -m` before Hydra makes the sweep's folder.

    Only plain overrides are expanded; with Hydra's other flags among them (a config name,
    --cfg) the jobs are left to Hydra, and each still checks its own config when it starts.
    """
    from sim.config.load import compose_many, multirun_jobs

    if any(arg.startswith("-") for arg in arguments):
        return
    jobs = multirun_jobs(arguments)
    if len(jobs) > 20:
        print(f"checking the configurations of all {len(jobs)} jobs before starting (about 0.15 s each)")
    compose_many([_model_overrides(job) for job in jobs],
                 name=lambda k, job: f"Multirun job {k} of {len(jobs)} ({' '.join(job) or 'no overrides'})")


def run_task(cfg) -> None:
    """One run inside Hydra's app: the ensemble of the composed config, written into Hydra's folder."""
    import logging

    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.api import EnsembleResult
    from sim.config.load import to_run_config
    from sim.runs.ensemble import check_memory, run_ensemble
    from sim.runs.folders import describe_os_error
    from sim.runs.record import claimed_run_dir, start_run

    # Hydra logs at INFO; Mesa logs every step at INFO, which would flood the log and cost time.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        run_cfg = to_run_config(cfg)
        out = Path(HydraConfig.get().runtime.output_dir)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            check_memory(run_cfg)           # a single run was checked before its folder was made
        with claimed_run_dir(out, run_cfg):
            checkpoints = start_run(out, run_cfg)
            saved = checkpoints.completed_count()
            if saved:
                print(f"resuming the unfinished run in {out}: {saved} replicates already done")
            result = EnsembleResult(run_cfg, run_ensemble(run_cfg, checkpoints=checkpoints))
            result.complete(out)
            checkpoints.remove()
    except ConfigError as err:
        from sim.cli import fail

        fail(str(err))
    except OSError as err:
        from sim.cli import fail

        fail(describe_os_error(err))
    s = result.summary
    a, c = s["attacks_per_month"], s["casualties_per_month"]
    print(f"{run_cfg.scenario.name}: {run_cfg.replicates} replicates, {run_cfg.start} to {run_cfg.end}, "
          f"seed {run_cfg.seed}")
    print(f"  attacks per month     median {a['q50']:.2f}  90% interval {a['q05']:.2f}-{a['q95']:.2f}")
    print(f"  casualties per month  median {c['q50']:.2f}  90% interval {c['q05']:.2f}-{c['q95']:.2f}")
    for check in s["targets"]:
        sim_q = check["simulated"]
        print(f"  {check['quantity']}: observed {check['observed']}, simulated median {sim_q['q50']:.0f} "
              f"(90% {sim_q['q05']:.0f}-{sim_q['q95']:.0f})")
    print(f"  written to {out}")



def list_command(args: list[str] = ()) -> None:
    """`sim list`: the observed history, every scenario with what it changes, and every determinant level.

    A scenario file that cannot be read or composed is left out of the list and named at the end (exit 2)."""
    if args:
        raise ConfigError(f"`sim list` takes no arguments (given: {' '.join(args)}).")
    from sim.config.load import list_levels, scan_scenarios, scenario_timeline

    history = scenario_timeline(None)
    print(f"The observed history (every scenario follows it to {history.observed_through}, then branches):\n")
    for change in history.changes:
        print(textwrap.indent(textwrap.fill(_change_line(change), width=92, subsequent_indent="      "), "  "))
    print("\nScenarios (sim run scenario=NAME), with what each changes from the branch on:\n")
    entries, problems = scan_scenarios()
    for entry in entries:
        try:
            changes = scenario_timeline(entry.name).changes
        except ConfigError as err:
            problems[entry.name] = str(err)
            continue
        print(f"  {entry.name}")
        print(textwrap.indent(textwrap.fill(entry.description, width=92), "      "))
        for change in changes:
            print(textwrap.indent(textwrap.fill(_change_line(change), width=88, subsequent_indent="    "), "      "))
        print()
    print("Determinant levels (sim run GROUP=LEVEL):\n")
    for group, levels in list_levels().items():
        print(f"  {group}")
        for level in levels:
            print(textwrap.indent(textwrap.fill(f"{level.name}: {level.description}", width=92,
                                                subsequent_indent="    "), "      "))
        print()
    if problems:
        raise ConfigError(f"{len(problems)} scenario file(s) could not be used and are not listed above (`sim run "
                          "scenario=NAME` gives the whole message): "
                          + " ".join(f"{name}: {textwrap.shorten(problem, 180)}" for name, problem in
                                     sorted(problems.items())))


def _change_line(change) -> str:
    """One dated change in words: its date, label, levels and raw parameters, and whether it is estimated."""
    parts = [f"{change.date}  {change.label}"]
    if change.origin != "branch" and change.levels:
        parts.append("(" + ", ".join(f"{g}={lvl}" for g, lvl in change.levels.items()) + ")")
    elif change.origin != "branch" and change.params:
        parts.append("(" + ", ".join(change.params) + ")")
    if change.estimated:
        parts.append("[estimated]")
    return " ".join(parts)
