"""Scenario configuration: the typed schema, loading through Hydra, validation."""

from sim.config.errors import ConfigError
from sim.config.load import compose_run_config, list_scenarios, to_run_config
from sim.config.schema import RunConfig

__all__ = ["ConfigError", "RunConfig", "compose_run_config", "list_scenarios", "to_run_config"]
