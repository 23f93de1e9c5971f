"""The pinned regression baseline: short runs of a few scenarios, summarised, checked in and compared.

A determinism test compares a run with itself, so a change of the model that
changes results passes it. This baseline fails the suite on any change of
results until the change is accepted on purpose:

    make baseline-update        # python -m sim.regression write tests/baseline/regression.json

rewrites it, and the commit that does so says why the numbers moved. Runs are
bit for bit, so counts must match exactly and derived rates to a relative
1e-12 (the only slack is for printing floats); the libraries that compute are
recorded beside the numbers, so a failure on other versions says so.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from sim.api import load_scenario, run
from sim.commands.errors import fail
from sim.config.errors import ConfigError
from sim.defaults import DEFAULT_SEED
from sim.files import atomic_write_text
from sim.runs.fingerprint import package_versions

# Short runs that pass through every mechanism: the observed history from 2022, and each scenario's levels
# from mid-2022 on (the branch moved forward so that a half year shows them).
RUNS = {
    "baseline": ("baseline", []),
    "worst_case": ("worst_case", []),
    "best_case": ("best_case", []),
    "syria_collapse": ("syria_collapse", []),
}
SHARED = ["branch_date=2022-07-01", "end=2022-12-31", "replicates=6", f"seed={DEFAULT_SEED}", "progress=false",
          "plots=false"]
RELATIVE_TOLERANCE = 1e-12
BASELINE_FILE = Path("tests/baseline/regression.json")
LIBRARIES = ("numpy", "scipy", "pandas", "mesa")


def summaries() -> dict:
    """Each run's replicate rows and its attacks per month summed over replicates."""
    out = {}
    for key, (name, overrides) in RUNS.items():
        result = run(load_scenario(name, [*SHARED, *overrides]))
        monthly = result.monthly.groupby("month")["attacks"].sum()
        out[key] = {"overrides": [f"scenario={name}", *SHARED, *overrides],
                    "replicates": json.loads(result.replicates.to_json(orient="records")),
                    "attacks_by_month": {str(m): int(v) for m, v in monthly.items()}}
    return out


def baseline_document() -> dict:
    """The file's contents: the summaries and the versions that made them."""
    return {"about": "Regression baseline: refresh only on purpose with `make baseline-update`, and say why in "
                     "the commit message.",
            "versions": package_versions(LIBRARIES), "runs": summaries()}


def differences(expected, actual, where: str = "") -> list[str]:
    """Every place where `actual` departs from `expected`: counts exactly, floats beyond the tolerance."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{where}/{k}: missing" for k in expected if k not in actual]
        out += [f"{where}/{k}: not in the baseline" for k in actual if k not in expected]
        for k in expected.keys() & actual.keys():
            out += differences(expected[k], actual[k], f"{where}/{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} entries instead of {len(expected)}"]
        pairs = enumerate(zip(expected, actual, strict=True))
        return [d for k, (e, a) in pairs for d in differences(e, a, f"{where}[{k}]")]
    if isinstance(expected, float) or isinstance(actual, float):
        same = isinstance(actual, int | float) and math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE,
                                                               abs_tol=0.0)
        return [] if same else [f"{where}: {actual!r} instead of {expected!r}"]
    return [] if expected == actual else [f"{where}: {actual!r} instead of {expected!r}"]


def main(argv: list[str] | None = None) -> None:
    """`python -m sim.regression write [FILE]`: run the baseline's scenarios and write the file."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "write" or len(args) > 2:
        print("usage: python -m sim.regression write [FILE]   (make baseline-update)", file=sys.stderr)
        raise SystemExit(2)
    path = Path(args[1]) if len(args) > 1 else BASELINE_FILE
    try:
        document = baseline_document()
    except ConfigError as err:
        fail(str(err))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"written {path}")


if __name__ == "__main__":
    main()
