"""run_with_pool: rotate and retry on blocks and failures, never on permanent errors."""

from __future__ import annotations

import random

import pytest

from tubenotes.errors import BlockedError, PermanentError, TransientError
from tubenotes.network import (
    AllNodesBlockedError,
    PoolExhaustedError,
    ProxyListNetwork,
    TorExitNodePool,
    run_with_pool,
)
from tubenotes.network.errors import AttemptsExhaustedError
from tubenotes.network.retry import backoff_delay


class Attempts:
    """A fake fetch that fails with the given errors in turn, then returns the node's id."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[tuple[int, int]] = []  # (node id, generation)

    def __call__(self, node):
        self.calls.append((node.id, node.generation))
        if self.errors:
            raise self.errors.pop(0)
        return f"fetched on node {node.id}"


def run(pool, attempt, **kwargs):
    """The result, the back-off sleeps, and the numbers of the attempts the fetch saw."""
    sleeps: list[float] = []
    kwargs.setdefault("rng", random.Random(7))
    result = run_with_pool(pool, attempt, sleep=sleeps.append, **kwargs)
    return result, sleeps, list(range(1, len(attempt.calls) + 1))


def test_block_then_success_rotates_the_node_and_uses_another():
    pool = TorExitNodePool(3)
    attempt = Attempts(BlockedError("HTTP 429"))
    result, sleeps, numbers = run(pool, attempt)
    assert result == "fetched on node 1"
    assert attempt.calls == [(0, 0), (1, 0)]
    assert numbers == [1, 2] and sleeps == []  # a first block retries at once, on a fresh node
    rows = pool.stats()
    assert (rows[0]["blocks"], rows[0]["generation"]) == (1, 1)
    assert (rows[1]["blocks"], rows[1]["uses"]) == (0, 1)


def test_node_failure_is_retried_and_counted():
    pool = TorExitNodePool(2)
    attempt = Attempts(TransientError("SOCKS error"))
    assert run(pool, attempt)[0] == "fetched on node 1"
    assert pool.stats()[0]["failures"] == 1


def test_single_node_pool_retries_on_a_fresh_identity():
    pool = TorExitNodePool(1)
    attempt = Attempts(BlockedError("blocked"), BlockedError("blocked"))
    assert run(pool, attempt)[0] == "fetched on node 0"
    assert attempt.calls == [(0, 0), (0, 1), (0, 2)]


def test_permanent_error_is_not_retried():
    pool = TorExitNodePool(2)
    attempt = Attempts(PermanentError("captions are disabled"))
    with pytest.raises(PermanentError, match="captions"):
        run(pool, attempt)
    assert len(attempt.calls) == 1
    assert [row["in_use"] for row in pool.stats()] == [False, False]
    assert pool.stats()[0]["blocks"] == 0


def test_every_attempt_blocked_fails_clearly():
    pool = TorExitNodePool(3)
    attempt = Attempts(*[BlockedError("bot check")] * 4)
    with pytest.raises(AllNodesBlockedError) as info:
        run(pool, attempt, max_attempts=4)
    message = str(info.value)
    assert "every attempt was blocked" in message
    assert "4 attempts through 3 of 3 exit nodes" in message
    assert "--pool-size" in message and "--network tor" in message
    assert (info.value.attempts, info.value.nodes) == (4, 3)
    assert isinstance(info.value, BlockedError)
    assert isinstance(info.value.__cause__, BlockedError)
    assert sum(row["blocks"] for row in pool.stats()) == 4


def test_mixed_failures_say_what_happened():
    pool = TorExitNodePool(2)
    attempt = Attempts(BlockedError("blocked"), TransientError("read timed out"))
    with pytest.raises(AttemptsExhaustedError, match=r"1 blocked, 1 network failures.*last: read timed out"):
        run(pool, attempt, max_attempts=2)


def test_exhausted_pool_is_not_retried():
    pool = TorExitNodePool(1)
    pool.acquire()
    attempt = Attempts()
    with pytest.raises(PoolExhaustedError):
        run(pool, attempt, acquire_timeout=0.01)
    assert attempt.calls == []


def test_backoff_sleeps_are_bounded_and_jittered():
    pool = TorExitNodePool(2)
    attempt = Attempts(*[TransientError("timeout")] * 7)
    _, sleeps, numbers = run(pool, attempt, max_attempts=8, backoff=1.0, max_backoff=5.0)
    assert numbers == list(range(1, 9))
    ceilings = [1, 2, 4, 5, 5, 5, 5]
    assert len(sleeps) == len(ceilings)
    for delay, ceiling in zip(sleeps, ceilings):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(sleeps[3:])) == 4  # jitter: capped delays still differ


def test_repeated_blocks_back_off_from_the_second_on():
    pool = TorExitNodePool(4)
    attempt = Attempts(BlockedError("429"), BlockedError("429"), BlockedError("429"))
    result, sleeps, numbers = run(pool, attempt, backoff=1.0)
    assert result == "fetched on node 3" and numbers == [1, 2, 3, 4]
    assert len(sleeps) == 2 and 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 4.0


def test_dead_proxy_is_left_for_a_live_one():
    """A proxy that refuses connections fails its node, which moves to the next proxy."""
    dead, alive = "socks5h://u:p@127.0.0.1:9", "socks5h://u:p@127.0.0.2:1080"
    pool = TorExitNodePool(1, network=ProxyListNetwork([dead, alive]))
    proxies_used: list[str] = []

    def attempt(node):
        proxies_used.append(node.proxy_url)
        if node.proxy_url == dead:
            raise TransientError("connection refused by the proxy")
        return "fetched"

    assert run_with_pool(pool, attempt, sleep=lambda _: None, max_attempts=3) == "fetched"
    assert proxies_used == [dead, alive]
    assert "1 failing" in pool.network.describe()


def test_backoff_delay_depends_on_the_rng():
    delays = {backoff_delay(3, 1.0, 30.0, random.Random(seed)) for seed in range(5)}
    assert len(delays) == 5 and all(2 <= delay <= 4 for delay in delays)
