"""The `sim` command: a thin layer over the Python API.

    sim run [OVERRIDES...]          run an ensemble (a Hydra app: -m for multirun)
    sim list                        scenarios and determinant levels
    sim compare RUN_DIR...          side-by-side table and distribution plot
    sim reproduce RUN_DIR           re-run from the record and verify every file
    sim sweep NAME|FILE [options]   a grid of scenario variants into one Parquet dataset
    sim sensitivity [options]       Morris screening or Sobol indices of the attack rate
    sim calibrate [OPTIONS]         fit the estimated parameters to the record (ABC-SMC)
    sim backtest [OPTIONS]          fit at past origins, forecast the next window, score against baselines
    sim validate REPORT [OPTIONS]   re-make one table and figure of docs/validation.md
    sim explore [--port N]          the scenario explorer page in a browser

Bad input exits with status 2 and one paragraph on stderr, and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
import warnings
from pathlib import Path

from sim.config.errors import ConfigError
from sim.defaults import COMPARISON_WINDOW

USAGE = __doc__.split("\n\n")[1]
SUBCOMMANDS = ("run", "list", "compare", "reproduce", "sweep", "sensitivity", "calibrate", "backtest", "validate",
               "explore")
HYDRA_FLAGS = ("-m", "--multirun", "--cfg", "-c", "--help", "-h", "--hydra-help", "--info", "-i",
               "--resolve", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
               "--config-dir", "-cd", "--shell-completion", "-sc", "--run", "-r")
MULTIRUN_FLAGS = ("-m", "--multirun")


def fail(message: str) -> None:
    print(textwrap.fill(f"error: {message}", width=100), file=sys.stderr)
    raise SystemExit(2)


def note_warning(message, category, filename, lineno, file=None, line=None) -> str:
    """Warnings for people at a terminal: one line, no source location."""
    return f"note: {message}\n"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.formatwarning = note_warning
    try:
        if not argv:
            print(USAGE)
            return
        command = argv[0]
        if command in ("-h", "--help", "help"):
            print(USAGE)
        elif command == "list":
            list_command()
        elif command == "compare":
            compare_command(argv[1:])
        elif command == "reproduce":
            reproduce_command(argv[1:])
        elif command == "sweep":
            sweep_command(argv[1:])
        elif command == "sensitivity":
            sensitivity_command(argv[1:])
        elif command == "run":
            run_command(argv[1:])
        elif command == "calibrate":
            calibrate_command(argv[1:])
        elif command == "backtest":
            backtest_command(argv[1:])
        elif command == "validate":
            from sim.calibration.report import main as validate_main

            validate_main(argv[1:])
        elif command == "explore":
            explore_command(argv[1:])
        elif "=" in command or command.startswith("-"):
            run_command(argv)          # `sim key=value ...` and `sim -m ...` run too
        else:
            fail(f"unknown command '{command}'; the commands are: {', '.join(SUBCOMMANDS)}.")
    except ConfigError as err:
        fail(str(err))
    except OSError as err:
        from sim.runs.folders import describe_os_error

        fail(describe_os_error(err))
    except KeyboardInterrupt:
        print("interrupted. A run or sweep keeps the replicates it finished and is not marked complete; "
              "the same command finishes it.", file=sys.stderr)
        raise SystemExit(130) from None


# ----- run -----------------------------------------------------------------------------
def run_command(overrides: list[str]) -> None:
    """Validate first (so bad input writes nothing), claim the run's folder, then hand over to Hydra."""
    from sim.config.load import compose_overrides, rename_deprecated
    from sim.runs.ensemble import check_memory
    from sim.runs.record import claimed_run_dir

    overrides = rename_deprecated(overrides)
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

    from sim.config.load import PRIMARY_CONFIG, describe_config_error, register_schema, scenario_dir

    register_schema()
    app = hydra.main(version_base="1.3", config_path=str(scenario_dir()), config_name=PRIMARY_CONFIG)(_hydra_task)
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


def _hydra_task(cfg) -> None:
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
        fail(str(err))
    except OSError as err:
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


# ----- list ----------------------------------------------------------------------------
def list_command() -> None:
    from sim.config.load import list_levels, list_scenarios, scenario_timeline

    history = scenario_timeline(None)
    print(f"The observed history (every scenario follows it to {history.observed_through}, then branches):\n")
    for change in history.changes:
        print(textwrap.indent(textwrap.fill(_change_line(change), width=92, subsequent_indent="      "), "  "))
    print("\nScenarios (sim run scenario=NAME), with what each changes from the branch on:\n")
    for entry in list_scenarios():
        print(f"  {entry.name}")
        print(textwrap.indent(textwrap.fill(entry.description, width=92), "      "))
        for change in scenario_timeline(entry.name).changes:
            print(textwrap.indent(textwrap.fill(_change_line(change), width=88, subsequent_indent="    "), "      "))
        print()
    print("Determinant levels (sim run GROUP=LEVEL):\n")
    for group, levels in list_levels().items():
        print(f"  {group}")
        for level in levels:
            print(textwrap.indent(textwrap.fill(f"{level.name}: {level.description}", width=92,
                                                subsequent_indent="    "), "      "))
        print()


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


# ----- compare -------------------------------------------------------------------------
def compare_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim compare", description="Compare complete runs side by side.")
    parser.add_argument("runs", nargs="+", help="run directories written by `sim run`")
    parser.add_argument("--out", help="folder for the table and plot (default outputs/compare/<date-time>)")
    parser.add_argument("--window", default=":".join(COMPARISON_WINDOW),
                        help="START:END of the paired differences (default: the first full forecast year)")
    ns = parser.parse_args(args)
    import pandas as pd

    from sim.analysis.compare import comparison_table, load_run_tables, run_labels
    from sim.analysis.plots import compare_distributions
    from sim.analysis.targets import reference_rate_2024
    from sim.runs.folders import new_folder
    from sim.runs.record import atomic_write_bytes, atomic_write_text, csv_text, figure_png

    paths = [Path(p) for p in ns.runs]
    labels = run_labels(paths)
    loaded = {label: load_run_tables(p) for label, p in zip(labels, paths, strict=True)}
    table = comparison_table({label: s for label, (_, _, s) in loaded.items()})
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    out = Path(ns.out) if ns.out else new_folder(Path("outputs/compare"))
    out.mkdir(parents=True, exist_ok=True)
    fig = compare_distributions({label: r["attacks_per_month"].to_numpy() for label, (_, r, _) in loaded.items()},
                                reference_rate_2024())
    atomic_write_bytes(out / "attack_rate_comparison.png", figure_png(fig))
    atomic_write_text(out / "comparison.csv", csv_text(table))
    paired = paired_differences(paths, labels, loaded, ns.window)
    if paired is not None:
        atomic_write_text(out / "paired_differences.csv", csv_text(paired))
    print(f"\nwritten to {out}")


def paired_differences(paths, labels, loaded, window: str):
    """Each run against the first, replicate by replicate, when they share seed, replicates and start."""
    import pandas as pd

    from sim.analysis.compare import paired_difference

    records = [rec for rec, _, _ in loaded.values()]
    first = records[0]
    if len(records) < 2 or any((r.config.seed, r.config.replicates, r.config.start)
                               != (first.config.seed, first.config.replicates, first.config.start) for r in records):
        print("\n(paired differences need runs with the same seed, replicate count and start date)")
        return None
    start, _, end = window.partition(":")
    monthly = {label: pd.read_csv(path / "monthly.csv") for label, path in zip(labels, paths, strict=True)}
    rows = [{"run": label, "against": labels[0], **paired_difference(monthly[labels[0]], monthly[label], start, end)}
            for label in labels[1:]]
    table = pd.DataFrame(rows)
    print(f"\npaired differences in attacks per month, {start} to {end} (common random numbers):")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[["run", "difference", "ci95_low", "ci95_high", "share_b_higher", "variance_reduction"]]
              .to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return table


# ----- reproduce -----------------------------------------------------------------------
def reproduce_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim reproduce",
                                     description="Re-run a run from its record and verify every file.")
    parser.add_argument("run", help="a run directory written by `sim run`")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (results do not depend on it)")
    ns = parser.parse_args(args)
    if ns.workers < 1:
        fail(f"--workers is {ns.workers}; it must be 1 or more.")
    from sim.runs.reproduce import rerun, verify_record

    rec, result = verify_record(ns.run)
    for problem in result.problems:
        print(f"record problem: {problem}")
    for change in result.changes:
        print(f"changed since the run: {change}")
    if not result.config_matches:
        print(f"not re-run: {rec.path / 'config.yaml'} is not the config the run was made with (see above), so "
              "a re-run could only differ from the record.")
        raise SystemExit(1)
    try:
        rerun(rec, result, workers=ns.workers)
    except KeyboardInterrupt:
        print(f"interrupted: the re-run was stopped and its scratch files removed; the run in {rec.path} was not "
              "touched. `sim reproduce` starts the check again from the beginning.", file=sys.stderr)
        raise SystemExit(130) from None
    for name in result.differing_data:
        print(f"DIFFERS (data): {name}")
    for name in result.differing_figures:
        print(f"DIFFERS (figure): {name}")
    for name in result.missing:
        print(f"NOT PRODUCED: {name}")
    total = len(result.matching) + len(result.differing) + len(result.missing)
    print(f"{len(result.matching)} of {total} files reproduced bit for bit")
    if result.differing and result.changes:
        print("the differences may come from what changed since the run (listed above)")
    elif result.differing_figures and not result.differing_data:
        print("only rendered figures differ; their bytes also depend on the plotting library and its fonts")
    if not result.ok:
        raise SystemExit(1)
    print("reproduced: every file identical")


# ----- sweep ---------------------------------------------------------------------------
def add_execution_options(parser: argparse.ArgumentParser) -> None:
    from sim.config.schema import EXECUTORS

    parser.add_argument("--workers", type=int, default=1, help="local worker processes, or Dask workers to start")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="local processes, or a Dask cluster (results are identical)")
    parser.add_argument("--scheduler", default="", help="Dask scheduler address; empty starts a local cluster")
    parser.add_argument("--out", help="output directory (default outputs/<kind>/<name>/<date-time>)")


def checked_execution(ns: argparse.Namespace) -> None:
    if ns.workers < 1:
        fail(f"--workers is {ns.workers}; it must be 1 or more.")
    if ns.scheduler and ns.executor != "dask":
        fail("--scheduler is used only with --executor dask.")


def sweep_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim sweep", description="Run a grid of scenario variants.")
    parser.add_argument("sweep", nargs="?", help="a sweep under scenarios/sweeps/ or a sweep YAML file")
    parser.add_argument("--axis", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="an axis (repeatable); replaces the file's axes, or defines a sweep without a file")
    parser.add_argument("--scenario", help="base scenario (default: the file's, else status_quo_2024)")
    parser.add_argument("--replicates", type=int, help="replicates per point")
    parser.add_argument("--seed", type=int, help="sweep seed")
    parser.add_argument("--window", help="START:END of the compared attack rate (default: the file's, else 2026)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="a fixed override for every point (repeatable)")
    add_execution_options(parser)
    ns = parser.parse_args(args)
    checked_execution(ns)
    from sim.sweeps.engine import run_sweep, sweep_folder, sweep_yaml
    from sim.sweeps.spec import spec_from_options, sweep_points

    if not ns.sweep and not ns.axis:
        fail("give a sweep (a name under scenarios/sweeps/ or a YAML file) or at least one --axis KEY=V1,V2.")
    spec = spec_from_options(ns.sweep, ns.axis, ns.scenario, ns.replicates, ns.seed, ns.overrides, ns.window)
    try:
        points = sweep_points(spec)
    except KeyboardInterrupt:
        print("interrupted while composing the sweep's points; nothing was run and nothing was written.",
              file=sys.stderr)
        raise SystemExit(130) from None
    out = sweep_folder(ns.out, Path("outputs/sweeps") / spec.name, sweep_yaml(spec, points))
    print(f"sweep {spec.name}: {len(points)} points x {spec.replicates} replicates into {out}")
    run_sweep(spec, out, executor=ns.executor, workers=ns.workers, scheduler=ns.scheduler, points=points)
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    columns = ["point", *[k.split(".")[-1] for k in spec.axes], "attacks_per_month_q50", "attacks_per_month_q05",
               "attacks_per_month_q95", "p_exceeds_2024_rate"]
    print(f"attacks per month, {spec.window.start} to {spec.window.end}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"written to {out}")


# ----- sensitivity ---------------------------------------------------------------------
def sensitivity_command(args: list[str]) -> None:
    from sim.sweeps.sensitivity import DEFAULT_PARAMETERS

    parser = argparse.ArgumentParser(prog="sim sensitivity",
                                     description="Global sensitivity of the attack rate to model parameters.")
    parser.add_argument("--method", choices=("morris", "sobol"), default="morris")
    parser.add_argument("--scenario", default="status_quo_2024")
    parser.add_argument("--params", default=",".join(DEFAULT_PARAMETERS),
                        help="comma-separated parameter paths, e.g. insurgents.attack_rate_per_day")
    parser.add_argument("--range", action="append", default=[], metavar="PARAM=LOW:HIGH", dest="ranges",
                        help="a range other than the declared one (repeatable)")
    parser.add_argument("--samples", type=int, default=8,
                        help="Morris trajectories, or the Sobol base sample N (a power of 2)")
    parser.add_argument("--replicates", type=int, default=10, help="replicates per parameter sample")
    parser.add_argument("--window", default="2026-01-01:2026-12-31", help="START:END of the attack-rate window")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="a fixed override for every sample (repeatable)")
    add_execution_options(parser)
    ns = parser.parse_args(args)
    checked_execution(ns)
    from sim.sweeps.sensitivity import run_sensitivity_command

    run_sensitivity_command(ns)
# ----- calibrate -----------------------------------------------------------------------
def calibrate_command(args: list[str]) -> None:
    from sim.calibration.abc_smc import CalibrationSettings

    d = CalibrationSettings()
    parser = argparse.ArgumentParser(
        prog="sim calibrate", description="Fit the estimated parameters to the observed record with ABC-SMC and "
        "write posterior.csv and posterior.yaml (the shipped posterior is in sim/data).")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"calibration seed (default {d.seed})")
    parser.add_argument("--particles", type=int, default=d.particles, help=f"particles per generation ({d.particles})")
    parser.add_argument("--generations", type=int, default=d.generations, help=f"most generations ({d.generations})")
    parser.add_argument("--min-epsilon", type=float, default=d.min_epsilon,
                        help=f"stop once the acceptance threshold reaches this distance ({d.min_epsilon})")
    parser.add_argument("--epsilon-quantile", type=float, default=d.epsilon_quantile,
                        help=f"each threshold is this quantile of the last generation's distances ({d.epsilon_quantile})")
    parser.add_argument("--max-simulations", type=int, default=d.max_simulations,
                        help=f"start no new generation after this many model runs in all ({d.max_simulations})")
    parser.add_argument("--origin", default=d.origin,
                        help="fit only the figures of the record complete by this date, YYYY-MM-DD (default: all)")
    parser.add_argument("--out", default=None, help="folder for the posterior (default outputs/calibration/<date-time>)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    ns = parser.parse_args(args)
    settings = CalibrationSettings(seed=ns.seed, particles=ns.particles, generations=ns.generations,
                                   min_epsilon=ns.min_epsilon, epsilon_quantile=ns.epsilon_quantile,
                                   max_simulations=ns.max_simulations, origin=ns.origin)
    settings.check()
    out = Path(ns.out) if ns.out else Path("outputs/calibration") / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    if out.exists() and not out.is_dir():
        fail(f"--out '{out}' is a file; give a folder for posterior.csv and posterior.yaml.")
    from sim.calibration.abc_smc import calibrate

    posterior = calibrate(settings, progress=not ns.quiet)
    posterior.save(out)
    print(posterior.describe())
    print(f"written to {out}")
# ----- backtest ------------------------------------------------------------------------
def backtest_command(args: list[str]) -> None:
    from sim.calibration.backtest import BacktestSettings

    d = BacktestSettings()
    parser = argparse.ArgumentParser(
        prog="sim backtest", description="Rolling-origin backtest: at each origin fit the record up to it (ABC-SMC), "
        "forecast claimed attacks and casualties in the next window, and score the forecasts against persistence and "
        "a log-linear trend. The last origin (end of 2024) gives the sealed forecast of January-August 2025.")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"backtest seed (default {d.seed})")
    parser.add_argument("--particles", type=int, default=d.particles, help=f"particles per generation ({d.particles})")
    parser.add_argument("--generations", type=int, default=d.generations, help=f"most generations ({d.generations})")
    parser.add_argument("--max-simulations", type=int, default=d.max_simulations,
                        help=f"model runs per origin's fit, at most ({d.max_simulations})")
    parser.add_argument("--replicates", type=int, default=d.replicates, help=f"replicates per forecast ({d.replicates})")
    parser.add_argument("--workers", type=int, default=d.workers, help="worker processes for the forecasts")
    parser.add_argument("--out", default=None, help="folder for the results (default outputs/backtest/<date-time>)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    ns = parser.parse_args(args)
    settings = BacktestSettings(seed=ns.seed, particles=ns.particles, generations=ns.generations,
                                max_simulations=ns.max_simulations, replicates=ns.replicates, workers=ns.workers)
    settings.check()
    out = Path(ns.out) if ns.out else Path("outputs/backtest") / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    if out.exists() and any(out.iterdir()):
        fail(f"--out '{out}' already holds files; a backtest writes into a new or empty folder.")
    from sim.calibration.backtest_report import run_and_write

    table = run_and_write(settings, out, progress=not ns.quiet)
    import pandas as pd

    columns = ["origin", "quantity", "forecaster", "observed", "median", "q05", "q95", "in_50", "in_90", "crps",
               "log_score"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"written to {out}")


# ----- explore -------------------------------------------------------------------------
def explore_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim explore",
                                     description="Start the scenario explorer page and print its address.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this computer only)")
    parser.add_argument("--port", type=int, help="port (default 8765, or a free one if that is taken)")
    parser.add_argument("--workers", type=int, help="worker processes for ensembles (default: up to 2)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    ns = parser.parse_args(args)
    if ns.workers is not None and ns.workers < 1:
        fail(f"--workers is {ns.workers}; it must be 1 or more.")
    from sim.explore.serve import serve

    serve(ns.host, ns.port, ns.workers, ns.open)
