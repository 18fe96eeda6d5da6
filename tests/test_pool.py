"""The exit node pool and the direct and proxy-list networks (no network traffic)."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tubenotes.errors import BlockedError, ConfigurationError, TransientError
from tubenotes.network import (
    DirectNetwork,
    ExitNode,
    Network,
    PoolExhaustedError,
    ProxyListNetwork,
    TorExitNodePool,
    parse_proxy_url,
    read_proxies_file,
    redact_proxy_url,
)

PROXIES = [
    "socks5h://alice:s3cret@127.0.0.1:1080",
    "http://bob:hunter2@127.0.0.2:3128",
    "https://127.0.0.3:8443",
]
SECRETS = ("s3cret", "hunter2")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_network(kind: str) -> Network:
    return DirectNetwork() if kind == "direct" else ProxyListNetwork(PROXIES)


@pytest.mark.parametrize("kind", ["direct", "proxies"])
class TestNetworkContract:
    """Every network: stable URL per (node, generation), a describe line without secrets."""

    def test_is_a_network(self, kind):
        assert isinstance(make_network(kind), Network)

    def test_same_generation_gives_same_url(self, kind):
        network = make_network(kind)
        assert network.proxy_url(1, 0) == network.proxy_url(1, 0)

    def test_describe_has_no_secret(self, kind):
        network = make_network(kind)
        network.rotate(0, blocked=True)
        assert not any(secret in network.describe() for secret in SECRETS)
        network.close()


def test_workers_never_share_a_node_and_all_work_completes():
    pool = TorExitNodePool(3)
    holders: dict[int, int] = {}
    lock = threading.Lock()
    overlaps: list[int] = []
    done: list[int] = []

    def worker(worker_id: int) -> None:
        for job in range(5):
            with pool.lease(timeout=10) as node:
                with lock:
                    if node.id in holders:
                        overlaps.append(node.id)
                    holders[node.id] = worker_id
                time.sleep(0.001)
                with lock:
                    del holders[node.id]
                    done.append(job)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert overlaps == []
    assert len(done) == 8 * 5
    assert sum(row["uses"] for row in pool.stats()) == 40
    assert not any(row["in_use"] for row in pool.stats())


def test_acquire_waits_for_a_release():
    pool = TorExitNodePool(1)
    node = pool.acquire()
    threading.Timer(0.05, pool.release, args=(node,)).start()
    assert pool.acquire(timeout=5) is node


def test_acquire_timeout_raises_a_clear_error():
    pool = TorExitNodePool(2)
    pool.acquire()
    pool.acquire()
    started = time.monotonic()
    with pytest.raises(PoolExhaustedError, match=r"within 0.05 s \(all 2 in use\).*--pool-size") as info:
        pool.acquire(timeout=0.05)
    assert time.monotonic() - started >= 0.04
    assert isinstance(info.value, TransientError)


def test_close_wakes_waiters():
    pool = TorExitNodePool(1)
    pool.acquire()
    errors = []

    def wait() -> None:
        try:
            pool.acquire(timeout=10)
        except PoolExhaustedError as exc:
            errors.append(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.05)
    pool.close()
    thread.join(timeout=5)
    assert "closed" in str(errors[0])


def test_release_of_a_node_not_lent_is_a_bug():
    pool = TorExitNodePool(2)
    node = pool.acquire()
    pool.release(node)
    with pytest.raises(ValueError, match="not lent out"):
        pool.release(node)


def test_node_older_than_the_interval_is_rotated_before_reuse():
    clock = FakeClock()
    pool = TorExitNodePool(1, network=_CountingNetwork(), rotation_interval=3600, clock=clock)
    node = pool.acquire()
    first_url = node.proxy_url
    pool.release(node)
    clock.now += 3599
    node = pool.acquire()
    assert node.generation == 0
    pool.release(node)
    clock.now += 2
    node = pool.acquire()
    assert node.generation == 1
    assert node.proxy_url != first_url
    assert node.age(clock.now) == 0
    assert pool.network.rotations == [(0, False, False)]


class _CountingNetwork(DirectNetwork):
    """A network whose credentials change with the generation, recording rotations."""

    def __init__(self) -> None:
        self.rotations: list[tuple[int, bool, bool]] = []

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        return f"socks5h://node-{node_id}:gen{generation}@127.0.0.1:9050"

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        self.rotations.append((node_id, blocked, failed))


def test_blocked_node_is_rotated_at_once_and_goes_to_the_back():
    pool = TorExitNodePool(2, network=_CountingNetwork())
    node = pool.acquire()
    pool.release(node, blocked=True)
    assert node.generation == 1 and node.blocks == 1
    assert "gen1" in node.proxy_url
    assert pool.network.rotations == [(0, True, False)]
    assert pool.acquire().id == 1  # the other node is next


def test_failed_node_tells_the_network_it_failed():
    pool = TorExitNodePool(1, network=_CountingNetwork())
    with pytest.raises(TransientError):
        with pool.lease():
            raise TransientError("the proxy refused the connection")
    assert pool.network.rotations == [(0, False, True)]


def test_lease_marks_blocked_and_failed_nodes():
    pool = TorExitNodePool(1)
    with pytest.raises(BlockedError):
        with pool.lease() as node:
            raise BlockedError("blocked")
    with pytest.raises(TransientError):
        with pool.lease():
            raise TransientError("timeout")
    with pytest.raises(KeyError):
        with pool.lease():
            raise KeyError("a bug")
    [row] = pool.stats()
    assert (row["uses"], row["blocks"], row["failures"], row["generation"]) == (3, 1, 1, 2)
    assert node.id == row["id"]


def test_stats_redact_proxies():
    clock = FakeClock()
    pool = TorExitNodePool(4, network=ProxyListNetwork(PROXIES), clock=clock)
    clock.now += 12.5
    rows = pool.stats()
    assert [row["id"] for row in rows] == [0, 1, 2, 3]
    assert rows[0]["age_seconds"] == 12.5
    assert rows[0]["proxy"] == "socks5h://alice:***@127.0.0.1:1080"
    assert rows[3]["proxy"] == rows[0]["proxy"]  # round-robin over three proxies
    text = f"{rows} {pool.describe()} {pool.acquire()!r} {pool.network!r}"
    assert not any(secret in text for secret in SECRETS)


def test_exit_node_repr_hides_password():
    node = ExitNode(3, "socks5h://user:topsecret@[::1]:9050")
    assert "topsecret" not in repr(node) and "topsecret" not in str(node)
    assert node.redacted_url == "socks5h://user:***@[::1]:9050"
    assert redact_proxy_url(None) == "direct"
    assert redact_proxy_url("http://127.0.0.1:3128") == "http://127.0.0.1:3128"


AWKWARD_PASSWORDS = ["pa#ss", "pa/ss", "pa?ss", "pa[ss", "pa]ss", "p@ss", "pa:ss", "a://b@c"]


@pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
@pytest.mark.parametrize("scheme", ["socks5h://", "http://", ""])
def test_redaction_masks_any_password(scheme, password):
    url = f"{scheme}alice:{password}@127.0.0.1:1080"
    assert redact_proxy_url(url) == f"{scheme}alice:***@127.0.0.1:1080"


@pytest.mark.parametrize("password", ["pa#ss", "pa/ss", "pa?ss", "pa[ss", "pa]ss"])
def test_unencoded_reserved_character_in_password_is_a_configuration_error(password):
    with pytest.raises(ConfigurationError, match="percent-encode") as info:
        parse_proxy_url(f"socks5h://alice:{password}@127.0.0.1:1080")
    shown = str(info.value) + repr(info.value.__cause__) + repr(info.value.__context__)
    assert password not in shown and "ss@" not in shown
    assert "socks5h://alice:***@127.0.0.1:1080" in str(info.value)


@pytest.mark.parametrize("password", ["p@ss", "pa:ss", "pa%23ss"])
def test_passwords_a_url_allows_are_accepted(password):
    url = f"socks5h://alice:{password}@127.0.0.1:1080"
    assert parse_proxy_url(url) == url


def test_malformed_port_message_hides_the_password():
    with pytest.raises(ConfigurationError, match="malformed host or port") as info:
        parse_proxy_url("http://alice:s3cret@127.0.0.1:http")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "s3cret" not in str(info.value)


def test_hash_in_a_password_is_not_a_comment(tmp_path):
    path = tmp_path / "proxies.txt"
    path.write_text("socks5h://alice:se#cret@127.0.0.1:1080 # home\n")
    with pytest.raises(ConfigurationError, match="line 1.*percent-encode") as info:
        read_proxies_file(path)
    assert "se#cret" not in str(info.value) and "'socks5h://alice:se'" not in str(info.value)


def test_blocked_proxy_is_skipped_while_others_exist():
    network = ProxyListNetwork(PROXIES)
    assert network.proxy_url(0, 0) == PROXIES[0]
    assert network.proxy_url(3, 0) == PROXIES[0]
    network.rotate(0, blocked=False)
    assert network.proxy_url(0, 1) == PROXIES[0]  # plain rotation keeps the proxy
    network.rotate(0, blocked=True)
    assert network.proxy_url(0, 2) == PROXIES[1]
    assert network.proxy_url(3, 0) == PROXIES[1]  # node 3 shared the blocked proxy
    assert network.proxy_url(1, 0) == PROXIES[1]
    network.rotate(1, failed=True)  # a dead proxy is left like a blocked one
    assert network.proxy_url(1, 1) == PROXIES[2]
    assert network.proxy_url(0, 2) == PROXIES[2]
    assert network.describe() == "proxies (3 listed, 1 blocked, 1 failing)"


def test_when_every_proxy_is_marked_all_are_used_again():
    network = ProxyListNetwork(PROXIES)
    for node_id in range(3):
        network.rotate(node_id, blocked=True)
    assert network.describe() == "proxies (3 listed, 0 blocked, 0 failing)"
    # Node 2 marked the last proxy and moves on; the others stay where the round left them.
    assert [network.proxy_url(node_id, 1) for node_id in range(3)] == [PROXIES[1], PROXIES[2], PROXIES[0]]
    network.rotate(2, failed=True)
    assert network.proxy_url(2, 2) == PROXIES[1]


def test_proxies_file_with_comments(tmp_path):
    path = tmp_path / "proxies.txt"
    path.write_text("# my proxies\n\nsocks5h://alice:s3cret@127.0.0.1:1080  # home\n  http://127.0.0.2:3128\n")
    assert read_proxies_file(path) == ["socks5h://alice:s3cret@127.0.0.1:1080", "http://127.0.0.2:3128"]
    assert "s3cret" not in ProxyListNetwork(read_proxies_file(path)).describe()


@pytest.mark.parametrize(
    "line, reason",
    [
        ("ftp://127.0.0.1:21", "scheme 'ftp'"),
        ("socks5://alice:s3cret@127.0.0.1", "names no port"),
        ("http://alice:s3cret@127.0.0.1:99999", "malformed"),
        ("127.0.0.1:8080", "scheme"),
        ("socks5h://:1080", "names no host"),
    ],
)
def test_bad_proxy_line_names_the_line(tmp_path, line, reason):
    path = tmp_path / "proxies.txt"
    path.write_text(f"# header\n{PROXIES[0]}\n{line}\n")
    with pytest.raises(ConfigurationError, match=reason) as info:
        read_proxies_file(path)
    assert "line 3" in str(info.value) and str(path) in str(info.value)
    assert "s3cret" not in str(info.value)


def test_missing_or_empty_proxies_file(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_proxies_file(tmp_path / "absent.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ConfigurationError, match="lists no proxy"):
        read_proxies_file(tmp_path / "empty.txt")
    with pytest.raises(ConfigurationError, match="at least one proxy"):
        ProxyListNetwork([])


class PoolMachine(RuleBasedStateMachine):
    """Any sequence of acquire, release (plain, blocked, failed) and time passing keeps the books."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.pool = TorExitNodePool(3, network=_CountingNetwork(), rotation_interval=100, clock=self.clock)
        self.held: list[ExitNode] = []
        self.acquires = 0
        self.bad_releases = 0
        self.generations = {node["id"]: 0 for node in self.pool.stats()}

    @rule()
    def acquire(self):
        if len(self.held) == self.pool.size:
            with pytest.raises(PoolExhaustedError):
                self.pool.acquire(timeout=0)
            return
        node = self.pool.acquire(timeout=0)
        assert node not in self.held
        assert node.age(self.clock.now) < self.pool.rotation_interval
        self.held.append(node)
        self.acquires += 1

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 2), outcome=st.sampled_from(["ok", "blocked", "failed"]))
    def release(self, index, outcome):
        node = self.held.pop(index % len(self.held))
        generation = node.generation
        self.pool.release(node, blocked=outcome == "blocked", failed=outcome == "failed")
        self.bad_releases += outcome != "ok"
        assert node.generation == generation + (outcome != "ok")

    @rule(seconds=st.floats(0, 250))
    def time_passes(self, seconds):
        self.clock.now += seconds

    @invariant()
    def books_balance(self):
        rows = self.pool.stats()
        assert sum(row["in_use"] for row in rows) == len(self.held)
        assert sum(row["uses"] for row in rows) == self.acquires
        assert sum(row["blocks"] + row["failures"] for row in rows) == self.bad_releases
        for row in rows:
            assert row["generation"] >= self.generations[row["id"]]
            self.generations[row["id"]] = row["generation"]
            assert row["proxy"] == "socks5h://node-%d:***@127.0.0.1:9050" % row["id"]
        for node in self.held:  # a lent node carries the credentials of its generation
            assert node.proxy_url.endswith(f":gen{node.generation}@127.0.0.1:9050")


PoolMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
test_pool_invariants = PoolMachine.TestCase
