"""LLM limits that hold across every worker of a batch: a provider limits its key, not a machine.

Calls in flight: a counting semaphore of N slots, each slot a redis-py `Lock`
with a short lease that a thread renews while the call runs, so that a worker
killed mid-call frees its slot within one lease. Calls per minute: the
`limits` package's moving window in Redis.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

# A slot is free again this long after a worker died holding it; a live worker renews it every third of it.
DEFAULT_LEASE = 30.0
# Seconds between looks for a free slot; a call takes seconds, so this costs nothing that matters.
POLL = 0.05


class SharedLlmLimit:
    """A context manager around each LLM call: at most ``concurrency`` in flight, ``per_minute`` started."""

    def __init__(self, redis_url: str, concurrency: int, per_minute: int | None = None, name: str = "tubenotes:llm",
                 lease: float = DEFAULT_LEASE, sleep: Callable[[float], None] = time.sleep) -> None:
        import redis
        from limits import RateLimitItemPerMinute
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self._redis: Any = redis.Redis.from_url(redis_url)
        self._slots = [f"{name}:slot:{i}" for i in range(concurrency)]
        self._name = name
        self._lease = lease
        self._sleep = sleep
        self._held = threading.local()
        self._holding: set[Any] = set()  # every slot this process holds, for the renewer
        self._holding_lock = threading.Lock()
        self._closed = threading.Event()
        self._renewer = threading.Thread(target=self._renew, name="tubenotes-llm-lease", daemon=True)
        self._renewer.start()
        self._rate = RateLimitItemPerMinute(per_minute) if per_minute else None
        self._limiter = MovingWindowRateLimiter(storage_from_string(redis_url)) if per_minute else None

    def __enter__(self) -> SharedLlmLimit:
        lock = self._take_slot()
        self._held.lock = lock
        try:
            self._wait_for_rate()
        except BaseException:
            self._release(lock)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._release(self._held.lock)
        self._held.lock = None

    def _take_slot(self) -> Any:
        while True:
            for slot in random.sample(self._slots, len(self._slots)):
                lock = self._redis.lock(slot, timeout=self._lease, thread_local=False)
                if lock.acquire(blocking=False):
                    with self._holding_lock:
                        self._holding.add(lock)
                    return lock
            self._sleep(POLL)

    def _wait_for_rate(self) -> None:
        if self._limiter is None:
            return
        while not self._limiter.hit(self._rate, self._name):
            reset = self._limiter.get_window_stats(self._rate, self._name).reset_time
            self._sleep(min(60.0, max(POLL, reset - time.time())))

    def _release(self, lock: Any) -> None:
        from redis.exceptions import LockError

        with self._holding_lock:
            self._holding.discard(lock)
        try:
            lock.release()
        except LockError:
            pass  # the lease ran out (the process stalled past it): the slot is already free

    def _renew(self) -> None:
        from redis.exceptions import LockError, RedisError

        while not self._closed.wait(self._lease / 3):
            with self._holding_lock:
                held = list(self._holding)
            for lock in held:
                try:
                    lock.reacquire()
                except (LockError, RedisError):
                    pass  # released meanwhile, or Redis is away: the lease decides

    def close(self) -> None:
        """Stop renewing (slots still held lapse within a lease, as a killed worker's do)."""
        self._closed.set()
        self._renewer.join(timeout=5)
        self._redis.close()
