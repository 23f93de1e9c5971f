"""The side panel: the scenario, a card per determinant, the horizon and seed, how the model works.

Every change goes through `request`, which asks first when it would start the
watched history again (sim/explore/app.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import solara

from sim.analysis.targets import reference_rate_2024
from sim.config.load import DETERMINANTS, list_levels, list_scenarios
from sim.config.schema import RunConfig
from sim.explore.choices import Choices, horizon_ends
from sim.explore.explain import DETERMINANTS as DETERMINANT_TEXT
from sim.explore.explain import how_the_model_works, level_label, long_date, scenario_title, spell_out
from sim.explore.widgets import Glossary, LabelledSelect, Prose

Request = Callable[[Choices, str], None]


@solara.component
def ScenarioPanel(shown: Choices, cfg: RunConfig | None, request: Request):
    scenarios = {s.name: s for s in list_scenarios()}
    LabelledSelect("Scenario", {n: scenario_title(n) for n in scenarios}, shown.scenario,
                   lambda name: request(Choices.of(name, shown.end, shown.seed), "the scenario"), "pick-scenario")
    Prose(spell_out(scenarios[shown.scenario].description), "font-size: 0.9em")
    Prose("### The determinants\nEach sets part of the model; change any of them to ask *what if?* "
          + (f"Your changes apply from {long_date(cfg.branch_date)}." if cfg is not None else ""))
    for group in DETERMINANTS:
        DeterminantCard(group, shown, request)
    changed = shown.changed
    if changed:
        titles = [DETERMINANT_TEXT[g].title for g in changed]
        solara.Info(f"Changed from the scenario: {', '.join(t[0].lower() + t[1:] for t in titles)}.", dense=True)
        solara.Button("Back to the scenario's own choices", text=True,
                      on_click=lambda: request(Choices.of(shown.scenario, shown.end, shown.seed), "the determinants"))
    if cfg is not None:
        LabelledSelect("Simulate until", {e: long_date(e) for e in horizon_ends()}, cfg.end,
                       lambda end: request(dataclasses.replace(shown, end=end), "the end of the runs"), "pick-end")
        with solara.Details("More settings: the seed", expand=False):
            solara.InputInt("Seed (the same seed always gives the same results)", value=cfg.seed,
                            on_value=lambda s: request(dataclasses.replace(shown, seed=s), "the seed"),
                            classes=["pick-seed"])


@solara.component
def DeterminantCard(group: str, shown: Choices, request: Request):
    text, levels, chosen = DETERMINANT_TEXT[group], list_levels()[group], dict(shown.levels)[group]
    with solara.Card(margin=0, elevation=1, style={"margin-bottom": "8px", "padding": "6px 10px"},
                     classes=["determinant-card"]):
        Prose(f"**{text.title}**", "font-size: 0.95em")
        LabelledSelect("", {lv.name: level_label(group, lv.name) for lv in levels}, chosen,
                       lambda level: request(shown.with_level(group, level), f"“{text.title}”"),
                       f"determinant-{group}")
        description = next(lv.description for lv in levels if lv.name == chosen)
        Prose(f"*{spell_out(description)}*", "font-size: 0.82em; color: #555")
        with solara.Details("What this changes in the model", expand=False):
            Prose(text.explanation, "font-size: 0.85em")


@solara.component
def HowItWorks(cfg: RunConfig | None):
    if cfg is not None:
        with solara.Details("How this model works", expand=False):
            Prose(how_the_model_works(reference_rate_2024(), cfg.start, cfg.observed_through, cfg.branch_date),
                  "font-size: 0.9em")
    Glossary()
