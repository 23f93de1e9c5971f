"""Run directories: written atomically, sealed by a manifest, read back with clear errors.

A run directory holds the resolved config, the tables, summary.json and the
plots, each written to a temporary name and renamed into place; manifest.json
is written last and lists the sha256 of every file, so a directory without a
readable manifest is an incomplete run and every command treats it as one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.errors import ConfigError
from sim.config.load import to_run_config
from sim.config.schema import RunConfig

MANIFEST = "manifest.json"
# Checkpoints of finished replicates while a run is under way; removed once it is sealed.
PARTIAL = ".partial"
CONFIG = "config.yaml"
FORMAT = "iraq-insurgency-sim run record"
FORMAT_VERSION = 1
# Settings that change how a run executes but never what it computes; kept out
# of config.yaml so that the same experiment gives the same file with any workers.
EXECUTION_KEYS = ("workers", "executor", "scheduler", "progress")
DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "matplotlib", "hydra-core", "omegaconf", "pyyaml")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush to disk, then rename into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def figure_png(fig) -> bytes:
    """PNG bytes with no timestamp or software tag, so the same figure gives the same bytes."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def config_yaml(cfg: RunConfig) -> str:
    """The resolved experiment config, without execution-only settings."""
    plain = dataclasses.asdict(cfg)
    for key in EXECUTION_KEYS:
        plain.pop(key)
    return OmegaConf.to_yaml(OmegaConf.create(plain))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions(names=DEPENDENCIES) -> dict[str, str]:
    out = {}
    for name in ("iraq-insurgency-sim", *names):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    """The project's commit when run from a git checkout, with '-dirty' if it has changes."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def write_manifest(run_dir: Path, cfg: RunConfig, files: list[str]) -> dict:
    """Seal the run: hash every file and write manifest.json last."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario": cfg.scenario.name,
        "seed": cfg.seed,
        "replicates": cfg.replicates,
        "start": cfg.start,
        "end": cfg.end,
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": package_versions(),
        "python": platform.python_version(),
        "git_commit": git_commit(),
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


def check_new_run_dir(run_dir: Path) -> None:
    """Refuse to write into a directory that already holds a run (complete or not)."""
    if (run_dir / MANIFEST).exists() or (run_dir / CONFIG).exists():
        raise ConfigError(
            f"'{run_dir}' already holds a run; runs are never overwritten. Choose another "
            "directory (hydra.run.dir=PATH) or remove that one first."
        )


def is_incomplete(run_dir: Path) -> bool:
    """A run was started here (its config is written first) but never sealed by a manifest."""
    return (run_dir / CONFIG).exists() and not (run_dir / MANIFEST).exists()


def check_run_dir_usable(run_dir: Path, cfg: RunConfig) -> None:
    """A run may go into a new directory, or resume an unfinished run of the very same config."""
    blocking = next((p for p in (run_dir, *run_dir.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"The run directory '{run_dir}' cannot be created: '{blocking}' is a file. Choose a "
                          "directory path for the run (hydra.run.dir=PATH).")
    if (run_dir / MANIFEST).exists():
        check_new_run_dir(run_dir)
    if is_incomplete(run_dir) and (run_dir / CONFIG).read_text(encoding="utf-8") != config_yaml(cfg):
        raise ConfigError(
            f"'{run_dir}' holds an unfinished run of a different configuration; it can be resumed "
            f"only with the same settings (see its {CONFIG}). Choose another directory "
            "(hydra.run.dir=PATH) for this run."
        )


def start_run(run_dir: Path, cfg: RunConfig):
    """Begin a run in `run_dir`, or pick up an interrupted run of the same config there.

    The config is written first, so an interrupted directory says what it was
    running; replicates finished before the interruption are kept as
    checkpoints and only the missing ones are run again. A complete run, or an
    unfinished one of another config, is never touched.
    """
    from sim.runs.checkpoints import Checkpoints

    text = config_yaml(cfg)
    check_run_dir_usable(run_dir, cfg)
    if not is_incomplete(run_dir):
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / CONFIG, text)
    remove_temporary_files(run_dir)
    return Checkpoints(run_dir / PARTIAL, sha256_text(text)).open()


def remove_temporary_files(run_dir: Path) -> None:
    """Leftovers of writes cut short by a kill, in any folder of a run or sweep (a sweep writes
    partitions and checkpoint blocks in subfolders); the files they were meant for are written again."""
    for tmp in run_dir.rglob(".*.tmp-*"):
        tmp.unlink(missing_ok=True)


def find_incomplete_run(parent: Path, cfg: RunConfig) -> Path | None:
    """The newest unfinished run of exactly this config under `parent`, if there is one."""
    text = config_yaml(cfg)
    candidates = sorted((p for p in parent.glob("*") if p.is_dir() and is_incomplete(p)), reverse=True)
    for path in candidates:
        try:
            if (path / CONFIG).read_text(encoding="utf-8") == text:
                return path
        except OSError:
            continue
    return None


def load_run(run_dir: str | Path) -> RunRecord:
    """Read a complete run directory, or raise ConfigError saying what is wrong with it."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ConfigError(f"Run directory '{path}' does not exist (or is not a directory).")
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        if (path / CONFIG).exists():
            raise ConfigError(
                f"'{path}' is an incomplete run: it has no {MANIFEST}, so it was interrupted or is "
                "still running. Its files cannot be trusted; run the same command again (with "
                f"hydra.run.dir={path}) to finish it from the replicates it saved."
            )
        raise ConfigError(
            f"'{path}' is not a run directory: it has neither {MANIFEST} nor {CONFIG}. Pass a folder "
            "written by `sim run`, such as outputs/<scenario>/<date-time>."
        )
    manifest = _read_manifest(manifest_path)
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
