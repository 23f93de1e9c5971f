"""Reading scenario files safely, and checking each one Hydra will compose before it does.

Hydra reads YAML without limits: a file of 50 MB, an alias bomb (nine lines that
expand to billions of nodes), a value nested thousands of levels deep or a file
that includes itself through its `defaults` hang or crash it (RecursionError),
and a key the schema lacks is reported without the file that holds it. So every
file a composition can read is first read here: at most `MAX_FILE_BYTES`, UTF-8,
nested at most `MAX_DEPTH` levels, at most `MAX_EXPANDED_NODES` nodes once
aliases are expanded (counted on the parser's events, before anything is built),
a mapping whose keys the schema declares, and no include cycle. A mistake is one
paragraph naming the file and the key. Files are checked once per content.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from sim.config.determinants import DETERMINANTS, GROUP_SECTIONS, NO_CHANGE, level_package
from sim.config.errors import ConfigError
from sim.config.schema import RunConfig

# The largest project file (events/observed.yaml) is about 8 KB and nests 5 levels, without aliases.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_EXPANDED_NODES = 100_000
PACKAGE = re.compile(r"#\s*@package\s+(\S+)")
# Keys a file may hold besides the schema's: Hydra's own.
HYDRA_KEYS = {"defaults", "hydra"}

_checked: dict[tuple[Path, int, int], Any] = {}


def read_yaml(path: Path, what: str = "The scenario file", shown: Path | None = None) -> Any:
    """The YAML document in `path`, read within the limits above; a ConfigError names the file (as `shown`, if
    given) and the problem."""
    shown = shown or path
    text = read_text(path, what, shown)
    _check_shape(text, shown, what)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(describe_yaml_error(err, shown)) from None


def describe_yaml_error(err: yaml.YAMLError, path: Path | None = None) -> str:
    """Name the file and line of a YAML mistake in a scenario file."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    name = path if path is not None else mark.name if mark else None
    where = f"'{name}'" if name else "a scenario file"
    if mark:
        where += f", line {mark.line + 1}, column {mark.column + 1}"
    return f"{where} is not valid YAML: {problem}. Fix that file (indentation and quotes are the usual culprits)."


def read_text(path: Path, what: str = "The scenario file", shown: Path | None = None) -> str:
    """A scenario file's text: a regular file of at most MAX_FILE_BYTES, in UTF-8 (else a ConfigError)."""
    shown = shown or path
    try:
        if not path.is_file():
            raise ConfigError(f"{what} '{shown}' is not a regular file (a folder, device or broken link); a scenario "
                              "file is a plain YAML file.")
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{what} '{shown}' cannot be read: {err.strerror or err}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{what} '{shown}' is larger than {MAX_FILE_BYTES:,} bytes, the most a scenario file may "
                          "hold (the project's largest is about 8 KB); it is not read.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{what} '{shown}' is not UTF-8 text (byte {err.start} is {data[err.start]:#04x}); save it "
                          "as UTF-8.") from None


def _check_shape(text: str, path: Path, what: str) -> None:
    """Depth and expanded size, counted on the parser's events (the parser keeps its own stack, so a deep
    document cannot exhaust Python's), before any node is built."""
    sizes: dict[str, int] = {}
    open_counts: list[list] = [[0, None]]          # per open collection: nodes so far, its anchor
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                open_counts.append([1, event.anchor])
                if len(open_counts) - 1 > MAX_DEPTH:
                    raise ConfigError(f"{what} '{path}' nests more than {MAX_DEPTH} levels deep (line "
                                      f"{event.start_mark.line + 1}); a scenario file needs a handful.")
            elif isinstance(event, yaml.CollectionEndEvent):
                count, anchor = open_counts.pop()
                open_counts[-1][0] += count
                if anchor:
                    sizes[anchor] = count
            elif isinstance(event, yaml.ScalarEvent):
                open_counts[-1][0] += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                open_counts[-1][0] += sizes.get(event.anchor, 1)
            if sum(count for count, _ in open_counts) > MAX_EXPANDED_NODES:
                raise ConfigError(f"{what} '{path}' expands to more than {MAX_EXPANDED_NODES:,} values once its "
                                  "aliases (*name) are filled in, far more than a scenario needs; it is not read.")
    except yaml.YAMLError as err:
        raise ConfigError(describe_yaml_error(err, path)) from None


def checked_file(path: Path, root: Path) -> Any:
    """A file Hydra composes, read and checked against the schema (once per path, size and time of change)."""
    stat = path.stat() if path.is_file() else None
    key = (path, stat.st_size, stat.st_mtime_ns) if stat else None
    if key in _checked:
        return _checked[key]
    where = path.relative_to(root) if path.is_relative_to(root) else path
    data = read_yaml(path, shown=where)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"The scenario file '{where}' holds a {type(data).__name__}; a scenario file is a mapping "
                          "of settings (key: value lines), such as `scenario: {name: ..., description: ...}`.")
    header = _header(path)
    _check_level_header(path, root, header, where)
    schema = _package_schema(path, root, header)
    if schema is not None:
        _check_keys(data or {}, schema, "", where)
    if key is not None:
        _checked[key] = data
    return data


def _check_level_header(path: Path, root: Path, header: str | None, where: Path) -> None:
    """A determinant's level file places its values where the determinant's declaration says its levels act."""
    group = path.parent.name if path.parent.parent == root else ""
    if group in GROUP_SECTIONS and header != level_package(group):
        found = f"'# @package {header}'" if header else "no '# @package' line"
        raise ConfigError(f"The level file '{where}' has {found}; the levels of {group} set the section "
                          f"{GROUP_SECTIONS[group]} from the branch date (sim/config/determinants.py), so its first "
                          f"line must be '# @package {level_package(group)}'.")


def _header(path: Path) -> str | None:
    """The `# @package NAME` line of a file, if it has one (Hydra reads it from the file's start)."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        for line in stream.read(512).splitlines():
            match = PACKAGE.match(line.strip())
            if match:
                return match.group(1)
    return None


def _package_schema(path: Path, root: Path, package: str | None) -> type | None:
    """The schema class the file's content lands in: RunConfig for `_global_`, else the node its package names
    (by default its group's path); None where the package is not a node of the schema."""
    if package is None:
        package = ".".join(path.relative_to(root).parent.parts) if path.is_relative_to(root) else ""
    node: type = RunConfig
    for part in ("" if package == "_global_" else package).split("."):
        if not part:
            continue
        f = {f.name: f for f in dataclasses.fields(node)}.get(part)
        child = _default_of(f) if f is not None else None
        if not dataclasses.is_dataclass(child):
            return None
        node = type(child)
    return node


def _default_of(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _check_keys(data: dict, schema: type, prefix: str, where: Path) -> None:
    fields = {f.name: f for f in dataclasses.fields(schema)}
    for key, value in data.items():
        if not prefix and key in HYDRA_KEYS:
            continue
        f = fields.get(key)
        if f is None:
            raise ConfigError(f"The scenario file '{where}' sets '{prefix}{key}', which is not a setting of the "
                              f"simulator; the settings of '{prefix.rstrip('.') or 'a run'}' are: "
                              f"{', '.join(sorted(fields))}. Parameters are listed in docs/parameters.md.")
        child = _default_of(f)
        if dataclasses.is_dataclass(child):
            if not isinstance(value, dict):
                raise ConfigError(f"The scenario file '{where}' sets '{prefix}{key}' to {_shown(value)}; it is a "
                                  f"group of settings, written as a mapping ({', '.join(sorted(_names(child)))}).")
            _check_keys(value, type(child), f"{prefix}{key}.", where)
        elif isinstance(child, list) and not isinstance(value, list | None):
            raise ConfigError(f"The scenario file '{where}' sets '{prefix}{key}' to {_shown(value)}; it must be a "
                              f"list (each entry on a line starting with '- '): {f.metadata.get('help', '')}.")


def _names(obj: Any) -> Iterable[str]:
    return (f.name for f in dataclasses.fields(obj))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


def check_composition(root: Path, choices: dict[str, str]) -> None:
    """Check the primary config and every file the composition may read: each group's default option, the
    option chosen on the command line (`choices`, group -> option) and what the chosen scenario's defaults
    name, following includes and naming any cycle."""
    primary = root / "config.yaml"
    config = checked_file(primary, root) or {}
    defaults = [*_defaults(config, primary, root), *((group, NO_CHANGE) for group in DETERMINANTS)]
    options: dict[str, set[str]] = {}
    for group, option in defaults:
        options.setdefault(group, set()).add(option)
    for group, option in choices.items():
        options.setdefault(group, set()).add(option)
    for scenario in sorted(options.get("scenario", ())):
        for group, option in _walk(root / "scenario" / f"{scenario}.yaml", root, ()):
            options.setdefault(group, set()).add(option)
    for group, names in options.items():
        for name in names:
            path = root / group / f"{name}.yaml"
            if group != "scenario" and _plain(name) and path.exists():
                checked_file(path, root)


def _walk(path: Path, root: Path, chain: tuple[Path, ...]) -> list[tuple[str, str]]:
    """The (group, option) overrides a file's defaults name, its includes followed; a cycle is refused."""
    if path in chain:
        loop = " -> ".join(str(p.relative_to(root)) for p in (*chain[chain.index(path):], path))
        raise ConfigError(f"The scenario file '{chain[-1].relative_to(root)}' includes itself through its defaults "
                          f"({loop}); Hydra would follow that circle for ever. Remove one of those entries.")
    if not path.is_file() and not path.is_symlink():
        return []                          # Hydra names a missing file itself
    data = checked_file(path, root) or {}
    found = []
    for group, option in _defaults(data, path, root):
        found.append((group, option))
    for target in _includes(data, path, root):
        found += _walk(target, root, (*chain, path))
    return found


def _defaults(data: dict, path: Path, root: Path) -> list[tuple[str, str]]:
    """(group, option) of each `group: option` entry of a file's defaults list (overrides included)."""
    entries = data.get("defaults") or []
    if not isinstance(entries, list):
        raise ConfigError(f"The scenario file '{path.relative_to(root)}' has 'defaults' that is not a list; write "
                          "each entry on a line starting with '- '.")
    found = []
    for entry in entries:
        for key, option in (entry.items() if isinstance(entry, dict) else ()):
            group = _entry_name(str(key)).strip("/")
            if isinstance(option, str) and group and not group.startswith("hydra"):
                found.append((group, option))
    return found


def _includes(data: dict, path: Path, root: Path) -> list[Path]:
    """The files a defaults list includes by name (`- other`, `- /group/name`), where Hydra would look for them."""
    found = []
    for entry in data.get("defaults") or []:
        if isinstance(entry, str) and entry != "_self_":
            name = _entry_name(entry)
            base = root if name.startswith("/") else path.parent
            found.append(base / f"{name.strip('/')}.yaml")
        elif isinstance(entry, dict):
            for key, option in entry.items():
                if not str(key).startswith("override") and isinstance(option, str) and _plain(option):
                    name = _entry_name(str(key))
                    base = root if name.startswith("/") else path.parent
                    found.append(base / name.strip("/") / f"{option}.yaml")
    return found


def _entry_name(text: str) -> str:
    """A defaults entry's config path without its keywords (override, optional) and package (@...)."""
    words = text.split()
    return (words[-1] if words else "").partition("@")[0]


def _plain(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_][\w.-]*", name))
