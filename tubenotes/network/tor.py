"""Tor as a network: one tor process, one set of SOCKS credentials per node.

Tor isolates streams by SOCKS username and password (IsolateSOCKSAuth, on by default),
so a node that changes its password gets a circuit of its own. Rotating a node is a new
password: no NEWNYM signal, no rate limit, no effect on the other nodes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import stem
import stem.connection
import stem.process
from stem.control import Controller, Listener

from tubenotes.config import DEFAULT_ROTATE_AFTER
from tubenotes.errors import ConfigurationError

# Tor must not retire a node's circuit before the pool does: keep circuits this much longer.
DIRTINESS_MARGIN = 600
DEFAULT_LAUNCH_TIMEOUT = 90.0
DEFAULT_BOOTSTRAP_TIMEOUT = 300.0
PASSWORD_ENV = "TUBENOTES_TOR_PASSWORD"
STOP_TIMEOUT = 10.0

BootstrapCallback = Callable[[int, str], None]
_BOOTSTRAP_STATUS = re.compile(r'PROGRESS=(\d+).*?SUMMARY="([^"]*)"')


def parse_host_port(value: str, flag: str) -> tuple[str, int]:
    """'HOST:PORT' (or ':PORT' for localhost) as a pair; ConfigurationError names the flag."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"{flag} {value!r} is not HOST:PORT; write it like 127.0.0.1:9050")
    return host.strip("[]") or "127.0.0.1", int(port)


def node_username(node_id: int) -> str:
    return f"tubenotes-{node_id}"


class TorNetwork:
    """Tor reached through a controller. Build it with `launch` (owned) or `connect` (external)."""

    def __init__(
        self,
        controller: Controller,
        socks_address: tuple[str, int],
        *,
        process: subprocess.Popen | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.controller = controller
        self.socks_address = socks_address
        self.process = process
        self.data_dir = data_dir
        # Passwords derive from a key that lives only in this process: unguessable, and new at every run.
        self._session_key = secrets.token_bytes(32)
        self._closed = False

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def launch(
        cls,
        *,
        rotation_interval: float = DEFAULT_ROTATE_AFTER,
        extra_config: Mapping[str, str | list[str]] | None = None,
        tor_cmd: str = "tor",
        timeout: float = DEFAULT_LAUNCH_TIMEOUT,
        on_log: Callable[[str], None] | None = None,
    ) -> TorNetwork:
        """Start a tor of our own in a private temporary data directory; returns once it listens.

        Bootstrapping goes on in the background: call `wait_until_bootstrapped` to wait for it.
        ``extra_config`` adds torrc options (bridges, for instance) and may override ours.
        """
        data_dir = Path(tempfile.mkdtemp(prefix="tubenotes-tor-"))
        port_file = data_dir / "control-port"
        config: dict[str, str | list[str]] = {
            "DataDirectory": str(data_dir),
            "SocksPort": "auto IsolateSOCKSAuth",
            "ControlPort": "auto",
            "ControlPortWriteToFile": str(port_file),
            "CookieAuthentication": "1",
            "MaxCircuitDirtiness": str(_dirtiness_for(rotation_interval)),
            "Log": "NOTICE stdout",
            **(extra_config or {}),
        }
        process = None
        try:
            # completion_percent=0: return at "Bootstrapped 0%", when both ports already listen.
            process = stem.process.launch_tor_with_config(
                config,
                tor_cmd=tor_cmd,
                completion_percent=0,
                init_msg_handler=on_log,
                # stem times out with SIGALRM, which only the main thread may use (it refuses otherwise).
                timeout=timeout if threading.current_thread() is threading.main_thread() else None,
                take_ownership=True,  # tor exits if tubenotes dies without closing it
            )
            controller = open_controller(*_read_port_file(port_file), password=None)
            return cls(controller, _socks_listener(controller), process=process, data_dir=data_dir)
        except BaseException as exc:
            _stop_process(process)
            shutil.rmtree(data_dir, ignore_errors=True)
            if not isinstance(exc, OSError):
                raise
            if shutil.which(tor_cmd) is None:
                raise ConfigurationError(
                    f"tor is not installed ({tor_cmd!r} not found): install it (apt install tor) "
                    "or use --network direct or --network proxies"
                ) from exc
            raise ConfigurationError(f"tor failed to start: {exc}; run `tubenotes doctor`") from exc

    @classmethod
    def connect(
        cls,
        control: str,
        socks: str | None = None,
        *,
        rotation_interval: float = DEFAULT_ROTATE_AFTER,
        password: str | None = None,
    ) -> TorNetwork:
        """Use a tor that is already running (``--tor-control HOST:PORT [--tor-socks HOST:PORT]``).

        Authenticates by cookie, or by password (argument, else $TUBENOTES_TOR_PASSWORD).
        Raises MaxCircuitDirtiness for this tor's run if it is below the rotation interval;
        never stops this tor.
        """
        host, port = parse_host_port(control, "--tor-control")
        controller = open_controller(host, port, password=password or os.environ.get(PASSWORD_ENV))
        try:
            socks_address = parse_host_port(socks, "--tor-socks") if socks else _socks_listener(controller)
            _check_isolation(controller)
            dirtiness = int(controller.get_conf("MaxCircuitDirtiness"))
            if dirtiness < rotation_interval:
                controller.set_conf("MaxCircuitDirtiness", str(_dirtiness_for(rotation_interval)))
        except BaseException:
            controller.close()
            raise
        return cls(controller, socks_address)

    # ---- the Network protocol ---------------------------------------------------------------
    @property
    def owned(self) -> bool:
        return self.process is not None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def credentials(self, node_id: int, generation: int) -> tuple[str, str]:
        """The node's SOCKS username and password for this generation."""
        message = f"{node_id}:{generation}".encode()
        password = hmac.new(self._session_key, message, hashlib.sha256).hexdigest()[:32]
        return node_username(node_id), password

    def proxy_url(self, node_id: int, generation: int) -> str | None:
        username, password = self.credentials(node_id, generation)
        host, port = self.socks_address
        # socks5h: the exit resolves names, so no DNS query leaves this machine outside tor.
        return f"socks5h://{username}:{password}@{host}:{port}"

    def rotate(self, node_id: int, *, blocked: bool = False, failed: bool = False) -> None:
        """Nothing to do: the node's next generation has a new password, hence a new circuit."""

    def bootstrap_status(self) -> tuple[int, str]:
        """Tor's bootstrap progress in percent, and its summary of the current step."""
        status = self.controller.get_info("status/bootstrap-phase")
        match = _BOOTSTRAP_STATUS.search(status)
        if match is None:
            return 0, status
        return int(match.group(1)), match.group(2)

    def wait_until_bootstrapped(
        self,
        timeout: float = DEFAULT_BOOTSTRAP_TIMEOUT,
        on_progress: BootstrapCallback | None = None,
        *,
        poll_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Block until tor has built its first circuit, reporting each new step to ``on_progress``."""
        deadline = clock() + timeout
        last: tuple[int, str] | None = None
        while True:
            status = self.bootstrap_status()
            if status != last and on_progress is not None:
                on_progress(*status)
            last = status
            if status[0] >= 100:
                return
            if clock() >= deadline:
                raise ConfigurationError(
                    f"tor did not finish bootstrapping within {timeout:g} s (stuck at {status[0]}%: {status[1]}); "
                    "check the internet connection, configure bridges if tor is censored here, "
                    "or use --network direct"
                )
            sleep(poll_interval)

    def close(self) -> None:
        """Close the controller; stop tor (by its PID) and remove its data only if we started it."""
        if self._closed:
            return
        self._closed = True
        self.controller.close()
        if self.process is not None:
            _stop_process(self.process)
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def describe(self) -> str:
        socks = "%s:%d" % self.socks_address
        control = "%s:%d" % (self.controller.get_socket().address, self.controller.get_socket().port)
        mode = f"managed, pid {self.pid}" if self.owned else "external"
        return f"tor ({mode}; socks {socks}, control {control})"

    def __enter__(self) -> TorNetwork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _dirtiness_for(rotation_interval: float) -> int:
    return int(rotation_interval) + DIRTINESS_MARGIN


def _read_port_file(port_file: Path) -> tuple[str, int]:
    """The control address tor wrote (``PORT=127.0.0.1:1234``) before logging 'Bootstrapped 0%'."""
    try:
        line = port_file.read_text().strip()
    except OSError as exc:
        raise OSError(f"tor wrote no control port file ({exc.strerror})") from exc
    return parse_host_port(line.removeprefix("PORT="), "ControlPortWriteToFile")


def open_controller(host: str, port: int, *, password: str | None) -> Controller:
    """A connected, authenticated controller; ConfigurationError says how to fix a failure."""
    try:
        controller = Controller.from_port(address=host, port=port)
    except stem.SocketError as exc:
        raise ConfigurationError(
            f"cannot reach the tor control port at {host}:{port} ({exc}); "
            "is tor running with ControlPort set? Check with `tubenotes doctor`"
        ) from exc
    try:
        controller.authenticate(password=password)
    except stem.connection.AuthenticationFailure as exc:
        controller.close()
        raise ConfigurationError(
            f"tor at {host}:{port} refused authentication ({exc}); enable CookieAuthentication "
            f"and let this user read the cookie, or set {PASSWORD_ENV} to the control password"
        ) from exc
    return controller


def _socks_listener(controller: Controller) -> tuple[str, int]:
    listeners = controller.get_listeners(Listener.SOCKS, [])
    if not listeners:
        raise ConfigurationError("this tor has no SocksPort; set SocksPort in its torrc or pass --tor-socks HOST:PORT")
    return listeners[0]


def _check_isolation(controller: Controller) -> None:
    """Nodes are only isolated if the SOCKS port keeps IsolateSOCKSAuth (its default)."""
    for socks_port in controller.get_conf("SocksPort", [], multiple=True):
        if "NoIsolateSOCKSAuth" in socks_port.split():
            raise ConfigurationError(
                f"this tor's SocksPort {socks_port!r} has NoIsolateSOCKSAuth, so all nodes would share one "
                "circuit; remove that flag from its torrc"
            )


def _stop_process(process: subprocess.Popen | None) -> None:
    """Terminate the tor we started (by its PID), and kill it if it will not stop."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
