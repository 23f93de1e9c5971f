"""The retrodiction of 2012-2014: the posterior carried to another history, the pure comparisons on hand-made
arrays with answers worked out by hand, and `sim retrodict` end to end, its report recomputed from its own
table and from an ordinary run of the same history."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis import retrodiction as r
from sim.api import load_scenario, run
from sim.cli import main as cli_main
from sim.config import ConfigError
from sim.config import posterior as posterior_module
from sim.config.calibrated import CALIBRATED, with_values
from sim.config.posterior import Posterior
from sim.runs.replicate import draw_index, replicate_params, run_replicate
from sim.validation.retrodiction import FILES, load_record

# The quantities that describe the fitted history's state on its start date, named here rather than read from
# the declaration they test.
STATE_NAMES = {"initial_fighters_iraq", "syria_fighters"}


# ----- the posterior under another history ---------------------------------------------------------------
@pytest.fixture(scope="module")
def posterior() -> Posterior:
    """Two particles far from every history's own state (3,000 and 4,000 fighters in Iraq), fitted to the
    history from 2020."""
    rows = []
    for factor in (1.2, 1.6):
        row = {p.name: (0.1 * factor if p.kind == "shift" else
                        min(p.prior_median * factor, 0.9) if p.kind == "share" else p.prior_median * factor)
               for p in CALIBRATED}
        row["initial_fighters_iraq"] = 2500 * factor
        rows.append({**row, "weight": 0.5})
    return Posterior(pd.DataFrame(rows), {"run": {"scenario": "baseline", "history": "observed_2020",
                                                  "start": "2020-01-01"}})


def test_a_posterior_replicate_of_the_2011_history_keeps_its_state_and_takes_the_drawn_rates(posterior):
    cfg = load_scenario("baseline", ["history=withdrawal_2011", "end=2012-01-31", "seed=3"])
    for index in range(4):
        values = posterior.values(draw_index(3, index, posterior.weights))
        params = replicate_params(cfg, index, posterior)
        # The history file sets 800 fighters in Iraq and 300 in Syria on 1 January 2012.
        assert params.insurgents.initial_fighters_iraq == 800
        assert params.syria.free_fighters == 300
        assert params.insurgents.attack_rate_per_day == values["attack_rate_per_day"]
        rates = {name: v for name, v in values.items() if name not in STATE_NAMES}
        assert params == with_values(cfg.model, rates)
    # The run itself starts from the history's 800, not the particle's 3,000 or 4,000: a month later fewer than
    # 1,500 are left (recruits, arrivals and removals move a few dozen a month).
    first_month = run_replicate(cfg, 0, posterior).monthly_state["fighters_iraq"][0]
    assert 400 < first_month < 1500


def test_under_the_history_fitted_every_calibrated_parameter_is_drawn_as_before(posterior):
    cfg = load_scenario("baseline", ["history=observed_2020", "end=2020-01-31", "seed=3"])
    for index in range(4):
        values = posterior.values(draw_index(3, index, posterior.weights))
        params = replicate_params(cfg, index, posterior)
        assert params == with_values(cfg.model, values)
        assert params.insurgents.initial_fighters_iraq == round(values["initial_fighters_iraq"])


def test_a_posterior_without_a_recorded_history_was_fitted_to_its_scenarios_history(posterior):
    legacy = Posterior(posterior.table, {"run": {"scenario": "baseline", "start": "2020-01-01"}})
    assert legacy.fitted_history == load_scenario("baseline").history
    assert legacy.drawn("withdrawal_2011") == tuple(p for p in CALIBRATED if p.name not in STATE_NAMES)


def test_parameters_posterior_accepts_the_2011_state_and_still_refuses_a_rate_set_by_hand(posterior, monkeypatch):
    monkeypatch.setattr(posterior_module, "shipped_posterior", lambda: posterior)
    cfg = load_scenario("baseline", ["history=withdrawal_2011", "end=2014-12-31", "parameters=posterior"])
    assert cfg.model.insurgents.initial_fighters_iraq == 800
    with pytest.raises(ConfigError, match=r"model\.insurgents\.attack_rate_per_day"):
        load_scenario("baseline", ["history=withdrawal_2011", "parameters=posterior",
                                   "model.insurgents.attack_rate_per_day=0.05"])
    with pytest.raises(ConfigError, match=r"model\.insurgents\.initial_fighters_iraq"):
        load_scenario("baseline", ["parameters=posterior", "model.insurgents.initial_fighters_iraq=900"])


# ----- the pure comparisons --------------------------------------------------------------------------------
def test_year_totals_and_their_ratios():
    months = ["2012-11", "2012-12", "2013-01"]
    values = np.array([[1, 2, 3], [0, 0, 5]])
    assert r.year_totals(values, months, "2012").tolist() == [3, 0]
    assert r.year_totals(values, months, "2013").tolist() == [3, 5]
    got = r.ratios(np.array([6, 3, 0]), np.array([3, 0, 0]))
    assert got[0] == 2.0 and math.isnan(got[1]) and math.isnan(got[2])


def test_first_month_reaching_a_threshold_and_the_share_reached_by_each_month():
    largest = np.array([[0, 999, 1000, 5], [0, 0, 0, 0], [1200, 0, 0, 0]])
    first = r.first_month_reaching(largest, 1000)
    assert first.tolist() == [2, -1, 0]
    assert r.share_reached_by(np.array([-1, 0, 2, 2]), 4).tolist() == [0.25, 0.25, 0.75, 0.75]


def test_intervals_of_values_and_of_months():
    values = np.concatenate([np.arange(1.0, 102.0), [np.nan]])
    # 1..101: the median is 51; the 5% and 95% quantiles lie 5 and 95 steps above 1.
    got = r.interval(values)
    assert (got["median"], got["low"], got["high"]) == pytest.approx((51.0, 6.0, 96.0), abs=1e-9)
    assert got["replicates"] == 101
    assert r.interval(np.array([np.nan]))["median"] is None
    months = ["2014-01", "2014-02", "2014-03", "2014-04"]
    # Months 0, 2, 2, 3 (one replicate never): half of them are at or before month 2, so 2 is the median.
    assert r.month_interval(np.array([-1, 0, 2, 2, 3]), months) == {
        "median": "2014-03", "low": "2014-01", "high": "2014-04", "replicates": 4}
    assert r.month_interval(np.array([-1, -1]), months)["median"] is None


def test_calendar_months():
    assert r.months_apart("2014-06", "2013-08") == 10
    assert r.months_apart("2014-01", "2014-06") == -5
    assert r.months_of({"start": "2012-11-15", "end": "2013-02-01"}) == ["2012-11", "2012-12", "2013-01", "2013-02"]


def test_per_month_sums_the_areas_and_fills_months_without_attacks():
    monthly = pd.DataFrame({"replicate": [0, 0, 0, 1], "month": ["2012-01", "2012-01", "2012-02", "2012-01"],
                            "area": ["a", "b", "a", "a"], "attacks": [1, 2, 4, 7],
                            "killed": [1, 0, 2, 0], "wounded": [0, 3, 1, 1]})
    attacks, casualties = r.per_month(monthly, ["2012-01", "2012-02"], [0, 1])
    assert attacks.tolist() == [[3, 4], [7, 0]]
    assert casualties.tolist() == [[4, 3], [1, 0]]


def test_the_fan_of_a_month_is_its_quantiles_over_replicates():
    attacks = np.arange(101).reshape(101, 1)
    fan = r.fan_table(["2012-01"], attacks, 2 * attacks, np.full(101, -1))
    assert fan.loc[0, ["attacks_q05", "attacks_q25", "attacks_q50", "attacks_q75", "attacks_q95"]].tolist() == \
        [5, 25, 50, 75, 95]
    assert fan.loc[0, "casualties_q50"] == 100 and fan.loc[0, "territorial_share"] == 0


def test_the_records_growth_between_years():
    ratios = {(g["years"], g["series"]): g["observed"] for g in r.record_ratios(load_record())}
    # IBC as last revised: 9,851 civilians killed in 2013, 4,622 in 2012, 20,030 in 2014.
    assert ratios[("2013/2012", "ibc_civilian_deaths")] == pytest.approx(9851 / 4622, abs=1e-4)
    assert ratios[("2014/2013", "ibc_civilian_deaths")] == pytest.approx(20030 / 9851, abs=1e-4)
    # Car bombs: 68 a month from January to October 2013; 18.6 a month for five months and 42.1 for seven in 2012.
    assert ratios[("2013/2012", "car_bombs")] == pytest.approx(68 / ((18.6 * 5 + 42.1 * 7) / 12), abs=1e-4)
    assert ("2014/2013", "car_bombs") not in ratios          # no monthly average of 2014 was published
    assert r.territorial_checks(load_record()) == {"Fallujah": "2014-01", "Mosul": "2014-06"}


def test_territorial_timing_against_the_falls_of_the_cities():
    months = ["2013-12", "2014-01", "2014-02", "2014-03", "2014-04", "2014-05", "2014-06", "2014-07"]
    table = pd.DataFrame({"territorial_first_month": ["2014-01", "2014-05", "", "2014-07"],
                          "territorial_any_day": [True, True, True, True]})
    got = r.territorial_summary(table, months, load_record(), 1000)
    assert got["share_by_end"] == 0.75 and got["share_any_day_by_end"] == 1.0
    assert got["first_month"] == {"median": "2014-05", "low": "2014-01", "high": "2014-07", "replicates": 3}
    assert got["record"]["Fallujah"] == {"month": "2014-01", "share_by_then": 0.25, "median_months_after": 4}
    assert got["record"]["Mosul"] == {"month": "2014-06", "share_by_then": 0.5, "median_months_after": -1}


# ----- sim retrodict ---------------------------------------------------------------------------------------
SHORT = ["replicates=3", "seed=7", "parameters=point", "quiet=true"]


@pytest.fixture(scope="module")
def retrodiction(tmp_path_factory):
    out = tmp_path_factory.mktemp("retrodict") / "run"
    cli_main(["retrodict", *SHORT, f"out={out}"])
    return out


@pytest.fixture(scope="module")
def same_history():
    """The same history, seed and replicates run as any scenario is: the yardstick the report is checked against."""
    return run(load_scenario("baseline", ["history=withdrawal_2011", "end=2014-12-31"]), replicates=3, seed=7)


def test_the_retrodiction_writes_its_files(retrodiction):
    assert sorted(p.name for p in retrodiction.iterdir()) == sorted(FILES)
    assert (retrodiction / "retrodiction.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sim retrodict replicates=3 seed=7 parameters=point" in (retrodiction / "summary.md").read_text()


def test_the_yearly_counts_are_those_of_an_ordinary_run_of_the_history(retrodiction, same_history):
    table = pd.read_csv(retrodiction / "replicates.csv")
    monthly = same_history.monthly.assign(year=same_history.monthly["month"].str[:4],
                                          casualties=same_history.monthly["killed"] + same_history.monthly["wounded"])
    by_year = monthly.groupby(["replicate", "year"])[["attacks", "casualties"]].sum().unstack("year")
    for quantity in ("attacks", "casualties"):
        for year in ("2012", "2013", "2014"):
            assert table[f"{quantity}_{year}"].tolist() == by_year[(quantity, year)].tolist()
    assert (table[["attacks_2012", "attacks_2013", "attacks_2014"]].sum(axis=1)
            == same_history.replicates["attacks"]).all()
    assert table["peak_area_fighters"].tolist() == same_history.replicates["peak_area_fighters"].tolist()


def test_the_monthly_fan_is_the_median_over_replicates_beside_the_record(retrodiction, same_history):
    fan = pd.read_csv(retrodiction / "monthly.csv")
    per_month = same_history.monthly.groupby(["month", "replicate"])["attacks"].sum().unstack("replicate")
    assert fan["month"].tolist() == per_month.index.tolist() and len(fan) == 36
    assert fan["attacks_q50"].tolist() == per_month.median(axis=1).tolist()
    record = load_record()
    assert fan.set_index("month").loc["2013-07", "ibc_civilian_deaths"] == \
        record["civilian_deaths_ibc"]["monthly"]["civilian_deaths"]["2013-07"]


def test_the_report_is_what_its_table_says(retrodiction):
    table = pd.read_csv(retrodiction / "replicates.csv")
    summary = yaml.safe_load((retrodiction / "summary.yaml").read_text())
    assert summary["run"] == {"history": "withdrawal_2011", "start": "2012-01-01", "end": "2014-12-31",
                              "replicates": 3, "seed": 7, "parameters": "point"}
    for growth in summary["growth"]:
        later, earlier = growth["years"].split("/")
        quantity = growth["compared_with"]
        ratio = table[f"{quantity}_{later}"] / table[f"{quantity}_{earlier}"]
        low, median, high = np.quantile(ratio, [0.05, 0.5, 0.95])
        assert growth["model"]["median"] == pytest.approx(median)
        assert (growth["model"]["low"], growth["model"]["high"]) == pytest.approx((low, high))
        assert growth["inside_90"] == bool(low <= growth["observed"] <= high)
    ibc = next(g for g in summary["growth"] if g["series"] == "ibc_civilian_deaths" and g["years"] == "2013/2012")
    assert ibc["observed"] == pytest.approx(9851 / 4622, abs=1e-4) and ibc["compared_with"] == "casualties"
    territorial = summary["territorial_control"]
    assert territorial["share_by_end"] == pytest.approx(table["territorial_first_month"].notna().mean())
    assert territorial["share_any_day_by_end"] == pytest.approx(table["territorial_any_day"].mean())
    assert territorial["threshold_fighters"] == load_scenario("baseline").model.insurgents.territorial_fighters


@pytest.mark.parametrize("arguments, named", [
    (["replicates=1"], "replicates=1"),
    (["parameters=bootstrap"], "parameters=bootstrap"),
    (["years=3"], "years"),
    (["workers=0"], "workers"),
])
def test_bad_input_is_one_paragraph_and_writes_nothing(tmp_path, capsys, arguments, named):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["retrodict", *arguments, f"out={out}", "quiet=true"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and named in err and "Traceback" not in err
    assert not out.exists()


def test_a_folder_of_other_files_is_never_written_into(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as stopped:
        cli_main(["retrodict", *SHORT, f"out={tmp_path}"])
    assert stopped.value.code == 2 and "already holds files" in " ".join(capsys.readouterr().err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_record_is_never_written_into(tmp_path, capsys):
    record = tmp_path / "run"
    record.mkdir()
    (record / "manifest.json").write_text('{"format": "iraq-insurgency-sim/1"}')
    with pytest.raises(SystemExit) as stopped:
        cli_main(["retrodict", *SHORT, f"out={record / 'retrodiction'}", "force=true"])
    assert stopped.value.code == 2 and "lies inside the record" in " ".join(capsys.readouterr().err.split())
    assert sorted(p.name for p in record.iterdir()) == ["manifest.json"]


def test_a_write_that_fails_half_way_takes_back_what_it_wrote(tmp_path, capsys, monkeypatch):
    import sim.commands.retrodict as command

    def first_file_then_a_full_disk(result, out):
        (out / FILES[0]).write_text("part")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command, "write", first_file_then_a_full_disk)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["retrodict", "replicates=2", "parameters=point", "quiet=true", f"out={out}"])
    assert stopped.value.code == 2 and "No space left" in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


@pytest.mark.parametrize("text", ["civilian_deaths_ibc: {}\n", "- a list\n", "key: [unclosed\n"])
def test_a_damaged_record_is_named_before_anything_runs(tmp_path, capsys, monkeypatch, text):
    import sim.validation.retrodiction as retrodiction_module

    monkeypatch.setattr(retrodiction_module, "record_text", lambda: text)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["retrodict", *SHORT, f"out={out}"])
    err = " ".join(capsys.readouterr().err.split())
    assert stopped.value.code == 2 and "record_2012_2014.yaml" in err and "Traceback" not in err
    assert not out.exists()


def test_a_posterior_retrodiction_draws_the_rates_and_says_what_it_kept(posterior, monkeypatch):
    import sim.runs.replicate as replicate_module
    import sim.validation.retrodiction as retrodiction_module

    for module in (posterior_module, replicate_module, retrodiction_module):
        monkeypatch.setattr(module, "shipped_posterior", lambda: posterior)
    result = retrodiction_module.retrodict(retrodiction_module.RetrodictionSettings(replicates=2, seed=3))
    assert result.summary["run"]["posterior_fitted_to"] == "observed_2020"
    assert sorted(result.summary["run"]["kept_from_the_history"]) == ["insurgents.initial_fighters_iraq",
                                                                      "syria.free_fighters"]
    assert result.replicates["posterior_draw"].tolist() == [draw_index(3, i, posterior.weights) for i in (0, 1)]
