"""The exit node: one identity (a proxy URL, or none for direct) that the pool lends out."""

from __future__ import annotations

import re
from dataclasses import dataclass

SECRET_MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def split_userinfo(url: str) -> tuple[str, str, str]:
    """``(scheme://, userinfo, host part)`` of a URL as written, with no URL parsing.

    The userinfo is everything between ``://`` and the last ``@``: a password may hold
    ``# / ? [ @ :`` that a URL parser would take for the end of the address, which would
    leave the rest of the password outside the part it masks. Empty when there is no ``@``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        scheme, sep, rest = "", "", url  # no scheme: "user:pass@host:port" is still masked
    userinfo, _, host = rest.rpartition("@")
    return scheme + sep, userinfo, host


def redact_proxy_url(url: str | None) -> str:
    """The URL with its password masked, safe to print or store; "direct" for no proxy.

    Works on the raw text, so even a malformed URL never shows its password.
    """
    if url is None:
        return "direct"
    prefix, userinfo, host = split_userinfo(url)
    if ":" not in userinfo:
        return url  # no password (a user name alone is not a secret)
    user = userinfo.partition(":")[0]
    return f"{prefix}{user}:{SECRET_MASK}@{host}"


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
