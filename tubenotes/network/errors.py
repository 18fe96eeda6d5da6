"""Failures of the exit node pool, placed in the tubenotes error tree."""

from __future__ import annotations

from tubenotes.errors import BlockedError, TransientError


class PoolExhaustedError(TransientError):
    """No exit node became free in time, or the pool is closed."""

    kind = "pool_exhausted"


class AllNodesBlockedError(BlockedError):
    """Every attempt of a fetch was blocked, on every node tried."""

    kind = "all_nodes_blocked"

    def __init__(self, message: str, *, attempts: int, nodes: int) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.nodes = nodes


class AttemptsExhaustedError(TransientError):
    """Every attempt of a fetch failed, some for reasons other than a block."""

    kind = "attempts_exhausted"

    def __init__(self, message: str, *, attempts: int, nodes: int) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.nodes = nodes
