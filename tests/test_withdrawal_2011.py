"""The 2011-withdrawal history and the record of 2012-2014: the files say what their sources say, in the
project's formats, and keep outcomes out of the inputs and the record out of the fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.config.resolve import parse_date

from conftest import scenario

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "scenarios/events/withdrawal_2011.yaml"
RECORD = ROOT / "sim/data/record_2012_2014.yaml"
GRADES = ("confirmed", "date estimated", "size estimated", "weakly sourced")


@pytest.fixture(scope="module")
def cfg():
    return scenario("baseline", "history=withdrawal_2011", "end=2014-12-31")


@pytest.fixture(scope="module")
def record() -> dict:
    return yaml.safe_load(RECORD.read_text(encoding="utf-8"))


def in_force_on_start(cfg, path: str):
    """The value a parameter has on the start date: the last change dated on or before it that sets it."""
    start = parse_date(cfg.start, "start")
    values = [c.params[path] for c in cfg.changes if parse_date(c.date, "date") <= start and path in c.params]
    return values[-1] if values else None


def test_the_run_starts_after_the_exit_with_no_coalition_left_in_iraq(cfg):
    """The last US forces left on 18 December 2011 and no ISR stayed: the exit, dated before the start,
    is in force on the first day."""
    assert cfg.start == "2012-01-01" and cfg.branch_date == "2015-01-01"
    assert in_force_on_start(cfg, "coalition.bases") == {}
    assert in_force_on_start(cfg, "coalition.over_the_horizon_isr") == 0.0


def test_the_outcomes_to_check_are_not_inputs(cfg):
    """Fallujah and Mosul fell to IS in 2014; no dated change may place fighters in their areas, or the
    check of territorial control would read back an input."""
    placed = {i.target for c in cfg.changes for i in c.impulses if i.kind == "arrivals"}
    assert placed and not placed & {"anbar_euphrates", "mosul"}


def test_every_change_has_a_source_and_a_confidence_grade_that_agrees_with_estimated(cfg):
    """Each change is preceded by `# confidence: GRADE`; a date or a size estimated is marked estimated,
    a confirmed change is not."""
    text = EVENTS.read_text(encoding="utf-8")
    grades = re.findall(r"#\s*confidence:\s*(.+)\n\s*- date:", text)
    changes = yaml.safe_load(text)["changes"]
    assert len(grades) == len(changes)
    for grade, change in zip(grades, changes, strict=True):
        assert grade.strip() in GRADES, (change["date"], grade)
        assert change.get("source", "").strip(), change["date"]
        if grade.strip() in ("date estimated", "size estimated"):
            assert change.get("estimated") is True, change["date"]
        if grade.strip() == "confirmed":
            assert not change.get("estimated"), change["date"]
    assert all(c.source for c in cfg.changes if c.origin == "history")


def test_iraq_body_count_months_add_up_to_the_years_published_with_them(record):
    """IBC's table of 1 January 2015 gives months and years together: 4,622 for 2012, 9,742 (9,743 in its
    text) for 2013, 17,049 for 2014."""
    ibc = record["civilian_deaths_ibc"]
    months = ibc["monthly"]["civilian_deaths"]
    by_year = {year: sum(v for k, v in months.items() if k.startswith(year)) for year in ("2012", "2013", "2014")}
    same_day = {r["year"]: r["civilian_deaths"] for r in ibc["revisions"] if str(r["published"]) == "2015-01-01"}
    assert by_year["2012"] == next(y["civilian_deaths"] for y in ibc["yearly"] if y["id"] == "ibc_2012")
    assert abs(by_year["2013"] - same_day[2013]) <= 1
    assert by_year["2014"] == same_day[2014]


def test_unami_months_of_2013_add_up_to_its_year(record):
    """UNAMI gave 7,818 civilians killed and 17,981 injured for 2013; its months must sum to both."""
    unami = record["civilian_casualties_unami"]
    year = next(y for y in unami["yearly"] if y["id"] == "unami_2013")
    months = [v for k, v in unami["monthly"]["civilians"].items() if k.startswith("2013")]
    assert len(months) == 12
    assert sum(m["killed"] for m in months) == year["civilians_killed"]
    assert sum(m["injured"] for m in months) == year["civilians_injured"]


def figures(node):
    """Every record entry that carries an id."""
    if isinstance(node, dict):
        if "id" in node:
            yield node
        for value in node.values():
            yield from figures(value)
    elif isinstance(node, list):
        for value in node:
            yield from figures(value)


def test_every_figure_of_the_record_is_a_check_or_context_with_a_source(record):
    """Nothing in the record of 2012-2014 is a calibration target or an input."""
    entries = list(figures(record))
    assert len({e["id"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["role"] in ("check", "context"), entry["id"]
        assert str(entry.get("source", "")).strip(), entry["id"]


def test_the_calibration_never_reads_the_record_of_2012_2014():
    readers = [p for p in (ROOT / "sim").rglob("*.py") if RECORD.name in p.read_text(encoding="utf-8")]
    assert not [p for p in readers if "calibration" in p.parts]
