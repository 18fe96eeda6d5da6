"""The LLM limits shared through Redis: they hold across independent limiters (processes, machines)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tubenotes.distributed.limits import SharedLlmLimit
from tubenotes.testing.services import redis_database

pytestmark = pytest.mark.slow  # a real Redis, and worker threads holding its leases


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_database() as url:
        yield url


def test_calls_in_flight_stay_under_the_limit_across_limiters(redis_url: str) -> None:
    # Two limiters share nothing but Redis, as two workers on two machines do.
    limiters = [SharedLlmLimit(redis_url, concurrency=3) for _ in range(2)]
    lock = threading.Lock()
    in_flight = peak = 0

    def call(limiter: SharedLlmLimit) -> None:
        nonlocal in_flight, peak
        with limiter:
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.05)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call, args=(limiters[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3
    for limiter in limiters:
        limiter.close()


def test_a_slot_held_by_a_dead_worker_is_free_after_its_lease(redis_url: str) -> None:
    dead = SharedLlmLimit(redis_url, concurrency=1, lease=1.0)
    dead.__enter__()  # and never leaves: the worker is killed, nothing renews its slot
    dead.close()
    alive = SharedLlmLimit(redis_url, concurrency=1, lease=1.0)
    started = time.monotonic()
    with alive:
        waited = time.monotonic() - started
    assert 0.5 < waited < 5
    for limiter in (dead, alive):
        limiter.close()


class Waited(Exception):
    pass


def test_a_live_worker_keeps_its_slot_past_the_lease(redis_url: str) -> None:
    def sleep(seconds: float) -> None:
        raise Waited

    holder = SharedLlmLimit(redis_url, concurrency=1, lease=1.0)
    other = SharedLlmLimit(redis_url, concurrency=1, lease=1.0, sleep=sleep)
    with holder:
        time.sleep(2.5)  # a long call: the lease is renewed meanwhile
        with pytest.raises(Waited):
            other.__enter__()
    with other:
        pass
    for limiter in (holder, other):
        limiter.close()


def test_calls_per_minute_are_counted_across_limiters(redis_url: str) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise Waited

    limiters = [SharedLlmLimit(redis_url, concurrency=1, per_minute=5, sleep=sleep) for _ in range(2)]
    for i in range(5):
        with limiters[i % 2]:
            pass
    assert waits == []
    with pytest.raises(Waited):
        with limiters[1]:
            pass
    assert 0 < waits[0] <= 60
    # The one slot, taken by the call that had to wait, was given back: taking it again needs no wait.
    waits.clear()
    with SharedLlmLimit(redis_url, concurrency=1, sleep=sleep) as free:
        pass
    free.close()
    assert waits == []
    for limiter in limiters:
        limiter.close()
