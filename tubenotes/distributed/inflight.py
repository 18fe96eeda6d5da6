"""Which jobs have a message on its way, kept beside the broker's queues.

The coordinator marks a job before it sends the job's first message; the
task that finishes the job clears the mark. `resume` sends only jobs that are
neither finished nor marked, so a job is never queued twice by a coordinator
that was killed and started again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# One hash per broker database: use a database (the /N of the URL) per shared store.
INFLIGHT_KEY = "tubenotes:inflight"


class InFlight:
    def __init__(self, broker: str) -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(broker)

    def mark(self, keys: Iterable[str], stage: str) -> None:
        mapping = {key: stage for key in keys}
        if mapping:
            self._redis.hset(INFLIGHT_KEY, mapping=mapping)

    def clear(self, key: str) -> None:
        self._redis.hdel(INFLIGHT_KEY, key)

    def keys(self) -> set[str]:
        return {key.decode() for key in self._redis.hkeys(INFLIGHT_KEY)}

    def stages(self) -> dict[str, str]:
        return {key.decode(): stage.decode() for key, stage in self._redis.hgetall(INFLIGHT_KEY).items()}

    def close(self) -> None:
        self._redis.close()
