"""What the explorer's server never does: look up or contact an outside host, or change a file when a page
asks for one.

Solara, as installed, asks PyPI for its newest version at start-up, sends usage
data (Mixpanel, with this machine's address looked up at api.ipify.org) and
writes an identifier to ~/.solara/server_user_id.txt; its route for front-end
assets (/_solara/cdn/...) fetches a missing file from a public CDN and deletes
the cached folder that a GET names, so one request could break the page for
every user until a reinstall. The page needs none of it: its assets are
installed with it (the solara-assets package). So `sim explore` starts Solara
with telemetry off (set SOLARA_TELEMETRY_MIXPANEL_ENABLE=true to send it) and
without the version check, and serves the installed assets through a plain
static-files route that reads and nothing else.
"""

from __future__ import annotations

import os
import sys

# Set before Solara is imported: its settings read them once, and the user id file is written at import.
TELEMETRY_OFF = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "SOLARA_TELEMETRY_SERVER_USER_ID": "not-tracked"}
# Solara's command-line switch that skips asking PyPI for its newest version.
NO_VERSION_CHECK = "--no-check-version"
ASSETS_ROUTE = "/_solara/cdn"


def quiet_environment() -> None:
    """Telemetry off unless the person set it on; call before importing Solara."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)


def harden_server() -> None:
    """Telemetry off (unless asked for) and the assets route read-only, in a Solara server already imported.
    Nothing happens outside a server (a page rendered by a test)."""
    if "solara.server.starlette" not in sys.modules:
        return
    import solara.server.settings as settings
    from starlette.routing import Mount

    server = sys.modules["solara.server.starlette"]
    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False
    for route in server.app.routes:
        if isinstance(route, Mount) and route.path == ASSETS_ROUTE:
            route.app = read_only_assets(server, settings.assets.proxy_cache_dir)


def read_only_assets(server, directory):
    """The installed front-end assets as static files: a missing file is a 404, never fetched, and a folder is
    never touched (Solara's route deletes a folder a GET names, and downloads what is missing)."""

    class ReadOnlyAssets(server.StaticFilesOptionalAuth):
        def lookup_path(self, path: str):
            # A package named alone means its main file, as Solara's route maps it.
            if "/" not in path.replace("\\", "/"):
                path = f"{path}/__main.js"
            return super().lookup_path(path)

    return ReadOnlyAssets(directory=directory, check_dir=False)
