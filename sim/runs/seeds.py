"""One door for randomness: every random stream comes from the root seed, the replicate and the mechanism.

The derivation (the seed contract):

    root seed
      -> replicate i:       SeedSequence(root, spawn_key=(i,))
          -> mechanism m:   SeedSequence(root, spawn_key=(i, m)), m = MECHANISMS.index(name)

so mechanism m of replicate i is exactly the m-th child that
`SeedSequence(root, spawn_key=(i,)).spawn(...)` gives. A replicate's numbers
depend on nothing but the root seed and i: not on the number of workers, nor
on which worker ran it, nor on the order replicates finish. Different root
seeds never share a stream (SeedSequence mixes the root into every child,
unlike `root + i`, which makes replicate 1 of seed s the replicate 0 of seed
s + 1).

Each mechanism draws from its own stream, so two scenarios run with the same
seed share their chance events wherever they share a mechanism's course:
a change to Baghdad-Washington relations leaves the Syrian arena's breakouts
exactly where they were. Contrasts between scenarios are then paired (common
random numbers) and carry less noise than two independent runs.
"""

from __future__ import annotations

import numpy as np

# The mechanisms with a stream of their own. Appending a name keeps every existing stream;
# reordering or removing one changes every replicate's numbers.
MECHANISMS = (
    "start",        # seeding cells, links and leaders at the start
    "syria",        # the Syrian arena: its reservoir of fighters
    "border",       # crossings into Iraq and redeployments out of it
    "cells",        # cells' daily choices: wake, go dormant, move, recruit, desert
    "attacks",      # whether an active cell attacks, where, what type, how many casualties
    "detection",    # detection by Iraqi forces and hideout sweeps
    "raids",        # raids, captures and what captives expose
    "strikes",      # coalition and Iraqi strikes on located cells and exposed leaders
    "leadership",   # delays before killed leaders are replaced
    "community",    # collateral damage and the backlash it causes
    "posterior",    # the posterior particle a replicate draws under parameters=posterior
    "detention",    # breakouts, escapes from Iraqi prisons and recruits from the camps
    "syria_attacks",  # IS's attacks in Syria
)


def replicate_sequence(root_seed: int, index: int) -> np.random.SeedSequence:
    """The SeedSequence of replicate `index`: the parent of its mechanism streams."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(index),))


def mechanism_sequence(root_seed: int, index: int, mechanism: str) -> np.random.SeedSequence:
    """The SeedSequence of one mechanism's stream within replicate `index`."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(index), MECHANISMS.index(mechanism)))


def replicate_streams(root_seed: int, index: int) -> dict[str, np.random.Generator]:
    """The generators replicate `index` draws all its randomness from, one per mechanism."""
    return {name: np.random.default_rng(mechanism_sequence(root_seed, index, name)) for name in MECHANISMS}
