"""Exit nodes for fetching: the pool, and the networks behind it (direct, proxy list, tor)."""

from tubenotes.network.base import DirectNetwork, Network
from tubenotes.network.doctor import TorDoctorReport, tor_doctor
from tubenotes.network.errors import (
    AllNodesBlockedError,
    AttemptsExhaustedError,
    PoolExhaustedError,
)
from tubenotes.network.node import ExitNode, redact_proxy_url
from tubenotes.network.pool import TorExitNodePool
from tubenotes.network.proxies import (
    ProxyListNetwork,
    parse_proxy_url,
    read_proxies_file,
)
from tubenotes.network.retry import run_with_pool
from tubenotes.network.tor import TorNetwork

__all__ = [
    "AllNodesBlockedError",
    "AttemptsExhaustedError",
    "DirectNetwork",
    "ExitNode",
    "Network",
    "PoolExhaustedError",
    "ProxyListNetwork",
    "TorDoctorReport",
    "TorExitNodePool",
    "TorNetwork",
    "parse_proxy_url",
    "read_proxies_file",
    "redact_proxy_url",
    "run_with_pool",
    "tor_doctor",
]
