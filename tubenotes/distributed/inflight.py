"""Which jobs have a message on its way, kept beside the broker's queues.

The coordinator marks a job before it sends the job's first message; a
worker marks it taken when its task starts; the task that finishes the job
clears the mark. `resume` sends only jobs that are neither finished nor
marked, so a job is never queued twice by a coordinator that was killed and
started again. Each mark says when it was set (by the broker's clock, the one
every machine shares), so that a message lost on the way shows: its mark
grows old while its queue is empty (`Mark.lost`).

A worker that cannot run a job for a reason only the coordinator can fix (its
store does not hold the job: worker and coordinator use different stores)
reports it here, and the coordinator stops with that reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from tubenotes.config import redact_url
from tubenotes.errors import ConfigurationError

# One hash per broker database: use a database (the /N of the URL) per shared store.
INFLIGHT_KEY = "tubenotes:inflight"
PROBLEMS_KEY = "tubenotes:problems"

Result = TypeVar("Result")


class BrokerUnreachable(ConfigurationError):
    """The broker (Redis) cannot be reached: at start a configuration error; mid-batch the batch stops resumable."""

    kind = "broker_unreachable"
    retryable = True


@dataclass(frozen=True)
class Mark:
    stage: str
    since: float  # broker time when it was marked or taken
    taken: bool = False  # a worker's task started it (or holds it for a retry)

    def lost(self, now: float, queue_length: int, deadline: float, taken_deadline: float) -> bool:
        """Whether the job's message seems lost: queued that long with nothing left in its queue, or taken
        longer than the broker lets a task run before it hands it to another worker."""
        age = now - self.since
        return age > taken_deadline if self.taken else (age > deadline and queue_length == 0)


class InFlight:
    def __init__(self, broker: str) -> None:
        import redis

        self.broker = broker
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._redis: Any = redis.Redis.from_url(broker, socket_connect_timeout=5, socket_timeout=30)

    def check(self) -> None:
        """Raise BrokerUnreachable unless the broker answers."""
        self._call(self._redis.ping)

    def mark(self, keys: Iterable[str], stage: str, taken: bool = False) -> None:
        now = self.now()
        mapping = {key: json.dumps({"stage": stage, "since": now, "taken": taken}) for key in keys}
        if mapping:
            self._call(lambda: self._redis.hset(INFLIGHT_KEY, mapping=mapping))

    def take(self, key: str, stage: str) -> None:
        """A worker's task has started the job's stage."""
        self.mark([key], stage, taken=True)

    def clear(self, key: str) -> None:
        self._call(lambda: self._redis.hdel(INFLIGHT_KEY, key))

    def marks(self) -> dict[str, Mark]:
        raw = self._call(lambda: self._redis.hgetall(INFLIGHT_KEY))
        return {key.decode(): _mark(value.decode()) for key, value in raw.items()}

    def keys(self) -> set[str]:
        return set(self.marks())

    def stages(self) -> dict[str, str]:
        return {key: mark.stage for key, mark in self.marks().items()}

    def waiting(self, queue: str) -> int:
        """How many messages wait in ``queue`` (Celery's Redis transport keeps a queue as a list of its name)."""
        return int(self._call(lambda: self._redis.llen(queue)))

    def now(self) -> float:
        seconds, micros = self._call(self._redis.time)
        return seconds + micros / 1e6

    def report(self, key: str, problem: str) -> None:
        """A worker cannot run the job for a reason the coordinator must show."""
        self._call(lambda: self._redis.hset(PROBLEMS_KEY, key, problem))

    def problems(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(keys)
        if not wanted:
            return {}
        values = self._call(lambda: self._redis.hmget(PROBLEMS_KEY, wanted))
        return {key: value.decode() for key, value in zip(wanted, values, strict=True) if value is not None}

    def forget_problems(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if wanted:
            self._call(lambda: self._redis.hdel(PROBLEMS_KEY, *wanted))

    def close(self) -> None:
        self._redis.close()

    def _call(self, call: Callable[[], Result]) -> Result:
        try:
            return call()
        except self._errors as exc:
            raise BrokerUnreachable(f"cannot reach the broker {redact_url(self.broker)}: {exc}; check --broker / "
                                    "TUBENOTES_BROKER and that Redis runs") from exc


def _mark(value: str) -> Mark:
    try:
        data = json.loads(value)
        return Mark(str(data["stage"]), float(data["since"]), bool(data.get("taken")))
    except (ValueError, KeyError, TypeError):  # a bare stage, as marks were written before they carried a time
        return Mark(value, 0.0)

