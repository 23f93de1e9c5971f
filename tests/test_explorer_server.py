"""The explorer's server as an untrusted browser meets it: nothing outside is contacted, no file changes on a
GET, every value the page sends is checked, and ensembles are bounded and stop with their page.

The server test runs `sim explore` in a child process under an audit hook
(sim/explore/headless.py, NETWORK_AUDIT_HOOK) that records and refuses every lookup
or connection to a host other than this computer. Each case is one found by an adversarial probe of the
previous version (docs/reliability.md, "Nothing overwritten, nothing phoned
home, nothing unbounded").
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import types

import psutil
import pytest

from sim.config.errors import ConfigError
from sim.explore import batch, limits
from sim.explore.choices import Choices, horizon_ends
from sim.explore.headless import audited_env, running_explorer
from sim.explore.headless import http_status as status

from conftest import scenario


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """`sim explore` under the audit hook, with its assets folder a scratch copy and its Solara home apart."""
    root = tmp_path_factory.mktemp("audited")
    assets = root / "assets"
    (assets / "victim@1.0.0/dist").mkdir(parents=True)
    (assets / "victim@1.0.0/dist/app.js").write_text("console.log('installed');\n")
    env = {**audited_env(root), "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets), "SOLARA_HOME": str(root / "solara_home")}
    with running_explorer(root, workers=1, env=env) as url:
        yield root, url


@pytest.mark.slow
def test_a_get_on_the_assets_route_changes_no_file(audited):
    """Solara's CDN helper deleted the folder a GET named (and fetched a missing file from the web)."""
    root, url = audited
    assert status(f"{url}_solara/cdn/victim@1.0.0/dist") == 404
    assert status(f"{url}_solara/cdn/victim@1.0.0/dist/missing.js") == 404
    assert status(f"{url}_solara/cdn/victim@1.0.0/dist/app.js") == 200
    assert sorted(p.name for p in (root / "assets").rglob("*")) == ["app.js", "dist", "victim@1.0.0"]


@pytest.mark.slow
def test_the_server_contacts_no_outside_host_and_writes_no_user_id(audited):
    """Telemetry (api.mixpanel.com, api.ipify.org), the version check (pypi.org) and asset downloads
    (cdn.jsdelivr.net) were all tried at start-up or on a page's first requests."""
    root, url = audited
    for path in ("", "_solara/cdn/victim@1.0.0/dist/missing.js", "readyz"):
        status(url + path)
    time.sleep(3)                    # telemetry ran in a thread of its own
    log = root / "network.log"
    assert not log.exists(), log.read_text()
    assert not (root / "solara_home/server_user_id.txt").exists()


# ===== values the page sends ===============================================================

@pytest.mark.parametrize("change, words", [
    pytest.param({"end": "2999-12-31"}, ["end of the runs '2999-12-31'", "does not offer"], id="end-not-offered"),
    pytest.param({"seed": -1}, ["seed -1"], id="negative-seed"),
    pytest.param({"seed": 2 ** 64}, ["seed 18446744073709551616"], id="seed-above-2^63"),
    pytest.param({"seed": True}, ["seed True"], id="seed-a-boolean"),
    pytest.param({"levels": (("syria", "nowhere"),)}, ["syria level 'nowhere'"], id="level-not-offered"),
    pytest.param({"levels": (("colour", "blue"),)}, ["determinant 'colour'"], id="determinant-not-offered"),
])
def test_the_server_refuses_choices_the_page_does_not_offer(change, words):
    choices = dataclasses.replace(Choices.of("baseline"), **change)
    with pytest.raises(ConfigError) as refused:
        choices.config()
    assert all(word in str(refused.value) for word in words), str(refused.value)


def test_the_choices_the_page_offers_are_accepted():
    choices = dataclasses.replace(Choices.of("syria_collapse"), end=horizon_ends()[-1], seed=2 ** 63 - 1)
    assert choices.config().seed == 2 ** 63 - 1
    with pytest.raises(ConfigError, match=r"scenario '\.\./scenario/baseline'"):
        Choices.of("../scenario/baseline")


def test_a_replicate_count_the_page_does_not_offer_runs_nothing(monkeypatch):
    """A client that emitted 5000 started a 50-minute ensemble. The page's list turns a value it does not
    offer back into the current one, and the run itself checks its count before anything runs."""
    from sim.explore import ensemble_panel

    started = []
    monkeypatch.setattr(batch, "run_ensembles", lambda *args, **kwargs: started.append(args))
    choices = Choices.of("baseline")
    cfg = dataclasses.replace(choices.config(end="2022-02-28"), replicates=5000)
    job = ensemble_panel.start_ensemble("a browser", choices, cfg, cfg, None)
    deadline = time.monotonic() + 60
    while job.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "replicate count 5000, which it does not offer" in job.error
    assert started == []


# ===== ensembles at once, and when the page goes ===========================================

def test_one_ensemble_per_page_and_a_cap_on_the_server():
    pages = [(f"page {k}", lambda: False) for k in range(limits.MAX_RUNNING + 1)]
    with contextlib.ExitStack() as running:
        running.enter_context(limits.ensemble_slot(print, pages[0]))
        with pytest.raises(ConfigError, match="An ensemble of this page is still running"), \
                limits.ensemble_slot(print, pages[0]):
            pass
        for page in pages[1:limits.MAX_RUNNING]:
            running.enter_context(limits.ensemble_slot(print, page))
        with pytest.raises(ConfigError, match=f"already running {limits.MAX_RUNNING} ensembles"), \
                limits.ensemble_slot(print, pages[-1]):
            pass
    assert limits.running() == 0
    with limits.ensemble_slot(print, pages[-1]):
        assert limits.running() == 1


def test_an_ensemble_stops_with_its_workers_when_its_page_closes():
    """It used to run to the end, for nobody, after the tab had closed."""
    cfg = scenario("baseline", "end=2023-12-31", "replicates=40")
    closed = threading.Event()
    seen = []

    def on_progress(progress):
        seen.append(progress.done)
        if progress.done > 0:
            closed.set()                 # the page goes once the first block has come back

    started = time.monotonic()
    with pytest.raises(limits.PageClosed), \
            limits.ensemble_slot(on_progress, ("closing page", closed.is_set)) as progress:
        batch.run_ensembles({"scenario": cfg}, 2, progress)
    assert max(seen) < 40 and time.monotonic() - started < 60
    assert limits.running() == 0
    deadline = time.monotonic() + 10
    while pool_workers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool_workers() == []


def pool_workers() -> list[psutil.Process]:
    """Live worker processes of this process's pools (forked by the multiprocessing fork server)."""
    servers = [p for p in psutil.Process().children() if "forkserver" in " ".join(p.cmdline())]
    return [w for server in servers for w in server.children() if w.status() != psutil.STATUS_ZOMBIE]


def test_a_page_is_gone_when_its_kernel_closes_or_no_browser_stays_connected():
    """A tab closed without its close beacon (a crash, a killed browser) leaves a kernel Solara keeps for a day;
    its ensemble stops once no browser has been connected for the grace period."""
    now = [0.0]
    context = types.SimpleNamespace(closed_event=threading.Event(), page_status={"tab": "connected"})
    gone = limits.gone_test(context, "connected", clock=lambda: now[0])
    now[0] = 1000.0
    assert not gone()
    context.page_status["tab"] = "disconnected"
    now[0] += limits.DISCONNECTED_GRACE_S - 1
    assert not gone()
    context.page_status["tab"] = "connected"          # a reconnect after a network blip
    now[0] += 5
    assert not gone()
    context.page_status["tab"] = "disconnected"
    now[0] += limits.DISCONNECTED_GRACE_S + 1
    assert gone()
    beacon = types.SimpleNamespace(closed_event=threading.Event(), page_status={"tab": "connected"})
    closed = limits.gone_test(beacon, "connected", clock=lambda: now[0])
    assert not closed()
    beacon.closed_event.set()                          # the tab's close beacon closed the kernel
    assert closed()
