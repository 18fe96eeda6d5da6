"""TorExitNodePool: a fixed set of exit nodes lent to one fetch at a time (the seed's pool, improved)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tubenotes.config import DEFAULT_ROTATE_AFTER
from tubenotes.errors import BlockedError, TransientError
from tubenotes.network.base import DirectNetwork, Network
from tubenotes.network.errors import PoolExhaustedError
from tubenotes.network.node import ExitNode


class TorExitNodePool:
    """Nodes wait in a queue; `acquire` blocks until one is free; a released node goes to the back.

    A node gets a fresh identity (``generation`` + 1, new credentials) when it is blocked or
    fails, and before reuse once it is older than ``rotation_interval`` seconds of ``clock``.
    The pool owns ``network`` and closes it in `close`. Despite its (seed) name it serves
    every kind of network.
    """

    def __init__(
        self,
        pool_size: int,
        network: Network | None = None,
        rotation_interval: float = DEFAULT_ROTATE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self.network = network if network is not None else DirectNetwork()
        self.rotation_interval = rotation_interval
        self._clock = clock
        now = clock()
        self._nodes = [
            ExitNode(node_id, self.network.proxy_url(node_id, 0), created_at=now) for node_id in range(pool_size)
        ]
        self._available: deque[ExitNode] = deque(self._nodes)
        self._in_use: dict[int, ExitNode] = {}
        self._condition = threading.Condition()
        self._closed = False

    @property
    def size(self) -> int:
        return len(self._nodes)

    def acquire(self, timeout: float | None = None) -> ExitNode:
        """The next free node, waiting up to ``timeout`` seconds (None: for ever) for one."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._available or self._closed, timeout):
                raise PoolExhaustedError(
                    f"no exit node became free within {timeout:g} s (all {self.size} in use); "
                    "raise --pool-size, or lower the number of parallel fetches"
                )
            if self._closed:
                raise PoolExhaustedError("the exit node pool is closed; start a new run")
            node = self._available.popleft()
            self._in_use[node.id] = node
            now = self._clock()
            if node.age(now) >= self.rotation_interval:
                self._rotate_circuit(node, now=now)
            else:
                # Another node's block may have moved this one's proxy (proxy lists).
                node.proxy_url = self.network.proxy_url(node.id, node.generation)
            node.uses += 1
            return node

    def release(self, node: ExitNode, blocked: bool = False, failed: bool = False) -> None:
        """Give the node back; a blocked or failed node is rotated before anyone gets it again."""
        with self._condition:
            if self._in_use.get(node.id) is not node:
                raise ValueError(f"{node!r} is not lent out by this pool; release each node once, after acquire")
            del self._in_use[node.id]
            node.blocks += blocked
            node.failures += failed
            if blocked or failed:
                self._rotate_circuit(node, blocked=blocked, failed=failed, now=self._clock())
            self._available.append(node)
            self._condition.notify()

    @contextmanager
    def lease(self, timeout: float | None = None) -> Iterator[ExitNode]:
        """``with pool.lease(timeout) as node:`` releases the node, marked by what escaped the block."""
        node = self.acquire(timeout)
        try:
            yield node
        except BlockedError:
            self.release(node, blocked=True)
            raise
        except TransientError:
            self.release(node, failed=True)
            raise
        except BaseException:
            self.release(node)
            raise
        else:
            self.release(node)

    def stats(self) -> list[dict]:
        """One row per node for `tubenotes status`; proxies are redacted."""
        with self._condition:
            now = self._clock()
            return [
                {
                    "id": node.id,
                    "generation": node.generation,
                    "uses": node.uses,
                    "blocks": node.blocks,
                    "failures": node.failures,
                    "age_seconds": round(node.age(now), 3),
                    "in_use": node.id in self._in_use,
                    "proxy": node.redacted_url,
                }
                for node in self._nodes
            ]

    def describe(self) -> str:
        return f"{self.size} exit nodes over {self.network.describe()}"

    def close(self) -> None:
        """Wake every waiting `acquire` with an error and close the network."""
        with self._condition:
            if self._closed:
                return
            self._closed = True
            self._condition.notify_all()
        self.network.close()

    def __enter__(self) -> TorExitNodePool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _rotate_circuit(self, node: ExitNode, *, now: float, blocked: bool = False, failed: bool = False) -> None:
        """Next generation for the node. Called with the lock held: rotations are cheap, no I/O."""
        self.network.rotate(node.id, blocked=blocked, failed=failed)
        node.generation += 1
        node.created_at = now
        node.proxy_url = self.network.proxy_url(node.id, node.generation)
