"""Where jobs and generated answers are kept: the protocol and its implementations."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tubenotes.errors import ConfigurationError
from tubenotes.store.base import GenerationCache, JobStore, cache_key, failed, unfinished
from tubenotes.store.memory import MemoryCache, MemoryStore
from tubenotes.store.sqlite import STORE_DIRNAME, FileRecord, SqliteStore, VaultRecords, vault_lock

__all__ = [
    "STORE_DIRNAME",
    "FileRecord",
    "GenerationCache",
    "JobStore",
    "MemoryCache",
    "MemoryStore",
    "SqliteStore",
    "VaultRecords",
    "cache_key",
    "failed",
    "open_store",
    "remember_shared_store",
    "shared_store_of",
    "store_url_without_secrets",
    "unfinished",
    "vault_lock",
]


# In the vault's own folder: the shared store its last batch ran on, without secrets, for `status` and `resume`.
_SHARED_STORE_FILENAME = "shared-store"


def store_url_without_secrets(url: str) -> str:
    """``url`` without its password, in the user part or in the query (``?password=``)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query) if key.lower() != "password"])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def remember_shared_store(vault: Path, url: str) -> None:
    """Note in ``vault`` that its jobs are in the shared store ``url`` (kept without its secrets)."""
    folder = Path(vault) / STORE_DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _SHARED_STORE_FILENAME).write_text(store_url_without_secrets(url) + "\n", encoding="utf-8")


def shared_store_of(vault: Path) -> str | None:
    """The shared store the vault's last batch on one ran on, without secrets; None when there was none."""
    try:
        return (Path(vault) / STORE_DIRNAME / _SHARED_STORE_FILENAME).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def open_store(url: str | None, vault: Path) -> JobStore:
    """The store a URL names (``postgresql://...``), or by default the SQLite store in the vault."""
    if not url:
        return SqliteStore(vault)
    if url.startswith(("postgresql://", "postgres://")):
        from tubenotes.store.postgres import PostgresJobStore

        return PostgresJobStore(url, vault)
    raise ConfigurationError(f"--store {url.split('://')[0]}://... is not a store tubenotes knows; "
                             "leave it out for the SQLite store in the vault")
