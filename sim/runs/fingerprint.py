"""A run's fingerprint: everything that decides its numbers, so that results are never mixed.

The same config and seed give the same numbers only with the same model code,
the same libraries and the same data files. The fingerprint names each of
them: the resolved config's sha256, the sha256 of the package's source (so an
uncommitted edit counts) beside the git commit, the versions of Python and the
libraries that draw or compute, and the sha256 of every data file the run
reads. A run resumes only on an identical fingerprint, the manifest records it,
and `sim reproduce` compares it with the present one part by part.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sim.config.schema import POSTERIOR_MODES, RunConfig

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# Libraries whose version can change what a run computes or writes.
DEPENDENCIES = ("mesa", "numpy", "numba", "llvmlite", "scipy", "pandas", "matplotlib", "hydra-core", "omegaconf",
                "pyyaml")
# Data files every run reads (the geography builds the model; the targets enter summary.json and the
# fan chart), and those a run with parameters=posterior reads as well.
DATA_FILES = ("geography.yaml", "targets.yaml")
POSTERIOR_FILES = ("posterior.csv", "posterior.yaml")
# The parts, in the order a difference is reported.
PARTS = ("config_sha256", "source_sha256", "git_commit", "python", "versions", "data_files")


def package_versions(names=DEPENDENCIES) -> dict[str, str]:
    out = {}
    for name in ("iraq-insurgency-sim", *names):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The project's commit when run from a git checkout, with '-dirty' if it has changes."""
    root = PACKAGE_ROOT.parent
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


@lru_cache(maxsize=1)
def source_sha256() -> str:
    """One sha256 over every Python file of the package, by relative path and content."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def data_hashes(cfg: RunConfig) -> dict[str, str]:
    """sha256 of each data file the run reads, by its path in the package."""
    names = DATA_FILES + (POSTERIOR_FILES if cfg.parameters in POSTERIOR_MODES else ())
    data = resources.files("sim.data")
    return {f"sim/data/{name}": hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest() for name in names}


def fingerprint(cfg: RunConfig, config_text: str, dependencies=DEPENDENCIES) -> dict:
    """Every part that decides the numbers of a run of `cfg`, whose config.yaml reads `config_text`."""
    return {
        "config_sha256": hashlib.sha256(config_text.encode("utf-8")).hexdigest(),
        "source_sha256": source_sha256(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "versions": package_versions(dependencies),
        "data_files": data_hashes(cfg),
    }


def differences(then: dict, now: dict) -> list[str]:
    """What changed between two fingerprints, one phrase per part (each library and file by name)."""
    out = []
    for part in PARTS:
        old, new = then.get(part), now.get(part)
        if old == new:
            continue
        if part in ("versions", "data_files") and isinstance(old, dict) and isinstance(new, dict):
            out += [_changed_entry(part, name, old.get(name), new.get(name))
                    for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
        elif old is None and part not in then:
            out.append(f"{_LABELS[part]} was not recorded")
        else:
            out.append(f"{_LABELS[part]} was {_short(old)}, is now {_short(new)}")
    return out


_LABELS = {
    "config_sha256": "the config (sha256)",
    "source_sha256": "the package's source code (sha256 of sim/)",
    "git_commit": "the git commit",
    "python": "Python",
    "versions": "the library versions",
    "data_files": "the data files read",
}


def _short(value) -> str:
    text = str(value)
    return text[:12] if len(text) == 64 else text


def _changed_entry(part: str, name: str, old, new) -> str:
    if part == "versions":
        return f"{name} was {old or 'not recorded'}, is now {new or 'not installed'}"
    if old is None:
        return f"{name} is read now but was not then"
    if new is None:
        return f"{name} was read then but is not now"
    return f"{name} has changed (sha256 {_short(old)} then, {_short(new)} now)"
