"""Where the commands that read records (compare, report, calibrate, backtest) write, and what they never touch.

They follow the rule runs follow (sim/runs/folders.py): a command writes into a new folder or file of its
own, never over a file it did not make, and never into a run, sweep or attribution record; the place is
checked before anything is written. `force=true` lets a command replace its own files (by name) in a
folder the person names, never inside a record. A command's files are written only once everything is
computed, and taken back if the command stops before all of them are there, so that an interrupted
command leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.config.errors import ConfigError
from sim.files import sha256_file
from sim.runs import folders, record

FORCE_HELP = "replace this command's own files where out= names existing ones (never inside a run or sweep)"
# Files that only a run record has beside its config (explorer saves have no .hydra).
RUN_CONTENTS = (".hydra", "replicates.csv", record.PARTIAL)


def is_record(folder: Path) -> bool:
    """Whether `folder` is a run, sweep or attribution record, finished or not."""
    if (folder / record.SWEEP_FILE).exists() or (folder / record.PARTIAL).exists():
        return True
    if (folder / record.CONFIG).is_file() and any((folder / name).exists() for name in RUN_CONTENTS):
        return True
    try:
        manifest = json.loads((folder / record.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith("iraq-insurgency-sim")


def record_around(path: Path) -> Path | None:
    """The record that `path` is or lies inside, if any."""
    resolved = path.resolve()
    return next((folder for folder in (resolved, *resolved.parents) if folder.is_dir() and is_record(folder)), None)


def refuse_record(path: Path, shown: Path | None = None, setting: str = "out") -> None:
    """A record is never written into, whatever the options (`shown`: the path as `setting`= gave it)."""
    holder = record_around(path)
    if holder is not None:
        raise ConfigError(f"{setting}={shown or path} lies inside the record '{holder}' (a run, sweep or "
                          "attribution); records are never written into, not even with force=true. Choose a place "
                          "outside it.")


def first_missing(path: Path) -> Path | None:
    """The outermost folder of `path`'s parents that does not exist yet (what writing there would create)."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    return missing[-1] if missing else None


def remove_if_empty(folder: Path | None) -> None:
    """Remove a folder a command created, where it holds no file (an interrupted or refused write)."""
    if folder is not None and folder.is_dir() and not any(p.is_file() for p in folder.rglob("*")):
        shutil.rmtree(folder, ignore_errors=True)


def output_folder(given: str, command: str, own_files: tuple[str, ...], force: bool) -> Path | None:
    """The folder `out=` names, checked: new or empty, or (with force=true) a folder that is not a record whose
    files of `own_files`' names may be replaced. None when out= is not given (the caller makes a new folder)."""
    if not given:
        return None
    path = Path(given)
    folders.check_not_dangling(path)
    refuse_record(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"out={path} is a file; `sim {command}` writes a folder of files ({', '.join(own_files)}).")
    present = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    if present and not force:
        shown = ", ".join(present[:5]) + (f" and {len(present) - 5} more" if len(present) > 5 else "")
        raise ConfigError(f"out={path} already holds files ({shown}); `sim {command}` writes into a new or empty "
                          f"folder and never over files it did not make. Choose another folder, or give force=true "
                          f"to replace its own files there ({', '.join(own_files)}).")
    not_files = [name for name in own_files if (path / name).exists() and not (path / name).is_file()]
    if not_files:
        raise ConfigError(f"out={path} holds {', '.join(not_files)}, which is not a file; choose another folder.")
    return path


def output_file(given: str, command: str, force: bool) -> Path | None:
    """The file `out=` names, checked: new, or (with force=true) an existing file outside any record. None when
    out= is not given."""
    if not given:
        return None
    path = Path(given)
    folders.check_not_dangling(path)
    refuse_record(path.parent, shown=path)
    if path.is_dir():
        raise ConfigError(f"out={path} is a folder; give the file's name, such as out=report.html.")
    if path.exists() and not force:
        raise ConfigError(f"out={path} already exists; `sim {command}` never writes over a file it did not make. "
                          "Choose another name, or give force=true to replace it.")
    if path.exists() and not path.is_file():
        raise ConfigError(f"out={path} is not a plain file; choose another name.")
    return path


def free_file(stem: Path, suffix: str) -> Path:
    """`stem` + suffix, or the first of stem_2, stem_3, ... that does not exist yet."""
    path, k = stem.with_name(stem.name + suffix), 2
    while path.exists() or path.is_symlink():
        path, k = stem.with_name(f"{stem.name}_{k}{suffix}"), k + 1
    return path


def link_new(written: Path, target: Path) -> bool:
    """Give the finished file `written` the name `target` only if no file has it: a hard link fails when the
    name was taken meanwhile (by another process), so nothing is ever written over. False if it was taken."""
    try:
        os.link(written, target)
    except FileExistsError:
        return False
    except OSError:                  # a file system without hard links: claim the name exclusively, then fill it
        try:
            with open(target, "xb"):
                pass
        except FileExistsError:
            return False
        os.replace(written, target)
        return True
    written.unlink()
    return True


def write_into_new(given: Path | None, parent: Path, names: tuple[str, ...], write: Callable[[Path], None]) -> Path:
    """Write a command's files (`write(folder)`) into the folder out= gave, or else into a new folder under
    `parent`: all of them or none, and a folder made here and left empty is removed again."""
    out = given or folders.new_folder(parent)
    try:
        with all_or_nothing(out, names):
            write(out)
    except BaseException:
        if not given:
            remove_if_empty(out)
        raise
    return out


@contextlib.contextmanager
def all_or_nothing(folder: Path, names: tuple[str, ...]) -> Iterator[None]:
    """Write a command's files into `folder`; if the block stops before the end (an error, Ctrl-C), the files
    of these names that it wrote are removed again, and the folder too when this block made it."""
    made = not folder.exists()
    before = {name: sha256_file(folder / name) for name in names if (folder / name).is_file()}
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for name in names:
            path = folder / name
            if path.is_file() and before.get(name) != sha256_file(path):
                path.unlink()
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        raise


@contextlib.contextmanager
def emptied_on_failure(folder: Path) -> Iterator[None]:
    """For a folder that is new or empty: if the block stops before the end, what it wrote there is removed
    again, and the folder too when it did not exist before."""
    made = not folder.exists()
    try:
        yield
    except BaseException:
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.is_dir():
            for entry in folder.iterdir():
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        raise
