"""Run every point and replicate of a sweep through one executor, resumably.

The sweep directory is started by writing `sweep.yaml` (the resolved points
and their seeds); finished blocks of replicates are checkpointed as they come
in, a point's Parquet partition is written once the point is complete, and
`manifest.json` seals the sweep last. Killed at any moment and started again
with the same command, a sweep runs only the replicates that are missing, and
its final files are identical to those of an uninterrupted sweep. It resumes
only under the same fingerprint (spec, code, libraries, data files), and only
one process at a time writes into a sweep's folder.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from sim.analysis import sweep as sweep_analysis
from sim.analysis.targets import reference_rate_2024
from sim.config.errors import ConfigError
from sim.files import atomic_write_bytes, atomic_write_text, csv_text, figure_png, sha256_file, sha256_text
from sim.model import ReplicateOutcome
from sim.runs import folders, record
from sim.runs.checkpoints import Checkpoints
from sim.runs.ensemble import announce_duration, progress_bar
from sim.runs.executors import Block, ExecutionSettings, execute, split
from sim.runs.fingerprint import DEPENDENCIES as RUN_DEPENDENCIES
from sim.runs.fingerprint import data_hashes, fingerprint
from sim.sweeps import dataset
from sim.sweeps.spec import SweepPoint, SweepSpec, sweep_points

SWEEP_FILE = record.SWEEP_FILE
FORMAT = "iraq-insurgency-sim sweep"
FORMAT_VERSION = 1
DEPENDENCIES = (*RUN_DEPENDENCIES, "pyarrow", "dask", "distributed", "SALib")
# The files a sweep writes, as patterns: only their cut-short temporary copies are ever cleared.
SWEEP_FILES = (SWEEP_FILE, record.MANIFEST, "*.csv", "*.png", f"{record.PARTIAL}/fingerprint",
               f"{record.PARTIAL}/point=*/block-*.npz", f"{record.PARTIAL}/point=*/fingerprint",
               *(f"{name}/point=*/{dataset.PART}" for name in dataset.DATASETS))


@dataclass
class Execution(ExecutionSettings):
    """Where and how a sweep's replicates run, and where it is written; its numbers depend on none of it."""

    out: str = field(default="", metadata={"help": "the folder written (default: a new one under outputs/)"})


def sweep_yaml(spec: SweepSpec, points: list[SweepPoint]) -> str:
    """The resolved sweep: its spec and every point's overrides and seed."""
    plain = spec.as_dict()
    plain["points"] = [{"point": p.index, "values": p.values, "seed": p.seed} for p in points]
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True)


def sweep_fingerprint(points: list[SweepPoint], text: str) -> dict:
    """What decides a sweep's numbers: its resolved spec, the code, libraries and every data file its points read."""
    made_with = fingerprint(points[0].config, text, DEPENDENCIES)
    for cfg in {p.config.parameters: p.config for p in points}.values():
        made_with["data_files"].update(data_hashes(cfg))
    return made_with


def check_sweep_folder(out: Path, text: str, made_with: dict) -> None:
    """A sweep goes into a new or empty folder, or resumes an unfinished sweep of the same fingerprint."""
    if (out / record.MANIFEST).exists():
        raise ConfigError(f"'{out}' already holds a finished sweep; sweeps are never overwritten. Choose "
                          "another directory (out=DIR) or remove that one first.")
    if not (out / SWEEP_FILE).exists():
        if record.foreign_entries(out, own=(), written=SWEEP_FILES):
            raise ConfigError(f"'{out}' exists and is not a sweep directory; choose a new or empty directory.")
        return
    if (out / SWEEP_FILE).read_text(encoding="utf-8") != text:
        raise ConfigError(f"'{out}' holds an unfinished sweep of a different spec (see its {SWEEP_FILE}); "
                          "it can be resumed only with the same sweep. Choose another directory.")
    Checkpoints(out / record.PARTIAL, made_with, "sweep").check()


def start_sweep(out: Path, text: str, made_with: dict) -> Checkpoints:
    """Begin a sweep in `out`, or resume an unfinished sweep of the same fingerprint; never touch a finished
    one. The caller holds the folder."""
    check_sweep_folder(out, text, made_with)
    if (out / SWEEP_FILE).exists():
        record.remove_temporary_files(out, SWEEP_FILES)
    else:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / SWEEP_FILE, text)
    return Checkpoints(out / record.PARTIAL, made_with, "sweep").open()


def find_unfinished_sweep(parent: Path, text: str) -> Path | None:
    """The newest unfinished sweep with exactly this spec under `parent` that no other process is running."""
    for path in sorted((p for p in parent.glob("*") if p.is_dir()), reverse=True):
        marker = path / SWEEP_FILE
        if (marker.exists() and not (path / record.MANIFEST).exists() and marker.read_text(encoding="utf-8") == text
                and not folders.in_use(path)):
            return path
    return None


def sweep_folder(given: str | None, parent: Path, text: str) -> Path:
    """The folder asked for; else the newest unfinished sweep of this spec under `parent`, so that the
    same command resumes it; else a new folder named by the date and time, unique between processes."""
    if given:
        return Path(given)
    unfinished = find_unfinished_sweep(parent, text)
    if unfinished is not None:
        print(f"found an unfinished run of the same settings in {unfinished}; resuming it")
        return unfinished
    return folders.new_folder(parent)


def run_sweep(spec: SweepSpec, out: Path, *, executor: str = "local", workers: int = 1, scheduler: str = "",
              progress: bool = True, points: list[SweepPoint] | None = None,
              on_point: Callable[[int], None] | None = None,
              analysis: Callable[[pd.DataFrame], dict[str, bytes]] | None = None) -> Path:
    """Run (or finish) the sweep into `out` and seal it; returns `out`.

    `analysis` turns the replicate dataset into the files written beside it
    (by default the grid's summary table and figures). The folder is locked
    while the sweep runs.
    """
    points = sweep_points(spec, progress) if points is None else points
    text = sweep_yaml(spec, points)
    made_with = sweep_fingerprint(points, text)
    with folders.claim(out, "sweep", lambda path: check_sweep_folder(path, text, made_with)):
        sweep_marker = start_sweep(out, text, made_with)
        if progress and points:
            announce_duration(f"{spec.name}: {len(points)} points", points[0].config,
                              len(points) * spec.replicates, workers)
        _run_points(spec, out, points, executor, workers, scheduler, progress, on_point)
        reps = dataset.read_dataset(out, "replicates")
        files = (analysis or (lambda r: grid_analysis(r, spec)))(reps)
        seal_sweep(out, spec, points, files, made_with)
        sweep_marker.remove()
    return out


def _run_points(spec: SweepSpec, out: Path, points: list[SweepPoint], executor: str, workers: int, scheduler: str,
                progress: bool, on_point: Callable[[int], None] | None) -> None:
    """Run every replicate not yet saved and write each point's partition as soon as it is complete."""
    reference = reference_rate_2024()
    partial = out / record.PARTIAL
    stores: dict[int, Checkpoints] = {}
    results: dict[int, dict[int, ReplicateOutcome]] = {}
    blocks = []
    for point in points:
        folder = partial / f"point={point.index:04d}"
        if dataset.point_done(out, point.index):
            if folder.exists():      # killed after writing the point's partition, before removing its checkpoints
                shutil.rmtree(folder)
            continue
        store = Checkpoints(folder, {"config_sha256": sha256_text(record.config_yaml(point.config))})
        stores[point.index] = store.open()
        results[point.index] = store.completed()
        todo = [i for i in range(spec.replicates) if i not in results[point.index]]
        blocks += [Block(point.index, point.config, b) for b in split(todo, workers)]
    total = len(points) * spec.replicates
    done_now = sum(len(r) for r in results.values()) + (len(points) - len(results)) * spec.replicates
    bar = progress_bar(total, f"sweep {spec.name}", progress, initial=done_now)
    finished = len(points) - len(results)
    bar.set_postfix_str(f"points {finished}/{len(points)}")

    def finish_point(k: int) -> None:
        nonlocal finished
        outcomes = [results[k][i] for i in range(spec.replicates)]
        dataset.write_point(out, k, dataset.point_tables(points[k], outcomes, spec.window, reference))
        stores[k].remove()
        del results[k]
        finished += 1
        bar.set_postfix_str(f"points {finished}/{len(points)}")
        if on_point is not None:
            on_point(k)

    def collect(block: Block, pairs: list[tuple[int, ReplicateOutcome]]) -> None:
        stores[block.key].save(pairs)
        results[block.key].update(pairs)
        bar.update(len(pairs))
        if len(results[block.key]) == spec.replicates:
            finish_point(block.key)

    try:
        for k in [k for k, r in results.items() if len(r) == spec.replicates]:
            finish_point(k)          # every replicate was checkpointed before an interruption
        execute(blocks, collect, executor=executor, workers=workers, scheduler=scheduler)
    finally:
        bar.close()


def grid_analysis(reps: pd.DataFrame, spec: SweepSpec) -> dict[str, bytes]:
    """The summary table per point and the figures comparing points."""
    axes = [k.split(".")[-1] for k in spec.axes]
    summary = sweep_analysis.point_summary(reps, axes)
    files = {"summary.csv": csv_text(summary).encode("utf-8")}
    for name, fig in sweep_analysis.sweep_figures(reps, summary, axes, spec, reference_rate_2024()).items():
        files[name] = figure_png(fig)
    return files


def seal_sweep(out: Path, spec: SweepSpec, points: list[SweepPoint], outputs: dict[str, bytes],
               made_with: dict) -> None:
    """Write the analysis files, then the manifest over every file and the sweep's fingerprint, last."""
    record.remove_temporary_files(out, outputs)
    for name, data in outputs.items():
        atomic_write_bytes(out / name, data)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                   if p.is_file() and p.name not in (record.MANIFEST, folders.LOCK) and record.PARTIAL not in p.parts)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "sweep": spec.name, "seed": spec.seed,
        "replicates": spec.replicates, "points": len(points),
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **{k: v for k, v in made_with.items() if k != "config_sha256"},
        "sweep_sha256": sha256_file(out / SWEEP_FILE),
        "command": sys.argv, "files": {name: sha256_file(out / name) for name in files},
    }
    atomic_write_text(out / record.MANIFEST, json.dumps(manifest, indent=2) + "\n")
