"""The explorer's parts without a browser: the watched replicate, its words, choices, pictures, saving, the page."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.analysis.targets import reference_rate_2024
from sim.config.errors import ConfigError
from sim.config.load import DETERMINANTS, list_levels
from sim.explore import comparison as compare
from sim.explore.choices import baseline_for, changes, explorer_config, horizon_ends, scenario_levels
from sim.explore import drawing
from sim.explore.explain import DETERMINANTS as DETERMINANT_TEXT
from sim.explore.explain import LEVEL_LABELS, spell_out
from sim.explore.narrate import day_events, place
from sim.explore.replicate import WatchedReplicate
from sim.explore.serve import choose_port, free_port
from sim.model.attacks import ATTACK_TYPES, AttackLog
from sim.model.geography import load_geography
from sim.runs.ensemble import run_replicate
from sim.runs.reproduce import reproduce
from tests.conftest import model_for, scenario

SHORT = ("end=2024-04-30",)


# ----- the watched replicate ---------------------------------------------------------------
def test_watched_replicate_is_replicate_i_of_the_ensemble_bit_for_bit():
    cfg = scenario("syria_collapse", *SHORT, "seed=7")
    watched = WatchedReplicate(cfg, 3)
    while not watched.finished:
        watched.advance(9)              # uneven steps: the split of days must not matter
    stepped, direct = watched.outcome(), run_replicate(cfg, 3)
    for key in direct.attacks:
        np.testing.assert_array_equal(stepped.attacks[key], direct.attacks[key])
    for key in direct.monthly_state:
        np.testing.assert_array_equal(stepped.monthly_state[key], direct.monthly_state[key])
    assert stepped.counters == direct.counters


def test_view_counts_agree_with_the_outcome_and_stop_at_the_horizon():
    cfg = scenario("status_quo_2024", *SHORT)
    watched = WatchedReplicate(cfg, 0)
    start = watched.view()
    assert start.snapshot.days_simulated == 0 and not start.started and start.events == ()
    view = watched.advance(10_000)
    assert view.finished and view.snapshot.days_simulated == cfg_days(cfg)
    out = watched.outcome()
    months = (out.attacks["day"] // 1)  # attacks are dated by day; count them per calendar month
    dates = np.datetime64(cfg.start) + months.astype("timedelta64[D]")
    expected = [int((dates.astype("datetime64[M]") == np.datetime64(m, "M")).sum()) for m in view.month_starts]
    assert view.attacks_by_month.tolist() == expected
    assert view.killed == int(out.attacks["killed"].sum()) and view.wounded == int(out.attacks["wounded"].sum())
    assert sum(e.kind == "attack" for e in view.events) == out.attacks["day"].size
    assert view.snapshot.fighters == out.counters["fighters_end"]


def cfg_days(cfg) -> int:
    return (dt.date.fromisoformat(cfg.end) - dt.date.fromisoformat(cfg.start)).days + 1


def test_snapshot_is_a_copy_the_viewer_cannot_change():
    cfg = scenario("status_quo_2024", *SHORT)
    model = model_for(cfg)
    snap = model.snapshot()
    snap.cell_members[:] = 0
    assert model.cells.fighters() == cfg.model.insurgents.initial_fighters_iraq
    assert model.snapshot().fighters == cfg.model.insurgents.initial_fighters_iraq
    assert snap.unit_area.size == len(load_geography().units)
    assert snap.days_simulated == 0 and snap.date == dt.date(2024, 1, 1)


def test_snapshot_follows_the_posture_change_of_the_accelerated_drawdown():
    cfg = scenario("accelerated_2025", "start=2025-08-10", "end=2025-08-20")
    watched = WatchedReplicate(cfg, 0)
    geo = load_geography()
    ain_al_asad, erbil = geo.base_ids.index("ain_al_asad"), geo.base_ids.index("erbil")
    before = watched.advance(5).snapshot            # 10-14 August
    assert before.base_capacity[ain_al_asad] == 1.0 and before.posture == "2024 posture"
    view = watched.advance(1)                       # 15 August: the move
    assert view.snapshot.date == dt.date(2025, 8, 15)
    assert view.snapshot.base_capacity[ain_al_asad] == 0.0 and view.snapshot.base_capacity[erbil] == 1.0
    posture_events = [e for e in view.events if e.kind == "posture"]
    assert len(posture_events) == 1 and "moved to Erbil and the Gulf" in posture_events[0].text
    anbar = geo.index("anbar_euphrates")
    assert view.snapshot.coalition_cover[anbar] < before.coalition_cover[anbar]


# ----- plain words -------------------------------------------------------------------------
def test_an_attack_reads_as_a_sentence_with_place_and_casualties():
    geo = load_geography()
    model = model_for(scenario("status_quo_2024", *SHORT))
    before = model.snapshot()
    log = AttackLog([0, 0], [geo.index("wadi_al_shay"), geo.index("hamrin_mountains")], [1, 2],
                    [ATTACK_TYPES.index("ambush"), ATTACK_TYPES.index("ied")], [3, 0], [0, 0], [False, True])
    after = dataclasses.replace(before, attacks_logged=2, date=dt.date(2024, 3, 5))
    lines = [e.line() for e in day_events(before, after, log, geo)]
    assert lines == ["5 March 2024: An ambush in Wadi al-Shay, 3 killed.",
                     "5 March 2024: A roadside bomb in the Hamrin mountains, no one killed or wounded "
                     "(ordered by the group's central leadership)."]


def test_counter_changes_become_events():
    geo = load_geography()
    before = model_for(scenario("status_quo_2024", *SHORT)).snapshot()
    counters = dict(before.counters, raids=before.counters["raids"] + 1, removed_by_raids=2, breakouts=1,
                    escaped=140, crossed=5)
    after = dataclasses.replace(before, counters=counters)
    texts = [e.text for e in day_events(before, after, AttackLog.empty(), geo)]
    assert texts == ["Iraqi forces raid 1 located cell: 2 insurgents killed or captured.",
                     "Breakout from prisons and camps in north-east Syria: 140 detainees escape.",
                     "5 fighters cross from Syria into Iraq."]


def test_place_names_read_inside_a_sentence():
    geo = load_geography()
    assert place(geo, geo.index("hamrin_mountains")) == "the Hamrin mountains"
    assert place(geo, geo.index("wadi_al_shay")) == "Wadi al-Shay"
    assert place(geo, geo.index("baghdad_belt")) == "the Baghdad belt"
    assert place(geo, geo.index("salah_al_din")) == "Tikrit, Samarra and Baiji"


def test_every_determinant_and_level_has_page_text():
    for group, levels in list_levels().items():
        text = DETERMINANT_TEXT[group]
        assert text.explanation.endswith(".") and text.explanation.count(". ") == 0, group  # one sentence
        assert {lv.name for lv in levels} == set(LEVEL_LABELS[group]), group


def test_abbreviations_are_spelled_out_at_first_use():
    assert spell_out("own ISR covering a quarter; ISR again") == "own surveillance (ISR) covering a quarter; ISR again"
    assert spell_out("the draft PMF law") == "the draft Popular Mobilization Forces (PMF) law"


# ----- choices -----------------------------------------------------------------------------
def test_scenario_levels_are_the_scenario_files_choices():
    # scenarios/scenario/worst_case.yaml overrides five groups; insurgents keeps config.yaml's default.
    assert scenario_levels("worst_case") == {
        "drawdown": "full_exit", "syria": "collapse", "relations": "sanctions", "regional": "regional_war",
        "insurgents": "weakened_2024", "iraqi_forces": "degraded"}
    assert set(scenario_levels("status_quo_2024")) == set(DETERMINANTS)


def test_a_changed_level_gives_the_config_sim_run_would_use():
    levels = dict(scenario_levels("accelerated_2025"), syria="collapse")
    assert changes("accelerated_2025", levels) == {"syria": "collapse"}
    cfg = explorer_config("accelerated_2025", levels, end="2025-12-31", seed=11)
    expected = scenario("accelerated_2025", "syria=collapse", "end=2025-12-31", "seed=11")
    assert cfg.model == expected.model and (cfg.end, cfg.seed) == ("2025-12-31", 11)
    assert "syria set to collapse" in cfg.scenario.description
    base = baseline_for(dataclasses.replace(cfg, replicates=7))
    assert base.scenario.name == "status_quo_2024" and (base.start, base.end, base.seed, base.replicates) == (
        cfg.start, "2025-12-31", 11, 7)


def test_horizon_ends_run_from_the_start_year():
    assert horizon_ends("2025-01-01", 2027) == ["2025-12-31", "2026-12-31", "2027-12-31"]


# ----- pictures ----------------------------------------------------------------------------
def test_map_places_every_cell_beside_its_own_area_and_marks_closed_bases():
    cfg = scenario("full_exit", "start=2026-10-01", "end=2026-10-31")
    view = WatchedReplicate(cfg, 0).advance(3)
    snap, geo = view.snapshot, load_geography()
    xy = drawing._cell_positions(snap, geo, 1.0)
    assert xy.shape == (snap.cell_area.size, 2)
    most_in_one_area = np.bincount(snap.cell_area).max()
    reach = drawing.CELL_SPACING_DEG * np.sqrt(most_in_one_area) + 1e-9
    offsets = np.hypot(xy[:, 0] - geo.lon[snap.cell_area], xy[:, 1] - geo.lat[snap.cell_area])
    assert (offsets <= reach).all()
    np.testing.assert_array_equal(xy, drawing._cell_positions(snap, geo, 1.0))   # no randomness in the picture
    assert (snap.base_capacity == 0).all()           # the complete exit: every base closed
    whole = drawing.map_figure(snap, geo, view.total_days).axes[0]
    assert whole.get_xlabel() == "longitude (degrees east)" and whole.get_ylabel() == "latitude (degrees north)"


# ----- the ensemble, saved and reproduced --------------------------------------------------
def test_comparison_runs_both_ensembles_describes_them_and_saves_reproducible_runs(tmp_path):
    cfg = scenario("regional_war", "end=2024-03-31", "replicates=3", "seed=5")
    calls = []
    result = compare.run_comparison(cfg, baseline_for(cfg), workers=1, on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(k, 6) for k in range(1, 7)]
    assert result.baseline.config.scenario.name == "status_quo_2024" and not result.same_as_baseline
    rates = result.scenario.replicates["attacks_per_month"].to_numpy()
    words = compare.describe(result)
    assert f"a median of {np.quantile(rates, 0.5):.1f} attacks a month" in words
    assert f"2024 rate of {reference_rate_2024():.1f}" in words and "Baseline" in words
    assert "over the last 3 months of the period (from 2024-01 to 2024-03)" in words
    paths = compare.save(result, root=tmp_path, now=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert paths == [tmp_path / "regional_war/2026-01-02_03-04-05", tmp_path / "status_quo_2024/2026-01-02_03-04-05"]
    check = reproduce(paths[0], progress=False)
    assert check.ok and len(check.matching) == 10
    again = compare.save(result, root=tmp_path, now=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert again[0].name == "2026-01-02_03-04-05_2"  # never overwrites a run


def test_the_baseline_is_run_once_when_it_is_the_scenario():
    cfg = scenario("status_quo_2024", "end=2024-02-29", "replicates=2")
    calls = []
    result = compare.run_comparison(cfg, baseline_for(cfg), workers=1, on_progress=lambda d, t: calls.append(t))
    assert result.same_as_baseline and calls == [2, 2]
    assert "Baseline" not in compare.describe(result)


# ----- serving -----------------------------------------------------------------------------
def test_a_port_in_use_is_refused_and_a_free_one_found():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"Port {taken}"):
            choose_port("127.0.0.1", taken)
    assert choose_port("127.0.0.1", None) > 0 and free_port() > 0


def test_sim_explore_refuses_bad_options_with_status_2(capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["explore", "--workers", "0"])
    assert stop.value.code == 2 and "--workers is 0" in capsys.readouterr().err


# ----- the page, rendered without a browser ------------------------------------------------
@pytest.fixture
def page():
    import solara

    from sim.explore import app

    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def _button(rc, label: str):
    import ipyvuetify as v

    return next(b for b in rc.find(v.Btn).widgets if any(label == c for c in b.children if isinstance(c, str)))


def _texts(rc) -> str:
    import solara

    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def test_page_steps_the_replicate_and_follows_a_changed_determinant(page):
    import ipyvuetify as v

    assert "Start: 1 January 2024" in _texts(page)
    _button(page, "Step (a week)").click()
    assert "day 7 of 1461" in _texts(page)
    syria = page.find(v.Select, class_="determinant-syria").widget
    syria.v_model = "collapse"
    assert "Changed from the scenario" in " ".join(str(w.children) for w in page.find(v.Alert).widgets)
    assert "syria=collapse" in _texts(page)
    assert "Start: 1 January 2024" in _texts(page)   # a new replicate for the new choices


def test_playing_draws_every_step_even_when_drawing_is_slower_than_a_tick(page, monkeypatch):
    """A slow render must slow the play, not hide it: each step is drawn before the next is simulated.

    Drawing here takes twice a tick. Were the play loop to step on regardless, the thread that
    renders would always find a newer view waiting: steps would be skipped on the page, and a
    browser would see nothing until the replicate had finished.
    """
    import time

    import ipyvuetify as v

    from sim.explore import app

    drawn_days = []

    def slow_map(snapshot, *args):
        drawn_days.append(snapshot.days_simulated)
        time.sleep(2 * app.TICK_SECONDS)
        return real_map(snapshot, *args)

    real_map = app.map_figure
    monkeypatch.setattr(app, "map_figure", slow_map)
    page.find(v.Select, class_="pick-end").widget.v_model = "2024-12-31"
    assert drawn_days[-1] == 0      # the new replicate, drawn at its start
    _button(page, "Play").click()
    deadline = time.monotonic() + 120
    while "day 21 of 366" not in _texts(page) and time.monotonic() < deadline:
        time.sleep(0.05)
    _button(page, "Pause").click()
    played = drawn_days[drawn_days.index(0) + 1:]
    assert played[:3] == [7, 14, 21], f"days drawn while playing: {played}"
    assert played == list(range(7, 7 * len(played) + 1, 7))
