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

from sim.model.part import Stream
from sim.model.parts import streams as model_streams

# The one stream that is not the model's: which posterior particle a replicate draws.
POSTERIOR = Stream("posterior", 10, "the posterior particle a replicate draws under parameters=posterior")
# Every stream, by its number: the parts of the model declare theirs (sim/model/*.py, `Stream`). A new stream
# takes the next number; changing or reusing a number would change every replicate's numbers.
STREAMS = tuple(sorted((*model_streams(), POSTERIOR), key=lambda s: s.number))
if [s.number for s in STREAMS] != list(range(len(STREAMS))):
    raise ValueError(f"stream numbers must run 0, 1, 2, ... without gaps: {[(s.name, s.number) for s in STREAMS]}")
MECHANISMS = tuple(s.name for s in STREAMS)
MODEL_STREAMS = tuple(s.name for s in model_streams())


def replicate_sequence(root_seed: int, index: int) -> np.random.SeedSequence:
    """The SeedSequence of replicate `index`: the parent of its mechanism streams."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(index),))


def mechanism_sequence(root_seed: int, index: int, mechanism: str) -> np.random.SeedSequence:
    """The SeedSequence of one mechanism's stream within replicate `index`."""
    return np.random.SeedSequence(int(root_seed), spawn_key=(int(index), MECHANISMS.index(mechanism)))


def replicate_streams(root_seed: int, index: int) -> dict[str, np.random.Generator]:
    """The generators replicate `index` draws all its randomness from, one per mechanism."""
    return {name: np.random.default_rng(mechanism_sequence(root_seed, index, name)) for name in MECHANISMS}


class StreamBank:
    """The model's generators, kept from one replicate to the next in a process and reset for each.

    A replicate that is run and then dropped (an ensemble's, a calibration's) need not make thirteen new
    generators: setting the state of kept ones to what `replicate_streams` would give is cheaper, and lets the
    model reuse the structure that holds them. Each `slot` keeps its own set (a branch of a shared history
    needs one per scenario); a replicate must be finished before its slot is used again.
    """

    def __init__(self):
        self._slots: dict[int, dict[str, np.random.Generator]] = {}

    def streams(self, slot: int, root_seed: int, index: int) -> dict[str, np.random.Generator]:
        """Slot `slot`'s generators, each in the state `replicate_streams(root_seed, index)` gives it."""
        generators = self.blank(slot)
        for name, generator in generators.items():
            generator.bit_generator.state = np.random.PCG64(mechanism_sequence(root_seed, index, name)).state
        return generators

    def blank(self, slot: int) -> dict[str, np.random.Generator]:
        """Slot `slot`'s generators in whatever state they were left."""
        if slot not in self._slots:
            self._slots[slot] = {name: np.random.Generator(np.random.PCG64()) for name in MODEL_STREAMS}
        return self._slots[slot]


BANK = StreamBank()
