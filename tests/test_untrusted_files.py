"""Scenario files and settings written to break the simulator: each refused in one paragraph, exit 2.

A scenario file is read before Hydra composes it, within limits (size, depth,
aliases once expanded), as a mapping of the schema's keys, and with its
includes followed so that a cycle is named; impulses have bounded amounts;
`sim list` lists what it can and names what it cannot; a setting given twice,
a seed outside the schema's range and `sim validate`'s own mistakes are
refused like every other bad input. Each case is one found by an adversarial
probe of the previous version (docs/reliability.md, "Nothing overwritten,
nothing phoned home, nothing unbounded").
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_reliability import assert_refused, call_cli

from sim.config.errors import ConfigError
from sim.config.load import compose_overrides
from sim.config.scenario_files import MAX_DEPTH, MAX_EXPANDED_NODES, MAX_FILE_BYTES
from sim.config.schema import IMPULSE_AMOUNTS

HEADER = "# @package _global_\n"
ALIAS_BOMB = HEADER + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefg"], "abcdefgh", strict=True))


def scenario_text(name: str, extra: str = "") -> str:
    return f"{HEADER}scenario:\n  name: {name}\n  description: a broken scenario\n{extra}"


def impulse(kind: str, amount: str, target: str = "") -> str:
    where = f", target: {target}" if target else ""
    return scenario_text("impulsive", f"timeline:\n  - date: '2027-01-01'\n    label: event\n    impulses: "
                                      f"[{{kind: {kind}, amount: {amount}{where}}}]\n")


@pytest.fixture(scope="module")
def scenario_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("scenarios") / "scenarios"
    shutil.copytree(Path(__file__).resolve().parents[1] / "scenarios", copy)
    return copy


@pytest.fixture
def scenarios(scenario_copy, tmp_path, monkeypatch) -> Path:
    """A private copy of the scenario folder, in use, and an empty working folder to show nothing is written."""
    folder = tmp_path / "scenarios"
    shutil.copytree(scenario_copy, folder)
    monkeypatch.setenv("SIM_SCENARIO_DIR", str(folder))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return folder


def write_bytes(folder: Path, name: str, data: bytes | str) -> None:
    path = folder / "scenario" / f"{name}.yaml"
    path.write_bytes(data.encode() if isinstance(data, str) else data)


BAD_FILES = [
    pytest.param({"selfie": scenario_text("selfie").replace(HEADER, HEADER + "defaults:\n  - selfie\n")},
                 "selfie", ["selfie.yaml", "includes itself", "selfie.yaml -> scenario/selfie.yaml"],
                 id="includes-itself"),
    pytest.param({"ping": scenario_text("ping").replace(HEADER, HEADER + "defaults:\n  - /scenario/pong\n"),
                  "pong": scenario_text("pong").replace(HEADER, HEADER + "defaults:\n  - ping\n")},
                 "ping", ["includes itself", "ping.yaml -> scenario/pong.yaml -> scenario/ping.yaml"],
                 id="two-include-each-other"),
    pytest.param({"latin": scenario_text("latin").encode().replace(b"broken", b"caf\xe9")},
                 "latin", ["latin.yaml", "not UTF-8"], id="not-utf8"),
    pytest.param({"listy": "- a\n- b\n"}, "listy", ["listy.yaml", "holds a list", "mapping"], id="top-level-list"),
    pytest.param({"deep": scenario_text("deep").replace("a broken scenario", "[" * 5000 + "]" * 5000)},
                 "deep", ["deep.yaml", f"more than {MAX_DEPTH} levels"], id="nested-5000-deep"),
    pytest.param({"colour": scenario_text("colour", "colour: blue\n")},
                 "colour", ["colour.yaml", "'colour'", "not a setting"], id="unknown-key"),
    pytest.param({"nested": scenario_text("nested", "model:\n  insurgents:\n    colour: 1\n")},
                 "nested", ["nested.yaml", "'model.insurgents.colour'", "attack_rate_per_day"],
                 id="unknown-nested-key"),
    pytest.param({"mapped": scenario_text("mapped", "timeline:\n  date: '2027-01-01'\n")},
                 "mapped", ["mapped.yaml", "'timeline'", "must be a list"], id="timeline-a-mapping"),
    pytest.param({"arrivals": impulse("arrivals", "1000000", "anbar_desert")},
                 "arrivals", ["impulsive.yaml", "'arrivals'", "1,000,000", "[0, 20,000] (persons)"],
                 id="arrivals-a-million"),
    pytest.param({"infinite": impulse("arrivals", ".inf", "anbar_desert")},
                 "infinite", ["'arrivals'", "amount inf", "(persons)"], id="arrivals-infinite"),
    pytest.param({"unknown_cash": impulse("reserves", ".nan")}, "unknown_cash", ["'reserves'", "amount nan", "(USD)"],
                 id="reserves-nan"),
    pytest.param({"rich": impulse("reserves", "+.inf")}, "rich", ["'reserves'", "amount inf", "(USD)"],
                 id="reserves-infinite"),
]


@pytest.mark.parametrize("files, name, words", BAD_FILES)
def test_a_broken_scenario_file_is_refused_naming_the_file_and_key(files, name, words, scenarios, capsys):
    for file_name, text in files.items():
        write_bytes(scenarios, file_name, text)
    code, _, err = call_cli(["run", f"scenario={name}", "replicates=2"], capsys)
    assert_refused(code, err, *words)
    assert list(Path.cwd().iterdir()) == []


def test_a_link_to_a_system_file_is_refused_as_not_a_scenario(scenarios, tmp_path, capsys):
    outside = tmp_path / "system.conf"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (scenarios / "scenario" / "linked.yaml").symlink_to(outside)
    code, _, err = call_cli(["run", "scenario=linked", "replicates=2"], capsys)
    assert_refused(code, err, "linked.yaml", "holds a str", "mapping")


@pytest.mark.parametrize("name, text, words", [
    pytest.param("bomb", ALIAS_BOMB, ["bomb.yaml", f"more than {MAX_EXPANDED_NODES:,} values", "aliases"],
                 id="alias-bomb"),
    pytest.param("big", scenario_text("big", "# " + "x" * (MAX_FILE_BYTES + 10) + "\n"),
                 ["big.yaml", f"larger than {MAX_FILE_BYTES:,} bytes"], id="over-the-size-limit"),
])
def test_a_file_too_big_to_compose_is_refused_at_once(name, text, words, scenarios, tmp_path):
    """In a child process with a time limit: before the limits, the alias bomb ran past 120 s and a 50 MB file
    gave no output for 200 s."""
    write_bytes(scenarios, name, text)
    done = subprocess.run([sys.executable, "-m", "sim", "run", f"scenario={name}", "replicates=2"], cwd=Path.cwd(),
                          capture_output=True, text=True, timeout=60)
    assert_refused(done.returncode, done.stderr, *words)
    assert list(Path.cwd().iterdir()) == []


def test_a_modest_use_of_aliases_is_still_read(scenarios):
    write_bytes(scenarios, "aliased", scenario_text("aliased", "timeline:\n  - &change {date: '2027-02-01', "
                                                               "label: calm, levels: {regional: calm}}\n"))
    assert compose_overrides(["scenario=aliased"]).scenario.name == "aliased"


@pytest.mark.parametrize("kind", [k for k, (_, (low, high), _) in IMPULSE_AMOUNTS.items() if high > low])
def test_each_impulse_kind_accepts_its_bounds_and_refuses_beyond_them(kind, scenarios):
    """The range of each kind is declared in the schema with its unit; its ends are accepted, just past refused."""
    unit, (low, high), _ = IMPULSE_AMOUNTS[kind]
    assert unit and math.isfinite(low) and math.isfinite(high)
    target = "anbar_desert" if kind == "arrivals" else ""
    write_bytes(scenarios, "edge", impulse(kind, repr(float(high)), target))
    compose_overrides(["scenario=edge", "end=2027-12-31"])
    write_bytes(scenarios, "beyond", impulse(kind, repr(float(high) * 1.01 + 1), target))
    with pytest.raises(ConfigError, match=f"'{kind}'.*outside its allowed range"):
        compose_overrides(["scenario=beyond", "end=2027-12-31"])


def test_sim_list_lists_the_good_scenarios_and_names_the_bad_files(scenarios, capsys):
    write_bytes(scenarios, "latin", scenario_text("latin").encode().replace(b"broken", b"caf\xe9"))
    write_bytes(scenarios, "listy", "- a\n")
    write_bytes(scenarios, "deep", scenario_text("deep").replace("a broken scenario", "[" * 5000 + "]" * 5000))
    write_bytes(scenarios, "selfie", scenario_text("selfie").replace(HEADER, HEADER + "defaults:\n  - selfie\n"))
    (scenarios / "scenario" / "linked.yaml").symlink_to("/etc/hostname" if Path("/etc/hostname").exists()
                                                         else scenarios / "scenario" / "listy.yaml")
    code, out, err = call_cli(["list"], capsys)
    assert_refused(code, err, "5 scenario file(s)", "latin", "listy", "deep", "selfie", "linked")
    listed = {line.strip() for line in out.splitlines() if line.startswith("  ") and not line.startswith("   ")}
    assert {"baseline", "worst_case", "syria_collapse", "full_exit"} <= listed
    assert not listed & {"latin", "listy", "deep", "selfie", "linked"}


@pytest.mark.parametrize("args, words", [
    pytest.param(["run", "replicates=2", "replicates=3"], ["'replicates' twice"], id="run"),
    pytest.param(["run", "out=a", "hydra.run.dir=b"], ["'hydra.run.dir' twice"], id="run-out-and-hydra-dir"),
    pytest.param(["compare", "a", "b", "window=2027-01-01:2027-12-31", "window=2028-01-01:2028-12-31"],
                 ["'window' twice"], id="compare"),
    pytest.param(["attribute", "baseline", "worst_case", "seed=1", "seed=2"], ["'seed' twice"], id="attribute"),
    pytest.param(["sweep", "syria=contained,collapse", "end=2027-12-31", "end=2028-12-31"], ["'end' twice"],
                 id="sweep-override"),
    pytest.param(["validate", "targets", "seed=1", "seed=2"], ["'seed' twice"], id="validate"),
])
def test_a_setting_given_twice_is_refused(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(args, capsys)
    assert_refused(code, err, *words, "give each setting once")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["backtest", "calibrate", "attribute baseline worst_case",
                                     "sweep drawdown_x_syria"])
@pytest.mark.parametrize("seed", ["-1", str(2 ** 64)])
def test_a_seed_outside_the_schema_range_is_refused_by_every_command(command, seed, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli([*command.split(), f"seed={seed}"], capsys)
    assert_refused(code, err, f"seed is {seed}", "outside its allowed range [0, 9223372036854775807]")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, words", [
    pytest.param([], ["required: report", "REPORT one of record, targets"], id="no-report"),
    pytest.param(["nosuch"], ["invalid choice: 'nosuch'"], id="unknown-report"),
    pytest.param(["targets", "seed=x"], ["argument seed: invalid int value: 'x'"], id="not-a-number"),
    pytest.param(["targets", "workers=0"], ["workers must be 1 or more"], id="zero-workers"),
    pytest.param(["targets", "colour=red"], ["unrecognized arguments: colour red", "seed=2024"], id="unknown-setting"),
])
def test_sim_validate_refuses_in_the_shared_style(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = call_cli(["validate", *args], capsys)
    assert_refused(code, err, "`sim validate`", *words)
    assert "usage:" not in err + out
    assert list(tmp_path.iterdir()) == []
