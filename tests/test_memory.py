"""A run's memory does not grow with its replicates beyond the digest's few numbers each.

`run_into` streams each block of replicates to disk and keeps a digest (sim/analysis/digest.py). Held whole,
the tables of a run of 2020 would take over a hundred kilobytes a replicate (its events table alone has a
row of a dozen fields for each of about a thousand attacks); the digest keeps a replicate's row and its
months' totals. Python's allocations are traced
(tracemalloc) while a small and a six-times larger ensemble run from this process on two workers, from the
same starting point, their tables written five replicates at a time (a chunk, held whole while it is
written, is the other thing a run keeps); the larger may use more only by its extra replicates' digest rows.
Speed is the benchmarks' business (benchmarks/bench_memory.py measures whole processes up to 100,000
replicates); this checks the growth alone.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from sim.api import load_scenario
from sim.runs import spool
from sim.runs.result import run_into

SMALL, LARGE, CHUNK = 10, 60, 5
# The most a replicate may add to the peak: the digest's rows with pandas' overheads (about 8 KB measured on
# a run of 2020), well below the 100 KB and more a replicate's tables would take held whole.
PER_REPLICATE_BYTES = 16_000


def _peak(replicates: int, folder) -> int:
    cfg = load_scenario("baseline", ["end=2020-12-31", f"replicates={replicates}", "plots=false", "csv=false",
                                     "progress=false"])
    gc.collect()
    tracemalloc.start()
    try:
        run_into(cfg, folder, workers=2, progress=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_peak_memory_grows_only_by_the_digest(tmp_path, monkeypatch):
    real_chunks = spool.chunks
    monkeypatch.setattr(spool, "chunks", lambda blocks: real_chunks(blocks, CHUNK))
    _peak(SMALL, tmp_path / "warm")                     # imports, compiled code and caches loaded first
    small = _peak(SMALL, tmp_path / "small")
    large = _peak(LARGE, tmp_path / "large")
    growth = (large - small) / (LARGE - SMALL)
    print(f"{growth:,.0f} bytes a replicate ({small:,} then {large:,} at the peak)")
    assert growth < PER_REPLICATE_BYTES
