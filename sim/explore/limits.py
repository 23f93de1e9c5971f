"""What the explorer's server accepts from a page, and how much it runs at once.

A page's widgets offer fixed choices, but what reaches the server is whatever the
browser sends: a client that emits 5000 replicates, or an end in the year 3000,
must be refused here, not by the drop-down list. Every value the page sends is
checked against what the page offers (`check_offered`), and the choices as a
whole in `sim/explore/choices.py`. Ensembles are the costly work: a page runs one
at a time, the server at most `MAX_RUNNING` at once (SIM_EXPLORE_MAX_ENSEMBLES
to change it), and an ensemble stops, its worker processes with it, when its
page is closed (or no browser has been connected to it for a while).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sim.config.errors import ConfigError

MAX_RUNNING = max(1, int(os.environ.get("SIM_EXPLORE_MAX_ENSEMBLES", "2")))
# Seconds a page may stay without a connected browser before its ensemble stops (a network blip reconnects).
DISCONNECTED_GRACE_S = 20.0

_lock = threading.Lock()
_running: set[str] = set()


class PageClosed(Exception):
    """The page an ensemble was running for has gone; nobody is left to see its result."""


def check_offered(value: Any, offered: Any, what: str) -> Any:
    """`value` if it is one of the `offered` choices (a bool is not a number here); else a ConfigError."""
    if isinstance(value, bool) or value not in offered:
        shown = repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
        raise ConfigError(f"The page sent {what} {shown}, which it does not offer; the choices are: "
                          f"{', '.join(map(str, offered))}.")
    return value


def current_page() -> tuple[str, Callable[[], bool]]:
    """The page (Solara's virtual kernel) the caller works for, and a test of whether it has gone; one page
    that never goes outside a server (a page rendered by a test)."""
    try:
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
    except (ImportError, RuntimeError):
        return "local", lambda: False
    return str(context.id), gone_test(context, kernel_context.PageStatus.CONNECTED)


def gone_test(context, connected: Any, clock: Callable[[], float] = time.monotonic) -> Callable[[], bool]:
    """Whether the page has gone: its kernel closed (the tab's close beacon), or no browser connected to it for
    DISCONNECTED_GRACE_S (a tab killed without a beacon; Solara itself keeps such a kernel for a day)."""
    last_connected = [clock()]

    def gone() -> bool:
        if context.closed_event.is_set():
            return True
        if connected in list(context.page_status.values()):
            last_connected[0] = clock()
        return clock() - last_connected[0] > DISCONNECTED_GRACE_S

    return gone


@contextmanager
def ensemble_slot(on_progress: Callable[[Any], None], page: tuple[str, Callable[[], bool]] | None = None
                  ) -> Iterator[Callable[[Any], None]]:
    """Hold one of the server's ensemble places for the page while the block runs; yields the progress callback
    to give the ensemble, which stops it (raising PageClosed, which stops its workers) once the page is gone."""
    page_id, closed = page or current_page()
    with _lock:
        if page_id in _running:
            raise ConfigError("An ensemble of this page is still running; wait for it to finish before starting "
                              "another.")
        if len(_running) >= MAX_RUNNING:
            raise ConfigError(f"The explorer is already running {len(_running)} ensembles, the most it runs at once; "
                              "try again when one has finished.")
        _running.add(page_id)

    def progress(update: Any) -> None:
        if closed():
            raise PageClosed(f"page {page_id} was closed")
        on_progress(update)

    try:
        yield progress
    finally:
        with _lock:
            _running.discard(page_id)


def running() -> int:
    """How many ensembles the server is running now."""
    with _lock:
        return len(_running)
