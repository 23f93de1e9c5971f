"""Commands that read run records: `sim compare`, `sim reproduce` and `sim report`."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from sim.config.errors import ConfigError
from sim.defaults import COMPARISON_WINDOW
from sim.grammar import Command, parse

WINDOW_HELP = "START:END of the paired differences and exceedance (default: the first full forecast year)"


@dataclass
class CompareSettings:
    """Where `sim compare` writes and which months it pairs."""

    window: str = field(default=":".join(COMPARISON_WINDOW), metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "folder for the table and plot (default outputs/compare/...)"})


@dataclass
class ReproduceSettings:
    """How `sim reproduce` re-runs (the numbers do not depend on it)."""

    workers: int = field(default=1, metadata={"help": "worker processes (results do not depend on it)"})


@dataclass
class ReportSettings:
    """Where `sim report` writes and which months its comparisons cover."""

    window: str = field(default=":".join(COMPARISON_WINDOW), metadata={"help": WINDOW_HELP})
    out: str = field(default="", metadata={"help": "the HTML file (default report.html in the first run's folder "
                                                   "for one run, else outputs/reports/<date-time>.html)"})


COMPARE = Command("compare", "sim compare RUN_DIR RUN_DIR... [window=START:END] [out=DIR]",
                  "Compare complete runs side by side: a table, the attack-rate distributions, and paired "
                  "differences replicate by replicate where the runs share their seed.",
                  (CompareSettings,), flags={"--out": "out", "--window": "window"})
REPRODUCE = Command("reproduce", "sim reproduce RUN_DIR [workers=N]",
                    "Re-run a run from its record and verify every file bit for bit.",
                    (ReproduceSettings,), flags={"--workers": "workers"})
REPORT = Command("report", "sim report RUN_DIR... [ATTRIBUTION_DIR...] [window=START:END] [out=FILE.html]",
                 "One self-contained HTML file on one or several runs (and attributions written by "
                 "`sim attribute`): what was run and how to reproduce it, fan charts, distributions, exceedance, "
                 "maps, paired differences, the attribution, the parameters with their sources, and every "
                 "file's hash.", (ReportSettings,))


def compare_command(args: list[str]) -> None:
    """`sim compare`: the table and the distribution plot, and the paired differences where they apply."""
    import pandas as pd

    from sim.analysis.compare import comparison_table, load_run_tables, paired_table, run_labels
    from sim.analysis.plots import compare_distributions
    from sim.analysis.targets import reference_rate_2024
    from sim.runs.folders import new_folder
    from sim.runs.record import atomic_write_bytes, atomic_write_text, csv_text, figure_png
    from sim.sweeps.spec import parse_window

    parsed = parse(COMPARE, args)
    settings = parsed.setting(CompareSettings)
    window = parse_window(settings.window)
    if not parsed.positional:
        raise ConfigError(f"give the run folders to compare: {COMPARE.usage}")
    paths = [Path(p) for p in parsed.positional]
    labels = run_labels(paths)
    loaded = {label: load_run_tables(p) for label, p in zip(labels, paths, strict=True)}
    table = comparison_table({label: s for label, (_, _, s) in loaded.items()})
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    out = Path(settings.out) if settings.out else new_folder(Path("outputs/compare"))
    out.mkdir(parents=True, exist_ok=True)
    fig = compare_distributions({label: r["attacks_per_month"].to_numpy() for label, (_, r, _) in loaded.items()},
                                reference_rate_2024())
    atomic_write_bytes(out / "attack_rate_comparison.png", figure_png(fig))
    atomic_write_text(out / "comparison.csv", csv_text(table))
    paired = paired_table(paths, labels, [rec for rec, _, _ in loaded.values()], window.start, window.end)
    if paired is None:
        print("\n(paired differences need runs with the same seed, replicate count and start date)")
    else:
        print(f"\npaired differences in attacks per month, {window.start} to {window.end} (common random numbers):")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(paired[["run", "difference", "ci95_low", "ci95_high", "share_b_higher", "variance_reduction"]]
                  .to_string(index=False, float_format=lambda v: f"{v:.2f}"))
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
