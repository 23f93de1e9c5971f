"""Commands that read run records: `sim compare`, `sim reproduce` and `sim report`."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.windows import FORECAST, common_window, window_rates
from sim.commands.grammar import Command, parse
from sim.commands.outputs import (
    FORCE_HELP,
    all_or_nothing,
    first_missing,
    free_file,
    link_new,
    output_file,
    output_folder,
    remove_if_empty,
)
from sim.config.errors import ConfigError
from sim.files import atomic_write_bytes, csv_text, figure_png
from sim.runs.folders import new_folder

# What each command reads, computes and draws with (the runs, the analysis, the report) is imported inside it:
# at the top it made `import sim.commands.records` take 2.3 s instead of 1.4 s (measured on a shared two-core
# machine), which every `sim compare --help` and every refused setting of the three commands would wait for.

# What `sim compare` writes: its own files, which force=true may replace and nothing else.
COMPARE_FILES = ("attack_rate_comparison.png", "comparison.csv", "paired_differences.csv")
WINDOW_HELP = ("the window of every table and figure: 'forecast' (from the runs' branch date to their end) or "
               "START:END")


@dataclass
class CompareSettings:
    """Where `sim compare` writes and which months it pairs."""

    window: str = field(default=FORECAST, metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "folder for the table and plot (default outputs/compare/...)"})
    force: bool = field(default=False, metadata={"help": FORCE_HELP})


@dataclass
class ReproduceSettings:
    """How `sim reproduce` re-runs (the numbers do not depend on it)."""

    workers: int = field(default=1, metadata={"help": "worker processes (results do not depend on it)"})


@dataclass
class ReportSettings:
    """Where `sim report` writes and which months its comparisons cover."""

    window: str = field(default=FORECAST, metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "the HTML file (default: <run folder>.html beside the run for "
                                                   "one run, <run>_2.html if that exists, else "
                                                   "outputs/reports/<date-time>.html; never an existing file)"})
    force: bool = field(default=False, metadata={"help": FORCE_HELP})


COMPARE = Command("compare", "sim compare RUN_DIR RUN_DIR... [window=forecast|START:END] [out=DIR] [force=true]",
                  "Compare complete runs side by side over one window: a table, the attack-rate distributions, and "
                  "paired differences replicate by replicate where the runs share their seed, replicate count and "
                  "start date.",
                  (CompareSettings,), flags={"--out": "out", "--window": "window"})
REPRODUCE = Command("reproduce", "sim reproduce RUN_DIR [workers=N]",
                    "Re-run a run from its record and verify every file bit for bit.",
                    (ReproduceSettings,), flags={"--workers": "workers"})
REPORT = Command("report", "sim report RUN_DIR... [ATTRIBUTION_DIR...] [window=forecast|START:END] [out=FILE.html] "
                 "[force=true]",
                 "One self-contained HTML file on one or several runs (and attributions written by "
                 "`sim attribute`): what was run and how to reproduce it, fan charts, distributions, exceedance, "
                 "maps, paired differences, the attribution, the parameters with their sources, and every "
                 "file's hash.", (ReportSettings,))


def compare_command(args: list[str]) -> None:
    """`sim compare`: over one window, the table and the distribution plot, and the paired differences
    where the runs pair (else what stops them).

    Everything is read, checked and computed before a file is written, so a bad run or window writes nothing.
    """
    from sim.analysis.contrast import comparison_table, paired_table, pairing_obstacles
    from sim.analysis.plots import compare_distributions
    from sim.analysis.targets import reference_rate_2024
    from sim.runs.run_tables import configs_of, load_runs

    parsed = parse(COMPARE, args)
    settings = parsed.setting(CompareSettings)
    if not parsed.positional:
        raise ConfigError(f"give the run folders to compare: {COMPARE.usage}")
    paths = [Path(p) for p in parsed.positional]
    _refuse_twice(paths)
    given = output_folder(settings.out, "compare", COMPARE_FILES, settings.force)
    runs = load_runs(paths)
    window = common_window(settings.window, configs_of(runs))
    rates = {r.label: window_rates(r.monthly, window.window) for r in runs}
    table = comparison_table(rates, {r.label: r.name for r in runs})
    obstacles = pairing_obstacles([r.config for r in runs])
    paired = None if obstacles else paired_table({r.label: r.monthly for r in runs}, window)
    fig = compare_distributions({r: v["attacks_per_month"].to_numpy() for r, v in rates.items()},
                                reference_rate_2024(), window.heading)
    files = {"attack_rate_comparison.png": figure_png(fig), "comparison.csv": csv_text(table).encode()}
    if paired is not None:
        files["paired_differences.csv"] = csv_text(paired).encode()
    print(f"attacks and casualties per month in Iraq, {window.heading}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    _print_paired(paired, window, obstacles)
    out = given or new_folder(Path("outputs/compare"))
    with all_or_nothing(out, COMPARE_FILES):
        for name in COMPARE_FILES:
            if name in files:
                atomic_write_bytes(out / name, files[name])
            elif (out / name).is_file():          # force=true: a file of an earlier comparison, not this one's
                (out / name).unlink()
    print(f"\nwritten to {out}")


def _refuse_twice(paths: list[Path]) -> None:
    """A run compared with itself says nothing (its paired differences are all zero)."""
    seen: dict[Path, Path] = {}
    for path in paths:
        if path.resolve() in seen:
            raise ConfigError(f"'{seen[path.resolve()]}' and '{path}' are the same run; compare different runs.")
        seen[path.resolve()] = path


def _print_paired(paired, window, obstacles: list[str]) -> None:
    from sim.analysis.contrast import PAIRED_COLUMNS

    if paired is None:
        print(f"\nno paired differences: {'; '.join(obstacles)}. Runs pair replicate by replicate "
              "only with the same seed, replicate count and start date.")
        return
    print(f"\npaired differences in attacks per month, {window.heading} (common random numbers):")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(paired[["run", *PAIRED_COLUMNS]].to_string(index=False, float_format=lambda v: f"{v:.2f}", na_rep="-"))
    for column, meaning in PAIRED_COLUMNS.items():
        print(f"  {column}: {meaning}")
    if paired["variance_reduction"].isna().any():
        print("(variance_reduction is '-' where the paired differences do not vary at all: there is no variance "
              "to reduce)")


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
    """`sim report`: the HTML report of the runs (and attributions) given, into a file of its own: out= if new
    (or force=true), else `<run>.html` beside a single run or a new file under outputs/reports/, with _2, _3, ...
    when the name is taken. The report is written to a hidden name and given its own only when complete."""
    from sim.report.build import write_report

    parsed = parse(REPORT, args)
    if not parsed.positional:
        raise ConfigError(f"give at least one run folder: {REPORT.usage}")
    settings = parsed.setting(ReportSettings)
    paths = [Path(p) for p in parsed.positional]
    given = output_file(settings.out, "report", settings.force)
    target = given or _default_report(paths)
    created = first_missing(target)
    scratch = target.parent / f".{target.name}.writing-{os.getpid()}"
    try:
        write_report(paths, settings.window, str(scratch))
        if given is not None and settings.force:
            os.replace(scratch, target)
        while scratch.exists() and not link_new(scratch, target):
            if given is not None:
                raise ConfigError(f"'{target}' appeared while the report was made (another process wrote it); "
                                  "nothing was written over it. Run the command again.")
            target = _default_report(paths)
    finally:
        scratch.unlink(missing_ok=True)
        remove_if_empty(created)
    print(f"written to {target}")


def _default_report(paths: list[Path]) -> Path:
    """`<run>.html` beside a single run, else a file under outputs/reports/ named by the date and time; with _2,
    _3, ... where that name is taken."""
    from sim.attribution.record import is_attribution
    from sim.report.build import REPORT_FOLDER

    runs = [p for p in paths if not is_attribution(p)]
    if len(runs) == 1:
        run = runs[0] if runs[0].name else runs[0].resolve()
        return free_file(run, ".html")
    return free_file(REPORT_FOLDER / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S"), ".html")
