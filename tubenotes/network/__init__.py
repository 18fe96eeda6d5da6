"""Exit nodes for fetching: the pool, and the networks behind it (direct, proxy list, tor)."""

import importlib

from tubenotes.network.base import DirectNetwork, Network
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

# Tor and its doctor bring stem: imported on first use, as a batch of files or direct fetches needs neither.
_ON_FIRST_USE = {
    "TorDoctorReport": "tubenotes.network.doctor",
    "TorNetwork": "tubenotes.network.tor",
    "tor_doctor": "tubenotes.network.doctor",
}

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


def __getattr__(name: str) -> object:
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_ON_FIRST_USE[name]), name)
    globals()[name] = value
    return value
