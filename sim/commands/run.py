"""`sim run`: an ensemble of one scenario, a Hydra app (`-m` for multirun).

`sim run` reads Hydra's own grammar, which every other command follows: KEY=VALUE
overrides (group=level, model.section.name=value, replicates=..., seed=...).
`out=DIR` names the run's folder as in every other command (Hydra's own
`hydra.run.dir=DIR`, or `hydra.sweep.dir=DIR` with -m, works too). `--help`
lists the settings (sim/commands/run_help.py); `show=config` prints the
composed config and runs nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from hydra._internal.callbacks import Callbacks
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import run_job, setup_globals
from hydra.errors import HydraException
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from sim.commands.errors import fail
from sim.commands.grammar import refuse_repeated
from sim.commands.run_help import run_help
from sim.config.errors import ConfigError
from sim.config.load import (
    PRIMARY_CONFIG,
    compose_checked,
    compose_many,
    compose_overrides,
    describe_config_error,
    hydra_session,
    multirun_jobs,
    override_value,
    register_schema,
    rename_deprecated,
    scenario_dir,
    to_run_config,
)
from sim.config.schema import RunConfig
from sim.runs.folders import describe_os_error, new_folder, plain_name

# The run machinery is imported where a run starts: at the top it made `import sim.commands.run` take 1.9 s
# instead of 0.3 s (measured on a shared two-core machine), which `sim run --help` and every refused setting
# would wait for.

HYDRA_FLAGS = ("-m", "--multirun", "--cfg", "-c", "--hydra-help", "--info", "-i",
               "--resolve", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
               "--config-dir", "-cd", "--shell-completion", "-sc", "--run", "-r")
HELP_FLAGS = ("-h", "--help")
MULTIRUN_FLAGS = ("-m", "--multirun")
OUT = "out"
# Hydra's names for the folder `out=` names: a message about them speaks of `out=`.
FOLDER_KEYS = ("hydra.run.dir", "hydra.sweep.dir")
SHOW = "show"
# Files a run folder holds for its own bookkeeping: Hydra's log and the folder's lock (sim.runs.folders).
BOOKKEEPING = ("cli.log", ".lock")

# The command as the person typed it, while Hydra's app runs with its own arguments in sys.argv: the
# run's manifest records it, so that "Made with" shows `out=DIR`, not Hydra's quoted hydra.run.dir.
_typed_command: list[str] | None = None


def run_command(overrides: list[str]) -> None:
    """Validate first (so bad input writes nothing), claim the run's folder, then run it as Hydra's job."""
    global _typed_command
    if any(arg in HELP_FLAGS for arg in overrides):
        print(run_help())
        return
    _typed_command = ["sim", "run", *overrides]
    try:
        _run(overrides)
    finally:
        _typed_command = None


def _run(overrides: list[str]) -> None:
    # Old scenario and level names are renamed (with a warning) before Hydra, which knows only the new files.
    refuse_repeated(overrides, "sim run")
    refuse_repeated(out_as_hydra_dir(overrides), "sim run")     # out= is Hydra's run folder under another name
    overrides = rename_deprecated(out_as_hydra_dir(overrides))
    show = [o for o in overrides if _setting_key(o) == SHOW]
    overrides = [o for o in overrides if _setting_key(o) != SHOW]
    if show:
        _show(show[-1].partition("=")[2], compose_overrides(_model_overrides(overrides)))
        return
    if not any(arg in HYDRA_FLAGS for arg in overrides):
        _run_once(overrides)
        return
    multirun = any(arg in MULTIRUN_FLAGS for arg in overrides)
    if multirun:
        _check_multirun_jobs([arg for arg in overrides if arg not in MULTIRUN_FLAGS])
        overrides = _unique_multirun_dir(overrides)
    _launch_hydra(overrides)
    sweep_dir = hydra_setting(overrides, "hydra.sweep.dir") if multirun else None
    if sweep_dir and "${" not in sweep_dir and Path(sweep_dir).is_dir():
        for job in Path(sweep_dir).iterdir():
            if job.is_dir() and not job.is_symlink():
                remove_empty_bookkeeping(job)


def _run_once(overrides: list[str]) -> None:
    """One run, its config composed once: validated, its memory checked and its folder chosen and claimed
    before anything is written, then run as Hydra's job (which writes the folder's .hydra notes and log)."""
    # The run machinery imports the model's compiled kernels and Mesa (about 2 s: `python -X importtime -c
    # "import sim.runs.result"`); it is imported once the input is read, so help and bad input answer at once.
    from sim.runs.ensemble import check_memory
    from sim.runs.record import claimed_run_dir

    with hydra_session():
        composed = compose_checked([o for o in overrides if _setting_key(o) != "hydra.run.dir"])
        cfg = to_run_config(copy.deepcopy(composed))
        check_memory(cfg)
        run_dir = _run_dir(overrides, cfg)
        with claimed_run_dir(run_dir, cfg):
            _run_as_hydra_job(composed, run_dir, lambda task_cfg: _reported(lambda: _write_run(cfg, run_dir)))
    remove_empty_bookkeeping(run_dir)


def _run_as_hydra_job(composed: DictConfig, run_dir: Path, task: Callable[[DictConfig], None]) -> None:
    """Hydra's own job runner (what its app runs for one job) on a config already composed: it writes the
    folder's .hydra notes, logs to its cli.log, and hands the task the config. Inside `hydra_session`."""
    with read_write(composed.hydra), open_dict(composed.hydra):
        composed.hydra.run.dir = str(run_dir)
        composed.hydra.mode = RunMode.RUN
    # Hydra's app makes its callbacks the same way (they are those the config names: none here).
    context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=Callbacks(composed))
    run_job(task, composed, job_dir_key="hydra.run.dir", job_subdir_key=None, hydra_context=context).return_value  # noqa: B018 (raises the task's error)


def _show(what: str, cfg) -> None:
    """`show=config`: the composed, resolved config as a run folder's config.yaml would hold it."""
    from sim.runs.record import config_yaml  # imports the model: see _run_once

    if what != "config":
        raise ConfigError(f"show={what} is not something `sim run` can show; show=config prints the composed "
                          "config and runs nothing.")
    print(config_yaml(cfg), end="")


def remove_empty_bookkeeping(run_dir: Path) -> None:
    """Once a run is sealed, the empty log and lock it kept are clutter: remove them (a log with something in
    it stays; an unsealed run keeps both, for the command that finishes it)."""
    from sim.runs.record import MANIFEST  # imports the model: see _run_once

    if not (run_dir / MANIFEST).is_file():
        return
    for name in BOOKKEEPING:
        path = run_dir / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size == 0:
            path.unlink(missing_ok=True)


@contextmanager
def typed_argv() -> Iterator[None]:
    """sys.argv as the person typed the command (where known) for the duration of the block."""
    saved = sys.argv
    if _typed_command is not None:
        sys.argv = list(_typed_command)
    try:
        yield
    finally:
        sys.argv = saved


def _launch_hydra(overrides: list[str]) -> None:
    """Run Hydra's app with these arguments (a multirun, or Hydra's own flags); its errors reach `main` as
    exceptions, not as printed traces. Hydra's app reads its arguments from sys.argv, so they are put there
    for its duration."""
    register_schema()
    app = hydra.main(version_base="1.3", config_path=str(scenario_dir()), config_name=PRIMARY_CONFIG)(run_task)
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
    given = [o for o in overrides if _setting_key(o) == key]
    if not given:
        return None
    value = override_value(given[-1])
    if not isinstance(value, str) or not value:
        shown = OUT if key in FOLDER_KEYS else key
        given = given[-1].replace(f"{key}=", f"{shown}=", 1)
        raise ConfigError(f"'{given}' must name one folder; quote a path that holds spaces, commas or brackets: "
                          f"{shown}='my runs/run 1'.")
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
    from sim.runs.record import find_incomplete_run  # imports the model: see _run_once

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
    setup_globals()
    try:
        return str(OmegaConf.create({**dataclasses.asdict(cfg), "folder": value}).folder)
    except OmegaConfBaseException as err:
        raise ConfigError(f"out='{value}' cannot be resolved: {' '.join(str(err).split())}") from None


def _unique_multirun_dir(overrides: list[str]) -> list[str]:
    """Without hydra.sweep.dir, a multirun gets a new folder of its own, never another one's."""
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
    if any(arg.startswith("-") for arg in arguments):
        return
    jobs = multirun_jobs(arguments)
    if len(jobs) > 20:
        print(f"checking the configurations of all {len(jobs)} jobs before starting (about 0.15 s each)")
    compose_many([_model_overrides(job) for job in jobs],
                 name=lambda k, job: f"Multirun job {k} of {len(jobs)} ({' '.join(job) or 'no overrides'})")


def run_task(cfg: DictConfig) -> None:
    """One job of Hydra's app (a multirun's, or a run with Hydra's own flags): the ensemble of the composed
    config, written into the job's folder."""
    from sim.runs.ensemble import check_memory  # imports the model: see _run_once
    from sim.runs.record import claimed_run_dir

    def write() -> None:
        # The levels Hydra chose for each group name the branch's levels, as composing outside the app does.
        run_cfg = to_run_config(cfg, OmegaConf.to_container(HydraConfig.get().runtime.choices))
        out = Path(HydraConfig.get().runtime.output_dir)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            check_memory(run_cfg)           # a single run was checked before its folder was made
        with claimed_run_dir(out, run_cfg):
            _write_run(run_cfg, out)

    _reported(write)


def _reported(block: Callable[[], None]) -> None:
    """Run a job's block; its bad input ends as every command's does, here, so that Hydra's runner does not
    wrap it in a traceback of its own."""
    try:
        block()
    except ConfigError as err:
        fail(str(err))
    except OSError as err:
        fail(describe_os_error(err))


def _write_run(cfg: RunConfig, out: Path) -> None:
    """The ensemble of `cfg` into the claimed folder `out` (resuming its saved replicates), then its summary."""
    from sim.runs.ensemble import run_ensemble  # imports the model: see _run_once
    from sim.runs.record import start_run
    from sim.runs.result import write_run

    # Hydra logs at INFO; Mesa logs every step at INFO, which would flood the log and cost time.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    checkpoints = start_run(out, cfg)
    saved = checkpoints.completed_count()
    if saved:
        print(f"resuming the unfinished run in {out}: {saved} replicates already done")
    run_ensemble(cfg, checkpoints=checkpoints, keep=False)
    with typed_argv():
        summary = write_run(out, cfg, checkpoints.blocks())
    checkpoints.remove()
    print_summary(summary, out)


def print_summary(summary: dict, out: Path) -> None:
    """The headline by window: the forecast and each of its years, then the observed years against the
    record; a warning on stderr when overrides move the fitted years and the record is no longer met."""
    print(f"{summary['name']}: {summary['replicates']} replicates, seed {summary['seed']}, "
          f"{summary['start']} to {summary['end']}")
    print("attacks and casualties per month in Iraq (median and 90% interval), and the share of replicates above "
          "the 2024 rate:")
    for k, window in enumerate([summary["headline"], *summary["headline_by_year"]]):
        print("  " + ("  " if k else "") + _window_line(window, 36 - (2 if k else 0)))
    if summary["targets"]:
        print("the observed years against the record (claimed in Iraq; simulated median and 90% range):")
    for check in summary["targets"]:
        q = check["simulated"]
        print(f"  {check['quantity'].removeprefix('claimed ')}: observed {check['observed']}, simulated "
              f"{q['q50']:.0f} ({q['q05']:.0f}-{q['q95']:.0f}){'' if check['inside_90_interval'] else '  outside'}")
    if summary["fit"]["warning"]:
        print(textwrap.fill(f"warning: {summary['fit']['warning']}", width=100), file=sys.stderr)
    print(f"written to {out}")


def _window_line(window: dict, width: int) -> str:
    a, c = window["attacks_per_month"], window["casualties_per_month"]
    name = f"{window['name']}, {window['start']} to {window['end']}"
    return (f"{name:<{width}} attacks {a['q50']:5.2f} ({a['q05']:.2f}-{a['q95']:.2f})   casualties "
            f"{c['q50']:6.2f} ({c['q05']:.2f}-{c['q95']:.2f})   above 2024 {window['p_exceeds_2024_rate']:.0%}")
