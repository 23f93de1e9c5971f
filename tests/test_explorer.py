"""The explorer's parts without a browser: the watched replicate and its words, choices and their names, the
map, batches, contrasts, the shelf, what matters most, saving, and the page rendered with solara.render.

Runs are kept short: a scenario's branch date can be moved to early 2022 (`branch_date=`), so its levels act
within a few simulated months.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text
from scipy import stats

from sim.analysis import contrast
from sim.analysis.contrast import paired_difference
from sim.config.errors import ConfigError
from sim.config.determinants import DETERMINANTS
from sim.config.load import compose_run_config, list_levels
from sim.config.schema import RunConfig
from sim.defaults import COMPARISON_WINDOW
from sim.explore import (address, batch, comparison, drawing, importance, limits, map_view, pictures,
                         reasons, shelf, watch_panel)
from sim.explore.jobs import Jobs
from sim.explore.choices import (Choices, baseline_for, compose_choices, horizon_ends, same_experiment,
                                 scenario_levels)
from sim.config.determinants import DECLARATIONS
from sim.explore.explain import LEVEL_LABELS, choices_name, period_words, spell_out
from sim.explore.narrate import day_events, map_name, place
from sim.explore.map_labels import segment_meets_box, segments_cross
from sim.explore.replicate import RECENT_DAYS, WatchedReplicate
from sim.explore.serve import choose_port, free_port
from sim.model import network
from sim.model.attacks import ATTACK_TYPES, AttackLog
from sim.geography import load_geography
from sim.runs.folders import LOCK
from sim.runs.ensemble import run_ensemble, run_replicate
from sim.runs.reproduce import reproduce
from tests.conftest import model_for, scenario

ROOT = Path(__file__).resolve().parents[1]
# Short runs on the history from 2022 (the default follows the record from 2020): the mechanics are the same.
FROM_2022 = "history=observed"
SHORT = (FROM_2022, "end=2022-04-30")
EARLY_BRANCH = (FROM_2022, "branch_date=2022-03-01", "end=2022-05-31")


# ----- the watched replicate ---------------------------------------------------------------
def test_watched_replicate_is_replicate_i_of_the_ensemble_bit_for_bit():
    cfg = scenario("syria_collapse", *EARLY_BRANCH, "seed=7")
    watched = WatchedReplicate(cfg, 3)
    while not watched.finished:
        watched.advance(9)              # uneven steps: the split of days must not matter
    stepped, direct = watched.outcome(), run_replicate(cfg, 3)
    for key in direct.attacks:
        np.testing.assert_array_equal(stepped.attacks[key], direct.attacks[key])
    for key in direct.monthly_state:
        np.testing.assert_array_equal(stepped.monthly_state[key], direct.monthly_state[key])
    assert stepped.counters == direct.counters


def test_view_counts_agree_with_the_outcome_and_recent_attacks_are_the_last_month():
    cfg = scenario("baseline", *SHORT)
    watched = WatchedReplicate(cfg, 0)
    start = watched.view()
    assert start.snapshot.days_simulated == 0 and not start.started and start.events == ()
    view = watched.advance(10_000)
    assert view.finished and view.snapshot.days_simulated == (dt.date(2022, 4, 30) - dt.date(2022, 1, 1)).days + 1
    out = watched.outcome()
    dates = np.datetime64(cfg.start) + out.attacks["day"].astype("timedelta64[D]")
    expected = [int((dates.astype("datetime64[M]") == np.datetime64(m, "M")).sum()) for m in view.month_starts]
    assert view.attacks_by_month.tolist() == expected
    assert view.killed == int(out.attacks["killed"].sum()) and view.wounded == int(out.attacks["wounded"].sum())
    assert sum(e.kind == "attack" for e in view.events) == out.attacks["day"].size
    assert view.key_events == tuple(e for e in view.events if e.key)
    assert view.snapshot.fighters == out.counters["fighters_end"]
    last_days = out.attacks["day"] >= view.snapshot.days_simulated - RECENT_DAYS
    assert sorted(view.recent_attacks.tolist()) == sorted(out.attacks["area"][last_days].tolist())


def test_jumping_to_a_date_ends_the_step_on_that_day():
    watched = WatchedReplicate(scenario("baseline", *SHORT), 0)
    view = watched.advance(watched.days_through("2022-03-01"))
    assert view.snapshot.date == dt.date(2022, 3, 1)
    assert watched.days_through("2022-03-01") == 0 and watched.days_through("2030-01-01") == watched.total_days - 60


def test_snapshot_is_a_copy_the_viewer_cannot_change():
    cfg = scenario("baseline", *SHORT)
    model = model_for(cfg)
    snap = model.snapshot()
    fighters = snap.fighters
    snap.cell_members[:] = 0
    assert network.fighters(model.world.cells) == fighters == model.snapshot().fighters
    assert snap.days_simulated == 0 and snap.date == dt.date.fromisoformat(cfg.start)


def test_a_dated_change_of_the_history_is_told_and_shows_on_its_day():
    # The record: US forces leave Ain al-Asad and Victoria for Erbil and the Gulf on 24 August 2025
    # (a small unit stays at Ain al-Asad; Victoria closes).
    cfg = scenario("baseline", "start=2025-08-20", "end=2025-08-31")
    watched = WatchedReplicate(cfg, 0)
    geo = load_geography()
    ain_al_asad, victoria = geo.base_ids.index("ain_al_asad"), geo.base_ids.index("victoria")
    before = watched.advance(4).snapshot            # 20-23 August
    view = watched.advance(1)                       # 24 August
    assert view.snapshot.date == dt.date(2025, 8, 24)
    assert view.snapshot.base_capacity[ain_al_asad] < before.base_capacity[ain_al_asad]
    assert before.base_capacity[victoria] > 0 and view.snapshot.base_capacity[victoria] == 0
    told = [e for e in view.events if e.date == dt.date(2025, 8, 24)]
    assert any(e.kind == "change" and "leave Ain al-Asad" in e.text for e in told)
    assert any(e.kind == "posture" for e in told) and all(e.key for e in told if e.kind in ("change", "posture"))
    anbar = geo.index("anbar_euphrates")
    assert view.snapshot.coalition_cover[anbar] < before.coalition_cover[anbar]


# ----- plain words -------------------------------------------------------------------------
def test_an_attack_reads_as_a_sentence_with_the_map_name_of_its_place():
    geo = load_geography()
    model = model_for(scenario("baseline", *SHORT))
    before = model.snapshot()
    log = AttackLog([0, 0, 0], [geo.index("wadi_al_shay"), geo.index("hamrin_mountains"), geo.index("salah_al_din")],
                    [1, 2, 3], [ATTACK_TYPES.index("ambush"), ATTACK_TYPES.index("ied"), ATTACK_TYPES.index("ied")],
                    [3, 0, 1], [0, 0, 0], [False, True, False])
    after = dataclasses.replace(before, attacks_logged=3, date=dt.date(2024, 3, 5))
    lines = [e.line() for e in day_events(before, after, log, geo)]
    assert lines == ["5 March 2024: An ambush in Wadi al-Shay, 3 killed.",
                     "5 March 2024: A roadside bomb in the Hamrin mountains, no one killed or wounded "
                     "(ordered by the group's central leadership).",
                     "5 March 2024: A roadside bomb in the Tikrit area, 1 killed."]


def test_counter_changes_become_events_and_routine_ones_are_not_key():
    geo = load_geography()
    before = model_for(scenario("baseline", *SHORT)).snapshot()
    counters = dict(before.counters, raids=before.counters["raids"] + 1, removed_by_raids=2, breakouts=1,
                    escaped=140, crossed=5)
    after = dataclasses.replace(before, counters=counters)
    events = day_events(before, after, AttackLog.empty(), geo)
    assert [e.text for e in events] == ["Iraqi forces raid 1 located cell: 2 insurgents killed or captured.",
                                        "Breakout from prisons and camps in north-east Syria: 140 detainees escape.",
                                        "5 fighters cross from Syria into Iraq."]
    assert [e.key for e in events] == [False, True, False]


def test_place_names_in_sentences_are_the_map_labels():
    geo = load_geography()
    assert place(geo, geo.index("hamrin_mountains")) == "the Hamrin mountains"
    assert place(geo, geo.index("wadi_al_shay")) == "Wadi al-Shay"
    assert place(geo, geo.index("baghdad_belt")) == "the Baghdad belt"
    assert place(geo, geo.index("salah_al_din")) == "the Tikrit area"
    for k in range(geo.n_areas):
        assert map_name(geo, k) in place(geo, k)


def test_every_determinant_and_level_has_page_text():
    for group, levels in list_levels().items():
        text = DECLARATIONS[group]
        assert text.explanation.endswith(".") and text.explanation.count(". ") == 0, group  # one sentence
        assert {lv.name for lv in levels} == set(LEVEL_LABELS[group]), group


def test_abbreviations_are_spelled_out_at_first_use():
    assert spell_out("own ISR covering a quarter; ISR again") == "own surveillance (ISR) covering a quarter; ISR again"
    assert spell_out("the draft PMF law") == "the draft Popular Mobilization Forces (PMF) law"


def test_a_result_is_named_by_its_scenario_and_every_changed_determinant():
    assert choices_name("full_exit", {"syria": "collapse", "regional": "regional_war"}) == (
        "full exit + Syria: collapse + region: regional war")
    assert choices_name("baseline", {}) == "baseline"
    assert period_words("2027-01-01", "2027-12-31") == "in 2027"
    assert period_words("2022-02-01", "2022-05-31") == "from 1 February 2022 to 31 May 2022"


# ----- choices -----------------------------------------------------------------------------
def test_scenario_levels_are_the_scenario_files_choices():
    # scenarios/scenario/worst_case.yaml overrides all six groups.
    assert scenario_levels("worst_case") == {
        "drawdown": "complete_exit", "syria": "collapse", "relations": "sanctions", "regional": "regional_war",
        "insurgents": "resurgent", "iraqi_forces": "degraded"}
    assert set(scenario_levels("baseline").values()) == {"as_observed"}


@pytest.mark.parametrize("name, group, level", [("baseline", "syria", "collapse"),
                                                ("syria_collapse_2027", "drawdown", "complete_exit")])
def test_changed_choices_give_the_config_sim_run_would_use(name, group, level):
    """The page composes only a scenario's own part for each variant and joins it to the history of one
    full composition; the result must be what `sim run scenario=NAME GROUP=LEVEL end=... seed=...` gives."""
    choices = dataclasses.replace(Choices.of(name).with_level(group, level), end="2027-12-31", seed=11)
    assert choices.changed == {group: level}
    cfg = choices.config()
    expected = compose_run_config(name, [f"{group}={level}", "end=2027-12-31", "seed=11"])
    assert dataclasses.replace(cfg, scenario=expected.scenario) == expected
    assert f"{group} set to" in cfg.scenario.description
    assert choices.command(cfg) == f"sim run scenario={name} {group}={level} end=2027-12-31 seed=11"
    base = baseline_for(dataclasses.replace(cfg, replicates=7))
    assert base.scenario.name == "baseline" and (base.start, base.end, base.seed, base.replicates, base.parameters) == (
        cfg.start, "2027-12-31", 11, 7, cfg.parameters)


def test_an_override_that_moves_the_history_is_composed_in_full():
    early = compose_choices([("baseline", ("syria=collapse", *EARLY_BRANCH))])[0]
    full = compose_run_config("baseline", ["syria=collapse", *EARLY_BRANCH])
    assert dataclasses.replace(early, scenario=full.scenario) == full and early.branch_date == "2022-03-01"


def test_the_page_keeps_the_configs_parameter_mode_posterior_included():
    """Whatever `parameters` says (point or posterior), the baseline beside a run and the watched replicate
    follow it, so that every comparison stays paired and the watched history is replicate i of `sim run`."""
    try:
        cfg = compose_choices([("baseline", ("syria=collapse", "parameters=posterior", *EARLY_BRANCH))])[0]
    except ConfigError as err:
        pytest.skip(f"the shipped posterior cannot be used at the moment: {err}")
    assert cfg.parameters == "posterior" and baseline_for(cfg).parameters == "posterior"
    watched = WatchedReplicate(cfg, 2)
    watched.advance(10_000)
    assert watched.outcome().counters == run_replicate(cfg, 2).counters


def test_the_horizons_offered_cover_the_comparison_window():
    ends = horizon_ends()
    assert ends[0] >= COMPARISON_WINDOW[1] and ends[-1] == RunConfig().end
    assert all(end.endswith("-12-31") for end in ends)


def test_a_level_that_changes_no_parameter_on_any_date_runs_like_the_current_choices():
    """Syria's state on 1 January 2022 is sdf_holds: setting it again at an early branch changes nothing,
    bit for bit, while a collapse does change the run."""
    current = scenario("baseline", *EARLY_BRANCH)
    same = scenario("baseline", *EARLY_BRANCH, "syria=sdf_holds")
    other = scenario("baseline", *EARLY_BRANCH, "syria=collapse")
    assert importance.same_course(current, same) and not importance.same_course(current, other)
    a, b, c = (run_replicate(cfg, 1) for cfg in (current, same, other))
    assert all(np.array_equal(a.monthly_state[k], b.monthly_state[k]) for k in a.monthly_state)
    assert not all(np.array_equal(a.monthly_state[k], c.monthly_state[k]) for k in a.monthly_state)


# ----- the map -----------------------------------------------------------------------------
def _figure_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_maps_name_every_area_as_the_events_do_and_draw_rivers_cities_and_recent_attacks():
    geo = load_geography()
    view = WatchedReplicate(scenario("baseline", FROM_2022, "end=2022-03-31"), 0).advance(60)
    assert len(view.recent_attacks) > 0
    width = watch_panel.MAP_WIDTH_PX             # as a desktop shows them; a phone zooms in to see every name
    whole = map_view.whole_map(view.snapshot, view.recent_attacks, geo, "baseline", width)
    hills = map_view.hills_map(view.snapshot, view.recent_attacks, geo, width)
    labels = set(_figure_texts(whole)) | set(_figure_texts(hills))
    assert {map_name(geo, k) for k in range(geo.n_areas)} <= labels
    assert {"Tigris", "Euphrates"} <= labels and "Baghdad" in labels
    assert {map_view.base_name(n) for n in geo.base_names} <= labels
    ax = whole.axes[0]
    river_lines = [c for c in ax.collections if c.get_linewidth()[0] == 1.6]
    assert len(river_lines) == len(map_view.places().rivers)
    stars = [c for c in ax.collections if len(c.get_offsets()) == len(view.recent_attacks) and
             c.get_paths() and c.get_sizes().size and c.get_sizes()[0] == pytest.approx(
                 map_view.ATTACK_PT2 * width / map_view.REFERENCE_WIDTH_PX)]
    assert stars, "recent attacks are marked"


@pytest.mark.parametrize("width", [370, 720])
def test_map_text_is_readable_where_the_page_shows_it(width):
    """The page shows a map at the width it was drawn for (a phone's column, a desktop's); every text on it,
    the base map's small print included, then measures at least 12 pixels."""
    geo = load_geography()
    view = WatchedReplicate(scenario("baseline", FROM_2022, "end=2022-01-31"), 0).view()
    for fig in (map_view.whole_map(view.snapshot, view.recent_attacks, geo, "baseline", width),
                map_view.hills_map(view.snapshot, view.recent_attacks, geo, width)):
        assert fig.get_size_inches()[0] * fig.dpi == pytest.approx(width)
        sizes = [t.get_fontsize() * fig.dpi / 72 for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        assert min(sizes) >= 12, f"smallest text {min(sizes):.1f} px"


@pytest.mark.parametrize("width", [370, 720])
def test_map_labels_sit_at_their_places_or_on_short_leaders_that_cross_nothing(width):
    """Each label touches its marker (within 4 px of its edge), or sits at the end of a leader line of at most
    60 km on the ground that crosses no other leader and no other label; region names sit on their region."""
    geo = load_geography()
    view = WatchedReplicate(scenario("full_exit", "syria=collapse"), 0).advance(1734)        # 30 September 2026
    fig = map_view.whole_map(view.snapshot, view.recent_attacks, geo, "full exit", width)
    placed, ax = fig.placed_labels, fig.axes[0]
    km = abs(np.diff(ax.get_ylim())[0]) * 111.32 / ax.get_window_extent(fig.canvas.get_renderer()).height
    assert len(placed) > 10
    for p in placed:
        if p.centred:
            assert p.gap_px <= 30, f"{p.text}: {p.gap_px * km:.0f} km from its region's point"
        elif not p.leader:
            assert p.gap_px <= p.clearance_px + 4, f"{p.text}: {p.gap_px * km:.0f} km off without a leader"
        else:
            assert p.gap_px * km <= 60, f"{p.text}: a leader of {p.gap_px * km:.0f} km"
            for other in placed:
                if other is not p:
                    assert not segment_meets_box(p.point, p.centre, other.box), \
                        f"{p.text}'s leader crosses {other.text}"
                    assert not (other.leader and segments_cross(p.point, p.centre, other.point, other.centre)), \
                        f"{p.text}'s leader crosses {other.text}'s"
    names = {p.text for p in placed}
    assert "Baghdad" in names
    if width >= 720:     # the desktop's map names the governorates where the areas lie
        assert {"Anbar", "Nineveh", "Salah al-Din"} <= names


def test_the_rivers_run_through_the_cities_on_their_banks():
    rivers, cities = map_view.places().rivers, {c[2]: c[:2] for c in map_view.places().cities}
    for river, towns in (("Tigris", ["Mosul", "Tikrit", "Baghdad", "Kut", "Amarah"]),
                         ("Euphrates", ["Raqqa", "Deir ez-Zor", "Ramadi", "Fallujah", "Samawah", "Nasiriyah"])):
        for town in towns:
            nearest = np.hypot(*(rivers[river] - np.array(cities[town])).T).min()
            assert nearest < 0.05, f"{river} passes {nearest:.2f} degrees from {town}"


def test_markers_are_placed_without_chance_around_their_own_area():
    geo = load_geography()
    snap = WatchedReplicate(scenario("baseline", FROM_2022, "end=2022-01-31"), 0).advance(3).snapshot
    xy = map_view.around_areas(snap.cell_area, geo, 1.0)
    reach = map_view.CELL_SPACING_DEG * np.sqrt(np.bincount(snap.cell_area).max()) + 1e-9
    assert (np.hypot(xy[:, 0] - geo.lon[snap.cell_area], xy[:, 1] - geo.lat[snap.cell_area]) <= reach).all()
    np.testing.assert_array_equal(xy, map_view.around_areas(snap.cell_area, geo, 1.0))


# ----- batches, contrasts and the shelf ----------------------------------------------------
def test_a_batch_computes_what_separate_runs_do_and_runs_a_repeated_config_once():
    cfg = scenario("baseline", FROM_2022, "end=2022-02-28", "replicates=3", "seed=4")
    other = scenario("regional_escalation", FROM_2022, "branch_date=2022-02-01", "end=2022-02-28", "replicates=3",
                     "seed=4")
    seen = []
    runs = batch.run_ensembles({"a": cfg, "b": other, "again": dataclasses.replace(cfg)}, workers=2,
                               on_progress=seen.append)
    assert [p.done for p in seen] == sorted(p.done for p in seen) and seen[-1].done == seen[-1].total == 6
    for key, config in (("a", cfg), ("b", other)):
        for got, expected in zip(runs[key], run_ensemble(config, workers=1, progress=False), strict=True):
            assert all(np.array_equal(got.attacks[k], expected.attacks[k]) for k in expected.attacks)
    assert runs["again"] is runs["a"]


def test_progress_and_estimates_in_words():
    progress = batch.Progress(done=5, total=20, elapsed_s=10.0)
    assert progress.remaining_s == 30.0 and progress.words() == "5 of 20 replicates done in 10 s; about 30 s left"
    assert batch.Progress(0, 20, 1.0).remaining_s is None
    meter = batch.RateMeter(initial=1.0)
    overhead = batch.BATCH_OVERHEAD_S
    assert meter.estimate_s(10, 2) == overhead + 5.0 and not meter.measured
    meter.record(replicate_years=100, elapsed_s=10 + overhead, workers=2)   # 0.2 s of one core per replicate-year
    assert meter.estimate_s(50, 2) == pytest.approx(overhead + 5.0) and meter.measured
    meter.record_replicate(replicate_years=2, elapsed_s=0.3)                 # one replicate timed on one core
    assert meter.estimate_s(40, 2) == pytest.approx(overhead + 3.0)
    fresh = batch.RateMeter()
    fresh.record_replicate(replicate_years=2, elapsed_s=0.3)
    assert not fresh.measured                                                # until a batch is timed too
    meter.record(replicate_years=4, elapsed_s=4.3, workers=2)                # mostly fixed cost: it is corrected
    assert meter.overhead_s == pytest.approx(4.0) and meter.estimate_s(40, 2) == pytest.approx(7.0)
    assert batch.duration_words(150) == "2 minutes" and batch.duration_words(0.2) == "1 s"


def test_the_first_estimate_comes_from_a_replicate_and_a_batch_timed_on_this_computer(monkeypatch):
    monkeypatch.setattr(batch, "RATE", batch.RateMeter())
    ticks = iter([0.0, 1.5])                           # composing three configs takes 1.5 s
    timed = []

    def timer(warm_up, cfg):                           # the timed replicate takes 3 s
        timed.append((warm_up.end, cfg.end))
        return 3.0

    cfg = scenario("baseline", FROM_2022, "end=2022-12-31")
    batch.calibrate(cfg, 2, compose=lambda: 3, clock=lambda: next(ticks), timer=timer)
    years = (round(batch.CALIBRATION_YEARS * batch.DAYS_PER_YEAR)) / batch.DAYS_PER_YEAR
    assert timed == [("2022-01-31", "2023-12-31")]     # a month to warm up, then two years
    assert batch.RATE.measured and batch.RATE.compose_s == 0.5
    # The tiny batch (two one-month replicates through the workers) gave the fixed cost: at the timed rate its
    # replicates take a few seconds' fraction, the rest is starting and loading the workers.
    rate = 3.0 / years
    assert batch.RATE.overhead_s > 0
    assert batch.estimate_s({"a": dataclasses.replace(cfg, replicates=4)}, 2) == pytest.approx(
        batch.RATE.overhead_s + 4 * (365 / batch.DAYS_PER_YEAR) * rate / 2)


def _entry(attacks, seed=1, name="x", months=("2027-01", "2027-02"), reference=2.0, **kw) -> shelf.ShelfEntry:
    attacks = np.asarray(attacks, dtype=float)
    return shelf.ShelfEntry(0, name, "baseline", (), "2022-01-01", "2028-12-31", "2026-08-01", seed,
                            attacks.shape[0], "point", months, attacks, (), reference, **kw)


def test_a_shelf_entry_summarises_its_window():
    entry = _entry([[1, 3], [2, 2], [5, 7], [0, 0], [4, 4]])     # window rates 2, 2, 6, 0, 4
    np.testing.assert_allclose(entry.window_rates, [2, 2, 6, 0, 4])
    assert entry.median == 2.0 and entry.worse_than_reference == 0.4
    assert entry.range90 == pytest.approx(tuple(np.quantile([2, 2, 6, 0, 4], [0.05, 0.95])))


def test_two_entries_are_paired_only_when_they_share_their_random_numbers():
    a = _entry([[1, 1], [2, 2], [3, 3]])
    b = _entry([[2, 2], [3, 4], [4, 4]])
    paired = shelf.compare(a, b)
    monthly = {e: contrast.monthly_frame(e.months, e.attacks) for e in (a, b)}
    expected = paired_difference(monthly[a], monthly[b], *a.window)
    assert paired.paired and paired.difference == pytest.approx(expected["difference"])
    assert (paired.low, paired.high) == pytest.approx((expected["ci95_low"], expected["ci95_high"]))
    unpaired = shelf.compare(a, _entry([[2, 2], [3, 4], [4, 4]], seed=2))
    welch = stats.ttest_ind([2, 3.5, 4], [1, 2, 3], equal_var=False).confidence_interval(0.95)
    assert not unpaired.paired and (unpaired.low, unpaired.high) == pytest.approx((welch.low, welch.high))


def test_contrasts_read_as_words():
    c = contrast.Contrast(1.23, 0.8, 1.6, 2.0, 3.23, True, 20)
    assert contrast.amount_words(c, "the baseline") == (
        "about 1.2 more attacks a month than the baseline (95% interval +0.8 to +1.6)")
    assert c.clear and "not down to chance" in contrast.certainty_words(c)
    tiny = contrast.Contrast(-0.01, -0.5, 0.4, 2.0, 1.99, True, 20)
    assert contrast.amount_words(tiny).startswith("about the same") and not tiny.clear


def _records(months=2, replicates=3, **values) -> dict[str, np.ndarray]:
    """Monthly records held constant over replicates and months, at the values given (defaults otherwise)."""
    base = {"iraq_effort_share": 0.7, "crossed_into_iraq": 2.0, "left_iraq": 0.0, "removed_iraq": 3.0,
            "fighters_iraq": 300.0, "active_cells": 16.0, "leaders_alive": 8.0}
    return {name: np.full((replicates, months), float(values.get(name, v))) for name, v in base.items()}


def test_the_reason_is_the_mechanism_that_moved_with_the_difference_and_what_pulled_against_it():
    # A Syrian collapse as the model declares it (docs/model.md 4.11): effort drawn into Syria, more crossings.
    collapse = _records(iraq_effort_share=0.5, crossed_into_iraq=4.0)
    why = reasons.reason(_records(), collapse, [0, 1], attack_difference=-0.8)
    assert why.cause.mechanism.key == "effort" and why.against.mechanism.key == "crossings"
    assert why.sentence() == (
        "Why, in the model: IS turned its effort towards Syria (50% of it went to Iraq instead of 70%), which in the "
        "model means smaller stipends for its cells in Iraq and more of them leaving for Syria, even though more "
        "fighters came across from Syria (4.0 a month, net, instead of 2.0).")
    # Had attacks risen instead, the crossings moved with them and the effort pulled against.
    assert reasons.reason(_records(), collapse, [0, 1], attack_difference=0.8).cause.mechanism.key == "crossings"
    # Removals per fighter, not in total: twice the fighters and twice the removals is the same pressure.
    same_pressure = reasons.reason(_records(), _records(removed_iraq=6.0, fighters_iraq=600.0), [0, 1], 0.5)
    assert same_pressure.cause.mechanism.key == "fighters" and same_pressure.against is None
    pressure = reasons.reason(_records(), _records(removed_iraq=4.5), [0, 1], -0.5)
    assert pressure.cause.mechanism.key == "pressure" and "1.5 in every 100 a month instead of 1.0" in \
        pressure.sentence()
    assert reasons.reason(_records(), _records(iraq_effort_share=0.69), [0, 1], -0.5) is None   # under 5%: no move
    assert reasons.reason(_records(), {}, [0, 1], -0.5) is None                                 # no records kept


def test_every_reason_points_to_a_section_of_the_models_description():
    headings = [line.lstrip("#").strip() for line in (ROOT / "docs/model.md").read_text().splitlines()
                if line.startswith("###")]
    assert {m.section for m in reasons.MECHANISMS} <= set(headings)
    assert reasons.anchor("4.11 The Syrian arena, both ways") == "411-the-syrian-arena-both-ways"
    assert reasons.anchor('4.5 Dormant and active: "strategic silence"') == "45-dormant-and-active-strategic-silence"


def test_the_answer_for_2027_comes_first_with_its_interval_and_the_runs_counted():
    base = _entry([[2, 2], [2, 2], [3, 3], [1, 1], [2, 2]], name="baseline")
    worse = _entry([[3, 3], [3, 3], [4, 4], [2, 2], [2, 2]], name="full exit", baseline=base)     # +1 four times, 0
    c = contrast.paired(base.months, base.attacks, worse.months, worse.attacks, *COMPARISON_WINDOW)
    words = comparison.headline(worse)
    assert words.startswith(f"**In 2027, your choices minus the baseline: +0.8 attacks a month on average (95% "
                            f"interval {contrast.signed(c.low)} to {contrast.signed(c.high)}).**")
    assert c.clear and "Your choices make 2027 worse than the baseline: more attacks in 4 of 5 runs, fewer in 0, " \
        "the same in 1." in words
    unclear = _entry([[3, 3], [1, 1], [4, 4], [1, 1], [2, 2]], name="x", baseline=base)           # +1, -1, +1, 0, 0
    assert "The model cannot tell your choices from the baseline in 2027: more attacks in 2 of 5 runs, fewer in 1" \
        in comparison.headline(unclear)
    assert "is the baseline itself" in comparison.headline(base)


def test_a_result_reads_over_each_forecast_year_and_over_everything_after_the_branch():
    entry = dataclasses.replace(_entry([[1, 2, 3, 4]], months=("2026-08", "2026-09", "2027-01", "2028-01")),
                                departs="2026-08-01")
    assert comparison.reading_windows(entry) == {"2027": COMPARISON_WINDOW, "2028": ("2028-01-01", "2028-12-31"),
                                                 "all": ("2026-08-01", "2028-12-31")}
    np.testing.assert_allclose(entry.rates(*comparison.reading_windows(entry)["all"]), [2.5])


def test_the_shelf_numbers_keeps_and_forgets_entries():
    s = shelf.Shelf()
    added = [s.add(dataclasses.replace(_entry([[1, 1]]), run=object())) for _ in range(shelf.SHELF_SIZE + 2)]
    assert [e.number for e in s.entries] == list(range(3, shelf.SHELF_SIZE + 3))
    assert [e.run is not None for e in s.entries][-shelf.RUNS_KEPT - 1:] == [False] + [True] * shelf.RUNS_KEPT
    assert added[-1] is s.entries[-1]
    store = shelf.ShelfStore(sessions=2)
    first = store.shelf("one")
    assert store.shelf("one") is first and store.shelf("two") is not first
    store.shelf("three")
    assert store.shelf("one") is not first            # the least recently used session was dropped


# ----- the page's address, its runs in the background, its charts ---------------------------
def test_the_address_holds_the_choices_tab_and_selection_and_round_trips():
    state = address.PageState("full_exit", (("syria", "collapse"),), end="2027-12-31", seed=7, tab="ensemble",
                              replicates=10, show=2, compare=(1, 2), window="all")
    query = address.to_query(state)
    assert query == ("scenario=full_exit&syria=collapse&end=2027-12-31&seed=7&tab=ensemble&replicates=10&show=2&"
                     "window=all&compare=1%2C2")
    assert address.from_query(query) == (state, [])
    assert address.to_query(address.PageState()) == "" and address.from_query("") == (address.PageState(), [])
    assert state.choices == Choices.of("full_exit", "2027-12-31", 7).with_level("syria", "collapse")
    # A level equal to the scenario's own is no change, and is not written.
    assert address.from_query("scenario=full_exit&drawdown=complete_exit")[0].levels == ()


def test_an_address_the_page_cannot_use_is_explained_not_obeyed():
    state, problems = address.from_query("scenario=nowhere&syria=bad&seed=-5&tab=x&replicates=7&zoom=2")
    assert state == address.PageState()
    assert len(problems) == 6
    assert problems[0].startswith("The address names the scenario 'nowhere', which does not exist") and \
        "baseline" in problems[0]
    assert any("seed to '-5'" in p and "a whole number from 0 to" in p for p in problems)
    assert any("'zoom', which the page does not use" in p for p in problems)


def test_a_run_in_the_background_reports_progress_keeps_its_result_and_says_why_it_failed():
    import threading

    jobs = Jobs()
    release = threading.Event()

    def work(progress):
        progress(batch.Progress(1, 2, 0.5))
        release.wait(10)
        return 42

    filed = []
    job = jobs.start("browser 1", "ensemble", "baseline", 3.0, work, filed.append)
    assert jobs.start("browser 1", "ensemble", "other", 1.0, work) is job   # one of a kind at a time
    assert job.running and jobs.get("ensemble") is job
    release.set()
    for _ in range(200):
        if not job.running:
            break
        threading.Event().wait(0.05)
    assert job.result == 42 and filed == [42] and job.progress.done == 1 and job.error is None
    assert job.took_words().startswith("took ") and "(estimated 3 s)" in job.took_words()
    failed = jobs.start("browser 1", "importance", "x", None, lambda progress: 1 / 0)
    for _ in range(200):
        if not failed.running:
            break
        threading.Event().wait(0.05)
    assert failed.error == "ZeroDivisionError: division by zero" and failed.result is None
    go = threading.Event()
    left = jobs.start("browser 2", "ensemble", "y", None,
                      lambda progress: (go.wait(10), progress(batch.Progress(1, 2, 0.1))))
    left.seen -= limits.DISCONNECTED_GRACE_S + 1                             # no page has looked at it since
    go.set()
    for _ in range(200):
        if not left.running:
            break
        threading.Event().wait(0.05)
    assert left.error.startswith("it was stopped because no page of this browser was open")


@pytest.mark.parametrize("width", [370, 760])
def test_charts_are_drawn_for_the_width_they_are_shown_at_with_text_of_12_px_at_least(width):
    """The SVG's text keeps the size it was drawn with: font size in SVG units times the units' scale when
    the chart is shown `width` pixels wide (as the page shows it)."""
    import re

    base = _entry(np.arange(40, dtype=float).reshape(4, 10) % 7, name="baseline",
                  months=tuple(f"{y}-{m:02d}" for y, m in [(2026, 3 + k) for k in range(10)]))
    entry = _entry(np.arange(40, dtype=float).reshape(4, 10) % 5, name="full exit + Syria: collapse",
                   months=base.months, baseline=base)
    for fig in (drawing.over_time_figure(entry, width), drawing.compare_figure(base, entry, width)):
        svg = pictures.svg_markup(fig)
        view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        scale = width / view_width
        sizes = [float(px) * scale for px in re.findall(r"font-size: ([\d.]+)px", svg)]
        assert sizes and min(sizes) >= 12, f"smallest chart text {min(sizes):.1f} px"
        assert 'width="100%"' in svg and svg.count('id="c') == svg.count(' id="')      # ids of its own


# ----- the ensemble against the baseline, saved and reproduced ------------------------------
@pytest.mark.slow
def test_comparison_is_shelved_described_and_saved_as_reproducible_runs(tmp_path):
    cfg = scenario("regional_escalation", FROM_2022, "branch_date=2022-03-01", "end=2022-06-30", "replicates=3",
                   "seed=5")
    result = comparison.run_comparison(cfg, baseline_for(cfg), workers=1)
    assert not result.same_as_baseline and result.baseline.config.scenario.name == "baseline"
    entry = comparison.shelve(result, "regional escalation", {}, 2.0)
    assert entry.departs == "2022-03-01" and entry.baseline is not None and entry.run is result
    words = comparison.describe(entry)
    c = contrast.paired(entry.baseline.months, entry.baseline.attacks, entry.months, entry.attacks, *entry.window)
    assert entry.window == ("2022-01-01", "2022-06-30")
    interval = f"(95% interval {contrast.signed(c.low)} to {contrast.signed(c.high)})"
    assert (f"**From 1 January 2022 to 30 June 2022, your choices minus the baseline: {contrast.signed(c.difference)} "
            f"attacks a month on average {interval}.**") in words
    assert f"a median of **{entry.median:.1f} attacks a month**" in words and "*Baseline:*" in words
    assert set(comparison.reading_windows(entry)) == {"window", "all"}
    paths = comparison.save(result, root=tmp_path, now=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert paths == [tmp_path / "regional_escalation/2026-01-02_03-04-05", tmp_path / "baseline/2026-01-02_03-04-05"]
    check = reproduce(paths[0], progress=False)
    written = {f.name for f in paths[0].iterdir() if f.is_file()}
    # Every file of the run is re-made and matches, the manifest and the folder's lock aside.
    assert check.ok and set(check.matching) == written - {"manifest.json", LOCK}
    again = comparison.save(result, root=tmp_path, now=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert again[0].name == "2026-01-02_03-04-05_2"  # never overwrites a run


def test_the_baseline_is_run_once_when_it_is_the_scenario():
    cfg = scenario("baseline", FROM_2022, "end=2022-02-28", "replicates=2")
    calls = []
    result = comparison.run_comparison(cfg, baseline_for(cfg), workers=1, on_progress=lambda p: calls.append(p.total))
    assert result.same_as_baseline and set(calls) == {2}
    entry = comparison.shelve(result, "baseline", {}, 2.0)
    assert entry.baseline is None and "is the baseline itself" in comparison.describe(entry)


# ----- what matters most -------------------------------------------------------------------
def _effect(group, level, difference=None, width=0.5, current=False, same=False):
    c = None if difference is None else contrast.Contrast(difference, difference - width, difference + width, 3.0,
                                                           3.0 + difference, True, 20)
    return importance.Effect(group, level, current, same, c)


def _answer(effects) -> importance.Importance:
    return importance.Importance("baseline", Choices.of("baseline"), COMPARISON_WINDOW, 20, 1, "2027-12-31",
                                 np.full(20, 3.0), tuple(effects))


def test_what_matters_most_ranks_determinants_by_their_strongest_level_and_says_by_how_much():
    answer = _answer([_effect("drawdown", "as_observed", current=True), _effect("drawdown", "complete_exit", 2.0),
                      _effect("drawdown", "posture_2024", -0.5), _effect("syria", "as_observed", current=True),
                      _effect("syria", "collapse", -3.0, width=0.4), _effect("regional", "as_observed", current=True),
                      _effect("regional", "calm", same=True)])
    assert [(e.group, e.level) for e in answer.ranking()] == [("syria", "collapse"), ("drawdown", "complete_exit"),
                                                              ("regional", "calm")]
    words = importance.describe(answer)
    assert "**The Syrian side of the border matters most in 2027**" in words
    assert "about 3.0 fewer attacks a month than with your choices (95% interval -3.4 to -2.6)" in words
    assert "100% fewer than now" in words and "Close behind" not in words
    close = _answer([_effect("syria", "collapse", 2.0, width=1.0), _effect("drawdown", "complete_exit", 1.8)])
    assert "Close behind: **Coalition withdrawal**" in importance.describe(close)


def test_what_matters_most_plans_one_run_per_level_that_changes_something():
    choices = Choices.of("baseline")
    configs, idle = importance.plan(choices, 2)
    levels = list_levels()
    assert len(configs) + len(idle) == 1 + sum(len(levels[g]) - 1 for g in DETERMINANTS)
    current = configs[(importance.CURRENT, importance.CURRENT)]
    assert current.end == COMPARISON_WINDOW[1] and current.replicates == 2
    assert all(same_experiment(c, current) is False for k, c in configs.items() if k != (importance.CURRENT,) * 2)
    assert all(c.seed == current.seed and c.start == current.start for c in configs.values())
    # The baseline keeps the determinants as the history left them: their last recorded levels change nothing.
    assert {("relations", "strained"), ("regional", "gaza_war_spillover")} <= idle


def test_an_answer_belongs_to_the_choices_it_was_computed_for():
    answer = _answer([])
    assert importance.is_for(answer, dataclasses.replace(Choices.of("baseline"), end="2028-12-31"))
    assert not importance.is_for(answer, Choices.of("baseline").with_level("syria", "collapse"))


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

    # The page keeps its state in its address: it is rendered inside a router, as the server does.
    box, rc = solara.render(solara.RoutingProvider(children=[app.Page()], routes=app.routes, pathname="/"),
                            handle_error=False)
    yield rc
    rc.close()


def _button(rc, label: str):
    import ipyvuetify as v

    return next(b for b in rc.find(v.Btn).widgets if any(label == c for c in b.children if isinstance(c, str)))


def _texts(rc) -> str:
    import solara

    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def _wait_for(rc, text: str, seconds: float = 120) -> None:
    import time

    deadline = time.monotonic() + seconds
    while text not in _texts(rc) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert text in _texts(rc)


def _select(rc, label: str):
    """The page's drop-down list with this label."""
    return next(w for w in rc.find(label=label).widgets if hasattr(w, "items"))


def test_a_change_that_would_restart_the_watched_history_asks_first(page):
    import ipyvuetify as v

    assert "Start: 1 January 2020" in _texts(page)
    _button(page, "Step (a month)").click()
    assert "day 30 of" in _texts(page)
    syria = "The Syrian side of the border"
    _select(page, syria).value = "collapse"
    assert page.find(v.Dialog).widgets           # the question, not yet the change
    assert "day 30 of" in _texts(page)
    _button(page, "Keep watching").click()
    assert not page.find(v.Dialog).widgets
    assert "day 30 of" in _texts(page)
    assert _select(page, syria).value == "as_observed"
    _select(page, syria).value = "collapse"
    _button(page, "Change it and start again").click()
    assert "Start: 1 January 2020" in _texts(page) and "baseline + Syria: collapse" in _texts(page)


@pytest.mark.slow
def test_playing_draws_every_step_even_when_drawing_is_slower_than_a_tick(page, monkeypatch):
    """A slow render must slow the play, not hide it: each step is drawn before the next is simulated."""
    import time

    from sim.explore import watch_panel

    drawn_days = []
    real_map = watch_panel.whole_map

    def slow_map(snapshot, *args):
        drawn_days.append(snapshot.days_simulated)
        time.sleep(2 * watch_panel.TICK_SECONDS)
        return real_map(snapshot, *args)

    monkeypatch.setattr(watch_panel, "whole_map", slow_map)
    _button(page, "Step (a month)").click()             # a redraw, so that the slow map is in use
    _button(page, "Play").click()
    _wait_for(page, "day 120 of")
    _button(page, "Pause").click()
    played = [day for day in drawn_days if day > 30]      # the days drawn after the month's step, while playing
    assert played[:3] == [60, 90, 120], f"days drawn while playing: {played}"
    assert played == list(range(60, 30 * len(played) + 31, 30))
