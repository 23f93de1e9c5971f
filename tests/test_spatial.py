"""The spatial check: the discrepancies against scipy's own formulas, the posterior predictive p-value on
synthetic records whose answer is known, the record placed in the model's governorates, and
`sim validate spatial`: its refusals, its files all or none, and one short run recomputed from an ordinary
run's monthly table."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import spatial
from sim.analysis.governorates import area_governorates
from sim.analysis.targets import load_targets
from sim.api import load_scenario, run
from sim.cli import main as cli_main
from sim.geography import load_geography
from sim.validation.spatial import FILES, SECTION

# Shares near the model's (Kirkuk and Diyala heavy) and the record's weekly totals: the sizes the check works at.
SHARES = np.array([0.06, 0.11, 0.13, 0.34, 0.26, 0.01, 0.04, 0.05])
TOTALS = (13, 19, 2)
YEARS = (2021, 2022, 2023)


def weeks_of(counts) -> list[spatial.RecordWeek]:
    return [spatial.RecordWeek(f"w{k}", f"{year}-03-01", f"{year}-03-07", tuple(int(c) for c in x))
            for k, (year, x) in enumerate(zip(YEARS, counts, strict=True))]


# ----- the discrepancies ---------------------------------------------------------------------------------
def test_the_negative_log_likelihood_is_scipys_multinomial_summed_over_weeks():
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(np.ones(8), size=3)
    counts = np.array([rng.multinomial(n, p) for n, p in zip(TOTALS, shares, strict=True)])
    expected = -sum(stats.multinomial.logpmf(x, x.sum(), p) for x, p in zip(counts, shares, strict=True))
    assert spatial.negative_log_likelihood(counts, shares) == pytest.approx(expected, rel=1e-12)


def test_the_chi_square_is_scipys_pearson_statistic_summed_over_weeks():
    rng = np.random.default_rng(4)
    shares = rng.dirichlet(np.ones(8), size=3)
    counts = np.array([rng.multinomial(n, p) for n, p in zip(TOTALS, shares, strict=True)])
    expected = sum(stats.chisquare(x, x.sum() * p).statistic for x, p in zip(counts, shares, strict=True))
    assert spatial.chi_square(counts, shares) == pytest.approx(expected, rel=1e-12)


def test_incidents_where_the_model_has_none_are_infinitely_far_and_empty_governorates_add_nothing():
    shares = np.array([[0.5, 0.5, 0.0]])
    assert spatial.negative_log_likelihood(np.array([[1, 1, 1]]), shares) == np.inf
    assert spatial.chi_square(np.array([[1, 1, 1]]), shares) == np.inf
    # With none in the empty governorate, its column changes nothing: (1-1)^2/1 twice, and log(2!/(1!1!) 0.25).
    assert spatial.chi_square(np.array([[1, 1, 0]]), shares) == 0.0
    assert spatial.negative_log_likelihood(np.array([[1, 1, 0]]), shares) == pytest.approx(-np.log(0.5))


# ----- the p-value on records whose answer is known ------------------------------------------------------
def test_records_drawn_from_the_models_own_shares_give_p_values_spread_evenly():
    """200 records drawn from the shares the replicates hold (each replicate's shares a Dirichlet draw around
    them): the p-values should look uniform. Tolerances: the mean of 200 uniform values has a standard error
    of 0.02; each p-value is itself a share of 200 replicates (error up to 0.035) and discrete records tie,
    so the mean is allowed 0.5 +- 0.08 and the share at or below 0.05 up to 0.12."""
    rng = np.random.default_rng(20240101)
    p_values = {name: [] for name in spatial.DISCREPANCIES}
    for _ in range(200):
        record = weeks_of([rng.multinomial(n, SHARES) for n in TOTALS])
        replicate_shares = rng.dirichlet(300 * SHARES, size=(200, len(YEARS)))
        for name, p in spatial.predictive_check(record, replicate_shares, YEARS, rng).p_values().items():
            p_values[name].append(p)
    for name, values in p_values.items():
        values = np.array(values)
        assert 0.42 <= values.mean() <= 0.58, name
        assert (values <= 0.05).mean() <= 0.12, name
        assert (values >= 0.5).mean() >= 0.35, name


@pytest.mark.parametrize("share", [0.0, 0.01])
def test_a_record_all_in_a_governorate_the_model_rarely_or_never_attacks_gives_p_zero(share):
    shares = np.array([*(SHARES[:-1] * (1 - share) / SHARES[:-1].sum()), share])
    record = weeks_of([[0] * 7 + [n] for n in TOTALS])
    check = spatial.predictive_check(record, np.broadcast_to(shares, (200, 3, 8)).copy(), YEARS,
                                     np.random.default_rng(1))
    assert check.p_values() == dict.fromkeys(spatial.DISCREPANCIES, 0.0)


def test_a_replicate_without_an_attack_in_a_year_a_week_needs_is_left_out_and_counted():
    year_shares = np.broadcast_to(SHARES, (5, 3, 8)).copy()
    year_shares[1, 2] = np.nan                       # replicate 1: no attack in 2023
    year_shares[3, 0] = np.nan                       # replicate 3: none in 2021
    check = spatial.predictive_check(weeks_of([[0, 0, 0, n, 0, 0, 0, 0] for n in TOTALS]), year_shares, YEARS,
                                     np.random.default_rng(2))
    assert check.unusable == 2 and check.predictive.shape == (3, 1, 3, 8)
    assert (check.predictive.sum(axis=3) == TOTALS).all()


def test_more_draws_per_replicate_estimate_the_p_value_one_draw_gives_on_average():
    """Forty replicates with shares of their own and a record off them: the p-value from 500 draws per
    replicate against the mean of 500 one-draw p-values (each a share of 40, standard error about 0.08, so
    their mean has about 0.004; allowed 0.02)."""
    rng = np.random.default_rng(8)
    year_shares = rng.dirichlet(100 * SHARES, size=(40, len(YEARS)))
    record = weeks_of([[0, 0, 0, n // 2, n - n // 2, 0, 0, 0] for n in TOTALS])
    many = spatial.predictive_check(record, year_shares, YEARS, rng, draws=500).p_values()
    single = [spatial.predictive_check(record, year_shares, YEARS, rng).p_values() for _ in range(500)]
    for name, p in many.items():
        assert 0.05 < p < 0.95, name                  # a p-value that says something, not a bound
        assert p == pytest.approx(np.mean([s[name] for s in single]), abs=0.02), name


def test_the_governorate_table_reads_intervals_off_the_predictive_records():
    """Five replicates with hand-made predictive records: governorate A's totals over the weeks are 0, 1, 2, 3
    and 9, so its median is 2, and the 5% and 95% points (the inverted CDF) are 0 and 9."""
    observed = np.array([[3, 1], [1, 0]])
    predictive = np.zeros((5, 1, 2, 2), dtype=np.int64)
    predictive[:, 0, 0, 0] = [0, 1, 2, 3, 9]
    predictive[:, 0, 1, 1] = 1
    week_shares = np.broadcast_to([0.5, 0.5], (5, 2, 2)).copy()
    table = spatial.governorate_table(spatial.PredictiveCheck(observed, week_shares, predictive, 0), ["A", "B"])
    a = table.iloc[0]
    assert (a["observed"], a["predictive_median"], a["predictive_q05"], a["predictive_q95"]) == (4, 2, 0, 9)
    assert a["observed_share"] == pytest.approx(0.8) and a["model_share_median"] == pytest.approx(0.5)
    assert a["percentile"] == pytest.approx(80.0) and a["observed_against_model"] == "inside"


# ----- the record in the model's governorates ------------------------------------------------------------
@pytest.fixture(scope="module")
def model_governorates():
    geo = load_geography()
    mapping = spatial.iraqi_area_governorates(geo.area_ids, geo.in_iraq, area_governorates())
    return mapping, tuple(dict.fromkeys(mapping.values()))


def test_only_iraqi_areas_count_and_babil_alone_of_the_records_governorates_has_no_area(model_governorates):
    mapping, governorates = model_governorates
    assert not {"Deir ez-Zor", "Hasakah", "Homs"} & set(governorates)
    assert mapping["baghdad_belt"] == "Baghdad" and mapping["wadi_zghaytun"] == "Kirkuk"
    named = {g for week in load_targets()[SECTION] for g in week["by_governorate"]}
    assert named - set(governorates) == {"Babil"}


def test_babil_is_counted_with_baghdad_or_left_out_and_the_week_totals_are_the_records(model_governorates):
    _, governorates = model_governorates
    entries = load_targets()[SECTION]
    pooled = spatial.record_weeks(entries, governorates, spatial.UNMODELLED_POOLED)
    dropped = spatial.record_weeks(entries, governorates, spatial.UNMODELLED_DROPPED)
    assert [w.total for w in pooled] == [e["total"] for e in entries]
    assert [w.total for w in dropped] == [e["total"] - e["by_governorate"].get("Babil", 0) for e in entries]
    baghdad = governorates.index("Baghdad")
    assert pooled[1].counts[baghdad] == 4 and dropped[1].counts[baghdad] == 3     # 3 in Baghdad, 1 in Babil
    assert [w.year for w in pooled] == [2021, 2022, 2023]


def test_a_governorate_neither_in_the_model_nor_pooled_is_refused_by_name(model_governorates):
    _, governorates = model_governorates
    week = {"id": "w", "window": {"start": "2022-01-01", "end": "2022-01-07"}, "by_governorate": {"Basra": 1}}
    with pytest.raises(ValueError, match="Basra"):
        spatial.record_weeks([week], governorates, spatial.UNMODELLED_POOLED)


def test_yearly_counts_place_each_attack_by_replicate_year_and_governorate():
    events = pd.DataFrame({"replicate": [0, 0, 0, 1, 1, 1, 1],
                           "date": ["2021-05-01", "2021-12-31", "2022-01-01", "2021-02-02", "2020-06-06",
                                    "2022-03-03", "2022-03-04"],
                           "area": ["k1", "k2", "d", "d", "k1", "syria", "k1"]})
    mapping = {"k1": "Kirkuk", "k2": "Kirkuk", "d": "Diyala"}
    counts = spatial.yearly_counts(events, [0, 1], [2021, 2022], mapping, ["Kirkuk", "Diyala"])
    assert counts.tolist() == [[[2, 0], [0, 1]], [[0, 1], [1, 0]]]       # 2020 and the Syrian area not counted
    shares = spatial.shares(np.array([[2, 0], [0, 0]]))
    assert shares[0].tolist() == [1.0, 0.0] and np.isnan(shares[1]).all()


# ----- sim validate spatial ------------------------------------------------------------------------------
@pytest.mark.parametrize("arguments, named", [
    (["replicates=1"], "replicates=1"),
    (["parameters=uncertain"], "parameters=uncertain"),
    (["draws=0"], "draws=0"),
    (["workers=0"], "workers"),
    (["window=2022"], "has no setting 'window'"),
    (["seed=-1"], "seed"),
    (["targets"], "takes no names"),
])
def test_bad_settings_are_one_paragraph_and_write_nothing(tmp_path, capsys, arguments, named):
    out = tmp_path / "check"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["validate", "spatial", *arguments, f"out={out}", "quiet=true"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.startswith("error: ") and named in " ".join(err.split()) and "Traceback" not in err
    assert "\n\n" not in err.strip() and not out.exists()


def test_a_folder_of_other_files_is_never_written_into(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as stopped:
        cli_main(["validate", "spatial", "replicates=2", "quiet=true", f"out={tmp_path}"])
    assert stopped.value.code == 2 and "already holds files" in " ".join(capsys.readouterr().err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("section", [None, [], [{"id": "w", "total": 1}],
                                     [{"id": "w", "window": {"start": "2022-01-01", "end": "2022-01-07"},
                                       "total": 2, "by_governorate": {"Kirkuk": 1}}],
                                     [{"id": "w", "window": {"start": "2022-01-01", "end": "2022-01-07"},
                                       "total": 1, "by_governorate": {"Basra": 1}}]])
def test_a_damaged_record_is_named_before_anything_runs(tmp_path, capsys, monkeypatch, section):
    import sim.validation.spatial as module

    monkeypatch.setattr(module, "simulate", lambda cfg: pytest.fail("the model ran"))
    monkeypatch.setattr(module, "load_targets", lambda: {SECTION: section})
    out = tmp_path / "check"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["validate", "spatial", "replicates=2", "quiet=true", f"out={out}"])
    err = " ".join(capsys.readouterr().err.split())
    assert stopped.value.code == 2 and SECTION in err and "Traceback" not in err
    assert not out.exists()


def synthetic_run(replicates: int, shares: np.ndarray, areas: list[str], attacks_per_year: int = 60):
    """What the check reads of a run (its attack rows and replicate indices), made without the model: each
    replicate's attacks of each year spread over `areas` in proportion to `shares`."""
    rng = np.random.default_rng(5)
    rows = [(r, f"{year}-06-01", area) for r in range(replicates) for year in range(2020, 2024)
            for area, n in zip(areas, rng.multinomial(attacks_per_year, shares), strict=True) for _ in range(n)]
    return types.SimpleNamespace(events=pd.DataFrame(rows, columns=["replicate", "date", "area"]),
                                 indices=list(range(replicates)))


def test_the_files_are_written_all_or_none(tmp_path, capsys, monkeypatch):
    import sim.commands.spatial as command
    import sim.validation.spatial as module

    areas = ["mosul", "al_qaim", "salah_al_din", "kirkuk", "diyala", "kirkuk_sulaymaniyah_border",
             "baghdad_belt", "kurdistan_region"]
    monkeypatch.setattr(module, "simulate", lambda cfg: synthetic_run(cfg.replicates, SHARES, areas))
    out = tmp_path / "check"
    cli_main(["validate", "spatial", "replicates=30", "draws=5", "parameters=point", "quiet=true", f"out={out}"])
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    table = pd.read_csv(out / "spatial.csv")
    assert table["observed"].sum() == sum(e["total"] for e in load_targets()[SECTION])
    assert "sim validate spatial replicates=30 parameters=point draws=5" in (out / "spatial.md").read_text()

    def first_file_then_a_full_disk(result, folder):
        (folder / FILES[0]).write_text("part")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command, "write", first_file_then_a_full_disk)
    for folder in (tmp_path / "new", tmp_path / "empty"):
        if folder.name == "empty":
            folder.mkdir()
        with pytest.raises(SystemExit) as stopped:
            cli_main(["validate", "spatial", "replicates=30", "parameters=point", "quiet=true", f"out={folder}"])
        assert stopped.value.code == 2 and "No space left" in " ".join(capsys.readouterr().err.split())
        assert (not folder.exists()) if folder.name == "new" else list(folder.iterdir()) == []


def test_a_short_run_reports_the_shares_an_ordinary_runs_monthly_table_gives(tmp_path):
    """The check's model shares recomputed from another table of an ordinary run of the same config (the monthly
    attacks by area, not the attack rows the check reads): each replicate's expected share of the record."""
    out = tmp_path / "check"
    cli_main(["validate", "spatial", "replicates=4", "seed=11", "parameters=point", "quiet=true", f"out={out}"])
    table = pd.read_csv(out / "spatial.csv")
    same = run(load_scenario("baseline", ["end=2023-12-31", "parameters=point"]), replicates=4, seed=11)
    geo = load_geography()
    mapping = spatial.iraqi_area_governorates(geo.area_ids, geo.in_iraq, area_governorates())
    monthly = same.monthly.assign(year=same.monthly["month"].str[:4].astype(int),
                                  governorate=same.monthly["area"].map(mapping))
    by_year = monthly.groupby(["replicate", "year", "governorate"])["attacks"].sum()
    entries = load_targets()[SECTION]
    record_total = sum(e["total"] for e in entries)
    for row in table.itertuples():
        expected = [sum(e["total"] * by_year[r, int(str(e["window"]["start"])[:4]), row.governorate]
                        / by_year[r, int(str(e["window"]["start"])[:4])].sum() for e in entries) / record_total
                    for r in range(4)]
        assert row.model_share_median == pytest.approx(np.median(expected), rel=1e-9), row.governorate
    assert table["observed"].sum() == record_total
    assert ((table["predictive_q05"] <= table["predictive_median"])
            & (table["predictive_median"] <= table["predictive_q95"])).all()
