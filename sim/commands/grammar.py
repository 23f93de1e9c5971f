"""One grammar for every `sim` subcommand: names first, then KEY=VALUE settings.

    sim run scenario=full_exit replicates=50 workers=2
    sim sweep drawdown_x_syria replicates=20 workers=2 end=2027-12-31
    sim attribute baseline worst_case replicates=40 window=2027-01-01:2027-12-31
    sim compare outputs/baseline/A outputs/full_exit/B out=outputs/compare/ab

A KEY=VALUE is either one of the command's own settings or, for a command that
composes scenarios, a Hydra override of the config as `sim run` takes it
(`group=level`, `model.section.name=value`, `end=2027-12-31`). A command's
settings are declared once, as a typed dataclass, so a wrong type is refused
naming the setting, and the help lists them with their defaults. The same
thing has the same name in every command: `scenario`, `replicates`, `seed`,
`workers`, `executor`, `scheduler`, `window` (START:END), `out` (the folder
written).

The previous release's `--flag VALUE` forms are translated into this grammar
with a FutureWarning, for one release.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
import warnings
from dataclasses import dataclass

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.errors import ConfigError
from sim.config.schema import RunConfig

# A setting's key: a name with dots (model.insurgents.attack_rate_per_day); Hydra's + and ~ prefixes allowed.
KEY = re.compile(r"[+~]?[A-Za-z_][\w.]*")
HELP_FLAGS = ("-h", "--help")
# Settings with one meaning in every command, checked against the run schema's declared range.
SHARED_SETTINGS = ("seed", "replicates", "workers")
HELP_WIDTH, HELP_KEY_COLUMN = 100, 34


@dataclass(frozen=True)
class Command:
    """How one subcommand reads its arguments.

    `settings` are the dataclasses whose fields are its own settings; `overrides` says whether any
    other KEY=VALUE is a config override (else it is refused); `flags` maps the previous release's
    options to setting names (None: the option's value is itself a KEY=VALUE, as `--set` took), and
    `switches` its options without a value to the setting they turn on.
    """

    name: str
    usage: str
    summary: str
    settings: tuple[type, ...] = ()
    overrides: bool = False
    flags: dict[str, str | None] = dataclasses.field(default_factory=dict)
    switches: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass
class Parsed:
    """A command line read by a Command: its names, its typed settings (one per class) and overrides."""

    positional: list[str]
    settings: list
    overrides: list[str]
    # How the person wrote each setting given in the previous release's form (workers -> --workers), so
    # that a message about it uses their words.
    spelling: dict[str, str] = dataclasses.field(default_factory=dict)

    def setting(self, cls: type):
        """The settings of class `cls`."""
        return next(s for s in self.settings if isinstance(s, cls))

    def written(self, key: str) -> str:
        """A setting's name as the person wrote it: `--workers` for the old form, else `workers`."""
        return self.spelling.get(key, key)


def setting(default, help: str, **kwargs):
    """A dataclass field for a command setting, with the help text the command's help prints."""
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kwargs)
    return dataclasses.field(default=default, metadata={"help": help}, **kwargs)


def key_value(argument: str) -> tuple[str, str] | None:
    """(key, value) of a KEY=VALUE argument; None for a name or a path (a path may hold '=' after a '/')."""
    key, sep, value = argument.partition("=")
    return (key, value) if sep and KEY.fullmatch(key) else None


def parse(command: Command, args: list[str]) -> Parsed:
    """Read `args` as `command` takes them; raise ConfigError naming what is wrong and what is allowed.

    `-h` or `--help` prints the command's help and exits.
    """
    if wants_help(args):
        print(help_text(command))
        raise SystemExit(0)
    spelling = {key: flag for flag, key in command.flags.items() if key and flag in args}
    args = translate_flags(command, args)
    refuse_repeated(args, f"sim {command.name}")
    own = {f.name: cls for cls in command.settings for f in dataclasses.fields(cls)}
    positional, overrides = [], []
    given: dict[type, dict[str, str]] = {cls: {} for cls in command.settings}
    for argument in args:
        pair = key_value(argument)
        if pair is None:
            if argument.startswith("-"):
                raise ConfigError(unknown_option(command, argument))
            positional.append(argument)
        elif pair[0] in own:
            given[own[pair[0]]][pair[0]] = pair[1]
        elif command.overrides:
            overrides.append(argument)
        else:
            raise ConfigError(f"`sim {command.name}` has no setting '{pair[0]}'; its settings are: "
                              f"{', '.join(own) or 'none'}. Write them as KEY=VALUE.")
    parsed = Parsed(positional, [typed(cls, given[cls], command) for cls in command.settings], overrides, spelling)
    for settings in parsed.settings:
        check_shared_settings(settings, command, parsed.written)
    return parsed


def refuse_repeated(args: list[str], command: str) -> None:
    """A key given twice is refused: silently taking the last would hide a typing mistake."""
    seen: dict[str, str] = {}
    for argument in args:
        pair = key_value(argument)
        if pair is None:
            continue
        key = pair[0].lstrip("+~")
        if key in seen:
            raise ConfigError(f"`{command}` was given '{key}' twice ({seen[key]} and {argument}); give each setting "
                              "once.")
        seen[key] = argument


def typed(cls: type, values: dict[str, str], command: Command):
    """An instance of `cls` with the given text values converted to its fields' types (OmegaConf converts
    and refuses, as it does for config overrides)."""
    try:
        node = OmegaConf.merge(OmegaConf.structured(cls), values)
        return OmegaConf.to_object(node)
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", "") or "a setting"
        reason = " ".join(str(err).strip().splitlines()[0].split())
        kind = next((str(f.type).split("|")[0].strip() for f in dataclasses.fields(cls) if f.name == key), "")
        raise ConfigError(f"`sim {command.name}`: {key}={values.get(key, '')!s} is an invalid {kind} value "
                          f"({reason}). {settings_help(command)}") from None


def check_shared_settings(settings, command: Command, written=lambda key: key) -> None:
    """`seed`, `replicates` and `workers` mean the same in every command, so every command takes them in the
    range the run's schema declares (a seed above 2^63 - 1 or below 0 cannot seed a run)."""
    declared = {f.name: f for f in dataclasses.fields(RunConfig)}
    for name in SHARED_SETTINGS:
        value = getattr(settings, name, None)
        if value is None:
            continue
        low, high = declared[name].metadata["bounds"]
        if not low <= value <= high:
            unit = declared[name].metadata["unit"]
            raise ConfigError(f"`sim {command.name}`: {written(name)} is {value}, outside its allowed range "
                              f"[{low}, {high}]{f' ({unit})' if unit else ''}: the {declared[name].metadata['help']}.")


def translate_flags(command: Command, args: list[str]) -> list[str]:
    """The previous release's `--flag VALUE` and `--switch` forms rewritten as KEY=VALUE, each with a warning."""
    out = []
    k = 0
    while k < len(args):
        argument = args[k]
        name, inline, value = argument.partition("=")
        if argument.startswith("--") and name in command.switches:
            new = f"{command.switches[name]}=true"
            _deprecated(command, argument, new)
            out.append(new)
            k += 1
            continue
        if not argument.startswith("--") or name not in command.flags:
            out.append(argument)
            k += 1
            continue
        if not inline:
            if k + 1 >= len(args):
                raise ConfigError(f"'{name}' needs a value; write it as {command.flags[name] or 'KEY'}=VALUE.")
            value = args[k + 1]
        key = command.flags[name]
        new = value if key is None else f"{key}{value}" if key.endswith(".") else f"{key}={value}"
        _deprecated(command, f"{name} {value}", new)
        out.append(new)
        k += 1 if inline else 2
    return out


def _deprecated(command: Command, old: str, new: str) -> None:
    warnings.warn(f"`sim {command.name} {old}` is the previous release's form; write `{new}`. The old form works "
                  "until the next release.", FutureWarning, stacklevel=4)


def unknown_option(command: Command, option: str) -> str:
    """The message for an option the command does not take."""
    return (f"`sim {command.name}` does not take '{option}'; settings are written KEY=VALUE. "
            f"{settings_help(command)}")


def settings_help(command: Command) -> str:
    """One sentence listing the command's settings with their defaults."""
    parts = [f"{f.name}={_shown(f)}" for cls in command.settings for f in dataclasses.fields(cls)]
    text = f"Its settings (with their defaults): {', '.join(parts)}." if parts else "It has no settings."
    if command.overrides:
        text += " Any other KEY=VALUE overrides the scenario's config, as `sim run` takes it."
    return text


def _shown(f: dataclasses.Field) -> str:
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
    if isinstance(default, bool):
        return str(default).lower()
    return "" if default is None else str(default)


def help_text(command: Command) -> str:
    """The command's help: usage, what it does, and every setting with its default and meaning."""
    lines = [f"usage: {command.usage}", "", textwrap.fill(command.summary, width=HELP_WIDTH), ""]
    for cls in command.settings:
        for f in dataclasses.fields(cls):
            lines.append(setting_line(f.name, _short(_shown(f)), f.metadata.get("help", "")))
    if command.overrides:
        lines += ["", "Any other KEY=VALUE overrides the scenario's config as `sim run` takes it: group=level,",
                  "model.SECTION.NAME=VALUE, branch.SECTION.NAME=VALUE, start=..., end=... (see `sim list`)."]
    return "\n".join(lines)


def setting_line(key: str, default: str, meaning: str) -> str:
    """'  key=default   meaning': the meaning wrapped under itself where it is longer than the line."""
    head = f"  {key}={default}".ljust(HELP_KEY_COLUMN)
    if len(head) > HELP_KEY_COLUMN:
        head += "\n" + " " * HELP_KEY_COLUMN
    lines = textwrap.wrap(meaning, width=HELP_WIDTH - HELP_KEY_COLUMN - 1, break_on_hyphens=False)
    return (head + " " + ("\n" + " " * (HELP_KEY_COLUMN + 1)).join(lines)).rstrip()


def _short(default: str) -> str:
    """A long default (a list of eight parameters) shown by its first item."""
    return default if len(default) <= HELP_KEY_COLUMN - 8 else default.split(",")[0] + ",..."


def wants_help(args: list[str]) -> bool:
    """Whether the arguments ask for the command's help."""
    return any(arg in HELP_FLAGS for arg in args)
