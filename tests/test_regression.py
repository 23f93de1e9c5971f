"""The pinned regression baseline (tests/baseline/regression.json): any change of results fails here until it
is accepted with `make baseline-update`, whose commit says why the numbers moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.regression import LIBRARIES, differences, summaries
from sim.runs.fingerprint import package_versions

BASELINE = Path(__file__).parent / "baseline" / "regression.json"


@pytest.fixture(scope="module")
def pinned() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def test_results_match_the_pinned_baseline(pinned):
    found = differences(pinned["runs"], summaries())
    versions = {k: (v, package_versions(LIBRARIES).get(k)) for k, v in pinned["versions"].items()
                if package_versions(LIBRARIES).get(k) != v}
    note = f" The libraries differ from the baseline's: {versions}." if versions else ""
    assert not found, (f"{len(found)} numbers differ from the pinned baseline, first: {found[:8]}.{note} If the "
                       "change is intended, run `make baseline-update` and say why in the commit message.")


def test_the_comparison_catches_a_change_in_a_count_or_a_rate():
    expected = {"a": [{"attacks": 10, "attacks_per_month": 1.25}]}
    assert differences(expected, {"a": [{"attacks": 10, "attacks_per_month": 1.25}]}) == []
    changed = {"a": [{"attacks": 11, "attacks_per_month": 1.25}]}
    assert differences(expected, changed) == ["/a[0]/attacks: 11 instead of 10"]
    assert differences(expected, {"a": [{"attacks": 10, "attacks_per_month": 1.25 * (1 + 1e-9)}]})
    assert differences(expected, {"a": []}) == ["/a: 0 entries instead of 1"]
