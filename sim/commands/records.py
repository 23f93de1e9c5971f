"""Commands that read run records: `sim compare`, `sim reproduce` and `sim report`."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from sim.analysis.windows import FORECAST
from sim.config.errors import ConfigError
from sim.grammar import Command, parse

WINDOW_HELP = ("the window of every table and figure: 'forecast' (from the runs' branch date to their end) or "
               "START:END")


@dataclass
class CompareSettings:
    """Where `sim compare` writes and which months it pairs."""

    window: str = field(default=FORECAST, metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "folder for the table and plot (default outputs/compare/...)"})


@dataclass
class ReproduceSettings:
    """How `sim reproduce` re-runs (the numbers do not depend on it)."""

    workers: int = field(default=1, metadata={"help": "worker processes (results do not depend on it)"})


@dataclass
class ReportSettings:
    """Where `sim report` writes and which months its comparisons cover."""

    window: str = field(default=FORECAST, metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "the HTML file (default: <run folder>.html beside the run for "
                                                   "one run, else outputs/reports/<date-time>.html)"})


COMPARE = Command("compare", "sim compare RUN_DIR RUN_DIR... [window=forecast|START:END] [out=DIR]",
                  "Compare complete runs side by side over one window: a table, the attack-rate distributions, and "
                  "paired differences replicate by replicate where the runs share their seed, replicate count and "
                  "start date.",
                  (CompareSettings,), flags={"--out": "out", "--window": "window"})
REPRODUCE = Command("reproduce", "sim reproduce RUN_DIR [workers=N]",
                    "Re-run a run from its record and verify every file bit for bit.",
                    (ReproduceSettings,), flags={"--workers": "workers"})
REPORT = Command("report", "sim report RUN_DIR... [ATTRIBUTION_DIR...] [window=forecast|START:END] [out=FILE.html]",
                 "One self-contained HTML file on one or several runs (and attributions written by "
                 "`sim attribute`): what was run and how to reproduce it, fan charts, distributions, exceedance, "
                 "maps, paired differences, the attribution, the parameters with their sources, and every "
                 "file's hash.", (ReportSettings,))


def compare_command(args: list[str]) -> None:
    """`sim compare`: over one window, the table and the distribution plot, and the paired differences
    where the runs pair (else what stops them)."""
    import pandas as pd

    from sim.analysis.compare import (
        PAIRED_COLUMNS,
        common_window,
        comparison_table,
        load_runs,
        paired_table,
        pairing_obstacles,
    )
    from sim.analysis.plots import compare_distributions
    from sim.analysis.targets import reference_rate_2024
    from sim.analysis.windows import window_rates
    from sim.runs.folders import new_folder
    from sim.runs.record import atomic_write_bytes, atomic_write_text, csv_text, figure_png

    parsed = parse(COMPARE, args)
    settings = parsed.setting(CompareSettings)
    if not parsed.positional:
        raise ConfigError(f"give the run folders to compare: {COMPARE.usage}")
    runs = load_runs([Path(p) for p in parsed.positional])
    window = common_window(settings.window, runs)
    rates = {r.label: window_rates(r.monthly, window.window) for r in runs}
    table = comparison_table(rates, {r.label: r.name for r in runs})
    print(f"attacks and casualties per month in Iraq, {window.heading}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    out = Path(settings.out) if settings.out else new_folder(Path("outputs/compare"))
    out.mkdir(parents=True, exist_ok=True)
    fig = compare_distributions({r: v["attacks_per_month"].to_numpy() for r, v in rates.items()},
                                reference_rate_2024(), window.heading)
    atomic_write_bytes(out / "attack_rate_comparison.png", figure_png(fig))
    atomic_write_text(out / "comparison.csv", csv_text(table))
    paired = paired_table(runs, window)
    if paired is None:
        print(f"\nno paired differences: {'; '.join(pairing_obstacles([r.record for r in runs]))}. Runs pair "
              "replicate by replicate only with the same seed, replicate count and start date.")
    else:
        print(f"\npaired differences in attacks per month, {window.heading} (common random numbers):")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(paired[["run", *PAIRED_COLUMNS]].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        for column, meaning in PAIRED_COLUMNS.items():
            print(f"  {column}: {meaning}")
        atomic_write_text(out / "paired_differences.csv", csv_text(paired))
    print(f"\nwritten to {out}")


def reproduce_command(args: list[str]) -> None:
    """`sim reproduce`: check the record, re-run it in scratch space, and compare every file."""
    parsed = parse(REPRODUCE, args)
    workers = parsed.setting(ReproduceSettings).workers
    if len(parsed.positional) != 1:
        raise ConfigError(f"give one run folder: {REPRODUCE.usage}")
    if workers < 1:
        raise ConfigError(f"{parsed.written('workers')} is {workers}; it must be 1 or more.")
    from sim.runs.reproduce import rerun, verify_record

    rec, result = verify_record(parsed.positional[0])
    for problem in result.problems:
        print(f"record problem: {problem}")
    for change in result.changes:
        print(f"changed since the run: {change}")
    if not result.config_matches:
        print(f"not re-run: {rec.path / 'config.yaml'} is not the config the run was made with (see above), so "
              "a re-run could only differ from the record.")
        raise SystemExit(1)
    try:
        rerun(rec, result, workers=workers)
    except KeyboardInterrupt:
        print(f"interrupted: the re-run was stopped and its scratch files removed; the run in {rec.path} was not "
              "touched. `sim reproduce` starts the check again from the beginning.", file=sys.stderr)
        raise SystemExit(130) from None
    _print_reproduction(result)


def _print_reproduction(result) -> None:
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


def report_command(args: list[str]) -> None:
    """`sim report`: the HTML report of the runs (and attributions) given."""
    from sim.report.build import write_report

    parsed = parse(REPORT, args)
    if not parsed.positional:
        raise ConfigError(f"give at least one run folder: {REPORT.usage}")
    settings = parsed.setting(ReportSettings)
    path = write_report([Path(p) for p in parsed.positional], settings.window, settings.out)
    print(f"written to {path}")
