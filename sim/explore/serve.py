"""Start the explorer page on this computer and say where it is.

The page is served by Solara on the loopback address by default: it is meant
for the person at this computer, and it can write run directories to disk. The
server contacts no other host (sim/explore/hardening.py).
"""

from __future__ import annotations

import os
import socket
import warnings

from sim.config.errors import ConfigError
from sim.explore.hardening import NO_VERSION_CHECK, quiet_environment

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP_MODULE = "sim.explore.app"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port the system has just found free on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def choose_port(host: str, requested: int | None) -> int:
    """The requested port (an error if taken), else the default one, else any free one."""
    if requested is not None:
        if not port_is_free(host, requested):
            raise ConfigError(f"Port {requested} on {host} is already in use; choose another with --port, "
                              "or leave --port out to let the explorer pick a free one.")
        return requested
    return DEFAULT_PORT if port_is_free(host, DEFAULT_PORT) else free_port(host)


def serve(host: str = DEFAULT_HOST, port: int | None = None, workers: int | None = None,
          open_browser: bool = False) -> None:
    """Print the page's address, then run the Solara server until interrupted: telemetry off and no version
    check (the page's module makes the assets route read-only as the server starts: sim/explore/hardening.py)."""
    quiet_environment()
    try:
        from solara.__main__ import cli as solara_cli
    except ImportError:
        raise ConfigError("The explorer needs its optional dependencies: install them with "
                          "`pip install -e '.[explore]'` (or run `make explore`).") from None
    port = choose_port(host, port)
    # Solara warns on every visit that cookies fall back to SameSite=Lax over plain http; on a
    # page served to this computer only that is expected, and the warning would bury the address.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    if workers is not None:
        os.environ["SIM_EXPLORE_WORKERS"] = str(workers)
    # Solara's "runs on Solara" banner would sit over the page's text on a phone.
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    print(f"Scenario explorer: open http://{host}:{port}/ in a browser (Ctrl+C stops it).", flush=True)
    args = ["run", APP_MODULE, "--host", host, "--port", str(port), "--production", "--log-level", "warning",
            NO_VERSION_CHECK, "--open" if open_browser else "--no-open"]
    solara_cli(args, prog_name="sim explore", standalone_mode=True)
