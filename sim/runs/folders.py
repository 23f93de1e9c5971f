"""Output folders that one process at a time writes: unique new names, a lock per folder, clear refusals.

Two commands started in the same second used to pick the same timestamped
folder, and two processes pointed at one folder wrote into each other's
files. Here a new folder is claimed by creating it (`mkdir` either creates a
folder or fails, for exactly one of several racing processes), and a process
writes into a folder only while it holds the folder's lock, an advisory lock
on `.lock` inside it (the `filelock` library). The lock is released when
the process ends, however it ends, so a killed run never leaves its folder
locked.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from sim.config.errors import ConfigError

LOCK = ".lock"
# Longest name of one folder (most file systems allow 255 bytes); the date-time suffix needs the rest.
MAX_NAME_BYTES = 200
TIMESTAMP = "%Y-%m-%d_%H-%M-%S"
# A name: letters, digits and . _ - + = @ , only, not starting with a dot.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_+=@,-][A-Za-z0-9_.+=@,-]*")

_held: dict[Path, FileLock] = {}


def plain_name(name: str, what: str) -> str:
    """`name` if it can name one folder (no path, no '..', not too long); else a ConfigError."""
    if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name) or len(name.encode()) > MAX_NAME_BYTES:
        shown = name if len(str(name)) <= 60 else f"{str(name)[:60]}... ({len(str(name))} characters)"
        raise ConfigError(
            f"{what} '{shown}' cannot name a folder: a name is at most {MAX_NAME_BYTES} characters of letters, "
            "digits and . _ - + = @ , and is not a path (no '/', no '..', not starting with a dot)."
        )
    return name


def new_folder(parent: Path, now: dt.datetime | None = None) -> Path:
    """Create and return a folder under `parent` named by the date and time, unique even between processes.

    When the name is taken (another run started in the same second), `_2`, `_3`, ... are tried;
    `mkdir` succeeds for one process only, so no two callers ever get the same folder.
    """
    stamp = (now or dt.datetime.now()).strftime(TIMESTAMP)
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        path = parent / (stamp if n == 1 else f"{stamp}_{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise ConfigError(f"'{parent}' has no free folder name for {stamp}; remove old folders there.")


def _lock_for(folder: Path) -> FileLock:
    """One lock object per folder in this process, so that a process can claim a folder it holds again."""
    key = folder.resolve() / LOCK
    if key not in _held:
        _held[key] = FileLock(str(key))
    return _held[key]


@contextmanager
def claim(folder: Path, what: str, check: Callable[[Path], None]) -> Iterator[Path]:
    """Hold `folder` for writing a `what` ("run", "sweep") for the duration of the block.

    `check(folder)` raises if the folder may not be written into (a finished run, someone else's
    files); it is called before the folder is created and again once the lock is held, since another
    process may have changed the folder in between.
    """
    check_not_dangling(folder)
    if in_use(folder):
        raise _busy(folder, what)
    check(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(folder)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise _busy(folder, what) from None
    try:
        check(folder)
        yield folder
    finally:
        lock.release()


def _busy(folder: Path, what: str) -> ConfigError:
    return ConfigError(f"'{folder}' is in use: another process is writing a {what} there right now (it holds "
                       f"{folder / LOCK}). Wait for that process to finish, or choose another folder.")


def in_use(folder: Path) -> bool:
    """Whether another process holds `folder` now (a live run or sweep, not an abandoned one)."""
    if not (folder / LOCK).exists():
        return False
    lock = _lock_for(folder)
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return True
    lock.release()
    return False


def check_not_dangling(folder: Path) -> None:
    """A symbolic link that leads nowhere cannot be written through; say so instead of failing later."""
    for path in (folder, *folder.parents):
        if path.is_symlink() and not path.exists():
            raise ConfigError(f"'{path}' is a symbolic link to '{os.readlink(path)}', which does not exist. "
                              "Create its target, remove the link, or choose another folder.")


# What each OS error means for the person running the command, and what to do about it.
_ADVICE = {
    errno.ENOSPC: "the disk is full. Free some space; the same command then finishes what was started "
                  "(a run keeps the replicates it saved)",
    errno.EDQUOT: "the disk quota is used up. Free some space; the same command then finishes what was started",
    errno.EACCES: "permission denied. Choose a folder you can write to, or change its permissions",
    errno.EPERM: "the operation is not permitted. Choose a folder you can write to",
    errno.EROFS: "the file system is read-only. Choose a folder on a writable disk",
    errno.ENAMETOOLONG: "a file or folder name is too long (most systems allow 255 bytes per name). "
                        "Choose a shorter name or folder",
    errno.ENOTDIR: "part of the path is a file, not a folder. Choose another folder",
    errno.EISDIR: "a folder stands where a file was expected",
    errno.ELOOP: "the path goes round in a loop of symbolic links",
    errno.ENOENT: "a file or folder it needs does not exist",
}


def describe_os_error(err: OSError) -> str:
    """One paragraph: what the system refused, on which path, and what to do."""
    where = f" '{err.filename}'" if err.filename else " a file"
    reason = err.strerror or str(err)
    advice = _ADVICE.get(err.errno, "check that path and try again")
    return f"The system refused to write or read{where}: {reason} (errno {err.errno}); {advice}."
