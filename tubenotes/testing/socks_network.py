"""A network like Tor's, on the test SOCKS5 server: every identity its own exit address.

Tor isolates circuits by SOCKS credentials; the test server gives every
username its own loopback source address. Together they let tests and
benchmarks rotate nodes exactly as `TorNetwork` does, with no tor and no
internet, while the fake YouTube blocks addresses one by one.
"""

from __future__ import annotations

from tubenotes.testing.socks5 import Socks5Server


class FreshAddressNetwork:
    """`tubenotes.network.Network` over a `Socks5Server`: a rotation is a new username, so a new address."""

    def __init__(self, socks: Socks5Server) -> None:
        self.socks = socks

    def proxy_url(self, node_id: int, generation: int) -> str:
        return self.socks.proxy_url(f"tubenotes-{node_id}-g{generation}", "test-password")

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        """Nothing to do: the pool's next generation is a new username."""

    def close(self) -> None:
        """The SOCKS server belongs to the caller."""

    def describe(self) -> str:
        return f"the test SOCKS5 server at 127.0.0.1:{self.socks.port}"
