"""`sim explore`: the scenario explorer page in a browser."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.commands.grammar import Command, parse
from sim.config.errors import ConfigError
from sim.explore.serve import serve


@dataclass
class ExploreSettings:
    """Where the page listens and how many processes run its ensembles."""

    host: str = field(default="127.0.0.1", metadata={"help": "address to listen on (default: this computer only)"})
    port: int | None = field(default=None, metadata={"help": "port (default 8765, or a free one if that is taken)"})
    workers: int | None = field(default=None, metadata={"help": "worker processes for ensembles (default: up to 2)"})
    open: bool = field(default=False, metadata={"help": "open the page in the default browser"})


EXPLORE = Command("explore", "sim explore [port=N] [host=ADDRESS] [workers=N] [open=true]",
                  "Start the scenario explorer page and print its address.", (ExploreSettings,),
                  flags={"--host": "host", "--port": "port", "--workers": "workers"}, switches={"--open": "open"})


def explore_command(args: list[str]) -> None:
    """Serve the explorer until interrupted."""
    parsed = parse(EXPLORE, args)
    settings = parsed.setting(ExploreSettings)
    if parsed.positional:
        raise ConfigError(f"`sim explore` takes no names; {EXPLORE.usage}")
    if settings.workers is not None and settings.workers < 1:
        raise ConfigError(f"{parsed.written('workers')} is {settings.workers}; it must be 1 or more.")
    serve(settings.host, settings.port, settings.workers, settings.open)
