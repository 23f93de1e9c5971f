"""The `sim` command: a thin layer over the Python API.

    sim run [OVERRIDES...]          run an ensemble (a Hydra app: -m for multirun)
    sim list                        scenarios and determinant levels
    sim compare RUN_DIR...          side-by-side table and distribution plot
    sim reproduce RUN_DIR           re-run from the record and verify every file
    sim explore [--port N]          the scenario explorer page in a browser

Bad input exits with status 2 and one paragraph on stderr, and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
from pathlib import Path

from sim.config.errors import ConfigError

USAGE = __doc__.split("\n\n")[1]
SUBCOMMANDS = ("run", "list", "compare", "reproduce", "explore")
HYDRA_FLAGS = ("-m", "--multirun", "--cfg", "-c", "--help", "-h", "--hydra-help", "--info", "-i",
               "--resolve", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
               "--config-dir", "-cd", "--shell-completion", "-sc", "--run", "-r")


def fail(message: str) -> None:
    print(textwrap.fill(f"error: {message}", width=100), file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
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
        elif command == "run":
            run_command(argv[1:])
        elif command == "explore":
            explore_command(argv[1:])
        elif "=" in command or command.startswith("-"):
            run_command(argv)          # `sim key=value ...` and `sim -m ...` run too
        else:
            fail(f"unknown command '{command}'; the commands are: {', '.join(SUBCOMMANDS)}.")
    except ConfigError as err:
        fail(str(err))


# ----- run -----------------------------------------------------------------------------
def run_command(overrides: list[str]) -> None:
    """Validate first (so bad input writes nothing), then hand over to Hydra."""
    from sim.config.load import PRIMARY_CONFIG, compose_overrides, register_schema, scenario_dir

    if not any(arg in HYDRA_FLAGS for arg in overrides):
        compose_overrides([o for o in overrides if not o.lstrip("+~").startswith("hydra.")])
        _refuse_existing_run_dir(overrides)
    import hydra

    register_schema()
    app = hydra.main(version_base="1.3", config_path=str(scenario_dir()), config_name=PRIMARY_CONFIG)(_hydra_task)
    saved = sys.argv
    sys.argv = [saved[0], *overrides]
    try:
        app()
    finally:
        sys.argv = saved


def _refuse_existing_run_dir(overrides: list[str]) -> None:
    from sim.runs.record import check_new_run_dir

    for override in overrides:
        if override.startswith("hydra.run.dir="):
            check_new_run_dir(Path(override.split("=", 1)[1]))


def _hydra_task(cfg) -> None:
    import logging

    from hydra.core.hydra_config import HydraConfig

    from sim.api import EnsembleResult
    from sim.config.load import to_run_config
    from sim.runs.ensemble import run_ensemble

    # Hydra logs at INFO; Mesa logs every step at INFO, which would flood the log and cost time.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        run_cfg = to_run_config(cfg)
        out = Path(HydraConfig.get().runtime.output_dir)
        from sim.runs.record import check_new_run_dir

        check_new_run_dir(out)
        result = EnsembleResult(run_cfg, run_ensemble(run_cfg))
        result.save(out)
    except ConfigError as err:
        fail(str(err))
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
    from sim.config.load import list_levels, list_scenarios

    print("Scenarios (sim run scenario=NAME):\n")
    for entry in list_scenarios():
        print(f"  {entry.name}")
        print(textwrap.indent(textwrap.fill(entry.description, width=92), "      "))
        print()
    print("Determinant levels (sim run GROUP=LEVEL):\n")
    for group, levels in list_levels().items():
        print(f"  {group}")
        for level in levels:
            print(textwrap.indent(textwrap.fill(f"{level.name}: {level.description}", width=92,
                                                subsequent_indent="    "), "      "))
        print()


# ----- compare -------------------------------------------------------------------------
def compare_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim compare", description="Compare complete runs side by side.")
    parser.add_argument("runs", nargs="+", help="run directories written by `sim run`")
    parser.add_argument("--out", help="folder for the table and plot (default outputs/compare/<date-time>)")
    ns = parser.parse_args(args)
    import pandas as pd

    from sim.analysis.compare import comparison_table, load_run_tables, run_labels
    from sim.analysis.plots import compare_distributions
    from sim.analysis.targets import reference_rate_2024
    from sim.runs.record import atomic_write_bytes, atomic_write_text, csv_text, figure_png

    paths = [Path(p) for p in ns.runs]
    labels = run_labels(paths)
    loaded = {label: load_run_tables(p) for label, p in zip(labels, paths, strict=True)}
    table = comparison_table({label: s for label, (_, _, s) in loaded.items()})
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    out = Path(ns.out) if ns.out else Path("outputs/compare") / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    fig = compare_distributions({label: r["attacks_per_month"].to_numpy() for label, (_, r, _) in loaded.items()},
                                reference_rate_2024())
    atomic_write_bytes(out / "attack_rate_comparison.png", figure_png(fig))
    atomic_write_text(out / "comparison.csv", csv_text(table))
    print(f"\nwritten to {out}")


# ----- reproduce -----------------------------------------------------------------------
def reproduce_command(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sim reproduce",
                                     description="Re-run a run from its record and verify every file.")
    parser.add_argument("run", help="a run directory written by `sim run`")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (results do not depend on it)")
    ns = parser.parse_args(args)
    if ns.workers < 1:
        fail(f"--workers is {ns.workers}; it must be 1 or more.")
    from sim.runs.reproduce import reproduce

    result = reproduce(ns.run, workers=ns.workers)
    for problem in result.problems:
        print(f"record problem: {problem}")
    for name in result.differing:
        print(f"DIFFERS: {name}")
    for name in result.missing:
        print(f"NOT PRODUCED: {name}")
    print(f"{len(result.matching)} of {len(result.matching) + len(result.differing) + len(result.missing)} "
          "files reproduced bit for bit")
    if not result.ok:
        raise SystemExit(1)
    print("reproduced: every file identical")


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
