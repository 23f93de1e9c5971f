"""The one command grammar: KEY=VALUE settings typed by their declaration, overrides passed on, old flags
translated with a warning, and help that lists every setting."""

from __future__ import annotations

import re

import pytest

from sim import cli
from sim.attribution.combinations import AttributionSettings
from sim.commands.grammar import key_value, parse
from sim.commands.records import COMPARE, CompareSettings
from sim.commands.sweeps import ATTRIBUTE, SENSITIVITY, SWEEP, SweepSettings
from sim.config.errors import ConfigError
from sim.defaults import ATTRIBUTION_REPLICATES, COMPARISON_WINDOW, DEFAULT_SEED
from sim.sensitivity.indices import SensitivitySettings
from sim.sweeps.engine import Execution
from sim.sweeps.spec import axes_and_fixed


def test_settings_are_typed_and_other_keys_are_overrides():
    parsed = parse(ATTRIBUTE, ["baseline", "worst_case", "replicates=12", "workers=2", "syria=collapse",
                               "model.insurgents.attack_rate_per_day=0.02"])
    assert parsed.positional == ["baseline", "worst_case"]
    settings = parsed.setting(AttributionSettings)
    assert settings.replicates == 12 and isinstance(settings.replicates, int)
    assert parsed.setting(Execution).workers == 2
    assert parsed.overrides == ["syria=collapse", "model.insurgents.attack_rate_per_day=0.02"]


def test_defaults_come_from_the_defaults_module():
    parsed = parse(ATTRIBUTE, ["a", "b"])
    settings = parsed.setting(AttributionSettings)
    assert (settings.replicates, settings.seed) == (ATTRIBUTION_REPLICATES, DEFAULT_SEED)
    assert settings.window == ":".join(COMPARISON_WINDOW)
    assert parse(SENSITIVITY, []).setting(SensitivitySettings).seed == DEFAULT_SEED


def test_a_value_of_the_wrong_type_names_the_setting():
    with pytest.raises(ConfigError) as info:
        parse(SWEEP, ["drawdown_x_syria", "replicates=many"])
    assert "replicates=many" in str(info.value) and "Integer" in str(info.value)


def test_a_command_without_overrides_refuses_unknown_keys_and_lists_its_settings():
    with pytest.raises(ConfigError) as info:
        parse(COMPARE, ["runs/a", "replicates=4"])
    assert "no setting 'replicates'" in str(info.value) and "window, out" in str(info.value)


def test_a_path_holding_an_equals_sign_is_a_name_not_a_setting():
    assert key_value("outputs/sweeps/x/point=0001") is None
    assert key_value("model.insurgents.attack_rate_per_day=0.1") == ("model.insurgents.attack_rate_per_day", "0.1")
    assert parse(COMPARE, ["outputs/a=b", "out=x"]).positional == ["outputs/a=b"]


def test_the_previous_flags_are_translated_with_a_warning():
    with pytest.warns(FutureWarning, match="write `replicates=3`"):
        parsed = parse(SWEEP, ["drawdown_x_syria", "--replicates", "3", "--set=end=2027-12-31",
                               "--axis", "syria=contained,collapse", "--out", "here"])
    assert parsed.setting(SweepSettings).replicates == 3
    assert parsed.setting(Execution).out == "here"
    assert parsed.overrides == ["end=2027-12-31", "syria=contained,collapse"]
    with pytest.warns(FutureWarning):
        sensitivity = parse(SENSITIVITY, ["--range", "insurgents.attack_rate_per_day=0.01:0.02", "--samples", "4"])
    assert sensitivity.overrides == ["range.insurgents.attack_rate_per_day=0.01:0.02"]
    with pytest.warns(FutureWarning):
        assert parse(COMPARE, ["a", "b", "--window", "2027-01-01:2027-06-30"]).setting(CompareSettings).window \
            == "2027-01-01:2027-06-30"


def test_a_list_of_values_is_an_axis_and_a_single_value_is_fixed():
    axes, fixed = axes_and_fixed(["syria=contained,collapse", "end=2027-12-31", "seed=range(1,4)"])
    assert axes == {"syria": ["contained", "collapse"], "seed": ["1", "2", "3"]}
    assert fixed == ["end=2027-12-31"]
    with pytest.raises(ConfigError, match="interval"):
        axes_and_fixed(["model.insurgents.attack_rate_per_day=interval(0.1,0.2)"])


@pytest.mark.parametrize("command, words", [
    ("compare", ["window=forecast", "out="]),
    ("report", ["window=forecast", "out=", "<run folder>.html"]),
    ("calibrate", ["particles=1000", "replicates=2", "epsilon_fall=0.02", "origin=", "workers=1"]),
    ("backtest", ["replicates=200", "workers=1"]),
    ("validate", ["replicates=", "seed=2024", "record, targets"]),
    ("attribute", ["outcome=attacks_per_month", f"replicates={ATTRIBUTION_REPLICATES}", "workers=1"]),
    ("sweep", ["replicates=", "executor=local", "axis"]),
    ("sensitivity", ["method=morris", "samples=8", "range.PARAM"]),
    ("reproduce", ["workers=1"]),
    ("explore", ["port=", "open=false"]),
])
def test_every_command_lists_its_settings_with_their_defaults(command, words, capsys):
    text = help_of(command, capsys)
    for word in words:
        assert word in text


def help_of(command: str, capsys) -> str:
    """What `sim COMMAND --help` prints (some commands exit after it, `sim run` and `sim list` return)."""
    try:
        cli.main([command, "--help"])
    except SystemExit as stop:
        assert stop.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", cli.SUBCOMMANDS)
def test_every_settings_line_of_every_help_says_what_the_setting_does(command, capsys):
    lines = help_of(command, capsys).splitlines()
    assert lines[0].startswith("usage: sim ")
    settings = [k for k, line in enumerate(lines) if re.match(r"  [a-z_.]+=", line)]
    assert settings or command == "list"
    for k in settings:
        following = lines[k + 1].split(None, 1) if k + 1 < len(lines) else []
        meaning = lines[k].split(None, 1)[1:] or following
        assert meaning and not re.match(r"[a-z_.]+=", meaning[0]), f"no meaning for {lines[k].strip()}"


def test_sim_run_help_fits_one_screen_names_out_and_dumps_no_config(capsys):
    text = help_of("run", capsys)
    lines = text.splitlines()
    assert len(lines) <= 40 and max(len(line) for line in lines) <= 100
    assert re.search(r"^  out=\s+the run's folder", text, re.M)
    for key in ("scenario=baseline", f"seed={DEFAULT_SEED}", "replicates=", "workers=", "end=", "show="):
        assert f"  {key}" in text
    assert "Powered by Hydra" not in text and "initial_fighters_iraq" not in text      # no banner, no config
