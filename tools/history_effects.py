"""How much each estimated event of the observed history moves the 2024 and 2027 figures.

Every dated change of the history from 2020 (scenarios/events/observed_2020.yaml) carries its grade:
confirmed, date estimated, size estimated or weakly sourced. For each change not confirmed, the baseline
scenario runs through 2027 without it, beside the baseline as it is: the same replicates with the same seeds
(common random numbers), so the difference replicate by replicate is what the change does. Two figures:
attacks in Iraq in January-August 2024 (the window of the record's 2024 count, claims_2024 in
sim/data/targets.yaml) and attacks a month in Iraq in 2027 (the window scenarios are compared in). An effect
is the baseline minus the run without the change, its mean over replicates with a 95% interval.

The events file gives no window around an estimated date in a form a program can read, so a change whose
date is estimated is left out, not moved; the table says so. Parameters are the point values
(parameters=point) unless --parameters says otherwise: the effects are those at the calibration in force.

    .venv/bin/python tools/history_effects.py [--replicates 100] [--seed 20240101] [--workers 2]
        [--parameters point] [--events ID ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.contrast import paired_rates
from sim.analysis.targets import reference_target
from sim.analysis.windows import Window, attack_rates, window_totals
from sim.api import load_scenario, run
from sim.commands.errors import fail, reported_errors
from sim.commands.outputs import all_or_nothing
from sim.config.determinants import GROUP_SECTIONS
from sim.config.errors import ConfigError
from sim.config.history_changes import history_change_ids, without_history_change
from sim.config.schema import PARAMETER_MODES, Impulse, RunConfig, TimelineChange
from sim.defaults import BASELINE_SCENARIO, COMPARISON_WINDOW, DEFAULT_SEED
from sim.files import atomic_write_text, csv_text

HISTORY = "observed_2020"
END = COMPARISON_WINDOW[1]
CONFIRMED = "confirmed"
DATE_ESTIMATED = "date estimated"
FILES = ("history_effects.csv", "history_effects.md")
# The two figures: (column prefix, what it counts, digits shown).
FIGURES = (("attacks_2024", "attacks in Iraq, January-August 2024", 1),
           ("rate_2027", "attacks a month in Iraq, 2027", 2))


class Parser(argparse.ArgumentParser):
    """argparse whose mistakes end as every bad input of the project does: one paragraph, status 2."""

    def error(self, message: str) -> None:
        fail(f"{message}. Run `python tools/history_effects.py --help` for the options.")


def parser() -> Parser:
    p = Parser(prog="tools/history_effects.py", description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, default=100, help="paired replicates per run, at least 2")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="root seed, the same for every run")
    p.add_argument("--workers", type=int, default=2, help="worker processes (the figures do not depend on it)")
    p.add_argument("--parameters", choices=PARAMETER_MODES, default="point", help="point, posterior or uncertain")
    p.add_argument("--events", nargs="+", metavar="ID", default=None,
                   help="changes to leave out, by date (a letter after it where several share a day); "
                        "default: every change not confirmed")
    p.add_argument("--out", default="", help="a new or empty folder for history_effects.csv and .md")
    return p


@dataclass(frozen=True)
class Figures:
    """The two figures per replicate (indexed by replicate) of one run."""

    attacks_2024: pd.Series
    rate_2027: pd.Series


def figures(cfg: RunConfig) -> Figures:
    monthly = run(cfg).monthly
    record = reference_target()
    return Figures(window_totals(monthly, Window(record.start, record.end))["attacks"],
                   attack_rates(monthly, Window(*COMPARISON_WINDOW)))


def baseline_config(args: argparse.Namespace) -> RunConfig:
    if args.replicates < 2:
        raise ConfigError(f"--replicates is {args.replicates}; an interval over replicates needs at least 2.")
    return load_scenario(BASELINE_SCENARIO, [f"history={HISTORY}", f"end={END}", f"parameters={args.parameters}",
                                             f"replicates={args.replicates}", f"seed={args.seed}",
                                             f"workers={args.workers}", "progress=false", "plots=false"])


def chosen_events(cfg: RunConfig, given: list[str] | None) -> list[str]:
    """The changes to leave out: those named (each checked), else every change not confirmed."""
    if given is None:
        estimated = [i for i, c in history_change_ids(cfg).items() if c.confidence != CONFIRMED]
        if not estimated:
            raise ConfigError(f"Every change of the history '{cfg.history}' is confirmed; there is nothing to leave "
                              "out. Name changes with --events.")
        return estimated
    for event_id in given:
        without_history_change(cfg, event_id)          # refuses an unknown name before anything runs
    return list(dict.fromkeys(given))


def output_folder(given: str) -> Path | None:
    """The folder --out names: new or empty, so that nothing is written over."""
    if not given:
        return None
    path = Path(given)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path} is a file; the tool writes a folder ({', '.join(FILES)}). Name a new or "
                          "empty folder.")
    if path.is_dir() and any(path.iterdir()):
        raise ConfigError(f"--out {path} already holds files; the tool writes into a new or empty folder and never "
                          "over files it did not make. Choose another folder.")
    return path


def what_it_changes(change: TimelineChange) -> str:
    """A change in words: the levels it names, the raw values it sets beside them, its one-off events."""
    level_sections = {GROUP_SECTIONS[g] for g in change.levels}
    parts = [f"{group} {level}" for group, level in change.levels.items()]
    parts += [f"{path} {value_text(v)}" for path, v in change.params.items()
              if path.split(".")[0] not in level_sections]
    parts += [impulse_text(i) for i in change.impulses]
    return "; ".join(parts) or "nothing in the model (recorded only)"


def value_text(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def impulse_text(impulse: Impulse) -> str:
    if impulse.kind == "leader_killed":
        return f"leader killed ({impulse.target})"
    return f"{impulse.kind.replace('_', ' ')} {impulse.amount:,.0f}"


def effect_row(event_id: str, change: TimelineChange, with_it: Figures, without_it: Figures) -> dict:
    """One event's row: what it is, and each figure without it, with it, and the difference (with - without)."""
    row = {"event": event_id, "date": change.date, "label": change.label, "grade": change.confidence,
           "changes": what_it_changes(change)}
    for name, _, _ in FIGURES:
        d = paired_rates(getattr(without_it, name), getattr(with_it, name))
        row.update({f"{name}_without": d["mean_a"], f"{name}_with": d["mean_b"], f"{name}_effect": d["difference"],
                    f"{name}_low": d["ci95_low"], f"{name}_high": d["ci95_high"]})
    row["replicates"] = len(with_it.attacks_2024)
    return row


def effect_text(row: dict, name: str, digits: int) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    if low == high == 0:
        return "0 (identical in every replicate)"
    return f"{row[f'{name}_effect']:+.{digits}f} ({low:+.{digits}f} to {high:+.{digits}f})"


def command_text(args: argparse.Namespace) -> str:
    """The command that remakes the figures (the worker count and the folder do not change them)."""
    events = f" --events {' '.join(args.events)}" if args.events else ""
    return (f"python tools/history_effects.py --replicates {args.replicates} --seed {args.seed} "
            f"--parameters {args.parameters}{events}")


def markdown(rows: list[dict], args: argparse.Namespace) -> str:
    """The table with the command and the baseline's own figures before it, and what it leaves out after."""
    record, first = reference_target(), rows[0]
    lines = [f"`{command_text(args)}`", "",
             f"Baseline ({HISTORY} history, parameters={args.parameters}, {first['replicates']} replicates): "
             f"{first['attacks_2024_with']:.1f} attacks in Iraq in January-August 2024 (the record: "
             f"{record.attacks}, {record.counter}), {first['rate_2027_with']:.2f} a month in 2027. Each effect is "
             "the baseline minus the run without the event, replicate by replicate (mean, 95% interval).", "",
             "| id | event | grade | what it changes | " + " | ".join(f"effect on {w}" for _, w, _ in FIGURES) + " |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['event']} | {r['label']} | {r['grade']} | {r['changes']} | "
              + " | ".join(effect_text(r, name, digits) for name, _, digits in FIGURES) + " |" for r in rows]
    moved = [r["event"] for r in rows if r["grade"] == DATE_ESTIMATED]
    if moved:
        lines += ["", f"Date estimated ({', '.join(moved)}): left out only, not moved; the events file states no "
                      "window around these dates in a form the tool reads."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    with reported_errors("history_effects"):
        args = parser().parse_args(argv)
        cfg = baseline_config(args)
        events = chosen_events(cfg, args.events)
        out = output_folder(args.out)
        named = history_change_ids(cfg)
        with_all = figures(cfg)
        rows = []
        for k, event_id in enumerate(events, 1):
            rows.append(effect_row(event_id, named[event_id], with_all, figures(without_history_change(cfg, event_id))))
            print(f"{event_id} done ({k}/{len(events)})", file=sys.stderr, flush=True)
        text = markdown(rows, args)
        print(text, end="")
        if out is not None:
            with all_or_nothing(out, FILES):
                atomic_write_text(out / FILES[0], csv_text(pd.DataFrame(rows)))
                atomic_write_text(out / FILES[1], text)


if __name__ == "__main__":
    main()
