"""Run one fetch on the pool: rotate and retry on blocks and node failures, with back-off."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from tubenotes.backoff import backoff_ceiling
from tubenotes.config import DEFAULT_MAX_ATTEMPTS
from tubenotes.errors import BlockedError, PermanentError, TransientError
from tubenotes.network.errors import (
    AllNodesBlockedError,
    AttemptsExhaustedError,
    PoolExhaustedError,
)
from tubenotes.network.node import ExitNode
from tubenotes.network.pool import TorExitNodePool

T = TypeVar("T")

DEFAULT_BACKOFF = 1.0
DEFAULT_MAX_BACKOFF = 30.0
# Long enough for a busy pool to lend a node (fetches take seconds); short enough to notice a leak.
DEFAULT_ACQUIRE_TIMEOUT = 600.0


def backoff_delay(retry: int, backoff: float, max_backoff: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, ...): doubling, capped, jittered in [half, full]."""
    ceiling = backoff_ceiling(retry, backoff, max_backoff)
    return rng.uniform(ceiling / 2, ceiling)


def run_with_pool(
    pool: TorExitNodePool,
    attempt: Callable[[ExitNode], T],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF,
    max_backoff: float = DEFAULT_MAX_BACKOFF,
    acquire_timeout: float | None = DEFAULT_ACQUIRE_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """``attempt(node)`` on a leased node until it returns, retrying blocks and transient failures.

    A blocked node is released as blocked (rotated at once), a node that failed otherwise as
    failed (rotated too); the retry leases the next node in the queue, at once after a first
    block and after a jittered, doubling back-off otherwise. A PermanentError, or any
    other exception, propagates at once. A pool that lends no node in ``acquire_timeout``
    raises PoolExhaustedError at once.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    rng = rng or random.Random()
    nodes_tried: set[int] = set()
    blocked = 0
    last_error: TransientError | None = None
    for number in range(1, max_attempts + 1):
        # A first block is about one address: retry at once on a fresh node. A second block,
        # or a network failure, points at something wider (rate limit, outage): back off.
        if number > 1 and not (blocked == 1 and isinstance(last_error, BlockedError)):
            sleep(backoff_delay(number - 1, backoff, max_backoff, rng))
        try:
            with pool.lease(acquire_timeout) as node:
                nodes_tried.add(node.id)
                return attempt(node)
        except (PermanentError, PoolExhaustedError):
            raise
        except BlockedError as exc:
            blocked += 1
            last_error = exc
        except TransientError as exc:
            last_error = exc
    raise _exhausted(max_attempts, blocked, len(nodes_tried), pool, last_error) from last_error


def _exhausted(
    attempts: int, blocked: int, nodes: int, pool: TorExitNodePool, last: TransientError | None
) -> TransientError:
    """The error that ends a fetch whose attempts all failed, saying what to do next."""
    where = f"{nodes} of {pool.size} exit nodes ({pool.network.describe()})"
    if blocked == attempts:
        return AllNodesBlockedError(
            f"every attempt was blocked: {attempts} attempts through {where}; "
            "add nodes (--pool-size), use --network tor or more proxies, or wait an hour and resume",
            attempts=attempts,
            nodes=nodes,
        )
    return AttemptsExhaustedError(
        f"all {attempts} attempts failed ({blocked} blocked, {attempts - blocked} network failures) through {where}; "
        f"last: {last}; check the network with `tubenotes doctor`, or resume later",
        attempts=attempts,
        nodes=nodes,
    )
