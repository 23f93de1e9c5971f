"""One door for randomness: every replicate's generator comes from the root seed and its index.

Replicate i uses the i-th child of `SeedSequence(root)` (the same child that
`SeedSequence(root).spawn(n)[i]` gives), so a replicate's numbers depend on
nothing but the root seed and i: not on the number of workers, nor on which
worker ran it, nor on the order replicates finish.
"""

from __future__ import annotations

import numpy as np


def replicate_seed(root_seed: int, index: int) -> int:
    """A 64-bit integer seed for replicate `index`, derived from the root seed."""
    child = np.random.SeedSequence(root_seed, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0])


def replicate_rng(root_seed: int, index: int) -> np.random.Generator:
    """The generator replicate `index` draws all its randomness from."""
    return np.random.default_rng(replicate_seed(root_seed, index))
