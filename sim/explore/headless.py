"""Drive the explorer without a person: start it in a child process and find a browser for it.

The browser tests and the documentation's screenshot use these, so both see
the page exactly as `sim explore` serves it. The browser is the system's
Chromium (Debian's `chromium` package); nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.explore.serve import DEFAULT_HOST, free_port

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Flags for headless Chromium in a container: no sandbox (runs as root), no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 180
# A sitecustomize.py that records (one host a line, in $SIM_NETWORK_LOG) and refuses every lookup of or
# connection to a host other than this computer, in the process that loads it.
NETWORK_AUDIT_HOOK = """
import ipaddress, os, sys

LOG = os.environ["SIM_NETWORK_LOG"]


def outside(host):
    host = host.decode() if isinstance(host, bytes) else host
    if host in (None, "", "localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if outside(host):
        with open(LOG, "a") as log:
            log.write(f"{host}\\n")
        raise ConnectionRefusedError(f"{host} is outside this computer")


sys.addaudithook(hook)
"""


def find_chromium() -> str | None:
    """$CHROMIUM if set, else Debian's path, else `chromium` on the PATH; None when there is none."""
    for candidate in (os.environ.get("CHROMIUM"), DEFAULT_CHROMIUM, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def audited_env(folder: Path) -> dict[str, str]:
    """Environment for a child process that runs under NETWORK_AUDIT_HOOK: its hook folder on PYTHONPATH (put
    it first if PYTHONPATH is set), and the log of refused hosts in `folder`/network.log."""
    (folder / "hook").mkdir(parents=True, exist_ok=True)
    (folder / "hook/sitecustomize.py").write_text(NETWORK_AUDIT_HOOK)
    return {"PYTHONPATH": str(folder / "hook"), "SIM_NETWORK_LOG": str(folder / "network.log")}


def http_status(url: str) -> int:
    """The HTTP status a GET of `url` gets (an error status too, without raising)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


def _wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the explorer stopped while starting:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the explorer did not answer at {url} within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_explorer(workdir: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `sim explore` on a free loopback port with `workdir` as its folder (and `env` added to the
    environment); yield its address."""
    port = free_port(DEFAULT_HOST)
    url = f"http://{DEFAULT_HOST}:{port}/"
    log = workdir / "explorer-server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "sim", "explore", f"port={port}", f"workers={workers}"],
                                   cwd=workdir, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        _wait_until_served(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
