"""HTTP plumbing shared by the YouTube source: timeouts, proxies, trusted CAs.

youtube-transcript-api sets no timeout on its requests; `TimeoutSession`
gives every request one. Users behind a TLS-inspecting proxy name its CA in
``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE``; `ca_bundle_from_environment`
reads them once for requests and yt-dlp alike.
"""

from __future__ import annotations

import os
from typing import Any

import requests

# Read in this order; the first set wins, as requests itself does for the first two.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def ca_bundle_from_environment() -> str | None:
    """The CA file the user asked us to trust, or None for the default store."""
    for name in CA_BUNDLE_VARIABLES:
        if value := os.environ.get(name):
            return value
    return None


class TimeoutSession(requests.Session):
    """A requests session whose every request has a timeout and this node's proxy."""

    def __init__(self, timeout: float, proxy_url: str | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        self.proxies = {"http": proxy_url, "https": proxy_url} if proxy_url else {}
        self.verify = ca_bundle_from_environment() or True

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        # requests lets HTTPS_PROXY from the environment override session proxies;
        # the node's proxy must win, so pass it per request.
        if self.proxies:
            kwargs.setdefault("proxies", self.proxies)
        return super().request(method, url, *args, **kwargs)
