"""The side panel: the scenario, a card per determinant, the horizon and seed, how the model works.

Every change goes through `request`, which asks first when it would start the
watched history again (sim/explore/app.py). A card shows the level chosen from
the branch date and, when the scenario changes that determinant again later (an
agreed exit on 30 September 2026), says so, so that the card never contradicts
the scenario's own description.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import solara

from sim.analysis.targets import reference_rate_2024
from sim.config.determinants import DECLARATIONS, DETERMINANTS
from sim.config.load import list_levels, list_scenarios
from sim.config.schema import RunConfig
from sim.explore.address import SEED_BOUNDS
from sim.explore.choices import Choices, horizon_ends
from sim.explore.explain import how_the_model_works, level_label, long_date, scenario_title, spell_out
from sim.explore.shelf import OWN_CHANGES
from sim.explore.widgets import Disclosure, Glossary, LabelledSelect, Note, Prose

Request = Callable[[Choices, str], None]


def later_changes(cfg: RunConfig | None, group: str) -> list[str]:
    """The scenario's own dated changes of a determinant after the branch, in words."""
    if cfg is None:
        return []
    return [f"on {long_date(c.date)}, {level_label(group, c.levels[group])} ({c.label})" for c in cfg.changes
            if c.origin in OWN_CHANGES and group in c.levels and c.date > cfg.branch_date]


@solara.component
def ScenarioPanel(shown: Choices, cfg: RunConfig | None, request: Request):
    scenarios = {s.name: s for s in list_scenarios()}
    LabelledSelect("Scenario", {n: scenario_title(n) for n in scenarios}, shown.scenario,
                   lambda name: request(Choices.of(name, shown.end, shown.seed), "the scenario"), "pick-scenario")
    Prose(spell_out(scenarios[shown.scenario].description), css="scenario-description")
    Prose("### The determinants\nEach sets part of the model; change any of them to ask *what if?* "
          + (f"Your changes apply from {long_date(cfg.branch_date)}." if cfg is not None else ""))
    for group in DETERMINANTS:
        DeterminantCard(group, shown, cfg, request)
    changed = shown.changed
    if changed:
        titles = [DECLARATIONS[g].title for g in changed]
        Note(f"Changed from the scenario: {', '.join(t[0].lower() + t[1:] for t in titles)}.", css="changed-note")
        solara.Button("Back to the scenario's own choices", text=True,
                      on_click=lambda: request(Choices.of(shown.scenario, shown.end, shown.seed), "the determinants"))
    if cfg is not None:
        LabelledSelect("Simulate until", {e: long_date(e) for e in horizon_ends()}, cfg.end,
                       lambda end: request(dataclasses.replace(shown, end=end), "the end of the runs"), "pick-end")
        with Disclosure("More settings: the seed"):
            SeedInput(cfg.seed, lambda seed: request(dataclasses.replace(shown, seed=seed), "the seed"))


@solara.component
def SeedInput(seed: int, on_seed: Callable[[int], None]):
    """The seed, with a plain sentence (not a cut-off hint) when what is typed cannot be one."""
    problem = solara.use_reactive("")
    low, high = SEED_BOUNDS

    def typed(text: str) -> None:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problem.set(f"“{text}” cannot be a seed: type a whole number from {low} to {high}. The seed stays "
                        f"{seed}.")
            return
        problem.set("")
        on_seed(value)

    solara.InputText("Seed (the same seed always gives the same results)", value=str(seed), on_value=typed,
                     continuous_update=False, classes=["pick-seed"])
    if problem.value:
        Note(problem.value, "error", css="seed-problem")


@solara.component
def DeterminantCard(group: str, shown: Choices, cfg: RunConfig | None, request: Request):
    text, levels, chosen = DECLARATIONS[group], list_levels()[group], dict(shown.levels)[group]
    with solara.Div(classes=["determinant-card", f"card-{group}"]):
        LabelledSelect(text.title, {lv.name: level_label(group, lv.name) for lv in levels}, chosen,
                       lambda level: request(shown.with_level(group, level), f"“{text.title}”"),
                       f"determinant-{group}")
        description = next(lv.description for lv in levels if lv.name == chosen)
        later = later_changes(cfg, group)
        Prose(f"*{spell_out(description)}*", css="level-description")
        if later:
            Prose(f"**Later in this scenario:** {'; '.join(later)}.", css="later-change")
        with Disclosure("What this changes in the model"):
            Prose(text.explanation)


@solara.component
def HowItWorks(cfg: RunConfig | None):
    if cfg is not None:
        with Disclosure("How this model works"):
            Prose(how_the_model_works(reference_rate_2024(), cfg.start, cfg.observed_through, cfg.branch_date))
    Glossary()
