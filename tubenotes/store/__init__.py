"""Where jobs and generated answers are kept: the protocol and its implementations."""

from __future__ import annotations

from pathlib import Path

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
    "unfinished",
    "vault_lock",
]


def open_store(url: str | None, vault: Path) -> JobStore:
    """The store a URL names (``postgresql://...``), or by default the SQLite store in the vault."""
    if not url:
        return SqliteStore(vault)
    if url.startswith(("postgresql://", "postgres://")):
        from tubenotes.store.postgres import PostgresJobStore

        return PostgresJobStore(url, vault)
    raise ConfigurationError(f"--store {url.split('://')[0]}://... is not a store tubenotes knows; "
                             "leave it out for the SQLite store in the vault")
