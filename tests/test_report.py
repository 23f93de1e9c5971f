"""`sim report`: one self-contained HTML file whose numbers and hashes are the records' own."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sim import cli
from sim.api import run
from sim.attribution.combinations import AttributionSettings, run_attribution
from sim.config.errors import ConfigError
from sim.files import sha256_file
from sim.report.build import write_report
from sim.sweeps.engine import Execution

from conftest import scenario

SHORT = ["history=none", "end=2022-04-30", "replicates=4", "seed=3"]
WINDOW = "2022-02-01:2022-04-30"
# Four figures per run, the distributions and the exceedance curves, the paired differences, the attribution.
FIGURES_OF_TWO_RUNS_AND_AN_ATTRIBUTION = 2 * 4 + 2 + 1 + 1


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    paths = {name: run(scenario(name, *SHORT)).save(root / name) for name in ("baseline", "iraq_alone")}
    paths["attribution"] = run_attribution("baseline", "iraq_alone", AttributionSettings(replicates=3, window=WINDOW),
                                           Execution(out=str(root / "attribution")), ["history=none"],
                                           progress=False)
    return paths


@pytest.fixture(scope="module")
def report(records, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    return write_report([records["baseline"], records["iraq_alone"], records["attribution"]], WINDOW, str(out))


def test_the_report_embeds_every_figure_and_asks_nothing_of_the_network(report):
    html = report.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == FIGURES_OF_TWO_RUNS_AND_AN_ATTRIBUTION
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(?!#|data:)', html)          # no file or address outside the report
    for heading in ("What was run", "Paired differences", "Attribution", "Parameters and their sources",
                    "Records and hashes"):
        assert heading in html


def test_the_report_lists_each_records_hashes(report, records):
    html = report.read_text(encoding="utf-8")
    for path in records.values():
        manifest = json.loads((path / "manifest.json").read_text())
        assert sha256_file(path / "manifest.json") in html
        assert all(digest in html for digest in manifest["files"].values())
    assert "sim reproduce" in html and "sim attribute baseline iraq_alone" in html


def test_the_paired_difference_is_the_one_the_monthly_tables_give(report, records):
    """February to April 2022 is 89 days, 89 / 30.4375 mean months; the difference is of the means."""
    import pandas as pd

    def mean_rate(run: str) -> float:
        monthly = pd.read_csv(records[run] / "monthly.csv")
        inside = monthly[monthly["month"].between("2022-02", "2022-04")]
        return inside.groupby("replicate")["attacks"].sum().mean() / (89 / 30.4375)

    html = report.read_text(encoding="utf-8")
    assert f"{mean_rate('iraq_alone') - mean_rate('baseline'):.2f}" in html
    assert "Paired differences: 2022-02-01 to 2022-04-30" in html


def test_every_parameter_appears_with_its_source_and_certainty(report):
    from sim.config.paths import all_fields

    html = report.read_text(encoding="utf-8")
    assert all(f"<td>{path}</td>" in html for path, _ in all_fields().items())
    assert "calibrated" in html and "qashta2025" in html


def test_the_same_records_give_the_same_bytes(report, records, tmp_path):
    again = write_report([records["baseline"], records["iraq_alone"], records["attribution"]], WINDOW,
                         str(tmp_path / "again.html"))
    assert again.read_bytes() == report.read_bytes()


def test_a_changed_table_or_a_window_outside_the_runs_is_refused(records, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(records["baseline"], copy)
    (copy / "monthly.csv").write_text("replicate,month,area,attacks\n")
    with pytest.raises(ConfigError, match="differs from the run's manifest"):
        write_report([copy], WINDOW, str(tmp_path / "r.html"))
    with pytest.raises(ConfigError, match="outside the horizon"):
        write_report([records["baseline"]], "2027-01-01:2027-12-31", str(tmp_path / "r.html"))
    assert not (tmp_path / "r.html").exists()


def test_one_run_on_the_command_line_writes_its_report_beside_it(records, tmp_path, monkeypatch, capsys):
    single = tmp_path / "single"
    shutil.copytree(records["baseline"], single)
    monkeypatch.chdir(tmp_path)
    cli.main(["report", str(single), f"window={WINDOW}"])
    assert "written to" in capsys.readouterr().out
    html = (tmp_path / "single.html").read_text(encoding="utf-8")
    assert "One run: there is nothing to pair." in html and html.count("<img ") == 4 + 2
