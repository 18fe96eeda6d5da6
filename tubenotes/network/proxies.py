"""A list of proxies (http, https, socks5, socks5h), with nodes spread over it round-robin."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from tubenotes.errors import ConfigurationError
from tubenotes.network.node import redact_proxy_url

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def parse_proxy_url(url: str) -> str:
    """Check one proxy URL and return it stripped; ConfigurationError says what is wrong."""
    url = url.strip()
    shown = redact_proxy_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise ConfigurationError(
            f"proxy URL {shown!r} is malformed ({exc}); write it as scheme://[user:password@]host:port"
        ) from exc
    if parts.scheme not in PROXY_SCHEMES:
        raise ConfigurationError(
            f"proxy URL {shown!r} has scheme {parts.scheme or 'none'!r}; use one of {', '.join(PROXY_SCHEMES)}"
            " (socks5h resolves names at the proxy)"
        )
    if not parts.hostname:
        raise ConfigurationError(f"proxy URL {shown!r} names no host; write it as {parts.scheme}://host:port")
    if port is None and parts.scheme.startswith("socks"):
        raise ConfigurationError(
            f"proxy URL {shown!r} names no port; SOCKS proxies need one, e.g. {parts.scheme}://host:1080"
        )
    return url


def read_proxies_file(path: str | Path) -> list[str]:
    """Proxy URLs from a file: one a line; blank lines and `#` comments ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the proxies file {path}: {exc.strerror}; check --proxies") from exc
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            urls.append(parse_proxy_url(line))
        except ConfigurationError as exc:
            raise ConfigurationError(f"{path}, line {number}: {exc}") from exc
    if not urls:
        raise ConfigurationError(f"the proxies file {path} lists no proxy; add one URL a line")
    return urls


class ProxyListNetwork:
    """Node n starts on proxy n mod len(list). A blocked proxy is skipped while unblocked ones remain.

    A rotation that is not caused by a block keeps the node's proxy: a plain proxy has no
    fresher identity to give.
    """

    def __init__(self, urls: Iterable[str]) -> None:
        self._urls = [parse_proxy_url(url) for url in urls]
        if not self._urls:
            raise ConfigurationError("the proxy network needs at least one proxy: give --proxy URL or --proxies FILE")
        self._assigned: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._lock = threading.Lock()

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        with self._lock:
            return self._urls[self._current(node_id)]

    def rotate(self, node_id: int, *, blocked: bool = False) -> None:
        if not blocked:
            return
        with self._lock:
            self._blocked.add(self._current(node_id))
            self._current(node_id)  # moves the node off the proxy just blocked

    def blocked_proxies(self) -> list[str]:
        """The proxies marked blocked, redacted."""
        with self._lock:
            return [redact_proxy_url(self._urls[index]) for index in sorted(self._blocked)]

    def close(self) -> None:
        pass

    def describe(self) -> str:
        with self._lock:
            blocked = len(self._blocked)
        return f"proxies ({len(self._urls)} listed, {blocked} blocked)"

    def __repr__(self) -> str:
        return f"ProxyListNetwork([{', '.join(repr(redact_proxy_url(url)) for url in self._urls)}])"

    def _current(self, node_id: int) -> int:
        """The node's proxy index, moved to the next unblocked proxy if its own is blocked. Holds the lock."""
        index = self._assigned.get(node_id, node_id % len(self._urls))
        if index in self._blocked and len(self._blocked) < len(self._urls):
            while index in self._blocked:
                index = (index + 1) % len(self._urls)
        self._assigned[node_id] = index
        return index
