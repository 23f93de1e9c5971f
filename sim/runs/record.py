"""Run directories: written atomically, sealed by a manifest, read back with clear errors.

A run directory holds the resolved config, the tables, summary.json and the
plots, each written to a temporary name and renamed into place; manifest.json
is written last and lists the sha256 of every file, so a directory without a
readable manifest is an incomplete run and every command treats it as one.

A run is written only into a new (or empty) folder or into its own unfinished
run, while this process holds the folder's lock (`sim.runs.folders`), and is
resumed only under the fingerprint it was started with (`sim.runs.fingerprint`),
which the manifest records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
import pyarrow.parquet as pq
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.analysis.digest import COUNTS, monthly_totals
from sim.config.errors import ConfigError
from sim.config.load import to_run_config
from sim.config.schema import RunConfig
from sim.files import atomic_write_text, sha256_file
from sim.runs import folders
from sim.runs.checkpoints import Checkpoints
from sim.runs.fingerprint import fingerprint

MANIFEST = "manifest.json"
# Checkpoints of finished replicates while a run is under way; removed once it is sealed.
PARTIAL = ".partial"
CONFIG = "config.yaml"
SWEEP_FILE = "sweep.yaml"
FORMAT = "iraq-insurgency-sim run record"
FORMAT_VERSION = 1
# What Hydra writes into a run folder before the run itself starts: a folder holding only these
# (and the lock) is still a new folder.
HYDRA_FILES = (".hydra", "cli.log")
# The files a run writes, as patterns: only their cut-short temporary copies are ever cleared.
RUN_FILES = (CONFIG, MANIFEST, "*.csv", "*.parquet", "*.json", "*.png", f"{PARTIAL}/block-*.npz",
             f"{PARTIAL}/fingerprint")
# Settings that change how a run executes but never what it computes; kept out
# of config.yaml so that the same experiment gives the same file with any workers.
EXECUTION_KEYS = ("workers", "executor", "scheduler", "progress")


def config_yaml(cfg: RunConfig) -> str:
    """The resolved experiment config, without execution-only settings."""
    plain = dataclasses.asdict(cfg)
    for key in EXECUTION_KEYS:
        plain.pop(key)
    return OmegaConf.to_yaml(OmegaConf.create(plain))


def write_manifest(run_dir: Path, cfg: RunConfig, files: list[str]) -> dict:
    """Seal the run: hash every file and write manifest.json last, with the run's whole fingerprint."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario": cfg.scenario.name,
        "seed": cfg.seed,
        "replicates": cfg.replicates,
        "start": cfg.start,
        "end": cfg.end,
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **run_fingerprint(cfg),
        "config_sha256": sha256_file(run_dir / CONFIG),
        "execution": {"workers": cfg.workers, "command": sys.argv},
        "files": {name: sha256_file(run_dir / name) for name in sorted(files)},
    }
    atomic_write_text(run_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


@dataclass(frozen=True)
class RunRecord:
    """A complete run directory: its manifest and the config it was run with."""

    path: Path
    manifest: dict
    config: RunConfig


def run_fingerprint(cfg: RunConfig) -> dict:
    """What decides the numbers of a run of `cfg` (see `sim.runs.fingerprint`)."""
    return fingerprint(cfg, config_yaml(cfg))


def check_new_run_dir(run_dir: Path) -> None:
    """Refuse to write into a directory that already holds a run (complete or not)."""
    if (run_dir / MANIFEST).exists() or (run_dir / CONFIG).exists():
        raise ConfigError(
            f"'{run_dir}' already holds a run; runs are never overwritten. Choose another "
            "directory (out=PATH) or remove that one first."
        )


def is_incomplete(run_dir: Path) -> bool:
    """A run was started here (its config is written first) but never sealed by a manifest."""
    return (run_dir / CONFIG).exists() and not (run_dir / MANIFEST).exists()


def foreign_entries(folder: Path, own: Iterable[str] = HYDRA_FILES, written: Iterable[str] = RUN_FILES) -> list[str]:
    """What a folder holds besides its lock, the entries named in `own` and the temporary copies of
    the files a run (or sweep) writes (`written`, as patterns) that a kill left: someone else's files."""
    if not folder.is_dir():
        return []
    ours = {folders.LOCK, *own}
    top = [pattern for pattern in written if "/" not in pattern]
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in ours and not any(_leftover_of(p.name, pattern) for pattern in top))


def _leftover_of(name: str, pattern: str) -> bool:
    """Whether `name` is the temporary copy (`.NAME.tmp-PID`) of a file matching `pattern`."""
    stem, sep, pid = name.rpartition(".tmp-")
    return bool(sep) and pid.isdigit() and stem.startswith(".") and fnmatch.fnmatchcase(stem[1:], pattern)


def check_run_dir_usable(run_dir: Path, cfg: RunConfig) -> None:
    """A run may go into a new (or empty) directory, or resume an unfinished run of the very same
    fingerprint: the same config, code, libraries and data. Anything else is refused."""
    folders.check_not_dangling(run_dir)
    blocking = next((p for p in (run_dir, *run_dir.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"The run directory '{run_dir}' cannot be created: '{blocking}' is a file. Choose a "
                          "directory path for the run (out=PATH).")
    if (run_dir / MANIFEST).exists():
        check_new_run_dir(run_dir)
    if not is_incomplete(run_dir):
        _check_no_foreign_files(run_dir, "run", "out=PATH")
        return
    if (run_dir / CONFIG).read_text(encoding="utf-8") != config_yaml(cfg):
        raise ConfigError(
            f"'{run_dir}' holds an unfinished run of a different configuration; it can be resumed "
            f"only with the same settings (see its {CONFIG}). Choose another directory "
            "(out=PATH) for this run."
        )
    Checkpoints(run_dir / PARTIAL, run_fingerprint(cfg)).check()


def _check_no_foreign_files(folder: Path, what: str, choose: str) -> None:
    foreign = foreign_entries(folder)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ConfigError(
            f"'{folder}' exists and holds files that are not a {what}'s ({shown}); a {what} writes only into a "
            f"new or empty folder, or finishes its own unfinished {what} there. Choose another folder ({choose})."
        )


@contextmanager
def claimed_run_dir(run_dir: Path, cfg: RunConfig) -> Iterator[Path]:
    """Hold `run_dir` for a run of `cfg`: checked usable, created, locked against other processes."""
    with folders.claim(run_dir, "run", lambda path: check_run_dir_usable(path, cfg)) as path:
        yield path


def start_run(run_dir: Path, cfg: RunConfig):
    """Begin a run in `run_dir`, or pick up an interrupted run of the same fingerprint there.

    The config is written first, so an interrupted directory says what it was
    running; replicates finished before the interruption are kept as
    checkpoints and only the missing ones are run again. A complete run, an
    unfinished one of another fingerprint and a folder of other files are never
    touched. The caller holds the folder (`claimed_run_dir`).
    """
    check_run_dir_usable(run_dir, cfg)
    if not is_incomplete(run_dir):
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / CONFIG, config_yaml(cfg))
    remove_temporary_files(run_dir, RUN_FILES)
    return Checkpoints(run_dir / PARTIAL, run_fingerprint(cfg)).open()


def remove_temporary_files(folder: Path, patterns: Iterable[str]) -> None:
    """Leftovers of writes cut short by a kill: `.NAME.tmp-PID` beside a file that matches one of
    `patterns` (paths relative to `folder`, with wildcards). Only such leftovers of the files a run
    or sweep writes are removed; the files they were meant for are written again."""
    for pattern in patterns:
        where = PurePosixPath(pattern)
        leftover = f".{where.name}.tmp-*"
        for tmp in folder.glob(leftover if where.parent == PurePosixPath(".") else f"{where.parent}/{leftover}"):
            if _leftover_of(tmp.name, where.name) and tmp.is_file() and not tmp.is_symlink():
                tmp.unlink(missing_ok=True)


def find_incomplete_run(parent: Path, cfg: RunConfig) -> Path | None:
    """The newest unfinished run of exactly this config under `parent` that no other process is writing."""
    text = config_yaml(cfg)
    candidates = sorted((p for p in parent.glob("*") if p.is_dir() and is_incomplete(p)), reverse=True)
    for path in candidates:
        try:
            if (path / CONFIG).read_text(encoding="utf-8") == text and not folders.in_use(path):
                return path
        except OSError:
            continue
    return None


def load_run(run_dir: str | Path) -> RunRecord:
    """Read a complete run directory, or raise ConfigError saying what is wrong with it."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ConfigError(f"Run directory '{path}' does not exist (or is not a directory).")
    if (path / SWEEP_FILE).exists():
        raise ConfigError(
            f"'{path}' is a sweep (it has {SWEEP_FILE}), not a single run; this command reads runs written by "
            "`sim run`. A sweep point is an ordinary run: `sim run` with the point's overrides and seed (listed "
            f"in {SWEEP_FILE}) re-runs it into a run folder that `sim reproduce` verifies."
        )
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        if (path / CONFIG).exists():
            raise ConfigError(
                f"'{path}' is an incomplete run: it has no {MANIFEST}, so it was interrupted or is "
                "still running. Its files cannot be trusted; run the same command again (with "
                f"out={path}) to finish it from the replicates it saved."
            )
        raise ConfigError(
            f"'{path}' is not a run directory: it has neither {MANIFEST} nor {CONFIG}. Pass a folder "
            "written by `sim run`, such as outputs/<scenario>/<date-time>."
        )
    manifest = _read_manifest(manifest_path)
    for name in manifest["files"]:
        check_listed_file(path, name)
    config_path = path / CONFIG
    if not config_path.exists():
        raise ConfigError(f"'{path}' has a manifest but no {CONFIG}; the run record is damaged.")
    try:
        cfg = to_run_config(OmegaConf.load(config_path))
    except (OmegaConfBaseException, yaml.YAMLError, ConfigError) as err:
        changed = sha256_file(config_path) != manifest["config_sha256"]
        since = " and has changed since the run (its sha256 differs from the manifest's)" if changed else ""
        reason = " ".join(str(err).split())
        raise ConfigError(f"'{config_path}' cannot be read as the run's config{since}: {reason}") from None
    return RunRecord(path, manifest, cfg)


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(
            f"'{path}' is not a readable manifest ({err}); it may be truncated or corrupt, so the "
            "run cannot be trusted."
        ) from None
    required = ("format", "format_version", "seed", "replicates", "config_sha256", "files")
    missing = [k for k in required if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise ConfigError(f"'{path}' lacks {', '.join(missing)}; it is not a complete run manifest.")
    files = manifest["files"]
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ConfigError(f"'{path}' has a malformed 'files' entry (it must map file names to sha256 "
                          "digests); it is not a complete run manifest.")
    if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
        raise ConfigError(
            f"'{path}' is a run record of format '{manifest['format']}' version "
            f"{manifest['format_version']}; this version of the simulator reads '{FORMAT}' version "
            f"{FORMAT_VERSION} only."
        )
    return manifest


def check_listed_file(run_dir: Path, name: str) -> None:
    """A manifest may list only plain relative paths to regular files inside the run; anything else
    (an absolute path, '..', a folder, a link, a device) is refused before it is opened."""
    parts = PurePosixPath(name).parts
    plain = (name and "\\" not in name and "\0" not in name and not PurePosixPath(name).is_absolute()
             and "/".join(parts) == name and not any(p in (".", "..") for p in parts))
    full = run_dir / name
    problem = None if plain else "is not a plain relative path inside the run"
    if problem is None and os.path.lexists(full):
        mode = os.lstat(full).st_mode
        if not stat.S_ISREG(mode):
            problem = f"is not a regular file but {_kind(mode)}"
        elif not full.resolve().is_relative_to(run_dir.resolve()):
            problem = "lies outside the run folder"
    if problem:
        raise ConfigError(
            f"'{run_dir / MANIFEST}' lists '{name}', which {problem}; a run's manifest lists only the run's own "
            "files (such as events.csv). The record is damaged or was edited, so it cannot be verified."
        )


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a pipe"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((label for test, label in kinds if test(mode)), "not a file")


# Rows of the monthly table read at a time from a CSV file (a Parquet file is read a row group at a time).
CSV_ROWS_AT_A_TIME = 500_000


def table_file(run_dir: Path, name: str) -> Path:
    """A run's table `name` (replicates, monthly, monthly_state, events): its Parquet file where the run wrote
    one, else its CSV (runs from before Parquet, or written with csv only)."""
    parquet = Path(run_dir) / f"{name}.parquet"
    return parquet if parquet.exists() else Path(run_dir) / f"{name}.csv"


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    """A whole table of a run (for the small ones: replicates, summary tables)."""
    path = table_file(run_dir, name)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def read_monthly(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run's monthly table reduced as it is read, so that memory follows the replicates' count, not the
    table's rows: attacks, killed and wounded per replicate and month (every area together), and per month and
    area (every replicate together)."""
    path = table_file(run_dir, "monthly")
    if path.suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        pieces = (parquet.read_row_group(k).to_pandas() for k in range(parquet.num_row_groups))
    else:
        pieces = pd.read_csv(path, chunksize=CSV_ROWS_AT_A_TIME)
    totals, by_area = [], None
    for piece in pieces:
        totals.append(monthly_totals(piece))
        area = piece.groupby(["month", "area"], sort=True)[COUNTS].sum()
        by_area = area if by_area is None else by_area.add(area, fill_value=0)
    merged = pd.concat(totals, ignore_index=True).groupby(["replicate", "month"], sort=True)[COUNTS].sum()
    return merged.reset_index(), by_area.astype("int64").reset_index()

