"""One replicate of an ensemble: its parameters, its random streams, its model.

Every way of running replicate i of a config (the ensemble runner, the
explorer's watched replicate, calibration, tests, benchmarks) builds it here,
so they all compute the same numbers. Under `parameters=posterior` the
replicate draws one particle of the shipped posterior, by weight, from its own
`posterior` stream; its chance events follow the same streams whatever
parameters it gets. A replicate of a history other than the one fitted draws
only the posterior's rates and keeps its history's starting state.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from sim.config.calibrated import CALIBRATED, CalibratedParameter, with_values
from sim.config.posterior import Posterior, shipped_posterior
from sim.config.schema import POSTERIOR_MODES, ModelParams, RunConfig
from sim.config.uncertain import draw_uncertain, with_uncertain
from sim.model import InsurgencyModel, ReplicateOutcome
from sim.runs.seeds import BANK, mechanism_sequence, replicate_streams


def draw_stream(seed: int, draw: int) -> np.random.Generator:
    """The generator of parameter draw `draw`: the `posterior` stream of the replicate of that index."""
    return np.random.default_rng(mechanism_sequence(seed, draw, "posterior"))


def draw_index(seed: int, draw: int, weights: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """The posterior particle of parameter draw `draw`, by weight, from the draw's own stream (or `rng`, that
    stream already made, which the uncertain parameters then continue)."""
    rng = rng or draw_stream(seed, draw)
    return int(rng.choice(weights.size, p=weights))


def draw_of(cfg: RunConfig, index: int) -> int:
    """The parameter draw replicate `index` uses: consecutive replicates share one (replicates_per_draw)."""
    return index // cfg.replicates_per_draw


def draws_for(cfg: RunConfig, indices: list[int]) -> list[int]:
    weights = shipped_posterior().weights
    return [draw_index(cfg.seed, draw_of(cfg, i), weights) for i in indices]


def parameter_draw(cfg: RunConfig, index: int, weights: np.ndarray) -> tuple[int, dict[str, float]]:
    """The posterior particle replicate `index` draws and, under parameters=uncertain, the uncertain
    parameters' values drawn after it from the same stream (empty otherwise): the one place that orders them."""
    draw = draw_of(cfg, index)
    rng = draw_stream(cfg.seed, draw)
    particle = draw_index(cfg.seed, draw, weights, rng)
    return particle, draw_uncertain(cfg.model, rng) if cfg.parameters == "uncertain" else {}


def uncertain_for(cfg: RunConfig, indices: list[int]) -> list[dict[str, float]]:
    """The values of the uncertain parameters each replicate draws (parameters=uncertain)."""
    weights = shipped_posterior().weights
    return [parameter_draw(cfg, i, weights)[1] for i in indices]


def replicate_params(cfg: RunConfig, index: int, posterior: Posterior | None = None) -> ModelParams:
    """The model parameters replicate `index` starts from: a draw from `posterior` (the shipped one under
    parameters=posterior or uncertain) and, under parameters=uncertain, the uncertain parameters drawn over
    their ranges (sim/config/uncertain.py); else the config's own. Replicates that draw the same particle get
    the same object, so that they share the work done once per set of parameters (sim.model.world.plan)."""
    if posterior is None and cfg.parameters not in POSTERIOR_MODES:
        return cfg.model
    posterior = posterior or shipped_posterior()
    particle, uncertain = parameter_draw(cfg, index, posterior.weights)
    params = particle_params(cfg.model, posterior, particle, posterior.drawn(cfg.history))
    return with_uncertain(params, uncertain) if uncertain else params


# Parameters by (base parameters, posterior, particle, what is drawn), each entry keeping its keys alive.
_PARTICLES: OrderedDict = OrderedDict()
PARTICLES_KEPT = 4096


def particle_params(base: ModelParams, posterior: Posterior, particle: int,
                    drawn: tuple[CalibratedParameter, ...] = CALIBRATED) -> ModelParams:
    key = (id(base), id(posterior), particle, drawn)
    if key not in _PARTICLES:
        _PARTICLES[key] = (base, posterior, with_values(base, posterior.values(particle, drawn)))
        if len(_PARTICLES) > PARTICLES_KEPT:
            _PARTICLES.popitem(last=False)
    return _PARTICLES[key][2]


def replicate_model(cfg: RunConfig, index: int, posterior: Posterior | None = None,
                    streams: dict[str, np.random.Generator] | None = None) -> InsurgencyModel:
    """Replicate `index` of the ensemble `cfg` describes, built but not yet run; with its own new generators,
    unless `streams` gives it generators already set for it (sim.runs.seeds.StreamBank)."""
    return InsurgencyModel(replicate_params(cfg, index, posterior), cfg.start, cfg.end,
                           streams or replicate_streams(cfg.seed, index), cfg.changes)


def run_replicate(cfg: RunConfig, index: int, posterior: Posterior | None = None) -> ReplicateOutcome:
    """Run replicate `index` of the ensemble that `cfg` describes (on the process's kept generators)."""
    return replicate_model(cfg, index, posterior, streams=BANK.streams(0, cfg.seed, index)).run()
