"""The `Network` protocol: where a node's traffic goes, and how a node gets a new identity."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Network(Protocol):
    """One implementation per kind of network (direct, proxy list, tor), passed to the pool."""

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        """The proxy URL for this node at this generation, or None to connect directly."""
        ...

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        """Called when the pool moves a node to its next generation.

        ``blocked``: YouTube blocked the old identity; ``failed``: it failed otherwise (a proxy
        that refuses connections or times out). Both False: the node was only old. A network
        with identities to choose from avoids the ones that were blocked or failed.
        """
        ...

    def close(self) -> None:
        """Release what the network owns (a tor process, a controller)."""
        ...

    def describe(self) -> str:
        """One line for status and logs, with no secrets."""
        ...


class DirectNetwork:
    """No proxy: every node is this machine's own address, so a rotation changes nothing."""

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        return None

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        pass

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "direct (no proxy)"
