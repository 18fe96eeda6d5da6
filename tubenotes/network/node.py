"""The exit node: one identity (a proxy URL, or none for direct) that the pool lends out."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

SECRET_MASK = "***"


def redact_proxy_url(url: str | None) -> str:
    """The URL with its password masked, safe to print or store; "direct" for no proxy."""
    if url is None:
        return "direct"
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{SECRET_MASK}@{hostport}"))


@dataclass(eq=False)
class ExitNode:
    """A node of the pool. ``generation`` grows by one at every rotation (new circuit or proxy).

    Times come from the pool's clock (monotonic seconds by default), not wall time.
    """

    id: int
    proxy_url: str | None
    generation: int = 0
    created_at: float = 0.0
    uses: int = 0
    blocks: int = 0
    failures: int = 0
    last_used: float | None = None

    @property
    def redacted_url(self) -> str:
        return redact_proxy_url(self.proxy_url)

    def age(self, now: float) -> float:
        """Seconds since this node's current circuit or proxy was set up."""
        return now - self.created_at

    def __repr__(self) -> str:
        return (
            f"ExitNode(id={self.id}, proxy={self.redacted_url!r}, generation={self.generation}, "
            f"uses={self.uses}, blocks={self.blocks}, failures={self.failures})"
        )

    __str__ = __repr__
