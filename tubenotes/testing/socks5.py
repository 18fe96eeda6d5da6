"""A real SOCKS5 server (RFC 1928, RFC 1929) for tests: one "exit IP" per username.

Every CONNECT is sent to one target address chosen by the test (the fake
YouTube server), whatever host the client asked for, so clients that resolve
names through the proxy (``socks5h://``) reach the fake offline. Each distinct
username leaves from its own loopback address (127.0.0.2, 127.0.0.3, ...), so
the target sees one client IP per set of credentials, like one Tor circuit
per node, and can block nodes one by one.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass

SOCKS_VERSION = 5
AUTH_VERSION = 1
NO_AUTH, USERNAME_PASSWORD, NO_ACCEPTABLE_METHOD = 0x00, 0x02, 0xFF
CMD_CONNECT = 0x01
ATYP_IPV4, ATYP_DOMAIN, ATYP_IPV6 = 0x01, 0x03, 0x04
REP_SUCCEEDED, REP_GENERAL_FAILURE, REP_CONNECTION_REFUSED = 0x00, 0x01, 0x05
REP_COMMAND_NOT_SUPPORTED, REP_ADDRESS_TYPE_NOT_SUPPORTED = 0x07, 0x08
# The address of a client that sent no credentials: the machine itself.
ANONYMOUS_EXIT_IP = "127.0.0.1"
FIRST_EXIT_HOST = 2  # 127.0.0.2 is the first per-username exit address
RELAY_CHUNK = 65536


@dataclass(frozen=True)
class SocksConnection:
    """One CONNECT the server was asked for."""

    username: str | None
    host: str
    port: int


class Socks5Server:
    """SOCKS5 server on 127.0.0.1 in a thread; use as a context manager.

    ``credentials`` maps usernames to passwords; ``None`` accepts any
    username and password (as Tor does with IsolateSOCKSAuth) and also clients
    without credentials. ``dead`` makes it refuse every CONNECT, as a proxy
    whose upstream is gone does.
    """

    def __init__(
        self,
        target: tuple[str, int],
        *,
        credentials: dict[str, str] | None = None,
        dead: bool = False,
        connect_timeout: float = 5.0,
    ) -> None:
        self.target = target
        self.credentials = credentials
        self.dead = dead
        self.connect_timeout = connect_timeout
        self.connections: list[SocksConnection] = []
        self._open_tunnels = 0
        self._exit_ips: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Socks5Server:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._server = _ThreadingServer(("127.0.0.1", 0), _SocksHandler)
        self._server.socks = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="socks5", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    # --- what tests use ------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the SOCKS5 server is not running: use it as a context manager")
        return self._server.server_address[1]

    def proxy_url(self, username: str | None = None, password: str = "x") -> str:
        """A ``socks5h://`` URL for this server, with credentials if given."""
        auth = f"{username}:{password}@" if username is not None else ""
        return f"socks5h://{auth}127.0.0.1:{self.port}"

    def exit_ip_for(self, username: str | None) -> str:
        """The loopback address connections with this username leave from."""
        if username is None:
            return ANONYMOUS_EXIT_IP
        with self._lock:
            if username not in self._exit_ips:
                host = FIRST_EXIT_HOST + len(self._exit_ips)
                if host > 254:
                    raise RuntimeError("more than 253 distinct SOCKS usernames: out of 127.0.0.x exit addresses")
                self._exit_ips[username] = f"127.0.0.{host}"
            return self._exit_ips[username]

    @property
    def usernames(self) -> set[str | None]:
        with self._lock:
            return {c.username for c in self.connections}

    @property
    def open_tunnels(self) -> int:
        """Tunnels relaying now: a client that closed its connections leaves none behind."""
        with self._lock:
            return self._open_tunnels

    def _count_tunnel(self, change: int) -> None:
        with self._lock:
            self._open_tunnels += change

    def _record(self, connection: SocksConnection) -> None:
        with self._lock:
            self.connections.append(connection)


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    socks: Socks5Server

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-handshake is normal for a proxy


class _SocksHandler(socketserver.BaseRequestHandler):
    server: _ThreadingServer

    def handle(self) -> None:
        socks = self.server.socks
        client: socket.socket = self.request
        client.settimeout(socks.connect_timeout)
        username = self._negotiate_auth(client, socks)
        if username is False:
            return
        host, port = self._read_connect_request(client)
        if host is None:
            return
        socks._record(SocksConnection(username, host, port))
        if socks.dead:
            self._reply(client, REP_CONNECTION_REFUSED)
            return
        try:
            upstream = socket.create_connection(
                socks.target, timeout=socks.connect_timeout, source_address=(socks.exit_ip_for(username), 0)
            )
        except OSError:
            self._reply(client, REP_CONNECTION_REFUSED)
            return
        with upstream:
            bound_ip, bound_port = upstream.getsockname()[:2]
            self._reply(client, REP_SUCCEEDED, bound_ip, bound_port)
            socks._count_tunnel(+1)
            try:
                _relay(client, upstream, self.server.stopping)
            finally:
                socks._count_tunnel(-1)

    def _negotiate_auth(self, client: socket.socket, socks: Socks5Server) -> str | None | bool:
        """The username the client authenticated with, None without one, False on failure."""
        version, method_count = _recv_exact(client, 2)
        methods = set(_recv_exact(client, method_count))
        if version != SOCKS_VERSION:
            return False
        if USERNAME_PASSWORD in methods:
            client.sendall(bytes([SOCKS_VERSION, USERNAME_PASSWORD]))
            _auth_version, name_length = _recv_exact(client, 2)
            username = _recv_exact(client, name_length).decode("utf-8", "replace")
            (password_length,) = _recv_exact(client, 1)
            password = _recv_exact(client, password_length).decode("utf-8", "replace")
            accepted = socks.credentials is None or socks.credentials.get(username) == password
            client.sendall(bytes([AUTH_VERSION, 0x00 if accepted else 0x01]))
            return username if accepted else False
        if NO_AUTH in methods and socks.credentials is None:
            client.sendall(bytes([SOCKS_VERSION, NO_AUTH]))
            return None
        client.sendall(bytes([SOCKS_VERSION, NO_ACCEPTABLE_METHOD]))
        return False

    def _read_connect_request(self, client: socket.socket) -> tuple[str | None, int]:
        version, command, _reserved, address_type = _recv_exact(client, 4)
        if address_type == ATYP_IPV4:
            host = str(ipaddress.IPv4Address(_recv_exact(client, 4)))
        elif address_type == ATYP_IPV6:
            host = str(ipaddress.IPv6Address(_recv_exact(client, 16)))
        elif address_type == ATYP_DOMAIN:
            (length,) = _recv_exact(client, 1)
            host = _recv_exact(client, length).decode("idna")
        else:
            self._reply(client, REP_ADDRESS_TYPE_NOT_SUPPORTED)
            return None, 0
        (port,) = struct.unpack("!H", _recv_exact(client, 2))
        if version != SOCKS_VERSION or command != CMD_CONNECT:
            self._reply(client, REP_COMMAND_NOT_SUPPORTED)
            return None, 0
        return host, port

    @staticmethod
    def _reply(client: socket.socket, status: int, ip: str = "0.0.0.0", port: int = 0) -> None:
        client.sendall(
            bytes([SOCKS_VERSION, status, 0x00, ATYP_IPV4]) + socket.inet_aton(ip) + struct.pack("!H", port)
        )


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("SOCKS client closed the connection mid-request")
        data += chunk
    return data


def _relay(client: socket.socket, upstream: socket.socket, stopping: threading.Event) -> None:
    """Copy bytes both ways until either side closes or the server stops."""
    peers = {client: upstream, upstream: client}
    while not stopping.is_set():
        readable, _, _ = select.select(list(peers), [], [], 0.2)
        for sock in readable:
            try:
                data = sock.recv(RELAY_CHUNK)
            except OSError:
                return
            if not data:
                return
            try:
                peers[sock].sendall(data)
            except OSError:
                return
