"""A list of proxies (http, https, socks5, socks5h), with nodes spread over it round-robin."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from tubenotes.errors import ConfigurationError
from tubenotes.network.node import redact_proxy_url, split_userinfo

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
# Characters that end a URL's address part, so cannot appear raw in a user name or password.
USERINFO_RESERVED = ("/", "?", "#", "[", "]")
# A comment starts a line or follows a space: a "#" inside a URL (a password's) is not one.
_COMMENT = re.compile(r"(?:^|\s)#.*")


def parse_proxy_url(url: str) -> str:
    """Check one proxy URL and return it stripped; ConfigurationError says what is wrong.

    No message holds the URL unmasked, nor the text of a parser's error (it may quote the password).
    """
    url = url.strip()
    shown = redact_proxy_url(url)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in PROXY_SCHEMES:
        raise ConfigurationError(
            f"proxy URL {shown!r} has scheme {scheme or 'none'!r}; use one of {', '.join(PROXY_SCHEMES)}"
            " (socks5h resolves names at the proxy), as in socks5h://[user:password@]host:port"
        )
    userinfo = split_userinfo(url)[1]
    if any(char in userinfo for char in USERINFO_RESERVED):
        raise ConfigurationError(
            f"proxy URL {shown!r}: its user name or password holds one of {' '.join(USERINFO_RESERVED)}, "
            "which a URL reads as the end of the address; percent-encode them "
            "(/ as %2F, ? as %3F, # as %23, [ as %5B, ] as %5D)"
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a port that is not a number in range
        host = parts.hostname
    except ValueError:
        # Not `from exc`: urlsplit's messages may quote the address, password included.
        raise ConfigurationError(
            f"proxy URL {shown!r} has a malformed host or port; write it as {scheme}://[user:password@]host:port "
            "with a port from 1 to 65535"
        ) from None
    if not host:
        raise ConfigurationError(f"proxy URL {shown!r} names no host; write it as {scheme}://host:port")
    if port is None and scheme.startswith("socks"):
        raise ConfigurationError(
            f"proxy URL {shown!r} names no port; SOCKS proxies need one, e.g. {scheme}://host:1080"
        )
    return url


def read_proxies_file(path: str | Path) -> list[str]:
    """Proxy URLs from a file: one a line; blank lines and `#` comments (at line start or after a space) ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the proxies file {path}: {exc.strerror}; check --proxies") from exc
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", line).strip()
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
    """Node n starts on proxy n mod len(list), and leaves a proxy that was blocked or failed.

    A proxy marked blocked (YouTube refused it) or failed (it refused the connection, timed
    out...) is skipped while unmarked ones remain: every node on it moves to the next
    unmarked proxy. Once every proxy is marked, the marks are cleared and all proxies are
    used again, round-robin: blocks expire and dead proxies come back, and a run that
    stopped using its proxies could only fail. A plain rotation (the node's age) keeps the
    node's proxy: a plain proxy has no fresher identity to give.
    """

    def __init__(self, urls: Iterable[str]) -> None:
        self._urls = [parse_proxy_url(url) for url in urls]
        if not self._urls:
            raise ConfigurationError("the proxy network needs at least one proxy: give --proxy URL or --proxies FILE")
        self._assigned: dict[int, int] = {}
        self._marked: dict[int, str] = {}  # proxy index -> "blocked" or "failed"
        self._lock = threading.Lock()

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        with self._lock:
            return self._urls[self._current(node_id)]

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        if not (blocked or failed):
            return
        with self._lock:
            index = self._current(node_id)
            self._marked[index] = "blocked" if blocked else "failed"
            if len(self._marked) == len(self._urls):
                self._marked.clear()  # a new round: every proxy gets another chance
                self._assigned[node_id] = (index + 1) % len(self._urls)
            else:
                self._current(node_id)  # moves the node off the proxy just marked

    def close(self) -> None:
        pass

    def describe(self) -> str:
        with self._lock:
            marks = list(self._marked.values())
        return (
            f"proxies ({len(self._urls)} listed, {marks.count('blocked')} blocked, "
            f"{marks.count('failed')} failing)"
        )

    def __repr__(self) -> str:
        return f"ProxyListNetwork([{', '.join(repr(redact_proxy_url(url)) for url in self._urls)}])"

    def _current(self, node_id: int) -> int:
        """The node's proxy index, moved to the next unmarked proxy if its own is marked. Holds the lock."""
        index = self._assigned.get(node_id, node_id % len(self._urls))
        while index in self._marked:  # ends: rotate clears the marks before they cover every proxy
            index = (index + 1) % len(self._urls)
        self._assigned[node_id] = index
        return index
