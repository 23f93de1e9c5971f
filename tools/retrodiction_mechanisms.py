"""Which mechanism holds IS down in the retrodiction of 2012-2014: the history run as it is and with one thing changed.

`sim retrodict` (docs/validation.md, section 10) finds IS declining after the 2011 withdrawal where the record
has it doubling its violence each year. Each variant here changes one thing and runs the same replicates with
the same seed (common random numbers), so a difference is the variant's effect:

- no foreign fighters reaching Syria (the history's `syria.inflow_per_year` set to 0 on every date, as the
  history was before it took in the foreign-fighter estimates);
- the leaders killed in 2014 (four `leader_killed` impulses of the history) left out;
- IS's effort held where the history starts it (nine tenths on Iraq; `syria.effort_shift_days` at its upper
  bound), so that a permissive Syria draws no effort, and no money, out of Iraq;
- recruitment in Iraq five times as high, as a community five times as supportive would make it (recruitment
  grows with the stance; detection, which the stance also moves, does not change here);
- the Syrian reservoir's own recruitment ten times as high, as a civil war that draws Syrians to IS would make
  it (the force grows in proportion to itself: Jabhat al-Nusra grew from a few hundred to 6,000-10,000 in
  2012, mostly Syrians);
- the last four together.

    .venv/bin/python tools/retrodiction_mechanisms.py [--replicates 100] [--seed 20240101] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from sim.analysis import retrodiction
from sim.config.load import compose_run_config
from sim.config.schema import RunConfig
from sim.runs.ensemble import run_ensemble
from sim.runs.spool import chunk_tables
from sim.validation.retrodiction import END, HISTORY

HELD_EFFORT = ["model.syria.effort_shift_days=3650"]
RECRUITMENT_X5 = ["model.insurgents.recruit_rate_per_member_per_day=0.00528"]
SYRIA_X10 = ["model.syria.recruitment_rate_per_day=0.003"]
FOREIGN_INFLOW = "syria.inflow_per_year"


def without_leader_kills(cfg: RunConfig) -> RunConfig:
    """The history without the four leaders killed in 2014."""
    kept = [dataclasses.replace(c, impulses=[i for i in c.impulses if i.kind != "leader_killed"])
            if c.date.startswith("2014") else c for c in cfg.changes]
    return dataclasses.replace(cfg, changes=kept)


def without_foreign_fighters(cfg: RunConfig) -> RunConfig:
    """The history with no foreign fighters reaching Syria: the inflow 0 at the start and on every date."""
    changes = [dataclasses.replace(c, params={k: v for k, v in c.params.items() if k != FOREIGN_INFLOW})
               for c in cfg.changes]
    model = dataclasses.replace(cfg.model, syria=dataclasses.replace(cfg.model.syria, inflow_per_year=0.0))
    return dataclasses.replace(cfg, changes=changes, model=model)


# (label, overrides, edits of the composed history)
VARIANTS = (("the history as it is", [], ()),
            ("no foreign fighters reach Syria", [], (without_foreign_fighters,)),
            ("no leader killed in 2014", [], (without_leader_kills,)),
            ("effort held where it starts", HELD_EFFORT, ()),
            ("recruitment in Iraq x5", RECRUITMENT_X5, ()),
            ("Syrian reservoir's own recruitment x10", SYRIA_X10, ()),
            ("the last four together", [*HELD_EFFORT, *RECRUITMENT_X5, *SYRIA_X10], (without_leader_kills,)))


def variant_config(overrides: list[str], edits, replicates: int, seed: int, workers: int) -> RunConfig:
    """The retrodiction's history with overrides, then each edit applied to the composed config."""
    cfg = compose_run_config("baseline", [f"history={HISTORY}", f"end={END}", f"replicates={replicates}",
                                          f"seed={seed}", "parameters=point", "progress=false", "plots=false",
                                          *overrides])
    for edit in edits:
        cfg = edit(cfg)
    return dataclasses.replace(cfg, workers=workers)


def row(label: str, cfg: RunConfig) -> str:
    """Median attacks per year, the median 2013/2012 growth, fighters in Iraq and in Syria at the end of 2013
    and 2014, and the most fighters ever massed in one area."""
    outcomes = run_ensemble(cfg)
    indices = list(range(cfg.replicates))
    tables = chunk_tables(cfg, outcomes, indices)
    months = list(outcomes[0].month_starts)
    attacks, _ = retrodiction.per_month(tables["monthly"], months, indices)
    years = {y: retrodiction.year_totals(attacks, months, y) for y in retrodiction.YEARS}
    growth = np.nanmedian(retrodiction.ratios(years["2013"], years["2012"]))
    state = tables["monthly_state"].groupby("month")[["fighters_iraq", "syria_free_fighters"]].median()
    ends = " / ".join(f"{state.loc[m, 'fighters_iraq']:.0f}, {state.loc[m, 'syria_free_fighters']:.0f}"
                      for m in ("2013-12", "2014-12"))
    yearly = " / ".join(f"{np.median(years[y]):.0f}" for y in retrodiction.YEARS)
    return (f"| {label} | {yearly} | {growth:.2f} | {ends} | "
            f"{tables['replicates']['peak_area_fighters'].max()} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print("| variant | attacks 2012 / 2013 / 2014 (medians) | 2013/2012 (median) | fighters in Iraq, in Syria: "
          "end of 2013 / end of 2014 (medians) | most in one area (largest replicate) |")
    print("|---|---|---|---|---|")
    for label, overrides, edits in VARIANTS:
        print(row(label, variant_config(overrides, edits, args.replicates, args.seed, args.workers)), flush=True)


if __name__ == "__main__":
    main()
