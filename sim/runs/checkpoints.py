"""Completed replicates of an unfinished run, kept so that a restart runs only what is missing.

Each finished block of replicates is saved as one `.npz` file (plain arrays,
no pickles), written to a temporary name and renamed, so a kill at any moment
leaves either the whole block or nothing of it. The folder also records the
fingerprint of the run it belongs to (its config, code, libraries and data
files: `sim.runs.fingerprint`); a restart under any other fingerprint is
refused, naming what changed, rather than mixed in.

Re-running a replicate gives the same bytes, so the files finished from
checkpoints are identical to those of an uninterrupted run.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sim.config.errors import ConfigError
from sim.files import atomic_write_bytes, atomic_write_text
from sim.model import ReplicateOutcome
from sim.runs.fingerprint import differences

FINGERPRINT = "fingerprint"


class Checkpoints:
    """Replicate outcomes saved block by block under `folder`."""

    def __init__(self, folder: Path, fingerprint: dict, what: str = "run"):
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.what = what

    def check(self) -> None:
        """Refuse, naming what changed, if saved replicates here were made under another fingerprint."""
        marker = self.folder / FINGERPRINT
        if not marker.exists():
            return
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            found = None
        if found == self.fingerprint:
            return
        changes = (differences(found, self.fingerprint) if isinstance(found, dict)
                   else ["its record of them was written by an earlier version of the simulator"])
        raise ConfigError(
            f"'{self.folder.parent}' holds an unfinished {self.what} whose saved replicates were made under a "
            f"different fingerprint: {'; '.join(changes)}. They cannot be mixed with replicates made now. To "
            f"start afresh, remove '{self.folder.parent}' or choose another folder; to finish it, run it "
            "again with what it was made with."
        )

    def open(self) -> Checkpoints:
        """Create the folder, or check that an existing one belongs to the same run."""
        self.check()
        marker = self.folder / FINGERPRINT
        if not marker.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(marker, json.dumps(self.fingerprint, sort_keys=True, indent=1) + "\n")
        return self

    def completed(self) -> dict[int, ReplicateOutcome]:
        """Every replicate saved so far; an unreadable block file is dropped and its replicates re-run."""
        done: dict[int, ReplicateOutcome] = {}
        for path in sorted(self.folder.glob("block-*.npz")):
            try:
                done.update(read_block(path.read_bytes()))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
                path.unlink(missing_ok=True)
        return done

    def completed_indices(self) -> set[int]:
        """The replicates saved so far (an unreadable block file is dropped, and its replicates re-run)."""
        done: set[int] = set()
        for path in sorted(self.folder.glob("block-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as z:
                    done.update(z["indices"].tolist())
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
                path.unlink(missing_ok=True)
        return done

    def completed_count(self) -> int:
        return len(self.completed_indices())

    def blocks(self) -> Iterator[list[tuple[int, ReplicateOutcome]]]:
        """The saved blocks in replicate order, one at a time (the files are named by their first replicate)."""
        for path in sorted(self.folder.glob("block-*.npz")):
            block = read_block(path.read_bytes())
            yield sorted(block.items())

    def save(self, results: list[tuple[int, ReplicateOutcome]]) -> None:
        first, last = results[0][0], results[-1][0]
        atomic_write_bytes(self.folder / f"block-{first:08d}-{last:08d}.npz", block_bytes(results))

    def remove(self) -> None:
        for path in self.folder.glob("*"):
            path.unlink(missing_ok=True)
        self.folder.rmdir()


def block_bytes(results: list[tuple[int, ReplicateOutcome]]) -> bytes:
    """One block of replicates as a handful of arrays laid end to end (plain arrays, no pickles): the cost of
    saving and reading a block does not grow with the number of arrays a replicate has."""
    outcomes = [o for _, o in results]
    first = outcomes[0]
    arrays: dict[str, np.ndarray] = {
        "indices": np.array([i for i, _ in results], dtype=np.int64),
        "attack_counts": np.array([o.attacks["day"].size for o in outcomes], dtype=np.int64),
        "month_starts": np.array(first.month_starts, dtype=np.str_),
        "counter_names": np.array(list(first.counters), dtype=np.str_),
        "counters": np.array([[o.counters[k] for k in first.counters] for o in outcomes], dtype=np.int64),
    }
    for name in first.attacks:
        arrays[f"attacks/{name}"] = np.concatenate([o.attacks[name] for o in outcomes])
    for name in first.monthly_state:
        arrays[f"state/{name}"] = np.stack([o.monthly_state[name] for o in outcomes])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_block(data: bytes) -> dict[int, ReplicateOutcome]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    months = arrays["month_starts"].tolist()
    names = arrays["counter_names"].tolist()
    ends = np.cumsum(arrays["attack_counts"])
    starts = ends - arrays["attack_counts"]
    attack_names = [n.split("/", 1)[1] for n in arrays if n.startswith("attacks/")]
    state_names = [n.split("/", 1)[1] for n in arrays if n.startswith("state/")]
    out = {}
    for k, i in enumerate(arrays["indices"].tolist()):
        attacks = {n: arrays[f"attacks/{n}"][starts[k]:ends[k]] for n in attack_names}
        state = {n: arrays[f"state/{n}"][k] for n in state_names}
        counters = dict(zip(names, (int(v) for v in arrays["counters"][k]), strict=True))
        out[i] = ReplicateOutcome(attacks, state, months, counters)
    return out
