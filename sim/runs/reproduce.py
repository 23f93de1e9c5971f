"""Re-run a recorded run from its config and seed, and compare every file's hash.

Before anything is re-run, the record is checked against itself (the config,
seed and files against the manifest) and against the present (the code,
libraries and data files against the fingerprint the manifest recorded), so
that a difference is reported with its likely cause. The re-run happens only
when the config is the one the run was made with: with any other, it could
only ever differ.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sim.files import sha256_file
from sim.runs import fingerprint, record
from sim.runs.result import run_into

FIGURE_SUFFIX = ".png"


@dataclass
class Verification:
    """What `sim reproduce` found: record problems, what changed since the run, and file by file results."""

    matching: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    config_matches: bool = True
    rerun: bool = False

    @property
    def ok(self) -> bool:
        return self.rerun and not (self.differing or self.missing or self.problems)

    @property
    def differing_data(self) -> list[str]:
        """Tables and summary: these hold the numbers."""
        return [n for n in self.differing if not n.endswith(FIGURE_SUFFIX)]

    @property
    def differing_figures(self) -> list[str]:
        """Rendered plots: their bytes also depend on the plotting library and fonts."""
        return [n for n in self.differing if n.endswith(FIGURE_SUFFIX)]


def check_record(rec: record.RunRecord) -> list[str]:
    """Inconsistencies between the manifest, the config and the files as they are on disk."""
    problems = []
    config_hash = sha256_file(rec.path / record.CONFIG)
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
        elif sha256_file(path) != digest:
            problems.append(f"{name} on disk differs from the hash recorded in the manifest")
    return problems


def environment_changes(rec: record.RunRecord) -> list[str]:
    """What decides the numbers and is not the same now as when the run was made: the code, each
    library whose version differs, each data file whose hash differs (the config is checked apart)."""
    now = record.run_fingerprint(rec.config)
    now.pop("config_sha256")
    then = {part: rec.manifest[part] for part in now if part in rec.manifest}
    return fingerprint.differences(then, now)


def verify_record(run_dir: str | Path) -> tuple[record.RunRecord, Verification]:
    """Check the record and compare its fingerprint with the present one, without re-running anything."""
    rec = record.load_run(run_dir)
    problems = check_record(rec)
    matches = (sha256_file(rec.path / record.CONFIG) == rec.manifest["config_sha256"]
               and rec.manifest["seed"] == rec.config.seed and rec.manifest["replicates"] == rec.config.replicates)
    return rec, Verification(problems=problems, changes=environment_changes(rec), config_matches=matches)


def rerun(rec: record.RunRecord, result: Verification, workers: int = 1, progress: bool = True) -> Verification:
    """Re-run the recorded experiment into a scratch folder and compare file by file."""
    scratch = Path(tempfile.mkdtemp(prefix="sim-reproduce-"))
    try:
        run_into(rec.config, scratch / "run", workers=workers, progress=progress)
        for name, digest in sorted(rec.manifest["files"].items()):
            again = scratch / "run" / name
            if not again.exists():
                result.missing.append(name)
            elif sha256_file(again) == digest:
                result.matching.append(name)
            else:
                result.differing.append(name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.rerun = True
    return result


def reproduce(run_dir: str | Path, workers: int = 1, progress: bool = True) -> Verification:
    """Check the record, then re-run it and compare every file, if its config is the one it was run with."""
    rec, result = verify_record(run_dir)
    return rerun(rec, result, workers, progress) if result.config_matches else result
