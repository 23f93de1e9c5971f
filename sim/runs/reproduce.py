"""Re-run a recorded run from its config and seed, and compare every file's hash."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sim.runs import record


@dataclass
class Verification:
    """What `sim reproduce` found: files that match, differ, or are missing, and record problems."""

    matching: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.differing or self.missing or self.problems)


def check_record(rec: record.RunRecord) -> list[str]:
    """Inconsistencies between the manifest, the config and the files as they are on disk."""
    problems = []
    config_hash = record.sha256_file(rec.path / record.CONFIG)
    if config_hash != rec.manifest["config_sha256"]:
        problems.append(f"{record.CONFIG} has changed since the run (its sha256 differs from the manifest's)")
    if rec.manifest["seed"] != rec.config.seed:
        problems.append(f"the seed was changed: manifest says {rec.manifest['seed']}, "
                        f"{record.CONFIG} says {rec.config.seed}")
    if rec.manifest["replicates"] != rec.config.replicates:
        problems.append(f"the replicate count was changed: manifest says {rec.manifest['replicates']}, "
                        f"{record.CONFIG} says {rec.config.replicates}")
    for name, digest in sorted(rec.manifest["files"].items()):
        path = rec.path / name
        if not path.exists():
            problems.append(f"{name} is listed in the manifest but missing from the run directory")
        elif record.sha256_file(path) != digest:
            problems.append(f"{name} on disk differs from the hash recorded in the manifest")
    return problems


def reproduce(run_dir: str | Path, workers: int = 1, progress: bool = True) -> Verification:
    """Re-run the recorded experiment into a scratch folder and compare file by file."""
    from sim.api import EnsembleResult
    from sim.runs.ensemble import run_ensemble

    rec = record.load_run(run_dir)
    result = Verification(problems=check_record(rec))
    scratch = Path(tempfile.mkdtemp(prefix="sim-reproduce-"))
    try:
        outcomes = run_ensemble(rec.config, workers=workers, progress=progress)
        EnsembleResult(rec.config, outcomes).save(scratch / "run")
        for name, digest in sorted(rec.manifest["files"].items()):
            again = scratch / "run" / name
            if not again.exists():
                result.missing.append(name)
            elif record.sha256_file(again) == digest:
                result.matching.append(name)
            else:
                result.differing.append(name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result
