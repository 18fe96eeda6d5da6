"""A real tor daemon driven through TorNetwork. Tor is only ever started with an unreachable
bridge (UseBridges 1, Bridge 127.0.0.1:9), so it never contacts the public Tor network."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
import requests
from stem.control import EventType

from tests.cli import run_cli
from tubenotes.errors import ConfigurationError
from tubenotes.network import TorExitNodePool, TorNetwork, tor_doctor

pytestmark = [
    pytest.mark.slow,  # a real tor daemon
    pytest.mark.skipif(
        shutil.which("tor") is None, reason="the tor binary is not installed (apt install tor; .ci/run installs it)"
    ),
    pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning"),  # inside stem 1.8
]

OFFLINE_TORRC = {"UseBridges": "1", "Bridge": "127.0.0.1:9"}
ROTATION = 1800.0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def tor():
    network = TorNetwork.launch(rotation_interval=ROTATION, extra_config=OFFLINE_TORRC, timeout=60)
    yield network
    network.close()


def test_managed_tor_discovers_ports_and_uses_cookie_auth(tor):
    assert tor.owned and pid_alive(tor.pid)
    assert (tor.data_dir / "control_auth_cookie").is_file()
    assert tor.controller.is_authenticated()
    host, port = tor.socks_address
    with socket.create_connection((host, port), timeout=5):
        pass  # the discovered SOCKS port accepts connections
    control = tor.controller.get_socket()
    assert f"control {control.address}:{control.port}" in tor.describe()
    assert f"pid {tor.pid}" in tor.describe()


def test_managed_tor_runs_with_our_config(tor):
    conf = tor.controller
    assert "IsolateSOCKSAuth" in conf.get_conf("SocksPort", multiple=True)[0].split()
    assert int(conf.get_conf("MaxCircuitDirtiness")) > ROTATION
    assert conf.get_conf("CookieAuthentication") == "1"
    assert (conf.get_conf("UseBridges"), conf.get_conf("Bridge")) == ("1", "127.0.0.1:9")
    assert Path(conf.get_conf("DataDirectory")) == tor.data_dir


def test_each_node_gets_its_own_credentials_and_rotation_changes_them(tor):
    pool = TorExitNodePool(2, network=tor)  # not closed here: the module fixture owns tor
    first, second = pool.acquire(), pool.acquire()
    assert first.proxy_url.startswith("socks5h://tubenotes-0:")
    assert second.proxy_url.startswith("socks5h://tubenotes-1:")
    assert tor.credentials(0, 0)[1] != tor.credentials(1, 0)[1]
    assert first.proxy_url.endswith("@%s:%d" % tor.socks_address)
    old_url = first.proxy_url
    pool.release(first, blocked=True)
    assert first.generation == 1
    assert first.proxy_url != old_url and first.proxy_url.startswith("socks5h://tubenotes-0:")
    assert tor.credentials(0, 1)[1] not in repr(first)


def test_tor_isolates_streams_by_node_credentials(tor):
    """Tor reports each stream's SOCKS credentials and isolates on them: one circuit per node."""
    streams: dict[str, dict] = {}
    seen = threading.Event()

    def on_stream(event) -> None:
        args = event.keyword_args
        if args.get("SOCKS_USERNAME", "").startswith("tubenotes-"):
            streams[args["SOCKS_USERNAME"]] = args
            if len(streams) == 2:
                seen.set()

    urls = [tor.proxy_url(node, 0) for node in (0, 1)]

    def fetch(url: str) -> None:
        # No circuit can be built offline: the request waits at tor, and nothing leaves the machine.
        try:
            requests.get("http://tubenotes.invalid/", proxies={"http": url}, timeout=1.5)
        except requests.RequestException:
            pass

    tor.controller.add_event_listener(on_stream, EventType.STREAM)
    try:
        threads = [threading.Thread(target=fetch, args=(url,)) for url in urls]
        for thread in threads:
            thread.start()
        assert seen.wait(10), f"tor reported streams only for {sorted(streams)}"
        for thread in threads:
            thread.join()
    finally:
        tor.controller.remove_event_listener(on_stream)
    for node in (0, 1):
        username, password = tor.credentials(node, 0)
        args = streams[username]
        assert args["SOCKS_PASSWORD"] == password
        assert {"SOCKS_USERNAME", "SOCKS_PASSWORD"} <= set(args["ISO_FIELDS"].split(","))


def test_bootstrap_progress_is_reported_and_a_stuck_bootstrap_fails_clearly(tor):
    progress: list[tuple[int, str]] = []
    with pytest.raises(ConfigurationError, match=r"did not finish bootstrapping within 0.6 s \(stuck at \d+%"):
        tor.wait_until_bootstrapped(timeout=0.6, on_progress=lambda *step: progress.append(step), poll_interval=0.1)
    assert progress and all(0 <= percent < 100 for percent, _ in progress)
    assert len(set(progress)) == len(progress)  # each step reported once


def test_external_mode_uses_a_running_tor_and_leaves_it_running(tor):
    control = tor.controller.get_socket()
    external = TorNetwork.connect(f"{control.address}:{control.port}", rotation_interval=ROTATION)
    assert not external.owned and external.pid is None
    assert external.socks_address == tor.socks_address
    assert "external" in external.describe()
    assert external.proxy_url(0, 0) != tor.proxy_url(0, 0)  # each run has its own session key
    external.close()
    assert pid_alive(tor.pid)
    assert tor.controller.get_info("version")  # the owner's controller still works


def test_external_mode_raises_a_low_circuit_dirtiness(tor):
    control = tor.controller.get_socket()
    with TorNetwork.connect(f"{control.address}:{control.port}", rotation_interval=4 * ROTATION):
        tor.controller.clear_cache()  # stem caches GETCONF answers; this one changed elsewhere
        assert int(tor.controller.get_conf("MaxCircuitDirtiness")) > 4 * ROTATION


def test_external_mode_with_explicit_socks_address(tor):
    control = tor.controller.get_socket()
    with TorNetwork.connect(f"{control.address}:{control.port}", "127.0.0.1:9999") as external:
        assert external.socks_address == ("127.0.0.1", 9999)
    assert pid_alive(tor.pid)


def test_external_mode_reports_an_unreachable_control_port():
    with pytest.raises(ConfigurationError, match=r"cannot reach the tor control port.*tubenotes doctor"):
        TorNetwork.connect(f"127.0.0.1:{free_port()}")
    with pytest.raises(ConfigurationError, match="--tor-control 'localhost' is not HOST:PORT"):
        TorNetwork.connect("localhost")


def test_doctor_reports_binary_and_control_port(tor):
    control = tor.controller.get_socket()
    report = tor_doctor(f"{control.address}:{control.port}")
    assert report.problems == () and report.binary == shutil.which("tor")
    assert report.version and report.version.split(".")[0] == "0"
    assert report.control_reachable and report.running_version
    assert "PROGRESS=" in report.bootstrap
    assert any("reachable" in line for line in report.lines())

    down = tor_doctor(f"127.0.0.1:{free_port()}")
    assert down.problems and down.control_reachable is False
    assert "cannot reach" in down.problems[0]


def test_doctor_without_tor_binary():
    report = tor_doctor(tor_cmd="tubenotes-no-such-tor")
    assert report.binary is None and "apt install tor" in report.problems[0]


def test_close_stops_the_tor_it_started_and_removes_its_data(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    network = TorNetwork.launch(extra_config=OFFLINE_TORRC, timeout=60)
    pid, data_dir = network.pid, network.data_dir
    assert data_dir.parent == tmp_path and pid_alive(pid)
    pool = TorExitNodePool(2, network=network)
    pool.close()  # the pool owns its network
    assert network.process.poll() is not None
    assert not pid_alive(pid)
    assert not data_dir.exists()
    network.close()  # a second close is harmless


def test_failed_launch_cleans_up(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bad = {**OFFLINE_TORRC, "SocksPort": "not-a-port"}
    with pytest.raises(ConfigurationError, match="tor failed to start"):
        TorNetwork.launch(extra_config=bad, timeout=60)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigurationError, match="tor is not installed"):
        TorNetwork.launch(extra_config=OFFLINE_TORRC, tor_cmd="tubenotes-no-such-tor")
    assert list(tmp_path.iterdir()) == []


def tor_pids() -> set[int]:
    return {int(pid) for pid in os.popen("pgrep -x tor").read().split()}


def test_a_run_on_tor_that_cannot_bootstrap_fails_clearly_and_leaves_no_tor(tmp_path: Path) -> None:
    from tubenotes.stages import build_stages
    from tubenotes.config import Settings
    from tubenotes.store import SqliteStore

    options = tuple(f"{key}={value}" for key, value in OFFLINE_TORRC.items())
    settings = Settings(vault=tmp_path, network="tor", tor_options=options, tor_bootstrap_timeout=3)
    notices: list[str] = []
    before = tor_pids()
    with SqliteStore(tmp_path) as store, build_stages(settings, store, notices.append) as stages:
        with pytest.raises(ConfigurationError, match="stuck"):
            stages.pool()
    assert tor_pids() == before, "the tor tubenotes started is still running"
    assert any(n.startswith("Starting tor") for n in notices) and any(n.startswith("tor: ") for n in notices)


def test_tor_options_must_be_key_value(tmp_path: Path) -> None:
    from tubenotes.stages import build_stages
    from tubenotes.config import Settings
    from tubenotes.store import SqliteStore

    settings = Settings(vault=tmp_path, network="tor", tor_options=("UseBridges",))
    with SqliteStore(tmp_path) as store, build_stages(settings, store, lambda _: None) as stages:
        with pytest.raises(ConfigurationError, match="KEY=VALUE"):
            stages.pool()


@pytest.mark.skipif(shutil.which("tor") is None, reason="doctor asks stem about tor only where tor is installed")
def test_doctor_shows_no_log_line_of_stem() -> None:
    result = run_cli("doctor", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tor binary" in result.stdout
    assert "DEBUG" not in result.stdout + result.stderr and "stem:" not in result.stderr, result.stderr
